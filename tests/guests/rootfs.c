/*
 * Reads an embedded tree back (tests/rootfs.bats):
 *   rootfs cat PATH...     the files' bytes, one after the other, to stdout
 *   rootfs stat PATH...    one line each: type, mode, size, links, mtime
 *   rootfs try OP PATH     what a call answers: "ok" or the errno's name
 *                          (OP: read, openw, creat, trunc, unlink, mkdir,
 *                          rename, write)
 *   rootfs tmp [PATH]      write a file in /tmp and read it back (and
 *                          through PATH, say a link in the tree)
 *   rootfs ls DIR          readdir: one line each, "type name", sorted as read
 *   rootfs link PATH       lstat's type and readlink's target
 *   rootfs ids PATH...     one line each: st_dev st_ino
 *   rootfs statvfs PATH    read-only or not, name max, blocks, files
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static const char *name(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = { { ENOENT, "ENOENT" },
		  { ENOTDIR, "ENOTDIR" },
		  { EISDIR, "EISDIR" },
		  { EROFS, "EROFS" },
		  { EEXIST, "EEXIST" },
		  { ELOOP, "ELOOP" },
		  { ENAMETOOLONG, "ENAMETOOLONG" },
		  { EBADF, "EBADF" },
		  { EPERM, "EPERM" },
		  { ENOTSUP, "ENOTSUP" },
		  { EINVAL, "EINVAL" },
		  { EIO, "EIO" } };
	static char buf[16];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof buf, "E%d", e);
	return buf;
}

static int cat(int n, char **paths)
{
	static char buf[65536];
	for (int i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", paths[i], name(errno));
			return 1;
		}
		ssize_t r;
		while ((r = read(fd, buf, sizeof buf)) > 0)
			fwrite(buf, 1, (size_t)r, stdout);
		if (r < 0) {
			fprintf(stderr, "%s: read: %s\n", paths[i], name(errno));
			return 1;
		}
		close(fd);
	}
	return 0;
}

static int stats(int n, char **paths)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			printf("%s %s\n", paths[i], name(errno));
			continue;
		}
		printf("%s %s %o %lld %d %lld.%09ld\n", paths[i], S_ISDIR(st.st_mode) ? "dir" : "file",
		       (unsigned)(st.st_mode & 07777), S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
		       (int)st.st_nlink, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
	return 0;
}

static int try(const char *op, const char *path)
{
	int r, fd;
	char c;
	if (strcmp(op, "read") == 0) {
		fd = open(path, O_RDONLY);
		r = fd < 0 ? -1 : (int)read(fd, &c, 1);
	} else if (strcmp(op, "openw") == 0) {
		r = open(path, O_WRONLY);
	} else if (strcmp(op, "creat") == 0) {
		r = open(path, O_WRONLY | O_CREAT, 0644);
	} else if (strcmp(op, "trunc") == 0) {
		r = open(path, O_WRONLY | O_TRUNC);
	} else if (strcmp(op, "write") == 0) {
		fd = open(path, O_WRONLY);
		r = fd < 0 ? -1 : (int)write(fd, "x", 1);
	} else if (strcmp(op, "unlink") == 0) {
		r = unlink(path);
	} else if (strcmp(op, "mkdir") == 0) {
		r = mkdir(path, 0755);
	} else if (strcmp(op, "rename") == 0) {
		r = rename(path, "/renamed");
	} else {
		fprintf(stderr, "unknown op %s\n", op);
		return 2;
	}
	printf("%s\n", r < 0 ? name(errno) : "ok");
	return 0;
}

static int tmp(const char *again)
{
	char buf[32] = { 0 };
	int fd = open("/tmp/note", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "written in /tmp", 15) != 15 || lseek(fd, 0, SEEK_SET) != 0 ||
	    read(fd, buf, sizeof buf) != 15) {
		printf("/tmp: %s\n", name(errno));
		return 1;
	}
	close(fd);
	printf("%s\n", buf);
	return again ? cat(1, (char **)&again) : 0;
}

static int ls(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	if (!d) {
		printf("%s: %s\n", path, name(errno));
		return 1;
	}
	while ((e = readdir(d)))
		printf("%s %s\n", e->d_type == DT_DIR ? "dir" : e->d_type == DT_LNK ? "link" : "file", e->d_name);
	closedir(d);
	return 0;
}

static int showlink(const char *path)
{
	struct stat st;
	char buf[1024];
	ssize_t n;
	if (lstat(path, &st) < 0 || (n = readlink(path, buf, sizeof buf)) < 0) {
		printf("%s: %s\n", path, name(errno));
		return 1;
	}
	printf("%s %.*s\n", S_ISLNK(st.st_mode) ? "link" : "not-a-link", (int)n, buf);
	return 0;
}

static int ids(int n, char **paths)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0)
			printf("%s %s\n", paths[i], name(errno));
		else
			printf("%s %lld %lld\n", paths[i], (long long)st.st_dev, (long long)st.st_ino);
	}
	return 0;
}

static int fsinfo(const char *path)
{
	struct statvfs sv;
	if (statvfs(path, &sv) < 0) {
		printf("%s: %s\n", path, name(errno));
		return 1;
	}
	printf("%s %lu %s\n", sv.f_flag & ST_RDONLY ? "ro" : "rw", (unsigned long)sv.f_namemax,
	       sv.f_blocks && sv.f_files ? "sized" : "unsized");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "cat") == 0)
		return cat(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "stat") == 0)
		return stats(argc - 2, argv + 2);
	if (argc == 4 && strcmp(argv[1], "try") == 0)
		return try(argv[2], argv[3]);
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "tmp") == 0)
		return tmp(argv[2]);
	if (argc == 3 && strcmp(argv[1], "ls") == 0)
		return ls(argv[2]);
	if (argc == 3 && strcmp(argv[1], "link") == 0)
		return showlink(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "ids") == 0)
		return ids(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "statvfs") == 0)
		return fsinfo(argv[2]);
	fprintf(stderr,
		"usage: rootfs cat|stat|ids PATH... | try OP PATH | tmp [PATH] | ls DIR | link PATH | statvfs PATH\n");
	return 2;
}

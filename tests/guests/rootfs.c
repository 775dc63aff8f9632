/*
 * Reads an embedded tree back (tests/rootfs.bats):
 *   rootfs cat PATH...     the files' bytes, one after the other, to stdout
 *   rootfs stat PATH...    one line each: type, mode, size, links, mtime
 *   rootfs try OP PATH     what a call answers: "ok" or the errno's name
 *                          (OP: read, openw, creat, trunc, unlink, mkdir,
 *                          rename, write)
 *   rootfs tmp             write a file in /tmp and read it back
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

static int tmp(void)
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
	if (argc == 2 && strcmp(argv[1], "tmp") == 0)
		return tmp();
	fprintf(stderr, "usage: rootfs cat|stat PATH... | try OP PATH | tmp\n");
	return 2;
}

/*
 * The directory tree inside a real guest (tests/files.bats): every path
 * call and the errno Linux gives, as TAP.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#include "../tap.h"

static int fails(int r, int e)
{
	return r < 0 && errno == e;
}

static int put(const char *path, const char *s)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	return close(fd) == 0 && ok;
}

static int has(const char *path, const char *s)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
	close(fd);
	return n == (ssize_t)strlen(s) && memcmp(buf, s, (size_t)n) == 0;
}

/* The names in dir, sorted, joined by spaces. */
static const char *list(const char *dir)
{
	static char out[512];
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		strcat(out, v[i]->d_name);
		strcat(out, i + 1 < n ? " " : "");
		free(v[i]);
	}
	if (n >= 0)
		free(v);
	return out;
}

static void dirs(void)
{
	struct stat st;
	ok(mkdir("/a", 0750) == 0 && mkdir("/a/b", 0755) == 0 && mkdir("a/b/c", 0755) == 0, "mkdir, nested");
	ok(stat("/a", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750 && st.st_nlink == 3,
	   "a directory's mode and st_nlink (2 + subdirectories)");
	ok(fails(mkdir("/a", 0755), EEXIST) && fails(mkdir("/nope/x", 0755), ENOENT) && fails(mkdir("/", 0755), EEXIST),
	   "mkdir: EEXIST, ENOENT");
	ok(put("/a/f", "hello") && fails(mkdir("/a/f/x", 0755), ENOTDIR) && fails(open("/a/f/", O_RDONLY), ENOTDIR),
	   "a file used as a directory is ENOTDIR");
	ok(fails(rmdir("/a"), ENOTEMPTY) && fails(rmdir("/a/f"), ENOTDIR) && fails(rmdir("/tmp"), EBUSY) &&
	       fails(rmdir("/a/b/."), EINVAL) && fails(rmdir("/nope"), ENOENT),
	   "rmdir: ENOTEMPTY, ENOTDIR, EBUSY (a mount point), EINVAL (.), ENOENT");
	ok(fails(unlink("/a/b"), EISDIR) && fails(open("/a", O_WRONLY), EISDIR),
	   "a directory is not unlinked or written");
	ok(chdir("/a/b") == 0 && put("here", "x") && stat("/a/b/here", &st) == 0 && chdir("..") == 0 &&
	       stat("b/here", &st) == 0,
	   "chdir; relative paths start there");
	char buf[64];
	ok(getcwd(buf, sizeof buf) && strcmp(buf, "/a") == 0 && !getcwd(buf, 2) && errno == ERANGE,
	   "getcwd, and ERANGE when short");
	int d = open("/a/b", O_RDONLY | O_DIRECTORY);
	ok(d >= 0 && chdir("/") == 0 && fchdir(d) == 0 && getcwd(buf, sizeof buf) && strcmp(buf, "/a/b") == 0,
	   "fchdir");
	ok(fails(chdir("/a/f"), ENOTDIR) && fails(chdir("/zz"), ENOENT) &&
	       fails(open("/a/f", O_RDONLY | O_DIRECTORY), ENOTDIR),
	   "chdir to a file is ENOTDIR; O_DIRECTORY");
	ok(fstatat(d, "here", &st, 0) == 0 && openat(d, "new", O_CREAT | O_WRONLY, 0600) >= 0 &&
	       mkdirat(d, "sub", 0700) == 0 && unlinkat(d, "sub", AT_REMOVEDIR) == 0 && unlinkat(d, "new", 0) == 0 &&
	       faccessat(d, "here", R_OK, 0) == 0 && renameat(d, "here", AT_FDCWD, "/a/here2") == 0 &&
	       stat("/a/here2", &st) == 0,
	   "the *at calls relative to a directory fd");
	ok(fails(openat(1, "x", O_RDONLY), ENOTDIR) && fails(openat(99, "x", O_RDONLY), EBADF),
	   "*at on a non-directory fd");
	close(d);
	chdir("/");
	ok(fails(rmdir("/"), EBUSY), "rmdir / is EBUSY");
}

static void readdirs(void)
{
	ok(strcmp(list("/a"), ". .. b f here2") == 0, "readdir lists . .. and the entries (%s)", list("/a"));
	ok(strcmp(list("/dev"), ". .. null random stderr stdin stdout urandom zero") == 0, "/dev (%s)", list("/dev"));
	const char *root = list("/");
	ok(strstr(root, "tmp") && strstr(root, "dev") && strstr(root, "a"), "/ lists the mount points (%s)", root);
	DIR *dir = opendir("/a");
	struct dirent *e;
	long pos = -1;
	int n = 0;
	char second[64] = "";
	while ((e = readdir(dir))) {
		if (n == 1) {
			pos = telldir(dir);
		}
		if (n == 2)
			strcpy(second, e->d_name);
		n++;
	}
	seekdir(dir, pos);
	e = readdir(dir);
	ok(n == 5 && e && strcmp(e->d_name, second) == 0, "telldir/seekdir come back to the same entry");
	rewinddir(dir);
	e = readdir(dir);
	ok(e && strcmp(e->d_name, ".") == 0 && e->d_type == DT_DIR && dirfd(dir) >= 0, "rewinddir, d_type, dirfd");
	closedir(dir);
	/* Removing while scanning skips nothing. */
	mkdir("/s", 0755);
	char p[32];
	for (int i = 0; i < 20; i++)
		snprintf(p, sizeof p, "/s/%d", i), put(p, "");
	dir = opendir("/s");
	int removed = 0;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof p, "/s/%s", e->d_name);
			removed += unlink(p) == 0;
		}
	closedir(dir);
	ok(removed == 20 && rmdir("/s") == 0, "unlinking during readdir sees every entry (%d)", removed);
	ok(opendir("/a/f") == NULL && errno == ENOTDIR && opendir("/zz") == NULL && errno == ENOENT,
	   "opendir: ENOTDIR, ENOENT");
	int fd = open("/a", O_RDONLY);
	dir = fdopendir(fd);
	ok(dir && readdir(dir) && closedir(dir) == 0 && fails(close(fd), EBADF), "fdopendir owns the fd");
	char c;
	fd = open("/a", O_RDONLY);
	ok(fails(read(fd, &c, 1), EISDIR) && close(fd) == 0, "read on a directory is EISDIR");
}

static void renames(void)
{
	struct stat st;
	mkdir("/r", 0755);
	mkdir("/r/d", 0755);
	mkdir("/r/full", 0755);
	put("/r/full/x", "x");
	put("/r/f", "F");
	ok(fails(rename("/r/d", "/r/d/in"), EINVAL), "into its own subtree: EINVAL");
	ok(fails(rename("/r/d", "/r/full"), ENOTEMPTY), "over a non-empty directory: ENOTEMPTY");
	ok(fails(rename("/r/d", "/r/f"), ENOTDIR) && fails(rename("/r/f", "/r/d"), EISDIR),
	   "dir over file ENOTDIR, file over dir EISDIR");
	ok(fails(rename("/r/f", "/tmp/f"), EXDEV) && fails(link("/r/f", "/tmp/f"), EXDEV), "across mounts: EXDEV");
	ok(rename("/r/full", "/r/moved") == 0 && has("/r/moved/x", "x") && stat("/r/full", &st) < 0,
	   "a directory moves with its contents");
	ok(mkdir("/r/e", 0755) == 0 && rename("/r/d", "/r/e") == 0 && stat("/r/d", &st) < 0 && stat("/r/e", &st) == 0,
	   "a directory replaces an empty one");
	ok(put("/r/g", "G") && rename("/r/f", "/r/g") == 0 && has("/r/g", "F") && rename("/r/g", "/r/g") == 0,
	   "a file replaces a file; renaming to itself does nothing");
	ok(fails(rename("/zz", "/r/q"), ENOENT) && fails(rename("/tmp", "/r/t"), EBUSY),
	   "ENOENT, EBUSY for a mount point");
	ok(put("/tmp/t", "T") && rename("/tmp/t", "/tmp/u") == 0 && has("/tmp/u", "T"), "/tmp is writable");
}

static void links(void)
{
	struct stat st, st2;
	char buf[PATH_MAX];
	put("/l", "data");
	ok(link("/l", "/l2") == 0 && stat("/l", &st) == 0 && st.st_nlink == 2 && stat("/l2", &st2) == 0 &&
	       st.st_ino == st2.st_ino,
	   "link: two names, one inode, st_nlink 2");
	ok(unlink("/l") == 0 && has("/l2", "data") && stat("/l2", &st) == 0 && st.st_nlink == 1,
	   "unlink one name keeps the other");
	ok(fails(link("/a", "/a3"), EPERM) && fails(link("/l2", "/a"), EEXIST) && fails(link("/zz", "/q"), ENOENT),
	   "link: EPERM for a directory, EEXIST, ENOENT");
	ok(symlink("l2", "/s1") == 0 && has("/s1", "data") && lstat("/s1", &st) == 0 && S_ISLNK(st.st_mode) &&
	       st.st_size == 2 && stat("/s1", &st) == 0 && S_ISREG(st.st_mode),
	   "symlink; stat follows, lstat does not");
	ssize_t n = readlink("/s1", buf, sizeof buf);
	ok(n == 2 && memcmp(buf, "l2", 2) == 0 && fails(readlink("/l2", buf, sizeof buf), EINVAL) &&
	       readlink("/s1", buf, 1) == 1,
	   "readlink; EINVAL on a file; truncated");
	ok(symlink("/a/b", "/sd") == 0 && has("/sd/here", "x") == 0 && stat("/sd/c", &st) == 0 && S_ISDIR(st.st_mode),
	   "a link to a directory in the middle of a path");
	ok(symlink("../a/./b/c/..", "/a/rel") == 0 && stat("/a/rel/c", &st) == 0, "a relative link with . and ..");
	ok(realpath("/sd/c/../c", buf) && strcmp(buf, "/a/b/c") == 0, "realpath resolves links and .. (%s)", buf);
	char *rp = realpath("a/rel", NULL);
	ok(rp && strcmp(rp, "/a/b") == 0 && !realpath("/zz", buf) && errno == ENOENT,
	   "realpath(NULL) allocates; ENOENT");
	free(rp);
	ok(symlink("loop2", "/loop1") == 0 && symlink("loop1", "/loop2") == 0 && fails(stat("/loop1", &st), ELOOP) &&
	       fails(open("/loop1/x", O_RDONLY), ELOOP),
	   "a loop is ELOOP");
	ok(fails(open("/s1", O_RDONLY | O_NOFOLLOW), ELOOP) && fails(symlink("x", "/s1"), EEXIST) &&
	       fails(symlink("", "/e"), ENOENT),
	   "O_NOFOLLOW on a link is ELOOP; symlink EEXIST, empty target ENOENT");
	ok(symlink("/nowhere/new", "/dangling") == 0 && fails(stat("/dangling", &st), ENOENT) &&
	       lstat("/dangling", &st) == 0 && fails(open("/dangling", O_CREAT | O_WRONLY, 0644), ENOENT) &&
	       symlink("made", "/dang2") == 0 && put("/dang2", "m") && has("/made", "m"),
	   "a dangling link: stat ENOENT, lstat works, O_CREAT makes the target");
	ok(fails(open("/dang2", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST), "O_CREAT|O_EXCL does not follow a link");
	ok(unlink("/s1") == 0 && has("/l2", "data"), "unlink removes the link, not the file");
	char part[16], prev[16] = "l2";
	for (int i = 0; i < 41; i++) {
		snprintf(part, sizeof part, "/c%d", i);
		symlink(prev, part);
		strcpy(prev, part + 1);
	}
	/* /c40 -> c39 -> ... -> c0 -> l2: 41 links */
	ok(fails(stat("/c40", &st), ELOOP) && stat("/c39", &st) == 0, "ELOOP after 40 links, 40 is fine");
}

static void files(void)
{
	struct stat st;
	char buf[64];
	int fd = open("/p", O_CREAT | O_RDWR | O_TRUNC, 0600);
	ok(fd >= 0 && pwrite(fd, "world", 5, 6) == 5 && pwrite(fd, "hello", 5, 0) == 5 && lseek(fd, 0, SEEK_CUR) == 0,
	   "pwrite leaves the offset");
	ok(pread(fd, buf, 11, 0) == 11 && memcmp(buf, "hello\0world", 11) == 0 && pread(fd, buf, 5, 100) == 0,
	   "pread, a hole reads as zeros, past the end 0");
	ok(fails(pread(fd, buf, 1, -1), EINVAL) && fails(pread(0, buf, 1, 0), ESPIPE), "pread: EINVAL, ESPIPE");
	ok(ftruncate(fd, 3) == 0 && fstat(fd, &st) == 0 && st.st_size == 3 && truncate("/p", 10) == 0 &&
	       stat("/p", &st) == 0 && st.st_size == 10 && pread(fd, buf, 10, 0) == 10 &&
	       memcmp(buf, "hel\0\0\0\0\0\0\0", 10) == 0,
	   "ftruncate and truncate shrink and grow with zeros");
	ok(fails(truncate("/a", 0), EISDIR) && fails(truncate("/p", -1), EINVAL) && fails(truncate("/zz", 0), ENOENT),
	   "truncate: EISDIR, EINVAL, ENOENT");
	ok(fsync(fd) == 0 && fdatasync(fd) == 0 && fails(fsync(99), EBADF), "fsync, fdatasync");
	ok(st.st_ino != 0 && st.st_nlink == 1 && st.st_blocks > 0 && st.st_blksize == 4096,
	   "st_ino, st_nlink, st_blocks");
	ok(fchmod(fd, 0400) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0400 && chmod("/p", 04755) == 0 &&
	       stat("/p", &st) == 0 && (st.st_mode & 07777) == 04755,
	   "chmod and fchmod keep the mode");
	struct timeval tv[2] = { { 1000, 0 }, { 2000, 500000 } };
	ok(utimes("/p", tv) == 0 && stat("/p", &st) == 0 && st.st_atime == 1000 && st.st_mtime == 2000 &&
	       st.st_mtim.tv_nsec == 500000000,
	   "utimes sets atime and mtime");
	struct timespec ts[2] = { { 5, 0 }, { 0, UTIME_OMIT } };
	ok(utimensat(AT_FDCWD, "/p", ts, 0) == 0 && stat("/p", &st) == 0 && st.st_atime == 5 && st.st_mtime == 2000,
	   "utimensat with UTIME_OMIT");
	close(fd);
	ok(access("/p", R_OK | W_OK | X_OK) == 0 && chmod("/p", 0644) == 0 && fails(access("/p", X_OK), EACCES) &&
	       fails(access("/zz", F_OK), ENOENT) && access("/a", X_OK) == 0,
	   "access: modes are kept; root may do all but run a file with no x bit");
	fd = open("/p", O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, "Z", 1) == 1 && stat("/p", &st) == 0 && st.st_size == 11 && close(fd) == 0, "O_APPEND");
	ok(fails(open("/p", O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST) && open("/p", O_WRONLY | O_TRUNC) >= 0 &&
	       stat("/p", &st) == 0 && st.st_size == 0,
	   "O_EXCL, O_TRUNC");
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	fd = open("/p", O_RDWR);
	ok(fcntl(fd, F_SETLK, &fl) == 0 && fcntl(fd, F_SETLKW, &fl) == 0 && fcntl(fd, F_GETLK, &fl) == 0 &&
	       fl.l_type == F_UNLCK,
	   "record locks always succeed; F_GETLK finds none");
	close(fd);
	struct statvfs sv;
	ok(statvfs("/", &sv) == 0 && sv.f_bsize == 4096 && sv.f_namemax == 255 && sv.f_blocks > 0 &&
	       !(sv.f_flag & ST_RDONLY) && fstatvfs(1, &sv) < 0 && errno == EBADF,
	   "statvfs");
	char name[300];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	ok(fails(mkdir(name, 0755), ENAMETOOLONG) && fails(symlink("x", name), ENAMETOOLONG), "ENAMETOOLONG");
	int many = 0;
	while (open("/p", O_RDONLY) >= 0)
		many++;
	ok(errno == EMFILE, "EMFILE when the table is full");
	for (int i = 3; i < 64; i++)
		close(i);
}

static void devices(void)
{
	char buf[32];
	int fd = open("/dev/null", O_RDWR);
	ok(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, 1) == 0 && close(fd) == 0, "/dev/null");
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, sizeof buf);
	ok(fd >= 0 && read(fd, buf, 8) == 8 && memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0 && close(fd) == 0, "/dev/zero");
	fd = open("/dev/urandom", O_RDONLY);
	char r2[32];
	int fd2 = open("/dev/random", O_RDONLY);
	ok(fd >= 0 && fd2 >= 0 && read(fd, buf, 32) == 32 && read(fd2, r2, 32) == 32 && memcmp(buf, r2, 32) != 0,
	   "/dev/urandom and /dev/random");
	close(fd);
	close(fd2);
	fd = open("/dev/stdout", O_WRONLY);
	ok(fd >= 0 && write(fd, "# via /dev/stdout\n", 18) == 18 && close(fd) == 0, "/dev/stdout writes to fd 1");
	struct stat st;
	ok(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) &&
	       fails(open("/dev/new", O_CREAT | O_WRONLY, 0644), EPERM) && fails(unlink("/dev/null"), EPERM),
	   "devices are character devices; /dev is fixed");
}

static void users(void)
{
	struct passwd *pw = getpwnam("root"), pwb, *res;
	char buf[256];
	ok(pw && pw->pw_uid == 0 && pw->pw_gid == 0 && strcmp(pw->pw_dir, "/") == 0 &&
	       strcmp(pw->pw_shell, "/bin/sh") == 0,
	   "getpwnam(root)");
	ok(getpwuid(0) == pw && getpwuid(1000) == NULL && getpwnam("nobody") == NULL, "getpwuid");
	ok(getpwuid_r(0, &pwb, buf, sizeof buf, &res) == 0 && res == &pwb && strcmp(pwb.pw_name, "root") == 0 &&
	       getpwnam_r("root", &pwb, buf, 4, &res) == ERANGE && getpwnam_r("x", &pwb, buf, sizeof buf, &res) == 0 &&
	       !res,
	   "getpw*_r, ERANGE");
	struct group *gr = getgrgid(0);
	ok(gr && strcmp(gr->gr_name, "root") == 0 && getgrnam("root") == gr && getuid() == 0 && geteuid() == 0 &&
	       getgid() == 0 && getegid() == 0,
	   "getgr*, the ids are 0");
}

/* A deep tree with odd names, written and read back. */
static void tree(void)
{
	char path[PATH_MAX] = "/tmp/deep", f[PATH_MAX + 32];
	int good = mkdir(path, 0755) == 0;
	for (int i = 0; i < 30; i++) {
		strcat(path, i % 3 == 0 ? "/sp ace" : i % 3 == 1 ? "/ünï\tc\xff" : "/.-~!$");
		good &= mkdir(path, 0755) == 0;
		snprintf(f, sizeof f, "%s/f%d", path, i);
		char s[16];
		snprintf(s, sizeof s, "%d", i * 7);
		good &= put(f, s);
	}
	ok(good, "a 30-deep tree with odd names");
	strcpy(path, "/tmp/deep");
	for (int i = 0; i < 30; i++) {
		strcat(path, i % 3 == 0 ? "/sp ace" : i % 3 == 1 ? "/ünï\tc\xff" : "/.-~!$");
		snprintf(f, sizeof f, "%s/f%d", path, i);
		char s[16];
		snprintf(s, sizeof s, "%d", i * 7);
		good &= has(f, s);
	}
	ok(good && symlink(path, "/tmp/bottom") == 0 && has("/tmp/bottom/f29", "203"),
	   "read back, also through a link");
	char *big = malloc(1 << 20);
	memset(big, 'b', 1 << 20);
	int fd = open("/tmp/big", O_CREAT | O_RDWR, 0644);
	ok(fd >= 0 && write(fd, big, 1 << 20) == 1 << 20 && pread(fd, big, 10, (1 << 20) - 10) == 10 && close(fd) == 0,
	   "a 1 MiB file");
	free(big);
}

static void nospace(void)
{
	int fd = open("/tmp/fill", O_CREAT | O_WRONLY, 0644);
	size_t chunk = 1 << 20;
	char *buf = calloc(1, chunk);
	long written = 0;
	ssize_t w;
	while ((w = write(fd, buf, chunk)) > 0)
		written += w;
	int e = errno;
	free(buf);
	struct stat st;
	ok(w < 0 && e == ENOSPC && fstat(fd, &st) == 0 && st.st_size == written,
	   "ENOSPC when RAM runs out, nothing lost (%ld MiB)", written >> 20);
	ok(close(fd) == 0 && unlink("/tmp/fill") == 0 && put("/tmp/after", "ok") && has("/tmp/after", "ok"),
	   "after removing the file there is room again");
}

int main(void)
{
	dirs();
	readdirs();
	renames();
	links();
	files();
	devices();
	users();
	tree();
	nospace();
	return done_testing();
}

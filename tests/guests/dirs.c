/*
 * The guest for tests/kvm/dirs.bats: file calls on host directories
 * (tincan-run --dir).  argv[1] is a command; the raw-* and lie-* ones issue
 * the monitor's file hypercalls directly (platforms/kvm/abi.h), past the
 * VFS, to test what the monitor itself lets through.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../platforms/kvm/guest/hypercall.h"

static int fail(const char *what, const char *path)
{
	printf("%s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static long raw_path(unsigned op, const char *path, void *buf, unsigned long buflen, unsigned long arg)
{
	struct tc_hc_fs_path a = { op, 0, (uintptr_t)path, strlen(path), (uintptr_t)buf, buflen, arg, 0, 0 };
	tc_hypercall(TC_HC_FS_PATH, &a);
	return (long)a.ret;
}

static long raw_file(unsigned op, unsigned h, unsigned long buf, unsigned long len)
{
	struct tc_hc_fs_file a = { op, h, buf, len, 0, 0 };
	tc_hypercall(TC_HC_FS_FILE, &a);
	return (long)a.ret;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	const char *c = argc > 1 ? argv[1] : "", *p = argc > 2 ? argv[2] : "", *q = argc > 3 ? argv[3] : "";
	if (!strcmp(c, "cat")) {
		FILE *f = fopen(p, "rb");
		size_t n;
		if (!f)
			return fail("open", p);
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			fwrite(buf, 1, n, stdout);
		return ferror(f) ? fail("read", p) : 0;
	}
	if (!strcmp(c, "ls")) {
		DIR *d = opendir(p);
		struct dirent *e;
		if (!d)
			return fail("opendir", p);
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				printf("%s\n", e->d_name);
		return closedir(d);
	}
	if (!strcmp(c, "ahead")) {
		/* Sequential reads (read ahead) of p through one descriptor,
		 * a write through another, then the reader must see it. */
		char piece[4096], want[4096];
		int r = open(p, O_RDONLY), w = open(p, O_WRONLY);
		if (r < 0 || w < 0)
			return fail("open", p);
		for (int i = 0; i < 4; i++)
			if (read(r, piece, sizeof piece) != (ssize_t)sizeof piece)
				return fail("read", p);
		memset(want, 'W', sizeof want);
		if (pwrite(w, want, sizeof want, 4 * 4096) != (ssize_t)sizeof want)
			return fail("pwrite", p);
		if (read(r, piece, sizeof piece) != (ssize_t)sizeof piece || memcmp(piece, want, sizeof want))
			return fail("read after write", p);
		if (pread(r, piece, 16, 0) != 16 || piece[0] != 'a')
			return fail("pread", p);
		puts("coherent");
		return close(r) || close(w);
	}
	if (!strcmp(c, "write")) {
		FILE *f = fopen(p, "w");
		if (!f || fputs(q, f) < 0 || fclose(f))
			return fail("write", p);
		return 0;
	}
	if (!strcmp(c, "append")) {
		int fd = open(p, O_WRONLY | O_APPEND);
		if (fd < 0 || write(fd, q, strlen(q)) < 0 || fsync(fd) || close(fd))
			return fail("append", p);
		return 0;
	}
	if (!strcmp(c, "mkdir"))
		return mkdir(p, 0755) ? fail("mkdir", p) : 0;
	if (!strcmp(c, "rmdir"))
		return rmdir(p) ? fail("rmdir", p) : 0;
	if (!strcmp(c, "unlink"))
		return unlink(p) ? fail("unlink", p) : 0;
	if (!strcmp(c, "rename"))
		return rename(p, q) ? fail("rename", p) : 0;
	if (!strcmp(c, "symlink"))
		return symlink(p, q) ? fail("symlink", q) : 0;
	if (!strcmp(c, "truncate"))
		return truncate(p, atol(q)) ? fail("truncate", p) : 0;
	if (!strcmp(c, "readlink")) {
		ssize_t n = readlink(p, buf, sizeof buf - 1);
		if (n < 0)
			return fail("readlink", p);
		printf("%.*s\n", (int)n, buf);
		return 0;
	}
	if (!strcmp(c, "stat")) {
		struct stat st;
		if (lstat(p, &st))
			return fail("stat", p);
		printf("%s %lld\n",
		       S_ISDIR(st.st_mode)   ? "dir"
		       : S_ISLNK(st.st_mode) ? "link"
					     : "file",
		       (long long)st.st_size);
		return 0;
	}
	if (!strcmp(c, "cwd"))
		return printf("%s\n", getcwd(buf, sizeof buf)) < 0;
	if (!strcmp(c, "wait")) /* a line on stdin, then cat the file */
		return fgets(buf, sizeof buf, stdin) ? main(3, (char *[]){ argv[0], "cat", (char *)p, NULL }) : 1;
	if (!strcmp(c, "missing")) { /* q times lstat(p), which must not exist */
		struct stat st;
		long n = atol(q), i = 0;
		while (i < n && lstat(p, &st) && errno == ENOENT)
			i++;
		printf("missing %ld\n", i);
		return i != n;
	}
	if (!strcmp(c, "preads") || !strcmp(c, "fstats")) { /* q times pread(16 at 24) or fstat */
		char first[16];
		struct stat st;
		long n = atol(q), i = 0;
		int fd = open(p, O_RDONLY);
		if (fd < 0 || pread(fd, first, 16, 24) != 16)
			return fail("open", p);
		while (i < n &&
		       (c[0] == 'p' ? pread(fd, buf, 16, 24) == 16 && !memcmp(buf, first, 16) : !fstat(fd, &st)))
			i++;
		printf("%s %ld\n", c, i);
		return i != n || close(fd);
	}
	if (!strcmp(c, "poll")) { /* until p exists (10 s at most) */
		struct stat st;
		for (int i = 0; i < 1000; i++, usleep(10000))
			if (!lstat(p, &st))
				return puts("seen") < 0;
		return fail("poll", p);
	}
	if (!strcmp(c, "names")) { /* a missing name, made and removed by the guest */
		struct stat st;
		char d[256];
		snprintf(d, sizeof d, "%s.d", p);
		if (!lstat(p, &st) || errno != ENOENT || !lstat(d, &st))
			return fail("before", p);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || close(fd) || lstat(p, &st) || unlink(p) || !lstat(p, &st) || errno != ENOENT)
			return fail("create/unlink", p);
		if (mkdir(d, 0755) || lstat(d, &st) || !S_ISDIR(st.st_mode) || rename(d, p) || !lstat(d, &st) ||
		    lstat(p, &st) || !S_ISDIR(st.st_mode) || rmdir(p) || !lstat(p, &st))
			return fail("mkdir/rename/rmdir", p);
		if (symlink("x", p) || lstat(p, &st) || !S_ISLNK(st.st_mode) || unlink(p))
			return fail("symlink", p);
		return puts("names") < 0;
	}
	if (!strcmp(c, "create-after")) { /* p missing; a line on stdin; open(O_CREAT) finds what the host made */
		struct stat st;
		if (!lstat(p, &st) || errno != ENOENT || puts("missed") < 0 || fflush(stdout) ||
		    !fgets(buf, sizeof buf, stdin))
			return fail("lstat", p);
		int fd = open(p, O_RDWR | O_CREAT, 0644);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, 64);
		if (n < 0)
			return fail("open", p);
		printf("%.*s", (int)n, buf);
		return close(fd);
	}
	if (!strcmp(c, "reopen")) { /* 16 bytes at 0; a line on stdin; reopened, again */
		for (int i = 0; i < 2; i++) {
			int fd = open(p, O_RDONLY);
			ssize_t n = fd < 0 ? -1 : pread(fd, buf, 16, 0);
			if (n < 0 || close(fd))
				return fail("read", p);
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			puts(buf);
			fflush(stdout);
			if (!i && !fgets(buf, sizeof buf, stdin))
				return 1;
		}
		return 0;
	}
	if (!strcmp(c, "coherent")) {
		/* Cached pages, sizes and attributes through four descriptors
		 * of p (3 pages of 'a'): each sees the others' writes. */
		char want[16];
		struct stat st;
		int r = open(p, O_RDONLY), w = open(p, O_WRONLY), a1 = open(p, O_WRONLY | O_APPEND),
		    a2 = open(p, O_WRONLY | O_APPEND);
		if (r < 0 || w < 0 || a1 < 0 || a2 < 0 || pread(r, buf, 16, 4096) != 16 || fstat(r, &st) ||
		    st.st_size != 3 * 4096)
			return fail("open", p);
		memcpy(want, "aaaaBBBBaaaaaaaa", 16);
		if (pwrite(w, "BBBB", 4, 4100) != 4 || pread(r, buf, 16, 4096) != 16 || memcmp(buf, want, 16))
			return fail("pread after pwrite", p);
		if (ftruncate(w, 4098) || pread(r, buf, 16, 4096) != 2 || memcmp(buf, "aa", 2))
			return fail("pread after ftruncate", p);
		if (fstat(r, &st) || st.st_size != 4098)
			return fail("fstat after ftruncate", p);
		memcpy(want, "aa\0\0\0\0\0\0", 8);
		if (pwrite(w, "C", 1, 8192) != 1 || pread(r, buf, 8, 4096) != 8 || memcmp(buf, want, 8))
			return fail("pread past the old end", p);
		if (write(a1, "x", 1) != 1 || write(a2, "y", 1) != 1 || pread(r, buf, 4, 8191) != 4 ||
		    memcmp(buf, "\0Cxy", 4))
			return fail("O_APPEND", p);
		if (fstat(r, &st) || st.st_size != 8195 || close(r) || close(w) || close(a1) || close(a2))
			return fail("fstat", p);
		return puts("coherent") < 0;
	}
	if (!strcmp(c, "behind")) {
		/* argv[4] records of 100 bytes, one write each, then q: fsync
		 * and spin, close and spin, wait for a line, _exit, or close. */
		long n = argc > 4 ? atol(argv[4]) : 0;
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fail("open", p);
		for (long i = 0; i < n; i++) {
			snprintf(buf, 101, "%099ld\n", i);
			if (write(fd, buf, 100) != 100)
				return fail("write", p);
		}
		if (!strcmp(q, "fsync-spin") &&
		    (fsync(fd) || puts("synced") < 0 || fflush(stdout) || write(fd, "unsynced\n", 9) != 9))
			return fail("fsync", p);
		if (!strcmp(q, "close-spin") && (close(fd) || puts("closed") < 0 || fflush(stdout)))
			return fail("close", p);
		if (strstr(q, "spin"))
			for (;;)
				__asm__ volatile("" ::: "memory");
		if (!strcmp(q, "wait"))
			return puts("written") < 0 || fflush(stdout) || !fgets(buf, sizeof buf, stdin);
		if (!strcmp(q, "exit"))
			_exit(0);
		printf("behind %ld\n", n);
		return close(fd);
	}
	if (!strcmp(c, "pages")) { /* q times: a whole page written, then read back */
		long n = atol(q), i = 0;
		int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fail("open", p);
		for (; i < n; i++) {
			memset(buf, 'a' + (int)(i % 26), 4096);
			if (pwrite(fd, buf, 4096, (off_t)i * 4096) != 4096 ||
			    pread(fd, buf + 4096, 4096, (off_t)i * 4096) != 4096 || memcmp(buf, buf + 4096, 4096))
				break;
		}
		printf("pages %ld\n", i);
		return i != n || close(fd);
	}
	if (!strcmp(c, "manyfiles")) { /* q files in p written in small pieces, closed, removed */
		long n = atol(q);
		char name[256];
		for (long i = 0; i < n; i++) {
			snprintf(name, sizeof name, "%s/f%ld", p, i);
			int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || write(fd, "0123456789", 10) != 10 || close(fd) || unlink(name))
				return fail("file", name);
		}
		void *big = malloc(8 << 20);
		printf("manyfiles %ld, then 8 MiB: %s\n", n, big ? "ok" : "no memory");
		return !big;
	}
	if (!strcmp(c, "writeabort")) { /* a line written to p (held back), then abort() */
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, "before abort\n", 13) != 13)
			return fail("write", p);
		abort();
	}
	if (!strcmp(c, "inos")) { /* readdir's d_ino against stat's st_ino for each entry of p */
		DIR *d = opendir(p);
		struct dirent *e;
		struct stat st;
		char name[512];
		int bad = 0, n = 0;
		if (!d)
			return fail("opendir", p);
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(name, sizeof name, "%s/%s", p, e->d_name);
				n++;
				if (lstat(name, &st) || st.st_ino != e->d_ino)
					bad++;
			}
		closedir(d);
		printf("inos %d, %d differ\n", n, bad);
		return bad;
	}
	if (!strcmp(c, "fill")) { /* 1 KiB writes to p until one fails or q KiB, then fsync (or close) */
		long n = atol(q), i = 0;
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		memset(buf, 'f', 1024);
		while (fd >= 0 && i < n && write(fd, buf, 1024) == 1024)
			i++;
		if (fd < 0 || i < n)
			return fail("write", p);
		if (argc > 4 && !strcmp(argv[4], "close"))
			return close(fd) ? fail("close", p) : 0;
		return fsync(fd) ? fail("fsync", p) : 0;
	}
	if (!strcmp(c, "raw-open")) { /* print the handle or -errno */
		printf("%ld\n", raw_path(TC_FS_OPEN, p, NULL, 0, TC_O_RDONLY));
		return 0;
	}
	if (!strcmp(c, "raw-mkdir")) {
		printf("%ld\n", raw_path(TC_FS_MKDIR, p, NULL, 0, 0755));
		return 0;
	}
	if (!strcmp(c, "raw-handle")) {
		printf("%ld\n", raw_file(TC_FS_PREAD, 63, (uintptr_t)buf, 1));
		return 0;
	}
	if (!strcmp(c, "lie-buf")) {
		long h = raw_path(TC_FS_OPEN, p, NULL, 0, TC_O_RDONLY);
		printf("%ld\n", raw_file(TC_FS_PREAD, (unsigned)h, 1ul << 40, 4096));
		return 0;
	}
	if (!strcmp(c, "lie-stat")) {
		printf("%ld\n", raw_path(TC_FS_LSTAT, p, buf, 8, 0));
		return 0;
	}
	if (!strcmp(c, "lie-op")) {
		printf("%ld\n", raw_path(99, p, NULL, 0, 0));
		return 0;
	}
	printf("unknown command %s\n", c);
	return 2;
}

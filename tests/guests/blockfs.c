/*
 * The file system on a block device, inside a guest (tests/kvm/blockfs.bats).
 * The image declares a device mounted at /data.  Commands:
 *   make            a tree under /data (dirs, files, a link, a symlink), fsync'ed
 *   show            print that tree back (after a reboot)
 *   cat PATH        print a file
 *   ls DIR          the names in DIR, sorted
 *   append FILE     append numbered 100-byte records, fsync each, print "ack N"
 *   verify FILE     check FILE holds records 0..N-1 in order: print "records N"
 *   fill FILE       write 4 KiB blocks (each fsync'ed) until ENOSPC: print the count,
 *                   check that every block reads back and that metadata fails cleanly
 *   rw N            write a 700,000-byte file in 100 shuffled pieces (seed N), read it
 *                   back before and after fsync (buffered, then on the device)
 *   rwcheck N       read it back after a reboot
 *   rewrite FILE N  rewrite a 4 KiB file with its iteration number, fsync each,
 *                   print "ack N" (N 0: until killed); line i % 100 of /data/keep too
 *   value FILE      the number a rewritten file holds, checking it is whole
 *   tmp             /tmp files beside /data: both work, rename between is EXDEV
 *   stat PATH       errno of stat(PATH) (0: exists)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int put(const char *path, const char *s)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s) && fsync(fd) == 0;
	return close(fd) == 0 && ok;
}

static int cat(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;
	if (fd < 0) {
		printf("%s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return n < 0;
}

static int ls(const char *dir)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);
	if (n < 0) {
		printf("%s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++)
		printf("%s%s", v[i]->d_name, i + 1 < n ? " " : "\n");
	return 0;
}

static int make(void)
{
	int ok = mkdir("/data/d", 0755) == 0 && mkdir("/data/d/e", 0700) == 0 && put("/data/d/e/f", "deep\n") &&
		 put("/data/top", "top file\n") && symlink("d/e/f", "/data/sl") == 0 &&
		 link("/data/top", "/data/d/top2") == 0 && put("/data/gone", "x") && unlink("/data/gone") == 0 &&
		 put("/data/old", "renamed\n") && rename("/data/old", "/data/d/new") == 0;
	/* A file written in pieces, with an overwrite in the middle and a hole. */
	int fd = open("/data/pieces", O_CREAT | O_RDWR, 0600);
	static char big[100000];
	memset(big, 'a', sizeof big);
	ok = ok && fd >= 0 && pwrite(fd, big, sizeof big, 0) == (ssize_t)sizeof big;
	ok = ok && pwrite(fd, "MIDDLE", 6, 70000) == 6 && pwrite(fd, "END", 3, 200000) == 3;
	ok = ok && ftruncate(fd, 200002) == 0 && fsync(fd) == 0 && close(fd) == 0;
	ok = ok && chmod("/data/top", 0600) == 0;
	int dfd = open("/data", O_RDONLY);
	ok = ok && dfd >= 0 && fsync(dfd) == 0 && close(dfd) == 0;
	printf(ok ? "made\n" : "make failed: %s\n", strerror(errno));
	return !ok;
}

static int show(void)
{
	struct stat st;
	static char buf[200100];
	ls("/data");
	ls("/data/d");
	cat("/data/d/e/f");
	cat("/data/sl");
	cat("/data/d/top2");
	cat("/data/d/new");
	int n = readlink("/data/sl", buf, sizeof buf);
	printf("link %.*s\n", n, buf);
	stat("/data/top", &st);
	printf("top mode %o nlink %d\n", (int)(st.st_mode & 07777), (int)st.st_nlink);
	stat("/data/d/e", &st);
	printf("e mode %o\n", (int)(st.st_mode & 07777));
	int fd = open("/data/pieces", O_RDONLY);
	n = (int)read(fd, buf, sizeof buf);
	close(fd);
	int good = n == 200002;
	for (int i = 0; i < n && good; i++) {
		char want = i >= 70000 && i < 70006 ? "MIDDLE"[i - 70000]
			    : i < 100000	    ? 'a'
			    : i >= 200000	    ? "EN"[i - 200000]
						    : 0;
		good = buf[i] == want;
	}
	printf("pieces %d %s\n", n, good ? "ok" : "bad");
	return 0;
}

#define REC 100

static void record(char *r, long i)
{
	memset(r, '.', REC);
	int n = snprintf(r, REC, "record %ld ", i);
	r[n] = '.';
	r[REC - 1] = '\n';
}

static int append(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0644);
	char r[REC];
	struct stat st;
	setvbuf(stdout, NULL, _IONBF, 0);
	/* Go on from the last whole record earlier runs left. */
	if (fd < 0 || fstat(fd, &st) || ftruncate(fd, st.st_size / REC * REC))
		return 1;
	for (long i = st.st_size / REC; fd >= 0; i++) {
		record(r, i);
		if (write(fd, r, REC) != REC || fsync(fd) != 0) {
			printf("error %ld: %s\n", i, strerror(errno));
			return 1;
		}
		printf("ack %ld\n", i);
	}
	return 1;
}

static int verify(const char *path)
{
	int fd = open(path, O_RDONLY);
	char r[REC], want[REC];
	long i = 0;
	ssize_t n;
	while ((n = read(fd, r, REC)) == REC) {
		record(want, i);
		if (memcmp(r, want, REC)) {
			printf("record %ld differs\n", i);
			return 1;
		}
		i++;
	}
	/* A last record may be cut short by the crash; what is there is right. */
	record(want, i);
	if (n > 0 && memcmp(r, want, (size_t)n)) {
		printf("partial record %ld differs\n", i);
		return 1;
	}
	printf("records %ld\n", i);
	return 0;
}

static int fill(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	char b[4096];
	long i = 0;
	for (;; i++) {
		memset(b, 'A' + (int)(i % 26), sizeof b);
		ssize_t w = write(fd, b, sizeof b);
		if (w < 0 && errno == ENOSPC)
			break;
		if (w != (ssize_t)sizeof b || fsync(fd)) {
			printf("write %ld: %s\n", i, strerror(errno));
			return 1;
		}
	}
	/* Then directories, until they too find no room. */
	char name[32];
	int dirs = 0;
	for (;; dirs++) {
		snprintf(name, sizeof name, "/data/dir%d", dirs);
		if (mkdir(name, 0755))
			break;
	}
	int e = errno;
	struct statvfs sv;
	statvfs("/data", &sv);
	printf("blocks %ld dirs %d then %s bfree %lu\n", i, dirs, strerror(e), (unsigned long)sv.f_bfree);
	close(fd);
	return 0;
}

static int check_fill(const char *path)
{
	int fd = open(path, O_RDONLY);
	char b[4096];
	long i = 0;
	while (read(fd, b, sizeof b) == (ssize_t)sizeof b) {
		for (size_t k = 0; k < sizeof b; k++)
			if (b[k] != 'A' + (int)(i % 26)) {
				printf("block %ld differs\n", i);
				return 1;
			}
		i++;
	}
	int dirs = 0;
	for (struct stat st;; dirs++) {
		char name[32];
		snprintf(name, sizeof name, "/data/dir%d", dirs);
		if (stat(name, &st) || !S_ISDIR(st.st_mode))
			break;
	}
	printf("blocks %ld dirs %d intact\n", i, dirs);
	return 0;
}

#define RW_SIZE 700000
#define RW_PIECE 7000

static int rw_same(const char *what, const unsigned char *want)
{
	static unsigned char got[RW_SIZE + 1];
	int fd = open("/data/rw", O_RDONLY);
	ssize_t n = fd >= 0 ? pread(fd, got, sizeof got, 0) : -1;
	close(fd);
	int same = n == RW_SIZE && memcmp(got, want, RW_SIZE) == 0;
	printf("%s %s\n", what, same ? "same" : "differs");
	return same;
}

static int rw(unsigned seed, int write_it)
{
	static unsigned char want[RW_SIZE];
	int order[RW_SIZE / RW_PIECE];
	srand(seed);
	for (size_t i = 0; i < sizeof want; i++)
		want[i] = (unsigned char)rand();
	if (!write_it)
		return !rw_same("after reboot", want);
	for (int i = 0; i < RW_SIZE / RW_PIECE; i++)
		order[i] = i;
	for (int i = RW_SIZE / RW_PIECE - 1; i > 0; i--) {
		int j = rand() % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	int fd = open("/data/rw", O_CREAT | O_RDWR | O_TRUNC, 0644);
	for (int i = 0; i < RW_SIZE / RW_PIECE; i++) {
		off_t off = (off_t)order[i] * RW_PIECE;
		/* Each piece twice: first garbage, then the real bytes over it. */
		if (pwrite(fd, want + RW_SIZE - RW_PIECE, RW_PIECE, off) != RW_PIECE ||
		    pwrite(fd, want + off, RW_PIECE, off) != RW_PIECE)
			return printf("pwrite: %s\n", strerror(errno)), 1;
	}
	int ok = rw_same("before fsync", want);
	ok = fsync(fd) == 0 && close(fd) == 0 && rw_same("after fsync", want) && ok;
	return !ok;
}

/* "cache": read a file from the device (filling the read cache), change it
 * in place and fsync, read again: the new bytes, never the cached old ones. */
static int cache_check(void)
{
	static unsigned char a[300000], b[sizeof a];
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (unsigned char)(i * 7);
	int fd = open("/data/cache", O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd < 0 || pwrite(fd, a, sizeof a, 0) != (ssize_t)sizeof a || fsync(fd))
		return printf("write: %s\n", strerror(errno)), 1;
	for (int round = 0; round < 3; round++) {
		if (pread(fd, b, sizeof b, 0) != (ssize_t)sizeof b || memcmp(a, b, sizeof a))
			return printf("round %d: stale or wrong before the change\n", round), 1;
		for (size_t off = (size_t)round * 1000; off + 5000 < sizeof a; off += 70000) {
			memset(a + off, 'a' + round, 5000);
			if (pwrite(fd, a + off, 5000, (off_t)off) != 5000)
				return printf("pwrite: %s\n", strerror(errno)), 1;
		}
		if (fsync(fd) || pread(fd, b, sizeof b, 0) != (ssize_t)sizeof b || memcmp(a, b, sizeof a))
			return printf("round %d: stale after the change\n", round), 1;
	}
	close(fd);
	printf("cache coherent\n");
	return 0;
}

/* "tail 1", then "tail 2" in a second boot: the second boot's first write
 * lands in the same 64 KiB piece of the device as the first boot's file,
 * after it; the cache learns only the written bytes of that piece, so the
 * first file must still come from the device. */
static int tail_check(int phase)
{
	static unsigned char a[3000], b[sizeof a];
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (unsigned char)(i * 13 + 5);
	if (phase == 1) {
		int fd = open("/data/t1", O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd < 0 || write(fd, a, sizeof a) != (ssize_t)sizeof a || fsync(fd) || close(fd))
			return printf("write: %s\n", strerror(errno)), 1;
		return 0;
	}
	int fd = open("/data/t2", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || write(fd, b, 500) != 500 || fsync(fd) || close(fd))
		return printf("write: %s\n", strerror(errno)), 1;
	fd = open("/data/t1", O_RDONLY);
	if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b || close(fd))
		return printf("read: %s\n", strerror(errno)), 1;
	printf("%s\n", memcmp(a, b, sizeof a) ? "first file differs" : "first file intact");
	return 0;
}

static void page(char *b, long v)
{
	for (int k = 0; k < 4096; k += 16)
		snprintf(b + k, 17, "value %09ld\n", v);
}

static int rewrite(const char *path, long n)
{
	char b[4097];
	int fd = open(path, O_CREAT | O_WRONLY, 0644), keep = open("/data/keep", O_CREAT | O_WRONLY, 0644);
	setvbuf(stdout, NULL, _IONBF, 0);
	for (long i = 0; fd >= 0 && keep >= 0 && (n == 0 || i < n); i++) {
		page(b, i);
		if (pwrite(fd, b, 4096, 0) != 4096 || pwrite(keep, b, 16, i % 100 * 16) != 16 || fsync(fd)) {
			printf("error %ld: %s\n", i, strerror(errno));
			return 1;
		}
		if (n == 0)
			printf("ack %ld\n", i);
	}
	printf("rewrote %ld\n", n);
	return 0;
}

static int value(const char *path)
{
	char b[4097], want[4097];
	int fd = open(path, O_RDONLY);
	ssize_t got = fd >= 0 ? read(fd, b, 4096) : -1;
	long v = got == 4096 ? strtol(b + 6, NULL, 10) : -1;
	page(want, v);
	if (got != 4096 || memcmp(b, want, 4096)) {
		printf("%s is not a whole page (%zd bytes)\n", path, got);
		return 1;
	}
	printf("value %ld\n", v);
	return 0;
}

static int tmp(void)
{
	int ok = put("/tmp/t", "in tmp\n") && put("/data/p", "on disk\n");
	int e = rename("/tmp/t", "/data/t") < 0 ? errno : 0;
	printf("%s exdev %s\n", ok ? "ok" : "failed", strerror(e));
	cat("/tmp/t");
	cat("/data/p");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "", *arg = argc > 2 ? argv[2] : "";
	struct stat st;
	if (!strcmp(cmd, "make"))
		return make();
	if (!strcmp(cmd, "show"))
		return show();
	if (!strcmp(cmd, "cat"))
		return cat(arg);
	if (!strcmp(cmd, "ls"))
		return ls(arg);
	if (!strcmp(cmd, "append"))
		return append(arg);
	if (!strcmp(cmd, "verify"))
		return verify(arg);
	if (!strcmp(cmd, "fill"))
		return fill(arg);
	if (!strcmp(cmd, "checkfill"))
		return check_fill(arg);
	if (!strcmp(cmd, "cache"))
		return cache_check();
	if (!strcmp(cmd, "tail"))
		return tail_check(atoi(arg));
	if (!strcmp(cmd, "rw"))
		return rw((unsigned)atoi(arg), 1);
	if (!strcmp(cmd, "rwcheck"))
		return rw((unsigned)atoi(arg), 0);
	if (!strcmp(cmd, "rewrite"))
		return rewrite(arg, argc > 3 ? atol(argv[3]) : 0);
	if (!strcmp(cmd, "value"))
		return value(arg);
	if (!strcmp(cmd, "tmp"))
		return tmp();
	if (!strcmp(cmd, "stat")) {
		printf("%s\n", stat(arg, &st) ? strerror(errno) : "exists");
		return 0;
	}
	fprintf(stderr, "unknown command\n");
	return 2;
}

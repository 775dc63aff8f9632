/*
 * Memory mappings inside a real guest (tests/mman.bats): anonymous and
 * private file mappings, munmap, mremap, and every refusal, as TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"

static void shared(int fd);

#define PG 4096

static int fails(long r, int e)
{
	return r == -1 && errno == e;
}
static int mfails(void *p, int e)
{
	return p == MAP_FAILED && errno == e;
}
static int zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}
static void *anon(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void anonymous(void)
{
	char *p = anon(3 * PG + 5);
	ok(p != MAP_FAILED && ((uintptr_t)p & (PG - 1)) == 0, "anonymous mapping is page aligned");
	ok(p != MAP_FAILED && zero(p, 4 * PG), "anonymous mapping is zeroed, last page too");
	memset(p, 'x', 4 * PG);
	ok(p[0] == 'x' && p[4 * PG - 1] == 'x', "write and read back");
	ok(munmap(p, 3 * PG + 5) == 0, "munmap the whole");
	ok(munmap(p, PG) == 0, "munmap of what is no longer mapped is 0");
	ok(fails(mprotect(p, PG, PROT_READ), ENOMEM), "mprotect after munmap: ENOMEM");

	char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ok(s != MAP_FAILED && zero(s, PG), "shared anonymous mapping");
	ok(munmap(s, PG) == 0, "munmap shared anonymous");

	char *a = anon(4 * PG);
	memset(a, 'a', 4 * PG);
	ok(munmap(a + PG, PG) == 0 && a[0] == 'a' && a[3 * PG] == 'a', "partial munmap keeps the rest");
	ok(fails(msync(a + PG, PG, MS_SYNC), ENOMEM) && msync(a, PG, MS_SYNC) == 0, "the hole is unmapped");
	ok(munmap(a, PG) == 0 && munmap(a + 2 * PG, 2 * PG) == 0, "unmapping the remaining pieces");
	ok(fails(msync(a, PG, MS_SYNC), ENOMEM), "all gone");

	char *big = anon(16 << 20);
	ok(big != MAP_FAILED && zero(big, 16 << 20), "16 MiB anonymous mapping");
	ok(munmap(big, 16 << 20) == 0, "and back");
	char *huge = anon((size_t)1 << 40);
	ok(mfails(huge, ENOMEM), "1 TiB: ENOMEM");
}

static void file(void)
{
	static char data[PG + 100];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('A' + i % 26);
	int fd = open("/tmp/m", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, data, sizeof data) == (ssize_t)sizeof data, "write /tmp/m");

	char *p = mmap(NULL, sizeof data, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ok(p != MAP_FAILED && memcmp(p, data, sizeof data) == 0, "private file mapping has the file's bytes");
	ok(p != MAP_FAILED && zero(p + sizeof data, 2 * PG - sizeof data), "past EOF the last page is zero");
	memset(p, 'z', 10);
	char back[10];
	ok(pread(fd, back, 10, 0) == 10 && memcmp(back, data, 10) == 0, "writes to it do not reach the file");
	ok(msync(p, PG, MS_SYNC) == 0 && pread(fd, back, 10, 0) == 10 && memcmp(back, data, 10) == 0,
	   "msync MS_SYNC on a private mapping: 0, file unchanged");
	ok(fails(madvise(p, PG, MADV_DONTNEED), EINVAL), "MADV_DONTNEED on a file mapping: EINVAL");
	ok(mfails(mremap(p, 2 * PG, 3 * PG, MREMAP_MAYMOVE), ENOMEM), "growing a file mapping: ENOMEM");
	ok(munmap(p, sizeof data) == 0, "munmap the file mapping");

	char *q = mmap(NULL, 100, PROT_READ, MAP_PRIVATE, fd, PG);
	ok(q != MAP_FAILED && memcmp(q, data + PG, 100) == 0 && zero(q + 100, PG - 100), "at a page offset");
	munmap(q, 100);
	q = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 8 * PG);
	ok(q != MAP_FAILED && zero(q, PG), "wholly past EOF: zeroes");
	munmap(q, PG);

	shared(fd);
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL), "unaligned offset: EINVAL");
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, -PG), EINVAL), "negative offset: EINVAL");
	close(fd);
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EBADF), "closed fd: EBADF");
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), EBADF), "fd -1 without MAP_ANONYMOUS: EBADF");

	fd = open("/tmp/m", O_WRONLY);
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EACCES), "write-only fd: EACCES");
	close(fd);
	fd = open("/tmp/m", O_RDONLY);
	ok(mfails(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES),
	   "shared writable of a read-only fd: EACCES");
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ok(p != MAP_FAILED && memcmp(p, data, PG) == 0, "private writable of a read-only fd");
	munmap(p, PG);
	close(fd);

	int pfd[2];
	ok(pipe(pfd) == 0 && mfails(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd[0], 0), ENODEV), "a pipe: ENODEV");
	close(pfd[0]);
	close(pfd[1]);
	fd = open("/tmp", O_RDONLY);
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV), "a directory: ENODEV");
	close(fd);
	unlink("/tmp/m");
}

static void remap(void)
{
	char *p = anon(2 * PG);
	for (int i = 0; i < 2 * PG; i++)
		p[i] = (char)i;
	char *q = mremap(p, 2 * PG, 5 * PG, MREMAP_MAYMOVE);
	int same = q != MAP_FAILED;
	for (int i = 0; same && i < 2 * PG; i++)
		same = q[i] == (char)i;
	ok(same, "mremap growth keeps the contents");
	ok(q != MAP_FAILED && zero(q + 2 * PG, 3 * PG), "and the new pages are zero");
	ok(q == p || fails(msync(p, PG, 0), ENOMEM), "the old place is unmapped");
	ok(mremap(q, 5 * PG, PG, 0) == q && q[1] == 1, "shrink in place");
	ok(fails(msync(q + PG, PG, 0), ENOMEM), "the tail is unmapped");
	ok(mfails(mremap(q, PG, 2 * PG, 0), ENOMEM), "growth without MREMAP_MAYMOVE: ENOMEM");
	ok(mfails(mremap(q + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL), "unaligned: EINVAL");
	ok(mfails(mremap(q, PG, 0, MREMAP_MAYMOVE), EINVAL), "new size 0: EINVAL");
	ok(mfails(mremap(q, 0, PG, MREMAP_MAYMOVE), EINVAL), "old size 0: EINVAL");
	ok(mfails(mremap(q, PG, 2 * PG, 0x100), EINVAL), "unknown flag: EINVAL");
	ok(mfails(mremap(q, PG, 2 * PG, MREMAP_FIXED), EINVAL), "MREMAP_FIXED without MAYMOVE: EINVAL");
	ok(mfails(mremap(q, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x100000000), EINVAL),
	   "MREMAP_FIXED: EINVAL");
	ok(mfails(mremap(q, 2 * PG, 3 * PG, MREMAP_MAYMOVE), EFAULT), "old range not all mapped: EFAULT");
	ok(munmap(q, PG) == 0, "munmap");
}

static void protect(void)
{
	char *p = anon(2 * PG);
	ok(mprotect(p, 2 * PG, PROT_READ | PROT_WRITE) == 0, "mprotect read-write: 0");
	ok(mprotect(p, PG, PROT_READ) == 0 && mprotect(p, PG, PROT_NONE) == 0, "read-only and none: 0 (not enforced)");
	ok(fails(mprotect(p, PG, PROT_READ | PROT_EXEC), EACCES), "PROT_EXEC refused: EACCES");
	ok(fails(mprotect(p + 1, PG, PROT_READ), EINVAL), "mprotect unaligned: EINVAL");
	ok(fails(mprotect(p, PG, 0x10), EINVAL), "mprotect bad prot: EINVAL");
	ok(fails(mprotect(p, 3 * PG, PROT_READ), ENOMEM), "mprotect past the mapping: ENOMEM");
	ok(mfails(mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EACCES),
	   "mmap PROT_EXEC: EACCES");

	memset(p, 'q', 2 * PG);
	ok(madvise(p, 2 * PG, MADV_WILLNEED) == 0 && madvise(p, PG, MADV_SEQUENTIAL) == 0 && p[0] == 'q',
	   "madvise advice to ignore: 0");
	ok(madvise(p, PG, MADV_DONTNEED) == 0 && zero(p, PG) && p[PG] == 'q', "MADV_DONTNEED zeroes anonymous pages");
	ok(fails(madvise(p, PG, 999), EINVAL), "madvise unknown advice: EINVAL");
	ok(fails(madvise(p + 1, PG, MADV_NORMAL), EINVAL), "madvise unaligned: EINVAL");
	ok(fails(madvise(p, 3 * PG, MADV_NORMAL), ENOMEM), "madvise past the mapping: ENOMEM");
	memset(p, 'q', PG);
	ok(posix_madvise(p, PG, POSIX_MADV_DONTNEED) == 0 && p[0] == 'q', "POSIX_MADV_DONTNEED keeps the data");
	ok(posix_madvise(p, PG, 77) == EINVAL, "posix_madvise unknown: EINVAL returned");

	ok(msync(p, PG, MS_ASYNC) == 0 && msync(p, PG, MS_SYNC | MS_INVALIDATE) == 0, "msync: 0");
	ok(fails(msync(p, PG, MS_SYNC | MS_ASYNC), EINVAL), "msync MS_SYNC|MS_ASYNC: EINVAL");
	ok(fails(msync(p, PG, 0x40), EINVAL), "msync bad flag: EINVAL");
	ok(fails(msync(p + 1, PG, MS_SYNC), EINVAL), "msync unaligned: EINVAL");
	ok(mlock(p, PG) == 0 && munlock(p, PG) == 0, "mlock, munlock: 0");
	ok(mlockall(MCL_CURRENT | MCL_FUTURE) == 0 && munlockall() == 0, "mlockall, munlockall: 0");
	ok(fails(mlockall(0), EINVAL) && fails(mlockall(0x80), EINVAL), "mlockall bad flags: EINVAL");
	munmap(p, 2 * PG);
}

static void invalid(void)
{
	ok(mfails(anon(0), EINVAL), "mmap len 0: EINVAL");
	ok(mfails(mmap(NULL, PG, 0x10, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL), "mmap bad prot: EINVAL");
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL), "neither shared nor private: EINVAL");
	ok(mfails(mmap(NULL, PG, PROT_READ, 0x0f | MAP_ANONYMOUS, -1, 0), EINVAL), "bad map type: EINVAL");
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | 0x40000000, -1, 0), EINVAL),
	   "unknown flag: EINVAL");
	ok(mfails(mmap((void *)0x40000000, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), ENOMEM),
	   "MAP_FIXED: ENOMEM");
	ok(mfails(mmap((void *)0x40000001, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL),
	   "MAP_FIXED unaligned: EINVAL");
	ok(mfails(mmap(NULL, SIZE_MAX, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM), "SIZE_MAX: ENOMEM");
	void *hint = anon(PG);
	ok(hint != MAP_FAILED && munmap(hint, PG) == 0, "a hint address is ignored");
	ok(fails(munmap(NULL, 0), EINVAL), "munmap len 0: EINVAL");
	ok(fails(munmap((char *)hint + 1, PG), EINVAL), "munmap unaligned: EINVAL");
	ok(getpagesize() == PG, "getpagesize");
}

/* "exit-write PATH": map PATH shared, write through the mapping, exit
 * without munmap: the bytes must reach the file (tests/mman.bats). */
static int exit_write(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, PG) < 0)
		return 2;
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 3;
	close(fd);
	memcpy(p, "written at exit", 15);
	return 0;
}

/* Shared file mappings: written back by munmap and msync, up to EOF. */
static void shared(int fd)
{
	char back[16];
	int rw = open("/tmp/shared", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ok(rw >= 0 && ftruncate(rw, 2 * PG + 100) == 0, "a file of two pages and a bit");
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	ok(p != MAP_FAILED && zero(p, 3 * PG), "MAP_SHARED of it, read in");
	memcpy(p, "first", 5);
	memcpy(p + 2 * PG + 98, "edge", 4); /* two bytes of it lie past EOF */
	ok(pread(rw, back, 5, 0) == 5 && zero(back, 5), "the file does not change before a write-back");
	ok(msync(p, PG, MS_SYNC) == 0 && pread(rw, back, 5, 0) == 5 && !memcmp(back, "first", 5),
	   "msync writes it back");
	ok(pwrite(rw, "later", 5, 10) == 5 && !memcmp(p + 10, "later", 5), "a pwrite to the file shows in the mapping");
	ok(lseek(rw, PG + 1, SEEK_SET) == PG + 1 && write(rw, "w", 1) == 1 && p[PG + 1] == 'w', "so does a write");
	ok(mfails(mmap(NULL, PG, PROT_READ, MAP_SHARED, rw, 2 * PG), ENODEV),
	   "a second shared mapping over the same pages would be a copy: ENODEV");
	char *other = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	ok(other != MAP_FAILED && munmap(other, PG) == 0, "another file's shared mapping is fine");
	close(rw); /* the mapping keeps the file */
	ok(munmap(p, 3 * PG) == 0, "munmap after close");
	struct stat st;
	rw = open("/tmp/shared", O_RDONLY);
	ok(rw >= 0 && pread(rw, back, 4, 2 * PG + 98) == 2 && !memcmp(back, "ed", 2) && fstat(rw, &st) == 0 &&
	       st.st_size == 2 * PG + 100,
	   "munmap wrote back up to EOF and did not grow the file");
	ok(mfails(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0), EACCES),
	   "MAP_SHARED|PROT_WRITE of a read-only descriptor: EACCES");
	close(rw);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "exit-write"))
		return exit_write(argv[2]);
	anonymous();
	file();
	remap();
	protect();
	invalid();
	return done_testing();
}

/*
 * libos inside a real guest: built with tincan-cc, booted by tests/libos.t.
 * With no arguments it runs TAP checks in the guest and prints them; other
 * arguments pick one behaviour whose effect is visible from outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>
#include <tincan.h>

#include "../tap.h"

static uint64_t ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int counter_for_sbrk;
static volatile int got_usr1;
static void on_usr1(int sig)
{
	got_usr1 = sig == SIGUSR1;
}

static void bye(void)
{
	printf("atexit handler ran\n");
}

__attribute__((noinline)) static int deep(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	return n < 1000000 ? deep(n + 1) + pad[0] : 0;
}

__attribute__((noinline)) static void inner_panic(int x)
{
	panic("inner gave up with %d and %s (%zu, %lld)", x, "a string", (size_t)7, -8LL);
}

static void checks(int argc, char **argv)
{
	ok(argc == 3 && strcmp(argv[1], "tap") == 0 && strcmp(argv[2], "two words") == 0, "argv reaches main");
	ok(getenv("TINCAN_TEST") && strcmp(getenv("TINCAN_TEST"), "yes") == 0, "getenv sees --env");
	ok(getenv("HOME") == NULL, "no host environment leaks in");

	/* Heap: bounded by guest memory, ENOMEM beyond. */
	void *big = malloc(64 << 20);
	ok(big == NULL && errno == ENOMEM, "a 64 MiB malloc fails with ENOMEM in a 8 MiB guest");
	void *p[1000];
	int good = 1;
	for (int i = 0; i < 1000; i++) {
		p[i] = malloc((size_t)(i * 37 % 2000 + 1));
		if (!p[i])
			good = 0;
		else
			memset(p[i], i, (size_t)(i * 37 % 2000 + 1));
	}
	for (int i = 0; i < 1000; i++)
		free(p[i]);
	ok(good, "1000 mallocs and frees");
	void *m = malloc(4 << 20);
	ok(m != NULL, "a 4 MiB malloc succeeds");
	free(m);
	void *al = NULL;
	ok(posix_memalign(&al, 4096, 100) == 0 && ((uintptr_t)al & 4095) == 0, "posix_memalign");
	free(al);
	ok(sbrk(0) != (void *)-1 && sbrk(1 << 30) == (void *)-1 && errno == ENOMEM, "sbrk is bounded");

	/* Clocks. */
	uint64_t a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
	ok(b >= a, "monotonic does not go backwards");
	uint64_t r = ns(CLOCK_REALTIME);
	int mono_ok = r > a && r - a > 365 * 86400ULL * 1000000000ULL;
	ok(mono_ok, "CLOCK_MONOTONIC is not CLOCK_REALTIME: they differ by %llu s (at least a year)",
	   (unsigned long long)((r - a) / 1000000000ULL));
	time_t now = time(NULL);
	ok(now > 1700000000 && now < 4000000000, "time() is plausible: %ld", (long)now);
	struct timeval tv;
	ok(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= now - 1 && tv.tv_usec < 1000000, "gettimeofday");
	uint64_t t0 = ns(CLOCK_MONOTONIC);
	struct timespec d = { 0, 30 * 1000000 };
	ok(nanosleep(&d, NULL) == 0, "nanosleep");
	uint64_t slept = ns(CLOCK_MONOTONIC) - t0;
	ok(slept >= 30000000 && slept < 2000000000, "nanosleep slept 30 ms: %llu us", (unsigned long long)slept / 1000);
	ok(usleep(1000) == 0 && sleep(0) == 0, "usleep, sleep");
	uint64_t cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID), wall0 = ns(CLOCK_MONOTONIC);
	nanosleep(&d, NULL);
	uint64_t cpu = ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = ns(CLOCK_MONOTONIC) - wall0;
	ok(wall >= 30000000 && cpu < 10000000, "CPU time excludes 30 ms of sleep (cpu %llu us, wall %llu us)",
	   (unsigned long long)cpu / 1000, (unsigned long long)wall / 1000);
	struct timespec res;
	ok(clock_getres(CLOCK_MONOTONIC, &res) == 0 && clock_gettime(99, &res) < 0 && errno == EINVAL,
	   "clock_getres; unknown clocks are EINVAL");
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	if (!mono_ok) /* a wrong clock fails here rather than sleeping for decades */
		abs = (struct timespec){ 0, 0 };
	abs.tv_nsec += 5000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	ok(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0 &&
	       ns(CLOCK_MONOTONIC) >= (uint64_t)abs.tv_sec * 1000000000ULL + (uint64_t)abs.tv_nsec,
	   "clock_nanosleep absolute");
	ok(clock() != (clock_t)-1, "clock()");
	ok(tincan_boot_to_main_ns() > 0 && tincan_boot_to_main_ns() < 10000000000ULL, "boot-to-main time");

	/* Randomness. */
	unsigned char r1[64] = { 0 }, r2[64] = { 0 };
	ok(getentropy(r1, sizeof r1) == 0 && getrandom(r2, sizeof r2, 0) == 64 && memcmp(r1, r2, 64) != 0,
	   "getentropy and getrandom give different bytes");
	ok(getentropy(r1, 257) < 0 && errno == EIO, "getentropy refuses more than 256 bytes");
	ok(getrandom(r1, 8, 0x80) < 0 && errno == EINVAL, "getrandom refuses unknown flags");

	/* sysconf. */
	ok(sysconf(_SC_PAGESIZE) == 4096 && sysconf(_SC_NPROCESSORS_ONLN) == 1, "sysconf page size and CPUs");
	ok(sysconf(_SC_PHYS_PAGES) == 8 * 256, "sysconf physical pages = --mem");
	ok(sysconf(-5) < 0 && errno == EINVAL, "sysconf unknown name");

	/* File descriptors and files. */
	ok(isatty(1) == 0 && errno == ENOTTY, "stdout is not a tty in a pipe");
	struct stat st;
	ok(fstat(1, &st) == 0 && S_ISFIFO(st.st_mode), "fstat(stdout)");
	ok(lseek(1, 0, SEEK_SET) < 0 && errno == ESPIPE, "lseek on the console is ESPIPE");
	ok(write(7, "x", 1) < 0 && errno == EBADF, "write to an unknown fd is EBADF");
	ok(read(1, r1, 1) < 0 && errno == EBADF, "read from stdout is EBADF");
	ok(open("/etc/passwd", O_RDONLY) < 0 && errno == ENOENT, "no host files: /etc/passwd is ENOENT");
	ok(fopen("/x", "r") == NULL && errno == ENOENT, "fopen of a missing file is ENOENT");
	ok(stat("/", &st) == 0 && S_ISDIR(st.st_mode) && stat(".", &st) == 0, "stat of the root directory");

	/* The RAM file system. */
	FILE *fw = fopen("conftest.out", "w");
	ok(fw && fprintf(fw, "line one\nline %d\n", 2) > 0 && fclose(fw) == 0, "fopen/fprintf/fclose a new file");
	FILE *fr = fopen("./conftest.out", "r");
	char line[64] = "";
	ok(fr && fgets(line, sizeof line, fr) && strcmp(line, "line one\n") == 0 && fgets(line, sizeof line, fr) &&
	       strcmp(line, "line 2\n") == 0 && !fgets(line, sizeof line, fr) && feof(fr),
	   "read it back");
	if (fr)
		fclose(fr);
	ok(stat("/conftest.out", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 16, "stat gives its size");
	int fd = open("conftest.out", O_RDWR | O_APPEND);
	ok(fd >= 3 && write(fd, "more", 4) == 4 && lseek(fd, 0, SEEK_END) == 20 && lseek(fd, 5, SEEK_SET) == 5 &&
	       read(fd, line, 3) == 3 && memcmp(line, "one", 3) == 0,
	   "O_APPEND, lseek, read");
	int fd2 = dup(fd);
	ok(fd2 > fd && lseek(fd2, 0, SEEK_CUR) == 8, "dup shares the offset");
	ok(open("conftest.out", O_CREAT | O_EXCL | O_WRONLY, 0600) < 0 && errno == EEXIST, "O_EXCL");
	ok(unlink("conftest.out") == 0 && stat("conftest.out", &st) < 0 && errno == ENOENT, "unlink");
	ok(read(fd2, line, 4) == 4 && memcmp(line, "\nlin", 4) == 0, "an unlinked file stays readable while open");
	ok(close(fd) == 0 && close(fd2) == 0 && close(fd2) < 0 && errno == EBADF, "close, double close is EBADF");
	ok(open("dir/file", O_CREAT | O_WRONLY, 0600) < 0 && errno == ENOENT,
	   "a file in a missing directory is ENOENT");
	ok(mkdir("d", 0755) == 0 && rmdir("d") == 0, "mkdir and rmdir (more in files.c)");
	fd = open("t", O_CREAT | O_WRONLY | O_TRUNC, 0600);
	ok(fd >= 0 && lseek(fd, 100000, SEEK_SET) == 100000 && write(fd, "x", 1) == 1 && fstat(fd, &st) == 0 &&
	       st.st_size == 100001 && close(fd) == 0,
	   "a sparse write grows the file");
	ok(rename("t", "u") == 0 && stat("u", &st) == 0 && stat("t", &st) < 0 && unlink("u") == 0, "rename");
	/* The table grows to 65,536 (tests/guests/fdtab.c); a soft limit of 64 keeps this quick. */
	struct rlimit nofile, lim64 = { 64, 65536 };
	getrlimit(RLIMIT_NOFILE, &nofile);
	setrlimit(RLIMIT_NOFILE, &lim64);
	int many = 0;
	while (open("x", O_CREAT | O_RDONLY, 0600) >= 0)
		many++;
	ok(errno == EMFILE && many == 61, "EMFILE after 61 more descriptors (%d)", many);
	for (int i = 3; i < 64; i++)
		close(i);
	setrlimit(RLIMIT_NOFILE, &nofile);
	ok(fcntl(1, F_GETFL) == O_WRONLY && fcntl(0, F_GETFL) == O_RDONLY, "fcntl F_GETFL");
	ok(fcntl(1, F_SETFD, FD_CLOEXEC) == 0 && fcntl(1, F_GETFD) == FD_CLOEXEC, "fcntl FD_CLOEXEC");

	/* Edge cases found in review. */
	fd = open("gap", O_CREAT | O_RDWR | O_TRUNC, 0600);
	write(fd, "abcdef", 6);
	close(fd);
	fd = open("gap", O_RDWR | O_TRUNC);
	ok(fd >= 0 && lseek(fd, 3, SEEK_SET) == 3 && write(fd, "Z", 1) == 1 && lseek(fd, 0, SEEK_SET) == 0 &&
	       read(fd, line, 8) == 4 && memcmp(line, "\0\0\0Z", 4) == 0,
	   "a hole after O_TRUNC reads as zeros");
	ok(lseek(fd, 1000, SEEK_SET) == 1000 && write(fd, "", 0) == 0 && fstat(fd, &st) == 0 && st.st_size == 4,
	   "a zero-length write past the end does not grow the file");
	ok(lseek(fd, INT64_MAX, SEEK_SET) < 0 && errno == EINVAL && lseek(fd, 0, SEEK_CUR) == 1000,
	   "an absurd lseek is EINVAL and keeps the offset");
	close(fd);
	unlink("gap");
	ok(isatty(42) == 0 && errno == EBADF, "isatty on a bad fd is 0 with EBADF");
	ok(sysconf(_SC_OPEN_MAX) == 65536, "sysconf(_SC_OPEN_MAX) is the table's limit");
	ok(fcntl(1, F_DUPFD, -1) < 0 && errno == EINVAL && fcntl(1, F_DUPFD, 65536) < 0 && errno == EINVAL,
	   "F_DUPFD out of range is EINVAL");
	char *brk0 = sbrk(0);
	ok(sbrk(-(intptr_t)(brk0 - (char *)&counter_for_sbrk)) == (void *)-1 && errno == ENOMEM && sbrk(0) == brk0,
	   "sbrk cannot go below the start of the heap");
	argv[1][0] = 'T';
	ok(argv[1][0] == 'T' && setenv("TINCAN_TEST", "changed", 1) == 0 &&
	       strcmp(getenv("TINCAN_TEST"), "changed") == 0 && unsetenv("TINCAN_TEST") == 0 &&
	       getenv("TINCAN_TEST") == NULL,
	   "argv and the environment are writable");
	signal(SIGUSR1, on_usr1);
	ok(kill(getpid(), SIGUSR1) == 0 && got_usr1 == 1, "kill(self) runs a signal() handler");
	signal(SIGUSR1, SIG_IGN);
	ok(kill(getpid(), SIGUSR1) == 0, "kill(self) with SIG_IGN is ignored");

	/* Processes and signals. */
	ok(getpid() == 1, "getpid");
	ok(kill(getpid(), 0) == 0, "kill(self, 0)");
	ok(kill(42, SIGTERM) < 0 && errno == ESRCH, "kill(other) is ESRCH");
	ok(fork() < 0 && errno == ENOSYS, "fork is ENOSYS");
	ok(execve("/bin/sh", argv, NULL) < 0 && errno == ENOSYS, "execve is ENOSYS");
	sigset_t set = 0, old;
	ok(sigprocmask(SIG_BLOCK, &set, &old) == 0, "sigprocmask");

	/* The C library proper. */
	int v[] = { 5, 3, 9, 1, 7 };
	qsort(v, 5, sizeof v[0], cmp);
	ok(v[0] == 1 && v[4] == 9, "qsort");
	char buf[128];
	snprintf(buf, sizeof buf, "%.3f %g %e %lld %zu %x", 3.14159, 1e-5, 12345.678, -123456789012LL, (size_t)42,
		 255u);
	ok(strcmp(buf, "3.142 1e-05 1.234568e+04 -123456789012 42 ff") == 0, "printf formats: %s", buf);
	ok(fabs(strtod("2.5e3", NULL) - 2500.0) < 1e-9 && fabs(sin(M_PI / 2) - 1) < 1e-12 &&
	       fabs(pow(2, 10) - 1024) < 1e-9,
	   "strtod and libm");
}

/* Path resolution in the VFS, and poll()/select() in the core (this guest
 * links no networking). */
static void vfs_and_poll(void)
{
	struct stat st;
	int fd = open("//vfs.txt", O_CREAT | O_RDWR | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, "abc", 3) == 3, "a file made through //name");
	ok(stat("/./vfs.txt", &st) == 0 && st.st_size == 3 && stat("../../vfs.txt", &st) == 0 &&
	       stat("/vfs.txt//", &st) < 0 && errno == ENOTDIR,
	   "/./name and ../../name find it; name/ is ENOTDIR");
	ok(open("vfs.txt/", O_RDONLY) < 0 && errno == ENOTDIR && open("new/", O_CREAT | O_WRONLY, 0600) < 0 &&
	       errno == EISDIR,
	   "open of name/ is ENOTDIR, creating new/ is EISDIR");
	ok(stat("nosuch/../vfs.txt", &st) < 0 && errno == ENOENT && stat("vfs.txt/../vfs.txt", &st) < 0 &&
	       errno == ENOTDIR && open("vfs.txt/x", O_CREAT | O_WRONLY, 0600) < 0 && errno == ENOTDIR,
	   "a missing directory before .. is ENOENT, a file used as a directory ENOTDIR (as on Linux)");
	ok(open("vfs.txt/", O_CREAT | O_WRONLY, 0600) < 0 && errno == EISDIR && rename("vfs.txt", "moved/") < 0 &&
	       errno == ENOTDIR && rename("vfs.txt", "vfs.txt/") < 0 && errno == ENOTDIR && stat("vfs.txt", &st) == 0 &&
	       stat("moved", &st) < 0 && errno == ENOENT,
	   "O_CREAT on name/ is EISDIR; renaming a file to name/ is ENOTDIR and moves nothing");
	char name[300];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	ok(open(name, O_CREAT | O_WRONLY, 0600) < 0 && errno == ENAMETOOLONG && stat("", &st) < 0 && errno == ENOENT,
	   "a 299-byte name is ENAMETOOLONG, an empty path ENOENT");
	int root = open("/", O_RDONLY);
	ok(root >= 0 && close(root) == 0 && open(".", O_WRONLY) < 0 && errno == EISDIR && unlink("/") < 0 &&
	       errno == EISDIR && rename("vfs.txt", "/") < 0 && errno == EBUSY,
	   "the root directory opens for reading only, and cannot be unlinked or replaced");

	struct pollfd p[3] = { { fd, POLLIN | POLLOUT, 0 }, { 1, POLLOUT, 0 }, { 42, POLLIN, 0 } };
	ok(poll(p, 3, 0) == 3 && p[0].revents == (POLLIN | POLLOUT) && p[1].revents == POLLOUT &&
	       p[2].revents == POLLNVAL,
	   "poll: a file is always ready, stdout writable, a bad fd POLLNVAL");
	uint64_t t0 = ns(CLOCK_MONOTONIC);
	ok(poll(NULL, 0, 20) == 0 && ns(CLOCK_MONOTONIC) - t0 >= 20000000, "poll with nothing to watch sleeps");
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(fd, &rd);
	FD_SET(1, &wr);
	struct timeval tv = { 0, 0 };
	ok(select(fd + 1, &rd, &wr, NULL, &tv) == 2 && FD_ISSET(fd, &rd) && FD_ISSET(1, &wr),
	   "select on a file and stdout");
	close(fd);
	unlink("vfs.txt");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "tap";

	if (strcmp(mode, "tap") == 0) {
		checks(argc, argv);
		vfs_and_poll();
		return done_testing();
	}
	if (strcmp(mode, "atexit") == 0) {
		atexit(bye);
		printf("main returns 3 (no newline, still flushed)");
		return 3;
	}
	if (strcmp(mode, "exit") == 0) {
		printf("buffered");
		exit(atoi(argv[2]));
	}
	if (strcmp(mode, "count") == 0) { /* stdin's bytes, read through stdio */
		long n = 0;
		while (getchar() != EOF)
			n++;
		printf("%ld bytes\n", n);
		return 0;
	}
	if (strcmp(mode, "cat") == 0) {
		char line[512];
		long n = 0;
		while (fgets(line, sizeof line, stdin)) {
			n++;
			fputs(line, stdout);
		}
		fprintf(stderr, "%ld lines\n", n);
		return 0;
	}
	if (strcmp(mode, "abort") == 0)
		abort();
	if (strcmp(mode, "panic") == 0)
		inner_panic(42);
	if (strcmp(mode, "raise") == 0)
		raise(SIGTERM);
	if (strcmp(mode, "overflow") == 0)
		return deep(0);
	if (strcmp(mode, "null") == 0)
		return *(volatile int *)(uintptr_t)atoi("0");
	if (strcmp(mode, "closed") == 0) {
		close(1);
		return printf("lost\n") < 0 || fflush(stdout) == EOF ? 0 : 1;
	}
	fprintf(stderr, "unknown mode %s\n", mode);
	return 2;
}

__attribute__((destructor)) static void on_exit_destructor(void)
{
	if (getenv("TINCAN_DTOR"))
		printf("destructor ran\n");
}

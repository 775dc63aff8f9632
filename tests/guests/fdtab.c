/*
 * The descriptor table and the small POSIX limits inside a real guest
 * (tests/fdtab.bats), as TAP: 65,536 descriptors, RLIMIT_NOFILE enforced,
 * select up to FD_SETSIZE, the main stack's size and depth, umask,
 * pathconf, realpath, dirname/basename and the user database.
 * Argument: the main stack size the image was given, in bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include "../tap.h"

#define NFD 65536

static int fails(long r, int e)
{
	return r == -1 && errno == e;
}

static void many(void)
{
	struct rlimit r;
	ok(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == NFD && r.rlim_max == NFD, "RLIMIT_NOFILE %lu/%lu",
	   (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max);
	ok(sysconf(_SC_OPEN_MAX) == NFD && getdtablesize() == NFD, "sysconf(_SC_OPEN_MAX), getdtablesize: %ld",
	   sysconf(_SC_OPEN_MAX));

	int last = -1, bad = 0;
	for (int i = 3; i < NFD; i++) {
		int fd = i % 2 ? eventfd(0, 0) : open("/dev/null", O_RDONLY);
		if (fd != i)
			bad++;
		last = fd;
	}
	ok(bad == 0 && last == NFD - 1, "65,533 eventfds and /dev/null opens take fds 3..%d", last);
	ok(fails(eventfd(0, 0), EMFILE) && fails(open("/dev/null", O_RDONLY), EMFILE) && fails(dup(0), EMFILE),
	   "the 65,537th descriptor: EMFILE");
	uint64_t v = 7;
	ok(write(NFD - 2, &v, 8) < 0 && write(NFD - 1, &v, 8) == 8 && read(NFD - 1, &v, 8) == 8 && v == 7,
	   "the highest descriptors work");
	ok(close(30000) == 0 && eventfd(0, 0) == 30000, "a closed slot is the lowest free");
	bad = 0;
	for (int i = 3; i < NFD; i++)
		bad += close(i) != 0;
	ok(bad == 0, "closing them all");
	ok(fails(close(NFD - 1), EBADF) && fails(close(NFD), EBADF), "closed and beyond: EBADF");
	ok(open("/dev/null", O_RDONLY) == 3, "and the next open is fd 3 again");
	close(3);
}

static void dups(void)
{
	int e = eventfd(5, 0);
	uint64_t v = 0;
	ok(dup2(e, 40000) == 40000 && read(40000, &v, 8) == 8 && v == 5, "dup2 to fd 40,000 shares the file");
	ok(fcntl(40000, F_GETFD) == 0 && fcntl(40000, F_SETFD, FD_CLOEXEC) == 0 && fcntl(40000, F_GETFD) == FD_CLOEXEC,
	   "its close-on-exec flag");
	ok(fcntl(e, F_DUPFD, 50000) == 50000 && fcntl(e, F_DUPFD, 50000) == 50001, "F_DUPFD from 50,000");
	ok(fails(dup2(e, NFD), EBADF) && fails(dup2(e, -1), EBADF), "dup2 to 65,536 or -1: EBADF");
	ok(fails(fcntl(e, F_DUPFD, NFD), EINVAL), "F_DUPFD from 65,536: EINVAL");
	ok(close(40000) == 0 && close(50000) == 0 && close(50001) == 0 && close(e) == 0, "closed");
}

static void lowered(void)
{
	struct rlimit r, lo = { 100, NFD };
	getrlimit(RLIMIT_NOFILE, &r);
	ok(setrlimit(RLIMIT_NOFILE, &lo) == 0, "setrlimit(RLIMIT_NOFILE, 100)");
	ok(sysconf(_SC_OPEN_MAX) == 100 && getdtablesize() == 100, "sysconf and getdtablesize say 100");
	int last = -1, fd;
	while ((fd = eventfd(0, 0)) >= 0)
		last = fd;
	ok(last == 99 && errno == EMFILE, "descriptors up to 99, then EMFILE");
	ok(fails(dup2(0, 100), EBADF) && fails(fcntl(0, F_DUPFD, 100), EINVAL), "dup2 to 100: EBADF; F_DUPFD: EINVAL");
	for (fd = 3; fd <= last; fd++)
		close(fd);
	ok(setrlimit(RLIMIT_NOFILE, &r) == 0 && dup2(0, 1000) == 1000 && close(1000) == 0,
	   "raised again: dup2 to 1000");
}

static void selects(void)
{
	fd_set rd, wr;
	struct timeval tv = { 0, 0 };
	ok(FD_SETSIZE == 1024 && sizeof(fd_set) == 128, "FD_SETSIZE %d, fd_set %zu bytes", FD_SETSIZE, sizeof(fd_set));
	int e = eventfd(0, 0);
	ok(dup2(e, 900) == 900, "an eventfd at fd 900");
	FD_ZERO(&rd);
	FD_SET(900, &rd);
	ok(select(901, &rd, NULL, NULL, &tv) == 0 && !FD_ISSET(900, &rd), "select: fd 900 not readable yet");
	uint64_t v = 1;
	write(e, &v, 8);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(900, &rd);
	FD_SET(900, &wr);
	FD_SET(e, &rd);
	ok(select(901, &rd, &wr, NULL, &tv) == 3 && FD_ISSET(900, &rd) && FD_ISSET(900, &wr) && FD_ISSET(e, &rd),
	   "select: fd 900 readable and writable");
	FD_ZERO(&rd);
	FD_SET(1023, &rd);
	ok(fails(select(1024, &rd, NULL, NULL, &tv), EBADF), "select of a closed fd 1023: EBADF");
	ok(fails(select(FD_SETSIZE + 1, &rd, NULL, NULL, &tv), EINVAL) &&
	       fails(select(-1, NULL, NULL, NULL, &tv), EINVAL),
	   "select with nfds beyond FD_SETSIZE: EINVAL");
	close(900);
	close(e);
}

/* Uses about `depth` KiB of stack. */
__attribute__((noinline)) static unsigned deep(int depth)
{
	volatile unsigned char buf[1000];
	for (unsigned i = 0; i < sizeof buf; i += 64)
		buf[i] = (unsigned char)(depth + i);
	if (depth == 0)
		return buf[0];
	return deep(depth - 1) + buf[depth % 16 * 64];
}

static void stack(long asked)
{
	struct rlimit r;
	ok(getrlimit(RLIMIT_STACK, &r) == 0 && (long)r.rlim_cur == asked && (long)r.rlim_max == asked,
	   "RLIMIT_STACK %lu is the image's stack, %ld", (unsigned long)r.rlim_cur, asked);
	if (asked >= 1024 * 1024) {
		char here;
		uintptr_t top = (uintptr_t)&here;
		ok(deep(512) != 1, "a recursion 512 KiB deep (from %#lx)", (unsigned long)top);
	}
}

static mode_t mode_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void posix(void)
{
	ok(umask(027) == 022 && umask(027) == 027, "umask: 022 by default, then 027");
	int fd = open("/tmp/u", O_CREAT | O_WRONLY, 0666);
	ok(fd >= 0 && mode_of("/tmp/u") == 0640, "open(O_CREAT, 0666) under umask 027: %o",
	   (unsigned)mode_of("/tmp/u"));
	close(fd);
	ok(mkdir("/tmp/d", 0777) == 0 && mode_of("/tmp/d") == 0750, "mkdir(0777) under umask 027: %o",
	   (unsigned)mode_of("/tmp/d"));
	umask(0);
	ok(mkdir("/tmp/d/e", 0777) == 0 && mode_of("/tmp/d/e") == 0777, "umask 0: mkdir keeps 0777");
	ok(chmod("/tmp/u", 0666) == 0 && mode_of("/tmp/u") == 0666, "chmod is not masked");
	umask(022);

	ok(PIPE_BUF == 4096 && pathconf("/", _PC_PIPE_BUF) == 4096 && fpathconf(0, _PC_PIPE_BUF) == 4096,
	   "PIPE_BUF and _PC_PIPE_BUF: 4096");
	ok(pathconf("/tmp", _PC_NAME_MAX) == 255 && pathconf("/tmp/u", _PC_PATH_MAX) == PATH_MAX,
	   "_PC_NAME_MAX 255, _PC_PATH_MAX %ld", pathconf("/", _PC_PATH_MAX));
	ok(pathconf("/", _PC_NO_TRUNC) == 1 && pathconf("/", _PC_LINK_MAX) > 0, "_PC_NO_TRUNC, _PC_LINK_MAX");
	errno = 0;
	ok(pathconf("/", _PC_ASYNC_IO) == -1 && errno == 0, "_PC_ASYNC_IO: -1, errno untouched");
	ok(fails(pathconf("/nosuch", _PC_NAME_MAX), ENOENT) && fails(fpathconf(-1, _PC_NAME_MAX), EBADF) &&
	       fails(pathconf("/", 9999), EINVAL),
	   "pathconf errors: ENOENT, EBADF, EINVAL");

	char buf[PATH_MAX];
	ok(realpath("/tmp/../tmp/./d//e/", buf) == buf && strcmp(buf, "/tmp/d/e") == 0, "realpath %s", buf);
	char *m = realpath("/tmp/d/../u", NULL);
	ok(m && strcmp(m, "/tmp/u") == 0, "realpath allocating: %s", m ? m : "(null)");
	free(m);
	ok(realpath("/tmp/nosuch", buf) == NULL && errno == ENOENT, "realpath of a missing file: ENOENT");

	static const char *cases[][3] = {
		{ "/usr/lib", "/usr", "lib" },
		{ "/usr/", "/", "usr" },
		{ "usr", ".", "usr" },
		{ "/", "/", "/" },
		{ ".", ".", "." },
		{ "..", ".", ".." },
		{ "a//b//", "a", "b" },
		{ "//x", "/", "x" },
		{ "", ".", "." },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char a[32], b[32];
		strcpy(a, cases[i][0]);
		strcpy(b, cases[i][0]);
		if (strcmp(dirname(a), cases[i][1]) || strcmp(basename(b), cases[i][2])) {
			printf("# %s: dirname %s, basename %s\n", cases[i][0], a, b);
			bad++;
		}
	}
	ok(bad == 0 && strcmp(dirname(NULL), ".") == 0 && strcmp(basename(NULL), ".") == 0,
	   "dirname and basename as POSIX says");

	struct passwd *pw = getpwuid(getuid());
	ok(pw && strcmp(pw->pw_name, "root") == 0 && strcmp(pw->pw_dir, "/") == 0, "getpwuid(getuid()): root");
	pw = getpwnam("root");
	ok(pw && pw->pw_uid == 0 && pw->pw_gid == 0, "getpwnam(root)");
	errno = 0;
	ok(getpwuid(1000) == NULL && getpwnam("nobody") == NULL && errno == 0, "unknown users: NULL, errno 0");
}

/* n clients connect at once to a listener in the same guest over 127.0.0.1
 * (2n TCP connections), then each sends a byte that its server side echoes. */
static void conns(int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7777) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	ok(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4096) == 0, "listening");
	int *c = calloc((size_t)n, sizeof *c), *s = calloc((size_t)n, sizeof *s);
	int made = 0, accepted = 0;
	for (int i = 0; i < n; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i] >= 0 && connect(c[i], (struct sockaddr *)&a, sizeof a) == 0)
			made++;
		else
			printf("# client %d: %s\n", i, strerror(errno));
	}
	ok(made == n, "%d of %d clients connected before any was accepted", made, n);
	for (int i = 0; i < n; i++)
		accepted += (s[i] = accept(l, NULL, NULL)) >= 0;
	ok(accepted == n, "%d accepted", accepted);
	int echoed = 0;
	for (int i = 0; i < n; i++) {
		char b = (char)i, r = 0;
		write(c[i], &b, 1);
		if (read(s[i], &r, 1) == 1 && r == b && write(s[i], &r, 1) == 1 && read(c[i], &b, 1) == 1 && b == r)
			echoed++;
	}
	ok(echoed == n, "%d echoed", echoed);
	for (int i = 0; i < n; i++)
		close(c[i]), close(s[i]);
	close(l);
	free(c);
	free(s);
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "conns") == 0) {
		conns(atoi(argv[2]));
		return done_testing();
	}
	long asked = argc > 1 ? atol(argv[1]) : 0;
	many();
	dups();
	lowered();
	selects();
	stack(asked);
	posix();
	return done_testing();
}

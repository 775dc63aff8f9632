/*
 * Scatter/gather I/O, terminals, ioctl, sockaddr_un and interface names
 * (tests/uio.bats).  No arguments: TAP checks with a console that is not a
 * terminal.  "tty": TAP checks for a console that is one (run under a pty).
 * "if NAME": the image declares the net device NAME.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../tap.h"

static int fails(long r, int e)
{
	int got = errno;
	if (r != -1 || got != e)
		printf("# returned %ld, errno %d (%s), wanted %d (%s)\n", r, got, strerror(got), e, strerror(e));
	return r == -1 && got == e;
}

static struct iovec iov(void *p, size_t n)
{
	struct iovec v = { p, n };
	return v;
}

static void vectors(void)
{
	char a[3], b[10], c[8];
	int fd = open("/tmp/v", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0, "open /tmp/v");
	struct iovec w[3] = { iov("abc", 3), iov("", 0), iov("defgh", 5) };
	ok(writev(fd, w, 3) == 8, "writev: 3 iovecs (one empty), 8 bytes");
	ok(lseek(fd, 0, SEEK_CUR) == 8, "writev moves the offset");
	lseek(fd, 0, SEEK_SET);
	struct iovec r[2] = { iov(a, 3), iov(b, 10) };
	ok(readv(fd, r, 2) == 8 && !memcmp(a, "abc", 3) && !memcmp(b, "defgh", 5),
	   "readv: split over two buffers, short at end of file");
	ok(readv(fd, r, 2) == 0, "readv at end of file: 0");
	ok(readv(fd, r, 0) == 0 && writev(fd, w, 0) == 0, "iovcnt 0: 0");
	errno = 0;
	ok(fails(readv(fd, r, -1), EINVAL) && fails(writev(fd, w, -1), EINVAL), "iovcnt -1: EINVAL");
	static struct iovec many[IOV_MAX + 1];
	char one = 'x';
	for (int i = 0; i <= IOV_MAX; i++)
		many[i] = iov(&one, 1);
	ok(fails(writev(fd, many, IOV_MAX + 1), EINVAL), "iovcnt IOV_MAX + 1: EINVAL");
	ok(IOV_MAX == 1024 && writev(fd, many, IOV_MAX) == IOV_MAX, "iovcnt IOV_MAX (1024): written");
	struct iovec huge[2] = { iov(a, SIZE_MAX / 2), iov(b, SIZE_MAX / 2) };
	ok(fails(writev(fd, huge, 2), EINVAL), "a total over SSIZE_MAX: EINVAL");
	ok(fails(readv(99, r, 2), EBADF) && fails(writev(-1, w, 3), EBADF), "bad fd: EBADF");

	/* preadv/pwritev: at an offset, leaving the file's own */
	off_t before = lseek(fd, 0, SEEK_CUR);
	struct iovec pw[2] = { iov("XY", 2), iov("Z", 1) };
	ok(pwritev(fd, pw, 2, 1) == 3 && lseek(fd, 0, SEEK_CUR) == before, "pwritev at 1 keeps the offset");
	memset(c, 0, sizeof c);
	struct iovec pr[2] = { iov(c, 2), iov(c + 2, 3) };
	ok(preadv(fd, pr, 2, 0) == 5 && !memcmp(c, "aXYZe", 5) && lseek(fd, 0, SEEK_CUR) == before,
	   "preadv at 0 reads it back, keeps the offset");
	ok(fails(preadv(fd, pr, 2, -1), EINVAL) && fails(pwritev(fd, pw, 2, -1), EINVAL), "negative offset: EINVAL");
	ok(fails(preadv(fd, pr, IOV_MAX + 1, 0), EINVAL) && fails(pwritev(fd, pw, -1, 0), EINVAL),
	   "p*v bad iovcnt: EINVAL");
	ok(fails(preadv(42, pr, 2, 0), EBADF) && fails(pwritev(42, pw, 2, 0), EBADF), "p*v bad fd: EBADF");
	close(fd);

	fd = open("/tmp/v", O_RDONLY);
	ok(fails(writev(fd, w, 3), EBADF) && fails(pwritev(fd, pw, 2, 0), EBADF), "writev to a read-only fd: EBADF");
	close(fd);

	int p[2];
	ok(pipe(p) == 0, "pipe");
	ok(writev(p[1], w, 3) == 8, "writev to a pipe");
	struct iovec pr3[3] = { iov(a, 2), iov(b, 10), iov(c, 8) };
	ok(readv(p[0], pr3, 3) == 8 && !memcmp(a, "ab", 2) && !memcmp(b, "cdefgh", 6),
	   "readv on a pipe returns what is there without blocking for more");
	ok(fails(preadv(p[0], pr3, 3, 0), ESPIPE) && fails(pwritev(p[1], w, 3, 0), ESPIPE), "p*v on a pipe: ESPIPE");
	close(p[0]);
	close(p[1]);

	struct iovec out[3] = { iov("# via", 5), iov(" writev", 7), iov(" to stdout\n", 11) };
	fflush(stdout);
	ok(writev(1, out, 3) == 23, "writev to the console");
}

static void terminals(void)
{
	struct termios t;
	int p[2];
	pipe(p);
	ok(!isatty(0) && !isatty(1), "the console is not a terminal here");
	ok(fails(tcgetattr(0, &t), ENOTTY) && fails(tcgetattr(1, &t), ENOTTY), "tcgetattr on the console: ENOTTY");
	ok(fails(tcgetattr(p[0], &t), ENOTTY) && fails(tcsetattr(p[1], TCSANOW, &t), ENOTTY), "on a pipe: ENOTTY");
	ok(fails(tcgetattr(77, &t), EBADF) && fails(tcsetattr(77, TCSANOW, &t), EBADF), "bad fd: EBADF");
	ok(fails(tcdrain(p[1]), ENOTTY) && fails(tcflush(p[0], TCIFLUSH), ENOTTY) &&
	       fails(tcflow(p[1], TCOON), ENOTTY) && fails(tcsendbreak(p[1], 0), ENOTTY) &&
	       fails(tcgetpgrp(p[0]), ENOTTY),
	   "tcdrain, tcflush, tcflow, tcsendbreak, tcgetpgrp: ENOTTY");
	memset(&t, 0, sizeof t);
	t.c_iflag = ICRNL | IXON | BRKINT;
	t.c_oflag = OPOST | ONLCR;
	t.c_lflag = ICANON | ECHO | ISIG | IEXTEN;
	t.c_cflag = CS7 | PARENB | CREAD;
	cfmakeraw(&t);
	ok(t.c_iflag == 0 && t.c_oflag == ONLCR && t.c_lflag == 0 && t.c_cflag == (CS8 | CREAD) && t.c_cc[VMIN] == 1 &&
	       t.c_cc[VTIME] == 0,
	   "cfmakeraw clears the cooked flags, sets CS8 VMIN 1 VTIME 0");
	ok(cfsetospeed(&t, B9600) == 0 && cfgetospeed(&t) == B9600 && (t.c_cflag & CBAUD) == B9600,
	   "cfsetospeed/cfgetospeed B9600");
	ok(cfsetspeed(&t, B115200) == 0 && cfgetospeed(&t) == B115200 && cfgetispeed(&t) == B115200,
	   "cfsetspeed B115200");
	ok(fails(cfsetospeed(&t, 9600), EINVAL) && fails(cfsetispeed(&t, CBAUDEX), EINVAL) &&
	       cfgetospeed(&t) == B115200,
	   "a speed that is not a B constant: EINVAL");
	ok(sizeof t == 60 && offsetof(struct termios, c_cc) == 17 && NCCS == 32 && ECHO == 010 && ICANON == 2 &&
	       B38400 == 017 && TCSAFLUSH == 2,
	   "struct termios and constants as on Linux");
	close(p[0]);
	close(p[1]);
}

static void ioctls(void)
{
	int p[2], n = -1, on = 1, off = 0;
	struct winsize ws;
	pipe(p);
	ok(ioctl(p[0], FIONBIO, &on) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK), "FIONBIO 1 sets O_NONBLOCK");
	char c;
	ok(fails(read(p[0], &c, 1), EAGAIN), "and an empty pipe's read gives EAGAIN");
	ok(ioctl(p[0], FIONBIO, &off) == 0 && !(fcntl(p[0], F_GETFL) & O_NONBLOCK), "FIONBIO 0 clears it");
	ok(ioctl(p[0], FIONREAD, &n) == 0 && n == 0, "FIONREAD on an empty pipe: 0");
	int fd = open("/tmp/n", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(fd, "0123456789", 10);
	lseek(fd, 3, SEEK_SET);
	ok(ioctl(fd, FIONREAD, &n) == 0 && n == 7, "FIONREAD on a file: bytes left (%d)", n);
	ok(fails(ioctl(fd, FIONBIO, &on), EINVAL), "FIONBIO on a file refused like fcntl O_NONBLOCK: EINVAL");
	ok(ioctl(fd, FIOCLEX) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && ioctl(fd, FIONCLEX) == 0 &&
	       fcntl(fd, F_GETFD) == 0,
	   "FIOCLEX and FIONCLEX");
	ok(fails(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY) && fails(ioctl(1, TIOCGWINSZ, &ws), ENOTTY),
	   "TIOCGWINSZ off a terminal: ENOTTY");
	ok(fails(ioctl(fd, 0x12345678, &n), ENOTTY) && fails(ioctl(1, TCGETS, &n), ENOTTY), "anything else: ENOTTY");
	ok(fails(ioctl(55, FIONREAD, &n), EBADF) && fails(ioctl(-1, FIONBIO, &on), EBADF), "bad fd: EBADF");
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void unix_and_if(void)
{
	struct sockaddr_un sun;
	char name[IFNAMSIZ];
	ok(sizeof sun.sun_path == 108 && offsetof(struct sockaddr_un, sun_path) == 2 && sizeof sun == 110,
	   "struct sockaddr_un as on Linux");
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(us >= 0 && close(us) == 0, "socket(AF_UNIX) (tests/guests/unixsock.c tests them)");
	ok(IFNAMSIZ == 16 && IF_NAMESIZE == 16, "IFNAMSIZ 16");
	ok(if_nametoindex("en0") == 0 && errno == ENODEV, "if_nametoindex with no net device: 0, ENODEV");
	errno = 0;
	ok(if_indextoname(1, name) == NULL && errno == ENXIO && if_indextoname(0, name) == NULL,
	   "if_indextoname with no device: NULL, ENXIO");
	struct if_nameindex *l = if_nameindex();
	ok(l && l[0].if_index == 0 && l[0].if_name == NULL, "if_nameindex: an empty list");
	if_freenameindex(l);
}

/* "if NAME": the image declares one net device, NAME. */
static int interfaces(const char *want)
{
	char name[IFNAMSIZ];
	ok(if_nametoindex(want) == 1, "if_nametoindex(%s): 1", want);
	ok(if_indextoname(1, name) == name && !strcmp(name, want), "if_indextoname(1): %s", want);
	errno = 0;
	ok(if_nametoindex("nosuch0") == 0 && errno == ENODEV && if_indextoname(2, name) == NULL && errno == ENXIO,
	   "others: ENODEV, ENXIO");
	struct if_nameindex *l = if_nameindex();
	ok(l && l[0].if_index == 1 && !strcmp(l[0].if_name, want) && l[1].if_index == 0 && !l[1].if_name,
	   "if_nameindex: one entry");
	if_freenameindex(l);
	return done_testing();
}

/* Under a pty: the console is a terminal. */
static int tty(void)
{
	struct termios t, u;
	struct winsize ws;
	ok(isatty(0) && isatty(1), "the console is a terminal");
	ok(tcgetattr(1, &t) == 0 && (t.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG) &&
	       (t.c_oflag & OPOST) && (t.c_cflag & CSIZE) == CS8 && t.c_cc[VINTR] == 3 && t.c_cc[VMIN] == 1,
	   "tcgetattr: a cooked terminal");
	ok(cfgetospeed(&t) == B38400, "at B38400");
	u = t;
	cfmakeraw(&u);
	ok(tcsetattr(1, TCSAFLUSH, &u) == 0, "tcsetattr raw");
	memset(&t, 0, sizeof t);
	ok(tcgetattr(1, &t) == 0 && !memcmp(&t, &u, sizeof t), "tcgetattr returns what was set");
	ok(fails(tcsetattr(1, 7, &u), EINVAL), "tcsetattr with a bad action: EINVAL");
	ok(ioctl(0, TCGETS, &t) == 0 && !memcmp(&t, &u, sizeof t), "ioctl TCGETS");
	ok(ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80 && ws.ws_row == 24, "TIOCGWINSZ: 80x24");
	ok(tcdrain(1) == 0 && tcflush(0, TCIFLUSH) == 0 && tcflow(1, TCOON) == 0 && fails(tcflush(0, 9), EINVAL),
	   "tcdrain, tcflush, tcflow");
	ok(tcgetpgrp(0) == getpgrp() && tcsetpgrp(0, getpgrp()) == 0, "tcgetpgrp/tcsetpgrp: our own group");
	ok(fails(ioctl(1, FIONREAD, &ws), ENOTTY) && fails(ioctl(1, 0x5555, &ws), ENOTTY), "FIONREAD, unknown: ENOTTY");
	return done_testing();
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "tty"))
		return tty();
	if (argc > 2 && !strcmp(argv[1], "if"))
		return interfaces(argv[2]);
	vectors();
	terminals();
	ioctls();
	unix_and_if();
	return done_testing();
}

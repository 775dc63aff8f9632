/*
 * Pipes and eventfd inside one guest (tests/ipc.bats).  No arguments: TAP
 * checks run in the guest.  "deadlock": the only thread reads an empty pipe
 * whose write end it holds (the scheduler must report it, not hang).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"

static void basics(void)
{
	int p[2];
	char buf[16];
	ok(pipe(p) == 0 && p[0] >= 3 && p[1] > p[0], "pipe gives two descriptors (%d %d)", p[0], p[1]);
	ok(write(p[1], "hello", 5) == 5, "write to the write end");
	ok(read(p[0], buf, sizeof buf) == 5 && !memcmp(buf, "hello", 5), "read it back");
	struct stat st;
	ok(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: S_IFIFO");
	errno = 0;
	ok(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek: ESPIPE");
	errno = 0;
	ok(write(p[0], "x", 1) == -1 && errno == EBADF, "write to the read end: EBADF");
	errno = 0;
	ok(read(p[1], buf, 1) == -1 && errno == EBADF, "read from the write end: EBADF");
	ok(read(p[0], buf, 0) == 0 && write(p[1], buf, 0) == 0, "zero-length read and write return 0");
	ok((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY && (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY,
	   "F_GETFL: O_RDONLY and O_WRONLY");
	ok(isatty(p[0]) == 0, "not a tty");
	close(p[1]);
	ok(read(p[0], buf, sizeof buf) == 0, "EOF once the write end is closed");
	close(p[0]);

	/* EPIPE: no reader, SIGPIPE ignored (tests/signals.bats has the rest). */
	ok(pipe(p) == 0, "another pipe");
	close(p[0]);
	errno = 0;
	signal(SIGPIPE, SIG_IGN);
	ok(write(p[1], "x", 1) == -1 && errno == EPIPE, "write with no reader, SIGPIPE ignored: EPIPE");
	close(p[1]);

	ok(pipe(p) == 0, "a pipe for NULL buffers");
	errno = 0;
	ok(write(p[1], NULL, 1) == -1 && errno == EFAULT, "write from NULL: EFAULT");
	errno = 0;
	ok(read(p[0], NULL, 1) == -1 && errno == EFAULT, "read into NULL: EFAULT");
	close(p[0]);
	close(p[1]);
}

static void nonblocking(void)
{
	int p[2];
	static char big[100000], buf[8192];
	memset(big, 'a', sizeof big);
	ok(pipe2(p, O_NONBLOCK) == 0, "pipe2(O_NONBLOCK)");
	ok((fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK), "both ends O_NONBLOCK");
	errno = 0;
	ok(read(p[0], buf, 1) == -1 && errno == EAGAIN, "empty: read EAGAIN");
	ok(write(p[1], big, sizeof big) == 65536, "a big write fills 64 KiB and stops (partial)");
	errno = 0;
	ok(write(p[1], big, 1) == -1 && errno == EAGAIN, "full: write EAGAIN");
	struct pollfd w = { p[1], POLLOUT, 0 };
	ok(poll(&w, 1, 0) == 0, "full: no POLLOUT");
	ok(read(p[0], buf, 100) == 100, "read 100");
	errno = 0;
	ok(write(p[1], big, 200) == -1 && errno == EAGAIN, "a 200-byte write with 100 free: EAGAIN (atomic)");
	ok(write(p[1], big, 5000) == 100, "a 5000-byte write with 100 free: 100 (not atomic)");
	ok(read(p[0], buf, 4096) == 4096 && poll(&w, 1, 0) == 1 && (w.revents & POLLOUT), "4096 free: POLLOUT");
	close(p[0]);
	close(p[1]);

	/* F_SETFL turns blocking on and off. */
	ok(pipe(p) == 0 && fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK on a pipe");
	errno = 0;
	ok(read(p[0], buf, 1) == -1 && errno == EAGAIN, "then read: EAGAIN");
	close(p[0]);
	close(p[1]);
	ok(pipe2(p, O_CLOEXEC) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC,
	   "pipe2(O_CLOEXEC) sets FD_CLOEXEC on both");
	close(p[0]);
	close(p[1]);
}

static void dups(void)
{
	int p[2];
	char c;
	ok(pipe(p) == 0, "pipe for dup");
	int w2 = dup(p[1]);
	close(p[1]);
	ok(write(w2, "z", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'z', "dup'd write end still writes");
	struct pollfd r = { p[0], POLLIN, 0 };
	ok(poll(&r, 1, 0) == 0, "with a dup open, the read end is not at EOF");
	int r2 = 40;
	ok(dup2(p[0], r2) == r2, "dup2 the read end");
	close(p[0]);
	close(w2);
	ok(read(r2, &c, 1) == 0, "EOF after the last write descriptor closes");
	r.fd = r2;
	ok(poll(&r, 1, 0) == 1 && (r.revents & POLLHUP), "POLLHUP at EOF");
	close(r2);

	ok(pipe(p) == 0, "pipe for POLLERR");
	int rd = dup(p[0]);
	close(p[0]);
	ok(write(p[1], "a", 1) == 1, "a dup of the read end keeps the pipe writable");
	close(rd);
	struct pollfd w = { p[1], POLLOUT, 0 };
	ok(poll(&w, 1, 0) == 1 && (w.revents & POLLERR), "no reader: POLLERR");
	close(p[1]);
}

/* ---- threads ---- */

#define TOTAL (10 * 1024 * 1024)

struct xfer {
	int fd;
	uint32_t sum;
	long bytes;
};

static uint32_t fnv(uint32_t h, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static void *producer(void *arg)
{
	struct xfer *x = arg;
	static unsigned char buf[70000];
	uint32_t seed = 12345;
	x->sum = 2166136261u;
	while (x->bytes < TOTAL) {
		seed = seed * 1103515245 + 12345;
		size_t n = 1 + (seed >> 8) % sizeof buf;
		if (n > (size_t)(TOTAL - x->bytes))
			n = (size_t)(TOTAL - x->bytes);
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)(seed >> 16) + (unsigned char)i;
		ssize_t w = write(x->fd, buf, n);
		if (w != (ssize_t)n)
			break;
		x->sum = fnv(x->sum, buf, n);
		x->bytes += w;
	}
	close(x->fd);
	return NULL;
}

static void *consumer(void *arg)
{
	struct xfer *x = arg;
	static unsigned char buf[9000];
	uint32_t seed = 777;
	x->sum = 2166136261u;
	for (;;) {
		seed = seed * 1103515245 + 12345;
		size_t n = 1 + (seed >> 8) % sizeof buf;
		ssize_t r = read(x->fd, buf, n);
		if (r <= 0)
			break;
		x->sum = fnv(x->sum, buf, (size_t)r);
		x->bytes += r;
	}
	return NULL;
}

static void threads(void)
{
	int p[2];
	pthread_t a, b;
	struct xfer in = { 0 }, out = { 0 };
	ok(pipe(p) == 0, "pipe for 10 MB");
	out.fd = p[1];
	in.fd = p[0];
	pthread_create(&b, NULL, consumer, &in);
	pthread_create(&a, NULL, producer, &out);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ok(out.bytes == TOTAL && in.bytes == TOTAL, "10 MB through a pipe (%ld written, %ld read)", out.bytes,
	   in.bytes);
	ok(in.sum == out.sum, "checksums match (%08x %08x)", (unsigned)out.sum, (unsigned)in.sum);
	close(p[0]);
}

/* Atomic writes: two writers of 4096-byte records, a reader taking odd
 * amounts (so free space is rarely a whole record): no record is split. */
static void *recwriter(void *arg)
{
	int fd = (int)((intptr_t)arg >> 8);
	char c = (char)((intptr_t)arg & 0xff);
	static char recs[2][4096];
	char *rec = recs[c == 'B'];
	memset(rec, c, 4096);
	for (int i = 0; i < 100; i++)
		if (write(fd, rec, 4096) != 4096)
			break;
	return NULL;
}

static void atomic_writes(void)
{
	int p[2];
	pthread_t a, b;
	ok(pipe(p) == 0, "pipe for atomic writes");
	pthread_create(&a, NULL, recwriter, (void *)(intptr_t)(p[1] << 8 | 'A'));
	pthread_create(&b, NULL, recwriter, (void *)(intptr_t)(p[1] << 8 | 'B'));
	static char all[200 * 4096];
	size_t got = 0;
	while (got < sizeof all) {
		ssize_t r = read(p[0], all + got, 1000 < sizeof all - got ? 1000 : sizeof all - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	int whole = got == sizeof all, na = 0;
	for (size_t i = 0; whole && i < got; i += 4096) {
		for (size_t j = 1; j < 4096; j++)
			if (all[i + j] != all[i])
				whole = 0;
		na += all[i] == 'A';
	}
	ok(whole && na == 100, "200 records of 4096 bytes from two threads, none split (%zu bytes, %d A)", got, na);
	close(p[0]);
	close(p[1]);
}

static void *late_writer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	usleep(20000);
	write(fd, "!", 1);
	return NULL;
}

static void *late_closer(void *arg)
{
	usleep(20000);
	close((int)(intptr_t)arg);
	return NULL;
}

static void *late_reader_closer(void *arg)
{
	usleep(20000);
	close((int)(intptr_t)arg);
	return NULL;
}

static void *late_reader(void *arg)
{
	static char buf[8192];
	usleep(20000);
	read((int)(intptr_t)arg, buf, sizeof buf);
	return NULL;
}

/* Writers blocked on a full pipe. */
static void blocked_writers(void)
{
	int p[2];
	pthread_t t;
	static char big[65536 + 100];
	ok(pipe(p) == 0, "pipe for blocked writers");
	pthread_create(&t, NULL, late_reader, (void *)(intptr_t)p[0]);
	ok(write(p[1], big, sizeof big) == (ssize_t)sizeof big, "a write larger than the pipe waits for the reader");
	pthread_join(t, NULL);
	pthread_create(&t, NULL, late_reader_closer, (void *)(intptr_t)p[0]);
	errno = 0;
	ok(write(p[1], big, sizeof big) == 8192 - 100,
	   "a blocked write whose reader closes returns what went in (8092 of 65636)");
	pthread_join(t, NULL);
	errno = 0;
	ok(write(p[1], big, 1) == -1 && errno == EPIPE, "and after the reader closed: EPIPE");
	close(p[1]);
}

static void readiness(void)
{
	int p[2];
	pthread_t t;
	char c;
	ok(pipe(p) == 0, "pipe for poll");
	struct pollfd f[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	ok(poll(f, 2, 0) == 1 && f[0].revents == 0 && f[1].revents == POLLOUT, "empty: write end ready, read end not");
	pthread_create(&t, NULL, late_writer, (void *)(intptr_t)p[1]);
	ok(poll(f, 1, 5000) == 1 && (f[0].revents & POLLIN), "poll wakes when another thread writes");
	pthread_join(t, NULL);
	ok(read(p[0], &c, 1) == 1 && c == '!', "and the byte is there");

	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timeval tv = { 0, 0 };
	ok(select(p[0] + 1, &rd, NULL, NULL, &tv) == 0, "select: empty read end not ready");
	pthread_create(&t, NULL, late_writer, (void *)(intptr_t)p[1]);
	FD_SET(p[0], &rd);
	tv.tv_sec = 5;
	ok(select(p[0] + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &rd), "select wakes on a write");
	pthread_join(t, NULL);
	read(p[0], &c, 1);

	/* Full pipe: select for writing wakes when a reader drains it. */
	static char big[65536];
	ok(write(p[1], big, sizeof big) == 65536, "fill the pipe");
	fd_set wr;
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	tv = (struct timeval){ 0, 0 };
	ok(select(p[1] + 1, NULL, &wr, NULL, &tv) == 0, "select: full write end not ready");
	ok(read(p[0], big, 8192) == 8192, "drain some");
	FD_SET(p[1], &wr);
	ok(select(p[1] + 1, NULL, &wr, NULL, &tv) == 1 && FD_ISSET(p[1], &wr), "select: write end ready again");
	ok(read(p[0], big, sizeof big) == 65536 - 8192, "drain the rest");

	/* A reader blocked in read() sees EOF when the last writer closes. */
	pthread_create(&t, NULL, late_closer, (void *)(intptr_t)p[1]);
	ok(read(p[0], &c, 1) == 0, "a blocked read returns 0 when the write end closes");
	pthread_join(t, NULL);
	close(p[0]);
}

static void *efd_drainer(void *arg)
{
	uint64_t v;
	usleep(10000);
	read((int)(intptr_t)arg, &v, 8);
	return NULL;
}

static void *efd_poster(void *arg)
{
	usleep(10000);
	eventfd_write((int)(intptr_t)arg, 5);
	return NULL;
}

static void eventfds(void)
{
	uint64_t v;
	int e = eventfd(3, EFD_NONBLOCK);
	ok(e >= 0, "eventfd(3, EFD_NONBLOCK)");
	v = 4;
	ok(write(e, &v, 8) == 8, "write 4");
	ok(read(e, &v, 8) == 8 && v == 7, "read: 7, the sum");
	errno = 0;
	ok(read(e, &v, 8) == -1 && errno == EAGAIN, "then zero: EAGAIN");
	errno = 0;
	ok(read(e, &v, 4) == -1 && errno == EINVAL, "a short read buffer: EINVAL");
	errno = 0;
	ok(write(e, &v, 7) == -1 && errno == EINVAL, "a short write: EINVAL");
	v = UINT64_MAX;
	errno = 0;
	ok(write(e, &v, 8) == -1 && errno == EINVAL, "writing 2^64-1: EINVAL");
	v = UINT64_MAX - 1;
	ok(write(e, &v, 8) == 8, "up to the maximum 2^64-2");
	struct pollfd f = { e, POLLIN | POLLOUT, 0 };
	ok(poll(&f, 1, 0) == 1 && f.revents == POLLIN, "at the maximum: POLLIN, no POLLOUT");
	v = 1;
	errno = 0;
	ok(write(e, &v, 8) == -1 && errno == EAGAIN, "past the maximum: EAGAIN");
	ok(eventfd_read(e, &v) == 0 && v == UINT64_MAX - 1, "eventfd_read takes it all");
	ok(poll(&f, 1, 0) == 1 && f.revents == POLLOUT, "zero: POLLOUT only");
	struct stat st;
	ok(fstat(e, &st) == 0 && !S_ISFIFO(st.st_mode), "fstat works");
	close(e);

	e = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	ok(e >= 0 && fcntl(e, F_GETFD) == FD_CLOEXEC, "semaphore eventfd, EFD_CLOEXEC");
	ok(read(e, &v, 8) == 8 && v == 1 && read(e, &v, 8) == 8 && v == 1, "semaphore: 1 and 1");
	errno = 0;
	ok(read(e, &v, 8) == -1 && errno == EAGAIN, "then EAGAIN");
	close(e);

	e = eventfd(0, 0);
	pthread_t t;
	pthread_create(&t, NULL, efd_poster, (void *)(intptr_t)e);
	ok(read(e, &v, 8) == 8 && v == 5, "a blocking read waits for another thread's write");
	pthread_join(t, NULL);
	v = UINT64_MAX - 1;
	ok(write(e, &v, 8) == 8, "fill the counter");
	pthread_create(&t, NULL, efd_drainer, (void *)(intptr_t)e);
	v = 9;
	ok(write(e, &v, 8) == 8, "a blocking write past the maximum waits for a read");
	pthread_join(t, NULL);
	ok(eventfd_read(e, &v) == 0 && v == 9, "then the counter holds it");
	errno = 0;
	ok(read(e, NULL, 8) == -1 && errno == EFAULT, "eventfd read into NULL: EFAULT");
	close(e);
	errno = 0;
	ok(eventfd(0, 0x100) == -1 && errno == EINVAL, "bad flags: EINVAL");
}

static void bad_args(void)
{
	int p[2];
	errno = 0;
	ok(pipe2(p, O_APPEND) == -1 && errno == EINVAL, "pipe2 with a bad flag: EINVAL");
	errno = 0;
	ok(pipe(NULL) == -1 && errno == EFAULT, "pipe(NULL): EFAULT");
	/* The table grows to 65,536; a soft limit of 64 keeps this quick. */
	struct rlimit nofile, lim64 = { 64, 65536 };
	getrlimit(RLIMIT_NOFILE, &nofile);
	setrlimit(RLIMIT_NOFILE, &lim64);
	int n = 0, last = -1, failed = 0;
	while (n < 100) {
		if (pipe(p) == -1) {
			failed = errno;
			break;
		}
		n++;
		last = p[1];
	}
	ok(failed == EMFILE, "pipes until the table is full: EMFILE (%d pipes)", n);
	/* A failed pipe() leaves no half behind: the free slots are all free. */
	int k = 0;
	while (dup(0) >= 0)
		k++;
	ok(k == 64 - 3 - 2 * n && errno == EMFILE, "the failed pipe left its %d free slot(s) free (%d)", 64 - 3 - 2 * n,
	   k);
	/* The table is full.  Each failed pipe() frees its 64 KiB buffer: a leak would run the
	 * 32 MiB guest out of memory (ENOMEM) long before 2000 tries. */
	int emfile = 0;
	for (int i = 0; i < 2000; i++) {
		errno = 0;
		emfile += pipe(p) == -1 && errno == EMFILE;
	}
	ok(emfile == 2000, "2000 more tries: all EMFILE, nothing leaked (%d)", emfile);
	close(last);
	errno = 0;
	ok(pipe(p) == -1 && errno == EMFILE, "one slot free: EMFILE");
	ok(dup(0) == last, "and the slot is still free");
	for (int i = 3; i < 64; i++)
		close(i);
	setrlimit(RLIMIT_NOFILE, &nofile);
	ok(pipe(p) == 0 && p[0] == 3, "all closed: a pipe again at 3");
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "deadlock")) {
		int p[2];
		char c;
		pipe(p);
		read(p[0], &c, 1);
		printf("read returned\n");
		return 1;
	}
	basics();
	nonblocking();
	dups();
	threads();
	atomic_writes();
	blocked_writers();
	readiness();
	eventfds();
	bad_args();
	return done_testing();
}

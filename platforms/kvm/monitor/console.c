/*
 * The console: the guest's fds 0, 1 and 2 are the monitor's.  Host I/O
 * errors go back to the guest as -TC_E* in `ret`.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"

static int64_t host_errno(int e)
{
	switch (e) {
	case EPIPE: return -TC_EPIPE;
	case EAGAIN: return -TC_EAGAIN;
	default: return -TC_EIO;
	}
}

/* stdout/stderr is a pipe or socket: a write to it may block as long as its
 * reader likes, and the host's SIGTERM/SIGINT (blocked outside KVM_RUN)
 * must still be seen; so wait for room with the signals, then write at most
 * what room means (a page). */
static int waits[3];
#define CHUNK 4096

/* Write p[0..len) to fd: the bytes written (all, unless an error came
 * after some), or -TC_E*.  Under --console-rate the guest waits for
 * tokens: no output is lost. */
static int64_t out(struct vm *vm, int fd, const void *p, uint64_t len)
{
	struct bucket *b = &vm->console;
	uint64_t done = 0;
	while (done < len) {
		uint64_t want = waits[fd] && len - done > CHUNK ? CHUNK : len - done, t;
		if (b->rate) {
			want = want < b->rate ? want : b->rate;
			while ((t = bucket_fill(b)) < want)
				host_wait_fd(-1, 0, (want - t) * 1000000000ULL / b->rate + 1);
			b->tokens -= want;
		}
		if (waits[fd])
			host_wait_fd(fd, POLLOUT, 0);
		ssize_t n = write(fd, (const uint8_t *)p + done, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (int64_t)done : host_errno(errno);
		done += (uint64_t)n;
	}
	return (int64_t)done;
}

/*
 * Only the monitor starts a line with "tincan-run:" on its stderr: a guest
 * line there that does gets "(guest) " first.  The guest's stderr, and its
 * stdout too when that is the same file, keep one state: 0 at a line
 * start, 1..10 bytes of the mark matched there and held back, -1 within a
 * line.  Only line starts are looked at (after \n, \r, \v or \f).  What a
 * terminal shows is beyond this: a guest's escape sequences can move the
 * cursor; read the monitor's lines from a file or pipe to trust them.
 */
static const char mark[] = "(guest) tincan-run:";
#define MARK (mark + 8)
#define MARK_LEN 11
static int line, shared;

int console_midline(void)
{
	return line < 0;
}

static void hc_console_write(struct vm *vm, void *arg)
{
	struct tc_hc_console_write *a = arg;
	uint64_t len = a->len, i = 0, from = 0;
	const uint8_t *p = len ? hc_buf(vm, TC_HC_CONSOLE_WRITE, a->buf, len, GM_R) : NULL;
	int fd = (int)a->fd;
	int64_t n;

	if (a->fd != 1 && a->fd != 2) {
		a->ret = -TC_EINVAL;
		return;
	}
	/* The guest learns how many of its bytes went out before an error
	 * (a mark's own write errors show at the next write). */
	while (i < len && (fd == 2 || shared)) {
		if (line < 0) {
			/* A carriage return, vertical tab or form feed starts a line
			 * on a terminal too. */
			while (i < len && p[i] != '\n' && p[i] != '\r' && p[i] != '\v' && p[i] != '\f')
				i++;
			line = i < len ? 0 : -1;
			i += i < len;
		} else if (p[i] == (uint8_t)MARK[line]) {
			if ((n = out(vm, fd, p + from, i - from)) != (int64_t)(i - from))
				goto done;
			from = ++i;
			if (++line == MARK_LEN) {
				out(vm, fd, mark, sizeof mark - 1);
				line = -1;
			}
		} else {
			out(vm, fd, MARK, (uint64_t)line);
			line = -1;
		}
	}
	n = out(vm, fd, p + from, len - from);
done:
	a->ret = n >= 0 ? (int64_t)from + n : from ? (int64_t)from : n;
	DBG_COUNT(console_out_bytes, a->ret > 0 ? (uint64_t)a->ret : 0);
}

void console_flush(struct vm *vm)
{
	if (line > 0) {
		out(vm, 2, MARK, (uint64_t)line);
		line = -1; /* the monitor's next line starts on a line of its own */
	}
}

static void hc_console_read(struct vm *vm, void *arg)
{
	struct tc_hc_console_read *a = arg;
	uint64_t len = a->len;
	uint8_t *p = len ? hc_buf(vm, TC_HC_CONSOLE_READ, a->buf, len, GM_W) : NULL;
	ssize_t n;

	if (len == 0) {
		a->ret = 0;
		return;
	}
	/* Blocked here, the host's SIGTERM/SIGINT must still be seen. */
	host_wait_fd(0, POLLIN, 0);
	do
		n = read(0, p, len);
	while (n < 0 && errno == EINTR);
	a->ret = n < 0 ? host_errno(errno) : n;
	DBG_COUNT(console_in_bytes, n > 0 ? (uint64_t)n : 0);
}

static void configure(struct vm *vm, struct tc_boot_info *bi)
{
	struct stat st[3];
	(void)vm;
	/* fds 0..2 are open (main.c): fstat fails only if the kernel does. */
	for (int fd = 1; fd <= 2; fd++)
		waits[fd] = sys_fstat(fd, &st[fd]) == 0 && (S_ISFIFO(st[fd].st_mode) || S_ISSOCK(st[fd].st_mode));
	shared = st[1].st_dev == st[2].st_dev && st[1].st_ino == st[2].st_ino;
	bi->tty = (isatty(0) ? TC_TTY_STDIN : 0) | (isatty(1) ? TC_TTY_STDOUT : 0) | (isatty(2) ? TC_TTY_STDERR : 0);
}

static void fds(struct mod_fds *f)
{
	fds_rw(f, 0, 1, 0);
	fds_rw(f, 1, 0, 1);
	fds_rw(f, 2, 0, 1);
	/* A hang-up on stdin is end of file: ready, for a read to see. */
	fds_wait(f, 0, TC_EV_CONSOLE_IN, NULL);
}

static const struct hc_def hc[] = {
	HC_ENTRY(TC_HC_CONSOLE_WRITE, "console_write", struct tc_hc_console_write, ret, hc_console_write),
	HC_ENTRY(TC_HC_CONSOLE_READ, "console_read", struct tc_hc_console_read, ret, hc_console_read),
};

const struct module console_module = {
	.configure = configure,
	.fds = fds,
	.hc = hc,
	.nhc = sizeof hc / sizeof hc[0],
};

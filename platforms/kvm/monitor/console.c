/*
 * The console: the guest's fds 0, 1 and 2 are the monitor's.  Host I/O
 * errors go back to the guest as -TC_E* in `ret`.
 */
#include <errno.h>
#include <poll.h>
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

static void hc_console_write(struct vm *vm, void *arg)
{
	struct tc_hc_console_write *a = arg;
	uint64_t len = a->len, done = 0;
	const uint8_t *p = len ? hc_buf(vm, TC_HC_CONSOLE_WRITE, a->buf, len, GM_R) : NULL;

	if (a->fd != 1 && a->fd != 2) {
		a->ret = -TC_EINVAL;
		return;
	}
	while (done < len) {
		uint64_t want = len - done;
		if (waits[a->fd]) {
			host_wait_fd((int)a->fd, POLLOUT);
			want = want < CHUNK ? want : CHUNK;
		}
		ssize_t n = write((int)a->fd, p + done, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			a->ret = done ? (int64_t)done : host_errno(errno);
			return;
		}
		done += (uint64_t)n;
	}
	a->ret = (int64_t)done;
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
	host_wait_fd(0, POLLIN);
	do
		n = read(0, p, len);
	while (n < 0 && errno == EINTR);
	a->ret = n < 0 ? host_errno(errno) : n;
}

static void configure(struct vm *vm, struct tc_boot_info *bi)
{
	struct stat st;
	(void)vm;
	for (int fd = 1; fd <= 2; fd++)
		waits[fd] = fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
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

/*
 * --ready-fd=N: one byte ("\n") on fd N when the guest first waits (sleeps
 * or waits for input: set up and idle, e.g. a server listening), for a
 * supervisor that starts many guests and wants to know when each is up.
 * Never blocks: a pipe that is full then gets no byte.
 * Nothing more is written; the fd stays open until the run ends (the
 * sandbox allows no close), so a reader sees end-of-file then.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"

static int ready_fd = -1;

static int opt_ready(const char *v, char *err, size_t errlen)
{
	int n = 0;
	const char *s = v;
	while (*s >= '0' && *s <= '9' && n < 100000)
		n = n * 10 + (*s++ - '0');
	/* 0-2 are the console's; it must be open for writing now. */
	int fl = sys_fcntl(n, F_GETFL, 0);
	if (*s || n < 3 || fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		snprintf(err, errlen, "invalid --ready-fd=%s: expected an fd from 3 up open for writing", v);
		return -1;
	}
	ready_fd = n;
	return 0;
}

static void fds(struct mod_fds *f)
{
	if (ready_fd >= 0)
		fds_rw(f, ready_fd, 0, 1);
}

static uint64_t wait_before(struct vm *vm, uint64_t wanted)
{
	(void)vm, (void)wanted;
	/* Never block (a full pipe would hold off --timeout and SIGTERM, read
	 * only in ppoll): the byte only if the fd takes it now.  The fd's file
	 * description is shared, so no O_NONBLOCK on it.  A reader gone (EPIPE)
	 * is no error of the guest's. */
	struct pollfd p = { ready_fd, POLLOUT, 0 };
	if (ready_fd >= 0 && ppoll(&p, 1, &(struct timespec){ 0, 0 }, NULL) == 1 && p.revents == POLLOUT &&
	    write(ready_fd, "\n", 1)) {
	}
	ready_fd = -1;
	return 0;
}

static const struct mod_option options[] = { { "--ready-fd", opt_ready }, { NULL, NULL } };

const struct module ready_module = {
	.options = options,
	.usage = USAGE("  --ready-fd=N          write one byte to fd N when the guest first waits (set up, idle)\n"),
	.fds = fds,
	.wait_before = wait_before,
};

/*
 * poll() and select() over any descriptors: each file says what is ready
 * now (file_ops.poll) and which platform events may change that
 * (file_ops.poll_events); its I/O source wakes fd_activity otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include "fd.h"
#include "internal.h"
#include "sched.h"

/* The number of ready entries; *events: what the idle wait must include. */
static int scan(struct pollfd *p, nfds_t n, unsigned *events)
{
	int ready = 0;
	*events = 0;
	for (nfds_t i = 0; i < n; i++) {
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		struct file *f = fd_get(p[i].fd);
		if (!f)
			p[i].revents = POLLNVAL;
		else if (f->ops->poll)
			p[i].revents = f->ops->poll(f, p[i].events);
		else
			p[i].revents = p[i].events & (POLLIN | POLLOUT); /* files never wait */
		if (p[i].revents)
			ready++;
		else if (f && f->ops->poll_events)
			*events |= f->ops->poll_events(f, p[i].events);
	}
	return ready;
}

/* Weak, like a library member: an app that defines its own poll or select
 * (they lived in the networking archive before) still links. */
__attribute__((weak)) int poll(struct pollfd *p, nfds_t n, int timeout_ms)
{
	if (n > FD_MAX * 4)
		return sys_fail(EINVAL);
	uint64_t deadline =
	    timeout_ms < 0 ? TC_NO_DEADLINE : plat_clock_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
	for (;;) {
		unsigned events;
		int ready = scan(p, n, &events);
		if (ready || timeout_ms == 0)
			return ready;
		long r = tc_block(&fd_activity, deadline, events);
		if (r == -EINTR || r == TC_RESTART) /* never restarted, as on Linux */
			return sys_fail(EINTR);
		if (r == -ETIMEDOUT)
			return scan(p, n, &events);
	}
}

static short events_of(int fd, fd_set *rd, fd_set *wr, fd_set *ex)
{
	return (short)((rd && FD_ISSET(fd, rd) ? POLLIN : 0) | (wr && FD_ISSET(fd, wr) ? POLLOUT : 0) |
		       (ex && FD_ISSET(fd, ex) ? POLLPRI : 0));
}

__attribute__((weak)) int select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	nfds_t k = 0;
	if (n < 0 || n > FD_SETSIZE)
		return sys_fail(EINVAL);
	for (int fd = 0; fd < n; fd++)
		k += events_of(fd, rd, wr, ex) != 0;
	struct pollfd p[k ? k : 1]; /* as many as asked about, not FD_SETSIZE */
	k = 0;
	for (int fd = 0; fd < n; fd++) {
		short ev = events_of(fd, rd, wr, ex);
		if (ev)
			p[k++] = (struct pollfd){ fd, ev, 0 };
	}
	int ms = -1;
	if (tv) {
		if (tv->tv_sec < 0 || tv->tv_usec < 0)
			return sys_fail(EINVAL);
		uint64_t t = (uint64_t)tv->tv_sec * 1000 + (uint64_t)(tv->tv_usec + 999) / 1000;
		ms = t > INT32_MAX ? INT32_MAX : (int)t;
	}
	int r = poll(p, k, ms);
	if (r < 0)
		return r;
	for (nfds_t i = 0; i < k; i++)
		if (p[i].revents & POLLNVAL)
			return sys_fail(EBADF);
	if (rd)
		FD_ZERO(rd);
	if (wr)
		FD_ZERO(wr);
	if (ex)
		FD_ZERO(ex);
	int count = 0;
	for (nfds_t i = 0; i < k; i++) {
		if (rd && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) && (p[i].events & POLLIN))
			FD_SET(p[i].fd, rd), count++;
		if (wr && (p[i].revents & (POLLOUT | POLLERR)) && (p[i].events & POLLOUT))
			FD_SET(p[i].fd, wr), count++;
		if (ex && (p[i].revents & POLLPRI))
			FD_SET(p[i].fd, ex), count++;
	}
	return count;
}

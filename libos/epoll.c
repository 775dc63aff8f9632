/*
 * epoll over the readiness core poll() uses: each registered descriptor's
 * file says what is ready now (file_ops.poll), and the idle wait is
 * poll()'s (fd_activity plus the files' platform events).
 *
 * Cost: epoll_wait asks every registered file, so a wait is O(registered
 * descriptors), never O(all descriptors in the guest).  Files have no
 * callback to tell an epoll set they changed, so it cannot be O(ready).
 *
 * Edge-triggered items (EPOLLET) are reported when they become ready, when
 * they show events they did not show at the last report, or when there has
 * been I/O activity in the guest (fd_activity_gen moved) since that report.
 * A file that stays ready with nothing happening is reported once, as on
 * Linux; unrelated activity may report it again, which a program written
 * for EPOLLET (read until EAGAIN) takes as a spurious wake-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "fd.h"
#include "internal.h"
#include "sched.h"

#define EP_EVENTS                                                                                                      \
	(EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | \
	 EPOLLMSG | EPOLLRDHUP)
#define EP_FLAGS (EPOLLET | EPOLLONESHOT | EPOLLWAKEUP | EPOLLEXCLUSIVE)

struct epitem {
	int fd;
	struct file *file; /* with ops and priv: the open file registered */
	const struct file_ops *ops;
	void *priv;
	uint32_t events; /* asked for, with EP_FLAGS */
	uint64_t data;
	uint32_t last; /* EPOLLET: events at the last report */
	unsigned long gen; /* EPOLLET: fd_activity's wakes at the last report */
	int disabled; /* EPOLLONESHOT, reported */
};

struct epoll {
	struct epitem *items;
	int n, cap;
	int next; /* where the next scan starts: ready items take turns */
};

static const struct file_ops epoll_ops;

static struct epoll *epoll_of(int fd, int *err)
{
	struct file *f = fd_get(fd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (f->ops != &epoll_ops) {
		*err = -EINVAL;
		return NULL;
	}
	return f->priv;
}

static int stale(const struct epitem *it)
{
	struct file *f = fd_get(it->fd);
	return f != it->file || f->ops != it->ops || f->priv != it->priv;
}

static uint32_t ready_now(const struct epitem *it)
{
	struct file *f = it->file;
	uint32_t want = it->events & EP_EVENTS;
	uint32_t r = f->ops->poll ? (uint16_t)f->ops->poll(f, (short)want) : want & (EPOLLIN | EPOLLOUT);
	return r & (want | EPOLLERR | EPOLLHUP);
}

/* Drop the items of descriptors closed since: their registration is gone. */
static void sweep(struct epoll *ep)
{
	for (int i = 0; i < ep->n;)
		if (stale(&ep->items[i]))
			ep->items[i] = ep->items[--ep->n];
		else
			i++;
}

/*
 * Fill out with up to max ready items (out NULL: only count whether any
 * is ready, changing nothing); *events: what the idle wait must include.
 */
static int scan(struct epoll *ep, struct epoll_event *out, int max, unsigned *events)
{
	int got = 0, n;
	unsigned long gen = fd_activity_gen;
	*events = 0;
	sweep(ep);
	n = ep->n;
	int start = ep->next < n ? ep->next : 0;
	for (int k = 0; k < n && (!out || got < max); k++) {
		int i = (start + k) % n;
		struct epitem *it = &ep->items[i];
		if (it->disabled)
			continue;
		uint32_t r = ready_now(it);
		if (!r)
			it->last = 0; /* the next readiness is an edge */
		else if ((it->events & EPOLLET) && !(r & ~it->last) && it->gen == gen)
			r = 0; /* reported, and nothing happened since */
		if (!r) {
			if (it->file->ops->poll_events)
				*events |= it->file->ops->poll_events(it->file, (short)(it->events & EP_EVENTS));
			continue;
		}
		if (!out)
			return 1;
		out[got].events = r;
		out[got].data.u64 = it->data;
		got++;
		it->last = r;
		it->gen = gen;
		if (it->events & EPOLLONESHOT)
			it->disabled = 1;
		ep->next = (i + 1) % n;
	}
	return got;
}

static int ep_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
	int e = 0;
	struct epoll *ep = epoll_of(epfd, &e);
	if (!ep)
		return e;
	if (max <= 0)
		return -EINVAL;
	if (!ev)
		return -EFAULT;
	uint64_t deadline =
	    timeout_ms < 0 ? TC_NO_DEADLINE : plat_clock_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
	/* Let the I/O sources take in what arrived (lwIP's loopback and
	 * devices run in the scheduler) and other threads run, as a system
	 * call would: a loop whose descriptors stay ready must not starve
	 * them. */
	tc_yield();
	if (epoll_of(epfd, &e) != ep)
		return -EBADF;
	for (;;) {
		unsigned events;
		int got = scan(ep, ev, max, &events);
		if (got || timeout_ms == 0)
			return got;
		long r = tc_block(&fd_activity, deadline, events);
		/* The set may have been closed by another thread meanwhile. */
		if (epoll_of(epfd, &e) != ep)
			return -EBADF;
		if (r == -ETIMEDOUT)
			return scan(ep, ev, max, &events);
	}
}

int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
	return (int)sys_ret(ep_wait(epfd, ev, max, timeout_ms));
}

int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout_ms, const sigset_t *mask)
{
	/* No signal is delivered while waiting (yet), so the mask changes
	 * nothing. */
	(void)mask;
	return epoll_wait(epfd, ev, max, timeout_ms);
}

/* Whether the set ep reaches target (itself, or through nested sets). */
static int reaches(const struct epoll *ep, const struct epoll *target, int depth)
{
	if (ep == target)
		return 1;
	if (depth > 5)
		return 1; /* Linux's EP_MAX_NESTS: too deep counts as a loop */
	for (int i = 0; i < ep->n; i++)
		if (ep->items[i].ops == &epoll_ops && !stale(&ep->items[i]) &&
		    reaches(ep->items[i].priv, target, depth + 1))
			return 1;
	return 0;
}

static int ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	int e = 0;
	struct epoll *ep = epoll_of(epfd, &e);
	struct file *f = fd_get(fd);
	if (!fd_get(epfd) || !f)
		return -EBADF;
	if (!ep || fd == epfd)
		return -EINVAL;
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && !event)
		return -EFAULT;
	sweep(ep);
	struct epitem *it = NULL;
	for (int i = 0; i < ep->n; i++)
		if (ep->items[i].fd == fd && ep->items[i].file == f)
			it = &ep->items[i];
	if (op == EPOLL_CTL_DEL) {
		if (!it)
			return -ENOENT;
		*it = ep->items[--ep->n];
		return 0;
	}
	uint32_t want = event->events;
	if ((want & EPOLLEXCLUSIVE) && (op == EPOLL_CTL_MOD || (want & EPOLLONESHOT)))
		return -EINVAL;
	if (op == EPOLL_CTL_MOD) {
		if (!it)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
	} else {
		if (it)
			return -EEXIST;
		if (f->ops == &epoll_ops && reaches(f->priv, ep, 0))
			return -ELOOP;
		if (ep->n == ep->cap) {
			int cap = ep->cap ? ep->cap * 2 : 8;
			struct epitem *items = realloc(ep->items, sizeof *items * (size_t)cap);
			if (!items)
				return -ENOMEM;
			ep->items = items;
			ep->cap = cap;
		}
		it = &ep->items[ep->n++];
		*it = (struct epitem){ .fd = fd, .file = f, .ops = f->ops, .priv = f->priv };
	}
	it->events = want & (EP_EVENTS | EP_FLAGS);
	it->data = event->data.u64;
	it->last = 0;
	it->gen = 0;
	it->disabled = 0;
	tc_wake_all(&fd_activity); /* a thread in epoll_wait on this set looks again */
	return 0;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	return (int)sys_ret(ctl(epfd, op, fd, event));
}

/* ---- the set as an open file: readable when an item is ready ---- */

static ssize_t epoll_read(struct file *f, void *buf, size_t len)
{
	(void)f;
	(void)buf;
	(void)len;
	return -EINVAL;
}

static ssize_t epoll_write(struct file *f, const void *buf, size_t len)
{
	(void)f;
	(void)buf;
	(void)len;
	return -EINVAL;
}

static int epoll_fstat(struct file *f, struct stat *st)
{
	*st = (struct stat){ 0 };
	st->st_mode = 0600; /* an anonymous inode, as on Linux */
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_ino = (ino_t)(uintptr_t)f->priv;
	return 0;
}

static int epoll_setfl(struct file *f, int flags)
{
	(void)f;
	(void)flags;
	return 0;
}

static short epoll_poll(struct file *f, short events)
{
	unsigned ev;
	return (short)(scan(f->priv, NULL, 0, &ev) ? events & (POLLIN | POLLRDNORM) : 0);
}

static unsigned epoll_poll_events(struct file *f, short events)
{
	unsigned ev;
	(void)events;
	scan(f->priv, NULL, 0, &ev);
	return ev;
}

static void epoll_close(struct file *f)
{
	struct epoll *ep = f->priv;
	free(ep->items);
	free(ep);
	tc_wake_all(&fd_activity); /* threads waiting on it find it gone */
}

static const struct file_ops epoll_ops = {
	.read = epoll_read,
	.write = epoll_write,
	.fstat = epoll_fstat,
	.setfl = epoll_setfl,
	.poll = epoll_poll,
	.close = epoll_close,
	.poll_events = epoll_poll_events,
};

int epoll_create1(int flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return sys_fail(EINVAL);
	struct epoll *ep = calloc(1, sizeof *ep);
	if (!ep)
		return sys_fail(ENOMEM);
	int fd = fd_install(&epoll_ops, ep, O_RDWR, 0);
	if (fd < 0) {
		free(ep);
		return sys_fail(-fd);
	}
	if (flags & EPOLL_CLOEXEC)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int epoll_create(int size)
{
	if (size <= 0)
		return sys_fail(EINVAL);
	return epoll_create1(0);
}

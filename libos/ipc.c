/*
 * In-guest IPC: pipes and eventfd counters, as open files on the descriptor
 * table (fd.h).  Threads are cooperative, so no locks: a blocked reader or
 * writer parks on the object's wait queue, and every change that may make
 * an end ready wakes it and poll()/select() (fd_activity).  A thread that
 * would wait with nothing able to wake it (the only thread, reading an empty
 * pipe whose write end it holds) is the scheduler's deadlock report.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"
#include "sched.h"

#define PIPE_SIZE 65536
#define PIPE_ATOMIC 4096 /* Linux's PIPE_BUF; newlib's limits.h says 512, which this covers */

/* ---- pipes ---- */

struct pipe {
	unsigned char *buf;
	size_t head, len; /* the data: len bytes from buf[head], wrapping */
	int readers, writers; /* open files of each end (0 or 1: no fork) */
	int refs; /* open ends plus threads blocked in a call */
	struct tc_waitq rq, wq; /* blocked readers, blocked writers */
};

static void pipe_put(struct pipe *p)
{
	if (--p->refs == 0) {
		free(p->buf);
		free(p);
	}
}

static void pipe_wake(struct pipe *p)
{
	tc_wake_all(&p->rq);
	tc_wake_all(&p->wq);
	tc_wake_all(&fd_activity);
}

/* Wait on q; -EBADF if the caller's end was closed meanwhile. */
static int pipe_wait(struct pipe *p, struct tc_waitq *q, const int *open_ends)
{
	p->refs++;
	long r = tc_block(q, TC_NO_DEADLINE, 0);
	int gone = *open_ends == 0;
	pipe_put(p);
	return gone ? -EBADF : r == -EINTR ? -EINTR : 0;
}

static ssize_t pipe_read(struct file *f, void *buf, size_t len)
{
	struct pipe *p = f->priv;
	int nonblock = f->flags & O_NONBLOCK;
	if (!len)
		return 0;
	if (!buf)
		return -EFAULT;
	while (!p->len) {
		if (!p->writers)
			return 0; /* end of file */
		if (nonblock)
			return -EAGAIN;
		int e = pipe_wait(p, &p->rq, &p->readers);
		if (e)
			return e;
	}
	size_t n = len < p->len ? len : p->len;
	size_t first = PIPE_SIZE - p->head < n ? PIPE_SIZE - p->head : n;
	memcpy(buf, p->buf + p->head, first);
	memcpy((unsigned char *)buf + first, p->buf, n - first);
	p->head = (p->head + n) % PIPE_SIZE;
	p->len -= n;
	if (!p->len)
		p->head = 0;
	pipe_wake(p);
	return (ssize_t)n;
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t len)
{
	struct pipe *p = f->priv;
	int nonblock = f->flags & O_NONBLOCK;
	const unsigned char *src = buf;
	size_t done = 0;
	if (!len)
		return 0;
	if (!buf)
		return -EFAULT;
	if (len > (size_t)INT64_MAX)
		len = (size_t)INT64_MAX;
	while (done < len) {
		/* No reader: SIGPIPE (by default the end of the guest), then
		 * EPIPE if it was ignored or handled. */
		if (!p->readers) {
			if (done)
				return (ssize_t)done;
			__tincan_sig_pipe();
			return -EPIPE;
		}
		size_t space = PIPE_SIZE - p->len;
		/* Writes of up to PIPE_ATOMIC bytes go in whole or not at all. */
		size_t need = len - done <= PIPE_ATOMIC ? len - done : 1;
		if (space < need) {
			if (nonblock)
				return done ? (ssize_t)done : -EAGAIN;
			int e = pipe_wait(p, &p->wq, &p->writers);
			if (e)
				return done ? (ssize_t)done : e;
			continue;
		}
		size_t n = len - done < space ? len - done : space;
		size_t tail = (p->head + p->len) % PIPE_SIZE;
		size_t first = PIPE_SIZE - tail < n ? PIPE_SIZE - tail : n;
		memcpy(p->buf + tail, src + done, first);
		memcpy(p->buf, src + done + first, n - first);
		p->len += n;
		done += n;
		pipe_wake(p);
	}
	return (ssize_t)done;
}

static int pipe_fstat(struct file *f, struct stat *st)
{
	*st = (struct stat){ 0 };
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_ino = (ino_t)(uintptr_t)f->priv;
	return 0;
}

static int pipe_setfl(struct file *f, int flags)
{
	(void)f;
	(void)flags;
	return 0; /* the calls read f->flags */
}

static short pipe_poll(struct file *f, short events)
{
	struct pipe *p = f->priv;
	short r = 0;
	if ((f->flags & O_ACCMODE) == O_RDONLY) {
		if (p->len)
			r |= POLLIN | POLLRDNORM;
		if (!p->writers)
			r |= POLLHUP;
	} else {
		if (PIPE_SIZE - p->len >= PIPE_ATOMIC)
			r |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			r |= POLLERR;
	}
	return (short)(r & (events | POLLERR | POLLHUP));
}

static void pipe_close(struct file *f)
{
	struct pipe *p = f->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	pipe_wake(p);
	pipe_put(p);
}

static int pipe_nread(struct file *f)
{
	struct pipe *p = f->priv;
	return p->len > INT32_MAX ? INT32_MAX : (int)p->len;
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.fstat = pipe_fstat,
	.setfl = pipe_setfl,
	.poll = pipe_poll,
	.close = pipe_close,
	.nread = pipe_nread,
};

int pipe2(int fds[2], int flags)
{
	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return sys_fail(EINVAL);
	if (!fds)
		return sys_fail(EFAULT);
	struct pipe *p = calloc(1, sizeof *p);
	if (!p || !(p->buf = malloc(PIPE_SIZE))) {
		free(p);
		return sys_fail(ENOMEM);
	}
	int nb = flags & O_NONBLOCK;
	p->refs = 1;
	int r = fd_install(&pipe_ops, p, O_RDONLY | nb, 0);
	if (r < 0) {
		pipe_put(p);
		return sys_fail(-r);
	}
	p->readers = 1;
	int w = fd_install(&pipe_ops, p, O_WRONLY | nb, 0);
	if (w < 0) {
		close(r); /* frees p */
		return sys_fail(-w);
	}
	p->writers = 1;
	p->refs++;
	if (flags & O_CLOEXEC) {
		fcntl(r, F_SETFD, FD_CLOEXEC);
		fcntl(w, F_SETFD, FD_CLOEXEC);
	}
	fds[0] = r;
	fds[1] = w;
	return 0;
}

int pipe(int fds[2])
{
	return pipe2(fds, 0);
}

/* ---- eventfd ---- */

#define EFD_MAX UINT64_C(0xfffffffffffffffe)

struct efd {
	uint64_t count;
	int semaphore, closed, refs;
	struct tc_waitq q; /* blocked readers and writers */
};

static void efd_put(struct efd *e)
{
	if (--e->refs == 0)
		free(e);
}

static int efd_wait(struct efd *e)
{
	e->refs++;
	tc_block(&e->q, TC_NO_DEADLINE, 0);
	int gone = e->closed;
	efd_put(e);
	return gone ? -EBADF : 0;
}

static void efd_wake(struct efd *e)
{
	tc_wake_all(&e->q);
	tc_wake_all(&fd_activity);
}

static ssize_t efd_read(struct file *f, void *buf, size_t len)
{
	struct efd *e = f->priv;
	if (len < sizeof(uint64_t))
		return -EINVAL;
	if (!buf)
		return -EFAULT;
	while (!e->count) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int r = efd_wait(e);
		if (r)
			return r;
	}
	uint64_t v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, sizeof v);
	efd_wake(e);
	return sizeof v;
}

static ssize_t efd_write(struct file *f, const void *buf, size_t len)
{
	struct efd *e = f->priv;
	uint64_t v;
	if (len < sizeof v)
		return -EINVAL;
	if (!buf)
		return -EFAULT;
	memcpy(&v, buf, sizeof v);
	if (v == UINT64_MAX)
		return -EINVAL;
	while (EFD_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int r = efd_wait(e);
		if (r)
			return r;
	}
	e->count += v;
	if (v)
		efd_wake(e);
	return sizeof v;
}

static int efd_fstat(struct file *f, struct stat *st)
{
	*st = (struct stat){ 0 };
	st->st_mode = 0600; /* an anonymous inode, as on Linux: no file type */
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_ino = (ino_t)(uintptr_t)f->priv;
	return 0;
}

static short efd_poll(struct file *f, short events)
{
	struct efd *e = f->priv;
	short r = 0;
	if (e->count)
		r |= POLLIN | POLLRDNORM;
	if (e->count < EFD_MAX)
		r |= POLLOUT | POLLWRNORM;
	return (short)(r & events);
}

static void efd_close(struct file *f)
{
	struct efd *e = f->priv;
	e->closed = 1;
	efd_wake(e);
	efd_put(e);
}

static const struct file_ops efd_ops = {
	.read = efd_read,
	.write = efd_write,
	.fstat = efd_fstat,
	.setfl = pipe_setfl,
	.poll = efd_poll,
	.close = efd_close,
};

int eventfd(unsigned int initval, int flags)
{
	if (flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
		return sys_fail(EINVAL);
	struct efd *e = calloc(1, sizeof *e);
	if (!e)
		return sys_fail(ENOMEM);
	e->count = initval;
	e->semaphore = (flags & EFD_SEMAPHORE) != 0;
	e->refs = 1;
	int fd = fd_install(&efd_ops, e, O_RDWR | (flags & EFD_NONBLOCK ? O_NONBLOCK : 0), 0);
	if (fd < 0) {
		free(e);
		return sys_fail(-fd);
	}
	if (flags & EFD_CLOEXEC)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int eventfd_read(int fd, eventfd_t *value)
{
	return read(fd, value, sizeof *value) == sizeof *value ? 0 : -1;
}

int eventfd_write(int fd, eventfd_t value)
{
	return write(fd, &value, sizeof value) == sizeof value ? 0 : -1;
}

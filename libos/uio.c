/*
 * Scatter/gather I/O: readv, writev, preadv, pwritev loop over the iovecs
 * with the same file operations as read/write/pread/pwrite.  A short
 * transfer ends the loop, as on Linux; so does a readv whose file has
 * nothing more to read right now (only the first iovec may block).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"

/* 0, or -EINVAL for a bad count or a total length that overflows ssize_t. */
static int check(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)-1 / 2 - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return 0;
}

/* What a loop that moved `done` bytes and then got r (< 0) returns. */
static ssize_t finish(ssize_t done, ssize_t r)
{
	return done > 0 ? done : sys_ret(r);
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_ACCMODE) == O_WRONLY)
		return sys_fail(EBADF);
	int e = check(iov, iovcnt);
	if (e)
		return sys_fail(-e);
	ssize_t done = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		if (done && f->ops->poll && !(f->ops->poll(f, POLLIN) & (POLLIN | POLLHUP)))
			break;
		ssize_t r = f->ops->read(f, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return finish(done, r);
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
		return sys_fail(EBADF);
	int e = check(iov, iovcnt);
	if (e)
		return sys_fail(-e);
	ssize_t done = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		ssize_t r = f->ops->write(f, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return finish(done, r);
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

/* preadv and pwritev: the same loop over pread or pwrite, at off + done. */
static ssize_t positioned(int fd, const struct iovec *iov, int iovcnt, off_t off, int wr)
{
	char none = 0;
	/* A zero-length transfer checks the descriptor and the offset. */
	if ((wr ? pwrite(fd, &none, 0, off) : pread(fd, &none, 0, off)) < 0)
		return -1;
	int e = check(iov, iovcnt);
	if (e)
		return sys_fail(-e);
	ssize_t done = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		int saved = errno;
		ssize_t r = wr ? pwrite(fd, iov[i].iov_base, iov[i].iov_len, off + done)
			       : pread(fd, iov[i].iov_base, iov[i].iov_len, off + done);
		if (r < 0) {
			if (done)
				errno = saved;
			return done ? done : -1;
		}
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	return positioned(fd, iov, iovcnt, off, 0);
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	return positioned(fd, iov, iovcnt, off, 1);
}

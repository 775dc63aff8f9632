/* File descriptors: the table and the POSIX calls that go through it. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"

/*
 * Each descriptor points at an open file; dup'd descriptors share one.  The
 * table starts with FD_FIRST static slots (a small app never allocates) and
 * doubles from the heap up to the RLIMIT_NOFILE soft limit.  Open files
 * come from a static pool of FD_FIRST, then one malloc each, so a struct
 * file never moves while it is open.
 */
#define FD_FIRST 16

static struct file files0[FD_FIRST];
static struct file *fds0[FD_FIRST];
static unsigned char cloexec0[FD_FIRST];
static struct file **fds = fds0;
static unsigned char *cloexec = cloexec0;
static int nslots = FD_FIRST; /* entries in fds and cloexec */
static int first_free; /* no descriptor below this is free */
int fd_limit = FD_MAX; /* RLIMIT_NOFILE's soft limit: descriptors are below it */

struct tc_waitq fd_activity;

static struct file *get(int fd)
{
	return fd >= 0 && fd < nslots ? fds[fd] : NULL;
}

struct file *fd_get(int fd)
{
	return get(fd);
}

/* Make the table hold descriptor fd (< fd_limit); 0 or -ENOMEM. */
static int grow(int fd)
{
	if (fd < nslots)
		return 0;
	int n = nslots;
	while (n <= fd)
		n *= 2;
	if (n > FD_MAX)
		n = FD_MAX;
	struct file **nf = malloc((size_t)n * sizeof *nf);
	unsigned char *nc = malloc((size_t)n);
	if (!nf || !nc) {
		free(nf);
		free(nc);
		return -ENOMEM;
	}
	memcpy(nf, fds, (size_t)nslots * sizeof *nf);
	memset(nf + nslots, 0, (size_t)(n - nslots) * sizeof *nf);
	memcpy(nc, cloexec, (size_t)nslots);
	memset(nc + nslots, 0, (size_t)(n - nslots));
	if (fds != fds0) {
		free(fds);
		free(cloexec);
	}
	fds = nf;
	cloexec = nc;
	nslots = n;
	return 0;
}

/* The lowest free descriptor >= min, the table grown to hold it; -EMFILE
 * at the limit. */
static int lowest_free(int min)
{
	int fd = min < first_free ? first_free : min;
	while (fd < nslots && fds[fd])
		fd++;
	if (fd >= fd_limit)
		return -EMFILE;
	if (min <= first_free)
		first_free = fd;
	int r = grow(fd);
	return r < 0 ? r : fd;
}

static struct file *file_new(void)
{
	for (int i = 0; i < FD_FIRST; i++)
		if (!files0[i].ops)
			return &files0[i];
	return malloc(sizeof(struct file));
}

static void file_free(struct file *f)
{
	f->ops = NULL;
	if (f < files0 || f >= files0 + FD_FIRST)
		free(f);
}

int fd_install(const struct file_ops *ops, void *priv, int flags, int min)
{
	int fd = lowest_free(min);
	if (fd < 0)
		return fd;
	struct file *f = file_new();
	if (!f)
		return -ENFILE;
	*f = (struct file){ ops, priv, 0, flags, 1 };
	fds[fd] = f;
	cloexec[fd] = 0;
	return fd;
}

ssize_t read(int fd, void *buf, size_t len)
{
	struct file *f = get(fd);
	if (!f || (f->flags & O_ACCMODE) == O_WRONLY)
		return sys_fail(EBADF);
	ssize_t r = f->ops->read(f, buf, len);
	return sys_ret(r);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	struct file *f = get(fd);
	if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
		return sys_fail(EBADF);
	ssize_t r = f->ops->write(f, buf, len);
	return sys_ret(r);
}

off_t lseek(int fd, off_t off, int whence)
{
	struct file *f = get(fd);
	if (!f)
		return sys_fail(EBADF);
	if (!f->ops->lseek)
		return sys_fail(ESPIPE);
	off_t r = f->ops->lseek(f, off, whence);
	return sys_ret(r);
}

int fstat(int fd, struct stat *st)
{
	struct file *f = get(fd);
	return f ? (int)sys_ret(f->ops->fstat(f, st)) : sys_fail(EBADF);
}

int isatty(int fd)
{
	struct file *f = get(fd);
	if (!f) {
		errno = EBADF;
		return 0; /* isatty answers yes or no, never -1 */
	}
	if (f->ops->isatty && f->ops->isatty(f))
		return 1;
	errno = ENOTTY;
	return 0;
}

int close(int fd)
{
	struct file *f = get(fd);
	if (!f)
		return sys_fail(EBADF);
	int e = f->ops->flush ? f->ops->flush(f) : 0;
	fds[fd] = NULL;
	if (fd < first_free)
		first_free = fd;
	if (--f->refs == 0) {
		if (f->ops->close)
			f->ops->close(f);
		file_free(f);
	}
	return e ? sys_fail(-e) : 0;
}

static int dup_at(int fd, int min, int exact)
{
	struct file *f = get(fd);
	if (!f)
		return sys_fail(EBADF);
	int nfd = min;
	if (exact) {
		if (nfd < 0 || nfd >= fd_limit)
			return sys_fail(EBADF);
		int r = grow(nfd);
		if (r < 0)
			return sys_fail(-r);
	} else if ((nfd = lowest_free(min)) < 0)
		return sys_fail(-nfd);
	if (nfd == fd)
		return fd;
	if (fds[nfd])
		close(nfd);
	fds[nfd] = f;
	f->refs++;
	cloexec[nfd] = 0;
	return nfd;
}

int dup(int fd)
{
	return dup_at(fd, 0, 0);
}

int dup2(int fd, int nfd)
{
	if (!get(fd))
		return sys_fail(EBADF);
	return dup_at(fd, nfd, 1);
}

int fcntl(int fd, int cmd, ...)
{
	struct file *f = get(fd);
	va_list ap;
	int arg = 0;

	if (!f)
		return sys_fail(EBADF);
	if (cmd == F_SETFL || cmd == F_SETFD || cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		va_start(ap, cmd);
		arg = va_arg(ap, int);
		va_end(ap);
	}
	switch (cmd) {
	case F_GETFL: return f->flags;
	case F_SETFL:
		/* Only files that can block (sockets) take O_NONBLOCK; refuse it
		 * elsewhere rather than pretend. */
		if ((arg & O_NONBLOCK) && !f->ops->setfl)
			return sys_fail(EINVAL);
		f->flags = (f->flags & O_ACCMODE) | (arg & (O_APPEND | O_NONBLOCK));
		if (f->ops->setfl)
			f->ops->setfl(f, f->flags);
		return 0;
	case F_GETFD: return cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD: cloexec[fd] = (arg & FD_CLOEXEC) != 0; return 0;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		if (arg < 0 || arg >= fd_limit)
			return sys_fail(EINVAL);
		int nfd = dup_at(fd, arg, 0);
		if (nfd >= 0 && cmd == F_DUPFD_CLOEXEC)
			cloexec[nfd] = 1;
		return nfd;
	}
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW: {
		/* Record locks: one process holds them all, so every lock is
		 * granted and F_GETLK finds none in the way. */
		va_start(ap, cmd);
		struct flock *l = va_arg(ap, struct flock *);
		va_end(ap);
		if (!l || (l->l_type != F_RDLCK && l->l_type != F_WRLCK && l->l_type != F_UNLCK))
			return sys_fail(EINVAL);
		if (cmd == F_GETLK)
			l->l_type = F_UNLCK;
		return 0;
	}
	default: return sys_fail(EINVAL);
	}
}

int getdtablesize(void)
{
	return fd_limit;
}

/*
 * File descriptors.  There are no files yet: fds 0, 1 and 2 are the
 * host's stdin, stdout and stderr through the platform console, and can be
 * closed.  Everything else is EBADF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define NCONSOLE 3

static int open_flags[NCONSOLE] = { O_RDONLY, O_WRONLY, O_WRONLY };
static int closed[NCONSOLE];
static int cloexec[NCONSOLE];

static int console(int fd)
{
	return fd >= 0 && fd < NCONSOLE && !closed[fd];
}

static int fail(int e)
{
	errno = e;
	return -1;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (!console(fd) || fd == 0)
		return fail(EBADF);
	long n = plat_console_write(fd, buf, len);
	return n < 0 ? fail((int)-n) : n;
}

ssize_t read(int fd, void *buf, size_t len)
{
	if (!console(fd) || fd != 0)
		return fail(EBADF);
	long n = plat_console_read(buf, len);
	return n < 0 ? fail((int)-n) : n;
}

int close(int fd)
{
	if (!console(fd))
		return fail(EBADF);
	closed[fd] = 1;
	return 0;
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)off;
	(void)whence;
	return console(fd) ? fail(ESPIPE) : fail(EBADF);
}

int isatty(int fd)
{
	if (!console(fd))
		return fail(EBADF);
	return (libos.tty >> fd) & 1 ? 1 : (errno = ENOTTY, 0);
}

int fstat(int fd, struct stat *st)
{
	if (!console(fd))
		return fail(EBADF);
	*st = (struct stat){ 0 };
	/* A terminal is a character device (line-buffered by stdio); anything
	 * else looks like a pipe, so stdio buffers a page per write. */
	st->st_mode = ((libos.tty >> fd) & 1 ? S_IFCHR : S_IFIFO) | 0600;
	st->st_blksize = 4096;
	st->st_nlink = 1;
	return 0;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	int arg = 0;

	if (!console(fd))
		return fail(EBADF);
	if (cmd == F_SETFL || cmd == F_SETFD) {
		va_start(ap, cmd);
		arg = va_arg(ap, int);
		va_end(ap);
	}
	switch (cmd) {
	case F_GETFL:
		return open_flags[fd];
	case F_SETFL:
		/* Only the status flags may change; nothing is non-blocking yet. */
		if (arg & O_NONBLOCK)
			return fail(EINVAL);
		open_flags[fd] = (open_flags[fd] & O_ACCMODE) | (arg & O_APPEND);
		return 0;
	case F_GETFD:
		return cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD:
		cloexec[fd] = (arg & FD_CLOEXEC) != 0;
		return 0;
	default:
		return fail(EINVAL);
	}
}

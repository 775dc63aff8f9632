/*
 * The C library's system call wrappers that the monitor calls, as bare
 * system calls, replacing musl's in this static binary.  musl's carry what
 * tincan-run never needs: fallbacks for kernels older than KVM itself needs
 * (O_CLOEXEC and SOCK_CLOEXEC done again by fcntl, signalfd without flags),
 * time64 conversions, locks for threads it does not have and cancellation
 * points; ~1 KiB of its 64 KiB budget, and one fcntl for every open with
 * O_CLOEXEC.  Each makes the same system call musl's makes first; errors
 * come back as -1 and errno, as from musl's (syscall()).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* The kernel's sigset_t: 64 signals. */
#define KSIGSET 8

/* open and openat's mode, there only with O_CREAT or O_TMPFILE. */
#define MODE(flags, ap) ((flags)&O_CREAT || ((flags)&O_TMPFILE) == O_TMPFILE ? va_arg(ap, unsigned) : 0U)

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	unsigned mode = MODE(flags, ap);
	va_end(ap);
	return (int)syscall(SYS_open, path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	unsigned mode = MODE(flags, ap);
	va_end(ap);
	return (int)syscall(SYS_openat, dir, path, flags, mode);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

int ioctl(int fd, int req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

int isatty(int fd)
{
	struct winsize ws;
	return syscall(SYS_ioctl, fd, TIOCGWINSZ, &ws) == 0;
}

int socket(int domain, int type, int protocol)
{
	return (int)syscall(SYS_socket, domain, type, protocol);
}

int signalfd(int fd, const sigset_t *mask, int flags)
{
	return (int)syscall(SYS_signalfd4, fd, mask, KSIGSET, flags);
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	return (int)syscall(SYS_rt_sigprocmask, how, set, old, KSIGSET);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	/* The kernel writes the time left back: into a copy, timeout is const. */
	struct timespec t = timeout ? *timeout : (struct timespec){ 0, 0 };
	return (int)syscall(SYS_ppoll, fds, n, timeout ? &t : NULL, mask, KSIGSET);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)syscall(SYS_nanosleep, req, rem);
}

/*
 * Terminal calls (termios) and ioctl.  Only the console can be a terminal:
 * it is one when the monitor's console is (isatty).  The guest cannot
 * change the host terminal's mode, so tcsetattr keeps the attributes it is
 * given for tcgetattr to return and changes nothing else; input stays in
 * whatever mode the host terminal is in.  The window size of a terminal
 * console is reported as 80x24: the monitor does not pass the real one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"

/* The console's attributes: Linux's defaults for a cooked terminal. */
static struct termios console_tio = {
	.c_iflag = BRKINT | ICRNL | IMAXBEL | IXON | IUTF8,
	.c_oflag = OPOST | ONLCR,
	.c_cflag = B38400 | CS8 | CREAD | HUPCL,
	.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE,
	.c_cc = { [VINTR] = 003,
		  [VQUIT] = 034,
		  [VERASE] = 0177,
		  [VKILL] = 025,
		  [VEOF] = 004,
		  [VTIME] = 0,
		  [VMIN] = 1,
		  [VSTART] = 021,
		  [VSTOP] = 023,
		  [VSUSP] = 032,
		  [VREPRINT] = 022,
		  [VDISCARD] = 017,
		  [VWERASE] = 027,
		  [VLNEXT] = 026 },
	.c_ispeed = B38400,
	.c_ospeed = B38400,
};

/* 0 when fd is a terminal, else -EBADF or -ENOTTY. */
static int tty(int fd)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	return f->ops->isatty && f->ops->isatty(f) ? 0 : -ENOTTY;
}

int tcgetattr(int fd, struct termios *t)
{
	int e = tty(fd);
	if (e)
		return sys_fail(-e);
	if (!t)
		return sys_fail(EFAULT);
	*t = console_tio;
	return 0;
}

int tcsetattr(int fd, int optional_actions, const struct termios *t)
{
	int e = tty(fd);
	if (e)
		return sys_fail(-e);
	if (optional_actions != TCSANOW && optional_actions != TCSADRAIN && optional_actions != TCSAFLUSH)
		return sys_fail(EINVAL);
	if (!t)
		return sys_fail(EFAULT);
	console_tio = *t;
	return 0;
}

void cfmakeraw(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_oflag &= ~(tcflag_t)OPOST;
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

speed_t cfgetospeed(const struct termios *t)
{
	return t->c_cflag & CBAUD;
}

speed_t cfgetispeed(const struct termios *t)
{
	return cfgetospeed(t);
}

int cfsetospeed(struct termios *t, speed_t speed)
{
	if ((speed & ~(speed_t)CBAUD) || speed == CBAUDEX)
		return sys_fail(EINVAL);
	t->c_cflag = (t->c_cflag & ~(tcflag_t)CBAUD) | speed;
	t->c_ospeed = speed;
	return 0;
}

int cfsetispeed(struct termios *t, speed_t speed)
{
	/* 0: the same as the output speed */
	if (speed == 0)
		return 0;
	if ((speed & ~(speed_t)CBAUD) || speed == CBAUDEX)
		return sys_fail(EINVAL);
	t->c_ispeed = speed;
	return 0;
}

int cfsetspeed(struct termios *t, speed_t speed)
{
	if (cfsetospeed(t, speed) < 0)
		return -1;
	t->c_ispeed = speed;
	return 0;
}

/* Output is written through at once and there is no line to break. */
int tcdrain(int fd)
{
	return (int)sys_ret(tty(fd));
}

int tcsendbreak(int fd, int duration)
{
	(void)duration;
	return (int)sys_ret(tty(fd));
}

int tcflow(int fd, int action)
{
	int e = tty(fd);
	if (e)
		return sys_fail(-e);
	return action >= TCOOFF && action <= TCION ? 0 : sys_fail(EINVAL);
}

int tcflush(int fd, int queue_selector)
{
	int e = tty(fd);
	if (e)
		return sys_fail(-e);
	return queue_selector >= TCIFLUSH && queue_selector <= TCIOFLUSH ? 0 : sys_fail(EINVAL);
}

/* The one process leads its session and the terminal's foreground group. */
pid_t tcgetpgrp(int fd)
{
	int e = tty(fd);
	return e ? sys_fail(-e) : getpgrp();
}

pid_t tcgetsid(int fd)
{
	int e = tty(fd);
	return e ? sys_fail(-e) : getsid(0);
}

int tcsetpgrp(int fd, pid_t pgrp)
{
	int e = tty(fd);
	if (e)
		return sys_fail(-e);
	if (pgrp < 0)
		return sys_fail(EINVAL);
	return pgrp == getpgrp() ? 0 : sys_fail(EPERM);
}

/* Bytes left to read in a regular file; other files cannot tell. */
static int nread(int fd, int *n)
{
	struct file *f = fd_get(fd);
	if (f && f->ops->nread) {
		int r = f->ops->nread(f);
		if (r < 0)
			return sys_fail(-r);
		*n = r;
		return 0;
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode))
		return sys_fail(ENOTTY);
	off_t pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0)
		return -1;
	off_t left = st.st_size > pos ? st.st_size - pos : 0;
	*n = left > 0x7fffffff ? 0x7fffffff : (int)left;
	return 0;
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);

	int e = tty(fd);
	if (e == -EBADF)
		return sys_fail(EBADF);
	switch (request) {
	case FIONBIO: {
		if (!arg)
			return sys_fail(EFAULT);
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			return -1;
		fl = *(int *)arg ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
		return fcntl(fd, F_SETFL, fl);
	}
	case FIONREAD:
		if (!arg)
			return sys_fail(EFAULT);
		return nread(fd, arg);
	case FIOCLEX: return fcntl(fd, F_SETFD, FD_CLOEXEC);
	case FIONCLEX: return fcntl(fd, F_SETFD, 0);
	case TIOCGWINSZ:
		if (e)
			return sys_fail(-e);
		if (!arg)
			return sys_fail(EFAULT);
		*(struct winsize *)arg = (struct winsize){ .ws_row = 24, .ws_col = 80 };
		return 0;
	case TCGETS: return tcgetattr(fd, arg);
	case TCSETS: return tcsetattr(fd, TCSANOW, arg);
	case TCSETSW: return tcsetattr(fd, TCSADRAIN, arg);
	case TCSETSF: return tcsetattr(fd, TCSAFLUSH, arg);
	default: return sys_fail(ENOTTY);
	}
}

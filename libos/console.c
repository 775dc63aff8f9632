/* Descriptors 0, 1 and 2: the host's stdin, stdout and stderr through the
 * platform console. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include "fd.h"
#include "internal.h"
#include "sched.h"

static ssize_t con_read(struct file *f, void *buf, size_t len)
{
	(void)f;
	if (libos_wait_hook)
		libos_wait_hook();
	/* Reading blocks in the monitor until input comes: only do that when
	 * no other thread could run meanwhile, and no signal (a timer's) could
	 * need delivering: one ends the wait with EINTR. */
	if (len && (!tc_alone() || tc_sig_hook))
		for (;;) {
			long r = tc_block(NULL, TC_NO_DEADLINE, PLAT_EV_CONSOLE_IN);
			if (r == -EINTR)
				return -EINTR;
			if (r > 0)
				break;
		}
	/* Time blocked in the monitor for input is not CPU time. */
	uint64_t t0 = plat_clock_monotonic_ns();
	long n = plat_console_read(buf, len);
	libos.idle_ns += plat_clock_monotonic_ns() - t0;
	return n;
}

static ssize_t con_write(struct file *f, const void *buf, size_t len)
{
	return plat_console_write((int)(intptr_t)f->priv, buf, len);
}

static int con_isatty(struct file *f)
{
	return (libos.tty >> (int)(intptr_t)f->priv) & 1;
}

static int con_fstat(struct file *f, struct stat *st)
{
	*st = (struct stat){ 0 };
	/* A terminal is a character device (stdio line-buffers it); anything
	 * else looks like a pipe, so stdio buffers a page per write. */
	st->st_mode = (con_isatty(f) ? S_IFCHR : S_IFIFO) | 0600;
	/* stdio sizes its buffer by st_blksize: reading stdin 64 KiB a call,
	 * not 1 KiB (each read is an exit to the monitor; the read goes
	 * straight into stdio's buffer, so read() keeps its EFAULT). */
	st->st_blksize = (intptr_t)f->priv == 0 ? 65536 : 4096;
	st->st_nlink = 1;
	return 0;
}

static short con_poll(struct file *f, short events)
{
	short ready = events & POLLOUT; /* writes never wait */
	/* Whether input is waiting only the monitor knows: ask without blocking. */
	if ((intptr_t)f->priv == 0 && (events & POLLIN) && (plat_wait(0, PLAT_EV_CONSOLE_IN) & PLAT_EV_CONSOLE_IN))
		ready |= POLLIN;
	return ready;
}

/* poll() waits in the monitor for console input. */
static unsigned con_poll_events(struct file *f, short events)
{
	(void)f;
	return events & POLLIN ? PLAT_EV_CONSOLE_IN : 0;
}

static const struct file_ops console_ops = {
	.poll = con_poll,
	.poll_events = con_poll_events,
	.read = con_read,
	.write = con_write,
	.fstat = con_fstat,
	.isatty = con_isatty,
};

void console_init(void)
{
	fd_install(&console_ops, (void *)0, O_RDONLY, 0);
	fd_install(&console_ops, (void *)1, O_WRONLY, 1);
	fd_install(&console_ops, (void *)2, O_WRONLY, 2);
}

/*
 * The file descriptor table (libos-internal).  An open file is an ops table
 * plus private state: the console (console.c), files of the VFS (vfs/file.c)
 * and sockets (net/) are its kinds.  Ops return negative errno; fd.c turns
 * that into errno/-1 for the app.
 */
#ifndef LIBOS_FD_H
#define LIBOS_FD_H

#include <sys/stat.h>
#include <sys/types.h>

#include "sched.h"

/* The most descriptors the table grows to (RLIMIT_NOFILE's hard limit). */
#define FD_MAX 65536

#define fd_install __tincan_fd_install
#define fd_get __tincan_fd_get
#define fd_activity __tincan_fd_activity
#define fd_limit __tincan_fd_limit

struct file;
struct sock_ops;

struct file_ops {
	ssize_t (*read)(struct file *f, void *buf, size_t len);
	ssize_t (*write)(struct file *f, const void *buf, size_t len);
	off_t (*lseek)(struct file *f, off_t off, int whence); /* NULL: ESPIPE */
	int (*fstat)(struct file *f, struct stat *st);
	int (*isatty)(struct file *f);
	int (*setfl)(struct file *f, int flags); /* O_NONBLOCK; NULL: refused */
	short (*poll)(struct file *f, short events); /* ready events now; NULL: always ready */
	void (*close)(struct file *f); /* last reference gone; may be NULL */
	/* Every close() of a descriptor: an error to report (-errno) or 0; the
	 * descriptor is closed either way (Linux's f_op->flush).  May be NULL. */
	int (*flush)(struct file *f);
	/* The platform events (PLAT_EV_*) whose arrival may make poll() report
	 * more of `events` ready: the idle wait in poll()/select() includes
	 * them.  NULL: none (the file's source wakes fd_activity instead). */
	unsigned (*poll_events)(struct file *f, short events);
	/* Sockets: the socket calls (sockops.h); NULL: not a socket. */
	const struct sock_ops *sock;
	/* FIONREAD: the bytes a read would find now, or a negative errno;
	 * NULL: a regular file's size past the offset, else ENOTTY. */
	int (*nread)(struct file *f);
};

struct file {
	const struct file_ops *ops; /* NULL: the slot is free */
	void *priv;
	off_t off;
	int flags; /* O_ACCMODE | O_APPEND | O_NONBLOCK */
	int refs; /* descriptors sharing this open file (dup) */
};

/* Install an open file at the lowest free descriptor >= min; returns the fd
 * or -EMFILE. */
int fd_install(const struct file_ops *ops, void *priv, int flags, int min);

/* Descriptors are below this: RLIMIT_NOFILE's soft limit (rlimit.c). */
extern int fd_limit;

/* The open file behind fd, or NULL. */
struct file *fd_get(int fd);

/* Threads in poll()/select() wait here: whatever may have made a file
 * ready (the network stack, ...) wakes it with tc_wake_all. */
extern struct tc_waitq fd_activity;
/* How many times fd_activity was woken (sched.c). */
#define fd_activity_gen __tincan_fd_activity_gen
extern unsigned long fd_activity_gen;

/* Console descriptors 0, 1, 2 (console.c). */
void console_init(void);

#endif

/*
 * The socket object: creating it, finding it behind a descriptor, waiting
 * on it, its open-file ops and letting go of it.  What a socket does with
 * its pcb is tcp.c's or udp.c's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "../internal.h"
#include "../sockops.h"
#include "sock.h"

static const struct file_ops sock_ops;

struct sock *sock_get(int fd, int *err)
{
	struct file *f = fd_get(fd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (f->ops != &sock_ops) {
		*err = -ENOTSOCK;
		return NULL;
	}
	return f->priv;
}

void sock_wake(struct sock *s)
{
	if (s)
		tc_wake_all(&s->waiters);
	tc_wake_all(&fd_activity); /* poll() and select() waiters */
}

int sock_wait(struct sock *s, uint64_t timeout)
{
	uint64_t deadline = timeout ? plat_clock_monotonic_ns() + timeout : TC_NO_DEADLINE;
	s->busy++;
	long r = tc_block(&s->waiters, deadline, 0);
	s->busy--;
	if (s->state == SOCK_CLOSED) {
		if (!s->busy)
			free(s);
		return -EBADF;
	}
	return r == -ETIMEDOUT ? -EAGAIN : r == -EINTR ? -EINTR : 0;
}

int sock_errno(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM: return ENOMEM;
	case ERR_BUF: return ENOBUFS;
	case ERR_TIMEOUT: return ETIMEDOUT;
	case ERR_RTE: return ENETUNREACH; /* no route: as Linux says it */
	case ERR_INPROGRESS: return EINPROGRESS;
	case ERR_VAL: return EINVAL;
	case ERR_WOULDBLOCK: return EWOULDBLOCK;
	case ERR_USE: return EADDRINUSE;
	case ERR_ALREADY: return EALREADY;
	case ERR_ISCONN: return EISCONN;
	case ERR_CONN: return ENOTCONN;
	case ERR_IF: return EIO;
	case ERR_ABRT: return ECONNABORTED;
	case ERR_RST: return ECONNRESET;
	case ERR_CLSD: return ENOTCONN;
	case ERR_ARG: return EINVAL;
	default: return EIO;
	}
}

/* Let go of the pcb and the queued data; the struct itself stays. */
static void release(struct sock *s)
{
	mcast_release(s);
	if (s->type == SOCK_STREAM)
		stream_release(s);
	else
		dgram_release(s);
}

void sock_free(struct sock *s)
{
	release(s);
	free(s);
}

int sock_install(struct sock *s, int flags)
{
	int fd = fd_install(&sock_ops, s, O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0), 0);
	if (fd < 0) {
		sock_free(s);
		return fd;
	}
	s->nonblock = (flags & SOCK_NONBLOCK) != 0;
	return fd;
}

int inet_socket(int domain, int type, int protocol)
{
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	if (protocol && protocol != (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	struct sock *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->type = kind;
	s->v6 = domain == AF_INET6;
	int e = kind == SOCK_STREAM ? stream_open(s) : dgram_open(s);
	if (e) {
		free(s);
		return e;
	}
	return sock_install(s, type);
}

int inet_shutdown(int fd, int how)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (s->state == SOCK_LISTENING) {
		/* A common way to stop a thread blocked in accept(). */
		s->rd_shut = 1;
		sock_wake(s);
		return 0;
	}
	if (s->type == SOCK_STREAM && s->state != SOCK_CONNECTED)
		return -ENOTCONN;
	if (how != SHUT_WR)
		s->rd_shut = 1;
	if (how != SHUT_RD) {
		s->wr_shut = 1;
		if (s->tcp)
			tcp_shutdown(s->tcp, 0, 1);
	}
	sock_wake(s);
	return 0;
}

/* ---- the socket as an open file ---- */

static ssize_t sock_read(struct file *f, void *buf, size_t len)
{
	struct sock *s = f->priv;
	return s->type == SOCK_STREAM ? stream_recv(s, buf, len, 0) : dgram_recv(s, buf, len, 0, NULL, NULL);
}

static ssize_t sock_write(struct file *f, const void *buf, size_t len)
{
	struct sock *s = f->priv;
	return s->type == SOCK_STREAM ? stream_send(s, buf, len, 0) : dgram_send(s, buf, len, NULL, 0);
}

static int sock_fstat(struct file *f, struct stat *st)
{
	(void)f;
	*st = (struct stat){ 0 };
	st->st_mode = S_IFSOCK | 0777;
	st->st_blksize = 4096;
	return 0;
}

static int sock_setfl(struct file *f, int flags)
{
	struct sock *s = f->priv;
	s->nonblock = (flags & O_NONBLOCK) != 0;
	return 0;
}

static short sock_poll(struct file *f, short events)
{
	struct sock *s = f->priv;
	short r = s->type == SOCK_STREAM ? stream_poll(s) : dgram_poll(s);
	return (short)(r & (events | POLLERR | POLLHUP));
}

static int sock_nread(struct file *f)
{
	struct sock *s = f->priv;
	if (s->type == SOCK_STREAM) {
		int n = s->rx ? s->rx->tot_len : 0;
		for (unsigned i = 0; i < s->rx_nmore; i++)
			n += s->rx_more[i]->tot_len;
		return n;
	}
	return s->dq_len ? s->dq[s->dq_head % DGRAM_QUEUE].p->tot_len : 0;
}

static void sock_close(struct file *f)
{
	struct sock *s = f->priv;
	release(s);
	if (s->busy) {
		/* Threads still blocked on it: wake them; the last frees it. */
		s->state = SOCK_CLOSED;
		sock_wake(s);
	} else {
		free(s);
		sock_wake(NULL);
	}
}

static const struct sock_ops inet_ops = {
	.bind = inet_bind,
	.listen = inet_listen,
	.accept = inet_accept,
	.connect = inet_connect,
	.sendto = inet_sendto,
	.recvfrom = inet_recvfrom,
	.shutdown = inet_shutdown,
	.getsockopt = inet_getsockopt,
	.setsockopt = inet_setsockopt,
	.getsockname = inet_getsockname,
	.getpeername = inet_getpeername,
	.cmsg = inet_cmsg,
};

static const struct file_ops sock_ops = {
	.read = sock_read,
	.write = sock_write,
	.fstat = sock_fstat,
	.setfl = sock_setfl,
	.poll = sock_poll,
	.close = sock_close,
	.sock = &inet_ops,
	.nread = sock_nread,
};

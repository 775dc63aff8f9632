/*
 * BSD sockets over lwIP's raw API.  Each socket is an open file (fd.c) whose
 * private state is a struct sock.  lwIP's callbacks only queue data and wake
 * threads; the calls below do the copying and block the calling thread (not
 * the guest) on the socket's wait queue until a callback wakes it.  Errors
 * are negative errno inside, errno/-1 at the POSIX entry points.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "../fd.h"
#include "../internal.h"
#include "net.h"

#define DGRAM_QUEUE 64
#define ACCEPT_QUEUE 64

struct dgram {
	struct pbuf *p;
	ip_addr_t addr;
	u16_t port;
};

struct sock {
	int type;
	int nonblock;
	struct tcp_pcb *tcp;
	struct udp_pcb *udp;
	int listening, connecting, connected, was_connected;
	int err; /* pending error, positive errno */
	int eof; /* the peer closed its side */
	int rd_shut, wr_shut;
	int linger_abort;
	struct pbuf *rx; /* stream data not yet read */
	struct dgram dq[DGRAM_QUEUE];
	unsigned dq_head, dq_len;
	struct sock *aq[ACCEPT_QUEUE]; /* accepted, not yet returned by accept() */
	unsigned aq_head, aq_len;
	int backlog;
	struct tc_waitq waiters;
	uint64_t rcvtimeo, sndtimeo; /* ns, 0: forever */
	int busy; /* threads blocked in a call on this socket */
	int closed; /* closed while busy: the last one out frees it */
};

static const struct file_ops sock_ops;

static void wake(struct sock *s)
{
	if (s)
		tc_wake_all(&s->waiters);
	tc_wake_all(&net_activity);
}

/*
 * Block until woken or the timeout (ns, 0: none); -EAGAIN on timeout.
 * -EBADF if another thread closed the socket meanwhile: the sock may be
 * gone then, so callers return at once without touching it.
 */
static int wait_for(struct sock *s, uint64_t timeout)
{
	uint64_t deadline = timeout ? plat_clock_monotonic_ns() + timeout : TC_NO_DEADLINE;
	s->busy++;
	long r = tc_block(&s->waiters, deadline, 0);
	s->busy--;
	if (s->closed) {
		if (!s->busy)
			free(s);
		return -EBADF;
	}
	return r == -ETIMEDOUT ? -EAGAIN : 0;
}

static struct sock *sock_of(int fd, int *err)
{
	struct file *f = fd_get(fd);
	if (!f) {
		*err = EBADF;
		return NULL;
	}
	if (f->ops != &sock_ops) {
		*err = ENOTSOCK;
		return NULL;
	}
	return f->priv;
}

static int lwip_errno(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM: return ENOMEM;
	case ERR_BUF: return ENOBUFS;
	case ERR_TIMEOUT: return ETIMEDOUT;
	case ERR_RTE: return EHOSTUNREACH;
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

static int addr_in(const struct sockaddr *a, socklen_t len, ip_addr_t *ip, u16_t *port)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)a;
	if (!a)
		return -EFAULT;
	if (len < sizeof *in)
		return -EINVAL;
	if (in->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	ip_addr_set_ip4_u32(ip, in->sin_addr.s_addr);
	*port = ntohs(in->sin_port);
	return 0;
}

static void addr_out(struct sockaddr *a, socklen_t *len, const ip_addr_t *ip, u16_t port)
{
	struct sockaddr_in in = { 0 };
	if (!a || !len)
		return;
	in.sin_family = AF_INET;
	in.sin_port = htons(port);
	in.sin_addr.s_addr = ip ? ip_addr_get_ip4_u32(ip) : 0;
	memcpy(a, &in, *len < sizeof in ? *len : sizeof in);
	*len = sizeof in;
}

/* ---- lwIP callbacks: queue and wake, nothing else ---- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct sock *s = arg;
	(void)err;
	if (!s) {
		/* The socket is gone: take the data and let lwIP finish. */
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		s->eof = 1;
		if (s->wr_shut) {
			/* Both sides are done: lwIP frees the pcb from TIME_WAIT on its
			 * own, without telling us, so let go of it now. */
			tcp_arg(pcb, NULL);
			tcp_recv(pcb, NULL);
			tcp_sent(pcb, NULL);
			tcp_err(pcb, NULL);
			s->tcp = NULL;
		}
	} else if (s->rd_shut) {
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
	} else {
		/* Data piling up for a slow reader must not sit in the receive
		 * pool, or one client could starve every other connection: a
		 * socket keeps at most its first segment there (and there are at
		 * most MEMP_NUM_TCP_PCB sockets); the rest is copied out. */
		if (s->rx) {
			struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
			if (q) {
				pbuf_free(p);
				p = q;
			}
			pbuf_cat(s->rx, p);
		} else {
			s->rx = p;
		}
	}
	wake(s);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	wake(arg);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct sock *s = arg;
	if (!s)
		return;
	/* lwIP has freed the pcb already. */
	s->tcp = NULL;
	/* A timeout (SYN or retransmission) arrives as ERR_ABRT; a clean close
	 * after our shutdown as ERR_CLSD, which is no error at all. */
	s->err = s->connecting && err == ERR_RST ? ECONNREFUSED
		 : err == ERR_ABRT		 ? ETIMEDOUT
		 : err == ERR_CLSD		 ? 0
						 : lwip_errno(err);
	if (err == ERR_CLSD)
		s->eof = 1;
	s->connecting = 0;
	s->connected = 0;
	wake(s);
}

static void set_callbacks(struct sock *s, struct tcp_pcb *pcb)
{
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *s = arg;
	(void)pcb, (void)err;
	s->connecting = 0;
	s->connected = s->was_connected = 1;
	wake(s);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *l = arg, *s;
	if (err != ERR_OK || !pcb || !l || l->aq_len >= (unsigned)l->backlog || !(s = calloc(1, sizeof *s)))
		return ERR_MEM; /* lwIP resets the connection */
	s->type = SOCK_STREAM;
	s->tcp = pcb;
	s->connected = s->was_connected = 1;
	set_callbacks(s, pcb);
	l->aq[(l->aq_head + l->aq_len++) % ACCEPT_QUEUE] = s;
	wake(l);
	return ERR_OK;
}

static void on_dgram(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct sock *s = arg;
	(void)pcb;
	if (!s || s->dq_len == DGRAM_QUEUE || s->rd_shut) {
		pbuf_free(p); /* like a full socket buffer: dropped */
		return;
	}
	struct dgram *d = &s->dq[(s->dq_head + s->dq_len++) % DGRAM_QUEUE];
	d->p = p;
	ip_addr_copy(d->addr, *addr);
	d->port = port;
	wake(s);
}

/* ---- creating and closing ---- */

static void release(struct sock *s);

/* Let go of the pcb and the queued data; the struct itself stays. */
static void release_res(struct sock *s)
{
	if (s->tcp) {
		struct tcp_pcb *pcb = s->tcp;
		tcp_arg(pcb, NULL);
		if (s->listening) {
			/* A listening pcb has only an accept callback. */
			tcp_accept(pcb, NULL);
			tcp_close(pcb);
		} else {
			tcp_sent(pcb, NULL);
			tcp_err(pcb, NULL);
			tcp_recv(pcb, NULL);
			/* Unread data or SO_LINGER 0: reset, as Linux does. */
			if (s->rx || s->linger_abort || tcp_close(pcb) != ERR_OK)
				tcp_abort(pcb);
		}
	}
	if (s->udp)
		udp_remove(s->udp);
	if (s->rx)
		pbuf_free(s->rx);
	for (; s->dq_len; s->dq_len--, s->dq_head++)
		pbuf_free(s->dq[s->dq_head % DGRAM_QUEUE].p);
	for (; s->aq_len; s->aq_len--, s->aq_head++)
		release(s->aq[s->aq_head % ACCEPT_QUEUE]);
	s->tcp = NULL;
	s->udp = NULL;
	s->rx = NULL;
}

static void release(struct sock *s)
{
	release_res(s);
	free(s);
}

static void sock_close(struct file *f)
{
	struct sock *s = f->priv;
	release_res(s);
	if (s->busy) {
		/* Threads still blocked on it: wake them; the last frees it. */
		s->closed = 1;
		wake(s);
	} else {
		free(s);
		wake(NULL);
	}
}

static int install(struct sock *s, int flags)
{
	int fd = fd_install(&sock_ops, s, O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0), 0);
	if (fd < 0) {
		release(s);
		return sys_fail(-fd);
	}
	s->nonblock = (flags & SOCK_NONBLOCK) != 0;
	return fd;
}

int socket(int domain, int type, int protocol)
{
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain != AF_INET)
		return sys_fail(EAFNOSUPPORT);
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
		return sys_fail(EPROTONOSUPPORT);
	if (protocol && protocol != (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return sys_fail(EPROTONOSUPPORT);
	struct sock *s = calloc(1, sizeof *s);
	if (!s)
		return sys_fail(ENOMEM);
	s->type = kind;
	if (kind == SOCK_STREAM) {
		s->tcp = tcp_new();
		if (s->tcp)
			set_callbacks(s, s->tcp);
	} else {
		s->udp = udp_new();
		if (s->udp)
			udp_recv(s->udp, on_dgram, s);
	}
	if (!s->tcp && !s->udp) {
		free(s);
		return sys_fail(ENOMEM);
	}
	return install(s, type);
}

int bind(int fd, const struct sockaddr *a, socklen_t len)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	ip_addr_t ip;
	u16_t port;
	if (!s)
		return sys_fail(e);
	if ((e = addr_in(a, len, &ip, &port)))
		return sys_fail(-e);
	err_t r = s->tcp ? tcp_bind(s->tcp, &ip, port) : s->udp ? udp_bind(s->udp, &ip, port) : ERR_CLSD;
	return r == ERR_OK ? 0 : sys_fail(r == ERR_USE ? EADDRINUSE : lwip_errno(r));
}

int listen(int fd, int backlog)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	if (!s)
		return sys_fail(e);
	if (s->type != SOCK_STREAM)
		return sys_fail(EOPNOTSUPP);
	if (!s->tcp || s->connected || s->connecting)
		return sys_fail(EINVAL);
	if (backlog <= 0 || backlog > ACCEPT_QUEUE)
		backlog = ACCEPT_QUEUE;
	if (s->listening) {
		s->backlog = backlog;
		return 0;
	}
	if (s->tcp->local_port == 0 && tcp_bind(s->tcp, IP_ADDR_ANY, 0) != ERR_OK)
		return sys_fail(EADDRINUSE);
	struct tcp_pcb *l = tcp_listen_with_backlog(s->tcp, (u8_t)(backlog > 255 ? 255 : backlog));
	if (!l)
		return sys_fail(ENOMEM);
	s->tcp = l;
	s->listening = 1;
	s->backlog = backlog;
	tcp_arg(l, s);
	tcp_accept(l, on_accept);
	return 0;
}

int accept4(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
	int e = 0;
	struct sock *l = sock_of(fd, &e);
	if (!l)
		return sys_fail(e);
	if (!l->listening)
		return sys_fail(EINVAL);
	while (!l->aq_len) {
		if (l->rd_shut)
			return sys_fail(EINVAL);
		if (l->nonblock)
			return sys_fail(EAGAIN);
		if ((e = wait_for(l, l->rcvtimeo)))
			return sys_fail(-e);
	}
	struct sock *s = l->aq[l->aq_head % ACCEPT_QUEUE];
	l->aq_head++;
	l->aq_len--;
	if (s->tcp)
		addr_out(a, len, &s->tcp->remote_ip, s->tcp->remote_port);
	else
		addr_out(a, len, NULL, 0);
	return install(s, flags);
}

int accept(int fd, struct sockaddr *a, socklen_t *len)
{
	return accept4(fd, a, len, 0);
}

int connect(int fd, const struct sockaddr *a, socklen_t len)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	ip_addr_t ip;
	u16_t port;
	if (!s)
		return sys_fail(e);
	if ((e = addr_in(a, len, &ip, &port)))
		return sys_fail(-e);
	if (s->udp)
		return udp_connect(s->udp, &ip, port) == ERR_OK ? 0 : sys_fail(EINVAL);
	if (s->listening)
		return sys_fail(EINVAL);
	if (s->connected)
		return sys_fail(EISCONN);
	if (!s->connecting) {
		if (!s->tcp)
			return sys_fail(s->err ? s->err : EINVAL);
		err_t r = tcp_connect(s->tcp, &ip, port, on_connected);
		if (r != ERR_OK)
			return sys_fail(lwip_errno(r));
		s->connecting = 1;
		if (s->nonblock)
			return sys_fail(EINPROGRESS);
	} else if (s->nonblock) {
		return sys_fail(EALREADY);
	}
	while (s->connecting)
		if ((e = wait_for(s, s->sndtimeo)))
			return sys_fail(e == -EBADF ? EBADF : EINPROGRESS);
	if (!s->connected) {
		e = s->err ? s->err : ECONNREFUSED;
		s->err = 0;
		return sys_fail(e);
	}
	return 0;
}

/* ---- data ---- */

static ssize_t stream_send(struct sock *s, const uint8_t *buf, size_t len, int flags)
{
	size_t sent = 0;
	int w;
	int nonblock = s->nonblock || (flags & MSG_DONTWAIT);

	if (s->wr_shut)
		return -EPIPE;
	if (!s->connected) {
		int e = s->err;
		s->err = 0;
		return s->was_connected ? -(e ? e : EPIPE) : -ENOTCONN;
	}
	while (sent < len) {
		if (!s->tcp) {
			int e = s->err ? s->err : EPIPE;
			return sent ? (ssize_t)sent : -e;
		}
		size_t room = tcp_sndbuf(s->tcp);
		if (room == 0 || tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN) {
			tcp_output(s->tcp);
			if (nonblock)
				return sent ? (ssize_t)sent : -EAGAIN;
			if ((w = wait_for(s, s->sndtimeo)))
				return sent ? (ssize_t)sent : w;
			continue;
		}
		size_t n = len - sent < room ? len - sent : room;
		if (n > 0xffff)
			n = 0xffff;
		err_t r = tcp_write(s->tcp, buf + sent, (u16_t)n,
				    TCP_WRITE_FLAG_COPY | (sent + n < len ? TCP_WRITE_FLAG_MORE : 0));
		if (r == ERR_MEM) {
			tcp_output(s->tcp);
			if (nonblock)
				return sent ? (ssize_t)sent : -EAGAIN;
			if ((w = wait_for(s, s->sndtimeo)))
				return sent ? (ssize_t)sent : w;
			continue;
		}
		if (r != ERR_OK)
			return sent ? (ssize_t)sent : -lwip_errno(r);
		sent += n;
	}
	if (s->tcp)
		tcp_output(s->tcp);
	return (ssize_t)sent;
}

static ssize_t stream_recv(struct sock *s, uint8_t *buf, size_t len, int flags)
{
	size_t got = 0;
	int w;
	int nonblock = s->nonblock || (flags & MSG_DONTWAIT);

	if (s->listening || (!s->connected && !s->was_connected && !s->rx))
		return -ENOTCONN;
	for (;;) {
		if (s->rx && got < len) {
			size_t n = s->rx->tot_len < len - got ? s->rx->tot_len : len - got;
			pbuf_copy_partial(s->rx, buf + got, (u16_t)n, 0);
			if (!(flags & MSG_PEEK)) {
				s->rx = pbuf_free_header(s->rx, (u16_t)n);
				if (s->tcp)
					tcp_recved(s->tcp, (u16_t)n);
			}
			got += n;
			if (!(flags & MSG_WAITALL) || got == len || (flags & MSG_PEEK))
				break;
			continue;
		}
		if (got == len && len)
			break;
		if (s->eof || s->rd_shut || len == 0)
			break;
		if (s->err) {
			int e = s->err;
			s->err = 0;
			if (got)
				break;
			return -e;
		}
		if (!s->tcp)
			break;
		if (nonblock)
			return got ? (ssize_t)got : -EAGAIN;
		if ((w = wait_for(s, s->rcvtimeo)))
			return got ? (ssize_t)got : w;
	}
	return (ssize_t)got;
}

static ssize_t dgram_send(struct sock *s, const void *buf, size_t len, const struct sockaddr *to, socklen_t tolen)
{
	ip_addr_t ip;
	u16_t port;
	int e = 0;
	if (len > 65507)
		return -EMSGSIZE;
	if (to && (e = addr_in(to, tolen, &ip, &port)))
		return e;
	if (!to && !(s->udp->flags & UDP_FLAGS_CONNECTED))
		return -EDESTADDRREQ;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	pbuf_take(p, buf, (u16_t)len);
	err_t r = to ? udp_sendto(s->udp, p, &ip, port) : udp_send(s->udp, p);
	pbuf_free(p);
	if (r != ERR_OK)
		return -lwip_errno(r);
	return (ssize_t)len;
}

static ssize_t dgram_recv(struct sock *s, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	int w;
	while (!s->dq_len) {
		if (s->rd_shut)
			return 0;
		if (s->nonblock || (flags & MSG_DONTWAIT))
			return -EAGAIN;
		if ((w = wait_for(s, s->rcvtimeo)))
			return w;
	}
	struct dgram *d = &s->dq[s->dq_head % DGRAM_QUEUE];
	size_t n = d->p->tot_len < len ? d->p->tot_len : len;
	size_t whole = d->p->tot_len;
	pbuf_copy_partial(d->p, buf, (u16_t)n, 0);
	addr_out(from, fromlen, &d->addr, d->port);
	if (!(flags & MSG_PEEK)) {
		pbuf_free(d->p);
		s->dq_head++;
		s->dq_len--;
	}
	return (ssize_t)((flags & MSG_TRUNC) ? whole : n);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	if (!s)
		return sys_fail(e);
	ssize_t r = s->type == SOCK_STREAM ? stream_send(s, buf, len, flags) : dgram_send(s, buf, len, to, tolen);
	return r < 0 ? sys_fail((int)-r) : r;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	if (!s)
		return sys_fail(e);
	ssize_t r;
	if (s->type == SOCK_STREAM) {
		r = stream_recv(s, buf, len, flags);
		if (r >= 0 && from && fromlen && s->tcp)
			addr_out(from, fromlen, &s->tcp->remote_ip, s->tcp->remote_port);
	} else {
		r = dgram_recv(s, buf, len, flags, from, fromlen);
	}
	return r < 0 ? sys_fail((int)-r) : r;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return recvfrom(fd, buf, len, flags, NULL, NULL);
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	/* Gather into one buffer so a datagram stays one datagram. */
	size_t total = 0;
	for (int i = 0; i < m->msg_iovlen; i++)
		total += m->msg_iov[i].iov_len;
	uint8_t *buf = malloc(total ? total : 1);
	if (!buf)
		return sys_fail(ENOMEM);
	size_t at = 0;
	for (int i = 0; i < m->msg_iovlen; i++) {
		memcpy(buf + at, m->msg_iov[i].iov_base, m->msg_iov[i].iov_len);
		at += m->msg_iov[i].iov_len;
	}
	ssize_t r = sendto(fd, buf, total, flags, m->msg_name, m->msg_namelen);
	free(buf);
	return r;
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	size_t total = 0;
	for (int i = 0; i < m->msg_iovlen; i++)
		total += m->msg_iov[i].iov_len;
	uint8_t *buf = malloc(total ? total : 1);
	if (!buf)
		return sys_fail(ENOMEM);
	ssize_t r = recvfrom(fd, buf, total, flags, m->msg_name, m->msg_name ? &m->msg_namelen : NULL);
	if (r > 0) {
		size_t at = 0;
		for (int i = 0; i < m->msg_iovlen && at < (size_t)r; i++) {
			size_t n = m->msg_iov[i].iov_len < (size_t)r - at ? m->msg_iov[i].iov_len : (size_t)r - at;
			memcpy(m->msg_iov[i].iov_base, buf + at, n);
			at += n;
		}
	}
	m->msg_controllen = 0;
	m->msg_flags = 0;
	free(buf);
	return r;
}

int shutdown(int fd, int how)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	if (!s)
		return sys_fail(e);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return sys_fail(EINVAL);
	if (s->listening) {
		/* A common way to stop a thread blocked in accept(). */
		s->rd_shut = 1;
		wake(s);
		return 0;
	}
	if (s->type == SOCK_STREAM && !s->connected)
		return sys_fail(ENOTCONN);
	if (how != SHUT_WR)
		s->rd_shut = 1;
	if (how != SHUT_RD) {
		s->wr_shut = 1;
		if (s->tcp)
			tcp_shutdown(s->tcp, 0, 1);
	}
	wake(s);
	return 0;
}

/* ---- options and names ---- */

static uint64_t tv_ns(const void *v, socklen_t len, int *e)
{
	const struct timeval *tv = v;
	if (len < sizeof *tv || tv->tv_usec < 0 || tv->tv_usec >= 1000000 || tv->tv_sec < 0) {
		*e = EINVAL;
		return 0;
	}
	return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000;
}

int setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	if (!s)
		return sys_fail(e);
	if (!v)
		return sys_fail(EFAULT);
	int on = len >= sizeof(int) ? *(const int *)v : 0;
	struct ip_pcb *ip = s->tcp ? (struct ip_pcb *)(void *)s->tcp : (struct ip_pcb *)(void *)s->udp;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
		case SO_REUSEPORT:
		case SO_KEEPALIVE:
		case SO_BROADCAST: {
			u8_t opt = name == SO_KEEPALIVE	  ? SOF_KEEPALIVE
				   : name == SO_BROADCAST ? SOF_BROADCAST
							  : SOF_REUSEADDR;
			if (len < sizeof(int))
				return sys_fail(EINVAL);
			if (ip) {
				if (on)
					ip_set_option(ip, opt);
				else
					ip_reset_option(ip, opt);
			}
			return 0;
		}
		case SO_RCVTIMEO: s->rcvtimeo = tv_ns(v, len, &e); return e ? sys_fail(e) : 0;
		case SO_SNDTIMEO: s->sndtimeo = tv_ns(v, len, &e); return e ? sys_fail(e) : 0;
		case SO_SNDBUF:
		case SO_RCVBUF:
			/* lwIP's buffers are sized at build time; the request is accepted
			 * and getsockopt reports what there really is. */
			return len < sizeof(int) ? sys_fail(EINVAL) : 0;
		case SO_LINGER: {
			const struct linger *l = v;
			if (len < sizeof *l)
				return sys_fail(EINVAL);
			s->linger_abort = l->l_onoff && l->l_linger == 0;
			return 0;
		}
		default: return sys_fail(ENOPROTOOPT);
		}
	}
	if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
		if (len < sizeof(int))
			return sys_fail(EINVAL);
		if (!s->tcp)
			return sys_fail(s->err ? s->err : EINVAL);
		switch (name) {
		case TCP_NODELAY:
			if (on)
				tcp_nagle_disable(s->tcp);
			else
				tcp_nagle_enable(s->tcp);
			return 0;
		case TCP_KEEPIDLE: s->tcp->keep_idle = (u32_t)on * 1000; return 0;
		case TCP_KEEPINTVL: s->tcp->keep_intvl = (u32_t)on * 1000; return 0;
		case TCP_KEEPCNT: s->tcp->keep_cnt = (u32_t)on; return 0;
		default: return sys_fail(ENOPROTOOPT);
		}
	}
	if (level == IPPROTO_IP && (name == IP_TOS || name == IP_TTL) && ip && len >= sizeof(int)) {
		if (name == IP_TOS)
			ip->tos = (u8_t)on;
		else
			ip->ttl = (u8_t)on;
		return 0;
	}
	return sys_fail(ENOPROTOOPT);
}

static int put_int(void *v, socklen_t *len, int val)
{
	if (!v || !len || *len < sizeof(int))
		return sys_fail(EINVAL);
	*(int *)v = val;
	*len = sizeof(int);
	return 0;
}

static int put_tv(void *v, socklen_t *len, uint64_t ns)
{
	struct timeval tv = { (time_t)(ns / 1000000000ULL), (suseconds_t)(ns % 1000000000ULL / 1000) };
	if (!v || !len || *len < sizeof tv)
		return sys_fail(EINVAL);
	memcpy(v, &tv, sizeof tv);
	*len = sizeof tv;
	return 0;
}

int getsockopt(int fd, int level, int name, void *v, socklen_t *len)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	if (!s)
		return sys_fail(e);
	struct ip_pcb *ip = s->tcp ? (struct ip_pcb *)(void *)s->tcp : (struct ip_pcb *)(void *)s->udp;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR: {
			int err = s->err;
			s->err = 0;
			return put_int(v, len, err);
		}
		case SO_TYPE: return put_int(v, len, s->type);
		case SO_ACCEPTCONN: return put_int(v, len, s->listening);
		case SO_REUSEADDR: return put_int(v, len, ip && ip_get_option(ip, SOF_REUSEADDR) ? 1 : 0);
		case SO_KEEPALIVE: return put_int(v, len, ip && ip_get_option(ip, SOF_KEEPALIVE) ? 1 : 0);
		case SO_BROADCAST: return put_int(v, len, ip && ip_get_option(ip, SOF_BROADCAST) ? 1 : 0);
		case SO_SNDBUF: return put_int(v, len, TCP_SND_BUF);
		case SO_RCVBUF: return put_int(v, len, TCP_WND);
		case SO_RCVTIMEO: return put_tv(v, len, s->rcvtimeo);
		case SO_SNDTIMEO: return put_tv(v, len, s->sndtimeo);
		default: return sys_fail(ENOPROTOOPT);
		}
	}
	if (level == IPPROTO_TCP && name == TCP_NODELAY && s->tcp)
		return put_int(v, len, tcp_nagle_disabled(s->tcp) ? 1 : 0);
	return sys_fail(ENOPROTOOPT);
}

int getsockname(int fd, struct sockaddr *a, socklen_t *len)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	if (!s)
		return sys_fail(e);
	if (!a || !len)
		return sys_fail(EFAULT);
	if (s->tcp)
		addr_out(a, len, &s->tcp->local_ip, s->tcp->local_port);
	else if (s->udp)
		addr_out(a, len, &s->udp->local_ip, s->udp->local_port);
	else
		addr_out(a, len, NULL, 0);
	return 0;
}

int getpeername(int fd, struct sockaddr *a, socklen_t *len)
{
	int e = 0;
	struct sock *s = sock_of(fd, &e);
	if (!s)
		return sys_fail(e);
	if (!a || !len)
		return sys_fail(EFAULT);
	if (s->tcp && s->connected)
		addr_out(a, len, &s->tcp->remote_ip, s->tcp->remote_port);
	else if (s->udp && (s->udp->flags & UDP_FLAGS_CONNECTED))
		addr_out(a, len, &s->udp->remote_ip, s->udp->remote_port);
	else
		return sys_fail(ENOTCONN);
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

#define P_IN 0x001
#define P_OUT 0x004
#define P_ERR 0x008
#define P_HUP 0x010

static short sock_poll(struct file *f, short events)
{
	struct sock *s = f->priv;
	short r = 0;
	if (s->type == SOCK_DGRAM) {
		if (s->dq_len)
			r |= P_IN;
		r |= P_OUT;
	} else if (s->listening) {
		if (s->aq_len)
			r |= P_IN;
	} else {
		if (s->rx || s->eof || s->rd_shut || s->err || (!s->tcp && s->was_connected))
			r |= P_IN;
		if (s->connected && s->tcp && tcp_sndbuf(s->tcp) > 0 && tcp_sndqueuelen(s->tcp) < TCP_SND_QUEUELEN)
			r |= P_OUT;
		if (s->err)
			r |= P_ERR;
		if ((s->eof && s->wr_shut) || (!s->tcp && (s->was_connected || s->err)))
			r |= P_HUP | (s->err ? P_ERR : 0);
	}
	return (short)(r & (events | P_ERR | P_HUP));
}

static const struct file_ops sock_ops = {
	.read = sock_read,
	.write = sock_write,
	.fstat = sock_fstat,
	.setfl = sock_setfl,
	.poll = sock_poll,
	.close = sock_close,
};

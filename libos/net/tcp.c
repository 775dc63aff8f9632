/*
 * Stream sockets over lwIP's TCP: its callbacks (queue and wake, nothing
 * else), connecting, listening and accepting, and the data path.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lwip/priv/tcp_priv.h"

#include "../internal.h"
#include "sock.h"

/* ---- lwIP callbacks ---- */

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
		s->peer_eof = 1;
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
			struct pbuf *last = s->rx_nmore ? s->rx_more[s->rx_nmore - 1] : s->rx;
			int fits = (unsigned)last->tot_len + p->tot_len <= 0xffff;
			if (!fits && s->rx_nmore == RX_CHAINS)
				return ERR_MEM; /* lwIP keeps it and offers it again */
			struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
			if (q) {
				pbuf_free(p);
				p = q;
			}
			if (fits)
				pbuf_cat(last, p);
			else
				s->rx_more[s->rx_nmore++] = p;
		} else {
			s->rx = p;
		}
	}
	sock_wake(s);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	sock_wake(arg);
	return ERR_OK;
}

/* A timeout (SYN or retransmission) arrives as ERR_ABRT; a clean close
 * after our shutdown as ERR_CLSD, which is no error at all. */
static int pending_error(const struct sock *s, err_t err)
{
	if (err == ERR_RST && s->state == SOCK_CONNECTING)
		return ECONNREFUSED;
	if (err == ERR_ABRT)
		return ETIMEDOUT;
	if (err == ERR_CLSD)
		return 0;
	return sock_errno(err);
}

static void on_err(void *arg, err_t err)
{
	struct sock *s = arg;
	if (!s)
		return;
	/* lwIP has freed the pcb already. */
	s->tcp = NULL;
	s->err = pending_error(s, err);
	if (err == ERR_CLSD)
		s->peer_eof = 1;
	if (s->state == SOCK_CONNECTING)
		s->state = SOCK_NEW;
	else if (s->state == SOCK_CONNECTED)
		s->state = SOCK_DISCONNECTED;
	sock_wake(s);
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
	s->state = SOCK_CONNECTED;
	sock_wake(s);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *l = arg, *s;
	if (err != ERR_OK || !pcb || !l || l->aq_len >= (unsigned)l->backlog || !(s = calloc(1, sizeof *s)))
		return ERR_MEM; /* lwIP resets the connection */
	s->type = SOCK_STREAM;
	s->v6 = l->v6;
	s->v6only = l->v6only;
	s->tcp = pcb;
	s->state = SOCK_CONNECTED;
	set_callbacks(s, pcb);
	if (l->aq_last)
		l->aq_last->aq_next = s;
	else
		l->aq_first = s;
	l->aq_last = s;
	l->aq_len++;
	/* It counts against the backlog until accept() takes it: lwIP drops
	 * SYNs beyond (TCP_LISTEN_BACKLOG), as Linux does with a full accept
	 * queue, and the client retries, instead of a reset. */
	tcp_backlog_delayed(pcb);
	sock_wake(l);
	return ERR_OK;
}

/* ---- the socket's life ---- */

int stream_open(struct sock *s)
{
	s->tcp = s->v6 ? tcp_new_ip_type(IPADDR_TYPE_ANY) : tcp_new();
	if (!s->tcp)
		return -ENOMEM;
	set_callbacks(s, s->tcp);
	return 0;
}

/*
 * What send() wrote leaves when the thread next blocks or yields (the
 * scheduler polls the stack then: stack.c's net_poll), not at once: frames
 * reach the wire only when the guest waits or the ring fills anyway, and a
 * close() before then puts its FIN on the last data segment, as Linux's
 * does in practice.  Sent apart, a client that closes on reading a whole
 * response (wrk, health checks) often closed first and kept TIME_WAIT
 * itself: under connection-per-request traffic its ports ran out within
 * 30 s (32,000 in TIME_WAIT against 5,000 with a Linux server) and it
 * crawled at ~50 connections a second.
 */
static struct sock *out_first;

void stream_release(struct sock *s)
{
	struct tcp_pcb *pcb = s->tcp;
	if (s->out_pending) { /* tcp_close() below sends it, with the FIN */
		struct sock **p = &out_first;
		while (*p != s)
			p = &(*p)->out_next;
		*p = s->out_next;
		s->out_pending = 0;
	}
	if (pcb) {
		tcp_arg(pcb, NULL);
		if (s->state == SOCK_LISTENING) {
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
	if (s->rx)
		pbuf_free(s->rx);
	while (s->rx_nmore)
		pbuf_free(s->rx_more[--s->rx_nmore]);
	while (s->aq_first) {
		struct sock *a = s->aq_first;
		s->aq_first = a->aq_next;
		sock_free(a);
	}
	s->aq_last = NULL;
	s->aq_len = 0;
	s->tcp = NULL;
	s->rx = NULL;
}

int stream_connect(struct sock *s, const ip_addr_t *ip, u16_t port)
{
	int e = 0;
	if (s->state == SOCK_LISTENING)
		return -EINVAL;
	if (s->state == SOCK_CONNECTED)
		return -EISCONN;
	if (s->state != SOCK_CONNECTING) {
		if (!s->tcp)
			return -(s->err ? s->err : EINVAL);
		err_t r = tcp_connect(s->tcp, ip, port, on_connected);
		if (r != ERR_OK)
			return -sock_errno(r);
		s->state = SOCK_CONNECTING;
		if (s->nonblock)
			return -EINPROGRESS;
	} else if (s->nonblock) {
		return -EALREADY;
	}
	while (s->state == SOCK_CONNECTING)
		if ((e = sock_wait(s, s->sndtimeo)))
			return e == -EBADF ? -EBADF : -EINPROGRESS;
	if (s->state != SOCK_CONNECTED) {
		e = s->err ? s->err : ECONNREFUSED;
		s->err = 0;
		return -e;
	}
	return 0;
}

int inet_listen(int fd, int backlog)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (!s->tcp || s->state == SOCK_CONNECTED || s->state == SOCK_CONNECTING)
		return -EINVAL;
	if (backlog <= 0 || backlog > ACCEPT_QUEUE)
		backlog = ACCEPT_QUEUE;
	if (s->state == SOCK_LISTENING) {
		s->backlog = backlog;
		u16_t b = (u16_t)backlog;
		tcp_backlog_set(s->tcp, b);
		return 0;
	}
	if (s->tcp->local_port == 0 && tcp_bind(s->tcp, sock_any(s), 0) != ERR_OK)
		return -EADDRINUSE;
	struct tcp_pcb *l = tcp_listen_with_backlog(s->tcp, (u16_t)backlog);
	if (!l)
		return -ENOMEM;
	s->tcp = l;
	s->state = SOCK_LISTENING;
	s->backlog = backlog;
	tcp_arg(l, s);
	tcp_accept(l, on_accept);
	return 0;
}

int inet_accept(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
	int e = 0;
	struct sock *l = sock_get(fd, &e);
	if (!l)
		return e;
	if (l->state != SOCK_LISTENING)
		return -EINVAL;
	while (!l->aq_len) {
		if (l->rd_shut)
			return -EINVAL;
		if (l->nonblock)
			return -EAGAIN;
		if ((e = sock_wait(l, l->rcvtimeo)))
			return e;
	}
	struct sock *s = l->aq_first;
	l->aq_first = s->aq_next;
	if (!l->aq_first)
		l->aq_last = NULL;
	s->aq_next = NULL;
	l->aq_len--;
	if (s->tcp)
		tcp_backlog_accepted(s->tcp);
	if (s->tcp)
		sockaddr_in_put(s, a, len, &s->tcp->remote_ip, s->tcp->remote_port);
	else
		sockaddr_in_put(s, a, len, NULL, 0);
	return sock_install(s, flags);
}

/* ---- data ---- */

/* EPIPE, after SIGPIPE unless MSG_NOSIGNAL. */
static ssize_t epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		__tincan_sig_pipe();
	return -EPIPE;
}

ssize_t stream_send(struct sock *s, const uint8_t *buf, size_t len, int flags)
{
	size_t sent = 0;
	int w;
	int nonblock = s->nonblock || (flags & MSG_DONTWAIT);

	if (s->wr_shut)
		return epipe(flags);
	if (s->state != SOCK_CONNECTED) {
		int e = s->err;
		s->err = 0;
		if (s->state == SOCK_DISCONNECTED && (!e || e == EPIPE))
			return epipe(flags);
		return s->state == SOCK_DISCONNECTED ? -e : -ENOTCONN;
	}
	while (sent < len) {
		if (!s->tcp) {
			int e = s->err ? s->err : EPIPE;
			if (!sent && e == EPIPE)
				return epipe(flags);
			return sent ? (ssize_t)sent : -e;
		}
		size_t room = tcp_sndbuf(s->tcp);
		if (room == 0 || tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN) {
			tcp_output(s->tcp);
			if (nonblock)
				return sent ? (ssize_t)sent : -EAGAIN;
			if ((w = sock_wait(s, s->sndtimeo)))
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
			if ((w = sock_wait(s, s->sndtimeo)))
				return sent ? (ssize_t)sent : w;
			continue;
		}
		if (r != ERR_OK)
			return sent ? (ssize_t)sent : -sock_errno(r);
		sent += n;
	}
	if (s->tcp && !s->out_pending) {
		s->out_pending = 1;
		s->out_next = out_first;
		out_first = s;
	}
	return (ssize_t)sent;
}

void stream_output(void)
{
	while (out_first) {
		struct sock *s = out_first;
		out_first = s->out_next;
		s->out_pending = 0;
		if (s->tcp)
			tcp_output(s->tcp);
	}
}

ssize_t stream_recv(struct sock *s, uint8_t *buf, size_t len, int flags)
{
	size_t got = 0;
	int w;
	int nonblock = s->nonblock || (flags & MSG_DONTWAIT);

	if (s->state == SOCK_LISTENING || (!sock_was_connected(s) && !s->rx))
		return -ENOTCONN;
	for (;;) {
		if (s->rx && got < len && (flags & MSG_PEEK)) {
			/* Look at every chain, leaving them in place. */
			for (unsigned i = 0; i <= s->rx_nmore && got < len; i++) {
				struct pbuf *c = i ? s->rx_more[i - 1] : s->rx;
				size_t n = c->tot_len < len - got ? c->tot_len : len - got;
				pbuf_copy_partial(c, buf + got, (u16_t)n, 0);
				got += n;
			}
			break;
		}
		if (s->rx && got < len) {
			size_t n = s->rx->tot_len < len - got ? s->rx->tot_len : len - got;
			pbuf_copy_partial(s->rx, buf + got, (u16_t)n, 0);
			s->rx = pbuf_free_header(s->rx, (u16_t)n);
			if (!s->rx && s->rx_nmore) {
				s->rx = s->rx_more[0];
				memmove(s->rx_more, s->rx_more + 1, --s->rx_nmore * sizeof s->rx_more[0]);
			}
			if (s->tcp) {
				tcp_recved(s->tcp, (u16_t)n);
				/* Data refused while every chain was full. */
				if (s->tcp->refused_data)
					tcp_process_refused_data(s->tcp);
			}
			got += n;
			if (!(flags & MSG_WAITALL) || got == len)
				break;
			continue;
		}
		if (got == len && len)
			break;
		if (s->peer_eof || s->rd_shut || len == 0)
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
		if ((w = sock_wait(s, s->rcvtimeo)))
			return got ? (ssize_t)got : w;
	}
	return (ssize_t)got;
}

short stream_poll(struct sock *s)
{
	short r = 0;
	int was_connected = sock_was_connected(s);
	if (s->state == SOCK_LISTENING)
		return s->aq_len ? POLLIN : 0;
	if (s->rx || s->peer_eof || s->rd_shut || s->err || (!s->tcp && was_connected))
		r |= POLLIN;
	if (s->state == SOCK_CONNECTED && s->tcp && tcp_sndbuf(s->tcp) > 0 &&
	    tcp_sndqueuelen(s->tcp) < TCP_SND_QUEUELEN)
		r |= POLLOUT;
	if (s->err)
		r |= POLLERR;
	if ((s->peer_eof && s->wr_shut) || (!s->tcp && (was_connected || s->err)))
		r |= POLLHUP | (s->err ? POLLERR : 0);
	return r;
}

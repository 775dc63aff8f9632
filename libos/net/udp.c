/*
 * Datagram sockets over lwIP's UDP: its receive callback queues whole
 * datagrams with their sender; the calls copy them out.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "sock.h"

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
	sock_wake(s);
}

int dgram_open(struct sock *s)
{
	s->dq = calloc(DGRAM_QUEUE, sizeof *s->dq);
	s->udp = !s->dq ? NULL : s->v6 ? udp_new_ip_type(IPADDR_TYPE_ANY) : udp_new();
	if (!s->udp) {
		free(s->dq);
		s->dq = NULL;
		return -ENOMEM;
	}
	udp_recv(s->udp, on_dgram, s);
	return 0;
}

void dgram_release(struct sock *s)
{
	if (s->udp)
		udp_remove(s->udp);
	for (; s->dq_len; s->dq_len--, s->dq_head++)
		pbuf_free(s->dq[s->dq_head % DGRAM_QUEUE].p);
	free(s->dq);
	s->dq = NULL;
	s->udp = NULL;
}

ssize_t dgram_send(struct sock *s, const void *buf, size_t len, const struct sockaddr *to, socklen_t tolen)
{
	ip_addr_t ip;
	u16_t port;
	int e = 0;
	if (len > 65507)
		return -EMSGSIZE;
	if (to && (e = sockaddr_in_get(s, to, tolen, &ip, &port)))
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
		return -sock_errno(r);
	return (ssize_t)len;
}

ssize_t dgram_recv(struct sock *s, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	int w;
	while (!s->dq_len) {
		if (s->rd_shut)
			return 0;
		if (s->nonblock || (flags & MSG_DONTWAIT))
			return -EAGAIN;
		if ((w = sock_wait(s, s->rcvtimeo)))
			return w;
	}
	struct dgram *d = &s->dq[s->dq_head % DGRAM_QUEUE];
	size_t n = d->p->tot_len < len ? d->p->tot_len : len;
	size_t whole = d->p->tot_len;
	pbuf_copy_partial(d->p, buf, (u16_t)n, 0);
	sockaddr_in_put(s, from, fromlen, &d->addr, d->port);
	if (!(flags & MSG_PEEK)) {
		pbuf_free(d->p);
		s->dq_head++;
		s->dq_len--;
	}
	return (ssize_t)((flags & MSG_TRUNC) ? whole : n);
}

short dgram_poll(struct sock *s)
{
	return (short)((s->dq_len ? POLLIN : 0) | POLLOUT);
}

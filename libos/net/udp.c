/*
 * Datagram sockets over lwIP's UDP: its receive callback queues whole
 * datagrams with their sender; the calls copy them out.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "netcfg.h"
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
	d->ifindex = (u16_t)(tc_netcfg_dev(ip_current_input_netif()) + 1);
	d->dst = ip_current_is_v6() ? 0 : ip4_addr_get_u32(ip4_current_dest_addr());
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
	/* sendmsg's IP_PKTINFO: this datagram's source address and NIC. */
	int pi = s->tx_pktinfo;
	struct in_pktinfo_ info = s->tx_info;
	s->tx_pktinfo = 0;
	if (pi && !to) {
		ip_addr_copy(ip, s->udp->remote_ip);
		port = s->udp->remote_port;
	}
	if (pi && !IP_IS_V4_VAL(ip))
		return -EINVAL; /* IP_PKTINFO is IPv4's (no IPV6_PKTINFO yet) */
	ip4_addr_t src;
	ip4_addr_set_u32(&src, info.spec_dst);
	struct netif *nif = NULL;
	if (pi) {
		nif = info.ifindex ? tc_netcfg_netif(info.ifindex - 1) : ip4_route_src(&src, ip_2_ip4(&ip));
		if (!nif)
			return info.ifindex ? -ENXIO : -EHOSTUNREACH;
		if (!info.spec_dst)
			ip4_addr_copy(src, *netif_ip4_addr(nif));
	}
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	pbuf_take(p, buf, (u16_t)len);
	ip_addr_t srcip;
	ip_addr_copy_from_ip4(srcip, src);
	err_t r = pi   ? udp_sendto_if_src(s->udp, p, &ip, port, nif, &srcip)
		  : to ? udp_sendto(s->udp, p, &ip, port)
		       : udp_send(s->udp, p);
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
	s->rx_info.ifindex = d->ifindex;
	s->rx_info.spec_dst = s->rx_info.addr = d->dst;
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

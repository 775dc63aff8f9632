/*
 * Datagram sockets over lwIP's UDP: its receive callback queues whole
 * datagrams with their sender; the calls copy them out.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netcfg.h"
#include "sock.h"

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Whether an address is one of the guest's (any NIC's, lo's). */
static int ip4_owned(const ip4_addr_t *a)
{
	struct netif *n;
	NETIF_FOREACH(n)
	{
		if (netif_is_up(n) && ip4_addr_cmp(a, netif_ip4_addr(n)))
			return 1;
	}
	return 0;
}

/* The netif that has IPv6 address a (usable: not tentative), or NULL. */
static struct netif *ip6_owner(const ip6_addr_t *a)
{
	struct netif *n;
	NETIF_FOREACH(n)
	{
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
			if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) &&
			    !memcmp(netif_ip6_addr(n, i)->addr, a->addr, 16))
				return n;
	}
	return NULL;
}

static void on_dgram(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct sock *s = arg;
	(void)pcb;
	int dev = tc_netcfg_dev(ip_current_input_netif());
	if (!s || s->dq_len == DGRAM_QUEUE || s->rd_shut || !mcast_wanted(s, ip_current_dest_addr(), dev)) {
		pbuf_free(p); /* like a full socket buffer: dropped */
		return;
	}
	struct dgram *d = &s->dq[(s->dq_head + s->dq_len++) % DGRAM_QUEUE];
	d->p = p;
	ip_addr_copy(d->addr, *addr);
	d->port = port;
	d->ifindex = (u16_t)(dev + 1);
	if (ip_current_is_v6()) {
		memcpy(d->dst, ip6_current_dest_addr()->addr, 16);
	} else {
		uint32_t v4 = ip4_addr_get_u32(ip4_current_dest_addr());
		memcpy(d->dst, mapped_prefix, 12);
		memcpy(d->dst + 12, &v4, 4);
	}
	sock_wake(s);
}

/* IPv4's: IP_PKTINFO's source (ipi_spec_dst, 0: the NIC's address) and NIC
 * (ipi_ifindex, 0: by route); IPV6_PKTINFO's source must be ::ffff:a.b.c.d
 * of one of the guest's IPv4 addresses (as Linux). */
static int pktinfo_route4(int pi, const struct pktinfo_ *info, const ip_addr_t *dst, struct netif **nif,
			  ip_addr_t *srcip)
{
	uint32_t v4;
	memcpy(&v4, info->addr + 12, 4);
	if (pi == 2 && memcmp(info->addr, mapped_prefix, 12))
		return -EINVAL;
	ip4_addr_t src;
	ip4_addr_set_u32(&src, v4);
	if (pi == 2 && v4 && !ip4_owned(&src))
		return -EINVAL;
	*nif = info->ifindex ? tc_netcfg_netif(info->ifindex - 1) : ip4_route_src(&src, ip_2_ip4(dst));
	if (!*nif)
		return info->ifindex ? -ENXIO : -EHOSTUNREACH;
	if (!v4)
		ip4_addr_copy(src, *netif_ip4_addr(*nif));
	ip_addr_copy_from_ip4(*srcip, src);
	return 0;
}

/* IPv6's: the source (one of the guest's addresses, a link-local one on the
 * NIC asked for; ::: lwIP's choice) and the NIC (0: by route). */
static int pktinfo_route6(int pi, const struct pktinfo_ *info, ip_addr_t *dst, struct netif **nif, ip_addr_t *srcip)
{
	if (pi != 2)
		return -EINVAL; /* IP_PKTINFO is IPv4's */
	*nif = info->ifindex ? tc_netcfg_netif(info->ifindex - 1) : NULL;
	if (info->ifindex && !*nif)
		return -ENODEV;
	ip_addr_set_zero_ip6(srcip);
	memcpy(ip_2_ip6(srcip)->addr, info->addr, 16);
	if (!ip_addr_isany(srcip)) {
		struct netif *owner = ip6_owner(ip_2_ip6(srcip));
		if (!owner || (ip6_addr_islinklocal(ip_2_ip6(srcip)) && *nif && *nif != owner))
			return -EINVAL;
		if (ip6_addr_islinklocal(ip_2_ip6(srcip))) {
			ip6_addr_assign_zone(ip_2_ip6(srcip), IP6_UNICAST, owner);
			*nif = owner;
		}
	}
	if (ip6_addr_has_zone(ip_2_ip6(dst))) {
		/* A scoped peer (sin6_scope_id, or the first NIC): the NIC
		 * asked for wins. */
		if (*nif)
			ip6_addr_assign_zone(ip_2_ip6(dst), IP6_UNICAST, *nif);
		else
			*nif = netif_get_by_index(ip6_addr_zone(ip_2_ip6(dst)));
	}
	if (!*nif)
		*nif = ip6_route(ip_2_ip6(srcip), ip_2_ip6(dst));
	return *nif ? 0 : -EHOSTUNREACH;
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
	/* sendmsg's IP_PKTINFO or IPV6_PKTINFO: this datagram's source address
	 * and NIC (taken, whatever becomes of the send); setsockopt's
	 * IPV6_PKTINFO: a NIC for IPv6 peers. */
	int pi = s->tx_pktinfo;
	struct pktinfo_ info = s->tx_info;
	s->tx_pktinfo = 0;
	if (len > 65507)
		return -EMSGSIZE;
	if (to && (e = sockaddr_in_get(s, to, tolen, &ip, &port)))
		return e;
	if (!to && !(s->udp->flags & UDP_FLAGS_CONNECTED))
		return -EDESTADDRREQ;
	if ((pi || s->sticky_if6) && !to) {
		ip_addr_copy(ip, s->udp->remote_ip);
		port = s->udp->remote_port;
	}
	if (!pi && s->sticky_if6 && IP_IS_V6_VAL(ip) && !s->udp->netif_idx) { /* SO_BINDTODEVICE wins */
		pi = 2;
		memset(&info, 0, sizeof info);
		info.ifindex = s->sticky_if6;
	}
	struct netif *nif = NULL;
	ip_addr_t srcip;
	if (pi && (e = IP_IS_V4_VAL(ip) ? pktinfo_route4(pi, &info, &ip, &nif, &srcip)
					: pktinfo_route6(pi, &info, &ip, &nif, &srcip)))
		return e;
	mcast_tx(s, to || pi ? &ip : &s->udp->remote_ip);
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	pbuf_take(p, buf, (u16_t)len);
	err_t r = !pi ? (to ? udp_sendto(s->udp, p, &ip, port) : udp_send(s->udp, p))
		  : IP_IS_V6_VAL(srcip) && ip_addr_isany_val(srcip)
		      ? udp_sendto_if(s->udp, p, &ip, port, nif)
		      : udp_sendto_if_src(s->udp, p, &ip, port, nif, &srcip);
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
	memcpy(s->rx_info.addr, d->dst, 16);
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

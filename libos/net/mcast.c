/*
 * Multicast socket options, as Linux's (man 7 ip, man 7 ipv6): group
 * membership per socket (IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP,
 * IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP), and how a socket sends to a group
 * (IP_MULTICAST_IF / _TTL / _LOOP, IPV6_MULTICAST_IF / _HOPS / _LOOP),
 * and IP_MULTICAST_ALL / IPV6_MULTICAST_ALL.
 *
 * lwIP keeps memberships per netif with a count of users (igmp.c, mld6.c:
 * the report goes out at the first join, the leave at the last); a socket
 * keeps the list of its own, so that joining twice is EADDRINUSE, dropping
 * one it does not have EADDRNOTAVAIL, and close() leaves them all.  A
 * datagram to a group joined on the NIC it came in on reaches every socket
 * bound to its port (lwipopts.h: SO_REUSE_RXTOALL), as Linux's default
 * IP_MULTICAST_ALL; with that option off, only the sockets that joined it.
 *
 * lwIP's pcb has one multicast NIC, TTL and loop flag for both families;
 * the socket keeps Linux's separate IPv4 and IPv6 ones and sets the pcb's
 * before each datagram to a group (mcast_tx).  The state is allocated at a
 * socket's first multicast option: other sockets pay one pointer.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/igmp.h"
#include "lwip/mld6.h"

#include "../internal.h"
#include "netcfg.h"
#include "sock.h"

#define MAX_GROUPS 20 /* per socket: Linux's igmp_max_memberships */

struct mcast {
	uint8_t ttl4, hops6; /* IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS */
	uint8_t loop4, loop6; /* IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP */
	uint8_t all4, all6; /* IP_MULTICAST_ALL, IPV6_MULTICAST_ALL */
	uint8_t if4, if6; /* IP_MULTICAST_IF, IPV6_MULTICAST_IF: device + 1, 0: by route */
	uint32_t addr4; /* IP_MULTICAST_IF's address, as given */
	unsigned n;
	struct member {
		ip_addr_t group; /* no zone */
		int dev;
	} m[MAX_GROUPS];
};

static const struct mcast defaults = { .ttl4 = 1, .hops6 = 1, .loop4 = 1, .loop6 = 1, .all4 = 1, .all6 = 1 };

static struct mcast *state(struct sock *s)
{
	if (!s->mc && (s->mc = malloc(sizeof *s->mc)))
		*s->mc = defaults;
	return s->mc;
}

int mcast_opt(int level, int name)
{
	if (level == IPPROTO_IP)
		return name == IP_MULTICAST_IF || name == IP_MULTICAST_TTL || name == IP_MULTICAST_LOOP ||
		       name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP || name == IP_MULTICAST_ALL;
	if (level == IPPROTO_IPV6)
		return name == IPV6_MULTICAST_IF || name == IPV6_MULTICAST_HOPS || name == IPV6_MULTICAST_LOOP ||
		       name == IPV6_JOIN_GROUP || name == IPV6_LEAVE_GROUP || name == IPV6_MULTICAST_ALL;
	return 0;
}

/* The device for INADDR_ANY / interface 0: the default route's, else the
 * first; -1: none. */
static int default_dev(void)
{
	int dev = tc_netcfg_dev(netif_default);
	return dev >= 0 ? dev : plat_net_count() > 0 ? 0 : -1;
}

/* The device that has IPv4 address a (its main or a further one), or -1. */
static int dev_of_addr(uint32_t a)
{
	struct netif *n;
	NETIF_FOREACH(n)
	{
		if (netif_is_up(n) && ip4_addr_get_u32(netif_ip4_addr(n)) == a && tc_netcfg_dev(n) >= 0)
			return tc_netcfg_dev(n);
	}
	return -1;
}

static int find(const struct mcast *mc, const ip_addr_t *g, int dev)
{
	for (unsigned i = 0; mc && i < mc->n; i++)
		if (mc->m[i].dev == dev && ip_addr_cmp_zoneless(&mc->m[i].group, g))
			return (int)i;
	return -1;
}

/* lwIP's join or leave on device dev's netif. */
static int group_op(const ip_addr_t *g, int dev, int join)
{
	struct netif *nif = tc_netcfg_netif(dev);
	if (IP_IS_V4_VAL(*g)) {
		const struct igmp_group *have = igmp_lookfor_group(nif, ip_2_ip4(g));
		if (join && have && have->use == 0xff)
			return -ENOBUFS; /* lwIP counts users in 8 bits */
		err_t r = join ? igmp_joingroup_netif(nif, ip_2_ip4(g)) : igmp_leavegroup_netif(nif, ip_2_ip4(g));
		return r == ERR_OK ? 0 : r == ERR_MEM ? -ENOBUFS : -EINVAL;
	}
	ip6_addr_t a = *ip_2_ip6(g);
	ip6_addr_assign_zone(&a, IP6_MULTICAST, nif);
	const struct mld_group *have = mld6_lookfor_group(nif, &a);
	if (join && have && have->use == 0xff)
		return -ENOBUFS;
	err_t r = join ? mld6_joingroup_netif(nif, ip_2_ip6(g)) : mld6_leavegroup_netif(nif, ip_2_ip6(g));
	return r == ERR_OK ? 0 : r == ERR_MEM ? -ENOBUFS : -EINVAL;
}

static int membership(struct sock *s, const ip_addr_t *g, int dev, int join)
{
	if (dev < 0 || !tc_netcfg_netif(dev))
		return -ENODEV;
	int at = find(s->mc, g, dev);
	if (!join) {
		if (at < 0)
			return -EADDRNOTAVAIL;
		group_op(g, dev, 0);
		s->mc->m[at] = s->mc->m[--s->mc->n];
		return 0;
	}
	if (at >= 0)
		return -EADDRINUSE;
	struct mcast *mc = state(s);
	if (!mc || mc->n == MAX_GROUPS)
		return -ENOBUFS;
	int e = group_op(g, dev, 1);
	if (e)
		return e;
	mc->m[mc->n].group = *g;
	mc->m[mc->n++].dev = dev;
	return 0;
}

/* IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP: struct ip_mreq, or ip_mreqn
 * (its imr_ifindex first, then imr_address). */
static int ip4_membership(struct sock *s, const void *v, socklen_t len, int join)
{
	struct ip_mreqn mr = { { 0 }, { 0 }, 0 };
	if (len < sizeof(struct ip_mreq))
		return -EINVAL;
	memcpy(&mr, v, len < sizeof mr ? len : sizeof mr);
	ip_addr_t g;
	ip_addr_set_ip4_u32_val(g, mr.imr_multiaddr.s_addr);
	if (!ip4_addr_ismulticast(ip_2_ip4(&g)))
		return -EINVAL;
	int dev = mr.imr_ifindex ? (mr.imr_ifindex > 0 && mr.imr_ifindex <= plat_net_count() ? mr.imr_ifindex - 1 : -1)
		  : mr.imr_address.s_addr ? dev_of_addr(mr.imr_address.s_addr)
					  : default_dev();
	return membership(s, &g, dev, join);
}

/* IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP: struct ipv6_mreq (interface 0: the
 * default NIC). */
static int ip6_membership(struct sock *s, const void *v, socklen_t len, int join)
{
	struct ipv6_mreq mr;
	if (len < sizeof mr)
		return -EINVAL;
	memcpy(&mr, v, sizeof mr);
	if (!IN6_IS_ADDR_MULTICAST(&mr.ipv6mr_multiaddr))
		return -EINVAL;
	ip_addr_t g;
	ip_addr_set_zero_ip6(&g);
	memcpy(ip_2_ip6(&g)->addr, mr.ipv6mr_multiaddr.s6_addr, 16);
	int dev = !mr.ipv6mr_interface				      ? default_dev()
		  : mr.ipv6mr_interface <= (unsigned)plat_net_count() ? (int)mr.ipv6mr_interface - 1
								      : -1;
	return membership(s, &g, dev, join);
}

/* An IPv4 option's value: an int, or (as Linux takes them) one byte. */
static int int_or_byte(const void *v, socklen_t len, int *val)
{
	if (len >= sizeof(int))
		memcpy(val, v, sizeof(int));
	else if (len >= 1)
		*val = *(const unsigned char *)v;
	else
		return -EINVAL;
	return 0;
}

static int set4(struct sock *s, int name, const void *v, socklen_t len)
{
	int val = 0, e;
	struct mcast *mc;
	switch (name) {
	case IP_ADD_MEMBERSHIP:
	case IP_DROP_MEMBERSHIP:
		if (s->type != SOCK_DGRAM)
			return -EPROTO; /* as Linux */
		return ip4_membership(s, v, len, name == IP_ADD_MEMBERSHIP);
	case IP_MULTICAST_IF: {
		/* An in_addr, or an ip_mreqn (its ifindex first); all zero:
		 * by route again. */
		struct ip_mreqn mr = { { 0 }, { 0 }, 0 };
		if (s->type == SOCK_STREAM || len < sizeof(struct in_addr))
			return -EINVAL;
		if (len >= sizeof mr)
			memcpy(&mr, v, sizeof mr);
		else
			memcpy(&mr.imr_address, v, sizeof mr.imr_address);
		int dev = mr.imr_ifindex
			      ? (mr.imr_ifindex > 0 && mr.imr_ifindex <= plat_net_count() ? mr.imr_ifindex - 1 : -1)
			  : mr.imr_address.s_addr ? dev_of_addr(mr.imr_address.s_addr)
						  : -2;
		if (dev == -1)
			return -EADDRNOTAVAIL; /* as Linux */
		if (!(mc = state(s)))
			return -ENOMEM;
		mc->if4 = (uint8_t)(dev + 1 > 0 ? dev + 1 : 0);
		mc->addr4 = mr.imr_address.s_addr;
		return 0;
	}
	case IP_MULTICAST_TTL:
		if (s->type == SOCK_STREAM || (e = int_or_byte(v, len, &val)))
			return -EINVAL;
		if (val == -1)
			val = 1;
		if (val < 0 || val > 255)
			return -EINVAL;
		if (!(mc = state(s)))
			return -ENOMEM;
		mc->ttl4 = (uint8_t)val;
		return 0;
	case IP_MULTICAST_LOOP:
	case IP_MULTICAST_ALL:
		if ((e = int_or_byte(v, len, &val)))
			return e;
		if (!(mc = state(s)))
			return -ENOMEM;
		if (name == IP_MULTICAST_LOOP)
			mc->loop4 = val != 0;
		else
			mc->all4 = val != 0;
		return 0;
	}
	return -ENOPROTOOPT;
}

static int set6(struct sock *s, int name, const void *v, socklen_t len)
{
	int val = 0;
	struct mcast *mc;
	if (name == IPV6_JOIN_GROUP || name == IPV6_LEAVE_GROUP)
		return s->type != SOCK_DGRAM ? -EPROTO : ip6_membership(s, v, len, name == IPV6_JOIN_GROUP);
	if ((name == IPV6_MULTICAST_IF || name == IPV6_MULTICAST_HOPS) && s->type == SOCK_STREAM)
		return -ENOPROTOOPT; /* as Linux */
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&val, v, sizeof val);
	switch (name) {
	case IPV6_MULTICAST_IF:
		if (val && (val < 0 || val > plat_net_count()))
			return -ENODEV;
		break;
	case IPV6_MULTICAST_HOPS:
		if (val < -1 || val > 255)
			return -EINVAL;
		break;
	case IPV6_MULTICAST_LOOP:
		if (val != 0 && val != 1)
			return -EINVAL;
		break;
	}
	if (!(mc = state(s)))
		return -ENOMEM;
	switch (name) {
	case IPV6_MULTICAST_IF: mc->if6 = (uint8_t)val; break;
	case IPV6_MULTICAST_HOPS: mc->hops6 = (uint8_t)(val == -1 ? 1 : val); break;
	case IPV6_MULTICAST_LOOP: mc->loop6 = (uint8_t)val; break;
	default: mc->all6 = val != 0; break;
	}
	return 0;
}

int mcast_setopt(struct sock *s, int level, int name, const void *v, socklen_t len)
{
	if (level == IPPROTO_IPV6)
		return s->v6 ? set6(s, name, v, len) : -ENOPROTOOPT;
	return set4(s, name, v, len);
}

static int put(void *v, socklen_t *len, const void *val, socklen_t n)
{
	if (!v || !len)
		return -EFAULT;
	if (*len < n)
		n = *len;
	memcpy(v, val, n);
	*len = n;
	return 0;
}

int mcast_getopt(struct sock *s, int level, int name, void *v, socklen_t *len)
{
	const struct mcast *mc = s->mc ? s->mc : &defaults;
	int val;
	if (level == IPPROTO_IPV6) {
		if (!s->v6 || name == IPV6_JOIN_GROUP || name == IPV6_LEAVE_GROUP)
			return -ENOPROTOOPT;
		val = name == IPV6_MULTICAST_IF	    ? mc->if6
		      : name == IPV6_MULTICAST_HOPS ? mc->hops6
		      : name == IPV6_MULTICAST_LOOP ? mc->loop6
						    : mc->all6;
		return put(v, len, &val, sizeof val);
	}
	if (name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP)
		return -ENOPROTOOPT;
	if (name == IP_MULTICAST_IF)
		return put(v, len, &mc->addr4, sizeof mc->addr4);
	val = name == IP_MULTICAST_TTL ? mc->ttl4 : name == IP_MULTICAST_LOOP ? mc->loop4 : mc->all4;
	/* As Linux: one byte when the buffer is smaller than an int. */
	if (len && *len < sizeof(int) && *len > 0) {
		unsigned char b = (unsigned char)val;
		return put(v, len, &b, 1);
	}
	return put(v, len, &val, sizeof val);
}

void mcast_tx(struct sock *s, ip_addr_t *dst)
{
	const struct mcast *mc = s->mc ? s->mc : &defaults;
	if (!s->udp || !ip_addr_ismulticast(dst))
		return;
	int v6 = IP_IS_V6(dst);
	unsigned dev = v6 ? mc->if6 : mc->if4;
	struct netif *nif = dev ? tc_netcfg_netif((int)dev - 1) : NULL;
	udp_set_multicast_netif_index(s->udp, nif ? netif_get_index(nif) : NETIF_NO_INDEX);
	udp_set_multicast_ttl(s->udp, v6 ? mc->hops6 : mc->ttl4);
	if (v6 ? mc->loop6 : mc->loop4)
		s->udp->flags |= UDP_FLAGS_MULTICAST_LOOP;
	else
		s->udp->flags &= (u8_t)~UDP_FLAGS_MULTICAST_LOOP;
	/* The NIC chosen wins over a scoped group's zone (sin6_scope_id or the
	 * first NIC's). */
	if (v6 && nif && ip6_addr_has_zone(ip_2_ip6(dst)))
		ip6_addr_assign_zone(ip_2_ip6(dst), IP6_MULTICAST, nif);
}

int mcast_wanted(const struct sock *s, const ip_addr_t *dst, int dev)
{
	const struct mcast *mc = s->mc;
	if (!mc || !ip_addr_ismulticast(dst) || (IP_IS_V6(dst) ? mc->all6 : mc->all4))
		return 1;
	ip_addr_t g = *dst;
	if (IP_IS_V6(&g))
		ip6_addr_clear_zone(ip_2_ip6(&g));
	return find(mc, &g, dev) >= 0;
}

void mcast_release(struct sock *s)
{
	for (unsigned i = 0; s->mc && i < s->mc->n; i++)
		group_op(&s->mc->m[i].group, s->mc->m[i].dev, 0);
	free(s->mc);
	s->mc = NULL;
}

/*
 * Socket options.  lwIP keeps the IP-level ones (SOF_* bits, TOS, TTL) and
 * TCP's in the pcb; timeouts and SO_LINGER live in the struct sock.
 */
#include <errno.h>
#include <netinet/in.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "../internal.h"
#include "netcfg.h"
#include "sock.h"

static struct ip_pcb *ip_pcb_of(struct sock *s)
{
	return s->tcp ? (struct ip_pcb *)(void *)s->tcp : (struct ip_pcb *)(void *)s->udp;
}

/* A bad timeval clears the timeout (Linux would keep the old one). */
static int set_timeout(uint64_t *ns, const void *v, socklen_t len)
{
	const struct timeval *tv = v;
	if (len < sizeof *tv || tv->tv_usec < 0 || tv->tv_usec >= 1000000 || tv->tv_sec < 0) {
		*ns = 0;
		return -EINVAL;
	}
	*ns = (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000;
	return 0;
}

static int set_socket_opt(struct sock *s, int name, const void *v, socklen_t len, int on)
{
	struct ip_pcb *ip = ip_pcb_of(s);
	switch (name) {
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_KEEPALIVE:
	case SO_BROADCAST: {
		u8_t opt = name == SO_KEEPALIVE ? SOF_KEEPALIVE : name == SO_BROADCAST ? SOF_BROADCAST : SOF_REUSEADDR;
		if (len < sizeof(int))
			return -EINVAL;
		if (ip) {
			if (on)
				ip_set_option(ip, opt);
			else
				ip_reset_option(ip, opt);
		}
		return 0;
	}
	case SO_RCVTIMEO: return set_timeout(&s->rcvtimeo, v, len);
	case SO_SNDTIMEO: return set_timeout(&s->sndtimeo, v, len);
	case SO_SNDBUF:
	case SO_RCVBUF:
		/* lwIP's buffers are sized at build time; the request is accepted
		 * and getsockopt reports what there really is. */
		return len < sizeof(int) ? -EINVAL : 0;
	case SO_BINDTODEVICE: {
		/* A NIC's name ("" or none: any): the socket's traffic on it only. */
		char name[IF_NAMESIZE] = "";
		memcpy(name, v, len < IF_NAMESIZE ? len : IF_NAMESIZE - 1);
		unsigned idx = name[0] ? if_nametoindex(name) : 0;
		struct netif *nif = idx ? tc_netcfg_netif((int)idx - 1) : NULL;
		if (name[0] && !nif)
			return -ENODEV;
		if (s->tcp)
			tcp_bind_netif(s->tcp, nif);
		if (s->udp)
			udp_bind_netif(s->udp, nif);
		return 0;
	}
	case SO_LINGER: {
		const struct linger *l = v;
		if (len < sizeof *l)
			return -EINVAL;
		s->linger_abort = l->l_onoff && l->l_linger == 0;
		return 0;
	}
	default: return -ENOPROTOOPT;
	}
}

static int set_tcp_opt(struct sock *s, int name, socklen_t len, int on)
{
	if (len < sizeof(int))
		return -EINVAL;
	if (!s->tcp)
		return -(s->err ? s->err : EINVAL);
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
	default: return -ENOPROTOOPT;
	}
}

/* Bound: a port, or (unbound or not) a stream that listens or connected. */
static int bound(const struct sock *s)
{
	return s->tcp ? s->tcp->local_port || s->state != SOCK_NEW : s->udp ? s->udp->local_port != 0 : 1;
}

static int set_ipv6_opt(struct sock *s, int name, const void *v, socklen_t len, int on)
{
	struct ip_pcb *ip = ip_pcb_of(s);
	if (len < sizeof(int))
		return -EINVAL;
	switch (name) {
	case IPV6_RECVPKTINFO:
		if (s->type != SOCK_DGRAM)
			return -ENOPROTOOPT;
		s->pktinfo6 = on != 0;
		return 0;
	case IPV6_PKTINFO: {
		/* Sticky: as Linux's UDP, only the NIC counts. */
		struct in6_pktinfo pi;
		if (s->type != SOCK_DGRAM)
			return -ENOPROTOOPT;
		if (len < sizeof pi)
			return -EINVAL;
		memcpy(&pi, v, sizeof pi);
		if (pi.ipi6_ifindex > (unsigned)plat_net_count())
			return -ENODEV;
		s->sticky_if6 = (uint8_t)pi.ipi6_ifindex;
		return 0;
	}
	case IPV6_V6ONLY:
		/* As Linux: only before the socket has an address. */
		if (bound(s))
			return -EINVAL;
		s->v6only = on != 0;
		if (ip)
			IP_SET_TYPE_VAL(ip->local_ip, s->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
		return 0;
	case IPV6_UNICAST_HOPS:
		if (on < -1 || on > 255)
			return -EINVAL;
		if (ip)
			ip->ttl = (u8_t)(on == -1 ? IP_DEFAULT_TTL : on);
		return 0;
	case IPV6_TCLASS:
		if (on < -1 || on > 255)
			return -EINVAL;
		if (ip)
			ip->tos = (u8_t)(on == -1 ? 0 : on);
		return 0;
	default: return -ENOPROTOOPT;
	}
}

static int set_opt(struct sock *s, int level, int name, const void *v, socklen_t len)
{
	if (!v)
		return -EFAULT;
	int on = len >= sizeof(int) ? *(const int *)v : 0;
	struct ip_pcb *ip = ip_pcb_of(s);
	if (level == SOL_SOCKET)
		return set_socket_opt(s, name, v, len, on);
	if (mcast_opt(level, name))
		return mcast_setopt(s, level, name, v, len);
	if (level == IPPROTO_TCP && s->type == SOCK_STREAM)
		return set_tcp_opt(s, name, len, on);
	if (level == IPPROTO_IP && name == IP_PKTINFO && s->type == SOCK_DGRAM && len >= sizeof(int)) {
		s->pktinfo = on != 0;
		return 0;
	}
	if (level == IPPROTO_IP && (name == IP_TOS || name == IP_TTL) && ip && len >= sizeof(int)) {
		if (name == IP_TOS)
			ip->tos = (u8_t)on;
		else
			ip->ttl = (u8_t)on;
		return 0;
	}
	if (level == IPPROTO_IPV6)
		return s->v6 ? set_ipv6_opt(s, name, v, len, on) : -ENOPROTOOPT;
	return -ENOPROTOOPT;
}

int inet_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	return set_opt(s, level, name, v, len);
}

static int put_int(void *v, socklen_t *len, int val)
{
	if (!v || !len || *len < sizeof(int))
		return -EINVAL;
	*(int *)v = val;
	*len = sizeof(int);
	return 0;
}

static int put_tv(void *v, socklen_t *len, uint64_t ns)
{
	struct timeval tv = { (time_t)(ns / 1000000000ULL), (suseconds_t)(ns % 1000000000ULL / 1000) };
	if (!v || !len || *len < sizeof tv)
		return -EINVAL;
	memcpy(v, &tv, sizeof tv);
	*len = sizeof tv;
	return 0;
}

static int get_socket_opt(struct sock *s, int name, void *v, socklen_t *len)
{
	struct ip_pcb *ip = ip_pcb_of(s);
	switch (name) {
	case SO_ERROR: {
		int err = s->err;
		s->err = 0;
		return put_int(v, len, err);
	}
	case SO_TYPE: return put_int(v, len, s->type);
	case SO_ACCEPTCONN: return put_int(v, len, s->state == SOCK_LISTENING);
	case SO_REUSEADDR: return put_int(v, len, ip && ip_get_option(ip, SOF_REUSEADDR) ? 1 : 0);
	case SO_KEEPALIVE: return put_int(v, len, ip && ip_get_option(ip, SOF_KEEPALIVE) ? 1 : 0);
	case SO_BROADCAST: return put_int(v, len, ip && ip_get_option(ip, SOF_BROADCAST) ? 1 : 0);
	case SO_SNDBUF: return put_int(v, len, TCP_SND_BUF);
	case SO_RCVBUF: return put_int(v, len, TCP_WND);
	case SO_RCVTIMEO: return put_tv(v, len, s->rcvtimeo);
	case SO_BINDTODEVICE: {
		int dev = ip && ip->netif_idx ? tc_netcfg_dev(netif_get_by_index(ip->netif_idx)) : -1;
		char name[IF_NAMESIZE] = "";
		if (dev >= 0 && !if_indextoname((unsigned)dev + 1, name))
			name[0] = 0;
		if (!v || !len)
			return -EINVAL;
		size_t n = strlen(name) + 1 < *len ? strlen(name) + 1 : *len;
		memcpy(v, name, n);
		*len = (socklen_t)n;
		return 0;
	}
	case SO_SNDTIMEO: return put_tv(v, len, s->sndtimeo);
	default: return -ENOPROTOOPT;
	}
}

int inet_getsockopt(int fd, int level, int name, void *v, socklen_t *len)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	if (level == SOL_SOCKET)
		return get_socket_opt(s, name, v, len);
	if (mcast_opt(level, name))
		return mcast_getopt(s, level, name, v, len);
	if (level == IPPROTO_IP && name == IP_PKTINFO && s->type == SOCK_DGRAM)
		return put_int(v, len, s->pktinfo);
	if (level == IPPROTO_TCP && name == TCP_NODELAY && s->tcp)
		return put_int(v, len, tcp_nagle_disabled(s->tcp) ? 1 : 0);
	struct ip_pcb *ip = ip_pcb_of(s);
	if (level == IPPROTO_IPV6 && s->v6) {
		if (name == IPV6_V6ONLY)
			return put_int(v, len, s->v6only);
		if (name == IPV6_RECVPKTINFO && s->type == SOCK_DGRAM)
			return put_int(v, len, s->pktinfo6);
		if (name == IPV6_UNICAST_HOPS && ip)
			return put_int(v, len, ip->ttl);
		if (name == IPV6_TCLASS && ip)
			return put_int(v, len, ip->tos);
	}
	if (level == IPPROTO_IP && ip && (name == IP_TTL || name == IP_TOS))
		return put_int(v, len, name == IP_TTL ? ip->ttl : ip->tos);
	return -ENOPROTOOPT;
}

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* One cmsg from sendmsg: IP_PKTINFO, or IPV6_PKTINFO on an AF_INET6 socket. */
static int take_cmsg(struct sock *s, const struct cmsghdr *c)
{
	if (s->type != SOCK_DGRAM)
		return -EINVAL;
	if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
		struct in_pktinfo pi;
		if (c->cmsg_len < CMSG_LEN(sizeof pi))
			return -EINVAL;
		memcpy(&pi, CMSG_DATA(c), sizeof pi);
		if (pi.ipi_ifindex < 0 || pi.ipi_ifindex > plat_net_count())
			return -ENXIO;
		s->tx_info.ifindex = pi.ipi_ifindex;
		memcpy(s->tx_info.addr, mapped_prefix, 12);
		memcpy(s->tx_info.addr + 12, &pi.ipi_spec_dst.s_addr, 4);
		s->tx_pktinfo = 1;
		return 0;
	}
	if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO && s->v6) {
		struct in6_pktinfo pi;
		if (c->cmsg_len < CMSG_LEN(sizeof pi))
			return -EINVAL;
		memcpy(&pi, CMSG_DATA(c), sizeof pi);
		if (pi.ipi6_ifindex > (unsigned)plat_net_count())
			return -ENODEV; /* as Linux */
		s->tx_info.ifindex = (int)pi.ipi6_ifindex;
		memcpy(s->tx_info.addr, pi.ipi6_addr.s6_addr, 16);
		s->tx_pktinfo = 2;
		return 0;
	}
	return -EINVAL;
}

/* Append a cmsg to recvmsg's control buffer (*used of it taken): cut, with
 * MSG_CTRUNC, when it does not fit (as Linux). */
static void put_cmsg(struct msghdr *m, size_t *used, int level, int type, const void *data, size_t len)
{
	size_t room = (m->msg_control ? m->msg_controllen : 0) - *used;
	size_t need = CMSG_LEN(len);
	if (need > room)
		m->msg_flags |= MSG_CTRUNC;
	if (room < sizeof(struct cmsghdr))
		return;
	struct cmsghdr h = { need < room ? need : room, level, type };
	char *at = (char *)m->msg_control + *used;
	memcpy(at, &h, sizeof h);
	memcpy(at + CMSG_LEN(0), data, h.cmsg_len - CMSG_LEN(0));
	*used += CMSG_SPACE(len) < room ? CMSG_SPACE(len) : room;
}

/* IP_PKTINFO and IPV6_PKTINFO in sendmsg (taken for the send that follows)
 * and recvmsg (the datagram just received, when the socket asked for it). */
int inet_cmsg(int fd, struct msghdr *m, int send)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	if (send) {
		s->tx_pktinfo = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
			if (c->cmsg_len < sizeof *c ||
			    c->cmsg_len > m->msg_controllen - (size_t)((char *)c - (char *)m->msg_control))
				return -EINVAL;
			if ((e = take_cmsg(s, c))) {
				s->tx_pktinfo = 0;
				return e;
			}
		}
		return 0;
	}
	size_t used = 0;
	if (s->type != SOCK_DGRAM || (!s->pktinfo && !s->pktinfo6))
		return -EINVAL;
	if (s->pktinfo6) {
		struct in6_pktinfo pi6;
		memcpy(pi6.ipi6_addr.s6_addr, s->rx_info.addr, 16);
		pi6.ipi6_ifindex = (unsigned)s->rx_info.ifindex;
		put_cmsg(m, &used, IPPROTO_IPV6, IPV6_PKTINFO, &pi6, sizeof pi6);
	}
	if (s->pktinfo && !memcmp(s->rx_info.addr, mapped_prefix, 12)) {
		struct in_pktinfo pi = { s->rx_info.ifindex, { 0 }, { 0 } };
		memcpy(&pi.ipi_spec_dst.s_addr, s->rx_info.addr + 12, 4);
		pi.ipi_addr = pi.ipi_spec_dst;
		put_cmsg(m, &used, IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi);
	}
	m->msg_controllen = (socklen_t)used;
	return 0;
}

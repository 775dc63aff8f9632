/*
 * Socket addresses: sockaddr_in and sockaddr_in6 to and from lwIP's, and
 * the calls that give a socket an address (bind, connect) or read one back.
 * An AF_INET6 socket is dual-stack, as on Linux: its IPv4 peers and
 * addresses are ::ffff:a.b.c.d, unless IPV6_V6ONLY.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "../internal.h"
#include "sock.h"
#include "stack6.h"

const ip_addr_t *sock_any(const struct sock *s)
{
	return !s->v6 ? IP4_ADDR_ANY : s->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
}

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int sockaddr_in_get(const struct sock *s, const struct sockaddr *a, socklen_t len, ip_addr_t *ip, u16_t *port)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)a;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
	if (!a)
		return -EFAULT;
	if (len < sizeof(sa_family_t))
		return -EINVAL;
	if (in->sin_family == AF_INET && (!s->v6 || !s->v6only)) {
		if (len < sizeof *in)
			return -EINVAL;
		ip_addr_set_ip4_u32(ip, in->sin_addr.s_addr);
		*port = ntohs(in->sin_port);
		return 0;
	}
	if (in->sin_family != AF_INET6 || !s->v6)
		return -EAFNOSUPPORT;
	if (len < sizeof *in6)
		return -EINVAL;
	*port = ntohs(in6->sin6_port);
	if (!memcmp(in6->sin6_addr.s6_addr, mapped_prefix, 12)) {
		uint32_t v4;
		if (s->v6only)
			return -ENETUNREACH; /* as Linux answers for a v4-mapped peer */
		memcpy(&v4, in6->sin6_addr.s6_addr + 12, 4);
		ip_addr_set_ip4_u32(ip, v4);
		return 0;
	}
	ip_addr_set_zero_ip6(ip);
	memcpy(ip_2_ip6(ip)->addr, in6->sin6_addr.s6_addr, 16);
	if (ip6_addr_has_scope(ip_2_ip6(ip), IP6_UNKNOWN)) {
		/* sin6_scope_id: an interface index (<net/if.h>), or 0 for the
		 * first device (Linux refuses 0; one device is the usual case). */
		u8_t zone = tc_net_zone(in6->sin6_scope_id ? in6->sin6_scope_id : 1);
		if (in6->sin6_scope_id && !zone)
			return -EINVAL;
		ip6_addr_set_zone(ip_2_ip6(ip), zone);
	}
	return 0;
}

void sockaddr_in_put(const struct sock *s, struct sockaddr *a, socklen_t *len, const ip_addr_t *ip, u16_t port)
{
	if (!a || !len)
		return;
	if (!s->v6) {
		struct sockaddr_in in = { 0 };
		in.sin_family = AF_INET;
		in.sin_port = htons(port);
		in.sin_addr.s_addr = ip && IP_IS_V4(ip) ? ip_addr_get_ip4_u32(ip) : 0;
		memcpy(a, &in, *len < sizeof in ? *len : sizeof in);
		*len = sizeof in;
		return;
	}
	struct sockaddr_in6 in6 = { 0 };
	in6.sin6_family = AF_INET6;
	in6.sin6_port = htons(port);
	if (ip && IP_IS_V4(ip) && !ip_addr_isany(ip)) {
		uint32_t v4 = ip_addr_get_ip4_u32(ip);
		memcpy(in6.sin6_addr.s6_addr, mapped_prefix, 12);
		memcpy(in6.sin6_addr.s6_addr + 12, &v4, 4);
	} else if (ip && IP_IS_V6(ip)) {
		memcpy(in6.sin6_addr.s6_addr, ip_2_ip6(ip)->addr, 16);
		if (ip6_addr_has_zone(ip_2_ip6(ip)))
			in6.sin6_scope_id = tc_net_scope(ip6_addr_zone(ip_2_ip6(ip)));
	}
	memcpy(a, &in6, *len < sizeof in6 ? *len : sizeof in6);
	*len = sizeof in6;
}

int inet_bind(int fd, const struct sockaddr *a, socklen_t len)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	ip_addr_t ip;
	u16_t port;
	if (!s)
		return e;
	if (s->v6 && a && len >= sizeof(sa_family_t) && a->sa_family != AF_INET6)
		return -EAFNOSUPPORT; /* as Linux: bind() takes the socket's own family */
	if ((e = sockaddr_in_get(s, a, len, &ip, &port)))
		return e;
	if (s->v6 && IP_IS_V6(&ip) && ip_addr_isany(&ip))
		ip_addr_copy(ip, *sock_any(s)); /* ::, both families unless V6ONLY */
	err_t r = s->tcp ? tcp_bind(s->tcp, &ip, port) : s->udp ? udp_bind(s->udp, &ip, port) : ERR_CLSD;
	return r == ERR_OK ? 0 : -sock_errno(r);
}

int inet_connect(int fd, const struct sockaddr *a, socklen_t len)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	ip_addr_t ip;
	u16_t port;
	if (!s)
		return e;
	if ((e = sockaddr_in_get(s, a, len, &ip, &port)))
		return e;
	if (s->type == SOCK_DGRAM)
		return udp_connect(s->udp, &ip, port) == ERR_OK ? 0 : -EINVAL;
	return stream_connect(s, &ip, port);
}

int inet_getsockname(int fd, struct sockaddr *a, socklen_t *len)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	if (!a || !len)
		return -EFAULT;
	if (s->tcp)
		sockaddr_in_put(s, a, len, &s->tcp->local_ip, s->tcp->local_port);
	else if (s->udp)
		sockaddr_in_put(s, a, len, &s->udp->local_ip, s->udp->local_port);
	else
		sockaddr_in_put(s, a, len, NULL, 0);
	return 0;
}

int inet_getpeername(int fd, struct sockaddr *a, socklen_t *len)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	if (!a || !len)
		return -EFAULT;
	if (s->tcp && s->state == SOCK_CONNECTED)
		sockaddr_in_put(s, a, len, &s->tcp->remote_ip, s->tcp->remote_port);
	else if (s->udp && (s->udp->flags & UDP_FLAGS_CONNECTED))
		sockaddr_in_put(s, a, len, &s->udp->remote_ip, s->udp->remote_port);
	else
		return -ENOTCONN;
	return 0;
}

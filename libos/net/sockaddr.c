/*
 * Socket addresses: sockaddr_in to and from lwIP's, and the calls that
 * give a socket an address (bind, connect) or read one back.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "../internal.h"
#include "sock.h"

int sockaddr_in_get(const struct sockaddr *a, socklen_t len, ip_addr_t *ip, u16_t *port)
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

void sockaddr_in_put(struct sockaddr *a, socklen_t *len, const ip_addr_t *ip, u16_t port)
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

int inet_bind(int fd, const struct sockaddr *a, socklen_t len)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	ip_addr_t ip;
	u16_t port;
	if (!s)
		return e;
	if ((e = sockaddr_in_get(a, len, &ip, &port)))
		return e;
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
	if ((e = sockaddr_in_get(a, len, &ip, &port)))
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
		sockaddr_in_put(a, len, &s->tcp->local_ip, s->tcp->local_port);
	else if (s->udp)
		sockaddr_in_put(a, len, &s->udp->local_ip, s->udp->local_port);
	else
		sockaddr_in_put(a, len, NULL, 0);
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
		sockaddr_in_put(a, len, &s->tcp->remote_ip, s->tcp->remote_port);
	else if (s->udp && (s->udp->flags & UDP_FLAGS_CONNECTED))
		sockaddr_in_put(a, len, &s->udp->remote_ip, s->udp->remote_port);
	else
		return -ENOTCONN;
	return 0;
}

/*
 * The data calls: each finds the socket and hands the bytes to its type's
 * path (tcp.c, udp.c); the msghdr forms gather and scatter around them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../internal.h"
#include "sock.h"

ssize_t inet_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	return s->type == SOCK_STREAM ? stream_send(s, buf, len, flags) : dgram_send(s, buf, len, to, tolen);
}

ssize_t inet_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return e;
	ssize_t r;
	if (s->type == SOCK_STREAM) {
		r = stream_recv(s, buf, len, flags);
		if (r >= 0 && from && fromlen && s->tcp)
			sockaddr_in_put(s, from, fromlen, &s->tcp->remote_ip, s->tcp->remote_port);
	} else {
		r = dgram_recv(s, buf, len, flags, from, fromlen);
	}
	return r;
}

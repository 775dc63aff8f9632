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

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return sys_fail(-e);
	return sys_ret(s->type == SOCK_STREAM ? stream_send(s, buf, len, flags) : dgram_send(s, buf, len, to, tolen));
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	int e = 0;
	struct sock *s = sock_get(fd, &e);
	if (!s)
		return sys_fail(-e);
	ssize_t r;
	if (s->type == SOCK_STREAM) {
		r = stream_recv(s, buf, len, flags);
		if (r >= 0 && from && fromlen && s->tcp)
			sockaddr_in_put(from, fromlen, &s->tcp->remote_ip, s->tcp->remote_port);
	} else {
		r = dgram_recv(s, buf, len, flags, from, fromlen);
	}
	return sys_ret(r);
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

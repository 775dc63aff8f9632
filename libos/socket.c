/*
 * The socket calls: each finds the open file and hands the call to its
 * family (sockops.h).  sendmsg/recvmsg gather and scatter around
 * sendto/recvfrom, so a datagram stays one datagram.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fd.h"
#include "internal.h"
#include "sockops.h"

/* Weak: defined only when libtcnet.a's object is linked (sockops.h). */
extern int inet_socket(int domain, int type, int protocol) __attribute__((weak));

/* The family's ops behind fd, or NULL with errno set. */
static const struct sock_ops *ops_of(int fd)
{
	struct file *f = fd_get(fd);
	if (!f) {
		errno = EBADF;
		return NULL;
	}
	if (!f->ops->sock) {
		errno = ENOTSOCK;
		return NULL;
	}
	return f->ops->sock;
}

int socket(int domain, int type, int protocol)
{
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM && kind != SOCK_SEQPACKET && kind != SOCK_RAW)
		return sys_fail(EINVAL);
	if (domain == AF_UNIX)
		return (int)sys_ret(unix_socket(type, protocol));
	if ((domain == AF_INET || domain == AF_INET6) && inet_socket)
		return (int)sys_ret(inet_socket(domain, type, protocol));
	return sys_fail(EAFNOSUPPORT);
}

int socketpair(int domain, int type, int protocol, int fds[2])
{
	if (domain != AF_UNIX)
		return sys_fail(domain == AF_INET || domain == AF_INET6 ? EOPNOTSUPP : EAFNOSUPPORT);
	if (!fds)
		return sys_fail(EFAULT);
	return (int)sys_ret(unix_socketpair(type, protocol, fds));
}

#define CALL(fd, op, ...)                                                                                              \
	do {                                                                                                           \
		const struct sock_ops *o = ops_of(fd);                                                                 \
		if (!o)                                                                                                \
			return -1;                                                                                     \
		if (!o->op)                                                                                            \
			return sys_fail(EOPNOTSUPP);                                                                   \
		return sys_ret(o->op(fd, __VA_ARGS__));                                                                \
	} while (0)

int bind(int fd, const struct sockaddr *a, socklen_t len)
{
	CALL(fd, bind, a, len);
}

int listen(int fd, int backlog)
{
	CALL(fd, listen, backlog);
}

int accept4(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return sys_fail(EINVAL);
	CALL(fd, accept, a, len, flags);
}

int accept(int fd, struct sockaddr *a, socklen_t *len)
{
	return accept4(fd, a, len, 0);
}

int connect(int fd, const struct sockaddr *a, socklen_t len)
{
	CALL(fd, connect, a, len);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	CALL(fd, sendto, buf, len, flags, to, tolen);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	CALL(fd, recvfrom, buf, len, flags, from, fromlen);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return recvfrom(fd, buf, len, flags, NULL, NULL);
}

int shutdown(int fd, int how)
{
	CALL(fd, shutdown, how);
}

int getsockopt(int fd, int level, int name, void *v, socklen_t *len)
{
	CALL(fd, getsockopt, level, name, v, len);
}

int setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	CALL(fd, setsockopt, level, name, v, len);
}

int getsockname(int fd, struct sockaddr *a, socklen_t *len)
{
	CALL(fd, getsockname, a, len);
}

int getpeername(int fd, struct sockaddr *a, socklen_t *len)
{
	CALL(fd, getpeername, a, len);
}

static size_t iov_total(const struct msghdr *m)
{
	size_t total = 0;
	for (int i = 0; i < m->msg_iovlen; i++)
		total += m->msg_iov[i].iov_len;
	return total;
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	if (!m || (m->msg_iovlen && !m->msg_iov) || m->msg_iovlen < 0)
		return sys_fail(m ? EINVAL : EFAULT);
	const struct sock_ops *o = ops_of(fd);
	if (!o)
		return -1;
	/* Several pieces are gathered first: nothing can fail between the
	 * control message taken (for this send only) and the send. */
	char *buf = NULL;
	size_t total = 0;
	if (m->msg_iovlen != 1) {
		total = iov_total(m);
		if (!(buf = malloc(total ? total : 1)))
			return sys_fail(ENOMEM);
		size_t at = 0;
		for (int i = 0; i < m->msg_iovlen; i++) {
			memcpy(buf + at, m->msg_iov[i].iov_base, m->msg_iov[i].iov_len);
			at += m->msg_iov[i].iov_len;
		}
	}
	/* Passing descriptors or credentials (SCM_RIGHTS...) is not done;
	 * AF_INET takes IP_PKTINFO, AF_INET6 IPV6_PKTINFO too. */
	if (m->msg_control && m->msg_controllen) {
		int e = o->cmsg ? o->cmsg(fd, (struct msghdr *)m, 1) : -EOPNOTSUPP;
		if (e < 0) {
			free(buf);
			return sys_fail(-e);
		}
	}
	if (!buf)
		return sendto(fd, m->msg_iov[0].iov_base, m->msg_iov[0].iov_len, flags, m->msg_name, m->msg_namelen);
	ssize_t r = sendto(fd, buf, total, flags, m->msg_name, m->msg_namelen);
	free(buf);
	return r;
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	if (!m || (m->msg_iovlen && !m->msg_iov) || m->msg_iovlen < 0)
		return sys_fail(m ? EINVAL : EFAULT);
	const struct sock_ops *o = ops_of(fd);
	if (!o)
		return -1;
	socklen_t *namelen = m->msg_name ? &m->msg_namelen : NULL;
	ssize_t r;
	if (m->msg_iovlen == 1) {
		r = recvfrom(fd, m->msg_iov[0].iov_base, m->msg_iov[0].iov_len, flags, m->msg_name, namelen);
	} else {
		size_t total = iov_total(m);
		char *buf = malloc(total ? total : 1);
		if (!buf)
			return sys_fail(ENOMEM);
		r = recvfrom(fd, buf, total, flags, m->msg_name, namelen);
		size_t at = 0;
		for (int i = 0; r > 0 && i < m->msg_iovlen && at < (size_t)r; i++) {
			size_t n = m->msg_iov[i].iov_len < (size_t)r - at ? m->msg_iov[i].iov_len : (size_t)r - at;
			memcpy(m->msg_iov[i].iov_base, buf + at, n);
			at += n;
		}
		free(buf);
	}
	if (r >= 0) {
		m->msg_flags = 0;
		if (!o->cmsg || o->cmsg(fd, m, 0) < 0)
			m->msg_controllen = 0;
	}
	return r;
}

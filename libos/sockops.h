/*
 * The socket calls (libos-internal).  socket.c holds the POSIX entry points
 * (socket, bind, send...) in libos itself: each finds the open file and
 * calls its family's sock_ops (file_ops.sock).  AF_UNIX (unix.c) is part of
 * libos; AF_INET (net/, over lwIP) is in libtcnet.a and is reached through
 * a weak reference, so an app that only uses AF_UNIX never links lwIP.  The
 * headers an AF_INET program includes (<netinet/in.h>, <arpa/inet.h>) carry
 * an undefined reference to __tincan_inet_socket, which pulls libtcnet.a's
 * object in.  Every op takes the descriptor (its file is known to be of
 * the family) and returns a count, 0, or a negative errno.
 */
#ifndef LIBOS_SOCKOPS_H
#define LIBOS_SOCKOPS_H

#include <sys/socket.h>
#include <sys/types.h>

struct sock_ops {
	int (*bind)(int fd, const struct sockaddr *a, socklen_t len);
	int (*listen)(int fd, int backlog);
	int (*accept)(int fd, struct sockaddr *a, socklen_t *len, int flags); /* the new fd */
	int (*connect)(int fd, const struct sockaddr *a, socklen_t len);
	ssize_t (*sendto)(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen);
	ssize_t (*recvfrom)(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen);
	int (*shutdown)(int fd, int how);
	int (*getsockopt)(int fd, int level, int name, void *v, socklen_t *len);
	int (*setsockopt)(int fd, int level, int name, const void *v, socklen_t len);
	int (*getsockname)(int fd, struct sockaddr *a, socklen_t *len);
	int (*getpeername)(int fd, struct sockaddr *a, socklen_t *len);
	/* Ancillary data: sendmsg's before its send (send 1: taken in, or
	 * -EINVAL), recvmsg's after its receive (send 0: m's control filled,
	 * msg_controllen set).  NULL: none, then sendmsg's is refused. */
	int (*cmsg)(int fd, struct msghdr *m, int send);
};

#define unix_socket __tincan_unix_socket
#define unix_socketpair __tincan_unix_socketpair
#define inet_socket __tincan_inet_socket

/* unix.c: a new socket's descriptor, or a negative errno. */
int unix_socket(int type, int protocol);
int unix_socketpair(int type, int protocol, int fds[2]);
/* net/sock.c, in libtcnet.a: linked when the app includes <netinet/in.h>
 * or <arpa/inet.h> or calls the resolver. */
int inet_socket(int domain, int type, int protocol); /* AF_INET or AF_INET6 */

#endif

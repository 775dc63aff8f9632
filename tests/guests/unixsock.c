/*
 * AF_UNIX sockets inside one guest (tests/unixsock.bats).  No arguments:
 * TAP checks run in the guest.  This program includes no <netinet/in.h>,
 * so its image must not link lwIP (the bats file checks).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../tap.h"

static socklen_t addr_of(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t abstract_of(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void creation(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(s >= 3, "socket(AF_UNIX, SOCK_STREAM)");
	int t = 0;
	socklen_t len = sizeof t;
	ok(getsockopt(s, SOL_SOCKET, SO_TYPE, &t, &len) == 0 && t == SOCK_STREAM && len == sizeof t, "SO_TYPE");
	len = sizeof t;
	ok(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &t, &len) == 0 && t > 0, "SO_SNDBUF %d", t);
	len = sizeof t;
	ok(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &t, &len) == 0 && t > 0, "SO_RCVBUF %d", t);
	len = sizeof t;
	ok(getsockopt(s, SOL_SOCKET, SO_ERROR, &t, &len) == 0 && t == 0, "SO_ERROR 0");
	errno = 0;
	ok(getsockopt(s, 0, 1, &t, &len) == -1 && errno == ENOPROTOOPT, "other level: ENOPROTOOPT");
	struct stat st;
	ok(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode), "fstat: S_IFSOCK");
	close(s);
	int d = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ok(d >= 0 && (fcntl(d, F_GETFL) & O_NONBLOCK) && (fcntl(d, F_GETFD) & FD_CLOEXEC),
	   "SOCK_DGRAM with SOCK_NONBLOCK | SOCK_CLOEXEC");
	close(d);
	int q = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ok(q >= 0, "SOCK_SEQPACKET");
	close(q);
	errno = 0;
	ok(socket(AF_UNIX, SOCK_RAW, 0) == -1 && errno == EPROTONOSUPPORT, "SOCK_RAW: refused");
	errno = 0;
	ok(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT,
	   "AF_INET without the stack linked: EAFNOSUPPORT");
	errno = 0;
	ok(socket(AF_UNIX, SOCK_STREAM, 7) == -1 && errno == EPROTONOSUPPORT, "a protocol: EPROTONOSUPPORT");
	int p[2];
	ok(pipe(p) == 0, "a pipe");
	int avail = -1;
	ok(write(p[1], "abc", 3) == 3 && ioctl(p[0], FIONREAD, &avail) == 0 && avail == 3, "FIONREAD on a pipe: 3");
	errno = 0;
	ok(bind(p[0], NULL, 0) == -1 && errno == ENOTSOCK, "bind on a pipe: ENOTSOCK");
	errno = 0;
	ok(send(99, "x", 1, 0) == -1 && errno == EBADF, "send on a bad fd: EBADF");
	close(p[0]);
	close(p[1]);
}

struct server {
	int l, fd;
};

static void *accept_one(void *arg)
{
	struct server *sv = arg;
	sv->fd = accept(sv->l, NULL, NULL);
	return NULL;
}

static void names(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = addr_of(&a, "/tmp/us.sock");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	ok(connect(c, (struct sockaddr *)&a, alen) == -1 && errno == ENOENT, "connect to no such name: ENOENT");
	ok(bind(l, (struct sockaddr *)&a, alen) == 0, "bind /tmp/us.sock");
	struct stat st;
	ok(stat("/tmp/us.sock", &st) == 0, "the socket file appears in /tmp");
	errno = 0;
	ok(bind(l, (struct sockaddr *)&a, alen) == -1 && errno == EINVAL, "bind twice: EINVAL");
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	ok(bind(l2, (struct sockaddr *)&a, alen) == -1 && errno == EADDRINUSE, "bind to a used name: EADDRINUSE");
	errno = 0;
	ok(connect(c, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED,
	   "connect before listen: ECONNREFUSED");
	struct sockaddr_un bad = a;
	bad.sun_family = AF_INET;
	errno = 0;
	ok(bind(l2, (struct sockaddr *)&bad, alen) == -1 && errno == EINVAL, "bind with AF_INET: EINVAL");
	errno = 0;
	ok(bind(l2, (struct sockaddr *)&a, 1) == -1 && errno == EINVAL, "bind with a short length: EINVAL");
	socklen_t nlen = addr_of(&b, "/nonexistent-dir/x.sock");
	errno = 0;
	ok(bind(l2, (struct sockaddr *)&b, nlen) == -1 && errno == ENOENT, "bind in a missing directory: ENOENT");
	close(l2);

	ok(listen(l, 5) == 0, "listen");
	struct sockaddr_un got;
	socklen_t glen = sizeof got;
	ok(getsockname(l, (struct sockaddr *)&got, &glen) == 0 && glen == alen && !strcmp(got.sun_path, "/tmp/us.sock"),
	   "getsockname of the listener");
	ok(connect(c, (struct sockaddr *)&a, alen) == 0, "connect (queued for accept)");
	errno = 0;
	ok(connect(c, (struct sockaddr *)&a, alen) == -1 && errno == EISCONN, "connect again: EISCONN");
	glen = sizeof got;
	ok(getpeername(c, (struct sockaddr *)&got, &glen) == 0 && !strcmp(got.sun_path, "/tmp/us.sock"),
	   "getpeername of the client: the listener's name");
	glen = sizeof got;
	struct sockaddr_un peer;
	int s = accept(l, (struct sockaddr *)&peer, &glen);
	ok(s >= 0 && glen == sizeof(sa_family_t) && peer.sun_family == AF_UNIX, "accept: an unnamed peer");
	glen = sizeof got;
	ok(getsockname(s, (struct sockaddr *)&got, &glen) == 0 && !strcmp(got.sun_path, "/tmp/us.sock"),
	   "the accepted socket has the listener's name");
	glen = sizeof got;
	errno = 0;
	ok(getpeername(l, (struct sockaddr *)&got, &glen) == -1 && errno == ENOTCONN,
	   "getpeername of a listener: ENOTCONN");
	struct ucred cr;
	socklen_t clen = sizeof cr;
	ok(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &clen) == 0 && clen == sizeof cr && cr.pid == getpid() &&
	       cr.uid == getuid() && cr.gid == getgid(),
	   "SO_PEERCRED: ourselves (pid %d)", (int)cr.pid);
	char buf[16];
	ok(send(c, "ping", 4, 0) == 4 && recv(s, buf, sizeof buf, 0) == 4 && !memcmp(buf, "ping", 4), "send/recv");
	ok(write(s, "pong", 4) == 4 && read(c, buf, sizeof buf) == 4 && !memcmp(buf, "pong", 4), "write/read");
	close(s);
	close(c);

	/* accept4 with flags, blocking accept woken by connect. */
	struct server sv = { l, -1 };
	pthread_t th;
	pthread_create(&th, NULL, accept_one, &sv);
	sched_yield();
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(connect(c, (struct sockaddr *)&a, alen) == 0, "connect to a thread blocked in accept");
	pthread_join(th, NULL);
	ok(sv.fd >= 0, "the blocked accept returns");
	close(sv.fd);
	close(c);
	int fl = fcntl(l, F_GETFL);
	fcntl(l, F_SETFL, fl | O_NONBLOCK);
	errno = 0;
	ok(accept(l, NULL, NULL) == -1 && errno == EAGAIN, "non-blocking accept with none pending: EAGAIN");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, alen);
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ok(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC),
	   "accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC");
	errno = 0;
	ok(accept4(l, NULL, NULL, 0x1) == -1 && errno == EINVAL, "accept4 with a bad flag: EINVAL");
	close(s);
	close(c);
	errno = 0;
	ok(accept(c + 100, NULL, NULL) == -1 && errno == EBADF, "accept on a bad fd: EBADF");
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	ok(accept(u, NULL, NULL) == -1 && errno == EINVAL, "accept on a socket not listening: EINVAL");
	close(u);

	close(l);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	ok(connect(c, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED,
	   "connect once the listener is closed: ECONNREFUSED");
	ok(unlink("/tmp/us.sock") == 0 && stat("/tmp/us.sock", &st) == -1, "unlink removes the name");
	errno = 0;
	ok(connect(c, (struct sockaddr *)&a, alen) == -1 && errno == ENOENT, "then connect: ENOENT");
	close(c);

	/* Abstract names. */
	struct sockaddr_un ab;
	socklen_t ablen = abstract_of(&ab, "tincan-abstract");
	l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	errno = 0;
	ok(connect(c, (struct sockaddr *)&ab, ablen) == -1 && errno == ECONNREFUSED,
	   "connect to an unknown abstract name: ECONNREFUSED");
	ok(bind(l, (struct sockaddr *)&ab, ablen) == 0 && listen(l, 1) == 0, "bind and listen on an abstract name");
	l2 = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	errno = 0;
	ok(bind(l2, (struct sockaddr *)&ab, ablen) == -1 && errno == EADDRINUSE, "the abstract name is in use");
	close(l2);
	int st2 = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	ok(connect(st2, (struct sockaddr *)&ab, ablen) == -1 && errno == EPROTOTYPE,
	   "a stream to a seqpacket listener: EPROTOTYPE");
	close(st2);
	ok(connect(c, (struct sockaddr *)&ab, ablen) == 0, "connect by abstract name");
	glen = sizeof got;
	ok(getpeername(c, (struct sockaddr *)&got, &glen) == 0 && glen == ablen && got.sun_path[0] == 0 &&
	       !memcmp(got.sun_path + 1, "tincan-abstract", 15),
	   "getpeername: the abstract name");
	/* The backlog (1) is full: a non-blocking connect fails. */
	int c2 = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
	errno = 0;
	ok(connect(c2, (struct sockaddr *)&ab, ablen) == -1 && errno == EAGAIN, "backlog full: EAGAIN");
	close(c2);
	s = accept(l, NULL, NULL);
	ok(s >= 0, "accept the seqpacket connection");
	close(s);
	close(c);
	close(l);
	/* The name is free once its socket is closed. */
	l = socket(AF_UNIX, SOCK_DGRAM, 0);
	ok(bind(l, (struct sockaddr *)&ab, ablen) == 0, "an abstract name is free again after close");
	close(l);
	/* Autobind: bind with only the family. */
	l = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un fam = { .sun_family = AF_UNIX };
	glen = sizeof got;
	ok(bind(l, (struct sockaddr *)&fam, sizeof(sa_family_t)) == 0 &&
	       getsockname(l, (struct sockaddr *)&got, &glen) == 0 && got.sun_path[0] == 0 && glen > 3,
	   "autobind gives an abstract name");
	close(l);
}

static int pipes_seen;
static void on_pipe(int sig)
{
	(void)sig;
	pipes_seen++;
}

static void shutdown_and_close(void)
{
	int sv[2];
	char buf[64];
	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair(SOCK_STREAM)");
	ok(write(sv[0], "abc", 3) == 3 && shutdown(sv[0], SHUT_WR) == 0, "write, then shutdown(SHUT_WR)");
	ok(read(sv[1], buf, sizeof buf) == 3, "the data arrives");
	ok(read(sv[1], buf, sizeof buf) == 0, "then EOF (0)");
	errno = 0;
	signal(SIGPIPE, on_pipe);
	ok(write(sv[0], "x", 1) == -1 && errno == EPIPE && pipes_seen == 1, "write after SHUT_WR: SIGPIPE, then EPIPE");
	signal(SIGPIPE, SIG_IGN);
	ok(write(sv[1], "back", 4) == 4 && read(sv[0], buf, sizeof buf) == 4, "the other direction still works");
	errno = 0;
	ok(shutdown(sv[0], 9) == -1 && errno == EINVAL, "shutdown with a bad how: EINVAL");
	close(sv[1]);
	errno = 0;
	signal(SIGPIPE, on_pipe);
	ok(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE && pipes_seen == 1,
	   "send to a closed peer: EPIPE, no SIGPIPE with MSG_NOSIGNAL");
	signal(SIGPIPE, SIG_IGN);
	struct pollfd p = { sv[0], POLLIN | POLLOUT, 0 };
	ok(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP), "poll: POLLHUP once the peer is gone");
	close(sv[0]);

	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "another pair");
	write(sv[0], "unread", 6);
	close(sv[1]); /* with data it never read */
	errno = 0;
	ok(read(sv[0], buf, sizeof buf) == -1 && errno == ECONNRESET, "peer closed with unread data: ECONNRESET");
	ok(read(sv[0], buf, sizeof buf) == 0, "then EOF");
	close(sv[0]);

	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && shutdown(sv[1], SHUT_RD) == 0, "shutdown(SHUT_RD)");
	errno = 0;
	ok(write(sv[0], "x", 1) == -1 && errno == EPIPE, "the peer's write then: EPIPE");
	ok(read(sv[1], buf, sizeof buf) == 0, "and the reader sees EOF");
	struct sockaddr_un any;
	socklen_t anylen = addr_of(&any, "/tmp/x");
	errno = 0;
	ok(sendto(sv[1], "x", 1, 0, (struct sockaddr *)&any, anylen) == -1 && errno == EISCONN,
	   "sendto with a name on a connected stream: EISCONN");
	close(sv[0]);
	close(sv[1]);

	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	ok(shutdown(u, SHUT_RDWR) == -1 && errno == ENOTCONN, "shutdown unconnected: ENOTCONN");
	errno = 0;
	ok(send(u, "x", 1, 0) == -1 && errno == ENOTCONN, "send unconnected: ENOTCONN");
	close(u);
}

static void nonblocking(void)
{
	int sv[2];
	char buf[4096];
	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "a pair for non-blocking calls");
	errno = 0;
	ok(recv(sv[0], buf, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN, "MSG_DONTWAIT on an empty socket: EAGAIN");
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	errno = 0;
	ok(read(sv[0], buf, 1) == -1 && errno == EAGAIN, "O_NONBLOCK read: EAGAIN");
	memset(buf, 'x', sizeof buf);
	size_t total = 0;
	ssize_t n;
	while ((n = write(sv[0], buf, sizeof buf)) > 0)
		total += (size_t)n;
	ok(n == -1 && errno == EAGAIN && total > 0, "fill the peer's buffer: %zu bytes, then EAGAIN", total);
	struct pollfd p = { sv[0], POLLOUT, 0 };
	ok(poll(&p, 1, 0) == 0, "poll: not writable when full");
	int avail = -1;
	ok(ioctl(sv[1], FIONREAD, &avail) == 0 && (size_t)avail == total, "FIONREAD on a stream: %d", avail);
	ok(recv(sv[1], buf, 10, 0) == 10 && poll(&p, 1, 0) == 1 && (p.revents & POLLOUT),
	   "writable again after a read");
	ok(recv(sv[1], buf, 4, MSG_PEEK) == 4 && recv(sv[1], buf + 4, 4, 0) == 4 && !memcmp(buf, buf + 4, 4),
	   "MSG_PEEK leaves the data");
	struct timeval tv = { 0, 20000 };
	ok(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO");
	close(sv[0]);
	close(sv[1]);
	ok(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "a datagram pair");
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	errno = 0;
	ok(recv(sv[1], buf, 1, 0) == -1 && errno == EAGAIN, "a receive timeout: EAGAIN");
	close(sv[0]);
	close(sv[1]);
}

static void boundaries(void)
{
	int types[2] = { SOCK_DGRAM, SOCK_SEQPACKET };
	for (int k = 0; k < 2; k++) {
		const char *name = types[k] == SOCK_DGRAM ? "DGRAM" : "SEQPACKET";
		int sv[2];
		char buf[64];
		ok(socketpair(AF_UNIX, types[k], 0, sv) == 0, "socketpair(%s)", name);
		send(sv[0], "one", 3, 0);
		send(sv[0], "three", 5, 0);
		send(sv[0], "", 0, 0);
		send(sv[0], "a long message", 14, 0);
		int avail = -1;
		ok(ioctl(sv[1], FIONREAD, &avail) == 0 && avail == (types[k] == SOCK_DGRAM ? 3 : 22), "%s: FIONREAD %d",
		   name, avail);
		ok(recv(sv[1], buf, sizeof buf, 0) == 3 && !memcmp(buf, "one", 3), "%s: first message whole", name);
		ok(recv(sv[1], buf, sizeof buf, MSG_PEEK) == 5 && recv(sv[1], buf, sizeof buf, 0) == 5 &&
		       !memcmp(buf, "three", 5),
		   "%s: second message whole (peeked first)", name);
		ok(recv(sv[1], buf, sizeof buf, 0) == 0, "%s: an empty message", name);
		ok(recv(sv[1], buf, 6, MSG_TRUNC) == 14 && !memcmp(buf, "a long", 6),
		   "%s: a short buffer truncates (MSG_TRUNC says 14)", name);
		errno = 0;
		ok(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN, "%s: the rest was dropped",
		   name);
		struct iovec iov[2] = { { buf, 2 }, { buf + 10, 10 } };
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
		struct iovec siov[2] = { { "he", 2 }, { "llo", 3 } };
		struct msghdr sm = { .msg_iov = siov, .msg_iovlen = 2 };
		ok(sendmsg(sv[0], &sm, 0) == 5, "%s: sendmsg gathers", name);
		ok(recvmsg(sv[1], &m, 0) == 5 && !memcmp(buf, "he", 2) && !memcmp(buf + 10, "llo", 3),
		   "%s: recvmsg scatters one message", name);
		char ctl[32] = { 0 };
		sm.msg_control = ctl;
		sm.msg_controllen = sizeof ctl;
		errno = 0;
		ok(sendmsg(sv[0], &sm, 0) == -1 && errno == EOPNOTSUPP, "%s: control messages: EOPNOTSUPP", name);
		close(sv[0]);
		close(sv[1]);
	}

	/* Unconnected datagrams between named sockets. */
	struct sockaddr_un a, b, from;
	socklen_t alen = addr_of(&a, "/tmp/dg-a"), blen = addr_of(&b, "/tmp/dg-b");
	int da = socket(AF_UNIX, SOCK_DGRAM, 0), db = socket(AF_UNIX, SOCK_DGRAM, 0);
	ok(bind(da, (struct sockaddr *)&a, alen) == 0 && bind(db, (struct sockaddr *)&b, blen) == 0,
	   "bind two datagram sockets");
	ok(sendto(da, "to b", 4, 0, (struct sockaddr *)&b, blen) == 4, "sendto by name");
	char buf[16];
	socklen_t flen = sizeof from;
	ok(recvfrom(db, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) == 4 &&
	       !strcmp(from.sun_path, "/tmp/dg-a"),
	   "recvfrom: the sender's name");
	errno = 0;
	ok(send(da, "x", 1, 0) == -1 && errno == ENOTCONN, "send without a peer: ENOTCONN");
	struct sockaddr_un nowhere;
	socklen_t nlen = addr_of(&nowhere, "/tmp/nowhere");
	errno = 0;
	ok(sendto(da, "x", 1, 0, (struct sockaddr *)&nowhere, nlen) == -1 && errno == ENOENT,
	   "sendto no such name: ENOENT");
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa;
	socklen_t salen = addr_of(&sa, "/tmp/dg-stream");
	bind(ls, (struct sockaddr *)&sa, salen);
	errno = 0;
	ok(sendto(da, "x", 1, 0, (struct sockaddr *)&sa, salen) == -1 && errno == EPROTOTYPE,
	   "sendto a stream socket's name: EPROTOTYPE");
	close(ls);
	unlink("/tmp/dg-stream");
	ok(connect(da, (struct sockaddr *)&b, blen) == 0 && send(da, "c", 1, 0) == 1 && recv(db, buf, 1, 0) == 1,
	   "connect a datagram socket, then send");
	close(db);
	errno = 0;
	ok(send(da, "x", 1, 0) == -1 && errno == ECONNREFUSED, "the receiver is closed: ECONNREFUSED");
	close(da);
	unlink("/tmp/dg-a");
	unlink("/tmp/dg-b");

	int big = socket(AF_UNIX, SOCK_DGRAM, 0);
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	char *huge = calloc(1, 1 << 20);
	errno = 0;
	ok(send(sv[0], huge, 1 << 20, 0) == -1 && errno == EMSGSIZE, "a 1 MiB datagram: EMSGSIZE");
	free(huge);
	close(sv[0]);
	close(sv[1]);
	close(big);
	errno = 0;
	ok(socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EOPNOTSUPP, "socketpair(AF_INET): EOPNOTSUPP");
	errno = 0;
	ok(socketpair(AF_UNIX, SOCK_RAW, 0, sv) == -1 && errno == EPROTONOSUPPORT, "socketpair(SOCK_RAW): refused");
}

/* Two threads, 10 MB over a stream, with checksums. */
#define BULK (10 * 1024 * 1024)

static uint32_t fnv(uint32_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

struct bulk {
	int fd;
	uint32_t sum;
	size_t bytes;
};

static void *bulk_writer(void *arg)
{
	struct bulk *b = arg;
	static unsigned char buf[65536 + 17];
	uint32_t x = 12345;
	b->sum = 2166136261u;
	while (b->bytes < BULK) {
		size_t n = 1 + (x % sizeof buf);
		if (n > BULK - b->bytes)
			n = BULK - b->bytes;
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)((x = x * 1103515245 + 12345) >> 16);
		size_t off = 0;
		while (off < n) {
			ssize_t w = write(b->fd, buf + off, n - off);
			if (w <= 0)
				return NULL;
			off += (size_t)w;
		}
		b->sum = fnv(b->sum, buf, n);
		b->bytes += n;
	}
	close(b->fd);
	return NULL;
}

static void bulk(void)
{
	struct sockaddr_un a;
	socklen_t alen = addr_of(&a, "/tmp/bulk.sock");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&a, alen);
	listen(l, 1);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, alen);
	int s = accept(l, NULL, NULL);
	struct bulk w = { c, 0, 0 };
	pthread_t th;
	pthread_create(&th, NULL, bulk_writer, &w);
	static unsigned char buf[40000];
	uint32_t sum = 2166136261u;
	size_t got = 0;
	ssize_t n;
	while ((n = read(s, buf, sizeof buf)) > 0) {
		sum = fnv(sum, buf, (size_t)n);
		got += (size_t)n;
	}
	pthread_join(th, NULL);
	ok(n == 0 && got == BULK && w.bytes == BULK, "10 MB through a stream socket between two threads (%zu)", got);
	ok(sum == w.sum, "checksums match (%08x %08x)", sum, w.sum);
	close(s);
	close(l);
	unlink("/tmp/bulk.sock");

	/* MSG_WAITALL collects a whole buffer. */
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	w = (struct bulk){ sv[0], 0, 0 };
	pthread_create(&th, NULL, bulk_writer, &w);
	static unsigned char all[BULK / 4];
	ok(recv(sv[1], all, sizeof all, MSG_WAITALL) == (ssize_t)sizeof all, "MSG_WAITALL fills 2.5 MB");
	close(sv[1]);
	pthread_join(th, NULL);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* the EPIPE checks; shutdown_and_close() checks the signal */
	creation();
	names();
	shutdown_and_close();
	nonblocking();
	boundaries();
	bulk();
	return done_testing();
}

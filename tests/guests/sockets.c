/*
 * The socket layer inside a real guest, over lwIP's loopback interface (no
 * net device needed): TAP checks of behaviour and of every error path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *echo_once(void *arg)
{
	int l = (int)(intptr_t)arg;
	int c = accept(l, NULL, NULL);
	char buf[4096];
	ssize_t n;
	while ((n = recv(c, buf, sizeof buf, 0)) > 0)
		send(c, buf, (size_t)n, 0);
	close(c);
	return NULL;
}

static int blocked_fd;
static volatile int blocked_result, blocked_errno;

static void *block_in_recv(void *arg)
{
	(void)arg;
	char b[8];
	blocked_result = (int)recv(blocked_fd, b, sizeof b, 0);
	blocked_errno = errno;
	return NULL;
}

static void *block_in_accept(void *arg)
{
	blocked_result = accept((int)(intptr_t)arg, NULL, NULL);
	blocked_errno = errno;
	return NULL;
}

/* Every socket call on a descriptor that is not open, then on one that is
 * open but not a socket (the console). */
static void not_sockets(void)
{
	char b[4];
	struct sockaddr_in a = lo(7);
	socklen_t al = sizeof a;
	int v = 0;
	socklen_t vl = sizeof v;
	struct iovec iov = { b, sizeof b };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct sockaddr *sa = (struct sockaddr *)&a;
	for (int i = 0; i < 2; i++) {
		int fd = i ? 1 : 99, want = i ? ENOTSOCK : EBADF;
		const char *what = i ? "ENOTSOCK on the console" : "EBADF on a closed fd";
#define FAILS(call) (errno = 0, (call) < 0 && errno == want)
		ok(FAILS(bind(fd, sa, sizeof a)), "bind: %s", what);
		ok(FAILS(listen(fd, 1)), "listen: %s", what);
		ok(FAILS(accept(fd, sa, &al)), "accept: %s", what);
		ok(FAILS(accept4(fd, sa, &al, SOCK_NONBLOCK)), "accept4: %s", what);
		ok(FAILS(connect(fd, sa, sizeof a)), "connect: %s", what);
		ok(FAILS(send(fd, b, 1, 0)), "send: %s", what);
		ok(FAILS(sendto(fd, b, 1, 0, sa, sizeof a)), "sendto: %s", what);
		ok(FAILS(sendmsg(fd, &m, 0)), "sendmsg: %s", what);
		ok(FAILS(recv(fd, b, 1, MSG_DONTWAIT)), "recv: %s", what);
		ok(FAILS(recvfrom(fd, b, 1, MSG_DONTWAIT, sa, &al)), "recvfrom: %s", what);
		ok(FAILS(recvmsg(fd, &m, MSG_DONTWAIT)), "recvmsg: %s", what);
		ok(FAILS(shutdown(fd, SHUT_RDWR)), "shutdown: %s", what);
		ok(FAILS(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v)), "setsockopt: %s", what);
		ok(FAILS(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl)), "getsockopt: %s", what);
		ok(FAILS(getsockname(fd, sa, &al)), "getsockname: %s", what);
		ok(FAILS(getpeername(fd, sa, &al)), "getpeername: %s", what);
#undef FAILS
	}
}

/* A stream socket's life: what each call says in each state. */
static void stream_states(void)
{
	char b[16];
	struct sockaddr_in a = lo(5002), me, peer;
	struct sockaddr *sa = (struct sockaddr *)&a;
	socklen_t ml = sizeof me, pl = sizeof peer;
	int v = 1;
	socklen_t vl = sizeof v;

	int u = socket(AF_INET, SOCK_DGRAM, 0);
	ok(listen(u, 1) < 0 && errno == EOPNOTSUPP, "listen on UDP is EOPNOTSUPP");
	close(u);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	ok(accept(l, NULL, NULL) < 0 && errno == EINVAL, "accept before listen is EINVAL");
	ok(recv(l, b, 1, 0) < 0 && errno == ENOTCONN, "recv before connect is ENOTCONN");
	ok(shutdown(l, SHUT_RDWR) < 0 && errno == ENOTCONN, "shutdown before connect is ENOTCONN");
	ok(shutdown(l, 7) < 0 && errno == EINVAL, "shutdown with a bad 'how' is EINVAL");
	ok(getpeername(l, (struct sockaddr *)&peer, &pl) < 0 && errno == ENOTCONN,
	   "getpeername before connect is ENOTCONN");
	ok(getsockname(l, NULL, &ml) < 0 && errno == EFAULT, "getsockname without a buffer is EFAULT");
	ok(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) == 0 && v == 0, "SO_ACCEPTCONN is 0 before listen");
	ok(bind(l, sa, sizeof a) == 0 && listen(l, 4) == 0 && listen(l, 8) == 0, "listen twice (a new backlog)");
	ok(connect(l, sa, sizeof a) < 0 && errno == EINVAL, "connect on a listening socket is EINVAL");
	ok(recv(l, b, 1, 0) < 0 && errno == ENOTCONN, "recv on a listening socket is ENOTCONN");
	ok(send(l, "x", 1, 0) < 0 && errno == ENOTCONN, "send on a listening socket is ENOTCONN");

	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ok(fcntl(c, F_GETFL) & O_NONBLOCK, "socket(SOCK_NONBLOCK)");
	ok(connect(c, sa, sizeof a) < 0 && errno == EINPROGRESS, "a non-blocking connect is EINPROGRESS");
	struct pollfd p = { c, POLLOUT, 0 };
	ok(poll(&p, 1, 1000) == 1 && (p.revents & POLLOUT), "poll says when it is connected");
	vl = sizeof v;
	ok(getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &vl) == 0 && v == 0, "SO_ERROR is 0 then");
	ok(connect(c, sa, sizeof a) < 0 && errno == EISCONN, "connect again is EISCONN");
	struct pollfd lp = { l, POLLIN, 0 };
	ok(poll(&lp, 1, 1000) == 1 && (lp.revents & POLLIN), "poll on the listener sees the connection");
	int d = accept4(l, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK);
	ok(d >= 0 && (fcntl(d, F_GETFL) & O_NONBLOCK), "accept4(SOCK_NONBLOCK)");
	ok(getsockname(c, (struct sockaddr *)&me, &ml) == 0 && me.sin_port == peer.sin_port,
	   "accept gives the peer's address");
	fcntl(c, F_SETFL, 0);
	fcntl(d, F_SETFL, 0);

	struct iovec out[2] = { { "he", 2 }, { "llo", 3 } };
	struct msghdr mo = { .msg_iov = out, .msg_iovlen = 2 };
	char b1[2], b2[10];
	struct iovec in[2] = { { b1, sizeof b1 }, { b2, sizeof b2 } };
	struct msghdr mi = { .msg_iov = in, .msg_iovlen = 2 };
	ok(sendmsg(c, &mo, 0) == 5 && recvmsg(d, &mi, 0) == 5 && memcmp(b1, "he", 2) == 0 && memcmp(b2, "llo", 3) == 0,
	   "sendmsg gathers, recvmsg scatters");
	send(c, "abc", 3, 0);
	send(c, "def", 3, 0);
	ok(recv(d, b, 6, MSG_WAITALL) == 6 && memcmp(b, "abcdef", 6) == 0, "MSG_WAITALL");
	ok(shutdown(d, SHUT_RD) == 0 && recv(d, b, 1, 0) == 0, "recv after shutdown(SHUT_RD) is EOF");

	struct linger lg = { 1, 0 };
	struct timeval rto = { 1, 0 };
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &rto, sizeof rto);
	ok(setsockopt(d, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "SO_LINGER 0");
	close(d);
	ok(recv(c, b, 1, 0) < 0 && errno == ECONNRESET, "closing with SO_LINGER 0 resets: ECONNRESET");
	p = (struct pollfd){ c, POLLIN | POLLOUT, 0 };
	ok(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && !(p.revents & POLLOUT), "poll says POLLHUP after a reset");
	ok(send(c, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE, "and send is EPIPE");
	ok(connect(c, sa, sizeof a) < 0 && errno == EINVAL, "connect after a reset is EINVAL");
	close(c);
	close(l);
}

static void options(void)
{
	int v = 0, one = 1;
	socklen_t vl = sizeof v;
	int s = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	ok(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_STREAM &&
	       getsockopt(u, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_DGRAM,
	   "SO_TYPE");
	vl = 2;
	ok(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl) < 0 && errno == EINVAL,
	   "getsockopt with a short buffer is EINVAL");
	vl = sizeof v;
	ok(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0 &&
	       getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &vl) == 0 && v == 1,
	   "SO_KEEPALIVE");
	ok(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, 2) < 0 && errno == EINVAL, "a short int option is EINVAL");
	ok(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &one, sizeof one) == 0 &&
	       setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &one, sizeof one) == 0 &&
	       setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &one, sizeof one) == 0,
	   "TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT");
	ok(setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 && errno == ENOPROTOOPT,
	   "a TCP option on UDP is ENOPROTOOPT");
	ok(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &one, sizeof one) == 0 &&
	       getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &vl) == 0 && v > 1,
	   "SO_RCVBUF is accepted and reports the real size");
	int ttl = 9;
	ok(setsockopt(u, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) == 0 &&
	       setsockopt(u, IPPROTO_IP, IP_TOS, &ttl, sizeof ttl) == 0,
	   "IP_TTL, IP_TOS");
	struct timeval tv = { 2, 500000 }, back = { 0, 0 };
	socklen_t tl = sizeof back;
	ok(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0 &&
	       getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &back, &tl) == 0 && back.tv_sec == 2 && back.tv_usec == 500000,
	   "SO_SNDTIMEO round trip");
	tv.tv_usec = 1000000;
	ok(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 && errno == EINVAL, "a bad timeval is EINVAL");
	ok(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, NULL, sizeof one) < 0 && errno == EFAULT,
	   "setsockopt without a value is EFAULT");
	close(s);
	close(u);
}

static void datagrams(void)
{
	char b[16];
	struct sockaddr_in a = lo(6001), from;
	struct sockaddr *sa = (struct sockaddr *)&a;
	socklen_t fl = sizeof from;
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	bind(u1, sa, sizeof a);
	struct pollfd p = { u1, POLLIN | POLLOUT, 0 };
	ok(poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "an idle UDP socket polls writable only");
	sendto(u2, "one", 3, 0, sa, sizeof a);
	sendto(u2, "two", 3, 0, sa, sizeof a);
	p.events = POLLIN;
	ok(poll(&p, 1, 1000) == 1 && p.revents == POLLIN, "and readable once a datagram is queued");
	ok(recv(u1, b, sizeof b, MSG_PEEK) == 3 && recv(u1, b, sizeof b, 0) == 3 && memcmp(b, "one", 3) == 0,
	   "MSG_PEEK on UDP leaves the datagram");
	struct iovec iov = { b, sizeof b };
	struct msghdr m = { .msg_name = &from, .msg_namelen = fl, .msg_iov = &iov, .msg_iovlen = 1 };
	ok(recvmsg(u1, &m, 0) == 3 && memcmp(b, "two", 3) == 0 && m.msg_namelen == sizeof from &&
	       from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	   "recvmsg with the sender's address");
	ok(recv(u1, b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN, "MSG_DONTWAIT on an empty UDP socket is EAGAIN");
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	ok(connect(u2, sa, sizeof a) == 0 && getpeername(u2, (struct sockaddr *)&peer, &pl) == 0 &&
	       peer.sin_port == a.sin_port,
	   "getpeername on a connected UDP socket");
	ok(shutdown(u1, SHUT_RD) == 0 && recv(u1, b, 1, 0) == 0, "recv after shutdown(SHUT_RD) on UDP is 0");
	close(u1);
	close(u2);
}

/* The safety net for a receive timeout that is ignored: a datagram to
 * port 6100 two seconds later, so such a bug fails a check instead of
 * hanging the guest. */
static void *late_datagram(void *arg)
{
	(void)arg;
	struct timespec d = { 2, 0 };
	nanosleep(&d, NULL);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo(6100);
	sendto(u, "late", 4, 0, (struct sockaddr *)&a, sizeof a);
	close(u);
	return NULL;
}

static void receive_timeout(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = lo(6100);
	struct timeval rto = { 0, 200000 };
	char buf[8];
	ok(bind(u, (struct sockaddr *)&a, sizeof a) == 0 &&
	       setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &rto, sizeof rto) == 0,
	   "SO_RCVTIMEO of 200 ms on a UDP socket");
	pthread_t t;
	pthread_create(&t, NULL, late_datagram, NULL);
	uint64_t t0 = now_ms();
	errno = 0;
	ssize_t n = recv(u, buf, sizeof buf, 0);
	uint64_t took = now_ms() - t0;
	ok(n == -1 && errno == EAGAIN && took >= 199 && took < 1500,
	   "recv gives up with EAGAIN after 200 ms (returned %d, errno %d, after %llu ms)", (int)n, errno,
	   (unsigned long long)took);
	pthread_join(t, NULL);
	close(u);
}

/* A writer thread sends BIG bytes of a pattern while the reader sleeps, so
 * far more than 64 KiB (one pbuf chain) arrives unread under the scaled
 * window; then every byte must read back in order. */
#define BIG (3 << 20)
static void *big_writer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static unsigned char out[65536];
	for (size_t sent = 0; sent < BIG;) {
		for (size_t i = 0; i < sizeof out; i++)
			out[i] = (unsigned char)((sent + i) * 7 + (sent + i) / 251);
		size_t n = BIG - sent < sizeof out ? BIG - sent : sizeof out;
		ssize_t w = send(fd, out, n, 0);
		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	return NULL;
}

static void unread_window(void)
{
	struct sockaddr_in a = lo(7788);
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) || connect(c, (struct sockaddr *)&a, sizeof a)) {
		ok(0, "unread window: set-up: %s", strerror(errno));
		return;
	}
	int d = accept(l, NULL, NULL);
	pthread_t t;
	pthread_create(&t, NULL, big_writer, (void *)(intptr_t)c);
	usleep(200000); /* the writer fills the window meanwhile */
	int queued = 0;
	ioctl(d, FIONREAD, &queued);
	/* A peek sees across chains and takes nothing. */
	static unsigned char peek[200000];
	ssize_t pk = recv(d, peek, sizeof peek, MSG_PEEK);
	size_t pbad = 0;
	for (ssize_t i = 0; i < pk; i++)
		pbad += peek[i] != (unsigned char)((size_t)i * 7 + (size_t)i / 251);
	ok(queued > 65535 && pk == (queued < (int)sizeof peek ? queued : (int)sizeof peek) && pbad == 0,
	   "MSG_PEEK across chains: %zd of %d bytes, %zu wrong", pk, queued, pbad);
	static unsigned char in[8192];
	size_t got = 0, bad = 0;
	for (ssize_t r; (r = recv(d, in, sizeof in, 0)) > 0; got += (size_t)r)
		for (ssize_t i = 0; i < r; i++)
			bad += in[i] != (unsigned char)((got + (size_t)i) * 7 + (got + (size_t)i) / 251);
	pthread_join(t, NULL);
	ok(queued > 65535 && got == BIG && bad == 0,
	   "%d bytes waited unread (more than one chain), then %zu of %d read back, %zu wrong", queued, got, BIG, bad);
	close(c), close(d), close(l);
}

/* Many connections at once, each segment found by its addresses and ports
 * (libos/net/pcbhash.c): data sent on 600 connections in a scrambled order
 * arrives on the right one, both ways, twice (the second round after the
 * first's connections closed, their ports reused). */
#define MANY 600
static void many_connections(void)
{
	static int cl[MANY], sv[MANY];
	int one = 1, good = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(5100);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, MANY)) {
		ok(0, "many connections: listen: %s", strerror(errno));
		return;
	}
	for (int round = 0; round < 2 && good; round++) {
		int n = 0;
		for (; n < MANY; n++) {
			cl[n] = socket(AF_INET, SOCK_STREAM, 0);
			if (cl[n] < 0 || connect(cl[n], (struct sockaddr *)&a, sizeof a))
				break;
			if ((sv[n] = accept(l, NULL, NULL)) < 0)
				break;
		}
		good = n == MANY;
		/* Client i sends i in a scrambled order (7 is prime to 600). */
		for (int k = 0; good && k < MANY; k++) {
			int i = (k * 7 + round) % MANY;
			uint32_t v = (uint32_t)i;
			good = send(cl[i], &v, 4, 0) == 4;
		}
		/* Server j got what the client it accepted j-th sent; it echoes
		 * that + 1, again scrambled. */
		for (int j = 0; good && j < MANY; j++) {
			uint32_t v;
			good = recv(sv[j], &v, 4, MSG_WAITALL) == 4 && v == (uint32_t)j;
		}
		for (int k = 0; good && k < MANY; k++) {
			int j = (k * 11) % MANY;
			uint32_t v = (uint32_t)j + 1;
			good = send(sv[j], &v, 4, 0) == 4;
		}
		for (int i = 0; good && i < MANY; i++) {
			uint32_t v;
			good = recv(cl[i], &v, 4, MSG_WAITALL) == 4 && v == (uint32_t)i + 1;
		}
		/* The server closes first: its side of each ends in TIME_WAIT. */
		for (int i = 0; i < n; i++)
			close(sv[i]);
		for (int i = 0; i < n; i++)
			close(cl[i]);
		ok(good, "%d connections at once, data on each in a scrambled order (round %d; %d connected)", MANY,
		   round + 1, n);
	}
	close(l);
}

static struct sockaddr_in6 lo6(int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	a.sin6_addr = in6addr_loopback;
	return a;
}

static const char *ntop6(const struct sockaddr_in6 *a)
{
	static char buf[INET6_ADDRSTRLEN];
	return inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf) ? buf : "?";
}

/* IPv6 over loopback: AF_INET6 sockets, dual-stack unless IPV6_V6ONLY
 * (IPv4 peers as ::ffff:a.b.c.d), the options, address conversion. */
static void ipv6(void)
{
	uint8_t b[16];
	char t[INET6_ADDRSTRLEN];
	int one = 1, v = -1;
	socklen_t vl = sizeof v;
	ok(inet_pton(AF_INET6, "2001:db8::1:0:0:1", b) == 1 && b[0] == 0x20 && b[1] == 0x01 && b[15] == 1 &&
	       !strcmp(inet_ntop(AF_INET6, b, t, sizeof t), "2001:db8::1:0:0:1"),
	   "inet_pton/inet_ntop AF_INET6 (%s)", t);
	ok(inet_pton(AF_INET6, "::ffff:10.1.2.3", b) == 1 && b[10] == 0xff && b[12] == 10 &&
	       !strcmp(inet_ntop(AF_INET6, b, t, sizeof t), "::ffff:10.1.2.3"),
	   "v4-mapped addresses convert both ways (%s)", t);
	ok(inet_pton(AF_INET6, "1:0:0:2:0:0:0:3", b) == 1 && !strcmp(inet_ntop(AF_INET6, b, t, sizeof t), "1:0:0:2::3"),
	   "inet_ntop shortens the longest run of zeros (%s)", t);
	ok(inet_pton(AF_INET6, "1::2::3", b) == 0 && inet_pton(AF_INET6, ":1", b) == 0 &&
	       inet_pton(AF_INET6, "12345::", b) == 0 && inet_pton(AF_INET6, "1:2:3:4:5:6:7:8:9", b) == 0 &&
	       inet_pton(AF_INET6, "g::", b) == 0 && inet_pton(AF_INET6, "", b) == 0 &&
	       inet_pton(AF_INET6, "::1.2.3.256", b) == 0,
	   "inet_pton AF_INET6 refuses malformed addresses");
	ok(inet_ntop(AF_INET6, b, t, 3) == NULL && errno == ENOSPC, "inet_ntop AF_INET6 with a short buffer");
	ok(IN6_IS_ADDR_LOOPBACK(&in6addr_loopback) && IN6_IS_ADDR_UNSPECIFIED(&in6addr_any),
	   "in6addr_*, IN6_IS_ADDR_*");

	/* TCP: one dual-stack listener on [::]:5600. */
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	ok(l >= 0 && getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl) == 0 && v == 0, "AF_INET6 socket, V6ONLY off");
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(5600) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ok(bind(l, (struct sockaddr *)&any, sizeof any) == 0 && listen(l, 8) == 0, "bind [::]:5600 and listen");
	ok(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0 && errno == EINVAL,
	   "IPV6_V6ONLY once bound: EINVAL");
	struct sockaddr_in6 got;
	socklen_t gl = sizeof got;
	ok(getsockname(l, (struct sockaddr *)&got, &gl) == 0 && gl == sizeof got && got.sin6_family == AF_INET6 &&
	       got.sin6_port == htons(5600) && IN6_IS_ADDR_UNSPECIFIED(&got.sin6_addr),
	   "getsockname: [::]:5600");
	int c = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a = lo6(5600);
	ok(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "connect to [::1]:5600");
	gl = sizeof got;
	int s = accept(l, (struct sockaddr *)&got, &gl);
	ok(s >= 0 && got.sin6_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&got.sin6_addr), "accept: peer ::1 (%s)",
	   ntop6(&got));
	char buf[16] = "";
	ok(send(c, "six", 3, 0) == 3 && recv(s, buf, sizeof buf, 0) == 3 && !memcmp(buf, "six", 3), "data over IPv6");
	gl = sizeof got;
	ok(getpeername(c, (struct sockaddr *)&got, &gl) == 0 && got.sin6_port == htons(5600) &&
	       IN6_IS_ADDR_LOOPBACK(&got.sin6_addr),
	   "getpeername: [::1]:5600");
	close(s);
	close(c);
	/* An IPv4 client on the same listener: a v4-mapped peer. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a4 = lo(5600);
	ok(connect(c, (struct sockaddr *)&a4, sizeof a4) == 0, "an IPv4 client connects to the dual-stack listener");
	gl = sizeof got;
	s = accept(l, (struct sockaddr *)&got, &gl);
	ok(s >= 0 && gl == sizeof got && IN6_IS_ADDR_V4MAPPED(&got.sin6_addr) &&
	       !strcmp(ntop6(&got), "::ffff:127.0.0.1"),
	   "... its peer is ::ffff:127.0.0.1 (%s)", ntop6(&got));
	gl = sizeof got;
	ok(getsockname(s, (struct sockaddr *)&got, &gl) == 0 && !strcmp(ntop6(&got), "::ffff:127.0.0.1") &&
	       got.sin6_port == htons(5600),
	   "... and its own address ::ffff:127.0.0.1 port 5600");
	ok(send(s, "four", 4, 0) == 4 && recv(c, buf, sizeof buf, 0) == 4 && !memcmp(buf, "four", 4),
	   "... data both ways");
	close(s);
	close(c);
	close(l);

	/* IPV6_V6ONLY: IPv4 clients are refused. */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	any.sin6_port = htons(5601);
	ok(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0 &&
	       getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl) == 0 && v == 1,
	   "IPV6_V6ONLY on");
	ok(bind(l, (struct sockaddr *)&any, sizeof any) == 0 && listen(l, 8) == 0, "V6ONLY bind [::]:5601");
	c = socket(AF_INET, SOCK_STREAM, 0);
	a4 = lo(5601);
	ok(connect(c, (struct sockaddr *)&a4, sizeof a4) < 0 && errno == ECONNREFUSED,
	   "an IPv4 client of a V6ONLY listener: ECONNREFUSED");
	close(c);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	a = lo6(5601);
	ok(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "an IPv6 client of it connects");
	close(c);
	close(l);
	/* An IPv4 socket on a port a V6ONLY one holds: no conflict, as Linux. */
	int l4 = socket(AF_INET, SOCK_STREAM, 0);
	l = socket(AF_INET6, SOCK_STREAM, 0);
	any.sin6_port = htons(5603);
	a4 = lo(5603);
	a4.sin_addr.s_addr = 0;
	ok(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0 &&
	       bind(l, (struct sockaddr *)&any, sizeof any) == 0 && bind(l4, (struct sockaddr *)&a4, sizeof a4) == 0,
	   "0.0.0.0:5603 beside a V6ONLY [::]:5603");
	close(l);
	close(l4);

	/* UDP, dual-stack. */
	int u = socket(AF_INET6, SOCK_DGRAM, 0);
	any.sin6_port = htons(5602);
	ok(bind(u, (struct sockaddr *)&any, sizeof any) == 0, "UDP bind [::]:5602");
	int u6 = socket(AF_INET6, SOCK_DGRAM, 0), u4 = socket(AF_INET, SOCK_DGRAM, 0);
	a = lo6(5602);
	a4 = lo(5602);
	ok(sendto(u6, "d6", 2, 0, (struct sockaddr *)&a, sizeof a) == 2, "sendto [::1]:5602");
	gl = sizeof got;
	ok(recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl) == 2 && gl == sizeof got &&
	       IN6_IS_ADDR_LOOPBACK(&got.sin6_addr),
	   "recvfrom: from ::1 (%s)", ntop6(&got));
	ok(sendto(u4, "d4", 2, 0, (struct sockaddr *)&a4, sizeof a4) == 2, "an IPv4 datagram to the same socket");
	gl = sizeof got;
	ok(recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl) == 2 && IN6_IS_ADDR_V4MAPPED(&got.sin6_addr),
	   "recvfrom: from ::ffff:127.0.0.1 (%s)", ntop6(&got));
	ok(sendto(u, "r4", 2, 0, (struct sockaddr *)&got, gl) == 2 && recv(u4, buf, sizeof buf, 0) == 2 &&
	       !memcmp(buf, "r4", 2),
	   "a reply to the v4-mapped address reaches the IPv4 socket");
	close(u);
	close(u6);
	close(u4);

	/* Options and bad addresses. */
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	int hops = 7;
	vl = sizeof v;
	ok(setsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) == 0 &&
	       getsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &vl) == 0 && v == 7,
	   "IPV6_UNICAST_HOPS");
	hops = 300;
	ok(setsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) < 0 && errno == EINVAL,
	   "IPV6_UNICAST_HOPS 300: EINVAL");
	ok(setsockopt(s, IPPROTO_IPV6, IPV6_JOIN_GROUP, &hops, sizeof hops) < 0 && errno == EINVAL,
	   "IPV6_JOIN_GROUP with an int: EINVAL (multicast: tests/kvm/multicast.bats)");
	a4 = lo(5604);
	ok(bind(s, (struct sockaddr *)&a4, sizeof a4) < 0 && errno == EAFNOSUPPORT,
	   "bind of a sockaddr_in on an AF_INET6 socket: EAFNOSUPPORT");
	a = lo6(5604);
	ok(bind(s, (struct sockaddr *)&a, sizeof a - 1) < 0 && errno == EINVAL,
	   "bind with a short sockaddr_in6: EINVAL");
	close(s);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ok(bind(s, (struct sockaddr *)&a, sizeof a) < 0 && errno == EAFNOSUPPORT,
	   "bind of a sockaddr_in6 on an AF_INET socket: EAFNOSUPPORT");
	ok(setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0 && errno == ENOPROTOOPT,
	   "IPV6_V6ONLY on an AF_INET socket: ENOPROTOOPT");
	close(s);
	s = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.sin6_addr);
	ok(connect(s, (struct sockaddr *)&a, sizeof a) < 0 && errno == ENETUNREACH,
	   "a V6ONLY socket to a v4-mapped address: ENETUNREACH");
	close(s);
	ok(socketpair(AF_INET6, SOCK_STREAM, 0, (int[2]){ 0, 0 }) < 0 && errno == EOPNOTSUPP,
	   "socketpair(AF_INET6): EOPNOTSUPP");
}

int main(void)
{
	int one = 1;
	char buf[256];

	setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows even if a check hangs */
	receive_timeout();
	unread_window();
	many_connections();
	ipv6();

	/* Addresses and names. */
	struct in_addr ia;
	ok(inet_pton(AF_INET, "10.1.2.3", &ia) == 1 && ia.s_addr == htonl(0x0a010203), "inet_pton");
	ok(inet_pton(AF_INET, "10.1.2", &ia) == 0 && inet_pton(AF_INET, "1.2.3.256", &ia) == 0 &&
	       inet_pton(AF_INET, "01.2.3.4", &ia) == 0 && inet_pton(AF_INET, "1.2.3.4x", &ia) == 0,
	   "inet_pton refuses malformed addresses");
	ok(inet_pton(99, "::1", buf) < 0 && errno == EAFNOSUPPORT, "inet_pton: another family is EAFNOSUPPORT");
	ok(strcmp(inet_ntop(AF_INET, &ia, buf, sizeof buf), "1.2.3.255") != 0, "inet_ntop");
	ok(inet_ntop(AF_INET, &ia, buf, 4) == NULL && errno == ENOSPC, "inet_ntop with a short buffer");
	ok(inet_addr("192.168.0.1") == htonl(0xc0a80001) && inet_addr("nonsense") == INADDR_NONE, "inet_addr");
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	ok(getaddrinfo("127.0.0.1", "8080", &hints, &res) == 0 && res->ai_family == AF_INET &&
	       ((struct sockaddr_in *)res->ai_addr)->sin_port == htons(8080) && res->ai_next == NULL,
	   "getaddrinfo numeric");
	freeaddrinfo(res);
	ok(getaddrinfo("localhost", NULL, NULL, &res) == 0 && res->ai_next != NULL,
	   "getaddrinfo localhost, both types");
	freeaddrinfo(res);
	ok(getaddrinfo("example.com", "80", &hints, &res) == EAI_AGAIN, "no DNS server: EAI_AGAIN");
	ok(getaddrinfo("1.2.3.4", "nosuchservice", &hints, &res) == EAI_SERVICE, "unknown service: EAI_SERVICE");
	struct sockaddr_in a = lo(4242);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	ok(getnameinfo((struct sockaddr *)&a, sizeof a, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST) == 0 &&
	       strcmp(host, "127.0.0.1") == 0 && strcmp(serv, "4242") == 0,
	   "getnameinfo");
	ok(gethostname(buf, sizeof buf) == 0 && buf[0], "gethostname: %s", buf);

	/* Errors. */
	ok(socket(99, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT, "socket(99) is EAFNOSUPPORT");
	ok(socket(AF_INET, SOCK_RAW, 0) < 0 && errno == EPROTONOSUPPORT, "raw sockets are EPROTONOSUPPORT");
	ok(send(1, "x", 1, 0) < 0 && errno == ENOTSOCK, "send on the console is ENOTSOCK");
	ok(recv(99, buf, 1, 0) < 0 && errno == EBADF, "recv on a bad fd is EBADF");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in closed = lo(1);
	ok(connect(s, (struct sockaddr *)&closed, sizeof closed) < 0 && errno == ECONNREFUSED,
	   "connect to a closed port is ECONNREFUSED");
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ok(send(s, "x", 1, 0) < 0 && errno == ENOTCONN, "send before connect is ENOTCONN");
	ok(bind(s, (struct sockaddr *)&a, 3) < 0 && errno == EINVAL, "bind with a short address is EINVAL");
	ok(setsockopt(s, SOL_SOCKET, 9999, &one, sizeof one) < 0 && errno == ENOPROTOOPT, "unknown option");
	close(s);

	/* TCP over loopback: server thread, client here. */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	ok(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0, "SO_REUSEADDR");
	a = lo(5000);
	ok(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 8) == 0, "bind and listen");
	int l2 = socket(AF_INET, SOCK_STREAM, 0);
	ok(bind(l2, (struct sockaddr *)&a, sizeof a) < 0 && errno == EADDRINUSE, "a second bind is EADDRINUSE");
	close(l2);
	int v = 0;
	socklen_t vl = sizeof v;
	ok(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) == 0 && v == 1, "SO_ACCEPTCONN");
	pthread_t t;
	pthread_create(&t, NULL, echo_once, (void *)(intptr_t)l);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	ok(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "connect over loopback");
	ok(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 &&
	       getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v == 1,
	   "TCP_NODELAY");
	struct sockaddr_in me, peer;
	socklen_t ml = sizeof me, pl = sizeof peer;
	ok(getsockname(c, (struct sockaddr *)&me, &ml) == 0 && ntohs(me.sin_port) != 0 &&
	       getpeername(c, (struct sockaddr *)&peer, &pl) == 0 && ntohs(peer.sin_port) == 5000,
	   "getsockname/getpeername");
	static char big[70000], back[20000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 31);
	ok(write(c, big, sizeof back) == (ssize_t)sizeof back, "write 20 KB");
	size_t got = 0;
	while (got < sizeof back) {
		ssize_t n = read(c, back + got, sizeof back - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	ok(got == sizeof back && memcmp(big, back, sizeof back) == 0, "read it back echoed");

	/* poll, select and non-blocking. */
	struct pollfd p = { c, POLLIN, 0 };
	uint64_t t0 = now_ms();
	ok(poll(&p, 1, 50) == 0 && now_ms() - t0 >= 49, "poll times out when nothing comes");
	ok(fcntl(c, F_SETFL, O_NONBLOCK) == 0 && (fcntl(c, F_GETFL) & O_NONBLOCK), "O_NONBLOCK on a socket");
	ok(recv(c, buf, 1, 0) < 0 && errno == EAGAIN, "recv would block: EAGAIN");
	fcntl(c, F_SETFL, 0);
	send(c, "ping", 4, 0);
	ok(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "poll sees the echo coming");
	ok(recv(c, buf, sizeof buf, MSG_PEEK) == 4 && recv(c, buf, sizeof buf, 0) == 4 && memcmp(buf, "ping", 4) == 0,
	   "MSG_PEEK leaves the data");
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(c, &rd);
	struct timeval tv = { 0, 20000 };
	ok(select(c + 1, &rd, NULL, NULL, &tv) == 0 && !FD_ISSET(c, &rd), "select times out");
	struct timeval rto = { 0, 30000 };
	ok(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &rto, sizeof rto) == 0, "SO_RCVTIMEO");
	t0 = now_ms();
	ok(recv(c, buf, 1, 0) < 0 && errno == EAGAIN && now_ms() - t0 >= 29, "recv times out with EAGAIN");
	ok(shutdown(c, SHUT_WR) == 0, "shutdown(SHUT_WR)");
	ok(recv(c, buf, 1, 0) == 0, "the server sees EOF, closes, and we read EOF");
	ok(send(c, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE, "send after shutdown is EPIPE");
	close(c);
	pthread_join(t, NULL);
	close(l);

	/* UDP over loopback. */
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = lo(6000), from;
	socklen_t fl = sizeof from;
	ok(bind(u1, (struct sockaddr *)&ua, sizeof ua) == 0, "bind UDP");
	ok(sendto(u2, "datagram", 8, 0, (struct sockaddr *)&ua, sizeof ua) == 8, "sendto");
	ok(recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl) == 8 && memcmp(buf, "datagram", 8) == 0 &&
	       from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	   "recvfrom with the sender's address");
	ok(sendto(u2, "0123456789", 10, 0, (struct sockaddr *)&ua, sizeof ua) == 10 &&
	       recv(u1, buf, 4, MSG_TRUNC) == 10,
	   "MSG_TRUNC gives the whole datagram's length");
	ok(send(u2, "x", 1, 0) < 0 && errno == EDESTADDRREQ, "send on an unconnected UDP socket");
	ok(connect(u2, (struct sockaddr *)&ua, sizeof ua) == 0 && send(u2, "y", 1, 0) == 1 &&
	       recv(u1, buf, 1, 0) == 1 && buf[0] == 'y',
	   "connected UDP");
	ok(sendto(u2, big, 70000, 0, (struct sockaddr *)&ua, sizeof ua) < 0 && errno == EMSGSIZE, "oversized datagram");
	struct stat st;
	ok(fstat(u1, &st) == 0 && S_ISSOCK(st.st_mode), "fstat says socket");
	close(u1);
	close(u2);
	/* Closing a socket another thread is blocked on, and stopping accept(). */
	u1 = socket(AF_INET, SOCK_DGRAM, 0);
	blocked_fd = u1;
	pthread_create(&t, NULL, block_in_recv, NULL);
	sched_yield();
	close(u1);
	void *junk = malloc(2000); /* would land on the freed socket */
	memset(junk, 0x5a, 2000);
	pthread_join(t, NULL);
	free(junk);
	ok(blocked_result < 0 && blocked_errno == EBADF,
	   "a recv blocked on a socket that gets closed fails with EBADF");
	l = socket(AF_INET, SOCK_STREAM, 0);
	a = lo(5001);
	bind(l, (struct sockaddr *)&a, sizeof a);
	listen(l, 4);
	pthread_create(&t, NULL, block_in_accept, (void *)(intptr_t)l);
	sched_yield();
	ok(shutdown(l, SHUT_RDWR) == 0, "shutdown on a listening socket");
	pthread_join(t, NULL);
	ok(blocked_result < 0 && blocked_errno == EINVAL, "and the blocked accept() fails with EINVAL");
	close(l);

	not_sockets();
	stream_states();
	options();
	datagrams();
	return done_testing();
}

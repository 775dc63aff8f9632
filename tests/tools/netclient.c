/*
 * Host-side network test client for tests/apps.bats (a Linux program).
 *   netclient udp IP PORT FROM TO       echo one datagram of every size FROM..TO
 *   netclient tcp IP PORT BYTES         send BYTES of pseudo-random data, check the echo
 *   netclient conns IP PORT N           N sequential connections, each echoing a line
 *   netclient hold IP PORT SECONDS      connect, send one byte, hold the connection open
 *   netclient http IP PORT N            N sequential HTTP/1.1 requests, each on a new connection
 *   netclient garbage IFACE COUNT       send COUNT malformed Ethernet frames out of IFACE
 *   netclient udprate IP PORT SECONDS WINDOW
 *                                       echoes per second with WINDOW datagrams in flight
 *   netclient burst IP PORT N           ask for N numbered datagrams; each must arrive once, in order
 *   netclient sink PORT N               receive N numbered datagrams; each must arrive once, in order
 *   netclient twreuse IP PORT LPORT N   N HTTP requests from local port LPORT, the server closing
 *                                       first (it keeps TIME_WAIT); each connect within 500 ms
 *   netclient bulk IP PORT send|recv SECONDS
 *                                       TCP bulk throughput against tests/bench/tcpbulk.c: send
 *                                       (the server receives) or recv (the server sends)
 *   netclient sweep PORT MS < ADDRESSES one datagram to each address read from stdin (one a
 *                                       line, at most 65,536), all from one socket; prints how
 *                                       many echoed it within MS ms of the last send, and the
 *                                       first few silent ones on stderr
 *   netclient volley IP PORT N          send N numbered datagrams back to back, then expect
 *                                       each echoed once (any order; a gap of 2 s ends the wait)
 * Every wait is bounded; exit 0 only if every check passed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addr(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", ip);
		exit(2);
	}
	return a;
}

static int wait_in(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, ms) == 1;
}

static int udp(struct sockaddr_in a, int from, int to)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	static unsigned char out[65536], in[65536];
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return perror("connect"), 1;
	for (int n = from; n <= to; n++) {
		for (int i = 0; i < n; i++)
			out[i] = (unsigned char)(i * 7 + n);
		int ok = 0;
		for (int tries = 0; tries < 3 && !ok; tries++) {
			if (send(fd, out, (size_t)n, 0) != n)
				return perror("send"), 1;
			while (wait_in(fd, 1000)) {
				ssize_t r = recv(fd, in, sizeof in, 0);
				if (r == n && memcmp(in, out, (size_t)n) == 0) {
					ok = 1;
					break;
				}
			}
		}
		if (!ok) {
			fprintf(stderr, "udp: no correct echo of %d bytes\n", n);
			return 1;
		}
	}
	printf("udp: %d sizes echoed\n", to - from + 1);
	return 0;
}

static int tcp_connect(struct sockaddr_in a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static int tcp(struct sockaddr_in a, long bytes)
{
	int fd = tcp_connect(a);
	unsigned char *out = malloc((size_t)bytes), *in = malloc((size_t)bytes);
	for (long i = 0; i < bytes; i++)
		out[i] = (unsigned char)((i * 2654435761u) >> 13);
	long sent = 0, got = 0;
	while (got < bytes) {
		struct pollfd p = { fd, (short)(POLLIN | (sent < bytes ? POLLOUT : 0)), 0 };
		if (poll(&p, 1, 5000) != 1) {
			fprintf(stderr, "tcp: stalled at %ld sent, %ld echoed\n", sent, got);
			return 1;
		}
		if ((p.revents & POLLOUT) && sent < bytes) {
			ssize_t w =
			    send(fd, out + sent, (size_t)(bytes - sent < 65536 ? bytes - sent : 65536), MSG_DONTWAIT);
			if (w > 0)
				sent += w;
		}
		if (p.revents & POLLIN) {
			ssize_t r = recv(fd, in + got, (size_t)(bytes - got), MSG_DONTWAIT);
			if (r == 0) {
				fprintf(stderr, "tcp: closed after %ld bytes\n", got);
				return 1;
			}
			if (r > 0)
				got += r;
		}
	}
	if (memcmp(in, out, (size_t)bytes)) {
		fprintf(stderr, "tcp: echoed data differs\n");
		return 1;
	}
	close(fd);
	printf("tcp: %ld bytes echoed\n", bytes);
	return 0;
}

static int conns(struct sockaddr_in a, int n)
{
	for (int i = 0; i < n; i++) {
		int fd = tcp_connect(a);
		char line[32], back[32];
		int len = snprintf(line, sizeof line, "connection %d\n", i);
		if (send(fd, line, (size_t)len, 0) != len || recv(fd, back, (size_t)len, MSG_WAITALL) != len ||
		    memcmp(line, back, (size_t)len)) {
			fprintf(stderr, "conns: connection %d failed\n", i);
			return 1;
		}
		close(fd);
	}
	printf("conns: %d connections\n", n);
	return 0;
}

static int http(struct sockaddr_in a, int n)
{
	static const char req[] = "GET /hello.txt HTTP/1.1\r\nHost: guest\r\nConnection: close\r\n\r\n";
	for (int i = 0; i < n; i++) {
		int fd = tcp_connect(a);
		char resp[1024];
		size_t got = 0;
		ssize_t r;
		if (send(fd, req, sizeof req - 1, 0) != (ssize_t)sizeof req - 1)
			return fprintf(stderr, "http: send %d failed\n", i), 1;
		while (got < sizeof resp - 1 && (r = recv(fd, resp + got, sizeof resp - 1 - got, 0)) > 0)
			got += (size_t)r;
		resp[got] = '\0';
		if (strncmp(resp, "HTTP/1.1 200 OK", 15) != 0 || !strstr(resp, "\r\n\r\nhello\n")) {
			fprintf(stderr, "http: request %d got: %.80s\n", i, resp);
			return 1;
		}
		close(fd);
	}
	printf("http: %d requests\n", n);
	return 0;
}

static int hold(struct sockaddr_in a, int seconds)
{
	int fd = tcp_connect(a);
	send(fd, "x", 1, 0);
	sleep((unsigned)seconds);
	close(fd);
	return 0;
}

static int garbage(const char *iface, int count)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(iface), .sll_halen = 6 };
	unsigned char f[1514];
	if (fd < 0 || !ll.sll_ifindex)
		return perror("packet socket"), 1;
	srand(42);
	for (int i = 0; i < count; i++) {
		int len = 1 + rand() % 1514;
		for (int k = 0; k < len; k++)
			f[k] = (unsigned char)rand();
		if (i % 3 == 0 && len > 14) {
			f[12] = 0x08; /* IPv4 with a truncated or lying header */
			f[13] = 0x00;
			if (len > 15)
				f[14] = 0x45;
			if (len > 24)
				f[23] = (i % 2) ? 6 : 17;
		}
		if (i % 5 == 0)
			memset(f, 0xff, len < 6 ? (size_t)len : 6); /* broadcast */
		sendto(fd, f, (size_t)len, 0, (struct sockaddr *)&ll, sizeof ll);
	}
	printf("garbage: %d frames sent\n", count);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int udprate(struct sockaddr_in a, double seconds, int window)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char msg[64] = "tincan udp rate probe", in[2048];
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return perror("connect"), 1;
	long echoes = 0;
	int inflight = 0;
	double end = now_s() + seconds, t0 = now_s();
	while (now_s() < end) {
		while (inflight < window && send(fd, msg, sizeof msg, MSG_DONTWAIT) > 0)
			inflight++;
		if (!wait_in(fd, 200)) {
			inflight = 0; /* losses: refill the window */
			continue;
		}
		while (recv(fd, in, sizeof in, MSG_DONTWAIT) > 0) {
			echoes++;
			inflight--;
		}
	}
	printf("udprate: %.0f echoes/s\n", (double)echoes / (now_s() - t0));
	return echoes ? 0 : 1;
}

/* Sends N as text, then expects datagrams "0".."N-1" in order; a gap of
 * 2 s ends the wait. */
static int burst(struct sockaddr_in a, int count)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcvbuf = 4 << 20;
	char out[32], in[64];
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return perror("connect"), 1;
	int m = snprintf(out, sizeof out, "%d", count), next = 0;
	if (send(fd, out, (size_t)m, 0) != m)
		return perror("send"), 1;
	while (next < count && wait_in(fd, 2000)) {
		ssize_t r = recv(fd, in, sizeof in - 1, 0);
		if (r <= 0)
			return perror("recv"), 1;
		in[r] = 0;
		if (atoi(in) != next) {
			fprintf(stderr, "burst: datagram %d arrived as number %s\n", next, in);
			return 1;
		}
		next++;
	}
	if (wait_in(fd, 200) && recv(fd, in, sizeof in, 0) >= 0) {
		fprintf(stderr, "burst: a datagram after the last one\n");
		return 1;
	}
	if (next < count) {
		fprintf(stderr, "burst: only %d of %d datagrams arrived\n", next, count);
		return 1;
	}
	printf("burst: %d datagrams once and in order\n", count);
	return 0;
}

/* Receive count numbered datagrams on port (any address), each once and
 * in order, until 3 s pass without one. */
static int sink(int port, int count)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcvbuf = 4 << 20, next = 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char in[64];
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return perror("bind"), 1;
	printf("sink: ready\n");
	fflush(stdout);
	while (next < count && wait_in(fd, 3000)) {
		ssize_t r = recv(fd, in, sizeof in - 1, 0);
		if (r <= 0)
			return perror("recv"), 1;
		in[r] = 0;
		if (atoi(in) != next) {
			fprintf(stderr, "sink: datagram %d arrived as number %s\n", next, in);
			return 1;
		}
		next++;
	}
	printf("sink: %d of %d datagrams once and in order\n", next, count);
	return next == count ? 0 : 1;
}

static int twreuse(struct sockaddr_in a, int lport, int n)
{
	static const char req[] = "GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		struct sockaddr_in l = { .sin_family = AF_INET, .sin_port = htons((uint16_t)lport) };
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&l, sizeof l) < 0)
			return perror("twreuse: bind"), 1;
		double t0 = now_s();
		if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
			return perror("twreuse: connect"), 1;
		double took = now_s() - t0;
		char buf[4096];
		size_t got = 0;
		ssize_t r;
		if (send(fd, req, sizeof req - 1, 0) != (ssize_t)sizeof req - 1)
			return perror("twreuse: send"), 1;
		/* Read to the server's FIN: it closes first and keeps TIME_WAIT. */
		while (got < sizeof buf - 1 && wait_in(fd, 3000) &&
		       (r = recv(fd, buf + got, sizeof buf - 1 - got, 0)) > 0)
			got += (size_t)r;
		buf[got] = 0;
		close(fd);
		usleep(100000); /* our side, in LAST_ACK, gets the server's ACK */
		printf("twreuse: connection %d: connect took %.3f s, %s\n", i + 1, took,
		       strncmp(buf, "HTTP/1.1 200", 12) ? "no 200 reply" : "200");
		if (took > 0.5 || strncmp(buf, "HTTP/1.1 200", 12))
			return 1;
	}
	return 0;
}

/* TCP bulk against tests/bench/tcpbulk.c for SECONDS; prints
 * "bulk DIRECTION BYTES bytes SECONDS s MBIT Mbit/s".  Sending, the bytes
 * are those the server counted, the time runs until its count arrives. */
static int bulk(struct sockaddr_in a, const char *dir, double seconds)
{
	static char buf[64 * 1024];
	int snd = !strcmp(dir, "send");
	if (!snd && strcmp(dir, "recv")) {
		fprintf(stderr, "bulk: send or recv, not %s\n", dir);
		return 2;
	}
	int fd = tcp_connect(a);
	char mode = snd ? 'r' : 's';
	if (send(fd, &mode, 1, MSG_NOSIGNAL) != 1)
		return perror("bulk: send"), 1;
	memset(buf, 'y', sizeof buf);
	uint64_t bytes = 0;
	double t0 = now_s(), end = t0 + seconds;
	while (now_s() < end) {
		ssize_t n = snd ? send(fd, buf, sizeof buf, MSG_NOSIGNAL) : recv(fd, buf, sizeof buf, 0);
		if (n <= 0) {
			fprintf(stderr, "bulk %s: %s after %llu bytes\n", dir, n ? strerror(errno) : "closed",
				(unsigned long long)bytes);
			return 1;
		}
		bytes += (uint64_t)n;
	}
	if (snd) {
		uint64_t counted = 0;
		shutdown(fd, SHUT_WR);
		if (recv(fd, &counted, sizeof counted, MSG_WAITALL) != (ssize_t)sizeof counted || counted != bytes) {
			fprintf(stderr, "bulk send: the server counted %llu of %llu bytes\n",
				(unsigned long long)counted, (unsigned long long)bytes);
			return 1;
		}
	}
	double t = now_s() - t0;
	close(fd);
	printf("bulk %s %llu bytes %.3f s %.1f Mbit/s\n", dir, (unsigned long long)bytes, t,
	       (double)bytes * 8 / t / 1e6);
	return 0;
}

/* An answer to sweep: the index it was sent with, from the address it was
 * sent to; counted once.  Returns whether one was read. */
static int sweep_take(int fd, const struct in_addr *to, unsigned char *got, int n, int *answered)
{
	uint32_t in[4];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	ssize_t r = recvfrom(fd, in, sizeof in, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	if (r < 0)
		return 0;
	uint32_t k = in[0];
	if (r == sizeof in[0] && k < (uint32_t)n && !got[k] && to[k].s_addr == from.sin_addr.s_addr)
		got[k] = 1, ++*answered;
	return 1;
}

/* One datagram to each of up to 65,536 addresses from one socket, a
 * deadline MS after the last send. */
static int sweep(int port, int ms)
{
	enum { MAX = 65536 };
	static struct in_addr to[MAX];
	static unsigned char got[MAX];
	char line[64];
	int n = 0, answered = 0;
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, " \t\r\n")] = 0;
		if (!line[0])
			continue;
		if (n == MAX || inet_pton(AF_INET, line, &to[n]) != 1) {
			fprintf(stderr, "sweep: %s: %s\n", line,
				n == MAX ? "more than 65,536 addresses" : "not an IPv4 address");
			return 2;
		}
		n++;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	for (int i = 0; i < n; i++) {
		while (sweep_take(fd, to, got, n, &answered)) /* never let the receive queue fill */
			;
		a.sin_addr = to[i];
		uint32_t k = (uint32_t)i;
		/* A full queue (many neighbours being resolved) is waited out
		 * briefly; a datagram that still cannot leave stays unanswered. */
		for (int tries = 0; tries < 100; tries++) {
			if (sendto(fd, &k, sizeof k, MSG_DONTWAIT, (struct sockaddr *)&a, sizeof a) == sizeof k)
				break;
			if (errno != EAGAIN && errno != ENOBUFS)
				break;
			usleep(1000);
		}
	}
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	long end_ms = end.tv_sec * 1000L + end.tv_nsec / 1000000 + ms;
	while (answered < n) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = end_ms - (now.tv_sec * 1000L + now.tv_nsec / 1000000);
		if (left <= 0)
			break;
		if (wait_in(fd, (int)left))
			sweep_take(fd, to, got, n, &answered);
	}
	printf("sweep: %d of %d answered\n", answered, n);
	for (int i = 0, shown = 0; i < n && shown < 10; i++)
		if (!got[i]) {
			fprintf(stderr, "sweep: no answer from %s\n", inet_ntoa(to[i]));
			shown++;
		}
	close(fd);
	return answered == n ? 0 : 1;
}

static int volley(struct sockaddr_in a, int count)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcvbuf = 4 << 20, got = 0;
	static unsigned char seen[65536];
	char out[64], in[64];
	if (count < 1 || count > 65536)
		return fprintf(stderr, "volley: N must be 1 to 65536\n"), 2;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return perror("connect"), 1;
	for (int i = 0; i < count; i++) {
		int m = snprintf(out, sizeof out, "%d", i);
		if (send(fd, out, (size_t)m, 0) != m)
			return perror("send"), 1;
	}
	while (got < count && wait_in(fd, 2000)) {
		ssize_t r = recv(fd, in, sizeof in - 1, 0);
		if (r <= 0)
			return perror("recv"), 1;
		in[r] = 0;
		int n = atoi(in);
		if (n < 0 || n >= count || seen[n]++)
			return fprintf(stderr, "volley: unexpected echo '%s'\n", in), 1;
		got++;
	}
	printf("volley: %d of %d echoed\n", got, count);
	return got == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "volley"))
		return volley(addr(argv[2], argv[3]), atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "bulk"))
		return bulk(addr(argv[2], argv[3]), argv[4], atof(argv[5]));
	if (argc == 6 && !strcmp(argv[1], "twreuse"))
		return twreuse(addr(argv[2], argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc == 4 && !strcmp(argv[1], "sink"))
		return sink(atoi(argv[2]), atoi(argv[3]));
	if (argc == 6 && !strcmp(argv[1], "udprate"))
		return udprate(addr(argv[2], argv[3]), atof(argv[4]), atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "burst"))
		return burst(addr(argv[2], argv[3]), atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "udp"))
		return udp(addr(argv[2], argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "tcp"))
		return tcp(addr(argv[2], argv[3]), atol(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "conns"))
		return conns(addr(argv[2], argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "http"))
		return http(addr(argv[2], argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return hold(addr(argv[2], argv[3]), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "sweep"))
		return sweep(atoi(argv[2]), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "garbage"))
		return garbage(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: see the comment at the top of netclient.c\n");
	return 2;
}

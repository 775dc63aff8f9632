/*
 * The raw-frame API's guest (tests/kvm/netfn.bats).  netfn.tc links no
 * socket code (no lwIP); netfnsock.tc is the same with the socket stack
 * linked (-DWITH_SOCKETS), so lwIP answers ARP and ping beside it.
 *
 * echo NAME FLAGS N [MS]: open NAME (FLAGS: any of "only", "promisc",
 *   "beside", joined by ','), print "ready", then echo every frame of
 *   ethertype 0x88b5 back, its MACs swapped (the source ours) and byte 14
 *   set to 'E', until N were echoed or MS ms (default 10000) pass without
 *   one; then print "echoed E batches B max M" and the handle's counters.
 * spoof NAME: send two 0x88b5 frames to broadcast, the first from a MAC
 *   not ours, the second from ours; print "sent".
 * errors NAME: the bad calls; one line each, "ok" last.
 * idle NAME MS: open NAME and wait in tc_netfn_wait until MS ms passed,
 *   reading what comes; print "woke W frames F".
 * sockonly NAME ADDR (netfnsock.tc): take NAME, then send a datagram to
 *   ADDR from a socket; print sendto's result.
 * bridge A B N: forward frames between A and B unchanged (promiscuous,
 *   so with --net-allow-spoof) until N were; print "forwarded N".
 * midstream NAME ADDR PORT (netfnsock.tc): write 512 KiB to a TCP server,
 *   opening NAME beside the stack half way, until the server answers;
 *   print "wrote BYTES, answer N".
 * forward A B N: forward frames from A to B, waiting on A only, until N
 *   were and 2 s passed; print "forwarded N".
 * csum NAME N: check the TCP checksum of N TCP/IPv4 frames (or what comes
 *   in 100 waits of 0.1 s); print "tcp T bad B".
 * garbage NAME N: count what arrives (N frames or 3 s), print the counters.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tincan/netfn.h>
#include <time.h>
#ifdef WITH_SOCKETS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned parse_flags(const char *s)
{
	unsigned f = 0;
	if (strstr(s, "only"))
		f |= TC_NETFN_ONLY;
	if (strstr(s, "promisc"))
		f |= TC_NETFN_PROMISC;
	return f;
}

static void print_stats(int h)
{
	struct tc_netfn_stats s;
	if (tc_netfn_stats(h, &s) == 0)
		printf("stats rx %llu tx %llu txbytes %llu full %llu dropped %llu\n", (unsigned long long)s.rx_frames,
		       (unsigned long long)s.tx_frames, (unsigned long long)s.tx_bytes, (unsigned long long)s.tx_full,
		       (unsigned long long)s.rx_dropped);
}

static int echo(const char *name, unsigned flags, long want, long ms)
{
	int h = tc_netfn_open(name, flags);
	if (h < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	struct tc_netfn_info info;
	if (tc_netfn_info(h, &info) < 0)
		return 1;
	printf("ready %s mtu %u index %d\n", info.name, info.mtu, info.index);
	fflush(stdout);
	long echoed = 0, batches = 0, maxb = 0;
	uint64_t last = now_ms();
	struct tc_frame in[64], out[64];
	while (echoed < want && now_ms() - last < (uint64_t)ms) {
		unsigned m = tc_netfn_wait(&h, 1, 200 * 1000000LL);
		if (!m)
			continue;
		if (m != 1u << h) {
			printf("bad mask %#x\n", m);
			return 1;
		}
		int n;
		while ((n = tc_netfn_recv(h, in, 64)) > 0) {
			unsigned k = 0;
			batches++;
			if (n > maxb)
				maxb = n;
			for (int i = 0; i < n; i++) {
				uint8_t *f = in[i].data;
				if (in[i].len < 15 || f[12] != 0x88 || f[13] != 0xb5)
					continue;
				memcpy(f, f + 6, 6);
				memcpy(f + 6, info.mac, 6);
				f[14] = 'E';
				out[k++] = in[i];
			}
			/* Frames edited in place, sent from the ring itself. */
			for (unsigned at = 0; at < k;) {
				int s = tc_netfn_send(h, out + at, k - at);
				if (s < 0) {
					printf("send: %s\n", strerror(errno));
					return 1;
				}
				if (s == 0)
					tc_netfn_flush();
				at += (unsigned)s;
			}
			echoed += k;
			if (k)
				last = now_ms();
		}
	}
	tc_netfn_flush();
	printf("echoed %ld batches %ld max %ld\n", echoed, batches, maxb);
	print_stats(h);
	return 0;
}

static int spoof(const char *name)
{
	int h = tc_netfn_open(name, TC_NETFN_ONLY);
	struct tc_netfn_info info;
	if (h < 0 || tc_netfn_info(h, &info) < 0)
		return 1;
	static uint8_t f[2][60];
	for (int i = 0; i < 2; i++) {
		memset(f[i], 0xff, 6);
		memcpy(f[i] + 6, info.mac, 6);
		f[i][12] = 0x88, f[i][13] = 0xb5;
		f[i][14] = i ? 'O' : 'S';
	}
	f[0][11] ^= 0x40; /* not ours */
	struct tc_frame fr[2] = { { f[0], 60 }, { f[1], 60 } };
	if (tc_netfn_send(h, fr, 2) != 2)
		return 1;
	tc_netfn_flush();
	printf("sent\n");
	return 0;
}

static int errors(const char *name)
{
	int h;
	errno = 0;
	h = tc_netfn_open("nosuch", 0);
	printf("unknown %d %s\n", h, strerror(errno));
	h = tc_netfn_open(name, 8);
	printf("flags %d %s\n", h, strerror(errno));
	h = tc_netfn_open(name, TC_NETFN_ONLY);
	printf("open %d\n", h);
	int h2 = tc_netfn_open(name, 0);
	printf("again %d %s\n", h2, strerror(errno));
	static uint8_t big[9000];
	memset(big, 0, sizeof big);
	struct tc_frame f = { big, 1515 };
	int r = tc_netfn_send(h, &f, 1);
	printf("oversize %d %s\n", r, strerror(errno));
	f.len = 13;
	r = tc_netfn_send(h, &f, 1);
	printf("runt %d %s\n", r, strerror(errno));
	f.len = 1514;
	printf("full-size %d\n", tc_netfn_send(h, &f, 1));
	struct tc_frame in[4];
	r = tc_netfn_recv(h + 1, in, 4);
	printf("badhandle %d %s\n", r, strerror(errno));
	printf("nothing %d\n", tc_netfn_recv(h, in, 4));
	printf("poll %#x\n", tc_netfn_wait(&h, 1, 0));
	tc_netfn_flush();
	printf("ok\n");
	return 0;
}

static int idle(const char *name, long ms)
{
	int h = tc_netfn_open(name, TC_NETFN_ONLY);
	if (h < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	uint64_t t0 = now_ms();
	long wakes = 0, frames = 0;
	struct tc_frame f[8];
	for (uint64_t t; (t = now_ms() - t0) < (uint64_t)ms;) {
		if (tc_netfn_wait(&h, 1, (int64_t)((uint64_t)ms - t) * 1000000LL))
			wakes++;
		for (int n; (n = tc_netfn_recv(h, f, 8)) > 0;)
			frames += n;
	}
	printf("woke %ld frames %ld\n", wakes, frames);
	return 0;
}

/* The TCP (UDP) checksum of an IPv4 frame f (len bytes) is right. */
static int tcp_csum_ok(const uint8_t *f, uint32_t len)
{
	unsigned ihl = (f[14] & 15) * 4u, tot = (unsigned)f[16] << 8 | f[17];
	if (len < 14 + tot || tot < ihl + (f[23] == 17 ? 8 : 20))
		return 0;
	uint32_t sum = f[23] + tot - ihl;
	for (unsigned i = 26; i < 34; i += 2)
		sum += (uint32_t)f[i] << 8 | f[i + 1];
	for (unsigned i = 14 + ihl; i < 14 + tot; i += 2)
		sum += (uint32_t)f[i] << 8 | (i + 1 < 14 + tot ? f[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static int csum(const char *name, long want)
{
	int h = tc_netfn_open(name, TC_NETFN_ONLY);
	if (h < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	long tcp = 0, bad = 0;
	struct tc_frame in[32];
	/* 100 waits of 0.1 s at most: counted, not timed (a restored
	 * snapshot's clock is its new host's). */
	for (int waits = 0; tcp < want && waits < 100; waits++) {
		if (!tc_netfn_wait(&h, 1, 100 * 1000000LL))
			continue;
		int n = tc_netfn_recv(h, in, 32);
		for (int i = 0; i < n; i++) {
			const uint8_t *f = in[i].data;
			if (in[i].len >= 54 && f[12] == 8 && f[13] == 0 && f[23] == 6) {
				tcp++;
				bad += !tcp_csum_ok(f, in[i].len);
			}
		}
	}
	printf("tcp %ld bad %ld\n", tcp, bad);
	return 0;
}

/* Raw only after MS ms: UDP the host sent meanwhile waits in the tap
 * (no buffers posted), with the tap's offload marks; none of it may
 * arrive with a wrong checksum.  Counts UDP frames until WANT. */
static int late(const char *name, long ms, long want)
{
	printf("ready\n");
	fflush(stdout);
	for (uint64_t t0 = now_ms(); now_ms() - t0 < (uint64_t)ms;)
		sched_yield();
	int h = tc_netfn_open(name, TC_NETFN_ONLY);
	if (h < 0)
		return 1;
	printf("open\n");
	fflush(stdout);
	long udp = 0, bad = 0;
	struct tc_frame in[32];
	for (int waits = 0; udp < want && waits < 50; waits++) {
		if (!tc_netfn_wait(&h, 1, 100 * 1000000LL))
			continue;
		int n = tc_netfn_recv(h, in, 32);
		for (int i = 0; i < n; i++) {
			const uint8_t *f = in[i].data;
			if (in[i].len >= 42 && f[12] == 8 && f[13] == 0 && f[23] == 17) {
				udp++;
				bad += !tcp_csum_ok(f, in[i].len);
			}
		}
	}
	printf("udp %ld bad %ld\n", udp, bad);
	return 0;
}

static int garbage(const char *name, long want)
{
	int h = tc_netfn_open(name, TC_NETFN_ONLY | TC_NETFN_PROMISC);
	if (h < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	long got = 0, minlen = 99999;
	uint64_t t0 = now_ms();
	struct tc_frame in[32];
	while (got < want && now_ms() - t0 < 3000) {
		if (!tc_netfn_wait(&h, 1, 100 * 1000000LL))
			continue;
		int n = tc_netfn_recv(h, in, 32);
		for (int i = 0; i < n; i++)
			if (in[i].len < minlen)
				minlen = in[i].len;
		got += n;
	}
	printf("got %ld min %ld\n", got, minlen);
	print_stats(h);
	return 0;
}

/* Forward every frame between A and B unchanged (a two-port bridge
 * without learning) until N were forwarded or 10 s pass. */
static int bridge(const char *a, const char *b, long want)
{
	int h[2] = { tc_netfn_open(a, TC_NETFN_ONLY | TC_NETFN_PROMISC),
		     tc_netfn_open(b, TC_NETFN_ONLY | TC_NETFN_PROMISC) };
	if (h[0] < 0 || h[1] < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	long done = 0;
	uint64_t t0 = now_ms();
	struct tc_frame f[64];
	while (done < want && now_ms() - t0 < 10000) {
		unsigned m = tc_netfn_wait(h, 2, 100 * 1000000LL);
		for (int i = 0; i < 2; i++) {
			if (!(m & 1u << h[i]))
				continue;
			int n;
			while ((n = tc_netfn_recv(h[i], f, 64)) > 0) {
				/* Sent on the other handle straight from this one's ring. */
				int s = tc_netfn_send(h[!i], f, (unsigned)n);
				if (s < n)
					printf("short send %d of %d\n", s, n);
				done += s > 0 ? s : 0;
			}
		}
	}
	printf("forwarded %ld\n", done);
	return 0;
}

/* Forward frames from A to B, waiting on A only, until N were forwarded
 * and 2 s more passed (the sends on B must leave meanwhile). */
static int forward(const char *a, const char *b, long want)
{
	int ha = tc_netfn_open(a, TC_NETFN_ONLY | TC_NETFN_PROMISC), hb = tc_netfn_open(b, TC_NETFN_ONLY);
	if (ha < 0 || hb < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	long done = 0;
	uint64_t t0 = now_ms(), end = t0 + 10000;
	struct tc_frame f[64];
	while (now_ms() < end) {
		if (!tc_netfn_wait(&ha, 1, 100 * 1000000LL))
			continue;
		for (int n; (n = tc_netfn_recv(ha, f, 64)) > 0;) {
			int s = tc_netfn_send(hb, f, (unsigned)n);
			done += s > 0 ? s : 0;
			if (done >= want && end > now_ms() + 2000)
				end = now_ms() + 2000;
		}
	}
	printf("forwarded %ld\n", done);
	return 0;
}

#ifdef WITH_SOCKETS
/* A datagram from a socket to ADDR, reachable only through NAME, which
 * netfn took: the stack has no route. */
static int sockonly(const char *name, const char *addr)
{
	int h = tc_netfn_open(name, TC_NETFN_ONLY);
	if (h < 0)
		return 1;
	tc_netfn_wait(&h, 1, 50 * 1000000LL); /* the stack runs meanwhile */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, addr, &a.sin_addr);
	errno = 0;
	long r = sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
	printf("sendto %ld %s\n", r, r < 0 ? strerror(errno) : "");
	tc_netfn_wait(&h, 1, 300 * 1000000LL);
	return 0;
}

/* Open NAME beside the stack in the middle of a TCP stream through it
 * (segments the host's offloads were to cut may be waiting): the stream
 * goes on, without offloads.  Prints "wrote BYTES". */
static int midstream(const char *name, const char *addr, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, addr, &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("connect");
		return 1;
	}
	static char buf[65536];
	long total = 0;
	for (int i = 0; i < 8; i++) {
		memset(buf, 'a' + i, sizeof buf);
		/* A yield runs the stack, which may leave a merged frame
		 * waiting for the next segment; the open comes then. */
		if (i == 4)
			sched_yield();
		if (i == 4 && tc_netfn_open(name, 0) < 0) {
			perror("tc_netfn_open");
			return 1;
		}
		for (size_t at = 0; at < sizeof buf;) {
			ssize_t w = write(fd, buf + at, sizeof buf - at);
			if (w <= 0) {
				perror("write");
				return 1;
			}
			at += (size_t)w;
		}
		total += (long)sizeof buf;
	}
	/* Until the server has it all (it answers, then closes). */
	shutdown(fd, SHUT_WR);
	char ack[16];
	ssize_t got = read(fd, ack, sizeof ack);
	close(fd);
	printf("wrote %ld, answer %zd\n", total, got);
	return 0;
}
#endif

int main(int argc, char **argv)
{
#ifdef WITH_SOCKETS
	/* Links the socket stack (it opens every device before main). */
	if (argc > 99)
		return (int)inet_addr(argv[1]);
#endif
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "echo"))
		return echo(argv[2], parse_flags(argv[3]), atol(argv[4]), argc > 5 ? atol(argv[5]) : 10000);
	if (argc == 3 && !strcmp(argv[1], "spoof"))
		return spoof(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "errors"))
		return errors(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "idle"))
		return idle(argv[2], atol(argv[3]));
#ifdef WITH_SOCKETS
	if (argc == 4 && !strcmp(argv[1], "sockonly"))
		return sockonly(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "midstream"))
		return midstream(argv[2], argv[3], atoi(argv[4]));
#endif
	if (argc == 5 && !strcmp(argv[1], "forward"))
		return forward(argv[2], argv[3], atol(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "bridge"))
		return bridge(argv[2], argv[3], atol(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "csum"))
		return csum(argv[2], atol(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "late"))
		return late(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "garbage"))
		return garbage(argv[2], atol(argv[3]));
	fprintf(stderr,
		"usage: netfn echo NAME FLAGS N [MS] | spoof NAME | errors NAME | idle NAME MS | garbage NAME N\n");
	return 2;
}

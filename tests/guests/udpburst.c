/*
 * udpburst [PORT]: waits on UDP PORT (default 9) for one datagram holding a
 * count N, then answers its sender with N datagrams numbered 0..N-1 in one
 * burst, never yielding between them, so more frames are queued than the
 * net driver has transmit buffers (tests/kvm/net.bats checks each arrives
 * once and in order).
 * udpburst to ADDR PORT N: sends N numbered datagrams to ADDR:PORT, a
 * neighbour not yet resolved, and exits at once: they wait for ARP, and
 * must all still leave.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int send_to(const char *addr, int port, int count)
{
	/* ADDR is IPv4 or IPv6. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	int v6 = inet_pton(AF_INET, addr, &a.sin_addr) != 1;
	if (v6 && inet_pton(AF_INET6, addr, &a6.sin6_addr) != 1)
		return 1;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	const struct sockaddr *to = v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a;
	socklen_t tolen = v6 ? sizeof a6 : sizeof a;
	char buf[32];
	if (fd < 0)
		return 1;
	/* Over IPv6 a guest just booted has no route until a router answers
	 * (an empty datagram the sink ignores tells, at most 10 s), and no
	 * address of the prefix until duplicate detection ends 1-2 s later
	 * (lwIP asks for a neighbour only from an address of its prefix). */
	if (v6) {
		for (int i = 0; i < 100 && sendto(fd, "", 0, 0, to, tolen) < 0 && errno == ENETUNREACH; i++)
			usleep(100000);
		sleep(3);
	}
	for (int i = 0; i < count; i++) {
		int m = snprintf(buf, sizeof buf, "%d", i);
		if (sendto(fd, buf, (size_t)m, 0, to, tolen) != m) {
			perror("udpburst: sendto");
			return 1;
		}
	}
	printf("udpburst: sent %d\n", count);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "to"))
		return send_to(argv[2], atoi(argv[3]), atoi(argv[4]));
	int port = argc > 1 ? atoi(argv[1]) : 9;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("udpburst: bind");
		return 1;
	}
	printf("udpburst: listening on UDP port %d\n", port);
	fflush(stdout);
	char buf[64];
	struct sockaddr_in from;
	socklen_t len = sizeof from;
	ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &len);
	if (n <= 0) {
		perror("udpburst: recvfrom");
		return 1;
	}
	buf[n] = 0;
	int count = atoi(buf);
	for (int i = 0; i < count; i++) {
		int m = snprintf(buf, sizeof buf, "%d", i);
		if (sendto(fd, buf, (size_t)m, 0, (struct sockaddr *)&from, len) != m) {
			perror("udpburst: sendto");
			return 1;
		}
	}
	printf("udpburst: sent %d\n", count);
	return 0;
}

/*
 * The router bench's traffic (tests/bench/router.sh): UDP frames of SIZE
 * bytes (Ethernet header first, no FCS) written into the link IFNAME as
 * fast as it takes them, for SECONDS, from SRC_IP to DST_IP's port 9,
 * through DST_MAC (the forwarder's).  FLOWS flows: the source port runs
 * over 10000..10000+FLOWS-1, frame after frame; every checksum is right.
 * An AF_PACKET socket that skips the qdisc (PACKET_QDISC_BYPASS), written
 * with sendmmsg() in batches of 64; frames the link refuses (its peer's
 * queue full) are counted apart and not sent again.  Prints
 * "sent N refused M seconds S".
 *   frameblast IFNAME DST_MAC SRC_IP DST_IP SIZE SECONDS [FLOWS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXFLOWS 1024

static uint16_t csum(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;
	for (; n > 1; n -= 2, b += 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (n)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(const char *why)
{
	fprintf(stderr, "frameblast: %s\nusage: frameblast IFNAME DST_MAC SRC_IP DST_IP SIZE SECONDS [FLOWS]\n", why);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc != 7 && argc != 8)
		usage("wrong number of arguments");
	unsigned ifindex = if_nametoindex(argv[1]);
	uint8_t dmac[6];
	struct in_addr src, dst;
	char *end;
	long size = strtol(argv[5], &end, 10);
	if (!ifindex)
		usage("no such interface");
	if (sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2], &dmac[3], &dmac[4],
		   &dmac[5]) != 6)
		usage("bad DST_MAC");
	if (inet_pton(AF_INET, argv[3], &src) != 1 || inet_pton(AF_INET, argv[4], &dst) != 1)
		usage("bad SRC_IP or DST_IP");
	if (*end || size < 60 || size > 1514)
		usage("SIZE must be 60 to 1514");
	double secs = strtod(argv[6], &end);
	if (*end || !(secs > 0))
		usage("bad SECONDS");
	long flows = argc == 8 ? strtol(argv[7], &end, 10) : 64;
	if ((argc == 8 && *end) || flows < 1 || flows > MAXFLOWS)
		usage("FLOWS must be 1 to 1024");

	int s = socket(AF_PACKET, SOCK_RAW, 0);
	if (s < 0) {
		perror("frameblast: socket(AF_PACKET)");
		return 1;
	}
	int one = 1;
	if (setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
		perror("frameblast: PACKET_QDISC_BYPASS (going through the qdisc)");
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = (int)ifindex, .sll_halen = 6 };
	memcpy(ll.sll_addr, dmac, 6);
	if (bind(s, (struct sockaddr *)&ll, sizeof ll) < 0) {
		perror("frameblast: bind");
		return 1;
	}
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argv[1]);
	uint8_t smac[6] = { 2, 0, 0, 0, 0, 1 };
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);

	/* One frame per flow, built once. */
	static uint8_t frames[MAXFLOWS][1514];
	size_t ip_len = (size_t)size - 14, udp_len = ip_len - 20;
	for (long i = 0; i < flows; i++) {
		uint8_t *f = frames[i], *ip = f + 14, *udp = ip + 20;
		memcpy(f, dmac, 6);
		memcpy(f + 6, smac, 6);
		f[12] = 0x08, f[13] = 0x00;
		ip[0] = 0x45, ip[2] = (uint8_t)(ip_len >> 8), ip[3] = (uint8_t)ip_len;
		ip[6] = 0x40, ip[8] = 64, ip[9] = 17;
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		uint16_t c = csum(ip, 20, 0);
		ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
		uint16_t sport = (uint16_t)(10000 + i);
		udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport, udp[3] = 9;
		udp[4] = (uint8_t)(udp_len >> 8), udp[5] = (uint8_t)udp_len;
		memset(udp + 8, 'A', udp_len - 8);
		/* The pseudo-header, then the datagram. */
		uint8_t ph[12];
		memcpy(ph, ip + 12, 8);
		ph[8] = 0, ph[9] = 17, ph[10] = udp[4], ph[11] = udp[5];
		uint32_t sum = 0;
		for (int k = 0; k < 12; k += 2)
			sum += (uint32_t)ph[k] << 8 | ph[k + 1];
		c = csum(udp, udp_len, sum);
		if (!c)
			c = 0xffff;
		udp[6] = (uint8_t)(c >> 8), udp[7] = (uint8_t)c;
	}

	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	unsigned long long sent = 0, refused = 0;
	long next = 0;
	double t0 = now(), t = t0;
	for (unsigned n = 0; t - t0 < secs; n++) {
		for (int k = 0; k < BATCH; k++) {
			iov[k] = (struct iovec){ frames[(next + k) % flows], (size_t)size };
			m[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[k], .msg_iovlen = 1 } };
		}
		int r = sendmmsg(s, m, BATCH, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("frameblast: sendmmsg");
				return 1;
			}
			r = 0;
		}
		sent += (unsigned)r;
		/* A refused frame stops the batch: count it and go on after it. */
		if (r < BATCH)
			refused++, r++;
		next = (next + r) % flows;
		if ((n & 15) == 0)
			t = now();
	}
	t = now();
	printf("sent %llu refused %llu seconds %.3f\n", sent, refused, t - t0);
	return 0;
}

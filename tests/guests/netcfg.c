/*
 * Per-NIC configuration as the guest sees it (tests/kvm/netcfg.bats):
 *   netcfg info                  every address of every NIC (getifaddrs),
 *                                and each NIC's index (if_nametoindex)
 *   netcfg send ADDR PORT [NIC]  one datagram "hello" to ADDR:PORT, through
 *                                NIC (SO_BINDTODEVICE) if given
 *   netcfg serve PORT N [NIC]    answer N datagrams on PORT (those that come
 *                                in on NIC only, SO_BINDTODEVICE, if given):
 *                                print the NIC and address each came to
 *                                (IP_PKTINFO), and answer from that address
 *                                (sendmsg's IP_PKTINFO)
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

static void info(void)
{
	struct ifaddrs *ifa, *i;
	if (getifaddrs(&ifa) < 0) {
		perror("getifaddrs");
		exit(1);
	}
	for (i = ifa; i; i = i->ifa_next) {
		char a[64] = "-";
		unsigned prefix = 0;
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof a);
			uint32_t m = ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr);
			while (m & 0x80000000u)
				prefix++, m <<= 1;
		} else if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *x = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(x))
				continue; /* tentative for a second at first: listed or not */
			inet_ntop(AF_INET6, x, a, sizeof a);
			const uint8_t *m = ((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr.s6_addr;
			for (int k = 0; k < 16; k++)
				for (uint8_t b = m[k]; b & 0x80; b = (uint8_t)(b << 1))
					prefix++;
		}
		printf("ifa %s %s/%u%s%s\n", i->ifa_name, a, prefix, i->ifa_flags & IFF_UP ? " up" : "",
		       i->ifa_flags & IFF_LOOPBACK ? " loopback" : "");
	}
	freeifaddrs(ifa);
	struct if_nameindex *ni = if_nameindex();
	for (struct if_nameindex *n = ni; n && n->if_name; n++)
		printf("index %s %u %u\n", n->if_name, n->if_index, if_nametoindex(n->if_name));
	if_freenameindex(ni);
	printf("index nosuch %u\n", if_nametoindex("nosuch"));
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "info")) {
		info();
		return 0;
	}
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return fail("socket");
	if (argc >= 4 && !strcmp(argv[1], "send")) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
		inet_pton(AF_INET, argv[2], &to.sin_addr);
		if (argc >= 5 && setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, argv[4], (socklen_t)strlen(argv[4])) < 0)
			return fail("SO_BINDTODEVICE");
		char dev[IF_NAMESIZE] = "?";
		socklen_t len = sizeof dev;
		if (getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, &len) < 0)
			return fail("getsockopt");
		printf("bound to '%s'\n", dev);
		if (sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof to) != 5)
			return fail("sendto");
		printf("sent\n");
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "serve")) {
		int on = 1, n = atoi(argv[3]);
		struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
		if (bind(s, (struct sockaddr *)&me, sizeof me) < 0)
			return fail("bind");
		if (setsockopt(s, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) < 0)
			return fail("IP_PKTINFO");
		if (argc >= 5 && setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, argv[4], (socklen_t)strlen(argv[4])) < 0)
			return fail("SO_BINDTODEVICE");
		info();
		printf("ready\n");
		fflush(stdout);
		for (int k = 0; k < n; k++) {
			char buf[64], ctl[CMSG_SPACE(sizeof(struct in_pktinfo))], a[16], from[16];
			struct sockaddr_in peer;
			struct iovec iov = { buf, sizeof buf };
			struct msghdr m = { &peer, sizeof peer, &iov, 1, ctl, sizeof ctl, 0 };
			ssize_t r = recvmsg(s, &m, 0);
			if (r < 0)
				return fail("recvmsg");
			struct cmsghdr *c = CMSG_FIRSTHDR(&m);
			if (!c || c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO) {
				printf("no pktinfo\n");
				return 1;
			}
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			char name[IF_NAMESIZE] = "?";
			if_indextoname((unsigned)pi.ipi_ifindex, name);
			printf("got %s %s from %s\n", name, inet_ntop(AF_INET, &pi.ipi_addr, a, sizeof a),
			       inet_ntop(AF_INET, &peer.sin_addr, from, sizeof from));
			fflush(stdout);
			/* The answer from the address the datagram was sent to. */
			struct in_pktinfo out = { 0, pi.ipi_addr, { 0 } };
			memcpy(CMSG_DATA(c), &out, sizeof out);
			m.msg_controllen = CMSG_SPACE(sizeof out);
			iov.iov_len = (size_t)r;
			if (sendmsg(s, &m, 0) != r)
				return fail("sendmsg");
		}
		return 0;
	}
	fprintf(stderr, "usage: netcfg info | send ADDR PORT [NIC] | serve PORT N [NIC]\n");
	return 2;
}

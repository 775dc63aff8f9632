/*
 * IPV6_PKTINFO on a dual-stack UDP socket (tests/kvm/ipv6.bats):
 *   pktinfo6 serve PORT N   answer N datagrams on [::]:PORT: print the NIC
 *                           and address each came to (IPV6_RECVPKTINFO;
 *                           ::ffff:a.b.c.d for IPv4) and answer from that
 *                           address and NIC (sendmsg's IPV6_PKTINFO)
 *   pktinfo6 sticky IFINDEX ADDR PORT
 *                           one datagram to ADDR:PORT after setsockopt's
 *                           IPV6_PKTINFO chose NIC IFINDEX
 *   pktinfo6 checks         over loopback: the option's value, ::1 and
 *                           ::ffff:127.0.0.1 destinations, MSG_CTRUNC, and
 *                           the errors of bad cmsgs and foreign sources;
 *                           prints "check NAME: ok" or "check NAME: FAIL ..."
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failed;

static void check(const char *name, int ok, const char *detail)
{
	printf("check %s: %s%s\n", name, ok ? "ok" : "FAIL ", ok ? "" : detail);
	if (!ok)
		failed = 1;
	fflush(stdout);
}

static int dual_socket(uint16_t port)
{
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 me = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof me) < 0) {
		perror("socket/bind");
		exit(1);
	}
	return s;
}

/* One datagram on s into a control buffer of ctllen bytes: the in6_pktinfo
 * found (*pi), msg_flags and the controllen recvmsg left; -1: none found. */
static int recv_info(int s, size_t ctllen, struct in6_pktinfo *pi, struct sockaddr_in6 *peer, int *flags,
		     size_t *controllen)
{
	union {
		char b[256];
		struct cmsghdr align;
	} ctl;
	char buf[128];
	struct sockaddr_in6 from;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr m = { &from, sizeof from, &iov, 1, ctl.b, (socklen_t)ctllen, 0 };
	memset(ctl.b, 0, sizeof ctl.b);
	ssize_t r = recvmsg(s, &m, 0);
	if (r < 0) {
		perror("recvmsg");
		exit(1);
	}
	if (peer)
		*peer = from;
	*flags = m.msg_flags;
	*controllen = m.msg_controllen;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof *pi)) {
			memcpy(pi, CMSG_DATA(c), sizeof *pi);
			return 0;
		}
	return -1;
}

/* sendmsg "x" to `to` with one cmsg (level, type, data of len, cmsg_len
 * given); 0 or errno. */
static int send_cmsg(int s, const struct sockaddr_in6 *to, int level, int type, const void *data, size_t len,
		     size_t cmsg_len, size_t controllen)
{
	union {
		char b[CMSG_SPACE(64)];
		struct cmsghdr align;
	} ctl;
	memset(ctl.b, 0, sizeof ctl.b);
	struct cmsghdr *c = (struct cmsghdr *)ctl.b;
	c->cmsg_len = cmsg_len;
	c->cmsg_level = level;
	c->cmsg_type = type;
	memcpy(CMSG_DATA(c), data, len);
	struct iovec iov = { "x", 1 };
	struct msghdr m = { (void *)to, sizeof *to, &iov, 1, ctl.b, (socklen_t)controllen, 0 };
	return sendmsg(s, &m, 0) == 1 ? 0 : errno;
}

static struct sockaddr_in6 addr6(const char *a, uint16_t port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	inet_pton(AF_INET6, a, &in6.sin6_addr);
	return in6;
}

static const char *ntop(const struct in6_addr *a)
{
	static char s[INET6_ADDRSTRLEN];
	return inet_ntop(AF_INET6, a, s, sizeof s);
}

static int checks(void)
{
	int s = dual_socket(7000), t = dual_socket(7001), on = 1, v = -1, flags;
	socklen_t len = sizeof v;
	size_t clen;
	char d[160];
	struct in6_pktinfo pi;
	struct sockaddr_in6 peer, lo = addr6("::1", 7000), lo4 = addr6("::ffff:127.0.0.1", 7000);

	check("off by default", !getsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &v, &len) && v == 0, "");
	len = sizeof v;
	check("on",
	      !setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) &&
		  !getsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &v, &len) && v == 1 && len == sizeof v,
	      "");
	int s4 = socket(AF_INET, SOCK_DGRAM, 0), tcp = socket(AF_INET6, SOCK_STREAM, 0);
	check("not on AF_INET",
	      setsockopt(s4, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) < 0 && errno == ENOPROTOOPT,
	      strerror(errno));
	check("not on a stream",
	      setsockopt(tcp, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) < 0 && errno == ENOPROTOOPT,
	      strerror(errno));
	check("short option", setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, 2) < 0 && errno == EINVAL,
	      strerror(errno));

	/* ::1 arrives on lo (index 0 here: lo has none of its own). */
	sendto(t, "a", 1, 0, (struct sockaddr *)&lo, sizeof lo);
	int r = recv_info(s, 256, &pi, &peer, &flags, &clen);
	snprintf(d, sizeof d, "r=%d addr=%s ifindex=%u flags=%#x controllen=%zu", r, r ? "-" : ntop(&pi.ipi6_addr),
		 pi.ipi6_ifindex, flags, clen);
	check("::1",
	      !r && IN6_IS_ADDR_LOOPBACK(&pi.ipi6_addr) && pi.ipi6_ifindex == 0 && !(flags & MSG_CTRUNC) &&
		  clen == CMSG_SPACE(sizeof pi),
	      d);
	/* IPv4 to the dual-stack socket: the v4-mapped destination, and the
	 * answer from it (IPV6_PKTINFO with a v4-mapped source). */
	sendto(t, "b", 1, 0, (struct sockaddr *)&lo4, sizeof lo4);
	r = recv_info(s, 256, &pi, &peer, &flags, &clen);
	snprintf(d, sizeof d, "r=%d addr=%s", r, r ? "-" : ntop(&pi.ipi6_addr));
	check("v4-mapped destination", !r && !strcmp(ntop(&pi.ipi6_addr), "::ffff:127.0.0.1"), d);
	struct in6_pktinfo out = { pi.ipi6_addr, 0 };
	r = send_cmsg(s, &peer, IPPROTO_IPV6, IPV6_PKTINFO, &out, sizeof out, CMSG_LEN(sizeof out),
		      CMSG_SPACE(sizeof out));
	check("v4-mapped source", r == 0, strerror(r));
	struct sockaddr_in6 from;
	socklen_t fl = sizeof from;
	char c = 0;
	r = (int)recvfrom(t, &c, 1, 0, (struct sockaddr *)&from, &fl);
	check("v4-mapped answer", r == 1 && c == 'x' && !strcmp(ntop(&from.sin6_addr), "::ffff:127.0.0.1"),
	      r == 1 ? ntop(&from.sin6_addr) : strerror(errno));

	/* A control buffer too small: the data, MSG_CTRUNC. */
	sendto(t, "c", 1, 0, (struct sockaddr *)&lo, sizeof lo);
	r = recv_info(s, CMSG_LEN(sizeof pi) - 4, &pi, NULL, &flags, &clen);
	snprintf(d, sizeof d, "flags=%#x controllen=%zu", flags, clen);
	check("MSG_CTRUNC", r < 0 && (flags & MSG_CTRUNC) && clen <= CMSG_LEN(sizeof pi) - 4, d);
	sendto(t, "d", 1, 0, (struct sockaddr *)&lo, sizeof lo);
	r = recv_info(s, 0, &pi, NULL, &flags, &clen);
	snprintf(d, sizeof d, "flags=%#x controllen=%zu", flags, clen);
	check("MSG_CTRUNC, no room", r < 0 && (flags & MSG_CTRUNC) && clen == 0, d);

	/* sendmsg's errors (as Linux): EINVAL for a source the guest does not
	 * have, a bad cmsg length or level; ENODEV for no such NIC. */
	struct in6_pktinfo foreign = { 0 }, ok = { 0 };
	inet_pton(AF_INET6, "fd00:99::99", &foreign.ipi6_addr);
	struct sockaddr_in6 back = addr6("::1", 7001), back4 = addr6("::ffff:127.0.0.1", 7001);
	size_t L = CMSG_LEN(sizeof ok), S = CMSG_SPACE(sizeof ok);
	r = send_cmsg(s, &back, IPPROTO_IPV6, IPV6_PKTINFO, &foreign, sizeof foreign, L, S);
	check("foreign source", r == EINVAL, strerror(r));
	inet_pton(AF_INET6, "::ffff:10.9.9.9", &foreign.ipi6_addr);
	r = send_cmsg(s, &back4, IPPROTO_IPV6, IPV6_PKTINFO, &foreign, sizeof foreign, L, S);
	check("foreign v4-mapped source", r == EINVAL, strerror(r));
	r = send_cmsg(s, &back4, IPPROTO_IPV6, IPV6_PKTINFO, &ok, sizeof ok, L, S);
	check("IPv4 peer, unspecified source", r == EINVAL, strerror(r));
	r = send_cmsg(s, &back, IPPROTO_IPV6, IPV6_PKTINFO, &ok, sizeof ok, CMSG_LEN(8), S);
	check("short cmsg_len", r == EINVAL, strerror(r));
	r = send_cmsg(s, &back, IPPROTO_IPV6, IPV6_PKTINFO, &ok, sizeof ok, S + 64, S);
	check("cmsg_len past the buffer", r == EINVAL, strerror(r));
	r = send_cmsg(s, &back, IPPROTO_IPV6, IPV6_PKTINFO, &ok, sizeof ok, 0, S);
	check("cmsg_len 0", r == EINVAL, strerror(r));
	r = send_cmsg(s, &back, 99, IPV6_PKTINFO, &ok, sizeof ok, L, S);
	check("bad level", r == EINVAL, strerror(r));
	r = send_cmsg(s, &back, IPPROTO_IPV6, 12345, &ok, sizeof ok, L, S);
	check("bad type", r == EINVAL, strerror(r));
	struct in_pktinfo pi4 = { 0 };
	r = send_cmsg(s, &back, IPPROTO_IP, IP_PKTINFO, &pi4, sizeof pi4, CMSG_LEN(sizeof pi4), CMSG_SPACE(sizeof pi4));
	check("IP_PKTINFO to an IPv6 peer", r == EINVAL, strerror(r));
	struct in6_pktinfo nodev = { IN6ADDR_LOOPBACK_INIT, 99 };
	r = send_cmsg(s, &back, IPPROTO_IPV6, IPV6_PKTINFO, &nodev, sizeof nodev, L, S);
	check("no such NIC", r == ENODEV, strerror(r));
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(7001) };
	to4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = send_cmsg(s4, (struct sockaddr_in6 *)(void *)&to4, IPPROTO_IPV6, IPV6_PKTINFO, &ok, sizeof ok, L, S);
	check("IPV6_PKTINFO on AF_INET", r == EINVAL, strerror(r));
	/* Sticky IPV6_PKTINFO: a NIC; bad ones refused. */
	check("sticky short", setsockopt(s, IPPROTO_IPV6, IPV6_PKTINFO, &on, sizeof on) < 0 && errno == EINVAL,
	      strerror(errno));
	check("sticky no such NIC",
	      setsockopt(s, IPPROTO_IPV6, IPV6_PKTINFO, &nodev, sizeof nodev) < 0 && errno == ENODEV, strerror(errno));
	check("sticky none", !setsockopt(s, IPPROTO_IPV6, IPV6_PKTINFO, &ok, sizeof ok), strerror(errno));

	/* After all that, plain sends and the source ::1 still work, and no
	 * error left anything behind. */
	out.ipi6_addr = in6addr_loopback;
	r = send_cmsg(s, &back, IPPROTO_IPV6, IPV6_PKTINFO, &out, sizeof out, L, S);
	check("source ::1", r == 0, strerror(r));
	fl = sizeof from;
	r = (int)recvfrom(t, &c, 1, 0, (struct sockaddr *)&from, &fl);
	check("answer from ::1", r == 1 && IN6_IS_ADDR_LOOPBACK(&from.sin6_addr), strerror(errno));
	check("plain sendto", sendto(s, "y", 1, 0, (struct sockaddr *)&back, sizeof back) == 1, strerror(errno));
	fl = sizeof from;
	r = (int)recvfrom(t, &c, 1, 0, (struct sockaddr *)&from, &fl);
	check("plain answer", r == 1 && c == 'y', strerror(errno));
	printf("%s\n", failed ? "checks failed" : "checks done");
	return failed;
}

static int serve(uint16_t port, int n)
{
	int s = dual_socket(port), on = 1;
	if (setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) < 0) {
		perror("IPV6_RECVPKTINFO");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (int k = 0; k < n; k++) {
		struct in6_pktinfo pi;
		struct sockaddr_in6 peer;
		int flags;
		size_t clen;
		if (recv_info(s, 256, &pi, &peer, &flags, &clen) < 0) {
			printf("no pktinfo\n");
			return 1;
		}
		char name[IF_NAMESIZE] = "lo", from[INET6_ADDRSTRLEN];
		if (pi.ipi6_ifindex)
			if_indextoname(pi.ipi6_ifindex, name);
		printf("got %s %u %s from %s\n", name, pi.ipi6_ifindex, ntop(&pi.ipi6_addr),
		       inet_ntop(AF_INET6, &peer.sin6_addr, from, sizeof from));
		fflush(stdout);
		/* The answer from the address the datagram was sent to, out
		 * the NIC it came in on. */
		struct in6_pktinfo out = pi;
		int r = send_cmsg(s, &peer, IPPROTO_IPV6, IPV6_PKTINFO, &out, sizeof out, CMSG_LEN(sizeof out),
				  CMSG_SPACE(sizeof out));
		if (r) {
			printf("sendmsg: %s\n", strerror(r));
			return 1;
		}
	}
	return 0;
}

/* setsockopt's IPV6_PKTINFO: the NIC for what follows; then one plain
 * sendto. */
static int sticky(unsigned ifindex, const char *addr, uint16_t port)
{
	int s = dual_socket(0);
	struct in6_pktinfo pi = { IN6ADDR_ANY_INIT, ifindex };
	struct sockaddr_in6 to = addr6(addr, port);
	if (setsockopt(s, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi) < 0) {
		perror("IPV6_PKTINFO");
		return 1;
	}
	/* The NIC's link-local address, the source, is usable after a second
	 * (duplicate address detection): until then, no route (bounded). */
	for (int k = 0; sendto(s, "sticky", 6, 0, (struct sockaddr *)&to, sizeof to) != 6; k++) {
		if (k == 50 || (errno != ENETUNREACH && errno != EHOSTUNREACH)) {
			perror("sendto");
			return 1;
		}
		usleep(100000);
	}
	printf("sent\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "sticky"))
		return sticky((unsigned)atoi(argv[2]), argv[3], (uint16_t)atoi(argv[4]));
	if (argc >= 2 && !strcmp(argv[1], "checks"))
		return checks();
	if (argc >= 4 && !strcmp(argv[1], "serve"))
		return serve((uint16_t)atoi(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: pktinfo6 checks | serve PORT N | sticky IFINDEX ADDR PORT\n");
	return 2;
}

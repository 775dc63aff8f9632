/*
 * Multicast UDP sockets (tests/kvm/multicast.bats; libos/net/mcast.c):
 *   mcast serve PORT   join 239.1.2.3 and ff12::1:2:3 on the first NIC,
 *                      answer datagrams to them (to the sender, unicast)
 *                      until one of each family came, print "got GROUP
 *                      from ADDR" for each, then drop both ("dropped") and
 *                      print "late ..." for any datagram that still comes
 *                      in the next 4 s
 *   mcast send PORT    "hello4" to 239.1.2.3:PORT and "hello6" to
 *                      [ff12::1:2:3]:PORT out the first NIC
 *                      (IP_MULTICAST_IF / IPV6_MULTICAST_IF), TTL 7, hop
 *                      limit 5, three times 0.3 s apart
 *   mcast idle         join both groups on port 9500, then wait for a
 *                      datagram to either (forever), answer it and exit
 *   mcast nics ADDR2 PORT
 *                      two NICs, ADDR2 the second's address: join
 *                      239.1.2.3 by that address (NIC 2), check that index 2
 *                      is the same membership and INADDR_ANY another (NIC
 *                      1), drop NIC 1's; answer datagrams to PORT for 8 s,
 *                      and after one that says "on1", send "via1" to the
 *                      group's PORT + 1 out IP_MULTICAST_IF = ADDR2
 *   mcast checks       the options' defaults and values, the errors, and
 *                      loopback delivery (IP_MULTICAST_LOOP, SO_REUSEADDR,
 *                      close() leaving); prints "check NAME: ok" or
 *                      "check NAME: FAIL ..."
 * Every wait is bounded (but idle's).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define G4 "239.1.2.3"
#define G6 "ff12::1:2:3"

static int failed;

static void check(const char *name, int ok, const char *detail)
{
	printf("check %s: %s%s\n", name, ok ? "ok" : "FAIL ", ok ? "" : detail);
	if (!ok)
		failed = 1;
	fflush(stdout);
}

/* setsockopt's errno (0: success). */
static int so(int s, int level, int name, const void *v, socklen_t len)
{
	return setsockopt(s, level, name, v, len) ? errno : 0;
}

static void check_err(const char *name, int got, int want)
{
	char d[96];
	snprintf(d, sizeof d, "got %s, want %s", got ? strerror(got) : "success", want ? strerror(want) : "success");
	check(name, got == want, d);
}

static int geti(int s, int level, int name)
{
	int v = -12345;
	socklen_t l = sizeof v;
	if (getsockopt(s, level, name, &v, &l))
		return -errno * 1000;
	return v;
}

static struct ip_mreq mreq4(const char *group)
{
	struct ip_mreq m;
	memset(&m, 0, sizeof m);
	inet_pton(AF_INET, group, &m.imr_multiaddr);
	return m;
}

static struct ipv6_mreq mreq6(const char *group, unsigned ifindex)
{
	struct ipv6_mreq m;
	memset(&m, 0, sizeof m);
	inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr);
	m.ipv6mr_interface = ifindex;
	return m;
}

static int udp(int family, uint16_t port, int reuse)
{
	int s = socket(family, SOCK_DGRAM, 0), one = 1;
	if (s < 0) {
		perror("socket");
		exit(1);
	}
	if (family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (reuse)
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (port) {
		struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
		int r = family == AF_INET ? bind(s, (struct sockaddr *)&a4, sizeof a4)
					  : bind(s, (struct sockaddr *)&a6, sizeof a6);
		if (r) {
			perror("bind");
			exit(1);
		}
	}
	return s;
}

static void join_both(int s4, int s6)
{
	struct ip_mreq m4 = mreq4(G4);
	struct ipv6_mreq m6 = mreq6(G6, 0);
	if (setsockopt(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, sizeof m4) ||
	    setsockopt(s6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof m6)) {
		perror("join");
		exit(1);
	}
}

/* A datagram on s within ms milliseconds: its length, or -1. */
static int recv_within(int s, int ms, char *buf, size_t len, struct sockaddr_storage *from)
{
	struct pollfd p = { s, POLLIN, 0 };
	if (poll(&p, 1, ms) != 1)
		return -1;
	socklen_t fl = sizeof *from;
	struct sockaddr_storage ignored;
	return (int)recvfrom(s, buf, len, 0, (struct sockaddr *)(from ? from : &ignored), &fl);
}

static void addr_str(const struct sockaddr_storage *a, char *out, size_t len)
{
	if (a->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, out, (socklen_t)len);
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, out, (socklen_t)len);
}

static int serve(uint16_t port)
{
	/* The link-local address passes duplicate detection first (about
	 * 1 s), so that the MLD report and the answers have a source. */
	sleep(2);
	int s[2] = { udp(AF_INET, port, 0), udp(AF_INET6, port, 0) };
	join_both(s[0], s[1]);
	printf("joined\n");
	fflush(stdout);
	int got[2] = { 0, 0 };
	for (int rounds = 0; rounds < 200 && !(got[0] && got[1]); rounds++) {
		struct pollfd p[2] = { { s[0], POLLIN, 0 }, { s[1], POLLIN, 0 } };
		if (poll(p, 2, 100) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			char buf[256], from[64];
			struct sockaddr_storage a;
			socklen_t al = sizeof a;
			ssize_t n = recvfrom(s[i], buf, sizeof buf, 0, (struct sockaddr *)&a, &al);
			if (n < 0)
				continue;
			addr_str(&a, from, sizeof from);
			printf("got %s from %s: %.*s\n", i ? G6 : G4, from, (int)n, buf);
			fflush(stdout);
			sendto(s[i], buf, (size_t)n, 0, (struct sockaddr *)&a, al);
			got[i] = 1;
		}
	}
	struct ip_mreq m4 = mreq4(G4);
	struct ipv6_mreq m6 = mreq6(G6, 1);
	if (setsockopt(s[0], IPPROTO_IP, IP_DROP_MEMBERSHIP, &m4, sizeof m4) ||
	    setsockopt(s[1], IPPROTO_IPV6, IPV6_LEAVE_GROUP, &m6, sizeof m6)) {
		perror("drop");
		return 1;
	}
	printf("dropped\n");
	fflush(stdout);
	for (int t = 0; t < 40; t++) {
		struct pollfd p[2] = { { s[0], POLLIN, 0 }, { s[1], POLLIN, 0 } };
		if (poll(p, 2, 100) <= 0)
			continue;
		for (int i = 0; i < 2; i++)
			if (p[i].revents & POLLIN) {
				char buf[256];
				ssize_t n = recv(s[i], buf, sizeof buf, 0);
				printf("late %s: %.*s\n", i ? G6 : G4, (int)(n > 0 ? n : 0), buf);
			}
	}
	printf("done\n");
	return 0;
}

static int send_groups(uint16_t port)
{
	sleep(2); /* the link-local address: a source for IPv6 */
	int s4 = udp(AF_INET, 0, 0), s6 = udp(AF_INET6, 0, 0);
	struct ip_mreqn via = { .imr_ifindex = 1 };
	int ttl = 7, hops = 5, one = 1;
	if (setsockopt(s4, IPPROTO_IP, IP_MULTICAST_IF, &via, sizeof via) ||
	    setsockopt(s4, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) ||
	    setsockopt(s6, IPPROTO_IPV6, IPV6_MULTICAST_IF, &one, sizeof one) ||
	    setsockopt(s6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops)) {
		perror("setsockopt");
		return 1;
	}
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	inet_pton(AF_INET, G4, &a4.sin_addr);
	inet_pton(AF_INET6, G6, &a6.sin6_addr);
	for (int i = 0; i < 3; i++) {
		if (sendto(s4, "hello4", 6, 0, (struct sockaddr *)&a4, sizeof a4) != 6 ||
		    sendto(s6, "hello6", 6, 0, (struct sockaddr *)&a6, sizeof a6) != 6) {
			perror("sendto");
			return 1;
		}
		usleep(300000);
	}
	printf("sent\n");
	return 0;
}

static int idle(void)
{
	int s4 = udp(AF_INET, 9500, 0), s6 = udp(AF_INET6, 9500, 0);
	join_both(s4, s6);
	printf("joined\n");
	fflush(stdout);
	struct pollfd p[2] = { { s4, POLLIN, 0 }, { s6, POLLIN, 0 } };
	if (poll(p, 2, -1) < 1)
		return 1;
	int s = p[0].revents & POLLIN ? s4 : s6;
	char buf[64];
	struct sockaddr_storage a;
	socklen_t al = sizeof a;
	ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&a, &al);
	if (n > 0)
		sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&a, al);
	printf("answered\n");
	return 0;
}

static int nics(const char *addr2, uint16_t port)
{
	int s = udp(AF_INET, port, 0);
	struct ip_mreq by_addr = mreq4(G4), any = mreq4(G4);
	struct ip_mreqn two = { .imr_ifindex = 2 }, one = { .imr_ifindex = 1 };
	struct in_addr a2;
	inet_pton(AF_INET, addr2, &a2);
	by_addr.imr_interface = a2;
	two.imr_multiaddr = one.imr_multiaddr = any.imr_multiaddr;
	check_err("join by NIC 2's address", so(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &by_addr, sizeof by_addr), 0);
	check_err("NIC 2 by index: the same membership", so(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &two, sizeof two),
		  EADDRINUSE);
	check_err("INADDR_ANY: NIC 1, another", so(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &any, sizeof any), 0);
	check_err("drop NIC 1's by index", so(s, IPPROTO_IP, IP_DROP_MEMBERSHIP, &one, sizeof one), 0);
	printf("joined\n");
	for (int t = 0; t < 80; t++) {
		char buf[64];
		struct sockaddr_storage from;
		int n = recv_within(s, 100, buf, sizeof buf, &from);
		if (n <= 0)
			continue;
		printf("got %.*s\n", n, buf);
		sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, sizeof(struct sockaddr_in));
		if (n != 3 || memcmp(buf, "on1", 3))
			continue;
		int tx = udp(AF_INET, 0, 0);
		struct sockaddr_in g = { .sin_family = AF_INET, .sin_port = htons(port + 1) };
		inet_pton(AF_INET, G4, &g.sin_addr);
		check_err("IP_MULTICAST_IF by NIC 2's address", so(tx, IPPROTO_IP, IP_MULTICAST_IF, &a2, sizeof a2), 0);
		for (int i = 0; i < 3; i++) {
			sendto(tx, "via1", 4, 0, (struct sockaddr *)&g, sizeof g);
			usleep(300000);
		}
		printf("sent\n");
		return failed;
	}
	return 1;
}

/* Loopback: what the sockets in rx[] (bound to port, some joined) get of
 * one datagram sent to group:port with IP(V6)_MULTICAST_LOOP = loop; a bit
 * per socket that got it. */
static unsigned loop_round(int family, const char *group, uint16_t port, int loop, const int *rx, int n)
{
	int tx = udp(family, 0, 0);
	if (family == AF_INET)
		setsockopt(tx, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
	else
		setsockopt(tx, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	inet_pton(AF_INET, group, &a4.sin_addr);
	inet_pton(AF_INET6, group, &a6.sin6_addr);
	ssize_t r = family == AF_INET ? sendto(tx, "loop", 4, 0, (struct sockaddr *)&a4, sizeof a4)
				      : sendto(tx, "loop", 4, 0, (struct sockaddr *)&a6, sizeof a6);
	if (r != 4)
		perror("sendto");
	unsigned got = 0;
	for (int i = 0; i < n; i++) {
		char buf[16];
		if (recv_within(rx[i], i ? 50 : 500, buf, sizeof buf, NULL) == 4 && !memcmp(buf, "loop", 4))
			got |= 1u << i;
	}
	close(tx);
	return got;
}

static void check_loop(int family, const char *group, uint16_t port)
{
	const char *f = family == AF_INET ? "4" : "6";
	char name[64], d[64];
	int rx[3] = { udp(family, port, 1), udp(family, port, 1), -1 };
	struct ip_mreq m4 = mreq4(group);
	struct ipv6_mreq m6 = mreq6(group, 1);
	for (int i = 0; i < 2; i++)
		if (family == AF_INET ? so(rx[i], IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, sizeof m4)
				      : so(rx[i], IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof m6))
			check("join for loopback", 0, strerror(errno));
	/* A third socket on the port that joined nothing gets it too (as
	 * Linux's default IP_MULTICAST_ALL), unless it turns that off. */
	rx[2] = udp(family, port, 1);
	unsigned got = loop_round(family, group, port, 1, rx, 3);
	snprintf(name, sizeof name, "loop%s on: every socket on the port gets a copy", f);
	snprintf(d, sizeof d, "got mask %u", got);
	check(name, got == 7, d);
	int off = 0;
	if (family == AF_INET)
		setsockopt(rx[2], IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off);
	else
		setsockopt(rx[2], IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof off);
	got = loop_round(family, group, port, 1, rx, 3);
	snprintf(name, sizeof name, "loop%s: MULTICAST_ALL off, only the sockets that joined", f);
	snprintf(d, sizeof d, "got mask %u", got);
	check(name, got == 3, d);
	got = loop_round(family, group, port, 0, rx, 3);
	snprintf(name, sizeof name, "loop%s off: no copy", f);
	snprintf(d, sizeof d, "got mask %u", got);
	check(name, got == 0, d);
	/* One socket closes: the other still has the group. */
	close(rx[0]);
	got = loop_round(family, group, port, 1, rx + 1, 1);
	snprintf(name, sizeof name, "loop%s: the group stays while a socket has it", f);
	snprintf(d, sizeof d, "got mask %u", got);
	check(name, got == 1, d);
	/* The last closes: the NIC leaves the group, nothing is delivered. */
	close(rx[1]);
	close(rx[2]);
	rx[0] = udp(family, port, 1);
	got = loop_round(family, group, port, 1, rx, 1);
	snprintf(name, sizeof name, "loop%s: close() left the group", f);
	snprintf(d, sizeof d, "got mask %u", got);
	check(name, got == 0, d);
	close(rx[0]);
}

static int checks(void)
{
	int s4 = udp(AF_INET, 0, 0), s6 = udp(AF_INET6, 0, 0);
	int t4 = socket(AF_INET, SOCK_STREAM, 0), t6 = socket(AF_INET6, SOCK_STREAM, 0);
	char d[96];
	/* Defaults (Linux's). */
	snprintf(d, sizeof d, "ttl %d loop %d hops %d loop6 %d if6 %d all %d", geti(s4, IPPROTO_IP, IP_MULTICAST_TTL),
		 geti(s4, IPPROTO_IP, IP_MULTICAST_LOOP), geti(s6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS),
		 geti(s6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP), geti(s6, IPPROTO_IPV6, IPV6_MULTICAST_IF),
		 geti(s4, IPPROTO_IP, IP_MULTICAST_ALL));
	check("defaults", !strcmp(d, "ttl 1 loop 1 hops 1 loop6 1 if6 0 all 1"), d);
	struct in_addr ifa = { 0xffffffff };
	socklen_t l = sizeof ifa;
	getsockopt(s4, IPPROTO_IP, IP_MULTICAST_IF, &ifa, &l);
	check("IP_MULTICAST_IF default 0.0.0.0", l == 4 && ifa.s_addr == 0, "not 0.0.0.0");
	/* Values set and read back. */
	int v = 9, zero = 0, one = 1, m1 = -1;
	unsigned char b = 3;
	check_err("IP_MULTICAST_TTL 9", so(s4, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof v), 0);
	check("IP_MULTICAST_TTL reads 9", geti(s4, IPPROTO_IP, IP_MULTICAST_TTL) == 9, "not 9");
	check_err("IP_MULTICAST_TTL one byte", so(s4, IPPROTO_IP, IP_MULTICAST_TTL, &b, 1), 0);
	check("IP_MULTICAST_TTL reads 3", geti(s4, IPPROTO_IP, IP_MULTICAST_TTL) == 3, "not 3");
	check_err("IP_MULTICAST_TTL -1", so(s4, IPPROTO_IP, IP_MULTICAST_TTL, &m1, sizeof m1), 0);
	check("IP_MULTICAST_TTL -1 is 1", geti(s4, IPPROTO_IP, IP_MULTICAST_TTL) == 1, "not 1");
	check_err("IP_MULTICAST_LOOP 0", so(s4, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof zero), 0);
	check("IP_MULTICAST_LOOP reads 0", geti(s4, IPPROTO_IP, IP_MULTICAST_LOOP) == 0, "not 0");
	v = 200;
	check_err("IPV6_MULTICAST_HOPS 200", so(s6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &v, sizeof v), 0);
	check("IPV6_MULTICAST_HOPS reads 200", geti(s6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS) == 200, "not 200");
	check_err("IPV6_MULTICAST_LOOP 0", so(s6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof zero), 0);
	check("IPV6_MULTICAST_LOOP reads 0", geti(s6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP) == 0, "not 0");
	check_err("IPV6_MULTICAST_IF 1", so(s6, IPPROTO_IPV6, IPV6_MULTICAST_IF, &one, sizeof one), 0);
	check("IPV6_MULTICAST_IF reads 1", geti(s6, IPPROTO_IPV6, IPV6_MULTICAST_IF) == 1, "not 1");
	struct ip_mreqn mn = { .imr_ifindex = 1 };
	check_err("IP_MULTICAST_IF ip_mreqn", so(s4, IPPROTO_IP, IP_MULTICAST_IF, &mn, sizeof mn), 0);
	ifa.s_addr = 0;
	check_err("IP_MULTICAST_IF 0.0.0.0", so(s4, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof ifa), 0);
	/* Membership: per socket. */
	struct ip_mreq m4 = mreq4(G4);
	struct ip_mreqn m4n = { .imr_ifindex = 1 };
	m4n.imr_multiaddr = m4.imr_multiaddr;
	check_err("IP_ADD_MEMBERSHIP", so(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, sizeof m4), 0);
	check_err("IP_ADD_MEMBERSHIP twice", so(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, sizeof m4), EADDRINUSE);
	check_err("IP_ADD_MEMBERSHIP twice (ip_mreqn, same NIC)",
		  so(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4n, sizeof m4n), EADDRINUSE);
	int other = udp(AF_INET, 0, 0);
	check_err("IP_ADD_MEMBERSHIP on another socket", so(other, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4n, sizeof m4n), 0);
	struct ip_mreq m4x = mreq4("239.1.2.4");
	check_err("IP_DROP_MEMBERSHIP not joined", so(s4, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m4x, sizeof m4x),
		  EADDRNOTAVAIL);
	check_err("IP_DROP_MEMBERSHIP", so(s4, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m4, sizeof m4), 0);
	check_err("IP_DROP_MEMBERSHIP again", so(s4, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m4, sizeof m4), EADDRNOTAVAIL);
	close(other);
	/* Bad input. */
	check_err("IP_ADD_MEMBERSHIP short", so(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, 4), EINVAL);
	struct ip_mreq bad = mreq4("10.1.2.3");
	check_err("IP_ADD_MEMBERSHIP unicast group", so(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &bad, sizeof bad), EINVAL);
	struct ip_mreqn nodev = { .imr_ifindex = 9 };
	nodev.imr_multiaddr = m4.imr_multiaddr;
	check_err("IP_ADD_MEMBERSHIP unknown ifindex", so(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &nodev, sizeof nodev),
		  ENODEV);
	struct ip_mreq noaddr = m4;
	inet_pton(AF_INET, "10.9.9.9", &noaddr.imr_interface);
	check_err("IP_ADD_MEMBERSHIP unknown address", so(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &noaddr, sizeof noaddr),
		  ENODEV);
	check_err("IP_MULTICAST_IF unknown address",
		  so(s4, IPPROTO_IP, IP_MULTICAST_IF, &noaddr.imr_interface, sizeof noaddr.imr_interface),
		  EADDRNOTAVAIL);
	check_err("IP_MULTICAST_IF short", so(s4, IPPROTO_IP, IP_MULTICAST_IF, &ifa, 2), EINVAL);
	v = 256;
	check_err("IP_MULTICAST_TTL 256", so(s4, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof v), EINVAL);
	check_err("IPV6_MULTICAST_HOPS 256", so(s6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &v, sizeof v), EINVAL);
	v = 2;
	check_err("IPV6_MULTICAST_LOOP 2", so(s6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &v, sizeof v), EINVAL);
	check_err("IPV6_MULTICAST_LOOP short", so(s6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &b, 1), EINVAL);
	v = 9;
	check_err("IPV6_MULTICAST_IF unknown", so(s6, IPPROTO_IPV6, IPV6_MULTICAST_IF, &v, sizeof v), ENODEV);
	/* IPv6 membership. */
	struct ipv6_mreq m6 = mreq6(G6, 0), m6one = mreq6(G6, 1);
	check_err("IPV6_JOIN_GROUP", so(s6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof m6), 0);
	check_err("IPV6_JOIN_GROUP twice (NIC 1 = the default)",
		  so(s6, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m6one, sizeof m6one), EADDRINUSE);
	struct ipv6_mreq m6x = mreq6("ff12::9", 1);
	check_err("IPV6_LEAVE_GROUP not joined", so(s6, IPPROTO_IPV6, IPV6_LEAVE_GROUP, &m6x, sizeof m6x),
		  EADDRNOTAVAIL);
	check_err("IPV6_DROP_MEMBERSHIP", so(s6, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &m6one, sizeof m6one), 0);
	check_err("IPV6_LEAVE_GROUP again", so(s6, IPPROTO_IPV6, IPV6_LEAVE_GROUP, &m6, sizeof m6), EADDRNOTAVAIL);
	struct ipv6_mreq u6 = mreq6("fe80::1", 1), n6 = mreq6(G6, 9);
	check_err("IPV6_JOIN_GROUP unicast group", so(s6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &u6, sizeof u6), EINVAL);
	check_err("IPV6_JOIN_GROUP unknown NIC", so(s6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &n6, sizeof n6), ENODEV);
	check_err("IPV6_JOIN_GROUP short", so(s6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, 16), EINVAL);
	check_err("IPV6_JOIN_GROUP on an AF_INET socket", so(s4, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof m6),
		  ENOPROTOOPT);
	/* TCP sockets: Linux's answers. */
	check_err("TCP IP_ADD_MEMBERSHIP", so(t4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, sizeof m4), EPROTO);
	check_err("TCP IP_MULTICAST_TTL", so(t4, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof one), EINVAL);
	check_err("TCP IPV6_JOIN_GROUP", so(t6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof m6), EPROTO);
	check_err("TCP IPV6_MULTICAST_HOPS", so(t6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &one, sizeof one), ENOPROTOOPT);
	l = sizeof m4;
	check_err("getsockopt IP_ADD_MEMBERSHIP", getsockopt(s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, &l) ? errno : 0,
		  ENOPROTOOPT);
	/* Two sockets on one port need SO_REUSEADDR (as Linux). */
	int a = udp(AF_INET, 9600, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(9600) };
	check_err("a second bind without SO_REUSEADDR", bind(c, (struct sockaddr *)&at, sizeof at) ? errno : 0,
		  EADDRINUSE);
	close(a);
	close(c);
	/* Loopback delivery (IPv6's once the link-local address, the
	 * source, passed duplicate detection: about 1 s after boot). */
	check_loop(AF_INET, G4, 9601);
	sleep(2);
	check_loop(AF_INET6, G6, 9602);
	close(s4);
	close(s6);
	close(t4);
	close(t6);
	printf("checks %s\n", failed ? "FAILED" : "passed");
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve((uint16_t)atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "send"))
		return send_groups((uint16_t)atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "idle"))
		return idle();
	if (argc == 4 && !strcmp(argv[1], "nics"))
		return nics(argv[2], (uint16_t)atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "checks"))
		return checks();
	fprintf(stderr, "usage: mcast serve PORT | send PORT | idle | nics ADDR2 PORT | checks\n");
	return 2;
}

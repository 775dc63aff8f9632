/*
 * A small DNS client: A and AAAA records for one name, over UDP to each configured
 * server in turn, again over TCP when the answer is truncated, CNAME chains
 * followed.  Bounded: DNS_TRIES rounds over the servers, DNS_TIMEOUT_MS
 * each.  Before DNS come host entries (--host-entry, as TINCAN_HOSTS) and
 * "localhost".
 *
 * Configuration is platform-neutral, through the environment the guest
 * boots with (tincan-run --dns/--host-entry add it; --env can too):
 *   TINCAN_DNS=ADDR[,ADDR...]          up to DNS_SERVERS_MAX servers (IPv4
 *                                       or IPv6)
 *   TINCAN_HOSTS=NAME:ADDR[,NAME:ADDR]  host entries, checked first (ADDR
 *                                       IPv4 or IPv6)
 * Both are read at the first look-up.  With no TINCAN_DNS, the servers DHCP
 * or an IPv6 router advertisement (RDNSS, RFC 8106) gave are used (lwIP's
 * dns_getserver: the newest of them; a link-local one with its NIC).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/netif.h"

#include "../internal.h"
#include "dns.h"
#include "pton.h"
#include "stack6.h"

#define DNS_SERVERS_MAX 3
#define DNS_HOSTS_MAX 32
#define DNS_TRIES 2
#define DNS_TIMEOUT_MS 2000
#define DNS_CNAME_MAX 8
#define DNS_DHCP_WAIT_MS 8000
#define DNS_RA_WAIT_MS 7000
#define DNS_WAIT_MS 9000 /* all of servers_now's waits */
#define DNS_UDP_MAX 512
#define DNS_TCP_MAX 4096

/* A server: its address and, for a link-local IPv6 one, its NIC (an
 * interface index, sin6_scope_id). */
struct dns_server {
	struct dns_addr addr;
	uint32_t scope;
};
static struct dns_server servers[DNS_SERVERS_MAX];
static int nservers;

static struct host_entry {
	char name[DNS_NAME_MAX];
	struct dns_addr addr;
} hosts[DNS_HOSTS_MAX];
static int nhosts, configured;

/* A name as DNS wants it: 1 to 253 characters, labels of 1 to 63. */
static int name_ok(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (c <= ' ' || c == 0x7f || ++label > 63) {
			return 0;
		}
	}
	return 1;
}

/* Read at the first look-up (environ is set after the stack starts). */
static void dns_config(void)
{
	const char *s = getenv("TINCAN_DNS");
	char buf[DNS_NAME_MAX + 20];
	if (configured)
		return;
	configured = 1;
	while (s && *s && nservers < DNS_SERVERS_MAX) {
		size_t n = strcspn(s, ", ");
		if (n < sizeof buf) {
			memcpy(buf, s, n);
			buf[n] = 0;
			servers[nservers].addr.af = strchr(buf, ':') ? AF_INET6 : AF_INET;
			if (tc_inet_pton(servers[nservers].addr.af, buf, servers[nservers].addr.a) == 1)
				nservers++;
		}
		s += n;
		s += strspn(s, ", ");
	}
	s = getenv("TINCAN_HOSTS");
	while (s && *s && nhosts < DNS_HOSTS_MAX) {
		size_t n = strcspn(s, ", ");
		const char *colon = memchr(s, ':', n);
		if (colon && n < sizeof buf && (size_t)(colon - s) < DNS_NAME_MAX) {
			struct host_entry *h = &hosts[nhosts];
			memcpy(h->name, s, (size_t)(colon - s));
			h->name[colon - s] = 0;
			memcpy(buf, colon + 1, n - (size_t)(colon - s) - 1);
			buf[n - (size_t)(colon - s) - 1] = 0;
			h->addr.af = strchr(buf, ':') ? AF_INET6 : AF_INET;
			if (name_ok(h->name) && tc_inet_pton(h->addr.af, buf, h->addr.a) == 1)
				nhosts++;
		}
		s += n;
		s += strspn(s, ", ");
	}
}

const char *dns_host_by_addr(struct in_addr addr)
{
	dns_config();
	for (int i = 0; i < nhosts; i++)
		if (hosts[i].addr.af == AF_INET && !memcmp(hosts[i].addr.a, &addr, 4))
			return hosts[i].name;
	if (addr.s_addr == htonl(INADDR_LOOPBACK))
		return "localhost";
	return NULL;
}

const char *dns_host_by_addr6(const struct in6_addr *addr)
{
	static const uint8_t loopback[16] = { [15] = 1 };
	dns_config();
	for (int i = 0; i < nhosts; i++)
		if (hosts[i].addr.af == AF_INET6 && !memcmp(hosts[i].addr.a, addr, 16))
			return hosts[i].name;
	return memcmp(addr, loopback, 16) ? NULL : "localhost";
}

/* Names compare without case and without a final dot. */
static int same_name(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na && a[na - 1] == '.')
		na--;
	if (nb && b[nb - 1] == '.')
		nb--;
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* ---- messages ------------------------------------------------------------ */

static size_t make_query(uint8_t *q, uint16_t id, const char *name, uint16_t qtype)
{
	size_t n = 12;
	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01; /* RD */
	q[5] = 1; /* QDCOUNT */
	while (*name) {
		size_t len = strcspn(name, ".");
		q[n++] = (uint8_t)len;
		memcpy(q + n, name, len);
		n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	q[n++] = 0;
	q[n++] = (uint8_t)(qtype >> 8), q[n++] = (uint8_t)qtype; /* QTYPE: A 1, AAAA 28 */
	q[n++] = 0, q[n++] = 1; /* QCLASS IN */
	return n;
}

/* The (possibly compressed) name at *off into out (dotted, no final
 * dot); *off moves past it.  0, or -1 if malformed. */
static int read_name(const uint8_t *m, size_t len, size_t *off, char *out)
{
	size_t p = *off, o = 0;
	int jumped = 0, hops = 0;
	for (;;) {
		if (p >= len)
			return -1;
		uint8_t c = m[p];
		if ((c & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++hops > 32)
				return -1;
			if (!jumped)
				*off = p + 2;
			jumped = 1;
			p = (size_t)(c & 0x3f) << 8 | m[p + 1];
			continue;
		}
		if (c & 0xc0)
			return -1;
		p++;
		if (c == 0)
			break;
		if (p + c > len || o + c + 1 >= DNS_NAME_MAX)
			return -1;
		if (o)
			out[o++] = '.';
		memcpy(out + o, m + p, c);
		o += c;
		p += c;
	}
	out[o] = 0;
	if (!jumped)
		*off = p;
	return 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* What an answer says about *name: the A (qtype 1) or AAAA (28) addresses
 * of the end of its CNAME chain (count), the chain's end in name.  EAI_* on
 * errors. */
static int parse_answer(const uint8_t *m, size_t len, char name[DNS_NAME_MAX], uint16_t qtype, struct dns_addr *out,
			int max)
{
	char owner[DNS_NAME_MAX], target[DNS_NAME_MAX];
	if (len < 12)
		return EAI_FAIL;
	int rcode = m[3] & 0x0f;
	if (rcode == 3)
		return EAI_NONAME;
	if (rcode == 2)
		return EAI_AGAIN;
	if (rcode)
		return EAI_FAIL;
	size_t off = 12;
	for (int i = get16(m + 4); i > 0; i--) {
		if (read_name(m, len, &off, owner) < 0 || off + 4 > len)
			return EAI_FAIL;
		off += 4;
	}
	size_t answers = off;
	int n = 0, an = get16(m + 6);
	/* CNAMEs may come in any order: one pass per link. */
	for (int hop = 0; hop <= DNS_CNAME_MAX; hop++) {
		int moved = 0;
		off = answers;
		for (int i = 0; i < an; i++) {
			if (read_name(m, len, &off, owner) < 0 || off + 10 > len)
				return EAI_FAIL;
			uint16_t type = get16(m + off), class = get16(m + off + 2), rdlen = get16(m + off + 8);
			off += 10;
			if (off + rdlen > len)
				return EAI_FAIL;
			if (class == 1 && same_name(owner, name)) {
				if (type == 5 && !moved) {
					size_t t = off;
					if (read_name(m, len, &t, target) < 0)
						return EAI_FAIL;
					memcpy(name, target, DNS_NAME_MAX);
					moved = 1;
				} else if (type == qtype && rdlen == (qtype == 28 ? 16 : 4) && n < max) {
					out[n].af = qtype == 28 ? AF_INET6 : AF_INET;
					memcpy(out[n++].a, m + off, rdlen);
				}
			}
			off += rdlen;
		}
		if (n || !moved)
			break;
	}
	return n;
}

/* Is a (an answer of n bytes) the answer to query q: same id, QR set, and
 * the same question (names compare without case)? */
static int answers(const uint8_t *q, size_t qlen, const uint8_t *a, size_t n)
{
	if (n < qlen || a[0] != q[0] || a[1] != q[1] || !(a[2] & 0x80) || get16(a + 4) != 1)
		return 0;
	for (size_t i = 12; i < qlen; i++)
		if (tolower(a[i]) != tolower(q[i]))
			return 0;
	return 1;
}

/* ---- transports ---------------------------------------------------------- */

static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = { fd, ev, 0 };
	int r = poll(&p, 1, ms);
	return r == 1 && (p.revents & (ev | POLLHUP | POLLERR)) ? 0 : -1;
}

/* One exchange over UDP: the answer's length, 0 on timeout, -1 on error. */
static int ask_udp(const struct sockaddr *sa, socklen_t salen, const uint8_t *q, size_t qlen, uint8_t *a, size_t acap)
{
	int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int r = -1;
	if (fd < 0)
		return -1;
	if (connect(fd, sa, salen) < 0 || send(fd, q, qlen, 0) != (ssize_t)qlen)
		goto out;
	uint64_t end = plat_clock_monotonic_ns() + DNS_TIMEOUT_MS * 1000000ULL;
	for (;;) {
		uint64_t now = plat_clock_monotonic_ns();
		if (now >= end || wait_fd(fd, POLLIN, (int)((end - now) / 1000000) + 1) < 0) {
			r = 0;
			break;
		}
		ssize_t n = recv(fd, a, acap, 0);
		/* Only the answer to this question counts. */
		if (n > 0 && answers(q, qlen, a, (size_t)n)) {
			r = (int)n;
			break;
		}
		if (n < 0 && errno != EAGAIN) {
			break; /* ECONNREFUSED and the like: no server there */
		}
	}
out:
	close(fd);
	return r;
}

static int io_all(int fd, uint8_t *buf, size_t len, int writing, uint64_t end)
{
	while (len) {
		uint64_t now = plat_clock_monotonic_ns();
		if (now >= end || wait_fd(fd, writing ? POLLOUT : POLLIN, (int)((end - now) / 1000000) + 1) < 0)
			return -1;
		ssize_t n = writing ? send(fd, buf, len, 0) : recv(fd, buf, len, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			return -1;
		if (n > 0)
			buf += n, len -= (size_t)n;
	}
	return 0;
}

/* The same over TCP (the answer was truncated): length or -1. */
static int ask_tcp(const struct sockaddr *sa, socklen_t salen, const uint8_t *q, size_t qlen, uint8_t *a, size_t acap)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0), err = 0, r = -1;
	socklen_t el = sizeof err;
	uint8_t msg[2 + DNS_UDP_MAX], hdr[2];
	uint64_t end = plat_clock_monotonic_ns() + DNS_TIMEOUT_MS * 1000000ULL;
	if (fd < 0)
		return -1;
	if (connect(fd, sa, salen) < 0 && errno != EINPROGRESS)
		goto out;
	if (wait_fd(fd, POLLOUT, DNS_TIMEOUT_MS) < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err)
		goto out;
	msg[0] = (uint8_t)(qlen >> 8);
	msg[1] = (uint8_t)qlen;
	memcpy(msg + 2, q, qlen);
	if (io_all(fd, msg, qlen + 2, 1, end) < 0 || io_all(fd, hdr, 2, 0, end) < 0)
		goto out;
	size_t n = get16(hdr);
	if (n < 12 || n > acap || io_all(fd, a, n, 0, end) < 0)
		goto out;
	if (answers(q, qlen, a, n))
		r = (int)n;
out:
	close(fd);
	return r;
}

/* ---- look-ups ------------------------------------------------------------ */

static int server_list(struct dns_server *out)
{
	if (nservers) {
		memcpy(out, servers, sizeof servers);
		return nservers;
	}
	int n = 0;
	for (int i = 0; i < DNS_MAX_SERVERS && n < DNS_SERVERS_MAX; i++) {
		const ip_addr_t *a = dns_getserver((u8_t)i);
		if (!a || ip_addr_isany(a))
			continue;
		memset(&out[n], 0, sizeof out[n]);
		if (IP_IS_V6(a)) {
			out[n].addr.af = AF_INET6;
			memcpy(out[n].addr.a, ip_2_ip6(a)->addr, 16);
			if (ip6_addr_has_zone(ip_2_ip6(a)))
				out[n].scope = tc_net_scope(ip6_addr_zone(ip_2_ip6(a)));
		} else {
			out[n].addr.af = AF_INET;
			memcpy(out[n].addr.a, &ip_2_ip4(a)->addr, 4);
		}
		n++;
	}
	return n;
}

/* Is a NIC still waiting for its DHCP lease (and so for its DNS servers)? */
static int dhcp_pending(void)
{
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		if (netif_dhcp_data(nif) && !dhcp_supplied_address(nif))
			return 1;
	}
	return 0;
}

/* Has the guest no IPv6 address yet to ask server s from, only one still
 * being checked for duplicates (a second or two after boot or an
 * advertisement)?  A link-local server is asked from a link-local address,
 * any other from one beyond link-local. */
static int ip6_source_pending(const uint8_t s[16])
{
	int link = s[0] == 0xfe && (s[1] & 0xc0) == 0x80, tentative = 0;
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
			u8_t st = netif_ip6_addr_state(nif, i);
			if (ip6_addr_islinklocal(netif_ip6_addr(nif, i)) != link ||
			    ip6_addr_isloopback(netif_ip6_addr(nif, i)))
				continue;
			if (ip6_addr_isvalid(st))
				return 0;
			tentative |= ip6_addr_istentative(st);
		}
	}
	return tentative;
}

/* The servers to ask.  The first look-ups after boot may wait for them:
 * while DHCP is still at work (an app that resolves first thing), for the
 * lease, which brings the servers and the address to ask them from, up to
 * DNS_DHCP_WAIT_MS (not when every server known is IPv6); with no server
 * yet and a router solicitation unanswered on a NIC (not lo), for a router
 * advertisement's servers (RDNSS), up to DNS_RA_WAIT_MS (the first solicitation leaves a
 * second after boot and a router may answer it 3.5 s later: RFC 4861's
 * MIN_DELAY_BETWEEN_RAS and MAX_RA_DELAY_TIME; the next leaves 4 s after
 * the first, so one lost solicitation is covered too); and, for an IPv6
 * server, for an address to ask it from (ip6_source_pending: an
 * advertisement's prefix gives one a second or two later), all of it up to
 * DNS_WAIT_MS.  Each bound counts from the first look-up, not from every
 * one: a network that never answers costs it once. */
static uint64_t first; /* the first look-up's time (0: none yet) */

static int servers_now(struct dns_server *out)
{
	uint64_t now = plat_clock_monotonic_ns();
	if (!first)
		first = now;
	uint64_t end = first + DNS_WAIT_MS * 1000000ULL, dhcp_end = first + DNS_DHCP_WAIT_MS * 1000000ULL,
		 ra_end = first + DNS_RA_WAIT_MS * 1000000ULL;
	for (;;) {
		/* DHCP is waited for while it may bring the servers (none yet)
		 * or an address to ask an IPv4 one from */
		int n = server_list(out), ready = 1, v4 = !n;
		for (int i = 0; i < n; i++) {
			if (out[i].addr.af == AF_INET6 && ip6_source_pending(out[i].addr.a))
				ready = 0;
			v4 |= out[i].addr.af == AF_INET;
		}
		int dhcp = v4 && dhcp_pending() && now < dhcp_end;
		if (now >= end || (!dhcp && (n ? ready : now >= ra_end || !tc_net_rs_pending(1))))
			return n;
		usleep(20000);
		now = plat_clock_monotonic_ns();
	}
}

/* A or AAAA records of name (or the end of its chain, which moves name). */
static int dns_query(char name[DNS_NAME_MAX], uint16_t qtype, struct dns_addr *out, int max)
{
	struct dns_server srv[DNS_SERVERS_MAX];
	int ns = servers_now(srv), last = EAI_AGAIN;
	uint8_t q[DNS_NAME_MAX + 18];
	uint8_t *a = malloc(DNS_TCP_MAX);
	if (!a)
		return EAI_MEMORY;
	if (!ns) {
		free(a);
		return EAI_AGAIN; /* nowhere to ask */
	}
	uint16_t id;
	plat_entropy(&id, sizeof id);
	size_t qlen = make_query(q, id, name, qtype);
	for (int t = 0; t < DNS_TRIES; t++)
		for (int i = 0; i < ns; i++) {
			union {
				struct sockaddr sa;
				struct sockaddr_in in;
				struct sockaddr_in6 in6;
			} sa = { 0 };
			socklen_t salen = sizeof sa.in;
			if (srv[i].addr.af == AF_INET6) {
				sa.in6.sin6_family = AF_INET6;
				sa.in6.sin6_port = htons(53);
				memcpy(&sa.in6.sin6_addr, srv[i].addr.a, 16);
				sa.in6.sin6_scope_id = srv[i].scope;
				salen = sizeof sa.in6;
			} else {
				sa.in.sin_family = AF_INET;
				sa.in.sin_port = htons(53);
				memcpy(&sa.in.sin_addr, srv[i].addr.a, 4);
			}
			int n = ask_udp(&sa.sa, salen, q, qlen, a, DNS_UDP_MAX);
			if (n > 0 && (a[2] & 0x02)) /* TC: ask again over TCP */
				n = ask_tcp(&sa.sa, salen, q, qlen, a, DNS_TCP_MAX);
			if (n <= 0)
				continue;
			int r = parse_answer(a, (size_t)n, name, qtype, out, max);
			if (r == EAI_AGAIN || r == EAI_FAIL) { /* SERVFAIL, REFUSED: the next one may know */
				last = r;
				continue;
			}
			free(a);
			return r;
		}
	free(a);
	return last;
}

/* Has the guest an IPv6 address beyond link-local (and loopback)? */
static int ip6_reachable(void)
{
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
			if (ip6_addr_isvalid(netif_ip6_addr_state(nif, i)) &&
			    !ip6_addr_islinklocal(netif_ip6_addr(nif, i)) &&
			    !ip6_addr_isloopback(netif_ip6_addr(nif, i)))
				return 1;
	}
	return 0;
}

/* One family's records from DNS, following the chain's end. */
static int dns_records(char canon[DNS_NAME_MAX], uint16_t qtype, struct dns_addr *out, int max)
{
	/* The server follows CNAMEs for us, but may stop at one it does not
	 * serve: then ask again for the chain's end. */
	for (int hop = 0; hop <= DNS_CNAME_MAX; hop++) {
		char before[DNS_NAME_MAX];
		memcpy(before, canon, DNS_NAME_MAX);
		int r = dns_query(canon, qtype, out, max);
		if (r != 0 || same_name(before, canon))
			return r == 0 ? EAI_NONAME : r;
	}
	return EAI_FAIL;
}

int dns_lookup_af(const char *name, int af, struct dns_addr *out, int max, char canon[DNS_NAME_MAX])
{
	if (!name_ok(name))
		return EAI_NONAME;
	dns_config();
	size_t len = strlen(name);
	memcpy(canon, name, len + 1);
	if (len > 1 && canon[len - 1] == '.')
		canon[len - 1] = 0;
	int n = 0, named = 0;
	for (int i = 0; i < nhosts && n < max; i++)
		if (same_name(hosts[i].name, canon)) {
			named = 1;
			if (af == AF_UNSPEC || hosts[i].addr.af == af)
				out[n++] = hosts[i].addr;
		}
	if (named)
		return n ? n : EAI_ADDRFAMILY; /* as glibc: the name has none of this family */
	if (same_name(canon, "localhost")) {
		memset(&out[0], 0, sizeof out[0]);
		out[0].af = af == AF_INET6 ? AF_INET6 : AF_INET;
		if (af == AF_INET6)
			out[0].a[15] = 1;
		else
			memcpy(out[0].a, &(uint32_t){ htonl(INADDR_LOOPBACK) }, 4);
		return 1;
	}
	if (af == AF_INET6)
		return dns_records(canon, 28, out, max);
	int r = dns_records(canon, 1, out, max);
	if (af == AF_UNSPEC && r < max && ip6_reachable()) {
		char c6[DNS_NAME_MAX];
		memcpy(c6, canon, DNS_NAME_MAX);
		int r6 = dns_records(c6, 28, out + (r > 0 ? r : 0), max - (r > 0 ? r : 0));
		if (r6 > 0) {
			if (r <= 0)
				memcpy(canon, c6, DNS_NAME_MAX);
			r = (r > 0 ? r : 0) + r6;
		}
	}
	return r;
}

int dns_lookup(const char *name, struct in_addr *out, int max, char canon[DNS_NAME_MAX])
{
	struct dns_addr a[DNS_MAX_ADDRS];
	int n = dns_lookup_af(name, AF_INET, a, max < DNS_MAX_ADDRS ? max : DNS_MAX_ADDRS, canon);
	for (int i = 0; i < n; i++)
		memcpy(&out[i], a[i].a, 4);
	return n == EAI_ADDRFAMILY ? EAI_NONAME : n;
}

/* A restored guest: the restore's environment (its --dns, --host-entry) is
 * read again at the next look-up, which may wait for DHCP and routers
 * again. */
void dns_restored(void)
{
	configured = nservers = nhosts = 0;
	first = 0;
}

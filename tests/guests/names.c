/*
 * Names (tests/names.bats): getaddrinfo, gethostbyname(_r), gethostbyaddr,
 * getnameinfo, services, protocols, getifaddrs.  A DNS server runs in a
 * thread of this guest on 127.0.0.1:53 (UDP and TCP), so the resolver is
 * tested end to end over loopback; boot with --dns=127.0.0.1
 * --host-entry=db.test:10.1.2.3 --host-entry=db6.test:fd00::db6.  Its zone:
 *   a.test      A 10.0.0.1, 10.0.0.2, AAAA fd00::a
 *   alias.test  CNAME a.test (+ its A)
 *   hop.test    CNAME a.test only        nx.test     NXDOMAIN
 *   big.test    truncated over UDP, A 10.0.0.9 over TCP
 *   fail.test   SERVFAIL                 refused.test REFUSED
 *   empty.test  no records               silent.test no answer at all
 *   loop.test   an answer whose name points at itself (malformed)
 *   other.test  an answer to another question, then none
 * "ifaddrs NAME": getifaddrs with the net device NAME attached (10.79.0.2/24).
 * "resolve NAME...": print each NAME's addresses or getaddrinfo's error
 * (for a DNS server outside the guest).
 * "connect ADDR": print what a TCP connect to ADDR:80 gives (errno's text).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"

static int udp_queries, tcp_queries;

static size_t put_rr(uint8_t *m, size_t n, uint16_t type, const void *data, size_t len)
{
	static const uint8_t head[] = { 0xc0, 12, 0, 0, 0, 1, 0, 0, 0, 60, 0, 0 };
	memcpy(m + n, head, sizeof head);
	m[n + 3] = (uint8_t)type;
	m[n + 11] = (uint8_t)len;
	memcpy(m + n + 12, data, len);
	return n + 12 + len;
}

/* The answer to query q (qlen bytes) into m; tcp says how it came. */
static size_t answer(const uint8_t *q, size_t qlen, uint8_t *m, int tcp)
{
	char name[256];
	size_t o = 0, p = 12;
	if (qlen < 17)
		return 0;
	while (p < qlen && q[p] && o + q[p] + 1 < sizeof name) {
		if (o)
			name[o++] = '.';
		memcpy(name + o, q + p + 1, q[p]);
		o += q[p];
		p += q[p] + 1;
	}
	name[o] = 0;
	size_t end = p + 5; /* the 0, QTYPE, QCLASS */
	if (end > qlen || !strcmp(name, "silent.test"))
		return 0;
	memcpy(m, q, end);
	m[2] = 0x81; /* QR RD */
	m[3] = 0x80; /* RA */
	size_t n = end;
	int an = 0, qtype = q[end - 4] << 8 | q[end - 3];
	static const uint8_t aaaa[16] = { 0xfd, 0, [15] = 0xa };
	static const uint8_t a1[] = { 10, 0, 0, 1 }, a2[] = { 10, 0, 0, 2 }, a9[] = { 10, 0, 0, 9 };
	static const uint8_t cname_a[] = { 1, 'a', 4, 't', 'e', 's', 't', 0 };
	if (!strcmp(name, "a.test") && qtype == 28) {
		n = put_rr(m, n, 28, aaaa, 16);
		an = 1;
	} else if (!strcmp(name, "a.test")) {
		n = put_rr(m, n, 1, a1, 4);
		n = put_rr(m, n, 1, a2, 4);
		an = 2;
	} else if (!strcmp(name, "alias.test")) {
		/* The A records first, the CNAME last: order must not matter. */
		n = put_rr(m, n, 5, cname_a, sizeof cname_a);
		size_t target = n - sizeof cname_a;
		n = put_rr(m, n, 1, a1, 4);
		m[n - 16] = (uint8_t)(0xc0 | target >> 8), m[n - 15] = (uint8_t)target;
		n = put_rr(m, n, 1, a2, 4);
		m[n - 16] = (uint8_t)(0xc0 | target >> 8), m[n - 15] = (uint8_t)target;
		an = 3;
	} else if (!strcmp(name, "hop.test")) {
		n = put_rr(m, n, 5, cname_a, sizeof cname_a);
		an = 1;
	} else if (!strcmp(name, "big.test")) {
		if (tcp) {
			n = put_rr(m, n, 1, a9, 4);
			an = 1;
		} else {
			m[2] |= 0x02; /* TC */
		}
	} else if (!strcmp(name, "loop.test")) {
		n = put_rr(m, n, 1, a1, 4);
		m[n - 16] = (uint8_t)(0xc0 | (n - 16) >> 8), m[n - 15] = (uint8_t)(n - 16);
		an = 1;
	} else if (!strcmp(name, "other.test")) {
		m[end - 6] ^= 1; /* the question's last letter changed */
		n = put_rr(m, n, 1, a1, 4);
		an = 1;
	} else if (!strcmp(name, "fail.test")) {
		m[3] |= 2;
	} else if (!strcmp(name, "refused.test")) {
		m[3] |= 5;
	} else if (strcmp(name, "empty.test")) {
		m[3] |= 3; /* NXDOMAIN */
	}
	m[7] = (uint8_t)an;
	return n;
}

static void *server(void *arg)
{
	(void)arg;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(u, (struct sockaddr *)&sa, sizeof sa) || bind(t, (struct sockaddr *)&sa, sizeof sa) || listen(t, 4)) {
		perror("# dns server");
		return NULL;
	}
	for (;;) {
		struct pollfd p[2] = { { u, POLLIN, 0 }, { t, POLLIN, 0 } };
		uint8_t q[512], m[1024];
		if (poll(p, 2, -1) < 0)
			return NULL;
		if (p[0].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(u, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
			udp_queries++;
			size_t r = n > 0 ? answer(q, (size_t)n, m, 0) : 0;
			if (r)
				sendto(u, m, r, 0, (struct sockaddr *)&from, fl);
		}
		if (p[1].revents & POLLIN) {
			int c = accept(t, NULL, NULL);
			uint8_t len[2];
			tcp_queries++;
			if (c >= 0 && recv(c, len, 2, MSG_WAITALL) == 2) {
				size_t ql = (size_t)(len[0] << 8 | len[1]);
				if (ql <= sizeof q && recv(c, q, ql, MSG_WAITALL) == (ssize_t)ql) {
					size_t r = answer(q, ql, m + 2, 1);
					m[0] = (uint8_t)(r >> 8), m[1] = (uint8_t)r;
					send(c, m, r + 2, 0);
				}
			}
			if (c >= 0)
				close(c);
		}
	}
}

static const char *addr_of(const struct addrinfo *ai)
{
	static char buf[INET_ADDRSTRLEN];
	return inet_ntop(AF_INET, &((const struct sockaddr_in *)ai->ai_addr)->sin_addr, buf, sizeof buf);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int gai(const char *node, const char *serv, int family, int socktype, int flags, struct addrinfo **res)
{
	struct addrinfo h;
	memset(&h, 0, sizeof h);
	h.ai_family = family;
	h.ai_socktype = socktype;
	h.ai_flags = flags;
	*res = NULL;
	return getaddrinfo(node, serv, &h, res);
}

static void lookups(void)
{
	struct addrinfo *r;
	double t0;
	int e = gai("a.test", "80", AF_INET, SOCK_STREAM, AI_CANONNAME, &r);
	ok(e == 0 && r && r->ai_next && !r->ai_next->ai_next, "getaddrinfo a.test: two addresses (%s)",
	   gai_strerror(e));
	if (!e) {
		ok(!strcmp(addr_of(r), "10.0.0.1") && !strcmp(addr_of(r->ai_next), "10.0.0.2") &&
		       ntohs(((struct sockaddr_in *)r->ai_addr)->sin_port) == 80 && r->ai_socktype == SOCK_STREAM &&
		       r->ai_protocol == IPPROTO_TCP,
		   "... 10.0.0.1 and 10.0.0.2, port 80, TCP");
		ok(r->ai_canonname && !strcmp(r->ai_canonname, "a.test"), "... canonical name a.test");
		freeaddrinfo(r);
	}
	e = gai("alias.test", NULL, AF_UNSPEC, SOCK_DGRAM, AI_CANONNAME, &r);
	ok(e == 0 && r && !strcmp(addr_of(r), "10.0.0.1") && r->ai_canonname && !strcmp(r->ai_canonname, "a.test"),
	   "a CNAME in the answer is followed (canonical name a.test) (%s)", gai_strerror(e));
	freeaddrinfo(r);
	e = gai("hop.test.", NULL, AF_INET, SOCK_STREAM, 0, &r);
	ok(e == 0 && r && !strcmp(addr_of(r), "10.0.0.1"), "a CNAME alone is asked again for its target (%s)",
	   gai_strerror(e));
	freeaddrinfo(r);
	int before = tcp_queries;
	e = gai("big.test", NULL, AF_INET, SOCK_STREAM, 0, &r);
	ok(e == 0 && r && !strcmp(addr_of(r), "10.0.0.9") && tcp_queries == before + 1,
	   "a truncated UDP answer is asked again over TCP (%s)", gai_strerror(e));
	freeaddrinfo(r);
	e = gai("nx.test", NULL, AF_INET, 0, 0, &r);
	ok(e == EAI_NONAME, "NXDOMAIN: EAI_NONAME (%s)", gai_strerror(e));
	e = gai("empty.test", NULL, AF_INET, 0, 0, &r);
	ok(e == EAI_NONAME, "no A records: EAI_NONAME (%s)", gai_strerror(e));
	e = gai("fail.test", NULL, AF_INET, 0, 0, &r);
	ok(e == EAI_AGAIN, "SERVFAIL: EAI_AGAIN (%s)", gai_strerror(e));
	e = gai("loop.test", NULL, AF_INET, 0, 0, &r);
	ok(e == EAI_FAIL, "a name that points at itself: EAI_FAIL (%s)", gai_strerror(e));
	t0 = now();
	e = gai("other.test", NULL, AF_INET, 0, 0, &r);
	ok(e == EAI_AGAIN && now() - t0 > 3.5, "an answer to another question is not taken (%s)", gai_strerror(e));
	e = gai("refused.test", NULL, AF_INET, 0, 0, &r);
	ok(e == EAI_FAIL, "REFUSED: EAI_FAIL (%s)", gai_strerror(e));
	before = udp_queries;
	t0 = now();
	e = gai("silent.test", NULL, AF_INET, 0, 0, &r);
	double dt = now() - t0;
	ok(e == EAI_AGAIN && dt > 3.5 && dt < 6 && udp_queries == before + 2,
	   "a silent server: EAI_AGAIN after 2 tries of 2 s (%.1f s, %d queries)", dt, udp_queries - before);
	e = gai("db.test", "redis", AF_INET, SOCK_STREAM, 0, &r);
	ok(e == 0 && r && !strcmp(addr_of(r), "10.1.2.3") &&
	       ntohs(((struct sockaddr_in *)r->ai_addr)->sin_port) == 6379,
	   "--host-entry db.test, service redis: 10.1.2.3:6379 (%s)", gai_strerror(e));
	freeaddrinfo(r);
	before = udp_queries;
	e = gai("LocalHost", "https", AF_UNSPEC, 0, 0, &r);
	ok(e == 0 && r && r->ai_next && !strcmp(addr_of(r), "127.0.0.1") && udp_queries == before,
	   "localhost (any case) without DNS, both socket types (%s)", gai_strerror(e));
	freeaddrinfo(r);
	e = gai("a.test", NULL, AF_INET6, SOCK_STREAM, 0, &r);
	char a6[INET6_ADDRSTRLEN] = "";
	if (e == 0)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)r->ai_addr)->sin6_addr, a6, sizeof a6);
	ok(e == 0 && r->ai_family == AF_INET6 && r->ai_addrlen == sizeof(struct sockaddr_in6) && !r->ai_next &&
	       !strcmp(a6, "fd00::a"),
	   "AF_INET6: the AAAA record, fd00::a (%s, %s)", gai_strerror(e), a6);
	freeaddrinfo(r);
	e = gai("db.test", NULL, AF_INET6, SOCK_STREAM, AI_V4MAPPED, &r);
	if (e == 0)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)r->ai_addr)->sin6_addr, a6, sizeof a6);
	ok(e == 0 && r->ai_family == AF_INET6 && !strcmp(a6, "::ffff:10.1.2.3"),
	   "AF_INET6 with AI_V4MAPPED, an IPv4-only host entry: ::ffff:10.1.2.3 (%s)", gai_strerror(e));
	freeaddrinfo(r);
	e = gai("db.test", NULL, AF_INET6, SOCK_STREAM, 0, &r);
	ok(e == EAI_ADDRFAMILY, "AF_INET6, an IPv4-only host entry: EAI_ADDRFAMILY (%s)", gai_strerror(e));
	before = udp_queries;
	e = gai("db6.test", NULL, AF_UNSPEC, SOCK_STREAM, 0, &r);
	a6[0] = 0;
	if (e == 0 && r->ai_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)r->ai_addr)->sin6_addr, a6, sizeof a6);
	ok(e == 0 && !r->ai_next && !strcmp(a6, "fd00::db6") && udp_queries == before,
	   "--host-entry db6.test:fd00::db6 (IPv6): fd00::db6, no DNS (%s, %s)", gai_strerror(e), a6);
	freeaddrinfo(r);
	e = gai("fe80::1", "80", AF_UNSPEC, SOCK_STREAM, AI_NUMERICHOST, &r);
	ok(e == 0 && r->ai_family == AF_INET6 && ((struct sockaddr_in6 *)r->ai_addr)->sin6_addr.s6_addr[0] == 0xfe &&
	       ((struct sockaddr_in6 *)r->ai_addr)->sin6_port == htons(80),
	   "numeric IPv6, AF_UNSPEC: AF_INET6 (%s)", gai_strerror(e));
	freeaddrinfo(r);
	e = gai("10.0.0.7", NULL, AF_INET6, SOCK_STREAM, AI_NUMERICHOST, &r);
	ok(e == EAI_NONAME, "numeric IPv4 with AF_INET6: EAI_NONAME");
	e = gai(NULL, "80", AF_INET6, SOCK_STREAM, AI_PASSIVE, &r);
	ok(e == 0 && r->ai_family == AF_INET6 &&
	       IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)r->ai_addr)->sin6_addr),
	   "AI_PASSIVE, AF_INET6: :: (%s)", gai_strerror(e));
	freeaddrinfo(r);
	e = gai("localhost", NULL, AF_INET6, SOCK_STREAM, 0, &r);
	ok(e == 0 && r->ai_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)r->ai_addr)->sin6_addr),
	   "localhost, AF_INET6: ::1 (%s)", gai_strerror(e));
	freeaddrinfo(r);
	e = gai("a.test", NULL, 5 /* AF_APPLETALK */, 0, 0, &r);
	ok(e == EAI_FAMILY, "another family: EAI_FAMILY");
	e = gai("a.test", NULL, AF_INET, 0, AI_NUMERICHOST, &r);
	ok(e == EAI_NONAME, "AI_NUMERICHOST with a name: EAI_NONAME");
	e = gai("10.0.0.7", "nosuchservice", AF_INET, 0, 0, &r);
	ok(e == EAI_SERVICE, "unknown service: EAI_SERVICE");
	e = gai("10.0.0.7", "http", AF_INET, 0, AI_NUMERICSERV, &r);
	ok(e == EAI_NONAME, "AI_NUMERICSERV with a name: EAI_NONAME");
	e = gai("10.0.0.7", "80", AF_INET, SOCK_RAW, 0, &r);
	ok(e == EAI_SOCKTYPE, "SOCK_RAW: EAI_SOCKTYPE");
	e = gai("10.0.0.7", "80", AF_INET, 0, 0x10000, &r);
	ok(e == EAI_BADFLAGS, "unknown flags: EAI_BADFLAGS");
	e = gai("bad..name", NULL, AF_INET, 0, 0, &r);
	ok(e == EAI_NONAME, "a malformed name: EAI_NONAME without asking");
	e = gai(NULL, "8080", AF_INET, SOCK_STREAM, AI_PASSIVE | AI_ADDRCONFIG | AI_V4MAPPED, &r);
	ok(e == 0 && r && !strcmp(addr_of(r), "0.0.0.0"), "AI_PASSIVE: INADDR_ANY; AI_ADDRCONFIG/AI_V4MAPPED accepted");
	freeaddrinfo(r);
	ok(strstr(gai_strerror(EAI_AGAIN), "Temporary") != NULL, "gai_strerror(EAI_AGAIN)");
}

static void old_calls(void)
{
	struct hostent *h = gethostbyname("alias.test");
	ok(h && !strcmp(h->h_name, "a.test") && h->h_addrtype == AF_INET && h->h_length == 4 && h->h_addr_list[0] &&
	       h->h_addr_list[1] && !h->h_addr_list[2] && !memcmp(h->h_addr, "\x0a\0\0\x01", 4),
	   "gethostbyname follows the CNAME: a.test, two addresses");
	h = gethostbyname("nx.test");
	ok(!h && h_errno == HOST_NOT_FOUND, "gethostbyname NXDOMAIN: HOST_NOT_FOUND (%s)", hstrerror(h_errno));
	h = gethostbyname("fail.test");
	ok(!h && h_errno == TRY_AGAIN, "gethostbyname SERVFAIL: TRY_AGAIN");
	h = gethostbyname("10.9.8.7");
	ok(h && !memcmp(h->h_addr, "\x0a\x09\x08\x07", 4), "gethostbyname of a number");
	struct hostent he, *res = NULL;
	char buf[256], small[8];
	int herr = -5;
	int e = gethostbyname_r("db.test", &he, buf, sizeof buf, &res, &herr);
	ok(e == 0 && res == &he && herr == 0 && !strcmp(he.h_name, "db.test") &&
	       !memcmp(he.h_addr, "\x0a\x01\x02\x03", 4),
	   "gethostbyname_r: the host entry");
	e = gethostbyname_r("db.test", &he, small, sizeof small, &res, &herr);
	ok(e == ERANGE && !res, "gethostbyname_r with a small buffer: ERANGE");
	e = gethostbyname_r("nx.test", &he, buf, sizeof buf, &res, &herr);
	ok(!res && herr == HOST_NOT_FOUND, "gethostbyname_r NXDOMAIN: HOST_NOT_FOUND");
	struct in_addr a;
	inet_aton("10.1.2.3", &a);
	h = gethostbyaddr(&a, 4, AF_INET);
	ok(h && !strcmp(h->h_name, "db.test"), "gethostbyaddr: a host entry");
	h = gethostbyname2("a.test", AF_INET6);
	char h6[INET6_ADDRSTRLEN] = "";
	if (h && h->h_addr_list[0])
		inet_ntop(AF_INET6, h->h_addr_list[0], h6, sizeof h6);
	ok(h && h->h_addrtype == AF_INET6 && h->h_length == 16 && !strcmp(h6, "fd00::a") && !h->h_addr_list[1],
	   "gethostbyname2 AF_INET6: a.test's AAAA record (%s)", h6);
	h = gethostbyname2("db.test", AF_INET6);
	ok(!h && h_errno == NO_DATA, "gethostbyname2 AF_INET6, an IPv4-only host entry: NO_DATA");
	inet_aton("10.1.2.4", &a);
	h = gethostbyaddr(&a, 4, AF_INET);
	ok(!h && h_errno == HOST_NOT_FOUND, "gethostbyaddr: unknown address (no PTR queries)");
	ok(hstrerror(HOST_NOT_FOUND) && strlen(hstrerror(TRY_AGAIN)) > 0, "hstrerror");

	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(6379) };
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	inet_aton("10.1.2.3", &sin.sin_addr);
	e = getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, serv, sizeof serv, 0);
	ok(e == 0 && !strcmp(host, "db.test") && !strcmp(serv, "redis"), "getnameinfo: db.test redis (%s %s)", host,
	   serv);
	e = getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, serv, sizeof serv,
			NI_NUMERICHOST | NI_NUMERICSERV);
	ok(e == 0 && !strcmp(host, "10.1.2.3") && !strcmp(serv, "6379"), "getnameinfo numeric");
	inet_aton("10.1.2.4", &sin.sin_addr);
	e = getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, NULL, 0, NI_NAMEREQD);
	ok(e == EAI_NONAME, "getnameinfo NI_NAMEREQD with no name: EAI_NONAME");
	e = getnameinfo((struct sockaddr *)&sin, sizeof sin, host, 4, NULL, 0, 0);
	ok(e == EAI_OVERFLOW, "getnameinfo into a small buffer: EAI_OVERFLOW");
	sin.sin_family = AF_INET6;
	e = getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, NULL, 0, 0);
	ok(e == EAI_FAMILY, "getnameinfo AF_INET6 with a sockaddr_in's length: EAI_FAMILY");
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	inet_pton(AF_INET6, "fd00::a", &sin6.sin6_addr);
	e = getnameinfo((struct sockaddr *)&sin6, sizeof sin6, host, sizeof host, serv, sizeof serv, NI_NUMERICSERV);
	ok(e == 0 && !strcmp(host, "fd00::a") && !strcmp(serv, "443"), "getnameinfo AF_INET6: fd00::a 443 (%s %s)",
	   host, serv);
	sin6.sin6_addr = in6addr_loopback;
	e = getnameinfo((struct sockaddr *)&sin6, sizeof sin6, host, sizeof host, NULL, 0, NI_NAMEREQD);
	ok(e == 0 && !strcmp(host, "localhost"), "getnameinfo ::1: localhost (%s)", host);

	struct servent *s = getservbyname("http", "tcp");
	ok(s && s->s_port == htons(80) && !strcmp(s->s_proto, "tcp") && !strcmp(s->s_name, "http"),
	   "getservbyname http/tcp: 80");
	s = getservbyname("domain", NULL);
	ok(s && s->s_port == htons(53), "getservbyname domain: 53");
	s = getservbyname("ssh", "udp");
	ok(!s, "getservbyname ssh/udp: none");
	s = getservbyport(htons(6379), "tcp");
	ok(s && !strcmp(s->s_name, "redis"), "getservbyport 6379: redis");
	ok(!getservbyport(htons(1), NULL), "getservbyport 1: none");
	struct protoent *p = getprotobyname("tcp");
	ok(p && p->p_proto == IPPROTO_TCP, "getprotobyname tcp: 6");
	p = getprotobyname("udp");
	ok(p && p->p_proto == IPPROTO_UDP, "getprotobyname udp: 17");
	p = getprotobynumber(1);
	ok(p && !strcmp(p->p_name, "icmp"), "getprotobynumber 1: icmp");
	ok(!getprotobyname("sctp"), "getprotobyname sctp: none");
}

static void ifaddrs(const char *nic)
{
	struct ifaddrs *ifa, *i;
	int lo = 0, dev = 0, lo6 = 0, dev6 = 0;
	ok(getifaddrs(&ifa) == 0, "getifaddrs");
	for (i = ifa; i; i = i->ifa_next) {
		char a[INET6_ADDRSTRLEN] = "-", m[INET6_ADDRSTRLEN] = "-";
		int af = i->ifa_addr ? i->ifa_addr->sa_family : 0;
		const void *ap = af == AF_INET6 ? (void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr
				 : af		? (void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
						: NULL;
		const void *mp = !i->ifa_netmask  ? NULL
				 : af == AF_INET6 ? (void *)&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr
						  : (void *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr;
		if (ap)
			inet_ntop(af, ap, a, sizeof a);
		if (mp)
			inet_ntop(af, mp, m, sizeof m);
		printf("# %s %s %s %#x\n", i->ifa_name, a, m, i->ifa_flags);
		if (!strcmp(i->ifa_name, "lo") && af == AF_INET)
			lo = !strcmp(a, "127.0.0.1") && !strcmp(m, "255.0.0.0") && (i->ifa_flags & IFF_LOOPBACK) &&
			     (i->ifa_flags & IFF_UP);
		if (!strcmp(i->ifa_name, "lo") && af == AF_INET6)
			lo6 = !strcmp(a, "::1") && !strcmp(m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
		if (nic && !strcmp(i->ifa_name, nic) && af != AF_INET6)
			dev = !strcmp(a, "10.79.0.2") && !strcmp(m, "255.255.255.0") && (i->ifa_flags & IFF_UP) &&
			      (i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr &&
			      ((struct sockaddr_in *)i->ifa_broadaddr)->sin_addr.s_addr == inet_addr("10.79.0.255");
		if (nic && !strcmp(i->ifa_name, nic) && af == AF_INET6 && !strncmp(a, "fe80::", 6))
			dev6 = !strcmp(m, "ffff:ffff:ffff:ffff::") &&
			       ((struct sockaddr_in6 *)i->ifa_addr)->sin6_scope_id == if_nametoindex(nic);
	}
	ok(lo, "lo: 127.0.0.1/255.0.0.0, up, loopback");
	ok(lo6, "lo: ::1/128");
	if (nic) {
		ok(dev, "%s: 10.79.0.2/255.255.255.0, up, broadcast 10.79.0.255", nic);
		ok(dev6, "%s: a link-local IPv6 address, /64, its scope the interface's index", nic);
	}
	freeifaddrs(ifa);
}

static int resolve(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct addrinfo *r, *p;
		int e = gai(argv[i], NULL, AF_INET, SOCK_STREAM, 0, &r);
		printf("%s:", argv[i]);
		if (e)
			printf(" error %d %s", e, gai_strerror(e));
		for (p = e ? NULL : r; p; p = p->ai_next)
			printf(" %s", addr_of(p));
		printf("\n");
		if (!e)
			freeaddrinfo(r);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "connect")) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		inet_aton(argv[2], &sa.sin_addr);
		int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
		printf("connect: %s\n", r ? strerror(errno) : "ok");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "resolve"))
		return resolve(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "ifaddrs")) {
		ifaddrs(argc > 2 ? argv[2] : NULL);
		return done_testing();
	}
	pthread_t t;
	pthread_create(&t, NULL, server, NULL);
	usleep(10000);
	lookups();
	old_calls();
	ifaddrs(NULL);
	return done_testing();
}

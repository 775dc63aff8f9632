/* Address conversion (IPv4 and IPv6), and getaddrinfo/getnameinfo over the
 * resolver (dns.c: host entries, "localhost", DNS) and the services table
 * (netdb.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "dns.h"
#include "pton.h"

const struct in6_addr in6addr_any = IN6ADDR_ANY_INIT, in6addr_loopback = IN6ADDR_LOOPBACK_INIT;

int __tincan_serv_port(const char *name, const char *proto);
const char *__tincan_serv_name(int port, const char *proto);

int inet_aton(const char *cp, struct in_addr *out)
{
	uint32_t parts[4];
	int n = 0;
	const char *p = cp;
	if (!cp)
		return 0;
	for (;;) {
		char *end;
		if (*p < '0' || *p > '9')
			return 0;
		unsigned long v = strtoul(p, &end, 0);
		if (end == p || n == 4 || v > 0xffffffffUL)
			return 0;
		parts[n++] = (uint32_t)v;
		p = end;
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p)
			return 0;
		break;
	}
	uint32_t a;
	switch (n) {
	case 1: a = parts[0]; break;
	case 2:
		if (parts[0] > 255 || parts[1] > 0xffffff)
			return 0;
		a = parts[0] << 24 | parts[1];
		break;
	case 3:
		if (parts[0] > 255 || parts[1] > 255 || parts[2] > 0xffff)
			return 0;
		a = parts[0] << 24 | parts[1] << 16 | parts[2];
		break;
	default:
		for (int i = 0; i < 4; i++)
			if (parts[i] > 255)
				return 0;
		a = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3];
	}
	if (out)
		out->s_addr = htonl(a);
	return 1;
}

in_addr_t inet_addr(const char *cp)
{
	struct in_addr a;
	return inet_aton(cp, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr in)
{
	static char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &in, buf, sizeof buf);
	return buf;
}

/* Strictly four decimal parts, as POSIX asks of inet_pton. */
static int pton4(const char *p, uint8_t b[4])
{
	for (int i = 0; i < 4; i++) {
		int v = 0, digits = 0;
		while (*p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits || v > 255 || (digits > 1 && p[-digits] == '0'))
			return 0;
		b[i] = (uint8_t)v;
		if (i < 3 && *p++ != '.')
			return 0;
	}
	return !*p;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* RFC 4291 2.2: eight groups of 1-4 hex digits, one "::" for a run of zero
 * groups, the last 32 bits possibly as a dotted quad. */
static int pton6(const char *p, uint8_t out[16])
{
	uint8_t b[16] = { 0 };
	int n = 0, gap = -1;
	if (p[0] == ':' && p[1] != ':')
		return 0;
	if (p[0] == ':') {
		gap = 0;
		p += 2;
		if (!*p)
			goto done;
	}
	for (;;) {
		const char *start = p;
		int v = 0, digits = 0, h;
		while ((h = hexval(*p)) >= 0 && digits < 5) {
			v = v << 4 | h;
			digits++;
			p++;
		}
		if (*p == '.' && digits) {
			/* The dotted quad: the last 32 bits. */
			if (n > 12 || !pton4(start, b + n))
				return 0;
			n += 4;
			break;
		}
		if (!digits || digits > 4 || n > 14)
			return 0;
		b[n++] = (uint8_t)(v >> 8);
		b[n++] = (uint8_t)v;
		if (!*p)
			break;
		if (*p++ != ':')
			return 0;
		if (*p == ':') {
			if (gap >= 0)
				return 0;
			gap = n;
			p++;
			if (!*p)
				break;
		}
	}
done:
	if (gap < 0 ? n != 16 : n > 14)
		return 0;
	if (gap >= 0) {
		int tail = n - gap;
		memmove(b + 16 - tail, b + gap, (size_t)tail);
		memset(b + gap, 0, (size_t)(16 - n));
	}
	memcpy(out, b, 16);
	return 1;
}

int tc_inet_pton(int af, const char *src, void *dst)
{
	uint8_t b[16];
	if (af == AF_INET6) {
		if (!pton6(src, b))
			return 0;
		memcpy(dst, b, 16);
		return 1;
	}
	if (af != AF_INET)
		return sys_fail(EAFNOSUPPORT);
	if (!pton4(src, b))
		return 0;
	memcpy(dst, b, 4);
	return 1;
}
int inet_pton(int af, const char *src, void *dst) __attribute__((alias("__tincan_inet_pton")));

/* RFC 5952: lower case, no leading zeros, the longest run of two or more
 * zero groups (the first of equals) as "::", IPv4-mapped as ::ffff:a.b.c.d. */
static int ntop6(const uint8_t *b, char *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (!memcmp(b, mapped, 12))
		return sprintf(out, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
	unsigned g[8];
	int best = -1, bestlen = 1, o = 0;
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > bestlen)
			best = i, bestlen = j - i;
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			o += sprintf(out + o, "::");
			i += bestlen - 1;
			continue;
		}
		o += sprintf(out + o, o && out[o - 1] != ':' ? ":%x" : "%x", g[i]);
	}
	return o;
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
	if (af != AF_INET && af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	const uint8_t *b = src;
	char tmp[INET6_ADDRSTRLEN];
	int n = af == AF_INET6 ? ntop6(b, tmp) : snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	if (n < 0 || (socklen_t)n >= size) {
		errno = ENOSPC;
		return NULL;
	}
	memcpy(dst, tmp, (size_t)n + 1);
	return dst;
}

static int port_of(const char *service, int flags, int socktype, uint16_t *port)
{
	if (!service) {
		*port = 0;
		return 0;
	}
	char *end;
	unsigned long v = strtoul(service, &end, 10);
	if (*service && !*end && v <= 65535 && *service >= '0' && *service <= '9') {
		*port = (uint16_t)v;
		return 0;
	}
	if (flags & AI_NUMERICSERV)
		return EAI_NONAME;
	int p = __tincan_serv_port(service, socktype == SOCK_DGRAM ? "udp" : socktype == SOCK_STREAM ? "tcp" : NULL);
	if (p < 0)
		return EAI_SERVICE;
	*port = (uint16_t)p;
	return 0;
}

#define AI_KNOWN (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV)

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	int flags = hints ? hints->ai_flags : 0, family = hints ? hints->ai_family : AF_UNSPEC;
	int socktype = hints ? hints->ai_socktype : 0, proto = hints ? hints->ai_protocol : 0;
	struct dns_addr addrs[DNS_MAX_ADDRS];
	char canon[DNS_NAME_MAX];
	int naddr = 1;
	uint16_t port;

	if (flags & ~AI_KNOWN)
		return EAI_BADFLAGS;
	if (!node && !service)
		return EAI_NONAME;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return EAI_FAMILY;
	if (socktype && socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
		return EAI_SOCKTYPE;
	int e = port_of(service, flags, socktype, &port);
	if (e)
		return e;
	if (node && strlen(node) < sizeof canon)
		strcpy(canon, node);
	else
		canon[0] = 0;
	memset(addrs, 0, sizeof addrs[0]);
	if (!node) {
		/* The wildcard or loopback address: IPv4's unless IPv6 is asked
		 * for (an AF_INET6 socket on :: takes both families). */
		addrs[0].af = family == AF_INET6 ? AF_INET6 : AF_INET;
		if (family == AF_INET6)
			addrs[0].a[15] = (flags & AI_PASSIVE) ? 0 : 1;
		else
			memcpy(addrs[0].a,
			       &(uint32_t){ (flags & AI_PASSIVE) ? htonl(INADDR_ANY) : htonl(INADDR_LOOPBACK) }, 4);
	} else if (family != AF_INET6 && tc_inet_pton(AF_INET, node, addrs[0].a) == 1) {
		addrs[0].af = AF_INET;
	} else if (family != AF_INET && tc_inet_pton(AF_INET6, node, addrs[0].a) == 1) {
		addrs[0].af = AF_INET6;
	} else if (family == AF_INET6 && (flags & AI_V4MAPPED) && tc_inet_pton(AF_INET, node, addrs[0].a + 12) == 1) {
		addrs[0].af = AF_INET6;
		memset(addrs[0].a, 0, 10);
		addrs[0].a[10] = addrs[0].a[11] = 0xff;
	} else if (flags & AI_NUMERICHOST) {
		return EAI_NONAME;
	} else if ((naddr = dns_lookup_af(node, family, addrs, DNS_MAX_ADDRS, canon)) < 0) {
		/* AF_INET6 with AI_V4MAPPED: IPv4 addresses as ::ffff:a.b.c.d. */
		if (family != AF_INET6 || !(flags & AI_V4MAPPED) ||
		    (naddr = dns_lookup_af(node, AF_INET, addrs, DNS_MAX_ADDRS, canon)) < 0)
			return naddr;
		for (int k = 0; k < naddr; k++) {
			memmove(addrs[k].a + 12, addrs[k].a, 4);
			memset(addrs[k].a, 0, 10);
			addrs[k].a[10] = addrs[k].a[11] = 0xff;
			addrs[k].af = AF_INET6;
		}
	}

	/* For each address, one entry per socket type asked for (both when none). */
	int types[2] = { socktype ? socktype : SOCK_STREAM, SOCK_DGRAM };
	int ntypes = socktype ? 1 : 2;
	struct addrinfo *head = NULL, **tail = &head;
	for (int k = 0; k < naddr; k++)
		for (int i = 0; i < ntypes; i++) {
			const struct dns_addr *a = &addrs[k];
			socklen_t salen = a->af == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
			struct addrinfo *ai = calloc(1, sizeof *ai + sizeof(struct sockaddr_in6));
			if (!ai) {
				freeaddrinfo(head);
				return EAI_MEMORY;
			}
			if (a->af == AF_INET6) {
				struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(ai + 1);
				sin6->sin6_family = AF_INET6;
				sin6->sin6_port = htons(port);
				memcpy(sin6->sin6_addr.s6_addr, a->a, 16);
			} else {
				struct sockaddr_in *sin = (struct sockaddr_in *)(ai + 1);
				sin->sin_family = AF_INET;
				sin->sin_port = htons(port);
				memcpy(&sin->sin_addr, a->a, 4);
			}
			ai->ai_family = a->af;
			ai->ai_socktype = types[i];
			ai->ai_protocol = proto ? proto : types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
			ai->ai_addrlen = salen;
			ai->ai_addr = (struct sockaddr *)(ai + 1);
			if ((flags & AI_CANONNAME) && node && k == 0 && i == 0 && !(ai->ai_canonname = strdup(canon))) {
				free(ai);
				freeaddrinfo(head);
				return EAI_MEMORY;
			}
			*tail = ai;
			tail = &ai->ai_next;
		}
	*res = head;
	return 0;
}

void freeaddrinfo(struct addrinfo *ai)
{
	while (ai) {
		struct addrinfo *next = ai->ai_next;
		free(ai->ai_canonname);
		free(ai);
		ai = next;
	}
}

int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen, char *serv,
		socklen_t servlen, int flags)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	int v6 = sa && salen >= sizeof *sin6 && sa->sa_family == AF_INET6;
	if (!sa || (!v6 && (salen < sizeof *sin || sin->sin_family != AF_INET)))
		return EAI_FAMILY;
	in_port_t port = v6 ? sin6->sin6_port : sin->sin_port;
	const char *name = (flags & NI_NUMERICHOST) ? NULL
			   : v6			    ? dns_host_by_addr6(&sin6->sin6_addr)
						    : dns_host_by_addr(sin->sin_addr);
	if (!name && (flags & NI_NAMEREQD))
		return EAI_NONAME; /* host entries only: no PTR queries */
	if (host && hostlen) {
		if (name) {
			if (strlen(name) >= hostlen)
				return EAI_OVERFLOW;
			strcpy(host, name);
		} else if (!inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)&sin6->sin6_addr : &sin->sin_addr,
				      host, hostlen)) {
			return EAI_OVERFLOW;
		} else if (v6 && sin6->sin6_scope_id) {
			/* A link-local address names its interface: fe80::1%net0. */
			char ifn[IF_NAMESIZE];
			size_t n = strlen(host);
			if (!if_indextoname(sin6->sin6_scope_id, ifn))
				snprintf(ifn, sizeof ifn, "%u", (unsigned)sin6->sin6_scope_id);
			if (n + 1 + strlen(ifn) >= hostlen)
				return EAI_OVERFLOW;
			host[n] = '%';
			strcpy(host + n + 1, ifn);
		}
	}
	const char *sname =
	    (flags & NI_NUMERICSERV) ? NULL : __tincan_serv_name(ntohs(port), flags & NI_DGRAM ? "udp" : "tcp");
	if (serv && servlen) {
		int n = sname ? snprintf(serv, servlen, "%s", sname) : snprintf(serv, servlen, "%u", ntohs(port));
		if (n >= (int)servlen)
			return EAI_OVERFLOW;
	}
	return 0;
}

const char *gai_strerror(int e)
{
	switch (e) {
	case 0: return "Success"; /* as glibc's */
	case EAI_BADFLAGS: return "Bad value for ai_flags";
	case EAI_NONAME: return "Name or service not known";
	case EAI_AGAIN: return "Temporary failure in name resolution";
	case EAI_FAIL: return "Non-recoverable failure in name resolution";
	case EAI_FAMILY: return "Address family not supported";
	case EAI_SOCKTYPE: return "Socket type not supported";
	case EAI_SERVICE: return "Servname not supported for ai_socktype";
	case EAI_NODATA: return "No address associated with hostname";
	case EAI_ADDRFAMILY: return "Address family for hostname not supported";
	case EAI_SYSTEM: return "System error";
	case EAI_MEMORY: return "Out of memory";
	case EAI_OVERFLOW: return "Buffer too small";
	default: return "Unknown error";
	}
}

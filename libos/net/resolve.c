/* Address conversion, and getaddrinfo/getnameinfo over the resolver
 * (dns.c: host entries, "localhost", DNS) and the services table (netdb.c).
 * IPv4 only: AF_INET6 asks fail with EAI_FAMILY (IPv6 is issue 17). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "dns.h"

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

int inet_pton(int af, const char *src, void *dst)
{
	if (af != AF_INET) {
		return sys_fail(EAFNOSUPPORT);
	}
	/* Strictly four decimal parts, as POSIX asks of inet_pton. */
	uint8_t b[4];
	const char *p = src;
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
	if (*p)
		return 0;
	memcpy(dst, b, 4);
	return 1;
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
	if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	const uint8_t *b = src;
	char tmp[INET_ADDRSTRLEN];
	int n = snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
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
	struct in_addr addrs[DNS_MAX_ADDRS];
	char canon[DNS_NAME_MAX];
	int naddr = 1;
	uint16_t port;

	if (flags & ~AI_KNOWN)
		return EAI_BADFLAGS;
	if (!node && !service)
		return EAI_NONAME;
	if (family != AF_UNSPEC && family != AF_INET) {
		/* No IPv6 yet, so no AI_V4MAPPED answers either.  errno says it
		 * too: programs that try IPv6 and carry on without it (redis's
		 * "bind * -::*") look at errno, which a Linux without IPv6 sets
		 * to EAFNOSUPPORT from socket(). */
		errno = EAFNOSUPPORT;
		return EAI_FAMILY;
	}
	if (socktype && socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
		return EAI_SOCKTYPE;
	int e = port_of(service, flags, socktype, &port);
	if (e)
		return e;
	if (node && strlen(node) < sizeof canon)
		strcpy(canon, node);
	else
		canon[0] = 0;
	if (!node)
		addrs[0].s_addr = (flags & AI_PASSIVE) ? htonl(INADDR_ANY) : htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, node, &addrs[0]) == 1)
		;
	else if (flags & AI_NUMERICHOST)
		return EAI_NONAME;
	else if ((naddr = dns_lookup(node, addrs, DNS_MAX_ADDRS, canon)) < 0)
		return naddr;

	/* For each address, one entry per socket type asked for (both when none). */
	int types[2] = { socktype ? socktype : SOCK_STREAM, SOCK_DGRAM };
	int ntypes = socktype ? 1 : 2;
	struct addrinfo *head = NULL, **tail = &head;
	for (int k = 0; k < naddr; k++)
		for (int i = 0; i < ntypes; i++) {
			struct in_addr a = addrs[k];
			struct addrinfo *ai = calloc(1, sizeof *ai + sizeof(struct sockaddr_in));
			if (!ai) {
				freeaddrinfo(head);
				return EAI_MEMORY;
			}
			struct sockaddr_in *sin = (struct sockaddr_in *)(ai + 1);
			sin->sin_family = AF_INET;
			sin->sin_port = htons(port);
			sin->sin_addr = a;
			ai->ai_family = AF_INET;
			ai->ai_socktype = types[i];
			ai->ai_protocol = proto ? proto : types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
			ai->ai_addrlen = sizeof *sin;
			ai->ai_addr = (struct sockaddr *)sin;
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
	if (!sa || salen < sizeof *sin || sin->sin_family != AF_INET)
		return EAI_FAMILY;
	const char *name = (flags & NI_NUMERICHOST) ? NULL : dns_host_by_addr(sin->sin_addr);
	if (!name && (flags & NI_NAMEREQD))
		return EAI_NONAME; /* host entries only: no PTR queries */
	if (host && hostlen) {
		if (name) {
			if (strlen(name) >= hostlen)
				return EAI_OVERFLOW;
			strcpy(host, name);
		} else if (!inet_ntop(AF_INET, &sin->sin_addr, host, hostlen)) {
			return EAI_OVERFLOW;
		}
	}
	const char *sname = (flags & NI_NUMERICSERV)
				? NULL
				: __tincan_serv_name(ntohs(sin->sin_port), flags & NI_DGRAM ? "udp" : "tcp");
	if (serv && servlen) {
		int n =
		    sname ? snprintf(serv, servlen, "%s", sname) : snprintf(serv, servlen, "%u", ntohs(sin->sin_port));
		if (n >= (int)servlen)
			return EAI_OVERFLOW;
	}
	return 0;
}

const char *gai_strerror(int e)
{
	switch (e) {
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

/* Address conversion and name resolution without DNS: numeric addresses,
 * "localhost", numeric services. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"

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

static int port_of(const char *service, int flags, uint16_t *port)
{
	(void)flags;
	if (!service) {
		*port = 0;
		return 0;
	}
	char *end;
	unsigned long v = strtoul(service, &end, 10);
	if (!*service || *end || v > 65535)
		return EAI_SERVICE; /* no services database: numbers only */
	*port = (uint16_t)v;
	return 0;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	int flags = hints ? hints->ai_flags : 0, family = hints ? hints->ai_family : AF_UNSPEC;
	int socktype = hints ? hints->ai_socktype : 0, proto = hints ? hints->ai_protocol : 0;
	struct in_addr a;
	uint16_t port;

	if (!node && !service)
		return EAI_NONAME;
	if (family != AF_UNSPEC && family != AF_INET)
		return EAI_FAMILY;
	if (socktype && socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
		return EAI_SOCKTYPE;
	int e = port_of(service, flags, &port);
	if (e)
		return e;
	if (!node)
		a.s_addr = (flags & AI_PASSIVE) ? htonl(INADDR_ANY) : htonl(INADDR_LOOPBACK);
	else if (strcmp(node, "localhost") == 0 && !(flags & AI_NUMERICHOST))
		a.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, node, &a) != 1)
		return (flags & AI_NUMERICHOST) ? EAI_NONAME : EAI_NONAME; /* no DNS resolver yet */

	/* One entry per socket type asked for (both when none). */
	int types[2] = { socktype ? socktype : SOCK_STREAM, SOCK_DGRAM };
	int ntypes = socktype ? 1 : 2;
	struct addrinfo *head = NULL, **tail = &head;
	for (int i = 0; i < ntypes; i++) {
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
		if ((flags & AI_CANONNAME) && node && i == 0)
			ai->ai_canonname = strdup(node);
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
	if (flags & NI_NAMEREQD)
		return EAI_NONAME; /* no reverse lookups */
	if (host && hostlen && !inet_ntop(AF_INET, &sin->sin_addr, host, hostlen))
		return EAI_OVERFLOW;
	if (serv && servlen && snprintf(serv, servlen, "%u", ntohs(sin->sin_port)) >= (int)servlen)
		return EAI_OVERFLOW;
	return 0;
}

const char *gai_strerror(int e)
{
	switch (e) {
	case EAI_BADFLAGS: return "Bad value for ai_flags";
	case EAI_NONAME: return "Name or service not known (tincan resolves numeric addresses only)";
	case EAI_AGAIN: return "Temporary failure in name resolution";
	case EAI_FAIL: return "Non-recoverable failure in name resolution";
	case EAI_FAMILY: return "Address family not supported";
	case EAI_SOCKTYPE: return "Socket type not supported";
	case EAI_SERVICE: return "Service not supported (numeric ports only)";
	case EAI_MEMORY: return "Out of memory";
	case EAI_OVERFLOW: return "Buffer too small";
	default: return "Unknown error";
	}
}

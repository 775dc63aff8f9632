/*
 * The old netdb calls: gethostbyname & co. over the resolver (dns.c), with
 * h_errno; services and protocols from small built-in tables (a guest has
 * no /etc/services or /etc/protocols).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "dns.h"
#include "pton.h"

int h_errno;

/* ---- services ------------------------------------------------------------ */

static const struct {
	const char *name;
	uint16_t port;
	uint8_t tcp, udp;
} services[] = {
	{ "echo", 7, 1, 1 },	     { "discard", 9, 1, 1 },	   { "daytime", 13, 1, 1 },    { "ftp-data", 20, 1, 0 },
	{ "ftp", 21, 1, 0 },	     { "ssh", 22, 1, 0 },	   { "telnet", 23, 1, 0 },     { "smtp", 25, 1, 0 },
	{ "time", 37, 1, 1 },	     { "domain", 53, 1, 1 },	   { "tftp", 69, 0, 1 },       { "http", 80, 1, 0 },
	{ "pop3", 110, 1, 0 },	     { "sunrpc", 111, 1, 1 },	   { "ntp", 123, 0, 1 },       { "imap", 143, 1, 0 },
	{ "snmp", 161, 0, 1 },	     { "ldap", 389, 1, 0 },	   { "https", 443, 1, 1 },     { "syslog", 514, 0, 1 },
	{ "submission", 587, 1, 0 }, { "ldaps", 636, 1, 0 },	   { "imaps", 993, 1, 0 },     { "pop3s", 995, 1, 0 },
	{ "mysql", 3306, 1, 0 },     { "postgresql", 5432, 1, 0 }, { "amqp", 5672, 1, 0 },     { "redis", 6379, 1, 0 },
	{ "http-alt", 8080, 1, 0 },  { "memcache", 11211, 1, 1 },  { "mongodb", 27017, 1, 0 },
};
#define NSERVICES (int)(sizeof services / sizeof services[0])

static struct servent serv;
static char *no_aliases[1];
static char serv_name[16], serv_proto[4];
static int serv_next;

static int proto_ok(int i, const char *proto)
{
	if (!proto)
		return 1;
	if (!strcmp(proto, "tcp"))
		return services[i].tcp;
	if (!strcmp(proto, "udp"))
		return services[i].udp;
	return 0;
}

static struct servent *serv_fill(int i, const char *proto)
{
	snprintf(serv_name, sizeof serv_name, "%s", services[i].name);
	snprintf(serv_proto, sizeof serv_proto, "%s", proto ? proto : services[i].tcp ? "tcp" : "udp");
	serv = (struct servent){ serv_name, no_aliases, htons(services[i].port), serv_proto };
	return &serv;
}

/* The port of a service name for proto ("tcp", "udp" or NULL), or -1. */
int __tincan_serv_port(const char *name, const char *proto);
int __tincan_serv_port(const char *name, const char *proto)
{
	for (int i = 0; name && i < NSERVICES; i++)
		if (!strcmp(services[i].name, name) && proto_ok(i, proto))
			return services[i].port;
	return -1;
}

/* The name of a port (host order) for proto, or NULL. */
const char *__tincan_serv_name(int port, const char *proto);
const char *__tincan_serv_name(int port, const char *proto)
{
	for (int i = 0; i < NSERVICES; i++)
		if (services[i].port == port && proto_ok(i, proto))
			return services[i].name;
	return NULL;
}

struct servent *getservbyname(const char *name, const char *proto)
{
	for (int i = 0; name && i < NSERVICES; i++)
		if (!strcmp(services[i].name, name) && proto_ok(i, proto))
			return serv_fill(i, proto);
	return NULL;
}

struct servent *getservbyport(int port, const char *proto)
{
	for (int i = 0; i < NSERVICES; i++)
		if (htons(services[i].port) == (uint16_t)port && proto_ok(i, proto))
			return serv_fill(i, proto);
	return NULL;
}

void setservent(int stayopen)
{
	(void)stayopen;
	serv_next = 0;
}

void endservent(void)
{
	serv_next = 0;
}

struct servent *getservent(void)
{
	return serv_next < NSERVICES ? serv_fill(serv_next++, NULL) : NULL;
}

/* ---- protocols ----------------------------------------------------------- */

static const struct {
	const char *name, *alias;
	int proto;
} protos[] = { { "ip", "IP", 0 }, { "icmp", "ICMP", 1 }, { "tcp", "TCP", 6 }, { "udp", "UDP", 17 } };
#define NPROTOS (int)(sizeof protos / sizeof protos[0])

static struct protoent proto_ent;
static char proto_name[8], proto_alias[8];
static char *proto_aliases[2] = { proto_alias, NULL };
static int proto_next;

static struct protoent *proto_fill(int i)
{
	snprintf(proto_name, sizeof proto_name, "%s", protos[i].name);
	snprintf(proto_alias, sizeof proto_alias, "%s", protos[i].alias);
	proto_ent = (struct protoent){ proto_name, proto_aliases, protos[i].proto };
	return &proto_ent;
}

struct protoent *getprotobyname(const char *name)
{
	for (int i = 0; name && i < NPROTOS; i++)
		if (!strcmp(protos[i].name, name) || !strcmp(protos[i].alias, name))
			return proto_fill(i);
	return NULL;
}

struct protoent *getprotobynumber(int proto)
{
	for (int i = 0; i < NPROTOS; i++)
		if (protos[i].proto == proto)
			return proto_fill(i);
	return NULL;
}

void setprotoent(int stayopen)
{
	(void)stayopen;
	proto_next = 0;
}

void endprotoent(void)
{
	proto_next = 0;
}

struct protoent *getprotoent(void)
{
	return proto_next < NPROTOS ? proto_fill(proto_next++) : NULL;
}

/* ---- hosts --------------------------------------------------------------- */

static int herr_of(int eai)
{
	switch (eai) {
	case EAI_NONAME: return HOST_NOT_FOUND;
	case EAI_AGAIN: return TRY_AGAIN;
	case EAI_MEMORY: return NETDB_INTERNAL;
	default: return NO_RECOVERY;
	}
}

/* A hostent for name and n addresses of family af (packed, 4 or 16 bytes
 * each), laid out in buf. */
static int fill_hostent_af(struct hostent *h, char *buf, size_t buflen, const char *name, int af, const void *addrs,
			   int n)
{
	size_t nlen = strlen(name) + 1, alen = af == AF_INET6 ? 16 : 4;
	uintptr_t p = ((uintptr_t)buf + 7) & ~(uintptr_t)7;
	size_t need = (size_t)(p - (uintptr_t)buf) + sizeof(char *) * ((size_t)n + 2) + alen * (size_t)n + nlen;
	if (need > buflen)
		return ERANGE;
	char **list = (char **)p, **aliases = list + n + 1;
	char *data = (char *)(aliases + 1), *nm = data + alen * (size_t)n;
	for (int i = 0; i < n; i++) {
		memcpy(data + alen * (size_t)i, (const char *)addrs + alen * (size_t)i, alen);
		list[i] = data + alen * (size_t)i;
	}
	list[n] = NULL;
	aliases[0] = NULL;
	memcpy(nm, name, nlen);
	*h = (struct hostent){ nm, aliases, af, (int)alen, list };
	return 0;
}

static int fill_hostent(struct hostent *h, char *buf, size_t buflen, const char *name, const struct in_addr *addrs,
			int n)
{
	return fill_hostent_af(h, buf, buflen, name, AF_INET, addrs, n);
}

int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen, struct hostent **result,
		    int *h_errnop)
{
	struct in_addr addrs[DNS_MAX_ADDRS];
	char canon[DNS_NAME_MAX];
	int n;
	*result = NULL;
	if (!name) {
		*h_errnop = HOST_NOT_FOUND;
		return EINVAL;
	}
	if (inet_aton(name, &addrs[0])) {
		n = 1;
		snprintf(canon, sizeof canon, "%s", name);
	} else {
		n = dns_lookup(name, addrs, DNS_MAX_ADDRS, canon);
	}
	if (n < 0) {
		*h_errnop = herr_of(n);
		return n == EAI_AGAIN ? EAGAIN : n == EAI_MEMORY ? ENOMEM : 0;
	}
	int e = fill_hostent(ret, buf, buflen, canon, addrs, n);
	if (e) {
		*h_errnop = NETDB_INTERNAL;
		return e;
	}
	*h_errnop = 0;
	*result = ret;
	return 0;
}

static struct hostent host;
static char host_buf[DNS_NAME_MAX + DNS_MAX_ADDRS * 24 + 32];

struct hostent *gethostbyname(const char *name)
{
	struct hostent *r;
	gethostbyname_r(name, &host, host_buf, sizeof host_buf, &r, &h_errno);
	return r;
}

struct hostent *gethostbyname2(const char *name, int af)
{
	if (af == AF_INET)
		return gethostbyname(name);
	if (af != AF_INET6 || !name) {
		h_errno = af != AF_INET6 ? NO_DATA : HOST_NOT_FOUND;
		return NULL;
	}
	/* AAAA records (dns.c), or a numeric IPv6 address. */
	struct dns_addr found[DNS_MAX_ADDRS];
	uint8_t packed[DNS_MAX_ADDRS][16];
	char canon[DNS_NAME_MAX];
	int n = 1;
	if (tc_inet_pton(AF_INET6, name, packed[0]) == 1) {
		snprintf(canon, sizeof canon, "%s", name);
	} else {
		if ((n = dns_lookup_af(name, AF_INET6, found, DNS_MAX_ADDRS, canon)) < 0) {
			h_errno = n == EAI_ADDRFAMILY ? NO_DATA : herr_of(n);
			return NULL;
		}
		for (int i = 0; i < n; i++)
			memcpy(packed[i], found[i].a, 16);
	}
	if (fill_hostent_af(&host, host_buf, sizeof host_buf, canon, AF_INET6, packed, n)) {
		h_errno = NETDB_INTERNAL;
		return NULL;
	}
	h_errno = 0;
	return &host;
}

/* Reverse: host entries (and localhost) only, no PTR queries. */
struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	struct in_addr a;
	if (type != AF_INET || len != 4 || !addr) {
		h_errno = HOST_NOT_FOUND;
		return NULL;
	}
	memcpy(&a, addr, 4);
	const char *name = dns_host_by_addr(a);
	if (!name) {
		h_errno = HOST_NOT_FOUND;
		return NULL;
	}
	fill_hostent(&host, host_buf, sizeof host_buf, name, &a, 1);
	h_errno = 0;
	return &host;
}

void sethostent(int stayopen)
{
	(void)stayopen;
}

void endhostent(void)
{
}

struct hostent *gethostent(void)
{
	return NULL; /* no host database to walk */
}

const char *hstrerror(int err)
{
	switch (err) {
	case 0: return "Resolver Error 0 (no error)";
	case HOST_NOT_FOUND: return "Unknown host";
	case TRY_AGAIN: return "Host name lookup failure";
	case NO_RECOVERY: return "Unknown server error";
	case NO_DATA: return "No address associated with name";
	case NETDB_INTERNAL: return "Resolver internal error";
	default: return "Unknown resolver error";
	}
}

void herror(const char *s)
{
	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, hstrerror(h_errno));
	else
		fprintf(stderr, "%s\n", hstrerror(h_errno));
}

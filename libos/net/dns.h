/*
 * The resolver's internal interface inside tcnet.o (libos/net): the
 * configuration (host entries, DNS servers) and the DNS client (dns.c),
 * used by getaddrinfo & co. (resolve.c) and the old calls (netdb.c).
 */
#ifndef LIBOS_NET_DNS_H
#define LIBOS_NET_DNS_H

#include <netinet/in.h>
#include <stddef.h>

#define dns_lookup __tincan_dns_lookup
#define dns_lookup_af __tincan_dns_lookup_af
#define dns_host_by_addr __tincan_dns_host_by_addr
#define dns_host_by_addr6 __tincan_dns_host_by_addr6
#define dns_restored __tincan_dns_restored

#define DNS_MAX_ADDRS 16
#define DNS_NAME_MAX 254 /* 253 characters and the NUL */

/* Addresses of NAME: host entries and "localhost" first, then DNS.  Up to
 * max addresses in out, the canonical name (after CNAMEs) in canon.
 * Returns how many (>= 1) or an EAI_* error. */
int dns_lookup(const char *name, struct in_addr *out, int max, char canon[DNS_NAME_MAX]);

/* An address of either family. */
struct dns_addr {
	int af; /* AF_INET (the first 4 bytes of a) or AF_INET6 */
	uint8_t a[16];
};
/* The same for family af: AF_INET (A records), AF_INET6 (AAAA), AF_UNSPEC
 * (A, then AAAA if the guest has an IPv6 address beyond link-local: an
 * address it could not reach is no use to it). */
int dns_lookup_af(const char *name, int af, struct dns_addr *out, int max, char canon[DNS_NAME_MAX]);

/* The host entry naming ADDR, or NULL. */
const char *dns_host_by_addr(struct in_addr addr);
const char *dns_host_by_addr6(const struct in6_addr *addr);

/* After a restore from a snapshot: the configuration is read afresh. */
void dns_restored(void);

#endif

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
#define dns_host_by_addr __tincan_dns_host_by_addr

#define DNS_MAX_ADDRS 16
#define DNS_NAME_MAX 254 /* 253 characters and the NUL */

/* Addresses of NAME: host entries and "localhost" first, then DNS.  Up to
 * max addresses in out, the canonical name (after CNAMEs) in canon.
 * Returns how many (>= 1) or an EAI_* error. */
int dns_lookup(const char *name, struct in_addr *out, int max, char canon[DNS_NAME_MAX]);

/* The host entry naming ADDR, or NULL. */
const char *dns_host_by_addr(struct in_addr addr);

#endif

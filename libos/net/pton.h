/*
 * Text to address, for libos's own callers inside tcnet.o (netcfg.c's
 * TINCAN_IP and TINCAN_ROUTE, the resolver): resolve.c's parser under a
 * name of the implementation's.  The Makefile keeps only exports.txt's
 * names global, so this one is local to tcnet.o and always libos's: an
 * app's own inet_pton cannot stand in for it.  inet_pton is the same
 * function (an alias): glibc's rules (four decimal parts for AF_INET, no
 * leading zeros; RFC 4291 text for AF_INET6, a dotted IPv4 tail allowed,
 * no zone id).
 */
#ifndef LIBOS_NET_PTON_H
#define LIBOS_NET_PTON_H

#define tc_inet_pton __tincan_inet_pton

/* inet_pton's contract: 1 (dst holds the address), 0 (src is none of af's),
 * -1 and EAFNOSUPPORT (af is neither AF_INET nor AF_INET6). */
int tc_inet_pton(int af, const char *src, void *dst);

#endif

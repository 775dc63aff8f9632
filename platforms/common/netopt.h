/*
 * The per-NIC network options, --ip=[NAME:]ADDR/PREFIX, --gw=[NAME:]ADDR and
 * --route=DEST/PREFIX[:via=GW][:dev=NAME], as tincan-run (platforms/kvm/
 * monitor/tap.c) and the pc platform's command line (platforms/pc/guest/
 * user.c) take them: checked against the attached net devices and turned
 * into the guest's TINCAN_IP and TINCAN_ROUTE entries (docs/abi.md), which
 * libos/net/netcfg.c applies.  Freestanding: no stdio, no allocation.
 */
#ifndef TINCAN_NETOPT_H
#define TINCAN_NETOPT_H

#include <stdint.h>

enum { NETOPT_IP, NETOPT_ROUTE, NETOPT_GW };

/* An attached net device: its name, and what the boot info carries for
 * it, set by netopt_parse: its first IPv4 address (network byte order) and
 * prefix, its first IPv4 gateway; 0: none. */
struct netopt_dev {
	const char *name;
	uint32_t ip4, prefix, gw4;
};

/* The most an entry takes (with its ',' and the NUL after it). */
#define NETOPT_IP_ROOM 68 /* NAME(15) : ADDR(45) / 128 , */
#define NETOPT_RT_ROOM 116 /* DEST / 128 @ GW % NAME , */

/* The option value v of kind NETOPT_*, checked (addresses of one family,
 * prefixes in range, no host bits in a route's DEST, via= or dev=, NAME a
 * device in devs[0..n), the first when none is given): its entry written
 * at out (a ',' first if comma), NUL-terminated; the length written, or -1
 * if v is bad: then netopt_expect[kind] says what was expected. */
int netopt_parse(int kind, const char *v, struct netopt_dev *devs, int n, char *out, int comma);
extern const char *const netopt_expect[3];

/* s, the whole of it, a non-zero IPv4 or IPv6 address (as --dns and
 * --host-entry take one), into a: its length, 4 or 16, or 0 if it is none. */
int netopt_addr(const char *s, uint8_t a[16]);

/* A dotted-quad IPv4 address at s into *addr (network byte order), as
 * inet_pton reads one; returns the end of it, or NULL. */
const char *parse_ipv4(const char *s, uint32_t *addr);

#endif

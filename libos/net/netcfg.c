/*
 * TINCAN_IP and TINCAN_ROUTE (netcfg.h; their syntax is in docs/abi.md):
 * parsed defensively (the platform made them, but a malformed one is a
 * panic that says which, never a guess), applied to lwIP, and the routing
 * hooks lwIP calls (lwipopts.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "netif/ethernet.h"

#include "netcfg.h"
#include "pton.h"
#include "stack6.h"
#include "../internal.h"

struct nc_addr {
	int nic;
	unsigned len, prefix; /* len: 4 or 16 bytes */
	uint8_t a[16];
};

struct nc_route {
	int nic; /* -1: the device whose subnet holds gw */
	unsigned len, prefix, has_gw;
	uint8_t dest[16], gw[16];
	ip4_addr_t gw4; /* for LWIP_HOOK_ETHARP_GET_GW */
};

static struct nc_addr addrs[NETCFG_MAX];
static struct nc_route routes[NETCFG_MAX];
static int naddrs, nroutes;
static struct netif extra[NETCFG_MAX]; /* further IPv4 addresses' netifs */
static int nextra;
static struct netif *prim;
static int nprim;

/* An address in s[0..n) into a: 4 or 16 (its length), or 0.  IPv6 as
 * inet_pton takes it (a dotted IPv4 tail too, no zone id). */
static unsigned parse_addr(const char *s, size_t n, uint8_t a[16])
{
	char buf[48];
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(a, 0, 16);
	return tc_inet_pton(AF_INET, buf, a) == 1 ? 4 : tc_inet_pton(AF_INET6, buf, a) == 1 ? 16 : 0;
}

/* "ADDR/PREFIX" in s[0..n): the address's length, or 0. */
static unsigned parse_net(const char *s, size_t n, uint8_t a[16], unsigned *prefix)
{
	const char *slash = memchr(s, '/', n);
	if (!slash || slash + 1 == s + n || s + n - slash > 4)
		return 0;
	unsigned len = parse_addr(s, (size_t)(slash - s), a), p = 0;
	for (const char *d = slash + 1; d < s + n; d++) {
		if (*d < '0' || *d > '9')
			return 0;
		p = p * 10 + (unsigned)(*d - '0');
	}
	*prefix = p;
	return p <= len * 8 ? len : 0;
}

static int nic_named(const char *s, size_t n)
{
	for (int i = 0; i < plat_net_count(); i++)
		if (strnlen(plat_net_info(i)->name, 16) == n && memcmp(plat_net_info(i)->name, s, n) == 0)
			return i;
	return -1;
}

static _Noreturn void bad(const char *var, const char *s, size_t n, const char *why)
{
	char entry[128]; /* panic's formatter has no %.*s */
	n = n < sizeof entry ? n : sizeof entry - 1;
	memcpy(entry, s, n);
	entry[n] = '\0';
	tincan_panic("malformed %s entry '%s': %s", var, entry, why);
}

/* TINCAN_IP=NAME:ADDR/PREFIX,... */
static void parse_ips(const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, ",");
		const char *colon = memchr(s, ':', n);
		struct nc_addr *a = &addrs[naddrs];
		if (naddrs == NETCFG_MAX)
			bad("TINCAN_IP", s, n, "more than 16 addresses");
		if (!colon)
			bad("TINCAN_IP", s, n, "expected NAME:ADDR/PREFIX");
		if ((a->nic = nic_named(s, (size_t)(colon - s))) < 0)
			bad("TINCAN_IP", s, n, "no such net device");
		if (!(a->len = parse_net(colon + 1, n - (size_t)(colon + 1 - s), a->a, &a->prefix)))
			bad("TINCAN_IP", s, n, "expected NAME:ADDR/PREFIX");
		naddrs++;
		s += n + (s[n] == ',');
	}
}

/* TINCAN_ROUTE=DEST/PREFIX[@GW][%NAME],... */
static void parse_routes(const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, ","), dn;
		const char *at = memchr(s, '@', n), *pct = memchr(s, '%', n), *end = s + n;
		struct nc_route *r = &routes[nroutes];
		if (nroutes == NETCFG_MAX)
			bad("TINCAN_ROUTE", s, n, "more than 16 routes");
		if (pct && at > pct)
			bad("TINCAN_ROUTE", s, n, "expected DEST/PREFIX[@GW][%NAME]");
		dn = (size_t)((at ? at : pct ? pct : end) - s);
		if (!(r->len = parse_net(s, dn, r->dest, &r->prefix)))
			bad("TINCAN_ROUTE", s, n, "expected DEST/PREFIX[@GW][%NAME]");
		r->has_gw = at != NULL;
		if (at && parse_addr(at + 1, (size_t)((pct ? pct : end) - at - 1), r->gw) != r->len)
			bad("TINCAN_ROUTE", s, n, "the gateway is not an address of the destination's family");
		r->nic = pct ? nic_named(pct + 1, (size_t)(end - pct - 1)) : -1;
		if (pct && r->nic < 0)
			bad("TINCAN_ROUTE", s, n, "no such net device");
		if (!at && !pct)
			bad("TINCAN_ROUTE", s, n, "neither a gateway nor a device");
		for (unsigned k = r->prefix; k < r->len * 8; k++)
			if (r->dest[k / 8] >> (7 - k % 8) & 1)
				bad("TINCAN_ROUTE", s, n, "host bits set in the destination");
		memcpy(&r->gw4, r->gw, 4);
		nroutes++;
		s += n + (s[n] == ',');
	}
}

/* a and b agree in their first prefix bits. */
static int same_prefix(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;
	return memcmp(a, b, whole) == 0 && (!rest || ((a[whole] ^ b[whole]) >> (8 - rest)) == 0);
}

static uint32_t mask_of(unsigned prefix)
{
	return prefix ? lwip_htonl(0xffffffffu << (32 - prefix)) : 0;
}

int tc_netcfg_dev(const struct netif *nif)
{
	if (!nif)
		return -1;
	if (nif >= prim && nif < prim + nprim)
		return (int)(nif - prim);
	if (nif >= extra && nif < extra + nextra)
		return (int)(intptr_t)nif->state;
	return -1;
}

struct netif *tc_netcfg_netif(int dev)
{
	return dev >= 0 && dev < nprim ? &prim[dev] : NULL;
}

unsigned tc_netcfg_apply(struct netif *p, int n, int restored, netif_init_fn init)
{
	unsigned have = 0;
	prim = p;
	nprim = n;
	while (nextra)
		netif_remove(&extra[--nextra]);
	naddrs = nroutes = 0;
	parse_ips(getenv("TINCAN_IP"));
	parse_routes(getenv("TINCAN_ROUTE"));
	for (int i = 0; i < n; i++) {
		int first = 1, skip = 0;
		if (ip4_addr_get_u32(netif_ip4_addr(&p[i])))
			have |= 1u << i;
		for (int k = 0; k < naddrs; k++) {
			struct nc_addr *a = &addrs[k];
			uint32_t v;
			memcpy(&v, a->a, 4);
			if (a->nic != i || a->len != 4 || skip)
				continue;
			ip4_addr_t ip, mask, gw;
			ip4_addr_set_u32(&ip, v);
			ip4_addr_set_u32(&mask, mask_of(a->prefix));
			ip4_addr_set_zero(&gw);
			if (first) {
				first = 0;
				/* The boot info's address is the env's first: or the env
				 * is a snapshot's, for another address. */
				if (restored && v != ip4_addr_get_u32(netif_ip4_addr(&p[i]))) {
					skip = 1;
					continue;
				}
				if (!(have >> i & 1))
					netif_set_addr(&p[i], &ip, &mask, netif_ip4_gw(&p[i]));
				have |= 1u << i;
				continue;
			}
			struct netif *x = &extra[nextra];
			if (!netif_add(x, &ip, &mask, &gw, (void *)(intptr_t)i, init, ethernet_input))
				tincan_panic("cannot add address %s to net device %s", ip4addr_ntoa(&ip),
					     plat_net_info(i)->name);
			nextra++;
			/* Last in lwIP's list (netif_add put it first): on a subnet
			 * it shares, the device's main address stays the source. */
			netif_list = x->next;
			struct netif **tail = &netif_list;
			while (*tail)
				tail = &(*tail)->next;
			*tail = x;
			x->next = NULL;
			netif_set_up(x);
			if (restored)
				etharp_gratuitous(x);
		}
		for (int k = 0; k < naddrs; k++)
			if (addrs[k].nic == i && addrs[k].len == 16 &&
			    tc_net_ip6_static(i, addrs[k].a, addrs[k].prefix) < 0)
				tincan_panic(
				    "net device %s: cannot add IPv6 address %d of TINCAN_IP (at most %d a device)",
				    plat_net_info(i)->name, k + 1, LWIP_IPV6_NUM_ADDRESSES - 1);
	}
	for (int k = 0; k < nroutes; k++) {
		if (routes[k].len != 16)
			continue;
		/* No device given: the one with a static address whose subnet
		 * holds the gateway, else the first. */
		int nic = routes[k].nic;
		for (int j = 0; nic < 0 && j < naddrs; j++)
			if (addrs[j].len == 16 && routes[k].has_gw &&
			    same_prefix(addrs[j].a, routes[k].gw, addrs[j].prefix))
				nic = addrs[j].nic;
		if (tc_net_route6_add(routes[k].dest, routes[k].prefix, routes[k].has_gw ? routes[k].gw : NULL,
				      nic < 0 ? 0 : nic) < 0)
			tincan_panic("cannot add IPv6 route %d of TINCAN_ROUTE (the table is full)", k + 1);
	}
	return have;
}

struct netif *tc_netcfg_input(int dev, struct netif *nif, const uint8_t *f, size_t len)
{
	if (!nextra || len < 42 || f[12] != 0x08 || f[13] != 0x06)
		return nif;
	for (int k = 0; k < nextra; k++)
		if ((int)(intptr_t)extra[k].state == dev && memcmp(f + 38, netif_ip4_addr(&extra[k]), 4) == 0)
			return &extra[k];
	return nif;
}

/* The netif of device dev (or of any, dev -1) whose subnet holds a; NULL
 * if none does. */
static struct netif *on_link(int dev, uint32_t a)
{
	for (int k = -nprim; k < nextra; k++) {
		struct netif *nif = k < 0 ? &prim[nprim + k] : &extra[k];
		uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(nif)), m = ip4_addr_get_u32(netif_ip4_netmask(nif));
		if (ip && netif_is_up(nif) && (dev < 0 || tc_netcfg_dev(nif) == dev) && !((ip ^ a) & m))
			return nif;
	}
	return NULL;
}

/* The longest-prefix IPv4 route to a, of device dev (-1: any). */
static struct nc_route *route_to(uint32_t a, int dev)
{
	struct nc_route *best = NULL;
	for (int k = 0; k < nroutes; k++) {
		struct nc_route *r = &routes[k];
		uint32_t d;
		memcpy(&d, r->dest, 4);
		if (r->len != 4 || ((d ^ a) & mask_of(r->prefix)) || (best && best->prefix >= r->prefix))
			continue;
		int rdev = r->nic >= 0		      ? r->nic
			   : on_link(-1, r->gw4.addr) ? tc_netcfg_dev(on_link(-1, r->gw4.addr))
						      : -1;
		if (rdev >= 0 && (dev < 0 || rdev == dev))
			best = r;
	}
	return best;
}

/* LWIP_HOOK_IP4_ROUTE_SRC: with src, the netif that has it when dest is
 * on its link; without, the route table's choice (after the netifs' own
 * subnets, lwIP's first choice; before its default netif). */
struct netif *tincan_ip4_route_src(const ip4_addr_t *src, const ip4_addr_t *dest)
{
	if (src) {
		for (int k = -nprim; k < nextra && !ip4_addr_isany(src); k++) {
			struct netif *nif = k < 0 ? &prim[nprim + k] : &extra[k];
			uint32_t m = ip4_addr_get_u32(netif_ip4_netmask(nif));
			if (netif_is_up(nif) && ip4_addr_cmp(netif_ip4_addr(nif), src) &&
			    !((src->addr ^ dest->addr) & m))
				return nif;
		}
		return NULL;
	}
	struct nc_route *r = route_to(dest->addr, -1);
	if (!r)
		return NULL;
	int dev = r->nic >= 0 ? r->nic : tc_netcfg_dev(on_link(-1, r->gw4.addr));
	struct netif *nif = r->has_gw ? on_link(dev, r->gw4.addr) : NULL;
	nif = nif ? nif : tc_netcfg_netif(dev);
	return nif && netif_is_up(nif) ? nif : NULL;
}

/* LWIP_HOOK_ETHARP_GET_GW: the next hop to dest (off nif's subnet): dest
 * itself when another address of nif's device has it on its subnet (one
 * link: ICMP answers from a further address leave through the device's
 * main netif), else the route table's for nif's device: its gateway, or
 * dest for a route with none (on the link); NULL: the netif's gateway. */
const ip4_addr_t *tincan_etharp_gw(struct netif *nif, const ip4_addr_t *dest)
{
	int dev = tc_netcfg_dev(nif);
	if (dev >= 0 && on_link(dev, dest->addr))
		return dest;
	struct nc_route *r = route_to(dest->addr, dev);
	return !r ? NULL : r->has_gw ? &r->gw4 : dest;
}

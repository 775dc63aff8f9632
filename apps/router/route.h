/* The routing table: connected networks and static routes, IPv4 and IPv6,
 * longest-prefix match. */
#ifndef ROUTER_ROUTE_H
#define ROUTER_ROUTE_H

#include "pkt.h"

#define ROUTES_MAX 64

struct route {
	struct ipa dst;
	int len;
	struct ipa gw; /* fam 0: on-link (the destination is the next hop) */
	int nic; /* -1 until resolved from gw */
};

struct rtable {
	struct route r[ROUTES_MAX];
	int n;
};

/* Add a route (dst is masked to len); 0, or -1 when the table is full. */
int route_add(struct rtable *t, const struct ipa *dst, int len, const struct ipa *gw, int nic);
/* The route with the longest prefix holding a, or NULL. */
const struct route *route_lookup(const struct rtable *t, const struct ipa *a);
/* Give each route without a NIC the NIC of the on-link route holding its
 * gateway; the index of the first route left without one, or -1. */
int route_resolve(struct rtable *t);

#endif

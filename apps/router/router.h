/* The router's packet path, independent of how frames arrive: frames in
 * through router_frame(), frames out through the send callback. */
#ifndef ROUTER_ROUTER_H
#define ROUTER_ROUTER_H

#include <stdio.h>

#include "ct.h"
#include "neigh.h"
#include "route.h"
#include "rules.h"

#define NIC_ADDRS 8
#define ROUTER_NEVER UINT64_MAX /* router_next(): nothing to do until a frame comes */
#define SCRATCH 16

struct nic {
	char name[16];
	uint8_t mac[6];
	uint16_t mtu;
	struct ipa addr[NIC_ADDRS];
	int plen[NIC_ADDRS];
	int naddr;
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes, forwarded, malformed, dropped;
};

struct router {
	struct nic nic[NICS_MAX];
	int nnics;
	int snat; /* the NIC masqueraded to, -1: none */
	int no_icmp_errors;
	struct rtable rt;
	struct ruleset rules;
	uint64_t drops[D_COUNT];
	uint64_t rule_hits[RULES_MAX], policy_hits;
	uint64_t flows_new, flows_nat, arp_replies, arp_requests, ns_sent, na_sent, echo_replies, icmp_sent, nd_ignored,
	    arp_ignored;
	uint64_t icmp_limited, icmp_t; /* ICMP errors not sent (over the rate); the bucket's time */
	uint32_t icmp_tokens;
	uint64_t neigh_next; /* a resolution retry or give-up is due then (or later); ROUTER_NEVER: none */
	void (*send)(void *ctx, int nic, uint8_t *frame, uint32_t len);
	void *ctx;
	uint8_t scratch[SCRATCH][NEIGH_BUF];
	unsigned scratch_i;
	struct neigh_tab nb;
	struct ct ct; /* last: the large part, touched only as flows come */
};

/* Ready r (zeroed by the caller) for max_flows flows. */
void router_init(struct router *r, uint32_t max_flows, uint32_t seed);
/* Add a NIC by name; its index, or -1 (too many). */
int router_nic(struct router *r, const char *name);
/* Add an address (and its connected route) to NIC i; 0 or -1. */
int router_addr(struct router *r, int i, const struct ipa *a, int plen);
/* One frame received on NIC in (it may be edited and sent in place). */
void router_frame(struct router *r, int in, uint8_t *f, uint32_t len, uint64_t now);
/* Timers: resolution retries and give-ups, flow expiry.  Call it when
 * router_next() is due (calling it earlier does no harm). */
void router_tick(struct router *r, uint64_t now);
/* When router_tick has work next (ns, the clock of now): the earliest
 * resolution retry or give-up and conntrack expiry (at most a second
 * after it); ROUTER_NEVER when nothing is pending.  Cheap: no scan. */
uint64_t router_next(const struct router *r);
/* Every counter, one "router: NAME VALUE" line each. */
void router_stats(const struct router *r, FILE *out);
/* The counter names of enum drop. */
extern const char *const drop_names[D_COUNT];

#endif

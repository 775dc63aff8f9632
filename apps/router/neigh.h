/* The neighbour cache (ARP for IPv4, NDP for IPv6): IP -> MAC per NIC,
 * with a few packets queued while an address is being resolved. */
#ifndef ROUTER_NEIGH_H
#define ROUTER_NEIGH_H

#include "pkt.h"

#define NEIGH_SETS 64
#define NEIGH_WAYS 4
#define NEIGH_QLEN 4 /* packets queued per address being resolved */
#define NEIGH_POOL 64 /* packets queued in all */
#define NEIGH_BUF 1536

enum { N_FREE, N_INCOMPLETE, N_REACHABLE, N_FAILED };

struct neigh {
	struct ipa ip;
	int nic;
	uint8_t mac[6];
	uint8_t state, tries;
	uint64_t t; /* REACHABLE: when learnt; INCOMPLETE: the last request; FAILED: when */
	int16_t q[NEIGH_QLEN]; /* pool slots, in order */
	uint8_t nq;
};

struct neigh_tab {
	struct neigh e[NEIGH_SETS][NEIGH_WAYS];
	struct {
		uint32_t len;
		uint8_t data[NEIGH_BUF];
	} pool[NEIGH_POOL];
	uint64_t pool_used; /* bit i: slot i holds a packet */
};

/* The entry for ip on nic, or NULL. */
struct neigh *neigh_find(struct neigh_tab *t, int nic, const struct ipa *ip);
/* The entry for ip on nic, made (N_INCOMPLETE, state left to the caller to
 * set) when missing, replacing the set's oldest entry (its queue freed). */
struct neigh *neigh_make(struct neigh_tab *t, int nic, const struct ipa *ip, uint64_t now);
/* Queue a copy of frame on n; 0, or -1 (queue or pool full, or too long). */
int neigh_queue(struct neigh_tab *t, struct neigh *n, const uint8_t *frame, uint32_t len);
/* Free n's queued packets. */
void neigh_drop_queue(struct neigh_tab *t, struct neigh *n);

#endif

/* Connection tracking for TCP, UDP and ICMP echo: a bounded hash table of
 * flows, each found from either direction's tuple, with timeouts; source
 * NAT is a flow whose reply tuple is not its original one reversed. */
#ifndef ROUTER_CT_H
#define ROUTER_CT_H

#include "pkt.h"

#ifndef CT_MAX /* (the fuzz target makes them small) */
#define CT_MAX 65536 /* flows at most (--max-flows is up to this) */
#endif
#ifndef CT_BUCKETS
#define CT_BUCKETS 65536
#endif
#define NAT_PORT_LO 20000
#define NAT_PORT_HI 59999
#define CT_NONE UINT64_MAX /* no deadline */
#define CT_SCAN_GAP 1000000000ull /* ns: full expiry scans this far apart at least */

enum { CT_SYN = 1, CT_EST, CT_FIN, CT_CLOSE, CT_NEW, CT_REPLIED };

struct flow {
	struct tuple k[2]; /* [0] as the first packet arrived; [1] as replies arrive (after NAT) */
	uint64_t expires; /* ns */
	uint32_t next[2]; /* hash chains (node id + 1: flow * 2 + dir), 0 ends */
	int16_t rule; /* the rule that allowed it (-1: the policy) */
	uint8_t state, nat, in_nic, out_nic, live;
};

struct ct {
	uint32_t head[CT_BUCKETS]; /* node id + 1, 0: empty */
	struct flow f[CT_MAX];
	uint32_t max, count, used; /* f[0..used) have been handed out */
	uint32_t free_head; /* index + 1 of a freed flow, chained by next[0] */
	uint32_t cursor; /* the sweep's */
	uint32_t seed;
	uint32_t cap; /* every timeout is this many seconds at most (0: no cap) */
	uint64_t next_exp; /* no live flow expires before this (a lower bound, kept on insert and refresh) */
	uint64_t scanned; /* when ct_expire last scanned the table */
};

/* Start empty with room for max flows (capped at CT_MAX). */
void ct_init(struct ct *c, uint32_t max, uint32_t seed);
/* The live flow with tuple t in either direction (dir: 0 original, 1
 * reply), or NULL.  An expired one is removed and not returned. */
struct flow *ct_lookup(struct ct *c, const struct tuple *t, int *dir, uint64_t now);
/* A new flow; NULL when max flows are live (after trying to reclaim
 * expired ones) or a tuple is already in use. */
struct flow *ct_new(struct ct *c, const struct tuple *orig, const struct tuple *reply, uint64_t now);
void ct_remove(struct ct *c, struct flow *f);
/* A packet of flow f went in direction dir: its state and timeout. */
void ct_seen(struct ct *c, struct flow *f, int dir, const struct pkt *p, uint64_t now);
/* Choose reply->dport (the translated source port or ICMP id) so that the
 * reply tuple is unused: the original first, then others in
 * [NAT_PORT_LO, NAT_PORT_HI]; 0, or -1 when none was found. */
int ct_nat_port(struct ct *c, struct tuple *reply, uint64_t now);
/* Remove expired flows among the next n slots. */
void ct_sweep(struct ct *c, uint64_t now, uint32_t n);
/* When ct_expire has work: the earliest expiry (a lower bound of it), but
 * at least CT_SCAN_GAP after the last scan; CT_NONE with no flow. */
uint64_t ct_next(const struct ct *c);
/* At or after ct_next(): one pass over the table removes the expired flows
 * and finds the earliest expiry of the rest.  Before it: nothing. */
void ct_expire(struct ct *c, uint64_t now);
/* Timeouts in seconds, by state. */
uint32_t ct_timeout(uint8_t proto, uint8_t state);
/* The reverse of t. */
struct tuple tuple_rev(const struct tuple *t);

#endif

/* A set-associative neighbour cache: 64 sets of 4, the oldest entry of a
 * set replaced when it is full; queued packets live in a shared pool. */
#include "neigh.h"

#include <string.h>

static unsigned set_of(int nic, const struct ipa *ip)
{
	uint32_t h = 2166136261u ^ (uint32_t)nic;
	for (int i = 0; i < 16; i++)
		h = (h ^ ip->a[i]) * 16777619u;
	return (h ^ (h >> 16)) % NEIGH_SETS;
}

static int same(const struct neigh *n, int nic, const struct ipa *ip)
{
	return n->state != N_FREE && n->nic == nic && n->ip.fam == ip->fam && !memcmp(n->ip.a, ip->a, 16);
}

struct neigh *neigh_find(struct neigh_tab *t, int nic, const struct ipa *ip)
{
	struct neigh *s = t->e[set_of(nic, ip)];
	for (int i = 0; i < NEIGH_WAYS; i++)
		if (same(&s[i], nic, ip))
			return &s[i];
	return NULL;
}

void neigh_drop_queue(struct neigh_tab *t, struct neigh *n)
{
	for (int i = 0; i < n->nq; i++)
		t->pool_used &= ~(1ull << n->q[i]);
	n->nq = 0;
}

struct neigh *neigh_make(struct neigh_tab *t, int nic, const struct ipa *ip, uint64_t now)
{
	struct neigh *n = neigh_find(t, nic, ip);
	if (n)
		return n;
	struct neigh *s = t->e[set_of(nic, ip)];
	n = &s[0];
	for (int i = 0; i < NEIGH_WAYS; i++) {
		if (s[i].state == N_FREE) {
			n = &s[i];
			break;
		}
		if (s[i].t < n->t)
			n = &s[i];
	}
	neigh_drop_queue(t, n);
	memset(n, 0, sizeof *n);
	n->ip = *ip;
	n->nic = nic;
	n->state = N_INCOMPLETE;
	n->t = now;
	return n;
}

int neigh_queue(struct neigh_tab *t, struct neigh *n, const uint8_t *frame, uint32_t len)
{
	if (n->nq == NEIGH_QLEN || len > NEIGH_BUF || t->pool_used == ~0ull)
		return -1;
	int slot = __builtin_ctzll(~t->pool_used);
	t->pool_used |= 1ull << slot;
	memcpy(t->pool[slot].data, frame, len);
	t->pool[slot].len = len;
	n->q[n->nq++] = (int16_t)slot;
	return 0;
}

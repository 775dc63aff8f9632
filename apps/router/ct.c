/* Connection tracking: chained hash table over both directions' tuples,
 * expired lazily on lookup and by a pass over the table when the earliest
 * expiry (a lower bound kept as flows come and are refreshed) is due; flows
 * come from a bump allocator and a free list, so an idle table touches no
 * memory. */
#include "ct.h"

#include <string.h>

#define S 1000000000ull

void ct_init(struct ct *c, uint32_t max, uint32_t seed)
{
	c->max = max > CT_MAX ? CT_MAX : max;
	c->seed = seed;
	c->next_exp = CT_NONE;
}

static uint32_t hash(const struct ct *c, const struct tuple *t)
{
	const uint8_t *b = (const uint8_t *)t;
	uint32_t h = 2166136261u ^ c->seed;
	for (size_t i = 0; i < sizeof *t; i++)
		h = (h ^ b[i]) * 16777619u;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h % CT_BUCKETS;
}

struct tuple tuple_rev(const struct tuple *t)
{
	struct tuple r = *t;
	memcpy(r.src, t->dst, 16);
	memcpy(r.dst, t->src, 16);
	r.sport = t->dport;
	r.dport = t->sport;
	return r;
}

static void link_node(struct ct *c, struct flow *f, int dir)
{
	uint32_t b = hash(c, &f->k[dir]);
	f->next[dir] = c->head[b];
	c->head[b] = (uint32_t)(f - c->f) * 2 + (uint32_t)dir + 1;
}

static void unlink_node(struct ct *c, struct flow *f, int dir)
{
	uint32_t id = (uint32_t)(f - c->f) * 2 + (uint32_t)dir + 1;
	uint32_t *p = &c->head[hash(c, &f->k[dir])];
	while (*p && *p != id) {
		uint32_t n = *p - 1;
		p = &c->f[n / 2].next[n % 2];
	}
	if (*p)
		*p = f->next[dir];
}

void ct_remove(struct ct *c, struct flow *f)
{
	if (!f->live)
		return;
	unlink_node(c, f, 0);
	unlink_node(c, f, 1);
	f->live = 0;
	f->next[0] = c->free_head;
	c->free_head = (uint32_t)(f - c->f) + 1;
	c->count--;
}

/* Find t without expiring anything. */
static struct flow *find(struct ct *c, const struct tuple *t, int *dir)
{
	for (uint32_t n = c->head[hash(c, t)]; n;) {
		struct flow *f = &c->f[(n - 1) / 2];
		int d = (int)((n - 1) % 2);
		if (!memcmp(&f->k[d], t, sizeof *t)) {
			*dir = d;
			return f;
		}
		n = f->next[d];
	}
	return NULL;
}

struct flow *ct_lookup(struct ct *c, const struct tuple *t, int *dir, uint64_t now)
{
	struct flow *f = find(c, t, dir);
	if (f && f->expires <= now) {
		ct_remove(c, f);
		return NULL;
	}
	return f;
}

uint64_t ct_next(const struct ct *c)
{
	if (!c->count)
		return CT_NONE;
	return c->next_exp > c->scanned + CT_SCAN_GAP ? c->next_exp : c->scanned + CT_SCAN_GAP;
}

void ct_expire(struct ct *c, uint64_t now)
{
	if (now < ct_next(c))
		return;
	uint64_t next = CT_NONE;
	for (uint32_t i = 0; i < c->used; i++) {
		struct flow *f = &c->f[i];
		if (!f->live)
			continue;
		if (f->expires <= now)
			ct_remove(c, f);
		else if (f->expires < next)
			next = f->expires;
	}
	c->next_exp = next;
	c->scanned = now;
}

/* f's timeout is now + secs (capped): the bound follows. */
static void set_expiry(struct ct *c, struct flow *f, uint32_t secs, uint64_t now)
{
	if (c->cap && secs > c->cap)
		secs = c->cap;
	f->expires = now + secs * S;
	if (f->expires < c->next_exp)
		c->next_exp = f->expires;
}

void ct_sweep(struct ct *c, uint64_t now, uint32_t n)
{
	for (uint32_t i = 0; i < n && c->used; i++) {
		if (c->cursor >= c->used)
			c->cursor = 0;
		struct flow *f = &c->f[c->cursor++];
		if (f->live && f->expires <= now)
			ct_remove(c, f);
	}
}

struct flow *ct_new(struct ct *c, const struct tuple *orig, const struct tuple *reply, uint64_t now)
{
	int d;
	if (c->count >= c->max)
		ct_sweep(c, now, 256);
	if (c->count >= c->max || ct_lookup(c, orig, &d, now) || ct_lookup(c, reply, &d, now))
		return NULL;
	struct flow *f;
	if (c->free_head) {
		f = &c->f[c->free_head - 1];
		c->free_head = f->next[0];
	} else if (c->used < CT_MAX) {
		f = &c->f[c->used++];
	} else {
		return NULL;
	}
	memset(f, 0, sizeof *f);
	f->k[0] = *orig;
	f->k[1] = *reply;
	f->live = 1;
	f->rule = -1;
	if (!c->count) /* (the bound of flows gone since) */
		c->next_exp = CT_NONE;
	set_expiry(c, f, 30, now);
	link_node(c, f, 0);
	link_node(c, f, 1);
	c->count++;
	return f;
}

uint32_t ct_timeout(uint8_t proto, uint8_t state)
{
	if (proto == P_TCP)
		return state == CT_EST ? 3600 : state == CT_FIN ? 120 : state == CT_CLOSE ? 10 : 30;
	if (proto == P_UDP)
		return state == CT_REPLIED ? 180 : 30;
	return 30;
}

void ct_seen(struct ct *c, struct flow *f, int dir, const struct pkt *p, uint64_t now)
{
	uint8_t st = f->state;
	if (p->proto == P_TCP) {
		uint8_t fl = p->tcp_flags;
		if (fl & TCP_RST)
			st = CT_CLOSE;
		else if (!st || (st == CT_CLOSE && dir == 0 && (fl & (TCP_SYN | TCP_ACK)) == TCP_SYN))
			st = CT_SYN;
		else if (fl & TCP_FIN)
			st = st == CT_CLOSE ? CT_CLOSE : CT_FIN;
		else if (st == CT_SYN && dir == 1)
			st = CT_EST;
	} else {
		st = dir == 1 || st == CT_REPLIED ? CT_REPLIED : CT_NEW;
	}
	f->state = st;
	set_expiry(c, f, ct_timeout(p->proto, st), now);
}

int ct_nat_port(struct ct *c, struct tuple *reply, uint64_t now)
{
	int d;
	if (!ct_lookup(c, reply, &d, now))
		return 0;
	uint32_t span = NAT_PORT_HI - NAT_PORT_LO + 1;
	uint32_t start = hash(c, reply);
	for (uint32_t i = 0; i < 256; i++) {
		reply->dport = (uint16_t)(NAT_PORT_LO + (start + i * 7919u) % span);
		if (!ct_lookup(c, reply, &d, now))
			return 0;
	}
	return -1;
}

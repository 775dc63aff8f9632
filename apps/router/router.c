/* The packet path: ARP/NDP for the router's own addresses, ping of them,
 * and forwarding: checks, TTL, route, connection tracking and the rules,
 * source NAT, next-hop resolution. */
#include "router.h"

#include "addr.h"

#include <string.h>

#define S 1000000000ull
#define NEIGH_RETRY (1 * S)
#define NEIGH_TRIES 3
#define NEIGH_FAILED_HOLD (3 * S)
#define NEIGH_STALE (120 * S)
#define ICMP_RATE 100 /* ICMP errors a second at most */

const char *const drop_names[D_COUNT] = {
	[D_OK] = "ok",
	[D_RUNT] = "runt",
	[D_BAD_ARP] = "bad_arp",
	[D_BAD_IP] = "bad_ip",
	[D_BAD_CSUM] = "bad_checksum",
	[D_BAD_L4] = "bad_l4",
	[D_ETHERTYPE] = "ethertype",
	[D_NOT_US] = "not_our_mac",
	[D_MARTIAN] = "martian",
	[D_FRAGMENT] = "fragment",
	[D_NO_ROUTE] = "no_route",
	[D_TTL] = "ttl",
	[D_UNRESOLVED] = "unresolved",
	[D_QUEUE_FULL] = "queue_full",
	[D_RULE] = "rule",
	[D_CT_FULL] = "flows_full",
	[D_CT_INVALID] = "no_connection",
	[D_NAT_PORTS] = "nat",
	[D_TOO_BIG] = "too_big",
	[D_LOCAL] = "local",
	[D_TX_FULL] = "tx_full",
};

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void router_init(struct router *r, uint32_t max_flows, uint32_t seed)
{
	r->snat = -1;
	r->neigh_next = ROUTER_NEVER;
	ct_init(&r->ct, max_flows, seed);
}

int router_nic(struct router *r, const char *name)
{
	for (int i = 0; i < r->nnics; i++)
		if (!strcmp(r->nic[i].name, name))
			return i;
	if (r->nnics == NICS_MAX || strlen(name) >= sizeof r->nic[0].name)
		return -1;
	struct nic *n = &r->nic[r->nnics];
	strcpy(n->name, name);
	n->mtu = 1500;
	return r->nnics++;
}

int router_addr(struct router *r, int i, const struct ipa *a, int plen)
{
	struct nic *n = &r->nic[i];
	if (n->naddr == NIC_ADDRS)
		return -1;
	n->addr[n->naddr] = *a;
	n->plen[n->naddr++] = plen;
	return route_add(&r->rt, a, plen, NULL, i);
}

static void drop(struct router *r, int in, enum drop why)
{
	r->drops[why]++;
	r->nic[in].dropped++;
	if (why < D_MALFORMED_END)
		r->nic[in].malformed++;
}

static void xmit(struct router *r, int nic, uint8_t *f, uint32_t len)
{
	r->nic[nic].tx_frames++;
	r->nic[nic].tx_bytes += len;
	r->send(r->ctx, nic, f, len);
}

static uint8_t *scratch(struct router *r)
{
	uint8_t *b = r->scratch[r->scratch_i++ % SCRATCH];
	memset(b, 0, 128);
	return b;
}

/* Is a one of the router's addresses (on nic, or any NIC when nic < 0)? */
static int is_ours(const struct router *r, int nic, const struct ipa *a)
{
	for (int i = 0; i < r->nnics; i++)
		for (int j = 0; (nic < 0 || nic == i) && j < r->nic[i].naddr; j++)
			if (r->nic[i].addr[j].fam == a->fam && !memcmp(r->nic[i].addr[j].a, a->a, 16))
				return 1;
	return 0;
}

/* The router's address on nic to speak to peer from: one whose network
 * holds peer, else the NIC's first of that family; NULL if none. */
static const struct ipa *src_for(const struct router *r, int nic, const struct ipa *peer)
{
	const struct nic *n = &r->nic[nic];
	const struct ipa *first = NULL;
	for (int j = 0; j < n->naddr; j++) {
		if (n->addr[j].fam != peer->fam)
			continue;
		if (prefix_has(&n->addr[j], n->plen[j], peer))
			return &n->addr[j];
		if (!first)
			first = &n->addr[j];
	}
	return first;
}

static void eth_hdr(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	wr16(f + 12, type);
}

/* ---- neighbours ----------------------------------------------------------- */

static void arp_send(struct router *r, int nic, uint16_t op, const uint8_t *tmac, const uint8_t *tip,
		     const uint8_t *sip, const uint8_t *edst)
{
	uint8_t *f = scratch(r);
	eth_hdr(f, edst, r->nic[nic].mac, ET_ARP);
	uint8_t *a = f + ETH_HLEN;
	wr16(a, 1);
	wr16(a + 2, ET_IP4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, r->nic[nic].mac, 6);
	memcpy(a + 14, sip, 4);
	memcpy(a + 18, tmac, 6);
	memcpy(a + 24, tip, 4);
	xmit(r, nic, f, 60);
}

/* An IPv6 packet of proto with an l4 payload of n bytes in f (its payload
 * at f + 54 already written): the IPv6 header and the ICMPv6 checksum. */
static uint32_t ip6_finish(uint8_t *f, const uint8_t *src, const uint8_t *dst, uint8_t hlim, uint32_t n)
{
	uint8_t *ip = f + ETH_HLEN;
	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	wr16(ip + 4, (uint16_t)n);
	ip[6] = P_ICMP6;
	ip[7] = hlim;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	wr16(ip + 42, 0);
	wr16(ip + 42, csum_l4(6, src, dst, P_ICMP6, ip + 40, n));
	return ETH_HLEN + 40 + n;
}

static void ns_send(struct router *r, int nic, const struct ipa *target)
{
	const struct ipa *src = src_for(r, nic, target);
	if (!src)
		return;
	uint8_t *f = scratch(r), dst[16] = { 0xff, 2, [11] = 1, [12] = 0xff };
	memcpy(dst + 13, target->a + 13, 3);
	uint8_t mac[6] = { 0x33, 0x33, 0xff, target->a[13], target->a[14], target->a[15] };
	eth_hdr(f, mac, r->nic[nic].mac, ET_IP6);
	uint8_t *m = f + ETH_HLEN + 40;
	m[0] = 135;
	memcpy(m + 8, target->a, 16);
	m[24] = 1;
	m[25] = 1;
	memcpy(m + 26, r->nic[nic].mac, 6);
	r->ns_sent++;
	xmit(r, nic, f, ip6_finish(f, src->a, dst, 255, 32));
}

static void solicit(struct router *r, struct neigh *n)
{
	if (n->ip.fam == 4) {
		const struct ipa *src = src_for(r, n->nic, &n->ip);
		static const uint8_t zero[6];
		if (src) {
			r->arp_requests++;
			arp_send(r, n->nic, 1, zero, n->ip.a, src->a, bcast);
		}
	} else {
		ns_send(r, n->nic, &n->ip);
	}
}

/* n's MAC is known: send what waited for it. */
static void neigh_flush(struct router *r, struct neigh *n)
{
	for (int i = 0; i < n->nq; i++) {
		uint8_t *f = r->nb.pool[n->q[i]].data;
		memcpy(f, n->mac, 6);
		memcpy(f + 6, r->nic[n->nic].mac, 6);
		xmit(r, n->nic, f, r->nb.pool[n->q[i]].len);
		r->nic[n->nic].forwarded++;
	}
	neigh_drop_queue(&r->nb, n);
}

/* When the next resolution retry or give-up is due (ROUTER_NEVER: none). */
static uint64_t neigh_next(const struct router *r)
{
	uint64_t next = ROUTER_NEVER;
	for (int s = 0; s < NEIGH_SETS; s++)
		for (int w = 0; w < NEIGH_WAYS; w++) {
			const struct neigh *n = &r->nb.e[s][w];
			if (n->state == N_INCOMPLETE && n->t + NEIGH_RETRY < next)
				next = n->t + NEIGH_RETRY;
		}
	return next;
}

/* ip is at mac on nic: update its entry (made only when create). */
static void neigh_learn(struct router *r, int nic, const struct ipa *ip, const uint8_t *mac, int create, uint64_t now)
{
	struct neigh *n = create ? neigh_make(&r->nb, nic, ip, now) : neigh_find(&r->nb, nic, ip);
	if (!n)
		return;
	int was_pending = n->state == N_INCOMPLETE;
	memcpy(n->mac, mac, 6);
	n->state = N_REACHABLE;
	n->tries = 0;
	n->t = now;
	neigh_flush(r, n);
	if (was_pending) /* (its retry may have been the next deadline) */
		r->neigh_next = neigh_next(r);
}

static void arp_input(struct router *r, int in, uint8_t *f, uint32_t len, uint64_t now)
{
	const uint8_t *a = f + ETH_HLEN;
	if (len < ETH_HLEN + 28 || rd16(a) != 1 || rd16(a + 2) != ET_IP4 || a[4] != 6 || a[5] != 4 ||
	    (rd16(a + 6) != 1 && rd16(a + 6) != 2) || (a[8] & 1)) {
		drop(r, in, D_BAD_ARP);
		return;
	}
	struct ipa sip = ipa_of(4, a + 14), tip = ipa_of(4, a + 24);
	int for_us = is_ours(r, in, &tip);
	int learnable = rd16(sip.a) || sip.a[2] || sip.a[3];
	if (learnable && !is_ours(r, -1, &sip))
		neigh_learn(r, in, &sip, a + 8, for_us, now);
	if (for_us && rd16(a + 6) == 1) {
		uint8_t smac[6];
		memcpy(smac, a + 8, 6);
		r->arp_replies++;
		arp_send(r, in, 2, smac, sip.a, tip.a, smac);
	} else if (!for_us) {
		r->arp_ignored++;
	}
}

/* The link-layer address option of type want in ND options [o, end), or NULL. */
static const uint8_t *nd_lladdr(const uint8_t *o, const uint8_t *end, int want, int *bad)
{
	const uint8_t *found = NULL;
	while (o < end) {
		if (end - o < 2 || !o[1] || end - o < o[1] * 8) {
			*bad = 1;
			return NULL;
		}
		if (o[0] == want && o[1] == 1)
			found = o + 2;
		o += o[1] * 8;
	}
	return found;
}

static void nd_input(struct router *r, int in, struct pkt *p, uint64_t now)
{
	uint8_t *f = p->f, *ip = f + ETH_HLEN, *m = f + p->l4;
	if (p->icmp_type != 135 && p->icmp_type != 136) {
		r->nd_ignored++;
		return;
	}
	if (p->l4len < 24 || ip[7] != 255 || p->icmp_code || csum_l4(6, ip + 8, ip + 24, P_ICMP6, m, p->l4len) != 0) {
		drop(r, in, D_BAD_L4);
		return;
	}
	int bad = 0;
	const uint8_t *ll = nd_lladdr(m + 24, m + p->l4len, p->icmp_type == 135 ? 1 : 2, &bad);
	if (bad) {
		drop(r, in, D_BAD_L4);
		return;
	}
	struct ipa target = ipa_of(6, m + 8), src = ipa_of(6, ip + 8);
	static const uint8_t unspec[16];
	if (p->icmp_type == 136) {
		neigh_learn(r, in, &target, ll ? ll : f + 6, 0, now);
		return;
	}
	if (!is_ours(r, in, &target) || !memcmp(src.a, unspec, 16)) {
		r->nd_ignored++;
		return;
	}
	if (ll)
		neigh_learn(r, in, &src, ll, 1, now);
	uint8_t mac[6];
	memcpy(mac, ll ? ll : f + 6, 6);
	uint8_t *o = scratch(r);
	eth_hdr(o, mac, r->nic[in].mac, ET_IP6);
	uint8_t *na = o + ETH_HLEN + 40;
	na[0] = 136;
	na[4] = 0xe0; /* router, solicited, override */
	memcpy(na + 8, target.a, 16);
	na[24] = 2;
	na[25] = 1;
	memcpy(na + 26, r->nic[in].mac, 6);
	r->na_sent++;
	xmit(r, in, o, ip6_finish(o, target.a, src.a, 255, 32));
}

/* ---- ICMP made by the router ---------------------------------------------- */

/* An ICMP error (type, code, 32-bit word) about packet p that came in on
 * NIC in, back to its sender. */
static void icmp_error(struct router *r, int in, const struct pkt *p, uint8_t type, uint8_t code, uint32_t word,
		       uint64_t now)
{
	const uint8_t *ip = p->f + ETH_HLEN;
	struct ipa src = ipa_of(p->fam, p->t.src);
	const struct ipa *me = src_for(r, in, &src);
	if (r->no_icmp_errors || !me || (p->f[6] & 1))
		return;
	/* Never about an ICMP error, a non-first fragment, or to a multicast source. */
	if (p->frag || (p->fam == 4 && (p->t.src[0] >= 224 || !p->t.src[0])) || (p->fam == 6 && p->t.src[0] == 0xff))
		return;
	if (p->proto == (p->fam == 4 ? P_ICMP : P_ICMP6) && !p->has_ports)
		return;
	/* At most ICMP_RATE a second (a burst of as many). */
	uint64_t add = (now - r->icmp_t) / (S / ICMP_RATE);
	if (add) {
		r->icmp_tokens = r->icmp_tokens + add > ICMP_RATE ? ICMP_RATE : r->icmp_tokens + (uint32_t)add;
		r->icmp_t = now;
	}
	if (!r->icmp_tokens) {
		r->icmp_limited++;
		return;
	}
	r->icmp_tokens--;
	uint8_t *o = scratch(r);
	eth_hdr(o, p->f + 6, r->nic[in].mac, p->fam == 4 ? ET_IP4 : ET_IP6);
	uint32_t olen = p->len - ETH_HLEN, n;
	if (p->fam == 4) {
		uint32_t q = (ip[0] & 15) * 4u + 8;
		q = q < olen ? q : olen;
		uint8_t *h = o + ETH_HLEN, *m = h + 20;
		m[0] = type;
		m[1] = code;
		wr16(m + 4, (uint16_t)(word >> 16));
		wr16(m + 6, (uint16_t)word);
		memcpy(m + 8, ip, q);
		wr16(m + 2, csum_fold(csum_add(0, m, 8 + q)));
		h[0] = 0x45;
		wr16(h + 2, (uint16_t)(28 + q));
		h[8] = 64;
		h[9] = P_ICMP;
		memcpy(h + 12, me->a, 4);
		memcpy(h + 16, p->t.src, 4);
		wr16(h + 10, csum_fold(csum_add(0, h, 20)));
		n = ETH_HLEN + 28 + q;
	} else {
		uint32_t q = olen < 1280 - 48 ? olen : 1280 - 48;
		uint8_t *m = o + ETH_HLEN + 40;
		m[0] = type;
		m[1] = code;
		wr16(m + 4, (uint16_t)(word >> 16));
		wr16(m + 6, (uint16_t)word);
		memcpy(m + 8, ip, q);
		n = ip6_finish(o, me->a, p->t.src, 64, 8 + q);
	}
	r->icmp_sent++;
	xmit(r, in, o, n);
}

/* An echo request to the router itself: answered in place. */
static void local_input(struct router *r, int in, struct pkt *p)
{
	uint8_t *f = p->f, *ip = f + ETH_HLEN, *m = f + p->l4, mac[6];
	if (p->frag || (f[0] & 1) || p->proto != (p->fam == 4 ? P_ICMP : P_ICMP6) ||
	    p->icmp_type != (p->fam == 4 ? 8 : 128)) {
		drop(r, in, D_LOCAL);
		return;
	}
	memcpy(mac, f + 6, 6);
	memcpy(f + 6, f, 6);
	memcpy(f, mac, 6);
	uint8_t t[16];
	if (p->fam == 4) {
		memcpy(t, ip + 12, 4);
		memcpy(ip + 12, ip + 16, 4);
		memcpy(ip + 16, t, 4);
		ip[8] = 64;
		wr16(ip + 10, 0);
		wr16(ip + 10, csum_fold(csum_add(0, ip, (ip[0] & 15) * 4u)));
		m[0] = 0;
		csum_update16(m + 2, 8 << 8, 0);
	} else {
		memcpy(t, ip + 8, 16);
		memcpy(ip + 8, ip + 24, 16);
		memcpy(ip + 24, t, 16);
		ip[7] = 64;
		m[0] = 129;
		csum_update16(m + 2, 128 << 8, 129 << 8);
	}
	r->echo_replies++;
	xmit(r, in, f, p->len);
}

/* ---- forwarding ----------------------------------------------------------- */

static int martian(const struct pkt *p)
{
	const uint8_t *s = p->t.src, *d = p->t.dst;
	if (p->fam == 4)
		return d[0] >= 224 || s[0] >= 224 || !d[0] || !s[0] || d[0] == 127 || s[0] == 127 ||
		       (d[0] == 169 && d[1] == 254) || (s[0] == 169 && s[1] == 254);
	static const uint8_t zero[15];
	return d[0] == 0xff || s[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80) ||
	       (s[0] == 0xfe && (s[1] & 0xc0) == 0x80) || !memcmp(s, zero, 15) || !memcmp(d, zero, 15);
}

/* Is a (IPv4) the broadcast address of one of the connected networks? */
static int directed_bcast(const struct router *r, const uint8_t *a)
{
	for (int i = 0; i < r->nnics; i++)
		for (int j = 0; j < r->nic[i].naddr; j++) {
			const struct ipa *n = &r->nic[i].addr[j];
			int len = r->nic[i].plen[j];
			if (n->fam != 4 || len >= 31)
				continue;
			uint32_t host = 0xffffffffu >> len;
			if ((rd32(a) & host) == host && (rd32(a) & ~host) == (rd32(n->a) & ~host))
				return 1;
		}
	return 0;
}

/* Rewrite the source (dir 0) or destination (dir 1) address and port (ICMP
 * echo: id) of p to addr/port, with every checksum it is in. */
static void nat_rewrite(struct pkt *p, int dir, const uint8_t *addr, uint16_t port)
{
	uint8_t *ip = p->f + ETH_HLEN, *l4 = p->f + p->l4;
	uint8_t *a = ip + (dir ? 16 : 12);
	uint8_t *pp = p->proto == P_ICMP ? l4 + 4 : l4 + (dir ? 2 : 0);
	uint8_t *c = p->proto == P_TCP ? l4 + 16 : p->proto == P_UDP ? l4 + 6 : l4 + 2;
	uint16_t oldport = rd16(pp);
	if (p->proto != P_ICMP && !(p->proto == P_UDP && !rd16(c))) { /* the pseudo-header's address */
		csum_update(c, a, addr, 4);
		if (p->proto == P_UDP && !rd16(c))
			wr16(c, 0xffff);
	}
	csum_update(ip + 10, a, addr, 4);
	memcpy(a, addr, 4);
	if (!(p->proto == P_UDP && !rd16(c))) {
		csum_update16(c, oldport, port);
		if (p->proto == P_UDP && !rd16(c)) /* 0 means "no checksum" in UDP */
			wr16(c, 0xffff);
	}
	wr16(pp, port);
}

/* Send p (L3 final) to next hop nh on out: resolved, or queued. */
static void to_neighbour(struct router *r, int in, int out, struct pkt *p, const struct ipa *nh, uint64_t now)
{
	struct neigh *n = neigh_find(&r->nb, out, nh);
	if (n && n->state == N_FAILED && now - n->t >= NEIGH_FAILED_HOLD)
		n->state = N_INCOMPLETE, n->tries = 0, n->t = 0;
	if (n && n->state == N_FAILED) {
		drop(r, in, D_UNRESOLVED);
		return;
	}
	if (n && n->state == N_REACHABLE) {
		memcpy(p->f, n->mac, 6);
		memcpy(p->f + 6, r->nic[out].mac, 6);
		r->nic[in].forwarded++;
		xmit(r, out, p->f, p->len);
		if (now - n->t > NEIGH_STALE && n->tries < NEIGH_TRIES && now - n->asked >= NEIGH_RETRY) {
			/* Refresh it (an answer resets tries). */
			n->tries++;
			n->asked = now;
			solicit(r, n);
		}
		return;
	}
	if (!n)
		n = neigh_make(&r->nb, out, nh, now), n->t = 0;
	if (neigh_queue(&r->nb, n, p->f, p->len)) {
		drop(r, in, D_QUEUE_FULL);
	} else if (!n->t || now - n->t >= NEIGH_RETRY) {
		n->t = now;
		n->tries++;
		solicit(r, n);
	}
	/* Its next try (or the give-up) is the tick's. */
	if (n->t + NEIGH_RETRY < r->neigh_next)
		r->neigh_next = n->t + NEIGH_RETRY;
}

/* An ICMP error (destination unreachable, packet too big, time exceeded,
 * parameter problem) about a packet of a tracked flow: that flow, the
 * direction the error goes in (that of a reply to the packet inside), and
 * the inner packet's offset in *inner; else NULL. */
static struct flow *related_flow(struct router *r, const struct pkt *p, int *dir, uint32_t *inner, uint64_t now)
{
	int v4 = p->fam == 4;
	if (p->proto != (v4 ? P_ICMP : P_ICMP6) || p->has_ports || p->frag || p->l4len < 8)
		return NULL;
	uint8_t t = p->icmp_type;
	if (v4 ? t != 3 && t != 11 && t != 12 : t < 1 || t > 4)
		return NULL;
	const uint8_t *ii = p->f + p->l4 + 8;
	uint32_t n = p->l4len - 8, hl = v4 ? (ii[0] & 15) * 4u : 40;
	if (n < (v4 ? 20u : 40u) || ii[0] >> 4 != (v4 ? 4 : 6) || hl < 20 || n < hl + 8)
		return NULL;
	struct tuple it;
	memset(&it, 0, sizeof it);
	it.fam = p->fam;
	it.proto = ii[v4 ? 9 : 6];
	memcpy(it.src, ii + (v4 ? 12 : 8), v4 ? 4 : 16);
	memcpy(it.dst, ii + (v4 ? 16 : 24), v4 ? 4 : 16);
	const uint8_t *l4 = ii + hl;
	if (v4 && (rd16(ii + 6) & 0x1fff))
		return NULL;
	if (it.proto == P_TCP || it.proto == P_UDP) {
		it.sport = rd16(l4);
		it.dport = rd16(l4 + 2);
	} else if (it.proto == (v4 ? P_ICMP : P_ICMP6) && l4[0] == (v4 ? 8 : 128)) {
		it.sport = rd16(l4 + 4);
	} else if (it.proto == (v4 ? P_ICMP : P_ICMP6) && l4[0] == (v4 ? 0 : 129)) {
		it.dport = rd16(l4 + 4);
	} else {
		return NULL;
	}
	struct tuple rev = tuple_rev(&it);
	*inner = (uint32_t)(ii - p->f);
	return ct_lookup(&r->ct, &rev, dir, now);
}

/* Translate a related ICMP error (IPv4) of a masqueraded flow: the outer
 * address and the inner packet's matching address and port, every checksum
 * they are in, and the ICMP checksum over it all. */
static void nat_icmp_error(struct pkt *p, const struct flow *fl, int dir, uint32_t inner)
{
	uint8_t *ip = p->f + ETH_HLEN, *ii = p->f + inner, *m = p->f + p->l4;
	uint32_t hl = (ii[0] & 15) * 4u, n = p->len - inner - hl; /* inner L4 bytes present */
	const uint8_t *addr = dir ? fl->k[0].src : fl->k[1].dst;
	uint16_t port = dir ? fl->k[0].sport : fl->k[1].dport;
	uint8_t *oa = ip + (dir ? 16 : 12), *ia = ii + (dir ? 12 : 16), *l4 = ii + hl;
	uint8_t proto = ii[9];
	uint8_t *pp = proto == P_ICMP ? l4 + 4 : l4 + (dir ? 0 : 2);
	uint32_t coff = proto == P_TCP ? 16 : proto == P_UDP ? 6 : 2;
	if (coff + 2 <= n && !(proto == P_UDP && !rd16(l4 + 6))) {
		if (proto != P_ICMP)
			csum_update(l4 + coff, ia, addr, 4);
		csum_update16(l4 + coff, rd16(pp), port);
	}
	wr16(pp, port);
	csum_update(ii + 10, ia, addr, 4);
	memcpy(ia, addr, 4);
	csum_update(ip + 10, oa, addr, 4);
	memcpy(oa, addr, 4);
	wr16(m + 2, 0);
	wr16(m + 2, csum_fold(csum_add(0, m, p->l4len)));
}

static void forward(struct router *r, int in, struct pkt *p, uint64_t now)
{
	uint8_t *ip = p->f + ETH_HLEN;
	struct ipa dst = ipa_of(p->fam, p->t.dst);
	int tracked = p->has_ports && !p->frag;
	int dir = 0;
	struct flow *fl = tracked ? ct_lookup(&r->ct, &p->t, &dir, now) : NULL;
	uint32_t inner = 0;
	if (!tracked && !fl)
		fl = related_flow(r, p, &dir, &inner, now);
	if (fl && in != (dir ? fl->out_nic : fl->in_nic)) { /* a tracked tuple on the wrong side */
		drop(r, in, D_CT_INVALID);
		return;
	}
	if (!fl && is_ours(r, -1, &dst)) {
		local_input(r, in, p);
		return;
	}
	if (p->f[0] & 1) {
		drop(r, in, D_NOT_US);
		return;
	}
	if (martian(p) || (p->fam == 4 && (directed_bcast(r, p->t.dst) || directed_bcast(r, p->t.src)))) {
		drop(r, in, D_MARTIAN);
		return;
	}
	if (p->frag) {
		drop(r, in, D_FRAGMENT);
		return;
	}
	/* The destination after NAT decides the route. */
	if (fl && fl->nat && dir == 1)
		dst = ipa_of(p->fam, fl->k[0].src);
	if ((p->fam == 4 ? ip[8] : ip[7]) <= 1) {
		icmp_error(r, in, p, p->fam == 4 ? 11 : 3, 0, 0, now);
		drop(r, in, D_TTL);
		return;
	}
	const struct route *rt = route_lookup(&r->rt, &dst);
	if (!rt) {
		drop(r, in, D_NO_ROUTE);
		return;
	}
	int out = rt->nic;
	if (p->len - ETH_HLEN > r->nic[out].mtu) {
		if (p->fam == 6)
			icmp_error(r, in, p, 2, 0, r->nic[out].mtu, now);
		else if (rd16(ip + 6) & 0x4000)
			icmp_error(r, in, p, 3, 4, r->nic[out].mtu, now);
		drop(r, in, D_TOO_BIG);
		return;
	}
	int nat_out = r->snat == out && in != out && p->fam == 4;
	if (!fl) {
		if (tracked && ((p->proto == P_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN) ||
				(p->proto != P_TCP && p->proto != P_UDP && p->icmp_type != (p->fam == 4 ? 8 : 128)))) {
			drop(r, in, D_CT_INVALID);
			return;
		}
		int ri = rules_match(&r->rules, in, out, p);
		if (ri >= 0)
			r->rule_hits[ri]++;
		else
			r->policy_hits++;
		if (!rules_allow(&r->rules, ri)) {
			drop(r, in, D_RULE);
			return;
		}
		if (!tracked && nat_out) {
			drop(r, in, D_NAT_PORTS);
			return;
		}
		if (tracked) {
			struct tuple rep = tuple_rev(&p->t);
			if (nat_out) {
				const struct ipa *w = src_for(r, out, &dst);
				if (!w) {
					drop(r, in, D_NAT_PORTS);
					return;
				}
				memcpy(rep.dst, w->a, 4);
				if (ct_nat_port(&r->ct, &rep, now)) {
					drop(r, in, D_NAT_PORTS);
					return;
				}
			}
			fl = ct_new(&r->ct, &p->t, &rep, now);
			if (!fl) {
				drop(r, in, D_CT_FULL);
				return;
			}
			fl->rule = (int16_t)ri;
			fl->in_nic = (uint8_t)in;
			fl->out_nic = (uint8_t)out;
			fl->nat = (uint8_t)nat_out;
			r->flows_new++;
			r->flows_nat += fl->nat;
		}
	}
	if (fl && !inner)
		ct_seen(&r->ct, fl, dir, p, now);
	/* TTL / hop limit. */
	if (p->fam == 4) {
		uint16_t old = rd16(ip + 8);
		ip[8]--;
		csum_update16(ip + 10, old, rd16(ip + 8));
	} else {
		ip[7]--;
	}
	if (fl && fl->nat && inner) {
		nat_icmp_error(p, fl, dir, inner);
	} else if (fl && fl->nat) {
		if (dir == 0)
			nat_rewrite(p, 0, fl->k[1].dst, fl->k[1].dport);
		else
			nat_rewrite(p, 1, fl->k[0].src, fl->k[0].sport);
	}
	to_neighbour(r, in, out, p, rt->gw.fam ? &rt->gw : &dst, now);
}

void router_frame(struct router *r, int in, uint8_t *f, uint32_t len, uint64_t now)
{
	struct nic *n = &r->nic[in];
	n->rx_frames++;
	n->rx_bytes += len;
	if (len < ETH_HLEN) {
		drop(r, in, D_RUNT);
		return;
	}
	if (!(f[0] & 1) && memcmp(f, n->mac, 6)) {
		drop(r, in, D_NOT_US);
		return;
	}
	if (rd16(f + 12) == ET_ARP) {
		arp_input(r, in, f, len, now);
		return;
	}
	struct pkt p;
	enum drop why = pkt_parse(&p, f, len);
	if (why != D_OK) {
		drop(r, in, why);
		return;
	}
	if (p.fam == 6 && p.proto == P_ICMP6 && !p.frag && p.icmp_type >= 133 && p.icmp_type <= 137) {
		nd_input(r, in, &p, now);
		return;
	}
	forward(r, in, &p, now);
}

void router_tick(struct router *r, uint64_t now)
{
	for (int s = 0; s < NEIGH_SETS; s++)
		for (int w = 0; w < NEIGH_WAYS; w++) {
			struct neigh *n = &r->nb.e[s][w];
			if (n->state != N_INCOMPLETE || now - n->t < NEIGH_RETRY)
				continue;
			if (n->tries >= NEIGH_TRIES) {
				for (int i = 0; i < n->nq; i++)
					r->drops[D_UNRESOLVED]++;
				neigh_drop_queue(&r->nb, n);
				n->state = N_FAILED;
				n->t = now;
				continue;
			}
			n->t = now;
			n->tries++;
			solicit(r, n);
		}
	r->neigh_next = neigh_next(r);
	ct_expire(&r->ct, now);
}

uint64_t router_next(const struct router *r)
{
	uint64_t c = ct_next(&r->ct);
	return c < r->neigh_next ? c : r->neigh_next;
}

void router_stats(const struct router *r, FILE *out)
{
	for (int i = 0; i < r->nnics; i++) {
		const struct nic *n = &r->nic[i];
		fprintf(out,
			"router: %s rx_frames %llu\nrouter: %s rx_bytes %llu\nrouter: %s tx_frames %llu\n"
			"router: %s tx_bytes %llu\nrouter: %s forwarded %llu\nrouter: %s malformed %llu\n"
			"router: %s dropped %llu\n",
			n->name, (unsigned long long)n->rx_frames, n->name, (unsigned long long)n->rx_bytes, n->name,
			(unsigned long long)n->tx_frames, n->name, (unsigned long long)n->tx_bytes, n->name,
			(unsigned long long)n->forwarded, n->name, (unsigned long long)n->malformed, n->name,
			(unsigned long long)n->dropped);
	}
	for (int i = 0; i < r->rules.n; i++)
		fprintf(out, "router: rule %d %s %llu\n", i + 1, r->rules.r[i].allow ? "allow" : "deny",
			(unsigned long long)r->rule_hits[i]);
	fprintf(out, "router: policy %s %llu\n", r->rules.deny_default ? "deny" : "allow",
		(unsigned long long)r->policy_hits);
	fprintf(out,
		"router: flows %u\nrouter: flows_new %llu\nrouter: flows_nat %llu\nrouter: arp_replies %llu\n"
		"router: arp_requests %llu\nrouter: ns_sent %llu\nrouter: na_sent %llu\nrouter: echo_replies %llu\n"
		"router: icmp_errors %llu\nrouter: icmp_limited %llu\n",
		r->ct.count, (unsigned long long)r->flows_new, (unsigned long long)r->flows_nat,
		(unsigned long long)r->arp_replies, (unsigned long long)r->arp_requests, (unsigned long long)r->ns_sent,
		(unsigned long long)r->na_sent, (unsigned long long)r->echo_replies, (unsigned long long)r->icmp_sent,
		(unsigned long long)r->icmp_limited);
	uint64_t mal = 0;
	for (int d = 1; d < D_COUNT; d++) {
		if (d < D_MALFORMED_END)
			mal += r->drops[d];
		fprintf(out, "router: drop %s %llu\n", drop_names[d], (unsigned long long)r->drops[d]);
	}
	fprintf(out, "router: drop malformed %llu\n", (unsigned long long)mal);
}

/* apps/router's packet path on the host: parsing with bad lengths, address
 * text, longest-prefix match, connection tracking, NAT and its reverse,
 * rules, checksum updates, ARP/NDP, and whole frames through router_frame(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../apps/router/addr.h"
#include "../../apps/router/config.h"
#include "../../apps/router/router.h"
#include "../tap.h"

#define S 1000000000ull

/* ---- frames --------------------------------------------------------------- */

static const uint8_t MAC0[6] = { 2, 0, 0, 0, 0, 0x10 }, MAC1[6] = { 2, 0, 0, 0, 0, 0x11 };
static const uint8_t HOSTA[6] = { 2, 0, 0, 0, 0, 0xa }, HOSTB[6] = { 2, 0, 0, 0, 0, 0xb };

static uint32_t ip4(const char *s)
{
	struct ipa a;
	if (addr_parse(s, &a) || a.fam != 4)
		abort();
	return rd32(a.a);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* An IPv4 frame of proto with an l4 of n bytes (header at f+34, filled by
 * the caller before fix4 computes the checksums). */
static uint32_t frame4(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t src, uint32_t dst, uint8_t proto,
		       uint8_t ttl, uint32_t n)
{
	memset(f, 0, 34);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	wr16(f + 12, ET_IP4);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + n));
	wr16(ip + 6, 0x4000);
	ip[8] = ttl;
	ip[9] = proto;
	wr32(ip + 12, src);
	wr32(ip + 16, dst);
	return 34 + n;
}

static void fix4(uint8_t *f)
{
	uint8_t *ip = f + 14, *l4 = ip + 20;
	uint32_t n = rd16(ip + 2) - 20u;
	wr16(ip + 10, 0);
	wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	uint8_t *c = ip[9] == P_TCP ? l4 + 16 : ip[9] == P_UDP ? l4 + 6 : l4 + 2;
	wr16(c, 0);
	wr16(c, ip[9] == P_ICMP ? csum_fold(csum_add(0, l4, n)) : csum_l4(4, ip + 12, ip + 16, ip[9], l4, n));
}

static uint32_t udp4(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t ttl)
{
	uint32_t len = frame4(f, dmac, HOSTA, src, dst, P_UDP, ttl, 8 + 5);
	uint8_t *u = f + 34;
	wr16(u, sp);
	wr16(u + 2, dp);
	wr16(u + 4, 13);
	memcpy(u + 8, "hello", 5);
	fix4(f);
	return len;
}

static uint32_t tcp4(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
		     uint8_t flags)
{
	uint32_t len = frame4(f, dmac, HOSTA, src, dst, P_TCP, 64, 20);
	uint8_t *t = f + 34;
	memset(t, 0, 20);
	wr16(t, sp);
	wr16(t + 2, dp);
	wr32(t + 4, 12345);
	t[12] = 5 << 4;
	t[13] = flags;
	wr16(t + 14, 65535);
	fix4(f);
	return len;
}

static uint32_t echo4(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint8_t type, uint16_t id)
{
	uint32_t len = frame4(f, dmac, HOSTA, src, dst, P_ICMP, 64, 16);
	uint8_t *m = f + 34;
	memset(m, 0, 16);
	m[0] = type;
	wr16(m + 4, id);
	wr16(m + 6, 1);
	fix4(f);
	return len;
}

static uint32_t arp(uint8_t *f, uint16_t op, const uint8_t *smac, uint32_t sip, uint32_t tip, const uint8_t *dmac)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memset(f, 0, 60);
	memcpy(f, dmac ? dmac : bc, 6);
	memcpy(f + 6, smac, 6);
	wr16(f + 12, ET_ARP);
	uint8_t *a = f + 14;
	wr16(a, 1);
	wr16(a + 2, ET_IP4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, smac, 6);
	wr32(a + 14, sip);
	wr32(a + 24, tip);
	return 60;
}

/* An IPv6 frame with an l4 of n bytes at f+54 (filled by the caller), then fix6. */
static uint32_t frame6(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const char *src, const char *dst,
		       uint8_t nh, uint8_t hl, uint32_t n)
{
	struct ipa s, d;
	addr_parse(src, &s);
	addr_parse(dst, &d);
	memset(f, 0, 54);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	wr16(f + 12, ET_IP6);
	uint8_t *ip = f + 14;
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)n);
	ip[6] = nh;
	ip[7] = hl;
	memcpy(ip + 8, s.a, 16);
	memcpy(ip + 24, d.a, 16);
	return 54 + n;
}

static void fix6(uint8_t *f)
{
	uint8_t *ip = f + 14, *l4 = ip + 40;
	uint32_t n = rd16(ip + 4);
	uint8_t *c = ip[6] == P_TCP ? l4 + 16 : ip[6] == P_UDP ? l4 + 6 : l4 + 2;
	wr16(c, 0);
	wr16(c, csum_l4(6, ip + 8, ip + 24, ip[6], l4, n));
}

/* Checksums of a sent frame all verify. */
static int sums_ok(const uint8_t *f, uint32_t len)
{
	struct pkt p;
	if (pkt_parse(&p, (uint8_t *)f, len) != D_OK)
		return 0;
	const uint8_t *ip = f + 14;
	if (p.fam == 4 && p.proto == P_ICMP)
		return csum_fold(csum_add(0, f + p.l4, p.l4len)) == 0;
	if (p.fam == 4)
		return csum_l4(4, ip + 12, ip + 16, p.proto, f + p.l4, p.l4len) == 0;
	return csum_l4(6, ip + 8, ip + 24, p.proto, f + p.l4, p.l4len) == 0;
}

/* ---- a router whose sends are recorded ------------------------------------ */

#define OUTS 64
static struct {
	int nic;
	uint32_t len;
	uint8_t f[1536];
} out[OUTS];
static int nout;

static void rec(void *ctx, int nic, uint8_t *f, uint32_t len)
{
	(void)ctx;
	if (nout < OUTS) {
		out[nout].nic = nic;
		out[nout].len = len;
		memcpy(out[nout].f, f, len);
	}
	nout++;
}

static struct router R;

static int setup(const char *const *args, int nargs)
{
	memset(&R, 0, sizeof R);
	router_init(&R, 16384, 1234);
	R.send = rec;
	char *argv[32] = { "router" };
	for (int i = 0; i < nargs; i++)
		argv[i + 1] = (char *)args[i];
	struct opts o;
	char err[256];
	int rc = router_config(&R, &o, nargs + 1, argv, NULL, NULL, err, sizeof err);
	if (rc)
		printf("# (%s)\n", err);
	memcpy(R.nic[0].mac, MAC0, 6);
	memcpy(R.nic[1].mac, MAC1, 6);
	nout = 0;
	return rc;
}

static void in(int nic, uint8_t *f, uint32_t len, uint64_t now)
{
	static uint8_t copy[2048];
	memcpy(copy, f, len);
	router_frame(&R, nic, copy, len, now);
}

static const char *const BASIC[] = { "--addr=eth0:10.1.0.1/24", "--addr=eth1:10.2.0.1/24", "--addr=eth0:fd01::1/64",
				     "--addr=eth1:fd02::1/64", "--route=192.168.0.0/16@10.2.0.254" };

/* ---- tests ------------------------------------------------------------------ */

static void test_addr(void)
{
	struct ipa a;
	char b[48];
	int len;
	ok(!addr_parse("10.1.2.3", &a) && a.fam == 4 && a.a[3] == 3, "IPv4 address");
	ok(addr_parse("10.1.2", &a) && addr_parse("10.1.2.256", &a) && addr_parse("01.2.3.4", &a) &&
	       addr_parse("1.2.3.4.", &a) && addr_parse("", &a),
	   "bad IPv4 addresses refused");
	ok(!addr_parse("fd01::1", &a) && a.fam == 6 && a.a[0] == 0xfd && a.a[15] == 1, "IPv6 address");
	ok(!strcmp(addr_str(&a, b), "fd01::1"), "IPv6 text: %s", b);
	ok(!addr_parse("::", &a) && !strcmp(addr_str(&a, b), "::"), "::");
	ok(!addr_parse("1:0:0:2:0:0:0:3", &a) && !strcmp(addr_str(&a, b), "1:0:0:2::3"), "longest zero run: %s", b);
	ok(!addr_parse("::ffff:1.2.3.4", &a) && a.a[10] == 0xff && a.a[15] == 4, "dotted tail");
	ok(addr_parse("1:::2", &a) && addr_parse("1::2::3", &a) && addr_parse("12345::", &a) &&
	       addr_parse("1:2:3:4:5:6:7:8:9", &a) && addr_parse("1:2", &a) && addr_parse(":1::", &a) &&
	       addr_parse("1::g", &a),
	   "bad IPv6 addresses refused");
	ok(!prefix_parse("10.0.0.0/8", &a, &len, 1) && len == 8, "prefix");
	ok(prefix_parse("10.0.0.0/33", &a, &len, 1) && prefix_parse("fd::/129", &a, &len, 1) &&
	       prefix_parse("10.0.0.0", &a, &len, 1) && prefix_parse("10.0.0.0/", &a, &len, 1),
	   "bad prefixes refused");
	ok(!prefix_parse("10.0.0.9", &a, &len, 0) && len == 32, "a host prefix");
}

static void test_lpm(void)
{
	struct rtable t = { .n = 0 };
	struct ipa a, g;
	int len;
	prefix_parse("0.0.0.0/0", &a, &len, 1);
	addr_parse("10.1.0.254", &g);
	route_add(&t, &a, len, &g, -1);
	prefix_parse("10.1.0.0/16", &a, &len, 1);
	route_add(&t, &a, len, NULL, 0);
	prefix_parse("10.1.2.0/24", &a, &len, 1);
	route_add(&t, &a, len, NULL, 1);
	prefix_parse("10.1.2.128/25", &a, &len, 1);
	route_add(&t, &a, len, NULL, 2);
	prefix_parse("fd00::/8", &a, &len, 1);
	route_add(&t, &a, len, NULL, 3);
	prefix_parse("fd01:2::/32", &a, &len, 1);
	route_add(&t, &a, len, NULL, 1);
	ok(route_resolve(&t) == -1 && t.r[t.n - 1].nic == 0, "the default route's NIC comes from its gateway");
	const struct route *r;
	addr_parse("10.1.2.200", &a);
	ok((r = route_lookup(&t, &a)) && r->nic == 2, "/25 wins");
	addr_parse("10.1.2.5", &a);
	ok((r = route_lookup(&t, &a)) && r->nic == 1, "/24 wins");
	addr_parse("10.1.9.5", &a);
	ok((r = route_lookup(&t, &a)) && r->nic == 0 && !r->gw.fam, "/16 wins");
	addr_parse("8.8.8.8", &a);
	ok((r = route_lookup(&t, &a)) && r->len == 0 && r->gw.fam == 4, "the default route");
	addr_parse("fd01:2::5", &a);
	ok((r = route_lookup(&t, &a)) && r->nic == 1, "IPv6 /32 wins");
	addr_parse("fd01:3::5", &a);
	ok((r = route_lookup(&t, &a)) && r->nic == 3, "IPv6 /8");
	addr_parse("2001::1", &a);
	ok(!route_lookup(&t, &a), "no IPv6 default: no route (the IPv4 one does not apply)");
	struct rtable u = { .n = 0 };
	prefix_parse("0.0.0.0/0", &a, &len, 1);
	route_add(&u, &a, len, &g, -1);
	ok(route_resolve(&u) == 0, "a gateway on no network is reported");
}

static void test_parse(void)
{
	uint8_t f[200];
	struct pkt p;
	uint32_t len = udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64);
	ok(pkt_parse(&p, f, len) == D_OK && p.fam == 4 && p.proto == P_UDP && p.t.sport == 1000 && p.t.dport == 53 &&
	       p.len == len,
	   "a UDP frame parses");
	ok(pkt_parse(&p, f, len + 20) == D_OK && p.len == len, "Ethernet padding is cut");
	int bad = 0;
	for (uint32_t n = 0; n < len; n++)
		bad += pkt_parse(&p, f, n) != D_OK;
	ok(bad == (int)len, "every truncation of it is refused (%d of %u)", bad, len);
	ok(pkt_parse(&p, f, 10) == D_RUNT, "runt");
	f[14] = 0x44;
	ok(pkt_parse(&p, f, len) == D_BAD_IP, "IHL 4 refused");
	f[14] = 0x4f;
	ok(pkt_parse(&p, f, len) == D_BAD_IP, "IHL past the packet refused");
	f[14] = 0x45;
	wr16(f + 16, 19);
	ok(pkt_parse(&p, f, len) == D_BAD_IP, "total length < header refused");
	wr16(f + 16, 33);
	f[24]++;
	ok(pkt_parse(&p, f, len) == D_BAD_CSUM, "a bad header checksum refused");
	len = udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64);
	wr16(f + 38, 200);
	ok(pkt_parse(&p, f, len) == D_BAD_L4, "UDP length past the packet refused");
	wr16(f + 38, 7);
	ok(pkt_parse(&p, f, len) == D_BAD_L4, "UDP length < 8 refused");
	len = tcp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 80, TCP_SYN);
	ok(pkt_parse(&p, f, len) == D_OK && p.tcp_flags == TCP_SYN, "a TCP SYN parses");
	f[34 + 12] = 0xf0;
	ok(pkt_parse(&p, f, len) == D_BAD_L4, "TCP data offset past the packet refused");
	f[34 + 12] = 0x40;
	ok(pkt_parse(&p, f, len) == D_BAD_L4, "TCP data offset < 5 refused");
	len = echo4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 8, 77);
	ok(pkt_parse(&p, f, len) == D_OK && p.has_ports && p.t.sport == 77 && p.t.dport == 0,
	   "echo request: id as sport");
	len = echo4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 0, 77);
	ok(pkt_parse(&p, f, len) == D_OK && p.has_ports && p.t.sport == 0 && p.t.dport == 77,
	   "echo reply: id as dport");
	len = frame4(f, MAC0, HOSTA, ip4("10.1.0.2"), ip4("10.2.0.2"), P_ICMP, 64, 4);
	fix4(f);
	ok(pkt_parse(&p, f, len) == D_BAD_L4, "ICMP shorter than 8 refused");
	len = frame4(f, MAC0, HOSTA, ip4("10.1.0.2"), ip4("10.2.0.2"), P_UDP, 64, 4);
	wr16(f + 20, 0x2001); /* a non-first fragment: no header to check */
	fix4(f);
	ok(pkt_parse(&p, f, len) == D_OK && p.frag && !p.has_ports, "a non-first fragment: no ports");
	/* IPv6 */
	len = frame6(f, MAC0, HOSTA, "fd01::2", "fd02::2", P_UDP, 64, 13);
	wr16(f + 54, 5);
	wr16(f + 56, 6);
	wr16(f + 58, 13);
	fix6(f);
	ok(pkt_parse(&p, f, len) == D_OK && p.fam == 6 && p.t.sport == 5 && p.l4len == 13, "an IPv6 UDP frame parses");
	bad = 0;
	for (uint32_t n = 0; n < len; n++)
		bad += pkt_parse(&p, f, n) != D_OK;
	ok(bad == (int)len, "every truncation of it is refused");
	wr16(f + 18, 300);
	ok(pkt_parse(&p, f, len) == D_BAD_IP, "IPv6 payload length past the frame refused");
	len = frame6(f, MAC0, HOSTA, "fd01::2", "fd02::2", 60, 64, 16);
	f[54] = P_UDP;
	f[55] = 5; /* 48 bytes of options in 16 */
	ok(pkt_parse(&p, f, len) == D_BAD_IP, "an extension header past the packet refused");
	f[55] = 0;
	wr16(f + 62, 5);
	wr16(f + 64, 6);
	wr16(f + 66, 8);
	ok(pkt_parse(&p, f, len) == D_OK && p.proto == P_UDP && p.l4 == 62 && p.t.dport == 6,
	   "an extension header is walked");
	f[20] = 44;
	ok(pkt_parse(&p, f, len) == D_OK && p.frag, "a fragment header: a fragment");
	wr16(f + 12, 0x8100);
	ok(pkt_parse(&p, f, len) == D_ETHERTYPE, "another ethertype");
}

static void test_csum(void)
{
	uint8_t f[200];
	uint32_t len = udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64);
	(void)len;
	uint8_t *ip = f + 14;
	int good = 1;
	for (int ttl = 255; ttl > 0; ttl--) {
		ip[8] = (uint8_t)ttl;
		fix4(f);
		uint16_t old = rd16(ip + 8);
		ip[8]--;
		csum_update16(ip + 10, old, rd16(ip + 8));
		good &= csum_fold(csum_add(0, ip, 20)) == 0;
	}
	ok(good, "RFC 1624 TTL decrement: the header checksum stays valid for every TTL");
	/* An address change through csum_update against a full recompute. */
	uint8_t na[4] = { 192, 0, 2, 77 };
	fix4(f);
	csum_update(ip + 10, ip + 12, na, 4);
	csum_update(f + 40, ip + 12, na, 4);
	memcpy(ip + 12, na, 4);
	ok(csum_fold(csum_add(0, ip, 20)) == 0 && sums_ok(f, 47), "address rewrite: IP and UDP checksums stay valid");
	uint8_t odd[3] = { 1, 2, 3 };
	ok(csum_add(0, odd, 3) == 0x0102 + 0x0300, "odd length sums pad with zero");
}

static void test_rules(void)
{
	static struct ruleset rs;
	char err[160];
	const char names[2][16] = { "eth0", "eth1" };
	ok(!rule_parse(&rs, "deny in eth1 proto tcp port 23  # telnet", names, 2, err, sizeof err), "a rule");
	ok(!rule_parse(&rs, "allow proto udp to 10.2.0.0/24 port 1000-2000", names, 2, err, sizeof err), "a range");
	ok(!rule_parse(&rs, "deny from fd01::/64 out eth1", names, 2, err, sizeof err), "IPv6");
	ok(!rule_parse(&rs, "   # only a comment", names, 2, err, sizeof err) && rs.n == 3, "comments and blanks");
	ok(!rule_parse(&rs, "policy deny", names, 2, err, sizeof err) && rs.deny_default, "policy");
	static const char *const bad[] = { "allow in eth9",    "allow proto xyz",	 "allow port 70000",
					   "allow port 20-10", "allow from 10.0.0.0/40", "permit all",
					   "allow in",	       "allow in eth0 in eth1",	 "policy maybe",
					   "allow port" };
	int nbad = 0;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = 0;
		nbad += rule_parse(&rs, bad[i], names, 2, err, sizeof err) == -1 && err[0];
	}
	ok(nbad == (int)(sizeof bad / sizeof *bad) && rs.n == 3, "bad rules refused with a message (%s)", err);
	uint8_t f[200];
	struct pkt p;
	pkt_parse(&p, f, tcp4(f, MAC0, ip4("10.2.0.9"), ip4("10.1.0.2"), 999, 23, TCP_SYN));
	ok(rules_match(&rs, 1, 0, &p) == 0, "first match: telnet in from eth1");
	ok(rules_match(&rs, 0, 1, &p) == -1 && !rules_allow(&rs, -1), "not from eth0: the policy (deny)");
	pkt_parse(&p, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.7"), 999, 1500, 64));
	ok(rules_match(&rs, 0, 1, &p) == 1 && rules_allow(&rs, 1), "port range and prefix");
	pkt_parse(&p, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.7"), 999, 2001, 64));
	ok(rules_match(&rs, 0, 1, &p) == -1, "out of the range");
	pkt_parse(&p, f, echo4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.7"), 8, 1));
	static struct ruleset r2;
	rule_parse(&r2, "allow port 0-65535", names, 2, err, sizeof err);
	ok(rules_match(&r2, 0, 1, &p) == -1, "a port rule matches no ICMP");
}

static void test_ct(void)
{
	static struct ct c;
	ct_init(&c, 3, 7);
	struct tuple t[4];
	memset(t, 0, sizeof t);
	for (int i = 0; i < 4; i++) {
		t[i].fam = 4;
		t[i].proto = P_UDP;
		t[i].src[3] = 2;
		t[i].dst[3] = 9;
		t[i].sport = (uint16_t)(1000 + i);
		t[i].dport = 53;
	}
	struct tuple r0 = tuple_rev(&t[0]);
	struct flow *f = ct_new(&c, &t[0], &r0, S);
	int dir = -1;
	ok(f && ct_lookup(&c, &t[0], &dir, S) == f && dir == 0, "a flow from its original tuple");
	ok(ct_lookup(&c, &r0, &dir, S) == f && dir == 1, "and from its reply tuple");
	ok(!ct_new(&c, &t[0], &r0, S), "no second flow with the same tuple");
	struct tuple r1 = tuple_rev(&t[1]), r2 = tuple_rev(&t[2]), r3 = tuple_rev(&t[3]);
	ok(ct_new(&c, &t[1], &r1, S) && ct_new(&c, &t[2], &r2, S) && c.count == 3, "three flows");
	ok(!ct_new(&c, &t[3], &r3, S), "the fourth is over the bound");
	struct pkt p = { .proto = P_UDP };
	ct_seen(&c, f, 0, &p, S);
	ok(f->state == CT_NEW && f->expires == S + 30 * S, "one-way UDP: 30 s");
	ct_seen(&c, f, 1, &p, S);
	ok(f->state == CT_REPLIED && f->expires == S + 180 * S, "replied UDP: 180 s");
	ok(ct_new(&c, &t[3], &r3, 40 * S) && c.count == 2, "expired flows make room");
	ok(ct_lookup(&c, &t[0], &dir, 40 * S) == f, "a live flow stays");
	ok(!ct_lookup(&c, &t[1], &dir, 40 * S), "an expired flow is gone");
	ct_remove(&c, f);
	ok(!ct_lookup(&c, &t[0], &dir, S) && !ct_lookup(&c, &r0, &dir, S) && c.count == 1, "removed from both chains");
	/* TCP states. */
	struct flow *g = ct_new(&c, &t[0], &r0, S);
	struct pkt tp = { .proto = P_TCP, .tcp_flags = TCP_SYN };
	ct_seen(&c, g, 0, &tp, S);
	ok(g->state == CT_SYN, "SYN");
	tp.tcp_flags = TCP_SYN | TCP_ACK;
	ct_seen(&c, g, 1, &tp, S);
	ok(g->state == CT_EST && g->expires == S + 3600 * S, "SYN-ACK: established");
	tp.tcp_flags = TCP_FIN | TCP_ACK;
	ct_seen(&c, g, 0, &tp, S);
	ok(g->state == CT_FIN, "FIN");
	tp.tcp_flags = TCP_RST;
	ct_seen(&c, g, 1, &tp, S);
	ok(g->state == CT_CLOSE && g->expires == S + 10 * S, "RST: closing, 10 s");
	tp.tcp_flags = TCP_SYN;
	ct_seen(&c, g, 0, &tp, S);
	ok(g->state == CT_SYN, "a new SYN reopens it");
	/* NAT ports: the same reply tuple twice gets another port. */
	static struct ct n;
	ct_init(&n, 100, 9);
	struct tuple a = t[0], b = t[0];
	b.src[3] = 3; /* another LAN host, same port */
	struct tuple ra = tuple_rev(&a), rb = tuple_rev(&b);
	ra.dst[3] = rb.dst[3] = 1; /* both masqueraded to x.x.x.1 */
	memset(ra.dst, 0, 3);
	memset(rb.dst, 0, 3);
	ok(!ct_nat_port(&n, &ra, S) && ra.dport == a.sport, "the first keeps its port");
	ct_new(&n, &a, &ra, S);
	ok(!ct_nat_port(&n, &rb, S) && rb.dport != b.sport && rb.dport >= NAT_PORT_LO && rb.dport <= NAT_PORT_HI,
	   "the second gets another (%u)", rb.dport);
}

/* The router, whole frames. */
static void test_router_v4(void)
{
	uint8_t f[1600];
	ok(!setup(BASIC, 5), "configured");
	in(0, f, arp(f, 1, HOSTA, ip4("10.1.0.2"), ip4("10.1.0.1"), NULL), S);
	ok(nout == 1 && out[0].nic == 0 && rd16(out[0].f + 20) == 2 && !memcmp(out[0].f + 22, MAC0, 6) &&
	       !memcmp(out[0].f, HOSTA, 6),
	   "ARP request for the router: answered with its MAC");
	nout = 0;
	in(1, f, arp(f, 1, HOSTB, ip4("10.2.0.2"), ip4("10.1.0.1"), NULL), S);
	ok(nout == 0, "ARP for eth0's address on eth1: not answered");
	/* Forwarding needs eth1's neighbour: the packet waits for the ARP reply. */
	nout = 0;
	uint32_t len = udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64);
	in(0, f, len, S);
	ok(nout == 1 && out[0].nic == 1 && rd16(out[0].f + 12) == ET_ARP && rd32(out[0].f + 38) == ip4("10.2.0.2") &&
	       rd32(out[0].f + 28) == ip4("10.2.0.1"),
	   "an unresolved next hop: ARP request from eth1's address");
	nout = 0;
	in(1, f, arp(f, 2, HOSTB, ip4("10.2.0.2"), ip4("10.2.0.1"), MAC1), S);
	ok(nout == 1 && out[0].nic == 1 && !memcmp(out[0].f, HOSTB, 6) && !memcmp(out[0].f + 6, MAC1, 6) &&
	       out[0].f[22] == 63 && csum_fold(csum_add(0, out[0].f + 14, 20)) == 0 && out[0].len == len,
	   "the ARP reply sends the queued packet: new MACs, TTL 63, checksum valid");
	nout = 0;
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64), S);
	ok(nout == 1 && out[0].nic == 1 && sums_ok(out[0].f, out[0].len), "then forwarded at once");
	nout = 0;
	in(1, f, udp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 53, 1000, 64), S);
	ok(nout == 1 && out[0].nic == 0 && !memcmp(out[0].f, HOSTA, 6) && R.flows_new == 1,
	   "the reply comes back (the ARP request taught the router eth0's host)");
	/* TTL */
	nout = 0;
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1001, 53, 1), S);
	ok(nout == 1 && out[0].nic == 0 && out[0].f[23] == P_ICMP && out[0].f[34] == 11 &&
	       rd32(out[0].f + 26) == ip4("10.1.0.1") && rd32(out[0].f + 30) == ip4("10.1.0.2") &&
	       sums_ok(out[0].f, out[0].len) && csum_fold(csum_add(0, out[0].f + 14, 20)) == 0 && R.drops[D_TTL] == 1,
	   "TTL 1: dropped, ICMP time exceeded from the router");
	/* ICMP errors are rate-limited: 100 a second. */
	nout = 0;
	for (int i = 0; i < 150; i++)
		in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1001, 53, 1), 2 * S);
	ok(nout == 100 && R.icmp_limited == 50, "150 TTL 1 packets at once: 100 ICMP errors (%d)", nout);
	nout = 0;
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1001, 53, 1), 2 * S + S / 50);
	ok(nout == 1, "20 ms later: 2 more allowed");
	/* Ping of the router. */
	nout = 0;
	in(0, f, echo4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.1"), 8, 5), S);
	ok(nout == 1 && out[0].nic == 0 && out[0].f[34] == 0 && rd32(out[0].f + 26) == ip4("10.2.0.1") &&
	       sums_ok(out[0].f, out[0].len) && csum_fold(csum_add(0, out[0].f + 14, 20)) == 0,
	   "ping of the router's address: echo reply");
	nout = 0;
	in(0, f, tcp4(f, MAC0, ip4("10.1.0.2"), ip4("10.1.0.1"), 5000, 22, TCP_SYN), S);
	ok(nout == 0 && R.drops[D_LOCAL] == 1, "TCP to the router: dropped (it terminates nothing)");
	/* Routes. */
	nout = 0;
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("172.16.0.1"), 1, 2, 64), S);
	ok(nout == 0 && R.drops[D_NO_ROUTE] == 1, "no route: dropped and counted");
	nout = 0;
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("192.168.7.7"), 1, 2, 64), S);
	ok(nout == 1 && rd16(out[0].f + 12) == ET_ARP && rd32(out[0].f + 38) == ip4("10.2.0.254"),
	   "a static route: its gateway is resolved");
	/* Malformed frames on either side, then forwarding goes on. */
	nout = 0;
	uint64_t mal0 = R.nic[0].malformed, mal1 = R.nic[1].malformed;
	len = udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64);
	wr16(f + 16, 500);
	in(0, f, len, S);
	in(0, f, 8, S);
	len = tcp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 1000, 53, TCP_SYN);
	f[46] = 0xf0;
	in(1, f, len, S);
	in(1, f, arp(f, 1, HOSTB, ip4("10.2.0.2"), ip4("10.2.0.1"), NULL) - 20, S);
	ok(nout == 0 && R.nic[0].malformed == mal0 + 2 && R.nic[1].malformed == mal1 + 2,
	   "malformed frames on both sides: dropped and counted per NIC");
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64), S);
	ok(nout == 1 && out[0].nic == 1, "and forwarding goes on");
	/* A frame for another MAC. */
	nout = 0;
	in(0, f, udp4(f, HOSTB, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64), S);
	ok(nout == 0 && R.drops[D_NOT_US] == 1, "another host's frame is not forwarded");
	/* Broadcast / multicast destinations. */
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("224.0.0.5"), 1000, 53, 64), S);
	ok(nout == 0 && R.drops[D_MARTIAN] == 1, "multicast is not forwarded");
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.255"), 1000, 53, 64), S);
	ok(nout == 0 && R.drops[D_MARTIAN] == 2, "nor a directed broadcast");
	/* Unresolved: the queue is dropped after the retries. */
	nout = 0;
	in(1, f, udp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.99"), 1, 2, 64), S);
	for (int i = 1; i <= 4; i++)
		router_tick(&R, S + (uint64_t)i * S + 1);
	/* (192.168.7.7's gateway, unanswered since S too, gets its last 2.) */
	ok(nout == 5 && R.drops[D_UNRESOLVED] == 2, "no answer: 3 ARP requests, then the packet is dropped");
	in(1, f, udp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.99"), 1, 2, 64), 6 * S);
	ok(nout == 5 && R.drops[D_UNRESOLVED] == 3, "and the next one at once for a while");
	/* A neighbour learnt long ago is asked again, a second apart, 3 times at most. */
	nout = 0;
	for (int i = 0; i < 5; i++)
		in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64), 200 * S + (uint64_t)i * S / 2);
	ok(nout == 5 + 3 && R.arp_requests >= 3, "a stale neighbour: still used, and asked again every second (%d)",
	   nout);
	nout = 0;
	in(1, f, arp(f, 2, HOSTB, ip4("10.2.0.2"), ip4("10.2.0.1"), MAC1), 203 * S);
	for (int i = 0; i < 3; i++)
		in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64), 204 * S);
	ok(nout == 3, "its answer makes it fresh again");
}

/* Learn HOSTA at 10.1.0.2 on eth0 and HOSTB at 10.2.0.2 on eth1. */
static void learn(void)
{
	uint8_t f[64];
	in(0, f, arp(f, 1, HOSTA, ip4("10.1.0.2"), ip4("10.1.0.1"), NULL), S);
	in(1, f, arp(f, 1, HOSTB, ip4("10.2.0.2"), ip4("10.2.0.1"), NULL), S);
	nout = 0;
}

static void test_firewall(void)
{
	uint8_t f[200];
	const char *args[] = { "--addr=eth0:10.1.0.1/24", "--addr=eth1:10.2.0.1/24", "--rule=deny proto tcp port 23",
			       "--rule=allow in eth0", "--policy=deny" };
	ok(!setup(args, 5), "configured with rules");
	learn();
	in(0, f, tcp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 4000, 23, TCP_SYN), S);
	ok(nout == 0 && R.drops[D_RULE] == 1 && R.rule_hits[0] == 1, "a denied port: dropped and counted by rule");
	in(0, f, tcp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 4000, 80, TCP_SYN), S);
	ok(nout == 1 && R.rule_hits[1] == 1, "an allowed one passes");
	nout = 0;
	in(1, f, tcp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 80, 4000, TCP_SYN | TCP_ACK), S);
	ok(nout == 1 && out[0].nic == 0, "its reply passes (tracked), though eth1 may open nothing");
	nout = 0;
	in(1, f, tcp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 5555, 80, TCP_SYN), S);
	ok(nout == 0 && R.policy_hits == 1 && R.drops[D_RULE] == 2, "a new connection from eth1: the policy denies it");
	in(1, f, tcp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 5556, 80, TCP_ACK), S);
	ok(nout == 0 && R.drops[D_CT_INVALID] == 1, "a TCP packet of no connection (not a SYN): dropped");
	in(1, f, tcp4(f, MAC1, ip4("10.1.0.2"), ip4("10.2.0.2"), 4000, 80, TCP_ACK), S);
	ok(nout == 0 && R.drops[D_CT_INVALID] == 2, "a tracked tuple arriving on the wrong side: dropped");
}

static void test_nat(void)
{
	uint8_t f[200];
	const char *args[] = { "--addr=eth0:10.1.0.1/24", "--addr=eth1:10.2.0.1/24", "--snat=eth1" };
	ok(!setup(args, 3), "configured with --snat=eth1");
	learn();
	in(0, f, tcp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 4000, 80, TCP_SYN), S);
	ok(nout == 1 && rd32(out[0].f + 26) == ip4("10.2.0.1") && rd16(out[0].f + 34) == 4000 &&
	       sums_ok(out[0].f, out[0].len) && csum_fold(csum_add(0, out[0].f + 14, 20)) == 0,
	   "TCP out: the source is eth1's address, checksums valid");
	nout = 0;
	in(1, f, tcp4(f, MAC1, ip4("10.2.0.2"), ip4("10.2.0.1"), 80, 4000, TCP_SYN | TCP_ACK), S);
	ok(nout == 1 && out[0].nic == 0 && rd32(out[0].f + 30) == ip4("10.1.0.2") && rd16(out[0].f + 36) == 4000 &&
	       sums_ok(out[0].f, out[0].len) && csum_fold(csum_add(0, out[0].f + 14, 20)) == 0,
	   "its reply: back to the LAN host, checksums valid");
	nout = 0;
	in(0, f, echo4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 8, 99), S);
	uint16_t id = rd16(out[0].f + 38);
	ok(nout == 1 && rd32(out[0].f + 26) == ip4("10.2.0.1") && sums_ok(out[0].f, out[0].len),
	   "ping out: masqueraded");
	nout = 0;
	in(1, f, echo4(f, MAC1, ip4("10.2.0.2"), ip4("10.2.0.1"), 0, id), S);
	ok(nout == 1 && out[0].nic == 0 && rd16(out[0].f + 38) == 99 && rd32(out[0].f + 30) == ip4("10.1.0.2") &&
	       sums_ok(out[0].f, out[0].len),
	   "the echo reply: back with the original id");
	nout = 0;
	in(1, f, echo4(f, MAC1, ip4("10.2.0.2"), ip4("10.2.0.1"), 8, 3), S);
	ok(nout == 1 && out[0].nic == 1 && R.echo_replies == 1,
	   "a ping of the outside address is answered by the router");
	/* UDP with no checksum stays without one. */
	nout = 0;
	uint32_t len = udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 7000, 53, 64);
	wr16(f + 40, 0);
	in(0, f, len, S);
	ok(nout == 1 && rd16(out[0].f + 40) == 0 && rd32(out[0].f + 26) == ip4("10.2.0.1"),
	   "UDP without a checksum: still none");
	/* 1,000 flows from two hosts with the same ports, all translated back. */
	in(0, f, arp(f, 1, HOSTB, ip4("10.1.0.3"), ip4("10.1.0.1"), NULL), S);
	int outs = 0, backs = 0, distinct = 1;
	static uint16_t port_of[2][500];
	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 500; i++) {
			nout = 0;
			in(0, f,
			   udp4(f, MAC0, ip4(h ? "10.1.0.3" : "10.1.0.2"), ip4("10.2.0.2"), (uint16_t)(10000 + i), 9,
				64),
			   2 * S);
			if (nout == 1 && rd32(out[0].f + 26) == ip4("10.2.0.1") && sums_ok(out[0].f, out[0].len))
				outs++;
			port_of[h][i] = rd16(out[0].f + 34);
		}
	for (int i = 0; i < 500; i++)
		distinct &= port_of[0][i] != port_of[1][i];
	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 500; i++) {
			nout = 0;
			in(1, f, udp4(f, MAC1, ip4("10.2.0.2"), ip4("10.2.0.1"), 9, port_of[h][i], 64), 3 * S);
			if (nout == 1 && rd32(out[0].f + 30) == ip4(h ? "10.1.0.3" : "10.1.0.2") &&
			    rd16(out[0].f + 36) == 10000 + i && sums_ok(out[0].f, out[0].len))
				backs++;
		}
	ok(outs == 1000 && backs == 1000 && distinct && R.ct.count >= 1000,
	   "1,000 concurrent UDP flows: all out masqueraded (%d), all replies back (%d), ports distinct", outs, backs);
	nout = 0;
	in(1, f, udp4(f, MAC1, ip4("10.2.0.2"), ip4("10.2.0.1"), 9, 1, 64), 3 * S);
	ok(nout == 0 && R.drops[D_LOCAL] == 1, "a packet to the outside address of no flow: dropped");
	router_tick(&R, 3 * S);
	in(1, f, udp4(f, MAC1, ip4("10.2.0.2"), ip4("10.2.0.1"), 9, port_of[0][0], 64), 400 * S);
	ok(R.drops[D_LOCAL] == 2, "after the timeout the mapping is gone");
	for (int i = 0; i < 40; i++)
		router_tick(&R, 4000 * S);
	ok(R.ct.count == 0, "and the sweep empties the table");
}

static void test_limits(void)
{
	uint8_t f[200];
	const char *args[] = { "--addr=eth0:10.1.0.1/24", "--addr=eth1:10.2.0.1/24", "--max-flows=10" };
	ok(!setup(args, 3), "configured with --max-flows=10");
	learn();
	for (int i = 0; i < 12; i++)
		in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), (uint16_t)(3000 + i), 9, 64), S);
	ok(nout == 10 && R.drops[D_CT_FULL] == 2, "flows over the bound: dropped and counted");
}

static void test_v6(void)
{
	uint8_t f[300];
	ok(!setup(BASIC, 5), "configured");
	/* A neighbour solicitation for the router's address. */
	uint32_t len = frame6(f, (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 1 }, HOSTA, "fd01::2", "ff02::1:ff00:1",
			      P_ICMP6, 255, 32);
	uint8_t *m = f + 54;
	memset(m, 0, 32);
	m[0] = 135;
	struct ipa t;
	addr_parse("fd01::1", &t);
	memcpy(m + 8, t.a, 16);
	m[24] = 1;
	m[25] = 1;
	memcpy(m + 26, HOSTA, 6);
	fix6(f);
	in(0, f, len, S);
	ok(nout == 1 && out[0].nic == 0 && out[0].f[54] == 136 && !memcmp(out[0].f + 62, t.a, 16) &&
	       !memcmp(out[0].f + 80, MAC0, 6) && !memcmp(out[0].f, HOSTA, 6) && out[0].f[21] == 255 &&
	       sums_ok(out[0].f, out[0].len),
	   "NS for the router's address: NA with its MAC, checksum valid");
	nout = 0;
	f[21] = 64;
	in(0, f, len, S);
	ok(nout == 0 && R.drops[D_BAD_L4] == 1, "an NS with hop limit 64: refused");
	/* Forward to fd02::2: NS for it on eth1, then the NA. */
	nout = 0;
	len = frame6(f, MAC0, HOSTA, "fd01::2", "fd02::2", P_UDP, 64, 12);
	wr16(f + 54, 5);
	wr16(f + 56, 6);
	wr16(f + 58, 12);
	fix6(f);
	in(0, f, len, S);
	ok(nout == 1 && out[0].nic == 1 && out[0].f[54] == 135 && out[0].f[0] == 0x33 && out[0].f[52] == 0 &&
	       out[0].f[53] == 2 && sums_ok(out[0].f, out[0].len),
	   "an unresolved IPv6 next hop: NS to its solicited-node group");
	nout = 0;
	len = frame6(f, MAC1, HOSTB, "fd02::2", "fd02::1", P_ICMP6, 255, 32);
	m = f + 54;
	memset(m, 0, 32);
	m[0] = 136;
	m[4] = 0x60;
	addr_parse("fd02::2", &t);
	memcpy(m + 8, t.a, 16);
	m[24] = 2;
	m[25] = 1;
	memcpy(m + 26, HOSTB, 6);
	fix6(f);
	in(1, f, len, S);
	ok(nout == 1 && out[0].nic == 1 && !memcmp(out[0].f, HOSTB, 6) && out[0].f[21] == 63 &&
	       sums_ok(out[0].f, out[0].len),
	   "the NA sends the queued packet, hop limit 63");
	/* ping6 of the router. */
	nout = 0;
	len = frame6(f, MAC0, HOSTA, "fd01::2", "fd02::1", P_ICMP6, 64, 16);
	memset(f + 54, 0, 16);
	f[54] = 128;
	wr16(f + 58, 42);
	fix6(f);
	in(0, f, len, S);
	ok(nout == 1 && out[0].f[54] == 129 && sums_ok(out[0].f, out[0].len) && out[0].nic == 0,
	   "ping6 of the router: echo reply, checksum valid");
	/* Hop limit 1: time exceeded from eth0's address. */
	nout = 0;
	len = frame6(f, MAC0, HOSTA, "fd01::2", "fd02::2", P_ICMP6, 1, 16);
	memset(f + 54, 0, 16);
	f[54] = 128;
	fix6(f);
	in(0, f, len, S);
	ok(nout == 1 && out[0].f[54] == 3 && sums_ok(out[0].f, out[0].len) && out[0].f[37] == 1,
	   "hop limit 1: ICMPv6 time exceeded from fd01::1");
	nout = 0;
	len = frame6(f, MAC0, HOSTA, "fe80::2", "fd02::2", P_UDP, 64, 8);
	wr16(f + 58, 8);
	in(0, f, len, S);
	ok(nout == 0 && R.drops[D_MARTIAN] == 1, "a link-local source is not forwarded");
	/* Packet too big: eth1's MTU below the packet. */
	R.nic[1].mtu = 1280;
	static uint8_t big[1600];
	len = frame6(big, MAC0, HOSTA, "fd01::2", "fd02::2", P_UDP, 64, 1400);
	wr16(big + 58, 1400);
	fix6(big);
	nout = 0;
	in(0, big, len, S);
	ok(nout == 1 && out[0].f[54] == 2 && rd32(out[0].f + 58) == 1280 && out[0].len == 14 + 1280 &&
	       sums_ok(out[0].f, out[0].len) && R.drops[D_TOO_BIG] == 1,
	   "too big for eth1: ICMPv6 packet too big (MTU 1280), 1280 bytes");
	const char *v6nat[] = { "--addr=eth0:fd01::1/64", "--snat=eth0" };
	ok(setup(v6nat, 2), "--snat on a NIC without IPv4 is refused");
}

static void test_config(void)
{
	static const struct {
		const char *arg, *msg;
	} bad[] = {
		{ "--addr=eth0", "expected NIC:ADDR/PREFIX" },
		{ "--addr=eth0:10.0.0.1", "expected NIC:ADDR/PREFIX" },
		{ "--route=10.9.0.0/16", "expected DEST/PREFIX@GW" },
		{ "--route=10.9.0.0/16@fd::1", "expected DEST/PREFIX@GW" },
		{ "--route=10.9.0.0/16%eth7", "no NIC 'eth7'" },
		{ "--route=10.9.0.0/16@10.99.0.1", "is on no NIC's network" },
		{ "--rule=allow port 99999", "port '99999'" },
		{ "--rules=/nonexistent/r", "cannot open" },
		{ "--policy=maybe", "expected allow or deny" },
		{ "--snat=eth5", "no such NIC" },
		{ "--max-flows=0", "from 1 to 65536" },
		{ "--max-flows=70000", "from 1 to 65536" },
		{ "--stats=x", "seconds" },
		{ "--poll=200000", "microseconds" },
		{ "--flow-timeout=0", "seconds from 1 to 86400" },
		{ "--flow-timeout=86401", "seconds from 1 to 86400" },
		{ "--flow-timeout=2s", "seconds from 1 to 86400" },
		{ "--flow-timeout=", "seconds from 1 to 86400" },
		{ "--bogus", "unknown argument" },
	};
	int good = 1;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		static struct router r;
		memset(&r, 0, sizeof r);
		router_init(&r, 16, 1);
		char *argv[] = { "router", "--addr=eth0:10.1.0.1/24", (char *)bad[i].arg };
		struct opts o;
		char err[256] = "";
		int rc = router_config(&r, &o, 3, argv, NULL, NULL, err, sizeof err);
		if (rc != -1 || !strstr(err, bad[i].msg)) {
			printf("# %s: %d '%s'\n", bad[i].arg, rc, err);
			good = 0;
		}
	}
	ok(good, "bad arguments: one clear message each");
	static struct router r;
	memset(&r, 0, sizeof r);
	router_init(&r, 16, 1);
	char *argv[] = { "router" };
	struct opts o;
	char err[256];
	ok(router_config(&r, &o, 1, argv, NULL, NULL, err, sizeof err) == -1 && strstr(err, "no --addr"), "no address");
	memset(&r, 0, sizeof r);
	router_init(&r, 16, 1);
	ok(!router_config(&r, &o, 1, argv, "eth0:10.1.0.1/24,eth1:10.2.0.1/24,eth1:fd02::1/64",
			  "0.0.0.0/0@10.2.0.254,fd09::/64@fd02::9%eth1", err, sizeof err) &&
	       r.nnics == 2 && r.nic[1].naddr == 2 && r.rt.n == 5,
	   "TINCAN_IP and TINCAN_ROUTE are read (%s)", r.nnics ? "" : err);
	FILE *rf = fopen("/tmp/router-unit.rules", "w");
	fputs("# a comment\npolicy deny\nallow proto icmp\n\nallow in eth0 port 80\n", rf);
	fclose(rf);
	memset(&r, 0, sizeof r);
	router_init(&r, 16, 1);
	char *argv2[] = { "router", "--addr=eth0:10.1.0.1/24", "--rule=deny proto udp",
			  "--rules=/tmp/router-unit.rules" };
	ok(!router_config(&r, &o, 4, argv2, NULL, NULL, err, sizeof err) && r.rules.n == 3 && r.rules.deny_default &&
	       !r.rules.r[0].allow && r.rules.r[2].plo == 80,
	   "a rule file, after the --rule before it");
	rf = fopen("/tmp/router-unit.rules", "w");
	fputs("allow\nallow prot tcp\n", rf);
	fclose(rf);
	memset(&r, 0, sizeof r);
	router_init(&r, 16, 1);
	ok(router_config(&r, &o, 4, argv2, NULL, NULL, err, sizeof err) == -1 &&
	       !strncmp(err, "/tmp/router-unit.rules:2: 'prot'", 32),
	   "a bad line names the file and line: %s", err);
	remove("/tmp/router-unit.rules");
}

/* An ICMP error (type, code) from src to dst about the IPv4 packet ip (n bytes). */
static uint32_t icmp_err4(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
			  const uint8_t *ip, uint32_t n)
{
	uint32_t len = frame4(f, dmac, HOSTB, src, dst, P_ICMP, 64, 8 + n);
	uint8_t *m = f + 34;
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	memcpy(m + 8, ip, n);
	fix4(f);
	return len;
}

static void test_related(void)
{
	uint8_t f[300], sent[200];
	const char *args[] = { "--addr=eth0:10.1.0.1/24", "--addr=eth1:10.2.0.1/24", "--policy=deny",
			       "--rule=allow in eth0" };
	ok(!setup(args, 4), "configured: policy deny, eth0 may open");
	learn();
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64), S);
	ok(nout == 1, "a UDP flow out");
	memcpy(sent, out[0].f + 14, out[0].len - 14);
	nout = 0;
	in(1, f, icmp_err4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 3, 3, sent, 28), S);
	ok(nout == 1 && out[0].nic == 0 && out[0].f[34] == 3 && R.drops[D_RULE] == 0,
	   "its port unreachable comes back (related), though eth1 may open nothing");
	nout = 0;
	wr16(sent + 20, 1001);
	in(1, f, icmp_err4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 3, 3, sent, 28), S);
	ok(nout == 0 && R.drops[D_RULE] == 1, "an error about no tracked flow: the rules decide (deny)");
	nout = 0;
	in(1, f, icmp_err4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 3, 3, sent, 12), S);
	ok(nout == 0 && R.drops[D_RULE] == 2, "an error with a cut inner packet: not related");

	const char *nat[] = { "--addr=eth0:10.1.0.1/24", "--addr=eth1:10.2.0.1/24", "--snat=eth1" };
	ok(!setup(nat, 3), "configured with --snat=eth1");
	learn();
	in(0, f, arp(f, 1, HOSTB, ip4("10.1.0.3"), ip4("10.1.0.1"), NULL), S);
	in(0, f, tcp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 4000, 80, TCP_SYN), S);
	nout = 0;
	/* A second host with the same port: its flow gets another port. */
	uint32_t len = tcp4(f, MAC0, ip4("10.1.0.3"), ip4("10.2.0.2"), 4000, 80, TCP_SYN);
	in(0, f, len, S);
	ok(nout == 1 && rd16(out[0].f + 34) != 4000, "a second flow from port 4000 is masqueraded to port %u",
	   rd16(out[0].f + 34));
	memcpy(sent, out[0].f + 14, 40);
	nout = 0;
	in(1, f, icmp_err4(f, MAC1, ip4("10.2.0.2"), ip4("10.2.0.1"), 3, 4, sent, 40), S);
	const uint8_t *o = out[0].f, *ii = o + 42;
	ok(nout == 1 && out[0].nic == 0 && rd32(o + 30) == ip4("10.1.0.3") && rd32(ii + 12) == ip4("10.1.0.3") &&
	       rd16(ii + 20) == 4000 && csum_fold(csum_add(0, o + 14, 20)) == 0 &&
	       csum_fold(csum_add(0, ii, 20)) == 0 && csum_l4(4, ii + 12, ii + 16, P_TCP, ii + 20, 20) == 0 &&
	       sums_ok(o, out[0].len),
	   "fragmentation needed for it: back to 10.1.0.3, the inner packet translated, every checksum valid");
	ok(R.drops[D_LOCAL] == 0, "not taken for the router's own");
}

/* The next deadline: when the timers have work, so that an idle router
 * sleeps until then (ROUTER_NEVER: until a frame comes). */
static void test_deadline(void)
{
	uint8_t f[200];
	/* The table alone. */
	static struct ct c;
	memset(&c, 0, sizeof c);
	ct_init(&c, 10, 3);
	ok(ct_next(&c) == CT_NONE, "ct: an empty table has no deadline");
	struct tuple t = { .fam = 4, .proto = P_UDP, .sport = 1000, .dport = 53 };
	t.src[3] = 2;
	t.dst[3] = 9;
	struct tuple rt = tuple_rev(&t);
	struct flow *fl = ct_new(&c, &t, &rt, 10 * S);
	ok(fl && ct_next(&c) == 40 * S, "ct: a flow: its expiry");
	struct pkt p = { .proto = P_UDP };
	ct_seen(&c, fl, 0, &p, 20 * S);
	ok(ct_next(&c) == 40 * S, "ct: refreshed: the bound stays (no scan per packet)");
	ct_expire(&c, 39 * S);
	ok(c.count == 1 && ct_next(&c) == 40 * S, "ct: before the deadline a tick does nothing");
	ct_expire(&c, 40 * S);
	ok(c.count == 1 && ct_next(&c) == 50 * S, "ct: at it, the scan finds the refreshed expiry");
	ct_seen(&c, fl, 1, &p, 40 * S + S / 2);
	ok(fl->expires == 220 * S + S / 2 && ct_next(&c) == 50 * S, "ct: a longer timeout (replied): the bound stays");
	struct pkt tp = { .proto = P_TCP, .tcp_flags = TCP_RST };
	ct_seen(&c, fl, 1, &tp, 45 * S);
	ok(ct_next(&c) == 50 * S, "ct: a shorter one (RST, 10 s) after the bound: it stays");
	ct_expire(&c, 50 * S);
	ok(c.count == 1 && ct_next(&c) == 55 * S, "ct: the scan at 50 s finds it");
	ct_expire(&c, 55 * S);
	ok(c.count == 0 && ct_next(&c) == CT_NONE, "ct: expired: gone, and no deadline");
	/* Scans a second apart at least (flows expire up to a second late). */
	c.cap = 1;
	struct tuple t2 = t;
	t2.sport = 1001;
	struct tuple rt2 = tuple_rev(&t2);
	fl = ct_new(&c, &t, &rt, 60 * S);
	ok(fl && fl->expires == 61 * S && ct_new(&c, &t2, &rt2, 60 * S + S / 5) && ct_next(&c) == 61 * S,
	   "ct: capped at 1 s: two flows, the first's expiry");
	ct_seen(&c, fl, 0, &p, 60 * S + S / 2);
	ct_expire(&c, 61 * S);
	ok(c.count == 2 && ct_next(&c) == 62 * S, "ct: the first refreshed: the next scan a second after this one");
	ct_expire(&c, 62 * S);
	ok(c.count == 0 && ct_next(&c) == CT_NONE, "ct: then both are gone");
	c.cap = 0;
	fl = ct_new(&c, &t, &rt, 60 * S);
	int dir;
	ok(!ct_lookup(&c, &t, &dir, 90 * S) && c.count == 0 && ct_next(&c) == CT_NONE,
	   "ct: a flow expired on lookup leaves no deadline");
	fl = ct_new(&c, &t, &rt, 100 * S);
	ok(fl && ct_next(&c) == 130 * S, "ct: a new flow after that: its own expiry");

	/* The router. */
	ok(!setup(BASIC, 5), "configured");
	ok(router_next(&R) == ROUTER_NEVER, "a new router: no deadline");
	learn();
	ok(router_next(&R) == ROUTER_NEVER, "neighbours learnt: still none");
	router_tick(&R, 2 * S);
	ok(router_next(&R) == ROUTER_NEVER, "a tick leaves none");
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 53, 64), 10 * S);
	ok(nout == 1 && R.ct.count == 1 && router_next(&R) == 40 * S, "a flow: its expiry (30 s)");
	router_tick(&R, 39 * S);
	ok(R.ct.count == 1 && router_next(&R) == 40 * S, "a tick before it: the flow stays");
	router_tick(&R, 40 * S);
	ok(R.ct.count == 0 && router_next(&R) == ROUTER_NEVER, "at its expiry: the flow is gone, and no deadline");
	/* Resolution pending: the retries a second apart, then the give-up. */
	nout = 0;
	in(1, f, udp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.99"), 1, 2, 64), 100 * S);
	ok(nout == 1 && R.ct.count == 1 && router_next(&R) == 101 * S, "an address to resolve: the retry in a second");
	router_tick(&R, 100 * S + S / 2);
	ok(nout == 1 && router_next(&R) == 101 * S, "an early tick changes nothing");
	router_tick(&R, 101 * S);
	ok(nout == 2 && router_next(&R) == 102 * S, "the second request, the third due a second later");
	router_tick(&R, 102 * S);
	ok(nout == 3 && router_next(&R) == 103 * S, "the third, the give-up due a second later");
	router_tick(&R, 103 * S);
	ok(nout == 3 && R.drops[D_UNRESOLVED] == 1 && router_next(&R) == 130 * S,
	   "given up: the packet dropped; the flow's expiry is next");
	router_tick(&R, 130 * S);
	ok(R.ct.count == 0 && router_next(&R) == ROUTER_NEVER, "and then nothing");
	/* An answer: no retry is due any more. */
	nout = 0;
	in(0, f, udp4(f, MAC0, ip4("10.1.0.2"), ip4("192.168.1.1"), 7, 8, 64), 200 * S);
	ok(nout == 1 && router_next(&R) == 201 * S, "the gateway to resolve");
	in(1, f, arp(f, 2, HOSTB, ip4("10.2.0.254"), ip4("10.2.0.1"), MAC1), 200 * S + S / 4);
	ok(nout == 2 && router_next(&R) == 230 * S, "answered: the packet leaves; only the flow's expiry is next");

	/* --flow-timeout caps every timeout. */
	const char *args[] = { "--addr=eth0:10.1.0.1/24", "--addr=eth1:10.2.0.1/24", "--flow-timeout=2" };
	ok(!setup(args, 3), "configured with --flow-timeout=2");
	learn();
	in(0, f, tcp4(f, MAC0, ip4("10.1.0.2"), ip4("10.2.0.2"), 1000, 80, TCP_SYN), 10 * S);
	in(1, f, tcp4(f, MAC1, ip4("10.2.0.2"), ip4("10.1.0.2"), 80, 1000, TCP_SYN | TCP_ACK), 11 * S);
	ok(nout == 2 && R.ct.count == 1 && router_next(&R) == 12 * S, "a TCP flow: its SYN's 2 s");
	router_tick(&R, 12 * S);
	ok(R.ct.count == 1 && router_next(&R) == 13 * S, "established at 11 s: 2 s, not an hour");
	router_tick(&R, 13 * S);
	ok(R.ct.count == 0 && router_next(&R) == ROUTER_NEVER, "gone at 13 s");
}

int main(void)
{
	test_addr();
	test_lpm();
	test_parse();
	test_csum();
	test_rules();
	test_ct();
	test_router_v4();
	test_firewall();
	test_nat();
	test_limits();
	test_related();
	test_v6();
	test_config();
	test_deadline();
	return done_testing();
}

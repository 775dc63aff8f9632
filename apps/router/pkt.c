/* Frame parsing and Internet checksums (RFC 1071, RFC 1624). */
#include "pkt.h"

#include <string.h>

uint32_t csum_add(uint32_t sum, const uint8_t *b, uint32_t n)
{
	uint64_t s = sum;
	for (; n > 1; n -= 2, b += 2)
		s += rd16(b);
	if (n)
		s += (uint32_t)b[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void csum_update16(uint8_t *c, uint16_t old, uint16_t new_)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint16_t)~rd16(c) + (uint32_t)(uint16_t)~old + new_;
	wr16(c, csum_fold(s));
}

void csum_update(uint8_t *c, const uint8_t *old, const uint8_t *new_, unsigned n)
{
	uint32_t s = (uint16_t)~rd16(c);
	for (unsigned i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(uint16_t)~rd16(old + i) + rd16(new_ + i);
	wr16(c, csum_fold(s));
}

uint16_t csum_l4(uint8_t fam, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4, uint32_t n)
{
	unsigned al = fam == 4 ? 4 : 16;
	uint32_t s = csum_add(0, src, al);
	s = csum_add(s, dst, al);
	s += proto + (n & 0xffff) + (n >> 16);
	return csum_fold(csum_add(s, l4, n));
}

/* The upper layer at p->l4 (p->l4len bytes): its header checked, its ports. */
static enum drop parse_l4(struct pkt *p)
{
	const uint8_t *b = p->f + p->l4;
	uint32_t n = p->l4len;
	if (p->frag)
		return D_OK;
	switch (p->proto) {
	case P_TCP:
		if (n < 20 || (b[12] >> 4) * 4u < 20 || (b[12] >> 4) * 4u > n)
			return D_BAD_L4;
		p->t.sport = rd16(b);
		p->t.dport = rd16(b + 2);
		p->tcp_flags = b[13];
		p->has_ports = 1;
		break;
	case P_UDP:
		if (n < 8 || rd16(b + 4) < 8 || rd16(b + 4) > n)
			return D_BAD_L4;
		p->t.sport = rd16(b);
		p->t.dport = rd16(b + 2);
		p->has_ports = 1;
		break;
	case P_ICMP:
	case P_ICMP6:
		if ((p->proto == P_ICMP) != (p->fam == 4))
			break; /* ICMPv6 in IPv4 (or the reverse): no ports, just forwarded */
		if (n < 8)
			return D_BAD_L4;
		p->icmp_type = b[0];
		p->icmp_code = b[1];
		if (p->icmp_type == (p->fam == 4 ? 8 : 128)) {
			p->t.sport = rd16(b + 4);
			p->has_ports = 1;
		} else if (p->icmp_type == (p->fam == 4 ? 0 : 129)) {
			p->t.dport = rd16(b + 4);
			p->has_ports = 1;
		}
		break;
	}
	return D_OK;
}

enum drop pkt_parse(struct pkt *p, uint8_t *f, uint32_t len)
{
	memset(p, 0, sizeof *p);
	p->f = f;
	if (len < ETH_HLEN)
		return D_RUNT;
	p->ethertype = rd16(f + 12);
	const uint8_t *ip = f + ETH_HLEN;
	uint32_t avail = len - ETH_HLEN;
	if (p->ethertype == ET_IP4) {
		if (avail < 20 || ip[0] >> 4 != 4 || (ip[0] & 15) < 5)
			return D_BAD_IP;
		uint32_t hl = (ip[0] & 15) * 4u, tot = rd16(ip + 2);
		if (hl > avail || tot < hl || tot > avail)
			return D_BAD_IP;
		if (csum_fold(csum_add(0, ip, hl)) != 0)
			return D_BAD_CSUM;
		p->fam = 4;
		p->len = ETH_HLEN + tot;
		p->proto = ip[9];
		p->frag = (rd16(ip + 6) & 0x1fff) != 0;
		p->l4 = ETH_HLEN + hl;
		p->l4len = tot - hl;
		memcpy(p->t.src, ip + 12, 4);
		memcpy(p->t.dst, ip + 16, 4);
	} else if (p->ethertype == ET_IP6) {
		if (avail < 40 || ip[0] >> 4 != 6)
			return D_BAD_IP;
		uint32_t tot = 40u + rd16(ip + 4);
		if (tot > avail)
			return D_BAD_IP;
		p->fam = 6;
		p->len = ETH_HLEN + tot;
		uint8_t nh = ip[6];
		uint32_t off = 40;
		for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 60 || nh == 44); i++) {
			if (tot - off < 8)
				return D_BAD_IP;
			uint32_t hlen = nh == 44 ? 8 : (ip[off + 1] + 1u) * 8;
			if (hlen > tot - off)
				return D_BAD_IP;
			if (nh == 44)
				p->frag = 1;
			nh = ip[off];
			off += hlen;
		}
		p->proto = nh;
		p->l4 = ETH_HLEN + off;
		p->l4len = tot - off;
		memcpy(p->t.src, ip + 8, 16);
		memcpy(p->t.dst, ip + 24, 16);
	} else {
		return D_ETHERTYPE;
	}
	p->t.proto = p->proto;
	p->t.fam = p->fam;
	return parse_l4(p);
}

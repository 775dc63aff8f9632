/* Frame parsing and checksums for the router: every length is checked
 * against the frame before a byte is read. */
#ifndef ROUTER_PKT_H
#define ROUTER_PKT_H

#include <stdint.h>

#define ETH_HLEN 14
#define ET_IP4 0x0800
#define ET_ARP 0x0806
#define ET_IP6 0x86dd
#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ICMP6 58

/* An IPv4 or IPv6 address: fam 4 uses a[0..3], the rest stays zero. */
struct ipa {
	uint8_t a[16];
	uint8_t fam;
};

/* A connection's identity in one direction.  ICMP echo: request sport = id,
 * dport = 0; reply sport = 0, dport = id (so a reply's tuple is the
 * request's reversed). */
struct tuple {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto, fam;
};

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Why a frame was dropped (the counters' names are in router.c). */
enum drop {
	D_OK,
	/* malformed: */
	D_RUNT,
	D_BAD_ARP,
	D_BAD_IP,
	D_BAD_CSUM,
	D_BAD_L4,
	D_MALFORMED_END,
	D_ETHERTYPE = D_MALFORMED_END,
	D_NOT_US,
	D_MARTIAN,
	D_FRAGMENT,
	D_NO_ROUTE,
	D_TTL,
	D_UNRESOLVED,
	D_QUEUE_FULL,
	D_RULE,
	D_CT_FULL,
	D_CT_INVALID,
	D_NAT_PORTS,
	D_TOO_BIG,
	D_LOCAL,
	D_TX_FULL,
	D_COUNT
};

/* A parsed IP packet in a frame. */
struct pkt {
	uint8_t *f;
	uint32_t len; /* frame bytes: 14 + the IP packet's own length */
	uint16_t ethertype;
	uint8_t fam; /* 4, 6 */
	uint8_t proto; /* the upper-layer protocol */
	uint32_t l4; /* its offset in f */
	uint32_t l4len;
	uint8_t frag; /* a non-first fragment (v4) or a fragment header (v6): no ports */
	uint8_t has_ports; /* TCP, UDP, ICMP echo: t.sport/t.dport are set */
	uint8_t icmp_type, icmp_code, tcp_flags;
	struct tuple t;
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* Parse an IPv4 (ethertype ET_IP4) or IPv6 frame; D_OK or the reason.
 * On D_OK p->len may be less than len (the Ethernet padding is cut). */
enum drop pkt_parse(struct pkt *p, uint8_t *f, uint32_t len);

/* The one's complement sum of n bytes added to sum (not folded). */
uint32_t csum_add(uint32_t sum, const uint8_t *b, uint32_t n);
uint16_t csum_fold(uint32_t sum); /* folded and complemented */
/* RFC 1624 eqn. 3: the checksum at *c after a 16-bit word changed old -> new. */
void csum_update16(uint8_t *c, uint16_t old, uint16_t new_);
/* Same for n bytes (n even) at old changed to new_. */
void csum_update(uint8_t *c, const uint8_t *old, const uint8_t *new_, unsigned n);
/* The upper-layer checksum over a pseudo-header (IPv4 or IPv6). */
uint16_t csum_l4(uint8_t fam, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4, uint32_t n);

#endif

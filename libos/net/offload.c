/*
 * TCP offloads on the way out, for net devices whose platform takes them
 * (plat_net_info's offload).  The TCP checksum is left to the host: lwIP
 * computes none on such a netif (stack.c), only the pseudo-header's sum
 * goes in.  And consecutive full segments of one connection, as
 * tcp_output() hands them over one after another, leave as one frame of
 * up to 64 KiB that the host cuts into the same segments again (TSO): one
 * run of ring slots and one write on the host for up to 44 segments.  A
 * frame waits here only until the next frame that does not continue it,
 * or tc_offload_flush() (stack.c calls it before every flush and wait).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "offload.h"
#include "../internal.h"

static uint8_t gso[65535]; /* the frame being merged: headers, then payloads */
static size_t glen;
static int gdev;
static unsigned ghl, gmss; /* its header length, and its first segment's payload */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The header length of an unfragmented TCP/IPv4 frame of len bytes, or 0. */
static unsigned tcp_hlen(const uint8_t *f, size_t len)
{
	unsigned tcp = 14 + (f[14] & 15) * 4u;
	if (len < 54 || f[12] != 8 || f[13] || f[14] >> 4 != 4 || tcp < 34 || f[23] != 6 || (f[20] & 0x3f) || f[21] ||
	    len != 14 + ((size_t)f[16] << 8 | f[17]) || len < tcp + 20)
		return 0;
	unsigned hl = tcp + (f[tcp + 12] >> 4) * 4u;
	return hl >= tcp + 20 && hl <= len ? hl : 0;
}

static int send(int dev, const uint8_t *f, size_t len, const struct plat_net_hdr *h)
{
	int r = plat_net_send(dev, f, len, h);
	if (r == -EAGAIN) {
		/* The ring is full: push it out, then there is room. */
		plat_net_flush();
		r = plat_net_send(dev, f, len, h);
	}
	return r;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Send a TCP frame (hl bytes of headers) with its checksum left to the
 * device, as one frame or as segments of mss. */
static int send_tcp(int dev, uint8_t *f, size_t len, unsigned hl, unsigned mss)
{
	unsigned tcp = 14 + (f[14] & 15) * 4u;
	uint32_t s = 6 + (uint32_t)(len - tcp);
	for (unsigned i = 26; i < 34; i += 2)
		s += (uint32_t)f[i] << 8 | f[i + 1];
	uint16_t c = fold(s);
	f[tcp + 16] = (uint8_t)(c >> 8);
	f[tcp + 17] = (uint8_t)c;
	struct plat_net_hdr h = { PLAT_NET_NEEDS_CSUM, 0, 0, 0, (uint16_t)tcp, 16 };
	if (len - hl > mss) {
		/* Merged: the IP header for the whole, its checksum again. */
		f[16] = (uint8_t)((len - 14) >> 8);
		f[17] = (uint8_t)(len - 14);
		f[24] = f[25] = 0;
		s = 0;
		for (unsigned i = 14; i < tcp; i += 2)
			s += (uint32_t)f[i] << 8 | f[i + 1];
		c = (uint16_t)~fold(s);
		f[24] = (uint8_t)(c >> 8);
		f[25] = (uint8_t)c;
		h = (struct plat_net_hdr){ PLAT_NET_NEEDS_CSUM, PLAT_NET_GSO_TCPV4, (uint16_t)hl,
					   (uint16_t)mss,	(uint16_t)tcp,	    16 };
	}
	return send(dev, f, len, &h);
}

int tc_offload_flush(void)
{
	if (!glen)
		return 0;
	size_t len = glen;
	glen = 0;
	return send_tcp(gdev, gso, len, ghl, gmss);
}

/* Does f (a TCP frame, hl bytes of headers) continue the merged frame?
 * The same headers but for the IP length, ID and checksum and the TCP
 * sequence number, flags and checksum; the next sequence number; payload
 * no larger than the first's; an ACK with nothing else, or PSH too. */
static int continues(int dev, const uint8_t *f, size_t len, unsigned hl)
{
	unsigned tcp = 14 + (gso[14] & 15) * 4u;
	return glen && dev == gdev && hl == ghl && len - hl <= gmss && glen + (len - hl) <= sizeof gso &&
	       (f[tcp + 13] & ~0x08) == 0x10 && !memcmp(f, gso, 16) && !memcmp(f + 20, gso + 20, 4) &&
	       !memcmp(f + 26, gso + 26, tcp + 4 - 26) && !memcmp(f + tcp + 8, gso + tcp + 8, 5) &&
	       !memcmp(f + tcp + 14, gso + tcp + 14, 2) && !memcmp(f + tcp + 18, gso + tcp + 18, hl - tcp - 18) &&
	       be32(f + tcp + 4) == be32(gso + tcp + 4) + (uint32_t)(glen - ghl);
}

int tc_offload_send(int dev, unsigned offload, const void *frame, size_t len)
{
	const uint8_t *f = frame;
	unsigned hl = tcp_hlen(f, len);
	if (!hl) {
		int r = tc_offload_flush();
		return r ? r : send(dev, f, len, NULL);
	}
	unsigned tcp = 14 + (f[14] & 15) * 4u, flags = f[tcp + 13];
	if ((offload & PLAT_NET_OFF_TSO4) && continues(dev, f, len, hl)) {
		memcpy(gso + glen, f + hl, len - hl);
		glen += len - hl;
		gso[tcp + 13] = (uint8_t)flags;
		/* A short segment or a push ends it, as one that would not fit. */
		return len - hl < gmss || (flags & 0x08) || glen + gmss > sizeof gso ? tc_offload_flush() : 0;
	}
	int r = tc_offload_flush();
	if (r)
		return r;
	if ((offload & PLAT_NET_OFF_TSO4) && flags == 0x10 && len > hl) {
		/* A full segment with nothing but an ACK may start a merge. */
		memcpy(gso, f, len);
		glen = len;
		gdev = dev;
		ghl = hl;
		gmss = (unsigned)(len - hl);
		return 0;
	}
	memcpy(gso, f, len);
	return send_tcp(dev, gso, len, hl, (unsigned)(len - hl));
}

/*
 * TCP offloads on the way out, for net devices whose platform takes them
 * (plat_net_info's offload).  The TCP checksum is left to the host: lwIP
 * computes none on such a netif (stack.c), only the pseudo-header's sum
 * goes in.  And consecutive full segments of one connection, as
 * tcp_output() hands them over one after another, leave as one frame of
 * up to 64 KiB that the host cuts into the same segments again (TSO): one
 * run of ring slots and one write on the host for up to 44 segments.  The
 * payloads are not copied here: the segments' pbufs are held (lwIP never
 * changes a payload it sent) and the platform gathers them; only the first
 * segment's headers are copied, to be rewritten for the whole.  A frame
 * waits here only until the next frame that does not continue it, or
 * tc_offload_flush() (stack.c calls it before every flush and wait).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lwip/pbuf.h"

#include "offload.h"
#include "../internal.h"

#define SEGS 44 /* 44 * 1460 + headers: 64 KiB */

static uint8_t ghdr[14 + 60 + 60]; /* the merged frame's headers */
static struct plat_net_piece gv[1 + SEGS]; /* ghdr, then each payload */
static struct pbuf *gp[SEGS]; /* held while gv points into them */
static unsigned gn; /* payloads; 0: nothing waits */
static size_t glen;
static int gdev;
static unsigned ghl, gmss; /* the header length, and the first payload's */

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

static int send(int dev, const struct plat_net_piece *v, unsigned n, const struct plat_net_hdr *h)
{
	int r = plat_net_send(dev, v, n, h);
	if (r == -EAGAIN) {
		/* The ring is full: push it out, then there is room. */
		plat_net_flush();
		r = plat_net_send(dev, v, n, h);
	}
	return r;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int tc_offload_flush(void)
{
	if (!gn)
		return 0;
	/* The checksum left to the device: the pseudo-header's sum goes in. */
	uint8_t *f = ghdr;
	unsigned tcp = 14 + (f[14] & 15) * 4u;
	uint32_t s = 6 + (uint32_t)(glen - tcp);
	for (unsigned i = 26; i < 34; i += 2)
		s += (uint32_t)f[i] << 8 | f[i + 1];
	uint16_t c = fold(s);
	f[tcp + 16] = (uint8_t)(c >> 8);
	f[tcp + 17] = (uint8_t)c;
	struct plat_net_hdr h = { PLAT_NET_NEEDS_CSUM, 0, 0, 0, (uint16_t)tcp, 16 };
	if (gn > 1) {
		/* Merged: the IP header for the whole, its checksum again. */
		f[16] = (uint8_t)((glen - 14) >> 8);
		f[17] = (uint8_t)(glen - 14);
		f[24] = f[25] = 0;
		s = 0;
		for (unsigned i = 14; i < tcp; i += 2)
			s += (uint32_t)f[i] << 8 | f[i + 1];
		c = (uint16_t)~fold(s);
		f[24] = (uint8_t)(c >> 8);
		f[25] = (uint8_t)c;
		h = (struct plat_net_hdr){ PLAT_NET_NEEDS_CSUM, PLAT_NET_GSO_TCPV4, (uint16_t)ghl,
					   (uint16_t)gmss,	(uint16_t)tcp,	    16 };
	}
	unsigned n = gn;
	gn = 0;
	int r = send(gdev, gv, n + 1, &h);
	for (unsigned i = 0; i < n; i++)
		pbuf_free(gp[i]);
	return r;
}

/* Does f (a TCP frame, hl bytes of headers) continue the merged frame?
 * The same headers but for the IP length, ID and checksum and the TCP
 * sequence number, flags and checksum; the next sequence number; payload
 * no larger than the first's; an ACK with nothing else, or PSH too. */
static int continues(int dev, const uint8_t *f, size_t len, unsigned hl)
{
	const uint8_t *g = ghdr;
	unsigned tcp = 14 + (g[14] & 15) * 4u;
	return gn && gn < SEGS && dev == gdev && hl == ghl && len - hl <= gmss && glen + (len - hl) <= 65535 &&
	       (f[tcp + 13] & ~0x08) == 0x10 && !memcmp(f, g, 16) && !memcmp(f + 20, g + 20, 4) &&
	       !memcmp(f + 26, g + 26, tcp + 4 - 26) && !memcmp(f + tcp + 8, g + tcp + 8, 5) &&
	       !memcmp(f + tcp + 14, g + tcp + 14, 2) && !memcmp(f + tcp + 18, g + tcp + 18, hl - tcp - 18) &&
	       be32(f + tcp + 4) == be32(g + tcp + 4) + (uint32_t)(glen - ghl);
}

/* A TCP/IPv6 frame (no extension headers) leaves at once with its checksum
 * computed here: the device's offload takes IPv4 only (the monitor checks
 * every offload header against IPv4's), and lwIP computed none. */
static int send_tcp6(int dev, uint8_t *f, size_t len)
{
	size_t tl = len - 54;
	uint64_t s = 6 + (uint64_t)tl;
	f[54 + 16] = f[54 + 17] = 0;
	for (unsigned i = 22; i < 54; i += 2)
		s += (uint32_t)f[i] << 8 | f[i + 1];
	for (size_t i = 54; i + 1 < len; i += 2)
		s += (uint32_t)f[i] << 8 | f[i + 1];
	if (tl & 1)
		s += (uint32_t)f[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	uint16_t c = (uint16_t)~s;
	f[54 + 16] = (uint8_t)(c >> 8);
	f[54 + 17] = (uint8_t)c;
	return send(dev, &(struct plat_net_piece){ f, len }, 1, NULL);
}

int tc_offload_send(int dev, unsigned offload, struct pbuf *p, const void *frame)
{
	const uint8_t *f = frame;
	size_t len = p->tot_len;
	if (len >= 74 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 6 && len == 54 + ((size_t)f[18] << 8 | f[19])) {
		int r = tc_offload_flush();
		/* lwIP wrote 0 in the checksum (no TCP checksums on this
		 * netif: stack.c); the frame is ours to finish. */
		return r ? r : send_tcp6(dev, (uint8_t *)f, len);
	}
	/* Only a frame in one pbuf is held; a gathered one (frame) is sent now. */
	unsigned hl = tcp_hlen(f, len), tso = (offload & PLAT_NET_OFF_TSO4) && frame == p->payload;
	if (!hl) {
		int r = tc_offload_flush();
		return r ? r : send(dev, &(struct plat_net_piece){ f, len }, 1, NULL);
	}
	unsigned tcp = 14 + (f[14] & 15) * 4u, flags = f[tcp + 13];
	if (tso && continues(dev, f, len, hl)) {
		pbuf_ref(p);
		gp[gn] = p;
		gv[++gn] = (struct plat_net_piece){ f + hl, len - hl };
		glen += len - hl;
		ghdr[tcp + 13] = (uint8_t)flags;
		/* A short segment or a push ends it, as one that would not fit. */
		return len - hl < gmss || (flags & 0x08) || gn == SEGS || glen + gmss > 65535 ? tc_offload_flush() : 0;
	}
	int r = tc_offload_flush();
	if (r)
		return r;
	/* A frame of its own, or the start of a merge: a full segment with
	 * nothing but an ACK. */
	memcpy(ghdr, f, hl);
	gv[0] = (struct plat_net_piece){ ghdr, hl };
	gv[1] = (struct plat_net_piece){ f + hl, len - hl };
	pbuf_ref(p);
	gp[0] = p;
	gn = 1;
	glen = len;
	gdev = dev;
	ghl = hl;
	gmss = (unsigned)(len - hl);
	return tso && flags == 0x10 && len > hl ? 0 : tc_offload_flush();
}

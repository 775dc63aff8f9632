/*
 * The KVM platform's net devices: one ring per device shared with
 * tincan-run (platforms/kvm/abi.h), with NBUF transmit and NBUF receive
 * buffers, all in the memory libos hands plat_net_open.  Receive buffers stay posted to the monitor, which fills them
 * while it handles a wait or net_io exit; frames the guest sends wait in
 * the ring until the next such exit.  A frame longer than a buffer (the
 * host's offloads, TC_NET_OFF_TSO4) takes consecutive slots, and so
 * consecutive buffers (slot i always has buffer i % NBUF).  Frames to send
 * lie back to back in the tx half, one slot each.
 */
#include <errno.h>
#include <string.h>

#include "hypercall.h"
#include <tincan/platform.h>

#define NBUF 256 /* a full ring each way: 7 of the host's merged 64 KiB frames a wait */
#define BUFSZ 2048
/* The memory a device takes: its ring, then 2 * NBUF buffers. */
#define RING_SIZE ((sizeof(struct tc_net_ring) + 63) & ~(size_t)63)
#define MEM (RING_SIZE + 2 * NBUF * BUFSZ)
#define TXAREA (NBUF * BUFSZ) /* the tx half: frames back to back */

_Static_assert(sizeof(struct plat_net_hdr) == 10 && PLAT_NET_NEEDS_CSUM == TC_NET_NEEDS_CSUM &&
		   PLAT_NET_GSO_TCPV4 == TC_NET_GSO_TCPV4 && PLAT_NET_OFF_CSUM == TC_NET_OFF_CSUM &&
		   PLAT_NET_OFF_TSO4 == TC_NET_OFF_TSO4,
	       "plat_net_hdr is tc_net_desc's header");

struct dev {
	struct tc_net_ring *ring;
	uint8_t *bufs; /* NBUF rx buffers, then the tx area (as large) */
	uint32_t rx_seen;
	size_t tx_at; /* where the next frame goes in the tx area */
	struct plat_net_info info;
};

static struct dev devs[PLAT_NET_MAX];
static int ndevs = -1;
extern const struct tc_boot_info *tc_kvm_boot_info;

int plat_net_count(void)
{
	if (ndevs < 0) {
		const struct tc_boot_info *bi = tc_kvm_boot_info;
		ndevs = bi->nnet < PLAT_NET_MAX ? (int)bi->nnet : PLAT_NET_MAX;
		for (int i = 0; i < ndevs; i++) {
			struct plat_net_info *n = &devs[i].info;
			memcpy(n->name, bi->net[i].name, sizeof n->name);
			n->name[sizeof n->name - 1] = '\0';
			memcpy(n->mac, bi->net[i].mac, 6);
			n->mtu = bi->net[i].mtu;
			n->ip4 = bi->net[i].ip4;
			n->prefix = bi->net[i].prefix;
			n->gw4 = bi->net[i].gw4;
			n->mem = MEM;
			n->offload = bi->net[i].offload; /* TC_NET_OFF_* are PLAT_NET_OFF_* */
		}
	}
	return ndevs;
}

const struct plat_net_info *plat_net_info(int dev)
{
	return dev >= 0 && dev < plat_net_count() ? &devs[dev].info : NULL;
}

int plat_net_open(int dev, void *mem)
{
	if (!plat_net_info(dev))
		return -ENODEV;
	struct dev *d = &devs[dev];
	if (d->ring)
		return -EBUSY;
	if ((uintptr_t)mem % 64)
		return -EINVAL;
	struct tc_net_ring *r = mem;
	uint8_t *b = (uint8_t *)mem + RING_SIZE;
	memset(r, 0, sizeof *r);
	struct tc_hc_net_setup s = { (uint64_t)dev, (uint64_t)(uintptr_t)r, 0 };
	tc_hypercall(TC_HC_NET_SETUP, &s);
	if (s.ret)
		return -EIO;
	for (uint32_t i = 0; i < NBUF; i++) {
		r->rx[i] =
		    (struct tc_net_desc){ .addr = (uint64_t)(uintptr_t)(b + i * BUFSZ), .len = BUFSZ, .flags = 0 };
	}
	__atomic_store_n(&r->rx_prod, NBUF, __ATOMIC_RELEASE);
	d->bufs = b;
	d->rx_seen = 0;
	d->ring = r;
	return 0;
}

int plat_net_send(int dev, const struct plat_net_piece *v, unsigned n, const struct plat_net_hdr *hdr)
{
	struct dev *d = &devs[dev];
	struct tc_net_ring *r = d->ring;
	if (!r)
		return -ENODEV;
	size_t len = 0;
	for (unsigned i = 0; i < n; i++)
		len += v[i].len;
	if (len < TC_NET_FRAME_MIN || len > (hdr && hdr->gso_type ? TC_NET_GSO_MAX : TC_NET_FRAME_MAX))
		return -EMSGSIZE;
	/* The tx area is a ring of bytes: a frame goes whole after the last
	 * one (or at the start, if that one lies after the oldest not yet
	 * sent), and never up to the oldest, so that where the next would go
	 * is never where that one is. */
	uint32_t prod = r->tx_prod, cons = __atomic_load_n(&r->tx_cons, __ATOMIC_ACQUIRE);
	uint8_t *base = d->bufs + NBUF * BUFSZ;
	size_t at = prod == cons ? 0 : d->tx_at, old = (uintptr_t)r->tx[cons % TC_NET_RING].addr - (uintptr_t)base;
	if (at + len > TXAREA) {
		if (prod != cons && at < old)
			return -EAGAIN;
		at = 0;
	}
	if (prod - cons == TC_NET_RING || (prod != cons && at <= old && at + len >= old))
		return -EAGAIN;
	uint8_t *dst = base + at;
	for (unsigned i = 0; i < n; i++) {
		memcpy(dst, v[i].p, v[i].len);
		dst += v[i].len;
	}
	struct tc_net_desc *t = &r->tx[prod % TC_NET_RING];
	*t = (struct tc_net_desc){ .addr = (uint64_t)(uintptr_t)(base + at), .len = (uint32_t)len };
	if (hdr)
		memcpy(&t->csum_flags, hdr, sizeof *hdr);
	d->tx_at = at + len;
	__atomic_store_n(&r->tx_prod, prod + 1, __ATOMIC_RELEASE);
	return 0;
}

const void *plat_net_recv(int dev, size_t *len, unsigned *flags)
{
	struct dev *d = &devs[dev];
	struct tc_net_ring *r = d->ring;
	if (!r || d->rx_seen == __atomic_load_n(&r->rx_cons, __ATOMIC_ACQUIRE))
		return NULL;
	struct tc_net_desc *desc = &r->rx[d->rx_seen % TC_NET_RING];
	*len = desc->len;
	*flags = (desc->flags & TC_NET_MORE ? PLAT_NET_MORE : 0) |
		 (desc->csum_flags & (TC_NET_NEEDS_CSUM | TC_NET_DATA_VALID) ? PLAT_NET_CSUM_OK : 0);
	return (const void *)(uintptr_t)desc->addr;
}

void plat_net_release(int dev)
{
	struct dev *d = &devs[dev];
	struct tc_net_ring *r = d->ring;
	/* Post the same buffer again at the end of the ring. */
	uint64_t addr = r->rx[d->rx_seen % TC_NET_RING].addr;
	d->rx_seen++;
	r->rx[r->rx_prod % TC_NET_RING] = (struct tc_net_desc){ .addr = addr, .len = BUFSZ, .flags = 0 };
	__atomic_store_n(&r->rx_prod, r->rx_prod + 1, __ATOMIC_RELEASE);
}

void plat_net_flush(void)
{
	uint64_t mask = 0;
	for (int i = 0; i < plat_net_count(); i++)
		if (devs[i].ring)
			mask |= 1ULL << i;
	if (!mask)
		return;
	struct tc_hc_net_io a = { mask, 0 };
	tc_hypercall(TC_HC_NET_IO, &a);
}

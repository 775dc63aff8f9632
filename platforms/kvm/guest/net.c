/*
 * The KVM platform's net devices: one ring per device shared with
 * tincan-run (platforms/kvm/abi.h), with NBUF transmit and NBUF receive
 * buffers, all in the memory libos hands plat_net_open.  The monitor fills
 * posted receive buffers while it handles a wait or net_io exit; frames the
 * guest sends wait in the ring until the next such exit.  A frame longer
 * than a buffer (the host's offloads, TC_NET_OFF_TSO4) takes consecutive
 * slots.  Frames to send lie back to back in the tx half, one slot each.
 *
 * Receive window: every buffer the monitor writes is a page the host backs
 * from then on, so only a window of buffers is posted (at first what the
 * monitor needs for one frame, rx_need, and 7 more), always the lowest free
 * ones, lowest first: the buffers ever written are the fewest the busiest
 * moment needed, not every buffer in turn (a guest on a bridge gets a
 * broadcast frame now and then: with all NBUF posted in turn, all 512 KiB
 * were backed after NBUF of them).  Before each exit that may fill them
 * (net_io, wait) the posted but unfilled descriptors are rewritten (the
 * monitor reads descriptors only during those exits) and topped up to the
 * window; when the monitor stopped filling because fewer than rx_need were
 * left, the window was too small for the traffic and doubles, up to NBUF:
 * at once for a frame in pieces, after WIN_SHORT waits in a row for whole
 * frames (which wait in the tap meanwhile, not lost).
 * It never shrinks: the pages stay backed anyway (nothing gives them back).
 */
#include <errno.h>
#include <string.h>

#include "hypercall.h"
#include <tincan/platform.h>

#define NBUF 256 /* a full ring each way: 7 of the host's merged 64 KiB frames a wait */
#define WIN_SPARE 7 /* the first window: rx_need and this many more */
#define WIN_SHORT 4 /* waits in a row that whole frames use up the window before it grows */
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
	/* tests/tools/guestpages.c reads these two: */
	struct tc_net_ring *ring;
	uint8_t *bufs; /* NBUF rx buffers, then the tx area (as large) */
	uint32_t rx_seen; /* the oldest slot handed to libos and not released */
	uint32_t rx_next; /* the next slot to hand to libos */
	uint32_t rx_need; /* buffers the monitor wants posted to take a frame */
	uint32_t rx_win; /* buffers to keep posted */
	uint32_t rx_posted; /* rx_cons at the last post */
	uint32_t rx_short; /* posts in a row that found the window used up by whole frames */
	uint64_t rx_free[NBUF / 64]; /* bit b: buffer b is neither posted nor held */
	size_t tx_at; /* where the next frame goes in the tx area */
	int raw; /* plat_net_raw: no offloads, also after a restore */
	struct plat_net_info info;
};

static struct dev devs[PLAT_NET_MAX];
static int ndevs = -1;
extern const struct tc_boot_info *tc_kvm_boot_info;
extern unsigned (*tc_kvm_net_before_wait)(void);
extern void (*tc_kvm_net_restored)(void);

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

/* The buffer in rx slot s is free again (the monitor writes a filled
 * slot's length and flags, never its address). */
static void buf_free(struct dev *d, uint32_t s)
{
	size_t b = (size_t)((uint8_t *)(uintptr_t)d->ring->rx[s % TC_NET_RING].addr - d->bufs) / BUFSZ;
	d->rx_free[b / 64] |= 1ULL << (b % 64);
}

/* Post the window: the slots from rx_cons on get the lowest free buffers,
 * lowest first, including the slots posted before and not filled (their
 * buffers go back first).  Called before every exit that may fill them. */
static void post(struct dev *d)
{
	struct tc_net_ring *r = d->ring;
	uint32_t cons = __atomic_load_n(&r->rx_cons, __ATOMIC_ACQUIRE), prod = r->rx_prod;
	if (cons != d->rx_posted && prod - cons < d->rx_need && d->rx_win < NBUF) {
		/* Used up.  A frame in pieces (the host's merged segments) wants
		 * the room now; whole frames only wait in the tap for the next
		 * exit, so for them the window grows only when they keep using it
		 * up (a flood, not a neighbour's burst of broadcasts). */
		int pieces = 0;
		for (uint32_t s = d->rx_posted; s != cons && !pieces; s++)
			pieces = r->rx[s % TC_NET_RING].flags & TC_NET_MORE;
		if (pieces || ++d->rx_short == WIN_SHORT) {
			d->rx_win = d->rx_win * 2 < NBUF ? d->rx_win * 2 : NBUF;
			d->rx_short = 0;
		}
	} else if (cons != d->rx_posted) {
		d->rx_short = 0;
	}
	d->rx_posted = cons;
	for (uint32_t s = cons; s != prod; s++)
		buf_free(d, s);
	uint32_t s = cons;
	for (unsigned w = 0; w < NBUF / 64 && s - cons < d->rx_win; w++) {
		while (d->rx_free[w] && s - cons < d->rx_win) {
			unsigned b = w * 64 + (unsigned)__builtin_ctzll(d->rx_free[w]);
			d->rx_free[w] &= d->rx_free[w] - 1;
			r->rx[s++ % TC_NET_RING] = (struct tc_net_desc){
				.addr = (uint64_t)(uintptr_t)(d->bufs + b * BUFSZ), .len = BUFSZ, .flags = 0
			};
		}
	}
	__atomic_store_n(&r->rx_prod, s, __ATOMIC_RELEASE);
}

/* Before a wait: post every open device's window; returns the devices
 * with frames filled and not yet handed to libos (a net_io exit on the
 * way may have filled them), for which the wait must not sleep
 * (platform.c's plat_wait, through tc_kvm_net_before_wait). */
static unsigned before_wait(void)
{
	unsigned ready = 0;
	for (int i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		if (!d->ring)
			continue;
		post(d);
		if (d->rx_next != d->rx_posted)
			ready |= PLAT_EV_NET(i);
	}
	return ready;
}

static int raw_eio; /* the last refusal of raw frames was the host's */

/* Attach an empty ring at r, every buffer free (the window as it was). */
static int attach(int dev, struct tc_net_ring *r)
{
	struct dev *d = &devs[dev];
	memset(r, 0, sizeof *r);
	struct tc_hc_net_setup s = { (uint64_t)dev | (d->raw ? TC_NET_SETUP_RAW : 0), (uint64_t)(uintptr_t)r, 0 };
	tc_hypercall(TC_HC_NET_SETUP, &s);
	if (s.ret && d->raw) {
		/* A monitor without raw devices (or a host that refused to
		 * turn the offloads off: -TC_EIO): offloads stay. */
		raw_eio = s.ret == -TC_EIO;
		d->raw = 0;
		s = (struct tc_hc_net_setup){ (uint64_t)dev, (uint64_t)(uintptr_t)r, 0 };
		tc_hypercall(TC_HC_NET_SETUP, &s);
	}
	if (s.ret)
		return -EIO;
	if (d->raw)
		d->info.offload = 0;
	d->rx_seen = d->rx_next = 0;
	d->rx_need = d->info.offload & PLAT_NET_OFF_TSO4 ? TC_NET_CHAIN_MAX : 1;
	if (d->rx_win < d->rx_need + WIN_SPARE)
		d->rx_win = d->rx_need + WIN_SPARE;
	d->rx_posted = 0;
	d->rx_short = 0;
	memset(d->rx_free, 0xff, sizeof d->rx_free);
	d->tx_at = 0;
	d->ring = r;
	post(d);
	return 0;
}

/* Restored from a snapshot: the new host's MAC, addresses and offloads,
 * and each open ring attached to the new monitor, empty: frames queued or
 * received and not yet handed to libos were the old host's.  Frames libos
 * still holds (netfn may, during a wait) are the old host's too: their
 * buffers are free again at once, and releasing them later frees none. */
static void restored(void)
{
	ndevs = -1;
	plat_net_count();
	for (int i = 0; i < ndevs; i++)
		if (devs[i].ring && attach(i, devs[i].ring))
			devs[i].ring = NULL; /* sends fail with -ENODEV, nothing arrives */
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
	d->bufs = (uint8_t *)mem + RING_SIZE;
	d->rx_win = 0;
	int r = attach(dev, mem);
	if (r)
		return r;
	tc_kvm_net_before_wait = before_wait;
	tc_kvm_net_restored = restored;
	return 0;
}

int plat_net_raw(int dev)
{
	struct dev *d = dev >= 0 && dev < ndevs ? &devs[dev] : NULL;
	if (!d || !d->ring)
		return -ENODEV;
	if (d->raw)
		return 0;
	d->raw = 1;
	if (!d->info.offload)
		return 0; /* nothing to turn off (a restore asks the new host) */
	/* Queued frames leave first; the ring starts again, empty. */
	plat_net_flush();
	int r = attach(dev, d->ring);
	return r ? r : d->raw ? 0 : raw_eio ? -EIO : -ENOSYS;
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
	/* Offloads the device no longer grants (plat_net_raw): never handed
	 * to the monitor, which would stop the guest for them. */
	if (hdr && (hdr->gso_type || hdr->csum_flags) &&
	    !(d->info.offload & (hdr->gso_type ? PLAT_NET_OFF_TSO4 : PLAT_NET_OFF_CSUM)))
		return -EINVAL;
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
	if (!r || d->rx_next == __atomic_load_n(&r->rx_cons, __ATOMIC_ACQUIRE))
		return NULL;
	struct tc_net_desc *desc = &r->rx[d->rx_next++ % TC_NET_RING];
	*len = desc->len;
	*flags = (desc->flags & TC_NET_MORE ? PLAT_NET_MORE : 0) |
		 /* Raw frames: a partial checksum is never right. */
		 (desc->csum_flags & ((d->raw ? 0 : TC_NET_NEEDS_CSUM) | TC_NET_DATA_VALID) ? PLAT_NET_CSUM_OK : 0);
	return (const void *)(uintptr_t)desc->addr;
}

void plat_net_release(int dev)
{
	/* The buffers are free again; posted again before the next exit. */
	struct dev *d = &devs[dev];
	while (d->rx_seen != d->rx_next)
		buf_free(d, d->rx_seen++);
}

void plat_net_flush(void)
{
	uint64_t mask = 0;
	for (int i = 0; i < plat_net_count(); i++)
		if (devs[i].ring)
			mask |= 1ULL << i;
	if (!mask)
		return;
	for (int i = 0; i < ndevs; i++)
		if (devs[i].ring)
			post(&devs[i]);
	struct tc_hc_net_io a = { mask, 0 };
	tc_hypercall(TC_HC_NET_IO, &a);
}

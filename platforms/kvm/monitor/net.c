/*
 * Net ring I/O: frames move between each attached tap (tap.c) and the
 * guest's ring in batches (see abi.h), on TC_HC_NET_IO or a wait.  The
 * monitor keeps its own copies of the consumer indices and of the ring's
 * address; every producer index, descriptor, address and length the guest
 * writes is checked before use, and a lie stops the guest (TC_STATUS_ABI).
 */
#include <errno.h>
#include <stddef.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"
#include "net.h"

/* A descriptor's offload fields are virtio-net's header, as the tap reads
 * and writes it. */
_Static_assert(offsetof(struct tc_net_desc, csum_offset) + 2 - offsetof(struct tc_net_desc, csum_flags) ==
		   sizeof(struct virtio_net_hdr),
	       "tc_net_desc's header");

#ifdef TINCAN_DEBUG
_Static_assert(DBG_NICS >= TC_NET_DEV_MAX, "a counter for every net device");
#endif

#define NET_EV_SHIFT 8 /* TC_EV_NET(dev) */
#define NET_EV_MASK ((1ULL << TC_NET_DEV_MAX) - 1)

static void hc_net_setup(struct vm *vm, void *arg)
{
	struct tc_hc_net_setup *a = arg;
	uint64_t dev = a->dev & ~TC_NET_SETUP_RAW;
	if (dev >= net_ndevs) {
		a->ret = -TC_EINVAL;
		return;
	}
	struct tc_net_ring *r = (a->ring % 8) ? NULL : gm_ptr(&vm->gm, a->ring, sizeof *r, GM_R | GM_W);
	if (!r)
		guest_fatal(vm, TC_STATUS_ABI,
			    "guest passed a bad net ring address 0x%llx (must be %zu writable bytes)",
			    (unsigned long long)a->ring, sizeof *r);
	struct net_dev *d = &net_devs[dev];
	/* Raw frames: whole, checksummed (seccomp.c allows this); the tap's
	 * offloads go off once a run, and a failure is the guest's to know.
	 * Frames the tap queued before carry offloads: receive() drops them. */
	if (a->dev != dev && d->offload) {
		if (ioctl(d->fd, TUNSETOFFLOAD, 0)) {
			a->ret = -TC_EIO;
			return;
		}
		d->offload = 0;
	}
	d->ring = r;
	d->tx_cons = r->tx_prod;
	d->rx_cons = r->rx_prod;
	r->tx_cons = d->tx_cons;
	r->rx_cons = d->rx_cons;
	a->ret = 0;
}

static void lie(struct vm *vm, unsigned dev, const char *what, uint64_t v)
{
	guest_fatal(vm, TC_STATUS_ABI, "guest's net ring %u: %s (0x%llx)", dev, what, (unsigned long long)v);
}

/* The offload fields of a frame the guest sends (t; f, len bytes): none,
 * or exactly what its own Ethernet, IPv4 and TCP headers call for, within
 * the device's offloads.  h: what the tap gets. */
static void tx_offload(struct vm *vm, unsigned i, const struct tc_net_desc *t, const uint8_t *f, uint32_t len,
		       struct virtio_net_hdr *h)
{
	/* Read only within the frame: tcp is 0 unless the IP header is there. */
	unsigned off = net_devs[i].offload, tcp = len >= 34 ? 14 + (f[14] & 15) * 4u : 0, gso = t->gso_type;
	unsigned hl = tcp && len >= tcp + 20 && f[tcp + 12] >= 0x50 ? tcp + (f[tcp + 12] >> 4) * 4u : 0;
	struct virtio_net_hdr want = { VIRTIO_NET_HDR_F_NEEDS_CSUM, (uint8_t)gso,  (uint16_t)(gso ? hl : 0),
				       gso ? t->gso_size : 0,	    (uint16_t)tcp, 16 };
	memcpy(h, &t->csum_flags, sizeof *h);
	if (!gso && len > TC_NET_FRAME_MAX)
		lie(vm, i, "tx frame length out of range", len);
	if (!h->flags && !gso) {
		*h = (struct virtio_net_hdr){ 0 }; /* the rest ignored */
		return;
	}
	/* IPv4 with a header of 20 bytes or more, TCP with one of 20 or more,
	 * the headers whole; segments of 1 to MTU - headers bytes. */
	if (memcmp(h, &want, sizeof want) || !(off & TC_NET_OFF_CSUM) || !hl || hl > len || f[12] != 8 || f[13] ||
	    f[14] < 0x45 || f[14] > 0x4f || f[23] != 6 ||
	    (gso && (gso != TC_NET_GSO_TCPV4 || !(off & TC_NET_OFF_TSO4) ||
		     t->gso_size - 1u > TC_NET_FRAME_MAX - 1 - hl || len <= hl)))
		lie(vm, i, "bad tx offload header", (uint64_t)gso << 8 | h->flags);
}

static void send_queued(struct vm *vm, unsigned i)
{
	struct net_dev *d = &net_devs[i];
	struct tc_net_ring *r = d->ring;
	uint32_t prod = __atomic_load_n(&r->tx_prod, __ATOMIC_ACQUIRE);

	if (prod - d->tx_cons > TC_NET_RING)
		lie(vm, i, "more frames queued than the ring holds", prod - d->tx_cons);
	for (; d->tx_cons != prod; d->tx_cons++) {
		struct tc_net_desc t = r->tx[d->tx_cons % TC_NET_RING];
		struct virtio_net_hdr h;
		if (t.flags)
			lie(vm, i, "unknown tx descriptor flags", t.flags);
		if (t.len < TC_NET_FRAME_MIN || t.len > TC_NET_GSO_MAX)
			lie(vm, i, "tx frame length out of range", t.len);
		const uint8_t *p = gm_ptr(&vm->gm, t.addr, t.len, GM_R);
		if (!p)
			lie(vm, i, "tx frame outside readable guest memory", t.addr);
		tx_offload(vm, i, &t, p, t.len, &h);
		/* A source MAC not the guest's (a broadcast one never is),
		 * unless --net-allow-spoof, or a frame over --net-rate (which
		 * grants no segmentation offload, so a frame is one on the
		 * wire): dropped, counted for --stats. */
		uint64_t *drop = memcmp(p + 6, d->mac, 6) && !d->spoof	  ? &vm->forged
				 : d->rate.rate && !bucket_fill(&d->rate) ? &vm->over_rate
									  : NULL;
		if (drop) {
			++*drop;
			r->tx_dropped++;
			DBG_COUNT(nic[i].tx_drops, 1);
			continue;
		}
		d->rate.tokens--; /* unused without a rate */
		/* Non-blocking, and host signals are blocked here: no EINTR. */
		struct iovec iov[2] = { { &h, sizeof h }, { (void *)p, t.len } };
		if (writev(d->fd, iov, 2) != (ssize_t)(t.len + sizeof h)) {
			r->tx_dropped++;
			DBG_COUNT(nic[i].tx_drops, 1);
		} else {
			DBG_COUNT(nic[i].tx_frames, 1);
			DBG_COUNT(nic[i].tx_bytes, t.len);
		}
	}
	r->tx_cons = d->tx_cons;
}

/* Buffers a device needs posted before the monitor reads a frame: a
 * merged TCP frame (TSO4) may fill TC_NET_CHAIN_MAX. */
static uint32_t rx_need(const struct net_dev *d)
{
	return d->offload & TC_NET_OFF_TSO4 ? TC_NET_CHAIN_MAX : 1;
}

static int receive(struct vm *vm, unsigned i)
{
	struct net_dev *d = &net_devs[i];
	struct tc_net_ring *r = d->ring;
	uint32_t prod = __atomic_load_n(&r->rx_prod, __ATOMIC_ACQUIRE), need = rx_need(d), n;
	int got = 0;

	if (prod - d->rx_cons > TC_NET_RING)
		lie(vm, i, "more rx buffers posted than the ring holds", prod - d->rx_cons);
	while (prod - d->rx_cons >= need) {
		/* The header, then the next `need` buffers: room for any frame. */
		struct iovec iov[1 + TC_NET_CHAIN_MAX];
		struct virtio_net_hdr h;
		size_t room = 0;
		iov[0] = (struct iovec){ &h, sizeof h };
		for (n = 1; n <= need; n++) {
			struct tc_net_desc s = r->rx[(d->rx_cons + n - 1) % TC_NET_RING];
			if (s.flags)
				lie(vm, i, "unknown rx descriptor flags", s.flags);
			if (s.len < TC_NET_FRAME_MAX)
				lie(vm, i, "rx buffer smaller than a frame", s.len);
			/* One buffer: the frame is cut to the MTU, as before offloads. */
			iov[n] =
			    (struct iovec){ gm_ptr(&vm->gm, s.addr, s.len, GM_W), need > 1 ? s.len : TC_NET_FRAME_MAX };
			if (!iov[n].iov_base)
				lie(vm, i, "rx buffer outside writable guest memory", s.addr);
			room += iov[n].iov_len;
		}
		ssize_t k = readv(d->fd, iov, (int)n); /* no EINTR either */
		if (k < 0 && errno != EAGAIN)
			die(TC_STATUS_HOST, "tap device '%s' failed: %m (was it deleted?)", d->tap);
		if (k <= (ssize_t)sizeof h)
			break;
		/* The tap says how long the frame was, not how much of it fit: a
		 * longer one (a VLAN tag, a jumbo MTU on the host) is dropped, as
		 * is one with offloads the device no longer grants (raw frames:
		 * the tap queued it before its offloads went off; GSO frames
		 * always have NEEDS_CSUM). */
		size_t left = (size_t)k - sizeof h;
		if (left > room || (!d->offload && h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
			DBG_COUNT(nic[i].rx_drops, 1);
			continue;
		}
		DBG_COUNT(nic[i].rx_frames, 1);
		DBG_COUNT(nic[i].rx_bytes, left);
		/* The frame fills the buffers in order; the host's header (for
		 * the guest to judge) goes in its first slot. */
		for (n = 1; left && n <= need; n++) {
			struct tc_net_desc *slot = &r->rx[d->rx_cons++ % TC_NET_RING];
			slot->len = (uint32_t)(left < iov[n].iov_len ? left : iov[n].iov_len);
			left -= slot->len;
			slot->flags = left ? TC_NET_MORE : 0;
			if (n == 1)
				memcpy(&slot->csum_flags, &h, sizeof h);
		}
		got++;
	}
	__atomic_store_n(&r->rx_cons, d->rx_cons, __ATOMIC_RELEASE);
	return got;
}

/* Send queued frames and fill posted buffers for the devices in mask;
 * returns the devices that received frames. */
static uint64_t net_io(struct vm *vm, uint64_t mask)
{
	uint64_t got = 0;
	for (unsigned i = 0; i < net_ndevs; i++) {
		if (!(mask & (1ULL << i)) || !net_devs[i].ring)
			continue;
		send_queued(vm, i);
		if (receive(vm, i))
			got |= 1ULL << i;
	}
	return got;
}

static void hc_net_io(struct vm *vm, void *arg)
{
	struct tc_hc_net_io *a = arg;
	if (a->devs >> net_ndevs)
		guest_fatal(vm, TC_STATUS_ABI, "guest asked net_io for devices it has not got (0x%llx)",
			    (unsigned long long)a->devs);
	a->ret = (int64_t)net_io(vm, a->devs);
}

static void fds(struct mod_fds *f)
{
	for (unsigned i = 0; i < net_ndevs; i++)
		fds_wait(f, net_devs[i].fd, TC_EV_NET(i), "a tap device went away (deleted while the guest ran?)");
}

/* One wait exit moves frames both ways: send what the guest queued and
 * hand over what already arrived ... */
static uint64_t wait_before(struct vm *vm, uint64_t wanted)
{
	uint64_t mask = (wanted >> NET_EV_SHIFT) & NET_EV_MASK;
	return mask ? net_io(vm, mask) << NET_EV_SHIFT : 0;
}

/* ... and frames that arrived while it slept go straight into the ring. */
static void wait_after(struct vm *vm, uint64_t ready)
{
	uint64_t mask = (ready >> NET_EV_SHIFT) & NET_EV_MASK;
	if (mask)
		net_io(vm, mask);
}

/* Devices that cannot take a frame: no ring yet, or too few rx buffers
 * posted (wait_before took what it could). */
static uint64_t wait_full(uint64_t wanted)
{
	uint64_t full = 0;
	for (unsigned i = 0; i < net_ndevs; i++) {
		const struct net_dev *d = &net_devs[i];
		if (!d->ring || __atomic_load_n(&d->ring->rx_prod, __ATOMIC_ACQUIRE) - d->rx_cons < rx_need(d))
			full |= TC_EV_NET(i);
	}
	return full & wanted;
}

static const struct hc_def hc[] = {
	HC_ENTRY(TC_HC_NET_SETUP, "net_setup", struct tc_hc_net_setup, ret, hc_net_setup),
	HC_ENTRY(TC_HC_NET_IO, "net_io", struct tc_hc_net_io, ret, hc_net_io),
};

const struct module net_module = {
	.fds = fds,
	.wait_before = wait_before,
	.wait_after = wait_after,
	.wait_full = wait_full,
	.hc = hc,
	.nhc = sizeof hc / sizeof hc[0],
};

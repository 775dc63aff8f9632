/*
 * Net ring I/O: frames move between each attached tap (tap.c) and the
 * guest's ring in batches (see abi.h), on TC_HC_NET_IO or a wait.  The
 * monitor keeps its own copies of the consumer indices and of the ring's
 * address; every producer index, descriptor, address and length the guest
 * writes is checked before use, and a lie stops the guest (TC_STATUS_ABI).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"
#include "net.h"

#define NET_EV_SHIFT 8 /* TC_EV_NET(dev) */
#define NET_EV_MASK ((1ULL << TC_NET_DEV_MAX) - 1)

static void hc_net_setup(struct vm *vm, void *arg)
{
	struct tc_hc_net_setup *a = arg;
	if (a->dev >= net_ndevs) {
		a->ret = -TC_EINVAL;
		return;
	}
	struct tc_net_ring *r = (a->ring % 8) ? NULL : gm_ptr(&vm->gm, a->ring, sizeof *r, GM_R | GM_W);
	if (!r)
		guest_fatal(vm, TC_STATUS_ABI,
			    "guest passed a bad net ring address 0x%llx (must be %zu writable bytes)",
			    (unsigned long long)a->ring, sizeof *r);
	struct net_dev *d = &net_devs[a->dev];
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

static void send_queued(struct vm *vm, unsigned i)
{
	struct net_dev *d = &net_devs[i];
	struct tc_net_ring *r = d->ring;
	uint32_t prod = __atomic_load_n(&r->tx_prod, __ATOMIC_ACQUIRE);

	if (prod - d->tx_cons > TC_NET_RING)
		lie(vm, i, "more frames queued than the ring holds", prod - d->tx_cons);
	for (; d->tx_cons != prod; d->tx_cons++) {
		struct tc_net_desc desc = r->tx[d->tx_cons % TC_NET_RING];
		if (desc.flags)
			lie(vm, i, "unknown tx descriptor flags", desc.flags);
		if (desc.len < TC_NET_FRAME_MIN || desc.len > TC_NET_FRAME_MAX)
			lie(vm, i, "tx frame length out of range", desc.len);
		const void *p = gm_ptr(&vm->gm, desc.addr, desc.len, GM_R);
		if (!p)
			lie(vm, i, "tx frame outside readable guest memory", desc.addr);
		/* A source MAC not the guest's (a broadcast one never is), or a
		 * frame over --net-rate: dropped, counted for --stats. */
		uint64_t *drop = memcmp((const uint8_t *)p + 6, d->mac, 6) ? &vm->forged
				 : d->rate.rate && !bucket_fill(&d->rate)  ? &vm->over_rate
									   : NULL;
		if (drop) {
			++*drop;
			r->tx_dropped++;
			continue;
		}
		d->rate.tokens--; /* unused without a rate */
		ssize_t n;
		do
			n = write(d->fd, p, desc.len);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)desc.len)
			r->tx_dropped++;
	}
	r->tx_cons = d->tx_cons;
}

static int receive(struct vm *vm, unsigned i)
{
	struct net_dev *d = &net_devs[i];
	struct tc_net_ring *r = d->ring;
	uint32_t prod = __atomic_load_n(&r->rx_prod, __ATOMIC_ACQUIRE);
	int got = 0;

	if (prod - d->rx_cons > TC_NET_RING)
		lie(vm, i, "more rx buffers posted than the ring holds", prod - d->rx_cons);
	for (; d->rx_cons != prod; d->rx_cons++) {
		struct tc_net_desc *slot = &r->rx[d->rx_cons % TC_NET_RING];
		struct tc_net_desc desc = *slot;
		if (desc.flags)
			lie(vm, i, "unknown rx descriptor flags", desc.flags);
		if (desc.len < TC_NET_FRAME_MAX)
			lie(vm, i, "rx buffer smaller than a frame", desc.len);
		void *p = gm_ptr(&vm->gm, desc.addr, TC_NET_FRAME_MAX, GM_W);
		if (!p)
			lie(vm, i, "rx buffer outside writable guest memory", desc.addr);
		ssize_t n;
		do
			n = read(d->fd, p, TC_NET_FRAME_MAX);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN)
			die(TC_STATUS_HOST, "tap device '%s' failed: %s (was it deleted?)", d->tap, strerror(errno));
		if (n <= 0)
			break;
		slot->len = (uint32_t)n;
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

/* Devices that cannot take a frame: no ring yet, or every rx buffer posted
 * already filled (wait_before took what it could). */
static uint64_t wait_full(uint64_t wanted)
{
	uint64_t full = 0;
	for (unsigned i = 0; i < net_ndevs; i++) {
		const struct net_dev *d = &net_devs[i];
		if (!d->ring || __atomic_load_n(&d->ring->rx_prod, __ATOMIC_ACQUIRE) == d->rx_cons)
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

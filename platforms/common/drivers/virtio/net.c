/*
 * virtio-net (virtio 1.0, 5.1) as libos's net devices: a receive and a
 * transmit queue per device, with NBUF receive and NBUF transmit buffers
 * of BUFSZ bytes, all in the memory libos hands plat_net_open.  Receive
 * buffers stay posted; a frame is handed to libos where the device wrote
 * it (libos may hold many) and posted again on release.  Sends copy the frame behind a zeroed
 * virtio-net header (no offloads) and go out with one notify on the next
 * flush or wait.  The MAC address is the device's (VIRTIO_NET_F_MAC), else
 * a random locally administered one.
 */
#include <errno.h>
#include <string.h>

#include <tincan/platform.h>

#include "virtq.h"

#define F_MAC (1ull << 5)
#define QMAX 256
#define NBUF 128
#define BUFSZ 2048
#define HDR 12 /* struct virtio_net_hdr with num_buffers (VERSION_1) */
#define FRAME_MIN 14
#define FRAME_MAX 1514

#define MEM (2 * virtq_mem(QMAX) + 2 * NBUF * BUFSZ)

struct dev {
	const struct virtio_dev *vd;
	struct plat_net_info info;
	struct virtq rx, tx;
	uint8_t *rxbuf, *txbuf;
	unsigned nrx, ntx;
	uint16_t free[NBUF], nfree; /* transmit buffers (and their descriptors) not in use */
	uint8_t out[NBUF]; /* transmit buffers the device has: only those come back */
	uint16_t held[NBUF], nheld; /* receive buffers handed out, not yet released */
	int open;
};

static struct dev devs[PLAT_NET_MAX];
static int ndevs = -1;

int plat_net_count(void)
{
	if (ndevs < 0) {
		ndevs = 0;
		const struct virtio_dev *vd;
		while (ndevs < PLAT_NET_MAX && (vd = virtio_transport(VIRTIO_NET, ndevs))) {
			struct dev *d = &devs[ndevs++];
			struct plat_net_info *n = &d->info;
			d->vd = vd;
			memcpy(n->name, vd->name, sizeof n->name);
			if (virtio_features(vd) & F_MAC) {
				for (unsigned i = 0; i < 6; i++)
					n->mac[i] = virtio_cfg8(vd, i);
			} else {
				plat_entropy(n->mac, 6);
				n->mac[0] = (uint8_t)((n->mac[0] & 0xfe) | 0x02);
			}
			n->mtu = 1500;
			n->ip4 = vd->ip4;
			n->prefix = vd->prefix;
			n->gw4 = vd->gw4;
			n->mem = (uint32_t)MEM;
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
	if (d->open)
		return -EBUSY;
	if ((uintptr_t)mem % 64)
		return -EINVAL;
	uint64_t got;
	uint8_t *p = mem;
	int r = virtio_start(d->vd, F_MAC, &got);
	if (!r)
		r = virtq_setup(d->vd, &d->rx, 0, QMAX, p);
	if (!r)
		r = virtq_setup(d->vd, &d->tx, 1, QMAX, p + virtq_mem(QMAX));
	if (r) {
		virtio_fail(d->vd);
		return r;
	}
	d->rxbuf = p + 2 * virtq_mem(QMAX);
	d->txbuf = d->rxbuf + NBUF * BUFSZ;
	d->nrx = d->rx.size < NBUF ? d->rx.size : NBUF;
	d->ntx = d->tx.size < NBUF ? d->tx.size : NBUF;
	for (unsigned i = 0; i < d->nrx; i++) {
		d->rx.desc[i] =
		    (struct virtq_desc){ (uint64_t)(uintptr_t)(d->rxbuf + i * BUFSZ), BUFSZ, VIRTQ_DESC_F_WRITE, 0 };
		virtq_push(&d->rx, (uint16_t)i);
	}
	d->nfree = 0;
	for (unsigned i = d->ntx; i-- > 0;)
		d->free[d->nfree++] = (uint16_t)i;
	memset(d->out, 0, sizeof d->out);
	d->tx.avail[0] = VIRTQ_AVAIL_F_NO_INTERRUPT; /* sends are reclaimed by polling */
	d->nheld = 0;
	virtio_driver_ok(d->vd);
	virtq_kick(&d->rx);
	d->open = 1;
	return 0;
}

/* Take back the transmit buffers the device is done with. */
static void reclaim(struct dev *d)
{
	uint32_t id, len;
	while (virtq_pop(&d->tx, &id, &len))
		if (id < d->ntx && d->out[id]) {
			d->out[id] = 0;
			d->free[d->nfree++] = (uint16_t)id;
		}
}

int plat_net_send(int dev, const struct plat_net_piece *v, unsigned n, const struct plat_net_hdr *hdr)
{
	(void)hdr; /* no offloads (info.offload 0) */
	if (!plat_net_info(dev) || !devs[dev].open)
		return -ENODEV;
	size_t len = 0;
	for (unsigned k = 0; k < n; k++)
		len += v[k].len;
	if (len < FRAME_MIN || len > FRAME_MAX)
		return -EMSGSIZE;
	struct dev *d = &devs[dev];
	if (!d->nfree)
		reclaim(d);
	if (!d->nfree)
		return -EAGAIN;
	uint16_t i = d->free[--d->nfree];
	uint8_t *b = d->txbuf + (size_t)i * BUFSZ;
	memset(b, 0, HDR);
	for (unsigned k = 0; k < n; b += v[k++].len)
		memcpy(b + HDR, v[k].p, v[k].len);
	b = d->txbuf + (size_t)i * BUFSZ;
	d->tx.desc[i] = (struct virtq_desc){ (uint64_t)(uintptr_t)b, (uint32_t)(HDR + len), 0, 0 };
	d->out[i] = 1;
	virtq_push(&d->tx, i);
	return 0;
}

const void *plat_net_recv(int dev, size_t *len, unsigned *flags)
{
	*flags = 0;
	if (!plat_net_info(dev) || !devs[dev].open)
		return NULL;
	struct dev *d = &devs[dev];
	uint32_t id, n;
	while (virtq_pop(&d->rx, &id, &n)) {
		if (id >= d->nrx)
			continue; /* not ours: a broken device */
		if (n < HDR + FRAME_MIN || n > BUFSZ || d->nheld >= d->nrx) {
			/* nothing to hand over (or a lie): post it again */
			virtq_push(&d->rx, (uint16_t)id);
			continue;
		}
		/* A buffer handed out twice (a broken device) is not held twice. */
		unsigned k = 0;
		while (k < d->nheld && d->held[k] != id)
			k++;
		if (k < d->nheld)
			continue;
		d->held[d->nheld++] = (uint16_t)id;
		*len = n - HDR;
		return d->rxbuf + (size_t)id * BUFSZ + HDR;
	}
	return NULL;
}

void plat_net_release(int dev)
{
	if (!plat_net_info(dev))
		return;
	struct dev *d = &devs[dev];
	while (d->nheld) {
		uint16_t id = d->held[--d->nheld];
		d->rx.desc[id].len = BUFSZ;
		virtq_push(&d->rx, id);
	}
}

int plat_net_raw(int dev)
{
	/* No offloads here: frames are always whole, their checksums computed. */
	return plat_net_info(dev) && devs[dev].open ? 0 : -ENODEV;
}

void virtio_net_kick(void)
{
	for (int i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		if (!d->open)
			continue;
		virtq_kick(&d->tx);
		virtq_kick(&d->rx);
		if (!d->nfree) {
			/* Every buffer is out: give the device a moment, so a
			 * send retried after this flush finds room. */
			uint64_t until = plat_clock_monotonic_ns() + 2000000;
			for (reclaim(d); !d->nfree && plat_clock_monotonic_ns() < until; reclaim(d))
				;
		}
	}
}

void plat_net_flush(void)
{
	virtio_net_kick();
}

unsigned virtio_net_ready(unsigned wanted)
{
	unsigned ev = 0;
	for (int i = 0; i < ndevs; i++)
		if ((wanted & PLAT_EV_NET(i)) && devs[i].open && virtq_has_used(&devs[i].rx))
			ev |= PLAT_EV_NET(i);
	return ev;
}

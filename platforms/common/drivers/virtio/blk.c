/*
 * virtio-blk (virtio 1.0, 5.2) as libos's block devices: one request
 * queue per device in the memory libos hands plat_block_open, each request
 * a chain of three descriptors (header, the caller's buffer, status byte)
 * pointing at the caller's buffer (no copy).  Requests wait in a software
 * queue until plat_block_kick() or a wait, which hand the batch over with
 * one notify.  A FLUSH goes to the device only once everything queued
 * before it has completed (virtio orders nothing), so it covers those
 * writes as platform.h promises; without VIRTIO_BLK_F_FLUSH the device has
 * no volatile cache and a FLUSH completes at that point.  Writes to a
 * read-only device (VIRTIO_BLK_F_RO) complete at once with -EROFS.
 */
#include <errno.h>
#include <string.h>

#include "virtq.h"
#include <tincan/platform.h>

#define F_RO (1ull << 5)
#define F_FLUSH (1ull << 9)
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define QMAX 256
#define SLOTS (QMAX / 3)
#define SECTOR 512

struct slot {
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr; /* the device reads it */
	uint8_t status; /* the device writes it */
	uint8_t op;
	int8_t local; /* completed here: 1, with local_status */
	int local_status;
	void *tag, *buf;
	uint32_t count;
};

#define MEM (virtq_mem(QMAX) + SLOTS * sizeof(struct slot))

struct dev {
	const struct virtio_dev *vd;
	struct plat_block_info info;
	struct virtq q;
	struct slot *slots;
	unsigned nslots;
	uint64_t features;
	int open;
	unsigned inflight;
	/* Slot numbers: free ones (a stack); queued ones not yet handed over
	 * (first in, first out); ones completed here, to collect. */
	uint16_t free[SLOTS], nfree;
	uint16_t fifo[SLOTS], fifo_head, fifo_n;
	uint16_t local[SLOTS], local_head, local_n;
	/* Slots the device has now: a used entry for any other (one it never
	 * got, or gave back before) is ignored, not freed twice. */
	uint8_t posted[SLOTS];
};

static struct dev devs[PLAT_BLOCK_MAX];
static int ndevs = -1;

int plat_block_count(void)
{
	if (ndevs < 0) {
		ndevs = 0;
		const struct virtio_dev *vd;
		while (ndevs < PLAT_BLOCK_MAX && (vd = virtio_transport(VIRTIO_BLOCK, ndevs))) {
			struct dev *d = &devs[ndevs++];
			d->vd = vd;
			memcpy(d->info.name, vd->name, sizeof d->info.name);
			memcpy(d->info.mount, vd->mount, sizeof d->info.mount);
			d->info.sector_size = SECTOR; /* capacity is in 512-byte sectors whatever blk_size says */
			d->info.sectors = virtio_cfg64(vd, 0);
			d->info.read_only = (virtio_features(vd) & F_RO) != 0;
			d->info.mem = (uint32_t)MEM;
		}
	}
	return ndevs;
}

const struct plat_block_info *plat_block_info(int dev)
{
	return dev >= 0 && dev < plat_block_count() ? &devs[dev].info : NULL;
}

int plat_block_open(int dev, void *mem)
{
	if (!plat_block_info(dev))
		return -ENODEV;
	struct dev *d = &devs[dev];
	if (d->open)
		return -EBUSY;
	if ((uintptr_t)mem % 64)
		return -EINVAL;
	int r = virtio_start(d->vd, F_RO | F_FLUSH, &d->features);
	if (!r)
		r = virtq_setup(d->vd, &d->q, 0, QMAX, mem);
	if (r) {
		virtio_fail(d->vd);
		return r;
	}
	d->slots = (struct slot *)((uint8_t *)mem + virtq_mem(QMAX));
	d->nslots = d->q.size / 3;
	if (!d->nslots) {
		virtio_fail(d->vd);
		return -ENODEV;
	}
	d->nfree = 0;
	for (unsigned i = d->nslots; i-- > 0;)
		d->free[d->nfree++] = (uint16_t)i;
	d->fifo_head = d->fifo_n = d->local_head = d->local_n = 0;
	d->inflight = 0;
	memset(d->posted, 0, sizeof d->posted);
	virtio_driver_ok(d->vd);
	d->open = 1;
	return 0;
}

static void complete_here(struct dev *d, uint16_t s, int status)
{
	d->slots[s].local_status = status;
	d->local[(d->local_head + d->local_n++) % d->nslots] = s;
}

int plat_block_submit(int dev, const struct plat_block_req *reqs, int n)
{
	const struct plat_block_info *info = plat_block_info(dev);
	if (!info || !devs[dev].open)
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		const struct plat_block_req *q = &reqs[i];
		if (q->op == PLAT_BLOCK_FLUSH ? q->count != 0
					      : (q->op != PLAT_BLOCK_READ && q->op != PLAT_BLOCK_WRITE) || !q->count ||
						    q->count > UINT32_MAX / SECTOR || q->sector >= info->sectors ||
						    q->count > info->sectors - q->sector)
			return -EINVAL;
	}
	struct dev *d = &devs[dev];
	int k = 0;
	for (; k < n && d->nfree; k++) {
		const struct plat_block_req *q = &reqs[k];
		uint16_t s = d->free[--d->nfree];
		struct slot *sl = &d->slots[s];
		sl->op = (uint8_t)q->op;
		sl->tag = q->tag;
		sl->buf = q->buf;
		sl->count = q->count;
		sl->hdr.type = q->op == PLAT_BLOCK_READ ? T_IN : q->op == PLAT_BLOCK_WRITE ? T_OUT : T_FLUSH;
		sl->hdr.reserved = 0;
		sl->hdr.sector = q->op == PLAT_BLOCK_FLUSH ? 0 : q->sector;
		if (q->op == PLAT_BLOCK_WRITE && info->read_only)
			complete_here(d, s, -EROFS);
		else
			d->fifo[(d->fifo_head + d->fifo_n++) % d->nslots] = s;
	}
	return k;
}

/* Hand the queued requests to the device, up to a FLUSH that must wait
 * for the ones before it. */
static void post(struct dev *d)
{
	while (d->fifo_n) {
		uint16_t s = d->fifo[d->fifo_head];
		struct slot *sl = &d->slots[s];
		if (sl->op == PLAT_BLOCK_FLUSH && d->inflight)
			break;
		d->fifo_head = (uint16_t)((d->fifo_head + 1) % d->nslots);
		d->fifo_n--;
		if (sl->op == PLAT_BLOCK_FLUSH && !(d->features & F_FLUSH)) {
			complete_here(d, s, 0);
			continue;
		}
		struct virtq_desc *dc = &d->q.desc[3 * s];
		sl->status = 0xff;
		dc[0] = (struct virtq_desc){ (uint64_t)(uintptr_t)&sl->hdr, sizeof sl->hdr, VIRTQ_DESC_F_NEXT,
					     (uint16_t)(3 * s + 1) };
		if (sl->op == PLAT_BLOCK_FLUSH) {
			dc[0].next = (uint16_t)(3 * s + 2);
		} else {
			uint16_t w = sl->op == PLAT_BLOCK_READ ? VIRTQ_DESC_F_WRITE : 0;
			dc[1] = (struct virtq_desc){ (uint64_t)(uintptr_t)sl->buf, sl->count * SECTOR,
						     (uint16_t)(VIRTQ_DESC_F_NEXT | w), (uint16_t)(3 * s + 2) };
		}
		dc[2] = (struct virtq_desc){ (uint64_t)(uintptr_t)&sl->status, 1, VIRTQ_DESC_F_WRITE, 0 };
		virtq_push(&d->q, (uint16_t)(3 * s));
		d->posted[s] = 1;
		d->inflight++;
	}
	virtq_kick(&d->q);
}

void virtio_blk_kick(void)
{
	for (int i = 0; i < ndevs; i++)
		if (devs[i].open && devs[i].fifo_n)
			post(&devs[i]);
}

void plat_block_kick(void)
{
	virtio_blk_kick();
}

unsigned virtio_blk_ready(unsigned wanted)
{
	unsigned ev = 0;
	for (int i = 0; i < ndevs; i++)
		if ((wanted & PLAT_EV_BLOCK(i)) && devs[i].open && (devs[i].local_n || virtq_has_used(&devs[i].q)))
			ev |= PLAT_EV_BLOCK(i);
	return ev;
}

int plat_block_done(int dev, struct plat_block_completion *done, int n)
{
	if (!plat_block_info(dev) || !devs[dev].open)
		return 0;
	struct dev *d = &devs[dev];
	int k = 0;
	uint32_t id, len;
	while (k < n && virtq_pop(&d->q, &id, &len)) {
		uint16_t s = (uint16_t)(id / 3);
		if (id % 3 || s >= d->nslots || !d->posted[s])
			continue; /* not a chain the device has: a broken device */
		d->posted[s] = 0;
		struct slot *sl = &d->slots[s];
		int st = sl->status == 0 ? 0 : sl->op == PLAT_BLOCK_WRITE && d->info.read_only ? -EROFS : -EIO;
		done[k++] = (struct plat_block_completion){ sl->tag, st };
		d->inflight--;
		d->free[d->nfree++] = s;
	}
	while (k < n && d->local_n) {
		uint16_t s = d->local[d->local_head];
		d->local_head = (uint16_t)((d->local_head + 1) % d->nslots);
		d->local_n--;
		done[k++] = (struct plat_block_completion){ d->slots[s].tag, d->slots[s].local_status };
		d->free[d->nfree++] = s;
	}
	if (d->fifo_n && !d->inflight)
		post(d); /* a FLUSH that waited for these */
	return k;
}

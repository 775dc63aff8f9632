/* The virtio-blk driver (platforms/common/drivers/virtio/blk.c and virtq.c)
 * against a device played here in memory: requests become descriptor
 * chains in the avail ring only on a kick, a FLUSH waits for the requests
 * before it, completions come back in any order with their tags, and a
 * read-only device or one without a write cache completes requests
 * itself. */
#include <string.h>

#include "../../platforms/common/drivers/virtio/blk.c"
#include "../../platforms/common/drivers/virtio/virtq.c"
#include "../tap.h"

void virtio_net_kick(void)
{
}
unsigned virtio_net_ready(unsigned wanted)
{
	(void)wanted;
	return 0;
}

/* The device's registers: common configuration, notify, device
 * configuration (capacity). */
static uint8_t common[2][64] __attribute__((aligned(8)));
static uint8_t notify[2][4] __attribute__((aligned(8)));
static uint64_t config[2][4];
static struct virtio_dev vdev[2];
static int nvdev;

const struct virtio_dev *virtio_transport(unsigned type, int n)
{
	return type == VIRTIO_BLOCK && n < nvdev ? &vdev[n] : NULL;
}

/* A device whose feature words (both halves alike: bit 0 of the high one
 * is VIRTIO_F_VERSION_1) are features. */
static void device(int i, uint32_t features, uint64_t sectors)
{
	memset(common[i], 0, sizeof common[i]);
	*(uint32_t *)(common[i] + C_DF) = features | 1;
	*(uint16_t *)(common[i] + C_NUMQ) = 1;
	*(uint16_t *)(common[i] + C_QSIZE) = 256;
	config[i][0] = sectors;
	vdev[i] = (struct virtio_dev){ common[i], notify[i], (volatile uint8_t *)config[i], 0, "d", "", 0, 0, 0 };
}

static uint16_t avail_idx(struct virtq *q)
{
	return q->avail[1];
}
static uint16_t avail_head(struct virtq *q, unsigned i)
{
	return q->avail[2 + i % q->size];
}
/* The device completes the chain at head with status st. */
static void complete(struct virtq *q, uint16_t head, uint8_t st)
{
	struct virtq_desc *d = &q->desc[head];
	while (d->flags & VIRTQ_DESC_F_NEXT)
		d = &q->desc[d->next];
	*(uint8_t *)(uintptr_t)d->addr = st;
	volatile struct virtq_used_elem *e = (volatile struct virtq_used_elem *)(q->used + 2) + q->used[1] % q->size;
	e->id = head;
	e->len = 1;
	q->used[1]++;
}
static uint32_t hdr_type(struct virtq *q, uint16_t head)
{
	return *(uint32_t *)(uintptr_t)q->desc[head].addr;
}

int main(void)
{
	static uint8_t mem[2][65536] __attribute__((aligned(64)));
	static uint8_t buf[4][1024];
	device(0, F_FLUSH, 1000);
	device(1, F_RO, 64);
	nvdev = 2;
	ok(plat_block_count() == 2, "two block devices");
	ok(plat_block_info(0)->sectors == 1000 && plat_block_info(0)->sector_size == 512 &&
	       !plat_block_info(0)->read_only,
	   "device 0: 1000 sectors of 512 bytes, writable");
	ok(plat_block_info(1)->read_only, "device 1: read-only (VIRTIO_BLK_F_RO)");
	ok(MEM <= sizeof mem[0], "a device needs %zu bytes", (size_t)MEM);
	ok(plat_block_open(0, mem[0]) == 0 && plat_block_open(1, mem[1]) == 0, "both open");
	ok(common[0][C_STATUS] == 15, "status: ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK");
	uint32_t gf = *(uint32_t *)(common[0] + C_GF);
	ok(gf == 1, "agreed features, high word: VERSION_1 only (F_FLUSH is in the low word)");

	struct virtq *q = &devs[0].q;
	struct plat_block_req r[4] = {
		{ PLAT_BLOCK_WRITE, 10, 2, buf[0], (void *)1 },
		{ PLAT_BLOCK_WRITE, 20, 1, buf[1], (void *)2 },
		{ PLAT_BLOCK_FLUSH, 0, 0, NULL, (void *)3 },
		{ PLAT_BLOCK_READ, 30, 2, buf[2], (void *)4 },
	};
	ok(plat_block_submit(0, r, 4) == 4, "four requests queued");
	ok(avail_idx(q) == 0, "nothing reaches the device before a kick");
	plat_block_kick();
	ok(avail_idx(q) == 2, "a kick hands over the two writes; the FLUSH waits for them, the read behind it");
	uint16_t w1 = avail_head(q, 0), w2 = avail_head(q, 1);
	ok(hdr_type(q, w1) == T_OUT && q->desc[w1].flags == VIRTQ_DESC_F_NEXT, "a write's header: VIRTIO_BLK_T_OUT");
	struct virtq_desc *data = &q->desc[q->desc[w1].next];
	ok(data->addr == (uintptr_t)buf[0] && data->len == 1024 && data->flags == VIRTQ_DESC_F_NEXT,
	   "its data: the caller's buffer, 2 sectors, read by the device");
	ok(q->desc[data->next].flags == VIRTQ_DESC_F_WRITE && q->desc[data->next].len == 1, "then the status byte");
	ok(*(uint16_t *)notify[0] == 0, "the notify register names queue 0");

	struct plat_block_completion c[4];
	ok(plat_block_done(0, c, 4) == 0 && !virtio_blk_ready(PLAT_EV_BLOCK(0)), "no completions yet");
	complete(q, w2, 0);
	ok(virtio_blk_ready(PLAT_EV_BLOCK(0) | PLAT_EV_BLOCK(1)) == PLAT_EV_BLOCK(0), "a used entry is an event");
	ok(plat_block_done(0, c, 4) == 1 && c[0].tag == (void *)2 && c[0].status == 0,
	   "the second write completes first");
	ok(avail_idx(q) == 2, "the FLUSH still waits for the first write");
	complete(q, w1, 0);
	ok(plat_block_done(0, c, 4) == 1 && c[0].tag == (void *)1, "the first write completes");
	ok(avail_idx(q) == 4, "then the FLUSH and the read go to the device");
	uint16_t f = avail_head(q, 2), rd = avail_head(q, 3);
	ok(hdr_type(q, f) == T_FLUSH && q->desc[q->desc[f].next].flags == VIRTQ_DESC_F_WRITE,
	   "the FLUSH: a header and the status byte");
	ok(hdr_type(q, rd) == T_IN && (q->desc[q->desc[rd].next].flags & VIRTQ_DESC_F_WRITE),
	   "the read: the device writes its buffer");
	complete(q, rd, 1);
	complete(q, f, 0);
	int n = plat_block_done(0, c, 4);
	ok(n == 2 && c[0].tag == (void *)4 && c[0].status == -EIO && c[1].tag == (void *)3 && c[1].status == 0,
	   "a failed read is -EIO; the FLUSH completes");

	struct plat_block_req bad = { PLAT_BLOCK_READ, 999, 2, buf[0], NULL };
	ok(plat_block_submit(0, &bad, 1) == -EINVAL, "a request past the end is -EINVAL");
	int k = 0, got;
	while ((got = plat_block_submit(0, r, 1)) == 1 && k < 1000)
		k++;
	ok(k == 256 / 3 && got == 0, "the queue takes %d requests (three descriptors each), then 0", k);
	plat_block_kick();
	ok(avail_idx(q) == 4 + k, "a kick hands them all over at once");

	struct virtq *q1 = &devs[1].q;
	struct plat_block_req w = { PLAT_BLOCK_WRITE, 1, 1, buf[3], (void *)7 };
	struct plat_block_req fl = { PLAT_BLOCK_FLUSH, 0, 0, NULL, (void *)8 };
	ok(plat_block_submit(1, &w, 1) == 1 && plat_block_submit(1, &fl, 1) == 1, "a write and a FLUSH to device 1");
	plat_block_kick();
	ok(avail_idx(q1) == 0, "neither reaches a read-only device without a write cache");
	ok(virtio_blk_ready(PLAT_EV_BLOCK(1)) == PLAT_EV_BLOCK(1), "both are ready at once");
	n = plat_block_done(1, c, 4);
	ok(n == 2 && c[0].tag == (void *)7 && c[0].status == -EROFS && c[1].tag == (void *)8 && c[1].status == 0,
	   "the write is -EROFS, the FLUSH (no VIRTIO_BLK_F_FLUSH) succeeds");

	/* A broken device: used entries for a chain it was never given, or gave
	 * back already (found by tests/fuzz/virtio.c: each freed the slot again,
	 * past the end of the free list). */
	struct plat_block_req one = { PLAT_BLOCK_READ, 1, 1, buf[0], (void *)9 };
	ok(plat_block_submit(1, &one, 1) == 1, "a read on device 1");
	plat_block_kick();
	uint16_t h = avail_head(q1, 0);
	complete(q1, h, 0);
	for (int i = 0; i < 200; i++) { /* h again, then chains it never got */
		volatile struct virtq_used_elem *e =
		    (volatile struct virtq_used_elem *)(q1->used + 2) + q1->used[1] % q1->size;
		e->id = i ? 3u * (i % 8) : h;
		e->len = 1;
		q1->used[1]++;
	}
	struct plat_block_completion many[300];
	n = plat_block_done(1, many, 300);
	ok(n == 1 && many[0].tag == (void *)9, "only the chain the device had completes (%d)", n);
	ok(devs[1].nfree == devs[1].nslots && devs[1].inflight == 0, "no slot is freed twice (%u free of %u)",
	   devs[1].nfree, devs[1].nslots);
	return done_testing();
}

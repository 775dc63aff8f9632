/*
 * Fuzz target: the virtio drivers of the pc platform
 * (platforms/common/drivers/virtio: blk.c, net.c, virtq.c) against devices
 * that lie: the input is a script of what the drivers are asked to do and
 * of what the devices do with their used rings: honest completions and
 * frames, completions of chains they never got or got once before, any
 * length, used indices run ahead.  The devices are played in memory as in
 * tests/unit/test_virtio.c.
 *
 * Script: 3-byte entries (op, a, b); op & 0x80 picks the net device, else
 * op & 8 a block device (0: writable with a write cache, 1: read-only);
 * op % 8 the action.
 */
#include <string.h>

/* Both drivers in one program: their private names kept apart. */
#define dev blk_dev
#define devs blk_devs
#define ndevs blk_ndevs
#include "../../platforms/common/drivers/virtio/blk.c"
#undef dev
#undef devs
#undef ndevs
#undef QMAX
#undef MEM
#define dev net_dev
#define devs net_devs
#define ndevs net_ndevs
#include "../../platforms/common/drivers/virtio/net.c"
#undef dev
#undef devs
#undef ndevs
#include "../../platforms/common/drivers/virtio/virtq.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int plat_entropy(void *buf, size_t len)
{
	memset(buf, 0x5a, len);
	return 0;
}
uint64_t plat_clock_monotonic_ns(void)
{
	static uint64_t t;
	return t += 1000000; /* a wait for the device ends at once */
}

static uint8_t common[3][64] __attribute__((aligned(8)));
static uint8_t notify[3][4] __attribute__((aligned(8)));
static uint64_t config[3][4];
static struct virtio_dev vdev[3];
static uint8_t qmem[2][65536] __attribute__((aligned(64)));
static uint8_t nmem[2 * 16384 + 2 * 128 * 2048] __attribute__((aligned(64)));
static uint8_t buf[4 * 512];
static uint16_t dev_seen[4]; /* avail entries the devices took: blk 0, blk 1, net rx, net tx */

const struct virtio_dev *virtio_transport(unsigned type, int n)
{
	if (type == VIRTIO_NET)
		return n == 0 ? &vdev[2] : NULL;
	return type == VIRTIO_BLOCK && n < 2 ? &vdev[n] : NULL;
}

static void device(int i, uint32_t features, uint64_t sectors)
{
	memset(common[i], 0, sizeof common[i]);
	*(uint32_t *)(common[i] + C_DF) = features | 1;
	*(uint16_t *)(common[i] + C_NUMQ) = 1;
	*(uint16_t *)(common[i] + C_QSIZE) = 256;
	config[i][0] = sectors;
	vdev[i] = (struct virtio_dev){ common[i], notify[i], (volatile uint8_t *)config[i], 0, "d", "", 0, 0, 0 };
}

static void used(struct virtq *q, uint32_t id, uint32_t len)
{
	volatile struct virtq_used_elem *e = (volatile struct virtq_used_elem *)(q->used + 2) + q->used[1] % q->size;
	e->id = id;
	e->len = len;
	q->used[1]++;
}

/* The device takes the next chain the driver offered on q: its head. */
static int take(struct virtq *q, uint16_t *seen, uint16_t *head)
{
	if (q->avail[1] == *seen)
		return 0;
	*head = q->avail[2 + (*seen)++ % q->size];
	return 1;
}

static void net_op(uint8_t op, uint8_t a, uint8_t b)
{
	struct net_dev *d = &net_devs[0];
	uint8_t frame[FRAME_MAX];
	uint16_t head;
	size_t len;
	switch (op & 7) {
	case 0:
		memset(frame, a, sizeof frame);
		(void)plat_net_send(0, &(struct plat_net_piece){ frame, (size_t)a * 6 + b % 8 }, 1, NULL);
		break;
	case 1: plat_net_flush(); break;
	case 2: /* a frame sent */
		if (take(&d->tx, &dev_seen[3], &head))
			used(&d->tx, head, 0);
		break;
	case 3: used(op & 8 ? &d->rx : &d->tx, (uint32_t)a | (uint32_t)b << 8, (uint32_t)a << 4); break;
	case 4: /* a frame received, of any length */
		if (take(&d->rx, &dev_seen[2], &head))
			used(&d->rx, head, (uint32_t)a << 4 | b);
		break;
	case 5: (op & 8 ? d->rx.used : d->tx.used)[1] += a; break;
	case 6: {
		unsigned fl;
		const uint8_t *p = plat_net_recv(0, &len, &fl);
		if (p && (len > BUFSZ - HDR || p < nmem || p + len > nmem + sizeof nmem))
			__builtin_trap(); /* a frame beyond its buffer */
		if (p && len)
			(void)((volatile const uint8_t *)p)[len - 1];
		if (a & 1)
			plat_net_release(0);
		break;
	}
	default: (void)virtio_ready(PLAT_EV_NET(0) | PLAT_EV_BLOCK(0)); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(blk_devs, 0, sizeof blk_devs);
	memset(net_devs, 0, sizeof net_devs);
	blk_ndevs = net_ndevs = -1;
	device(0, F_FLUSH, 1000);
	device(1, F_RO, 64);
	device(2, F_MAC, 0);
	*(uint16_t *)(common[2] + C_NUMQ) = 2;
	memset(qmem, 0, sizeof qmem);
	memset(nmem, 0, sizeof nmem);
	memset(dev_seen, 0, sizeof dev_seen);
	if (plat_block_count() != 2 || plat_block_open(0, qmem[0]) || plat_block_open(1, qmem[1]) ||
	    plat_net_count() != 1 || plat_net_info(0)->mem > sizeof nmem || plat_net_open(0, nmem))
		__builtin_trap();

	for (size_t i = 0; i + 3 <= size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		if (op & 0x80) {
			net_op(op, a, b);
			continue;
		}
		int dv = (op >> 3) & 1;
		struct virtq *q = &blk_devs[dv].q;
		switch (op & 7) {
		case 0:
		case 1: {
			struct plat_block_req r = { a % 3, (uint64_t)b * 4 + (op >> 4), (a >> 2) % 5, buf,
						    (void *)(uintptr_t)(i + 1) };
			if (r.op == PLAT_BLOCK_FLUSH)
				r.count = (a >> 2) % 2;
			(void)plat_block_submit(dv, &r, 1);
			break;
		}
		case 2: plat_block_kick(); break;
		case 3: { /* the device completes the next chain it was given */
			uint16_t head;
			if (!take(q, &dev_seen[dv], &head))
				break;
			struct virtq_desc *d = &q->desc[head % q->size];
			for (int n = 0; n < 3 && (d->flags & VIRTQ_DESC_F_NEXT); n++)
				d = &q->desc[d->next % q->size];
			if (d->flags & VIRTQ_DESC_F_WRITE && d->len == 1)
				*(uint8_t *)(uintptr_t)d->addr = a & 3 ? 0 : b;
			used(q, head, b);
			break;
		}
		case 4: used(q, (uint32_t)a | (uint32_t)b << 8, 1); break; /* any id */
		case 5: q->used[1] = (uint16_t)(q->used[1] + a); break; /* entries it never wrote */
		case 6: {
			struct plat_block_completion c[8];
			int n = plat_block_done(dv, c, a % 8 + 1);
			if (n < 0 || n > a % 8 + 1)
				__builtin_trap();
			break;
		}
		default: (void)virtio_blk_ready(PLAT_EV_BLOCK(0) | PLAT_EV_BLOCK(1)); break;
		}
	}
	return 0;
}

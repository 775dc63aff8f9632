/*
 * Split virtqueues and device start-up over virtio-pci's common
 * configuration structure (virtio 1.0, 4.1.4.3).  Registers are read and
 * written with single accesses of their own width; 64-bit ones as two
 * 32-bit halves, low first, as the specification allows.
 */
#include <errno.h>
#include <string.h>

#include "virtq.h"

/* struct virtio_pci_common_cfg */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_NUMQ 0x12
#define C_STATUS 0x14
#define C_GENERATION 0x15
#define C_QSELECT 0x16
#define C_QSIZE 0x18
#define C_QMSIX 0x1a
#define C_QENABLE 0x1c
#define C_QNOTIFYOFF 0x1e
#define C_QDESC 0x20
#define C_QAVAIL 0x28
#define C_QUSED 0x30

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_FAILED 128

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

static uint8_t r8(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint8_t *)(b + off);
}
static uint16_t r16(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint16_t *)(b + off);
}
static uint32_t r32(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint32_t *)(b + off);
}
static void w8(volatile uint8_t *b, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(b + off) = v;
}
static void w16(volatile uint8_t *b, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(b + off) = v;
}
static void w32(volatile uint8_t *b, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(b + off) = v;
}
static void w64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	w32(b, off, (uint32_t)v);
	w32(b, off + 4, (uint32_t)(v >> 32));
}

uint8_t virtio_cfg8(const struct virtio_dev *d, unsigned off)
{
	return r8(d->device, off);
}
uint16_t virtio_cfg16(const struct virtio_dev *d, unsigned off)
{
	return r16(d->device, off);
}
uint32_t virtio_cfg32(const struct virtio_dev *d, unsigned off)
{
	return r32(d->device, off);
}
uint64_t virtio_cfg64(const struct virtio_dev *d, unsigned off)
{
	/* Both halves from one configuration generation. */
	for (int tries = 0;; tries++) {
		uint8_t g = r8(d->common, C_GENERATION);
		uint64_t v = r32(d->device, off) | (uint64_t)r32(d->device, off + 4) << 32;
		if (r8(d->common, C_GENERATION) == g || tries == 100)
			return v;
	}
}

size_t virtq_mem(unsigned max)
{
	return ALIGN64(16 * (size_t)max) + ALIGN64(6 + 2 * (size_t)max) + ALIGN64(6 + 8 * (size_t)max);
}

uint64_t virtio_features(const struct virtio_dev *d)
{
	w32(d->common, C_DFSELECT, 0);
	uint64_t f = r32(d->common, C_DF);
	w32(d->common, C_DFSELECT, 1);
	return f | (uint64_t)r32(d->common, C_DF) << 32;
}

void virtio_fail(const struct virtio_dev *d)
{
	w8(d->common, C_STATUS, (uint8_t)(r8(d->common, C_STATUS) | S_FAILED));
}

int virtio_start(const struct virtio_dev *d, uint64_t want, uint64_t *got)
{
	w8(d->common, C_STATUS, 0);
	for (int spin = 0; r8(d->common, C_STATUS) != 0; spin++)
		if (spin > 1000000)
			return -EIO;
	w8(d->common, C_STATUS, S_ACKNOWLEDGE);
	w8(d->common, C_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	uint64_t f = virtio_features(d);
	if (!(f & VIRTIO_F_VERSION_1)) {
		virtio_fail(d);
		return -ENODEV;
	}
	f &= want | VIRTIO_F_VERSION_1;
	w32(d->common, C_GFSELECT, 0);
	w32(d->common, C_GF, (uint32_t)f);
	w32(d->common, C_GFSELECT, 1);
	w32(d->common, C_GF, (uint32_t)(f >> 32));
	w8(d->common, C_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
	if (!(r8(d->common, C_STATUS) & S_FEATURES_OK)) {
		virtio_fail(d);
		return -ENODEV;
	}
	*got = f;
	return 0;
}

int virtq_setup(const struct virtio_dev *d, struct virtq *q, unsigned index, unsigned max, void *mem)
{
	if (index >= r16(d->common, C_NUMQ))
		return -ENODEV;
	w16(d->common, C_QSELECT, (uint16_t)index);
	unsigned size = r16(d->common, C_QSIZE);
	if (!size)
		return -ENODEV;
	if (size > max)
		size = max;
	while (size & (size - 1)) /* a power of two */
		size &= size - 1;
	memset(mem, 0, virtq_mem(size));
	uint8_t *p = mem;
	*q = (struct virtq){
		.desc = (struct virtq_desc *)p,
		.avail = (volatile uint16_t *)(p + ALIGN64(16 * (size_t)size)),
		.used = (volatile uint16_t *)(p + ALIGN64(16 * (size_t)size) + ALIGN64(6 + 2 * (size_t)size)),
		.notify = (volatile uint16_t *)(d->notify + (size_t)r16(d->common, C_QNOTIFYOFF) * d->notify_mult),
		.size = (uint16_t)size,
		.index = (uint16_t)index,
	};
	w16(d->common, C_QSIZE, (uint16_t)size);
	w16(d->common, C_QMSIX, 0xffff); /* no MSI-X: the legacy interrupt */
	w64(d->common, C_QDESC, (uint64_t)(uintptr_t)q->desc);
	w64(d->common, C_QAVAIL, (uint64_t)(uintptr_t)q->avail);
	w64(d->common, C_QUSED, (uint64_t)(uintptr_t)q->used);
	w16(d->common, C_QENABLE, 1);
	return 0;
}

void virtio_driver_ok(const struct virtio_dev *d)
{
	w8(d->common, C_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

void virtq_push(struct virtq *q, uint16_t head)
{
	q->avail[2 + q->next_avail % q->size] = head;
	q->next_avail++;
	__atomic_store_n(&q->avail[1], q->next_avail, __ATOMIC_RELEASE);
}

void virtq_kick(struct virtq *q)
{
	if (q->notified == q->next_avail)
		return;
	/* The avail index is out before the device's flag is read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->notified = q->next_avail;
	if (!(q->used[0] & VIRTQ_USED_F_NO_NOTIFY))
		*q->notify = q->index;
}

int virtq_has_used(const struct virtq *q)
{
	return q->used && __atomic_load_n(&q->used[1], __ATOMIC_ACQUIRE) != q->used_seen;
}

int virtq_pop(struct virtq *q, uint32_t *id, uint32_t *len)
{
	if (!virtq_has_used(q))
		return 0;
	const volatile struct virtq_used_elem *e =
	    (const volatile struct virtq_used_elem *)(q->used + 2) + q->used_seen % q->size;
	*id = e->id;
	*len = e->len;
	q->used_seen++;
	return 1;
}

void virtio_kick(void)
{
	virtio_net_kick();
	virtio_blk_kick();
}

unsigned virtio_ready(unsigned wanted)
{
	return virtio_net_ready(wanted) | virtio_blk_ready(wanted);
}

/*
 * Split virtqueues (virtio 1.0, section 2.4) and the device's start-up
 * (reset, feature negotiation, status), on the PCI transport's common
 * configuration structure.
 */
#ifndef TINCAN_VIRTQ_H
#define TINCAN_VIRTQ_H

#include <stddef.h>
#include <stdint.h>

#include "virtio.h"

#define VIRTIO_F_VERSION_1 (1ull << 32)

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2 /* the device writes the buffer */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct virtq_used_elem {
	uint32_t id, len;
};

struct virtq {
	struct virtq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size] */
	volatile uint16_t *used; /* flags, idx, then struct virtq_used_elem ring[size] */
	volatile uint16_t *notify;
	uint16_t size; /* a power of two */
	uint16_t index; /* the queue's number */
	uint16_t next_avail; /* the avail index not yet published */
	uint16_t notified; /* the avail index the device was last told of */
	uint16_t used_seen; /* used entries taken */
};

/* Bytes a queue of up to max entries takes (64-byte aligned parts). */
size_t virtq_mem(unsigned max);

/* Reset the device, acknowledge it and agree on features: the device's
 * that are in want, plus VIRTIO_F_VERSION_1, which it must offer.  The
 * agreed features in *got; 0 or -errno. */
int virtio_start(const struct virtio_dev *d, uint64_t want, uint64_t *got);
/* The device's features, without starting it. */
uint64_t virtio_features(const struct virtio_dev *d);
/* Set up queue index with up to max entries in mem (virtq_mem(max)
 * bytes, 64-byte aligned); 0 or -errno. */
int virtq_setup(const struct virtio_dev *d, struct virtq *q, unsigned index, unsigned max, void *mem);
/* The driver is ready: the device may use its queues. */
void virtio_driver_ok(const struct virtio_dev *d);
/* Mark the device broken (after a failed start). */
void virtio_fail(const struct virtio_dev *d);

/* Offer the chain starting at descriptor head to the device (published at
 * once; the device hears of it on virtq_kick). */
void virtq_push(struct virtq *q, uint16_t head);
/* Tell the device of what was pushed since the last kick (unless it said
 * it does not need telling). */
void virtq_kick(struct virtq *q);
/* Whether the device has used entries not yet taken. */
int virtq_has_used(const struct virtq *q);
/* Take the next used entry: 1 and its chain head and length, or 0. */
int virtq_pop(struct virtq *q, uint32_t *id, uint32_t *len);

/* The device configuration, read a field at a time. */
uint8_t virtio_cfg8(const struct virtio_dev *d, unsigned off);
uint16_t virtio_cfg16(const struct virtio_dev *d, unsigned off);
uint32_t virtio_cfg32(const struct virtio_dev *d, unsigned off);
uint64_t virtio_cfg64(const struct virtio_dev *d, unsigned off);

#endif

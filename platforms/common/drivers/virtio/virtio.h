/*
 * Virtio devices for libos: the driver (virtq.c, blk.c, net.c) on one
 * side, the platform's transport on the other.  The platform finds the
 * devices, maps their registers where the driver can reach them (virtio
 * 1.0 over PCI: the common configuration, the notify area and the device
 * configuration) and tells it which manifest device each one is; the
 * driver negotiates features, sets up split virtqueues in the memory libos
 * hands plat_*_open, and implements plat_net_* and plat_block_*.  Buffers
 * are given to devices by their address as the driver sees it: physical
 * must equal virtual.
 */
#ifndef TINCAN_VIRTIO_H
#define TINCAN_VIRTIO_H

#include <stdint.h>

#define VIRTIO_NET 1
#define VIRTIO_BLOCK 2

struct virtio_dev {
	volatile uint8_t *common; /* struct virtio_pci_common_cfg */
	volatile uint8_t *notify; /* a queue's notify register: here + notify_off * notify_mult */
	volatile uint8_t *device; /* the device-specific configuration */
	uint32_t notify_mult;
	char name[16]; /* the manifest's name for it */
	char mount[48]; /* block: where the manifest mounts it ("": nowhere) */
	uint32_t ip4, prefix, gw4; /* net: its address (network byte order; 0: DHCP) */
};

/* The platform's: device n (from 0) of a type (VIRTIO_NET, VIRTIO_BLOCK),
 * numbered in the manifest's order, or NULL past the last. */
const struct virtio_dev *virtio_transport(unsigned type, int n);

/* The driver's, for the platform's plat_wait: hand queued frames and
 * requests to their devices; which wanted events (PLAT_EV_NET(n),
 * PLAT_EV_BLOCK(n)) are ready in the devices' used rings now. */
void virtio_kick(void);
unsigned virtio_ready(unsigned wanted);

/* blk.c and net.c's parts of those two. */
void virtio_blk_kick(void);
unsigned virtio_blk_ready(unsigned wanted);
void virtio_net_kick(void);
unsigned virtio_net_ready(unsigned wanted);

#endif

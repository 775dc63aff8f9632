/*
 * What ring 0 hands ring 3 at the start (k_main.c fills it, user.c reads
 * it), and ring 3's way into ring 0.
 */
#ifndef TINCAN_PC_H
#define TINCAN_PC_H

#include <stdint.h>

#include "abi.h"

#define PC_CMDLINE_MAX 4096

/* A virtio device over PCI that ring 0 found and matched to a device the
 * image's manifest declares (k_pci.c): where its virtio structures lie
 * (physical = virtual; common, notify and device config are mapped for
 * ring 3, uncached), and the event bit a wait returns for it. */
#define PC_DEV_MAX 8
struct pc_dev {
	uint64_t common, notify, device; /* ring 3's to read and write */
	uint64_t isr; /* ring 0's: read by its interrupt handler */
	uint32_t notify_mult; /* queue notify address: notify + queue_notify_off * this */
	uint32_t ev; /* PLAT_EV_NET(n) or PLAT_EV_BLOCK(n) */
	uint16_t type; /* virtio device type: 1 net, 2 block */
	uint16_t mft; /* its index in the manifest's devices */
	uint8_t irq, bus, slot, func;
};

struct pc_boot {
	uint64_t heap_start, heap_end; /* ring 3's RAM for the heap */
	uint64_t stack_bottom, stack_top; /* the main stack, above a guard page */
	uint64_t mem_size; /* usable RAM below 4 GiB, bytes */
	uint64_t tsc_hz;
	uint64_t tsc_boot; /* the TSC when ring 0 started */
	int64_t real_ns_boot; /* the real-time clock then, ns since the epoch (0: none) */
	unsigned loader; /* 1 multiboot2, 2 PVH */
	unsigned flags;
	char cmdline[PC_CMDLINE_MAX]; /* NUL-terminated */
	unsigned ndev; /* devices in dev[], in the manifest's order */
	struct pc_dev dev[PC_DEV_MAX];
};
#define PC_BOOT_NO_RDRAND 1 /* the CPU has no RDRAND */
#define PC_BOOT_NO_RTC 2 /* no real-time clock answered */
#define PC_BOOT_CMDLINE_CUT 4 /* the command line was longer than PC_CMDLINE_MAX - 1 */

extern struct pc_boot pc_boot_info;

static inline long pc_call(long nr, long a, long b, long c)
{
	long r = nr;
	__asm__ __volatile__("int $0x80" : "+a"(r) : "D"(a), "S"(b), "d"(c) : "memory");
	return r;
}

#endif

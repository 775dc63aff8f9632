/*
 * What ring 0 hands ring 3 at the start (k_main.c fills it, user.c reads
 * it), and ring 3's way into ring 0.
 */
#ifndef TINCAN_PC_H
#define TINCAN_PC_H

#include <stdint.h>

#include "abi.h"

#define PC_CMDLINE_MAX 4096

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

/*
 * The pc platform's interface for libos, in ring 3: the serial console,
 * waits and exits through ring 0 (int $0x80, k_trap.c), the virtio
 * devices' events (platforms/common/drivers/virtio), entropy from
 * RDRAND, no memory growth (the machine's RAM is all given at the start).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chacha20.h"
#include "rdrand.h"
#include "pc.h"
#include "virtio.h"
#include <tincan/platform.h>

uint64_t pc_tsc_at(uint64_t ns);

long plat_console_write(int fd, const void *buf, size_t len)
{
	return pc_call(PC_CALL_WRITE, fd, (long)(uintptr_t)buf, (long)len);
}

long plat_console_read(void *buf, size_t len)
{
	for (;;) {
		long n = pc_call(PC_CALL_READ, (long)(uintptr_t)buf, (long)len, 0);
		if (n != 0)
			return n;
		pc_call(PC_CALL_WAIT, -1L, PLAT_EV_CONSOLE_IN, 0);
	}
}

/* Queued frames and requests go out first; events already in the
 * devices' used rings need no wait.  Ring 0 reports a device's interrupt
 * (perhaps for what was collected since): look again before returning. */
unsigned plat_wait(uint64_t deadline_ns, unsigned wanted)
{
	uint64_t until = deadline_ns == UINT64_MAX ? UINT64_MAX : pc_tsc_at(deadline_ns);
	wanted &= ~(PLAT_EV_SNAPSHOT | PLAT_EV_SNAPSHOT_NOW); /* no snapshots here */
	virtio_kick();
	for (;;) {
		unsigned ev = virtio_ready(wanted);
		if (ev)
			return ev;
		unsigned r = (unsigned)pc_call(PC_CALL_WAIT, (long)until, (long)wanted, 0);
		ev = (r & PLAT_EV_CONSOLE_IN) | virtio_ready(wanted);
		if (ev || !r)
			return ev;
	}
}

unsigned plat_host_signals(void)
{
	return 0;
}

int plat_snapshot_wanted(void)
{
	return 0;
}

int plat_guard_page(uintptr_t addr, int on)
{
	return pc_call(PC_CALL_GUARD, (long)addr, on, 0) < 0 ? -ENOMEM : 0;
}

int plat_mem_grow(uintptr_t *heap_end, size_t bytes)
{
	(void)heap_end;
	(void)bytes;
	return -ENOMEM;
}

void plat_exit(int status)
{
	for (;;)
		pc_call(PC_CALL_EXIT, status, 0, 0);
}

/* Ring 0 prints the message and the backtrace from here, named from the
 * image's symbols when the boot loader loaded them (k_trap.c). */
void plat_panic(const char *msg, size_t len)
{
	for (;;)
		pc_call(PC_CALL_PANIC, (long)(uintptr_t)msg, (long)len, 0);
}

/* Without RDRAND: ChaCha20 keyed from TSC jitter, with a warning once. */
int plat_entropy(void *buf, size_t len)
{
	static int seeded;
	if (!(pc_boot_info.flags & PC_BOOT_NO_RDRAND))
		return rdrand_fill(buf, len);
	if (!seeded) {
		static const char w[] = "tincan: warning: no RDRAND on this CPU; random numbers are seeded from "
					"timer jitter and are not fit for keys\n";
		plat_console_write(2, w, sizeof w - 1);
		uint8_t seed[32];
		for (int i = 0; i < 32; i++) {
			uint32_t lo, hi;
			__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
			seed[i] = (uint8_t)(lo ^ (lo >> 8) ^ hi);
			for (volatile int spin = 0; spin < (int)(lo & 255); spin++)
				;
		}
		chacha20_seed(seed);
		seeded = 1;
	}
	chacha20_fill(buf, len);
	return 0;
}

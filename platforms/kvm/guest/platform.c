/*
 * The KVM platform, guest side: libos's platform interface on top of the
 * tincan-run hypercalls (platforms/kvm/abi.h).
 */
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hypercall.h"
#include <tincan/platform.h>

static uint64_t tsc_base, tsc_hz, mono_base, real_base;
/* ns = (tsc - tsc_base) * mult >> 32, exact enough for < 2^32 s of uptime
 * deltas; computed once so reading a clock is a multiply, not a divide. */
static uint64_t mult;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t plat_clock_monotonic_ns(void)
{
	return mono_base + (uint64_t)(((unsigned __int128)(rdtsc() - tsc_base) * mult) >> 32);
}

uint64_t plat_clock_realtime_ns(void)
{
	return real_base + (plat_clock_monotonic_ns() - mono_base);
}

static int tc_errno(int64_t r)
{
	switch (-r) {
	case TC_EPIPE: return -EPIPE;
	case TC_EAGAIN: return -EAGAIN;
	case TC_EINVAL: return -EINVAL;
	default: return -EIO;
	}
}

long plat_console_write(int fd, const void *buf, size_t len)
{
	struct tc_hc_console_write a = { (uint64_t)fd, (uint64_t)(uintptr_t)buf, len, 0 };
	tc_hypercall(TC_HC_CONSOLE_WRITE, &a);
	return a.ret < 0 ? tc_errno(a.ret) : (long)a.ret;
}

long plat_console_read(void *buf, size_t len)
{
	struct tc_hc_console_read a = { (uint64_t)(uintptr_t)buf, len, 0 };
	tc_hypercall(TC_HC_CONSOLE_READ, &a);
	return a.ret < 0 ? tc_errno(a.ret) : (long)a.ret;
}

/* PLAT_EV_* and TC_EV_* share their bit positions. */
_Static_assert(PLAT_EV_CONSOLE_IN == TC_EV_CONSOLE_IN && PLAT_EV_NET(1) == TC_EV_NET(1), "event bits differ");
_Static_assert(PLAT_NET_MAX == TC_NET_DEV_MAX && PLAT_EV_NET(PLAT_NET_MAX - 1) < PLAT_EV_BLOCK(0),
	       "event bits overlap");

extern const struct tc_boot_info *tc_kvm_boot_info;

static unsigned host_sigs; /* bit n: host signal n, not yet taken */

/* Set by net.c when a device opens (a pointer, so that an app without
 * net devices does not link net.c). */
unsigned (*tc_kvm_net_before_wait)(void);
/* Set by net.c and block.c when a device opens: after a restore, attach
 * its ring to the new monitor. */
void (*tc_kvm_net_restored)(void);
void (*tc_kvm_blk_restored)(void);

_Static_assert(PLAT_EV_SNAPSHOT == TC_EV_SNAPSHOT && PLAT_EV_SNAPSHOT_NOW == TC_EV_SNAPSHOT_NOW &&
		   TC_EV_RESTORED == TC_EV_SNAPSHOT,
	       "snapshot bits differ");

/* The host asked for a snapshot (tincan-run --snapshot) and the monitor
 * knows the snapshot bits; a restored guest's boot info says 0. */
static int snapshotting(const struct tc_boot_info *bi)
{
	return bi->size >= offsetof(struct tc_boot_info, generation) + sizeof bi->generation &&
	       (bi->caps & TC_CAP_SNAPSHOT) && bi->snapshot;
}

int plat_snapshot_wanted(void)
{
	return snapshotting(tc_kvm_boot_info);
}

static void clocks(const struct tc_boot_info *bi);

/* Restored from a snapshot, in a new monitor: its clocks, its rings (the
 * old monitor's are gone), then libos (environment, addresses).  Entropy
 * and host-directory handles look at boot info's generation themselves. */
__attribute__((cold, noinline)) static void restored(const struct tc_boot_info *bi)
{
	clocks(bi);
	if (tc_kvm_net_restored)
		tc_kvm_net_restored();
	if (tc_kvm_blk_restored)
		tc_kvm_blk_restored();
	libos_restored((char **)(uintptr_t)bi->envp, bi->tty);
}

unsigned plat_wait(uint64_t deadline_ns, unsigned wanted)
{
	/* Only devices that are attached have events to wait for.  Read from
	 * boot info, not plat_net_count(), so an app without devices does not
	 * link the device code. */
	const struct tc_boot_info *bi = tc_kvm_boot_info;
	unsigned nnet = bi->nnet < PLAT_NET_MAX ? bi->nnet : PLAT_NET_MAX;
	unsigned nblk = bi->nblk < PLAT_BLOCK_MAX ? bi->nblk : PLAT_BLOCK_MAX;
	unsigned nets = (wanted >> 8) & ((1u << nnet) - 1);
	unsigned blks = (wanted >> 16) & ((1u << nblk) - 1);
	struct tc_hc_wait a = { deadline_ns,
				(wanted & PLAT_EV_CONSOLE_IN) | ((uint64_t)nets << 8) | ((uint64_t)blks << 16), 0 };
	/* Every wait listens for the host's SIGINT and SIGTERM, if the
	 * monitor can tell (its boot info is new enough to say). */
	if (bi->size >= offsetof(struct tc_boot_info, caps) + sizeof bi->caps && (bi->caps & TC_CAP_HOST_SIGNALS))
		a.wanted |= TC_EV_SIGINT | TC_EV_SIGTERM;
	if ((wanted & PLAT_EV_SNAPSHOT) && snapshotting(bi))
		a.wanted |= wanted & (TC_EV_SNAPSHOT | TC_EV_SNAPSHOT_NOW);
	/* Post rx buffers; frames already in a ring make the wait a poll. */
	unsigned ready = tc_kvm_net_before_wait ? tc_kvm_net_before_wait() & wanted : 0;
	if (ready)
		a.deadline_ns = 0;
	tc_hypercall(TC_HC_WAIT, &a);
	/* TC_EV_RESTORED is TC_EV_SNAPSHOT's bit: only a wait that wanted it. */
	if (a.ret & (int64_t)a.wanted & TC_EV_RESTORED) {
		restored(bi);
		return 0; /* the frames that were ready went with the old host */
	}
	host_sigs |= (a.ret & TC_EV_SIGINT ? 1u << 2 : 0) | (a.ret & TC_EV_SIGTERM ? 1u << 15 : 0);
	return (unsigned)(a.ret & ~(int64_t)(TC_EV_SIGINT | TC_EV_SIGTERM)) | ready;
}

unsigned plat_host_signals(void)
{
	unsigned s = host_sigs;
	host_sigs = 0;
	return s;
}

void plat_exit(int status)
{
	struct tc_hc_exit a = { (uint64_t)(unsigned)status };
	for (;;)
		tc_hypercall(TC_HC_EXIT, &a);
}

void plat_panic(const char *msg, size_t len)
{
	struct tc_hc_panic a = { (uint64_t)(uintptr_t)msg, len };
	for (;;)
		tc_hypercall(TC_HC_PANIC, &a);
}

int plat_mem_grow(uintptr_t *heap_end, size_t bytes)
{
	struct tc_hc_mem_grow a = { bytes, 0, 0 };
	tc_hypercall(TC_HC_MEM_GROW, &a);
	*heap_end = (uintptr_t)a.heap_end;
	return (int)a.ret;
}

int plat_guard_page(uintptr_t addr, int on)
{
	const struct tc_boot_info *bi = tc_kvm_boot_info;
	if (bi->size < offsetof(struct tc_boot_info, caps) + sizeof bi->caps || !(bi->caps & TC_CAP_GUARD))
		return -ENOSYS;
	struct tc_hc_guard a = { addr, (uint64_t)on, 0 };
	tc_hypercall(TC_HC_GUARD, &a);
	return a.ret < 0 ? -ENOMEM : 0;
}

/* The clocks from boot info: at boot, and the new host's after a restore. */
__attribute__((cold, noinline)) static void clocks(const struct tc_boot_info *bi)
{
	tsc_base = bi->tsc_base;
	tsc_hz = bi->tsc_hz;
	mono_base = bi->mono_ns_base;
	real_base = bi->real_ns_base;
	mult = ((unsigned __int128)1000000000u << 32) / tsc_hz;
}

noreturn void tc_kvm_start(const struct tc_boot_info *bi);

const struct tc_boot_info *tc_kvm_boot_info;

/* Not protected: the canary changes while this frame is live. */
__attribute__((no_stack_protector)) void tc_kvm_start(const struct tc_boot_info *bi)
{
	tc_kvm_boot_info = bi;
	/* The canary from the monitor's getrandom() (not plat_entropy: its
	 * ChaCha20 would cost hello 2 KiB); an older monitor's image gets its
	 * seed's last 8 bytes and the TSC. */
	uint64_t canary;
	if (bi->size >= offsetof(struct tc_boot_info, canary) + sizeof canary) {
		canary = bi->canary;
	} else {
		memcpy(&canary, bi->seed + 24, sizeof canary);
		canary ^= rdtsc();
	}
	libos_stack_guard(canary);
	clocks(bi);

	struct tc_boot b = {
		.heap_start = bi->heap_start,
		.heap_end = bi->heap_end,
		/* An older monitor's boot info ends before heap_max: no growth. */
		.heap_max = bi->size >= offsetof(struct tc_boot_info, heap_max) + 8 ? bi->heap_max : bi->heap_end,
		.mem_size = bi->mem_size,
		.argc = (int)bi->argc,
		.argv = (char **)(uintptr_t)bi->argv,
		.envp = (char **)(uintptr_t)bi->envp,
		.start_ns = bi->mono_ns_start,
		.tty = bi->tty,
		.stack_size = bi->stack_top - bi->stack_bottom,
	};
	libos_main(&b);
}

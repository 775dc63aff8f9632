/*
 * The moment's figures for --stats and --metrics (sample.h).  Two system
 * calls beyond the run loop's, allowed only when one of them is given:
 * getrusage (the monitor's user and system time, and its peak resident
 * set) and mincore (which pages of guest memory are resident: what the
 * guest touched costs the host RAM; the rest of what is backed does not).
 * Both only read the monitor's own state.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../module.h"
#include "../monitor.h"
#include "../net.h"
#include "sample.h"

static uint64_t start_mono, start_real;
static const char *image = "";
static unsigned pid;
static char nic[DBG_NICS][sizeof(((struct tc_boot_info *)0)->net[0].name) + 1];

void sample_begin(const struct vm *vm)
{
	if (start_mono)
		return;
	start_mono = now_ns(CLOCK_MONOTONIC);
	start_real = now_ns(CLOCK_REALTIME);
	const char *slash = vm->image_path ? strrchr(vm->image_path, '/') : NULL;
	image = slash ? slash + 1 : vm->image_path ? vm->image_path : "";
	pid = (unsigned)getpid();
}

void sample_configure(const struct tc_boot_info *bi)
{
	/* The image's names: printable only (--stats writes them to stderr). */
	for (unsigned i = 0; i < bi->nnet && i < DBG_NICS; i++) {
		memcpy(nic[i], bi->net[i].name, sizeof nic[i] - 1);
		for (char *c = nic[i]; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				*c = '?';
	}
}

void sample_fds(struct mod_fds *f)
{
	static int done;
	if (done++)
		return;
	fds_sys(f, SYS_getrusage);
	fds_sys(f, SYS_mincore);
}

static int frozen; /* sample_freeze */
static uint64_t frozen_resident;

/* Bytes of [0, len) of guest memory resident in host RAM: mincore's byte
 * a page, bit 0 set if resident, added up eight at a time (~1 ms a sample
 * for 1 GiB backed). */
static uint64_t resident(const struct vm *vm, uint64_t len)
{
	static uint64_t vec[1024];
	const uint64_t chunk = sizeof vec * 4096ULL;
	uint64_t pages = 0;
	for (uint64_t off = 0; off < len; off += chunk) {
		uint64_t l = len - off < chunk ? len - off : chunk, n = (l + 4095) / 4096;
		memset(vec, 0, sizeof vec);
		if (mincore(vm->mem + off, l, (unsigned char *)vec) < 0)
			return 0;
		for (uint64_t i = 0; i < (n + 7) / 8; i++)
			pages += ((vec[i] & 0x0101010101010101ULL) * 0x0101010101010101ULL) >> 56;
	}
	return pages * 4096;
}

static uint64_t tv_ns(const struct timeval *t)
{
	return (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_usec * 1000ULL;
}

void sample_take(const struct vm *vm, struct sample *s)
{
	struct rusage ru;
	memset(s, 0, sizeof *s);
	s->wall_ns = now_ns(CLOCK_MONOTONIC) - start_mono;
	s->start_real_ns = start_real;
	if (syscall(SYS_getrusage, RUSAGE_SELF, &ru) == 0) {
		s->user_ns = tv_ns(&ru.ru_utime);
		s->sys_ns = tv_ns(&ru.ru_stime);
		s->max_rss = (uint64_t)ru.ru_maxrss * 1024;
	}
	if (vm && vm->mem) {
		s->have_mem = 1;
		s->backed = vm_backed(vm);
		s->resident = frozen ? frozen_resident : resident(vm, s->backed);
	}
}

void sample_freeze(const struct vm *vm)
{
	if (!frozen && vm && vm->mem) {
		frozen_resident = resident(vm, vm_backed(vm));
		frozen = 1;
	}
}

const char *sample_image(void)
{
	return image;
}

unsigned sample_pid(void)
{
	return pid;
}

const char *sample_nic(unsigned i)
{
	return i < DBG_NICS ? nic[i] : "";
}

const char *sample_tap(unsigned i)
{
	return i < net_ndevs ? net_devs[i].tap : "";
}

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_SET_TPR] = "set_tpr",
	[KVM_EXIT_TPR_ACCESS] = "tpr_access",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT] = "system_event",
	[KVM_EXIT_IOAPIC_EOI] = "ioapic_eoi",
	[KVM_EXIT_HYPERV] = "hyperv",
	[KVM_EXIT_X86_RDMSR] = "x86_rdmsr",
	[KVM_EXIT_X86_WRMSR] = "x86_wrmsr",
	[KVM_EXIT_DIRTY_RING_FULL] = "dirty_ring_full",
	[KVM_EXIT_AP_RESET_HOLD] = "ap_reset_hold",
	[KVM_EXIT_X86_BUS_LOCK] = "x86_bus_lock",
	[KVM_EXIT_XEN] = "xen",
	[KVM_EXIT_NOTIFY] = "notify",
};

const char *sample_exit_name(unsigned r, char b[16])
{
	if (r < sizeof exit_names / sizeof exit_names[0] && exit_names[r])
		return exit_names[r];
	if (r >= DBG_EXITS - 1)
		return "other";
	snprintf(b, 16, "reason_%u", r);
	return b;
}

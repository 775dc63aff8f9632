/*
 * Creating the VM and its one vCPU.  Every ioctl here costs start-up time
 * (see docs/abi.md, "Boot"), so the set is minimal: no CPUID set-up at all
 * (neither KVM_GET_SUPPORTED_CPUID nor KVM_SET_CPUID2; the guest checks
 * `cpuid` itself), registers set once.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

#define MSR_IA32_TSC 0x10

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;
	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Memory slots growth may use at most.  The step policy (vm_grow) needs
 * about 50 for the largest span; the last slot allowed takes all the rest. */
#define SLOTS_MAX 64
#define CHUNK (2ULL << 20)
#define STEP_MAX (64ULL << 20)

static int add_slot(struct vm *vm, uint64_t start, uint64_t end)
{
	struct kvm_userspace_memory_region r = { .slot = vm->slots,
						 .guest_phys_addr = start,
						 .memory_size = end - start,
						 .userspace_addr = (uint64_t)(uintptr_t)(vm->mem + start) };
	if (xioctl(vm->vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -1;
	vm->slots++;
	return 0;
}

uint64_t vm_backed(const struct vm *vm)
{
	const struct guest_layout *l = &vm->lay;
	return l->grows ? l->heap_end : l->mem_size;
}

int vm_grow(struct vm *vm, uint64_t bytes)
{
	struct guest_layout *l = &vm->lay;
	uint64_t room = l->heap_max - l->heap_end;

	if (!bytes || bytes % TC_PAGE_SIZE)
		return -TC_EINVAL;
	if (bytes > room || vm->slots >= vm->slots_max)
		return -TC_ENOMEM;
	/* Grow by what is asked, but by at least the heap's size so far (up to
	 * 64 MiB): few exits and few slots for a heap growing in small steps. */
	uint64_t step = l->heap_end - l->heap_start, add = bytes;
	if (step > STEP_MAX)
		step = STEP_MAX;
	if (add < step)
		add = step;
	add = (add + CHUNK - 1) & ~(CHUNK - 1);
	if (add > room || vm->slots + 1 == vm->slots_max)
		add = room;
	/* The host out of memory for KVM's slot arrays: the guest's ENOMEM too. */
	if (add_slot(vm, l->heap_end, l->heap_end + add) < 0)
		return -TC_ENOMEM;
	layout_grow(l, vm->mem, l->heap_end + add);
	return 0;
}

/* Before the jail, which may leave no /dev and no right to it; an error
 * waits for vm_create, so a bad image is still reported as such. */
void vm_open(struct vm *vm)
{
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		vm->kvm = -errno;
}

void vm_create(struct vm *vm)
{
	if (vm->kvm < 0)
		die(TC_STATUS_HOST, "cannot open /dev/kvm: %s", strerror(-vm->kvm));
	if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die(TC_STATUS_HOST, "/dev/kvm speaks an unknown KVM API version");
	/* At the host's task limit KVM_CREATE_VM fails with EAGAIN: retry a little, then give up. */
	for (int tries = 0;; tries++) {
		vm->vmfd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
		if (vm->vmfd >= 0 || (errno != EINTR && errno != EAGAIN) || tries == 50)
			break;
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	}
	if (vm->vmfd < 0)
		die(TC_STATUS_HOST, "KVM_CREATE_VM: %m");

	/* The whole span is mapped at once (untouched anonymous memory costs
	 * the host nothing); KVM is given only what is backed, since each MiB
	 * registered costs host memory even untouched.  Growth then needs no
	 * mmap in the sandbox, only KVM_SET_USER_MEMORY_REGION. */
	uint64_t size = vm->lay.mem_size;
	vm->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die(TC_STATUS_HOST, "cannot allocate %llu KiB of guest memory: %m", (unsigned long long)(size >> 10));
	if (add_slot(vm, 0, vm->lay.grows ? vm->lay.heap_end : size) < 0)
		die(TC_STATUS_HOST, "KVM_SET_USER_MEMORY_REGION: %m");
	if (vm->lay.grows) {
		int n = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
		vm->slots_max = n > SLOTS_MAX ? SLOTS_MAX : n > 0 ? (unsigned)n : 0;
	}

	vm->vcpu = ioctl(vm->vmfd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		die(TC_STATUS_HOST, "KVM_CREATE_VCPU: %m");
	int sz = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run))
		die(TC_STATUS_HOST, "KVM_GET_VCPU_MMAP_SIZE: %m");
	vm->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		die(TC_STATUS_HOST, "cannot map the vCPU: %m");
	/* Registers in kvm_run at every exit (KVM_CAP_SYNC_REGS, Linux 4.17):
	 * the doorbell check reads rip there at no cost (hypercall.c). */
	vm->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	vm->gm.base = vm->mem;
	vm->gm.lay = &vm->lay;
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, int code)
{
	return (struct kvm_segment){ .base = 0,
				     .limit = 0xffffffff,
				     .selector = sel,
				     .type = type,
				     .present = 1,
				     .dpl = 3,
				     .db = !code,
				     .s = 1,
				     .l = code,
				     .g = 1 };
}

void vm_load(struct vm *vm, uint64_t entry, uint64_t boot_info)
{
	/* Every field set here, none read first (a KVM_GET_SREGS is one more
	 * vCPU load and put): the APIC base is KVM's reset value for vCPU 0
	 * (xAPIC on, BSP), which the guest never uses. */
	struct kvm_sregs s = { .apic_base = 0xfee00900 };
	s.cs = seg(0x1b, 11, 1);
	s.ss = s.ds = s.es = s.fs = s.gs = seg(0x23, 3, 0);
	s.fs.base = vm->fs_base;
	s.gs.base = vm->gs_base;
	s.gdt.base = vm->lay.gdt;
	s.gdt.limit = 5 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0; /* no IDT: any exception ends in a shutdown we report */
	s.tr = (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	/* PG, WP, NE, MP (SSE on, no x87 emulation), PE. */
	s.cr0 = 0x80010033;
	s.cr3 = vm->lay.pml4;
	/* PAE, OSFXSR, OSXMMEXCPT; TSD off so rdtsc works at CPL3; FSGSBASE so
	 * the guest sets its thread pointer with wrfsbase (docs/abi.md).  A KVM
	 * that refuses FSGSBASE gets the rest: apps with TLS then stop with a
	 * message (the guest checks CPUID first). */
	s.cr4 = 0x10620;
	s.cr2 = CR2_SENTINEL; /* a #PF overwrites it, even for address 0 */
	s.efer = 0xd00; /* LME, LMA, NXE */
	if (xioctl(vm->vcpu, KVM_SET_SREGS, &s) < 0) {
		s.cr4 = 0x620;
		if (xioctl(vm->vcpu, KVM_SET_SREGS, &s) < 0)
			die(TC_STATUS_HOST, "KVM_SET_SREGS: %m");
	}

	/* The registers go in with the first KVM_RUN (sync regs), not by a
	 * KVM_SET_REGS of their own: each vCPU ioctl loads and puts the vCPU. */
	vm->run->s.regs.regs = (struct kvm_regs){
		.rip = entry, .rsp = vm->lay.stack_top, .rdi = boot_info, .rsi = TC_BOOT_MAGIC, .rflags = 0x2
	};
	vm->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
}

void vm_clock(struct tc_boot_info *bi, struct vm *vm)
{
	int khz = ioctl(vm->vcpu, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0)
		die(TC_STATUS_HOST, "KVM_GET_TSC_KHZ: %m");
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_IA32_TSC };
	/* Pair one guest TSC reading with the host clocks: the guest's clocks
	 * are then the host's, with no exit to read them.  The TSC is read
	 * between two host readings and paired with their midpoint; a pair
	 * more than 50 us apart (we were preempted) is taken again, up to 3
	 * times, else the closest one is kept.  Reading the host clock first
	 * only left the guest's behind by the ioctl, or by a preemption. */
	uint64_t span = UINT64_MAX;
	for (int i = 0; i < 3 && span > 50000; i++) {
		uint64_t real = boot_now_ns(CLOCK_REALTIME), a = boot_now_ns(CLOCK_MONOTONIC);
		if (ioctl(vm->vcpu, KVM_GET_MSRS, &m) != 1)
			die(TC_STATUS_HOST, "KVM_GET_MSRS(TSC): %m");
		uint64_t b = boot_now_ns(CLOCK_MONOTONIC);
		if (b - a < span) {
			span = b - a;
			bi->mono_ns_base = a + span / 2;
			bi->real_ns_base = real + span / 2;
			bi->tsc_base = m.e.data;
		}
	}
	bi->tsc_hz = (uint64_t)khz * 1000;
	vm->tsc_khz = (uint64_t)khz;
}

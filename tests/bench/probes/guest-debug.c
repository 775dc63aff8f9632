/*
 * What this host's KVM gives a debugger and a sampling profiler, for a guest
 * set up as tincan's are (64-bit code at CPL3, paging on, no IDT; the same
 * set-up as exit-cost.c).  Each result is one line "name: result":
 *   cap           KVM_CHECK_EXTENSION for SET_GUEST_DEBUG, SET_GUEST_DEBUG2
 *                 (the guest-debug flags it supports) and IMMEDIATE_EXIT
 *   int3          int3 with KVM_SET_GUEST_DEBUG(ENABLE|USE_SW_BP): the exit,
 *                 the exception and pc in kvm_run->debug.arch; and without;
 *                 then resumed past the int3
 *   step          ENABLE|SINGLESTEP through a counted loop: exits, each RIP
 *                 checked against the code, the median cost of one step
 *   tf-step       the same with no guest debug: the monitor sets RFLAGS.TF and
 *                 each #DB (no IDT) comes back as KVM_EXIT_SHUTDOWN; resumable?
 *   hwbp          ENABLE|USE_HW_BP, DR0 an execute breakpoint, DR1 a write
 *                 watchpoint: RIP and DR6 of each stop
 *   guest-dr      the same breakpoints in the guest's own DR0-DR7
 *                 (KVM_SET_DEBUGREGS): #DB comes back as KVM_EXIT_SHUTDOWN?
 *   wp-watch      a watchpoint by page protection: a read-only PTE, the #PF
 *                 as KVM_EXIT_SHUTDOWN with CR2, the store let through by
 *                 one TF step, protected again
 *   kick          a CPL3 counted loop's throughput alone and with a timer
 *                 (timer_create, SIGEV_THREAD_ID to the vCPU thread, a
 *                 handler that only sets kvm_run->immediate_exit) at 99 and
 *                 999 Hz; each KVM_RUN -EINTR reads the registers and walks
 *                 the guest's RBP chain in the monitor's mapping (no exit)
 *   tests/bench/probes/guest-debug [ROUNDS [LOOP_ITERATIONS]]
 *   (default 5 rounds of 4,000,000,000 iterations, after one unmeasured warm-up;
 *   in each round the three runs go back to back)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (2u << 20)
#define GDT 0x1000u
#define PML4 0x2000u
#define PDPT 0x3000u
#define PD 0x4000u
#define CODE 0x10000u
#define DATA 0x20000u
#define FRAMES 0x30000u /* a fake RBP chain the profiler walks */
#define STACK_TOP 0x1ff000u
#define DOORBELL 0x200000u /* mapped, never backed: an MMIO exit */
#define DONE (DOORBELL + 8)
#define MAX_ROUNDS 50

struct vm {
	int kvm, vm, vcpu, size;
	uint8_t *mem;
	struct kvm_run *run;
};

static int fail(const char *what)
{
	fprintf(stderr, "guest-debug: %s: %s\n", what, strerror(errno));
	return 1;
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof v);
}

static struct kvm_segment segment(uint16_t sel, uint8_t type, int code)
{
	return (struct kvm_segment){ .limit = 0xffffffff,
				     .selector = sel,
				     .type = type,
				     .present = 1,
				     .dpl = 3,
				     .db = !code,
				     .s = 1,
				     .l = code,
				     .g = 1 };
}

/* A VM with the code at CODE, the vCPU at its first byte at CPL3. */
static int vm_new(struct vm *v, const uint8_t *code, size_t len)
{
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return fail("/dev/kvm");
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return fail("KVM_CREATE_VM");
	v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		return fail("mmap");
	uint64_t *gdt = (uint64_t *)(v->mem + GDT);
	gdt[1] = 0x00af9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	gdt[3] = 0x00affb000000ffffULL;
	gdt[4] = 0x00cff3000000ffffULL;
	((uint64_t *)(v->mem + PML4))[0] = PDPT | 7;
	((uint64_t *)(v->mem + PDPT))[0] = PD | 7;
	((uint64_t *)(v->mem + PD))[0] = 0x000000 | 0x87;
	((uint64_t *)(v->mem + PD))[1] = 0x200000 | 0x87;
	memcpy(v->mem + CODE, code, len);
	struct kvm_userspace_memory_region r = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE, .userspace_addr = (uint64_t)(uintptr_t)v->mem
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	v->size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->size < (int)sizeof(struct kvm_run))
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	v->run = mmap(NULL, (size_t)v->size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		return fail("mmap vcpu");
	struct kvm_sregs s;
	if (ioctl(v->vcpu, KVM_GET_SREGS, &s) < 0)
		return fail("KVM_GET_SREGS");
	s.cs = segment(0x1b, 11, 1);
	s.ss = s.ds = s.es = s.fs = s.gs = segment(0x23, 3, 0);
	s.gdt.base = GDT;
	s.gdt.limit = 5 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.tr = (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	s.cr0 = 0x80010033;
	s.cr3 = PML4;
	s.cr4 = 0x620;
	s.efer = 0xd00;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &s) < 0)
		return fail("KVM_SET_SREGS");
	struct kvm_regs g = { .rip = CODE, .rsp = STACK_TOP, .rflags = 2 };
	if (ioctl(v->vcpu, KVM_SET_REGS, &g) < 0)
		return fail("KVM_SET_REGS");
	return 0;
}

static void vm_free(struct vm *v)
{
	munmap(v->run, (size_t)v->size);
	close(v->vcpu);
	munmap(v->mem, MEM_SIZE);
	close(v->vm);
	close(v->kvm);
}

static int debug(struct vm *v, uint32_t control, const uint64_t dr[8])
{
	struct kvm_guest_debug d = { .control = control };
	if (dr)
		memcpy(d.arch.debugreg, dr, sizeof d.arch.debugreg);
	return ioctl(v->vcpu, KVM_SET_GUEST_DEBUG, &d);
}

/* KVM_RUN once; the exit reason, or -1 (errno set). */
static int run(struct vm *v)
{
	for (int tries = 0; tries < 100; tries++) {
		if (ioctl(v->vcpu, KVM_RUN, 0) == 0)
			return (int)v->run->exit_reason;
		if (errno != EAGAIN)
			return -1;
	}
	return -1;
}

static uint64_t rip(struct vm *v)
{
	struct kvm_regs r = { 0 };
	if (ioctl(v->vcpu, KVM_GET_REGS, &r) < 0)
		return ~0ULL;
	return r.rip;
}

static const char *exit_name(int e)
{
	switch (e) {
	case KVM_EXIT_DEBUG: return "KVM_EXIT_DEBUG";
	case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case -1: return "KVM_RUN error";
	default: return "other";
	}
}

static void caps(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fail("/dev/kvm");
		return;
	}
	printf("cap-set-guest-debug: %d\n", ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG));
	int f = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
	printf("cap-set-guest-debug2: %#x (ENABLE %d SINGLESTEP %d USE_SW_BP %d USE_HW_BP %d INJECT_DB %d "
	       "INJECT_BP %d BLOCKIRQ %d)\n",
	       f, !!(f & KVM_GUESTDBG_ENABLE), !!(f & KVM_GUESTDBG_SINGLESTEP), !!(f & KVM_GUESTDBG_USE_SW_BP),
	       !!(f & KVM_GUESTDBG_USE_HW_BP), !!(f & KVM_GUESTDBG_INJECT_DB), !!(f & KVM_GUESTDBG_INJECT_BP),
	       !!(f & KVM_GUESTDBG_BLOCKIRQ));
	printf("cap-immediate-exit: %d\n", ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT));
	close(kvm);
}

/* mov $DOORBELL, %ebx; nop; int3; mov %ecx, 8(%rbx); jmp . */
static int int3(int with_debug)
{
	uint8_t c[] = { 0xbb, 0, 0, 0, 0, 0x90, 0xcc, 0x89, 0x4b, 0x08, 0xeb, 0xfe };
	put32(c + 1, DOORBELL);
	struct vm v;
	if (vm_new(&v, c, sizeof c))
		return 1;
	const char *name = with_debug ? "int3-sw-bp" : "int3-no-debug";
	if (with_debug && debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP, NULL) < 0) {
		printf("%s: KVM_SET_GUEST_DEBUG failed: %s\n", name, strerror(errno));
		vm_free(&v);
		return 0;
	}
	int e = run(&v);
	uint64_t r = rip(&v);
	printf("%s: exit %d %s rip %#llx (int3 at %#x)", name, e, exit_name(e), (unsigned long long)r, CODE + 6);
	if (e == KVM_EXIT_DEBUG)
		printf(" exception %u pc %#llx", v.run->debug.arch.exception, (unsigned long long)v.run->debug.arch.pc);
	printf(" get-regs %s\n", r == ~0ULL ? "failed" : "ok");
	if (e == KVM_EXIT_DEBUG || e == KVM_EXIT_SHUTDOWN) {
		/* Resume past the int3 as a debugger would after restoring the byte. */
		struct kvm_regs g;
		if (ioctl(v.vcpu, KVM_GET_REGS, &g) == 0) {
			g.rip = CODE + 7;
			ioctl(v.vcpu, KVM_SET_REGS, &g);
		}
		e = run(&v);
		printf("%s-resume: exit %d %s %s\n", name, e, exit_name(e),
		       e == KVM_EXIT_MMIO && v.run->mmio.phys_addr == DONE ? "reached the end" : "did not");
	}
	vm_free(&v);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* mov $DOORBELL,%ebx; mov $n,%ecx; 1: dec %ecx; jnz 1b; mov %ecx,8(%rbx); jmp . */
static int step(uint32_t n, int tf)
{
	uint8_t c[] = { 0xbb, 0, 0, 0, 0, 0xb9, 0, 0, 0, 0, 0xff, 0xc9, 0x75, 0xfc, 0x89, 0x4b, 0x08, 0xeb, 0xfe };
	put32(c + 1, DOORBELL);
	put32(c + 6, n);
	struct vm v;
	if (vm_new(&v, c, sizeof c))
		return 1;
	const char *name = tf ? "tf-step" : "step";
	int want = tf ? KVM_EXIT_SHUTDOWN : KVM_EXIT_DEBUG;
	long tf_lost = 0;
	struct kvm_regs g;
	if (tf) {
		/* No guest debug: the monitor sets RFLAGS.TF itself; the guest has
		 * no IDT, so each #DB is a triple fault the monitor sees. */
		if (ioctl(v.vcpu, KVM_GET_REGS, &g) < 0)
			return fail("KVM_GET_REGS");
		g.rflags |= 0x100;
		if (ioctl(v.vcpu, KVM_SET_REGS, &g) < 0)
			return fail("KVM_SET_REGS");
	} else if (debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, NULL) < 0) {
		printf("step: KVM_SET_GUEST_DEBUG failed: %s\n", strerror(errno));
		vm_free(&v);
		return 0;
	}
	size_t max = 2 * (size_t)n + 8;
	double *t = calloc(max, sizeof *t);
	if (!t)
		return fail("calloc");
	/* The RIP after each instruction. */
	long steps = 0, bad = 0, left = n;
	uint64_t expect = CODE + 5, first_bad = 0;
	unsigned exc = 0;
	int e;
	for (;;) {
		double t0 = now_us();
		e = run(&v);
		double t1 = now_us();
		if (e != want)
			break;
		if ((size_t)steps < max)
			t[steps] = t1 - t0;
		uint64_t r = rip(&v);
		if (tf) {
			if (ioctl(v.vcpu, KVM_GET_REGS, &g) < 0)
				return fail("KVM_GET_REGS");
			if (!(g.rflags & 0x100)) {
				tf_lost++;
				g.rflags |= 0x100;
				if (ioctl(v.vcpu, KVM_SET_REGS, &g) < 0)
					return fail("KVM_SET_REGS");
			}
		} else {
			exc = v.run->debug.arch.exception;
		}
		if (r != expect || (!tf && v.run->debug.arch.pc != r)) {
			if (!bad++)
				first_bad = r;
		}
		steps++;
		if ((size_t)steps > max)
			break;
		if (r == CODE + 10) /* the dec ran next: then jnz */
			expect = CODE + 12;
		else if (r == CODE + 12)
			expect = --left ? CODE + 10 : CODE + 14;
		else
			expect = CODE + 10; /* after the mov $n */
	}
	int after = 0;
	uint64_t after_rip = 0;
	if (tf && e == KVM_EXIT_MMIO) { /* does TF survive a step over an MMIO exit? */
		after = run(&v);
		after_rip = rip(&v);
	}
	size_t k = (size_t)steps < max ? (size_t)steps : max;
	qsort(t, k, sizeof *t, cmp_double);
	printf("%s: loop of %u: %ld %s exits (instructions %ld), exception %u, rip mismatches %ld%s%llx, TF "
	       "re-set %ld, then exit %d %s rip %#llx%s\n",
	       name, n, steps, exit_name(want), 2 * (long)n + 2, exc, bad, bad ? " first " : " ",
	       (unsigned long long)first_bad, tf_lost, e, exit_name(e), (unsigned long long)rip(&v),
	       e == KVM_EXIT_MMIO && v.run->mmio.phys_addr == DONE ? " at the end" : "");
	if (tf)
		printf("tf-step-after-mmio: exit %d %s rip %#llx (%#x: the next instruction, not yet run)\n", after,
		       exit_name(after), (unsigned long long)after_rip, CODE + 17);
	if (k)
		printf("%s-cost: median %.1f us per step (p10 %.1f, p90 %.1f, %zu steps)\n", name, t[k / 2], t[k / 10],
		       t[k * 9 / 10], k);
	free(t);
	vm_free(&v);
	return 0;
}

/* mov $DOORBELL,%ebx; mov $DATA,%edx; nop; TARGET: nop; mov %edx,(%rdx);
 * nop; mov %ecx,8(%rbx); jmp . */
static int hwbp(void)
{
	uint8_t c[] = {
		0xbb, 0, 0, 0, 0, 0xba, 0, 0, 0, 0, 0x90, 0x90, 0x89, 0x12, 0x90, 0x89, 0x4b, 0x08, 0xeb, 0xfe
	};
	put32(c + 1, DOORBELL);
	put32(c + 6, DATA);
	struct vm v;
	if (vm_new(&v, c, sizeof c))
		return 1;
	/* DR7: L0 execute (RW0 00, LEN0 00); L1 write (RW1 01) of 4 bytes (LEN1 11). */
	uint64_t dr[8] = { CODE + 11, DATA, 0, 0, 0, 0, 0, 0 };
	dr[7] = 1 | 1 << 2 | 1ULL << 20 | 3ULL << 22;
	if (debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, dr) < 0) {
		printf("hwbp: KVM_SET_GUEST_DEBUG failed: %s\n", strerror(errno));
		vm_free(&v);
		return 0;
	}
	int e = run(&v);
	printf("hwbp-exec: exit %d %s rip %#llx (breakpoint at %#x)", e, exit_name(e), (unsigned long long)rip(&v),
	       CODE + 11);
	if (e == KVM_EXIT_DEBUG)
		printf(" exception %u dr6 %#llx dr7 %#llx", v.run->debug.arch.exception,
		       (unsigned long long)v.run->debug.arch.dr6, (unsigned long long)v.run->debug.arch.dr7);
	printf("\n");
	if (e != KVM_EXIT_DEBUG && e != KVM_EXIT_MMIO) {
		vm_free(&v);
		return 0;
	}
	if (e == KVM_EXIT_DEBUG) {
		dr[7] = 1 << 2 | 1ULL << 20 | 3ULL << 22; /* the watchpoint alone */
		if (debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, dr) < 0)
			return fail("KVM_SET_GUEST_DEBUG");
		e = run(&v);
	}
	printf("hwbp-write: exit %d %s rip %#llx (store at %#x, next %#x)", e, exit_name(e),
	       (unsigned long long)rip(&v), CODE + 12, CODE + 14);
	if (e == KVM_EXIT_DEBUG)
		printf(" exception %u dr6 %#llx", v.run->debug.arch.exception,
		       (unsigned long long)v.run->debug.arch.dr6);
	printf(" data %#x\n", *(uint32_t *)(v.mem + DATA));
	if (e == KVM_EXIT_DEBUG) {
		e = run(&v);
		printf("hwbp-resume: exit %d %s %s\n", e, exit_name(e),
		       e == KVM_EXIT_MMIO && v.run->mmio.phys_addr == DONE ? "reached the end" : "did not");
	}
	vm_free(&v);
	return 0;
}

/* The same code, the breakpoints in the guest's own debug registers
 * (KVM_SET_DEBUGREGS, no guest debug): a #DB the guest cannot handle (no
 * IDT) comes back as KVM_EXIT_SHUTDOWN; DR6 read with KVM_GET_DEBUGREGS.
 * An execute breakpoint is a fault: resume with RFLAGS.RF set. */
static int guest_dr(void)
{
	uint8_t c[] = {
		0xbb, 0, 0, 0, 0, 0xba, 0, 0, 0, 0, 0x90, 0x90, 0x89, 0x12, 0x90, 0x89, 0x4b, 0x08, 0xeb, 0xfe
	};
	put32(c + 1, DOORBELL);
	put32(c + 6, DATA);
	struct vm v;
	if (vm_new(&v, c, sizeof c))
		return 1;
	struct kvm_debugregs d = { .db = { CODE + 11, DATA }, .dr7 = 1 | 1 << 2 | 1ULL << 20 | 3ULL << 22 | 0x400 };
	if (ioctl(v.vcpu, KVM_SET_DEBUGREGS, &d) < 0) {
		printf("guest-dr: KVM_SET_DEBUGREGS failed: %s\n", strerror(errno));
		vm_free(&v);
		return 0;
	}
	static const char *const stop[] = { "guest-dr-exec", "guest-dr-write", "guest-dr-resume" };
	for (int i = 0; i < 3; i++) {
		int e = run(&v);
		struct kvm_regs g = { 0 };
		struct kvm_debugregs got = { 0 };
		ioctl(v.vcpu, KVM_GET_REGS, &g);
		ioctl(v.vcpu, KVM_GET_DEBUGREGS, &got);
		printf("%s: exit %d %s rip %#llx dr6 %#llx dr7 %#llx%s\n", stop[i], e, exit_name(e),
		       (unsigned long long)g.rip, (unsigned long long)got.dr6, (unsigned long long)got.dr7,
		       e == KVM_EXIT_MMIO && v.run->mmio.phys_addr == DONE ? " (the end)" : "");
		if (e != KVM_EXIT_SHUTDOWN)
			break;
		g.rflags |= 0x10000; /* RF: do not fire again on this instruction */
		ioctl(v.vcpu, KVM_SET_REGS, &g);
		got.dr6 = 0xffff0ff0;
		ioctl(v.vcpu, KVM_SET_DEBUGREGS, &got);
	}
	vm_free(&v);
	return 0;
}

/* A watchpoint by page protection: virtual WATCH is a read-only 4 KiB
 * alias of DATA; the store faults (#PF, no IDT: KVM_EXIT_SHUTDOWN with CR2);
 * the monitor lets the store through (RW on, TF on), then protects again.
 * mov $DOORBELL,%ebx; mov $WATCH,%edx; nop; mov %edx,(%rdx); nop; mov %ecx,8(%rbx); jmp . */
#define PT 0x5000u
#define WATCH 0x400000u
static int wp_watch(void)
{
	uint8_t c[] = { 0xbb, 0, 0, 0, 0, 0xba, 0, 0, 0, 0, 0x90, 0x89, 0x12, 0x90, 0x89, 0x4b, 0x08, 0xeb, 0xfe };
	put32(c + 1, DOORBELL);
	put32(c + 6, WATCH);
	struct vm v;
	if (vm_new(&v, c, sizeof c))
		return 1;
	uint64_t *pte = (uint64_t *)(v.mem + PT);
	((uint64_t *)(v.mem + PD))[2] = PT | 7;
	pte[0] = DATA | 5; /* present, user, read-only */
	int e = run(&v);
	struct kvm_regs g = { 0 };
	struct kvm_sregs sr = { 0 };
	ioctl(v.vcpu, KVM_GET_REGS, &g);
	ioctl(v.vcpu, KVM_GET_SREGS, &sr);
	printf("wp-watch: exit %d %s rip %#llx (store at %#x) cr2 %#llx data %#x\n", e, exit_name(e),
	       (unsigned long long)g.rip, CODE + 11, (unsigned long long)sr.cr2, *(uint32_t *)(v.mem + DATA));
	if (e == KVM_EXIT_SHUTDOWN) {
		pte[0] = DATA | 7;
		g.rflags |= 0x100;
		ioctl(v.vcpu, KVM_SET_REGS, &g);
		e = run(&v);
		ioctl(v.vcpu, KVM_GET_REGS, &g);
		printf("wp-watch-step: exit %d %s rip %#llx data %#x\n", e, exit_name(e), (unsigned long long)g.rip,
		       *(uint32_t *)(v.mem + DATA));
		pte[0] = DATA | 5;
		g.rflags &= ~0x100ULL;
		ioctl(v.vcpu, KVM_SET_REGS, &g);
		e = run(&v);
		printf("wp-watch-resume: exit %d %s %s\n", e, exit_name(e),
		       e == KVM_EXIT_MMIO && v.run->mmio.phys_addr == DONE ? "reached the end" : "did not");
	}
	vm_free(&v);
	return 0;
}

static struct kvm_run *volatile kicked_run;

static void on_tick(int sig)
{
	(void)sig;
	struct kvm_run *r = kicked_run;
	if (r)
		r->immediate_exit = 1;
}

struct kick_result {
	double secs, get_regs_us, walk_us;
	long kicks, in_loop, depth_ok;
};

/* mov $DOORBELL,%ebx; mov $n,%ecx; 1: dec %rcx; jnz 1b; mov %ecx,8(%rbx); jmp .
 * RBP points at a chain of three frames the host wrote. */
static int kick(uint32_t n, long hz, struct kick_result *k)
{
	uint8_t c[] = {
		0xbb, 0, 0, 0, 0, 0xb9, 0, 0, 0, 0, 0x48, 0xff, 0xc9, 0x75, 0xfb, 0x89, 0x4b, 0x08, 0xeb, 0xfe
	};
	put32(c + 1, DOORBELL);
	put32(c + 6, n);
	struct vm v;
	if (vm_new(&v, c, sizeof c))
		return 1;
	uint64_t *f = (uint64_t *)(v.mem + FRAMES);
	f[0] = FRAMES + 16, f[1] = 0x11111; /* saved rbp, return address */
	f[2] = FRAMES + 32, f[3] = 0x22222;
	f[4] = 0, f[5] = 0x33333;
	struct kvm_regs g;
	if (ioctl(v.vcpu, KVM_GET_REGS, &g) < 0)
		return fail("KVM_GET_REGS");
	g.rbp = FRAMES;
	if (ioctl(v.vcpu, KVM_SET_REGS, &g) < 0)
		return fail("KVM_SET_REGS");

	timer_t timer = 0;
	if (hz) {
		struct sigaction sa = { .sa_handler = on_tick };
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL) < 0)
			return fail("sigaction");
		struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };
		ev._sigev_un._tid = gettid();
		if (timer_create(CLOCK_MONOTONIC, &ev, &timer) < 0)
			return fail("timer_create");
		long ns = 1000000000L / hz;
		struct itimerspec it = { .it_interval = { 0, ns }, .it_value = { 0, ns } };
		kicked_run = v.run;
		if (timer_settime(timer, 0, &it, NULL) < 0)
			return fail("timer_settime");
	}
	memset(k, 0, sizeof *k);
	double t0 = now_us(), regs_us = 0, walk_us = 0;
	for (;;) {
		if (ioctl(v.vcpu, KVM_RUN, 0) == 0) {
			if (v.run->exit_reason == KVM_EXIT_MMIO && v.run->mmio.phys_addr == DONE)
				break;
			fprintf(stderr, "guest-debug: kick: exit %u\n", v.run->exit_reason);
			return 1;
		}
		if (errno == EAGAIN)
			continue;
		if (errno != EINTR)
			return fail("KVM_RUN");
		v.run->immediate_exit = 0;
		k->kicks++;
		double a = now_us();
		if (ioctl(v.vcpu, KVM_GET_REGS, &g) < 0)
			return fail("KVM_GET_REGS");
		double b = now_us();
		/* The profiler's walk: [rbp] the caller's rbp, [rbp+8] the return address. */
		int depth = 0;
		for (uint64_t fp = g.rbp; fp && fp % 8 == 0 && fp <= MEM_SIZE - 16 && depth < 64; depth++) {
			uint64_t pair[2];
			memcpy(pair, v.mem + fp, sizeof pair);
			fp = pair[0];
		}
		double d = now_us();
		regs_us += b - a;
		walk_us += d - b;
		if (g.rip >= CODE + 10 && g.rip <= CODE + 15)
			k->in_loop++;
		if (depth == 3)
			k->depth_ok++;
	}
	k->secs = (now_us() - t0) / 1e6;
	if (hz) {
		kicked_run = NULL;
		timer_delete(timer);
	}
	if (k->kicks) {
		k->get_regs_us = regs_us / (double)k->kicks;
		k->walk_us = walk_us / (double)k->kicks;
	}
	vm_free(&v);
	return 0;
}

static double median(double *x, int n)
{
	qsort(x, (size_t)n, sizeof *x, cmp_double);
	return x[n / 2];
}

int main(int argc, char **argv)
{
	char *e1 = NULL, *e2 = NULL;
	long rounds = argc > 1 ? strtol(argv[1], &e1, 10) : 5;
	unsigned long iters = argc > 2 ? strtoul(argv[2], &e2, 10) : 4000000000UL;
	if (argc > 3 || (e1 && *e1) || (e2 && *e2) || rounds < 1 || rounds > MAX_ROUNDS || iters < 1000000 ||
	    iters > 0xffffffffUL) {
		fprintf(stderr, "usage: guest-debug [ROUNDS (1-%d) [LOOP_ITERATIONS (1e6-4e9)]]\n", MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	caps();
	if (int3(1) || int3(0) || step(5, 0) || step(5000, 0) || step(5, 1) || step(5000, 1) || hwbp() || guest_dr() ||
	    wp_watch())
		return 1;

	static const long hz[] = { 0, 99, 999 };
	double rate[3][MAX_ROUNDS], per_kick[3][MAX_ROUNDS], secs0 = 0;
	struct kick_result warm;
	if (kick((uint32_t)iters, 0, &warm))
		return 1;
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 3; i++) {
			struct kick_result k;
			if (kick((uint32_t)iters, hz[i], &k))
				return 1;
			rate[i][r] = (double)iters / k.secs / 1e6;
			if (!i)
				secs0 = k.secs;
			else
				per_kick[i][r] = k.kicks ? (k.secs - secs0) * 1e6 / (double)k.kicks : 0;
			printf("kick-round-%d-%ldhz: %.3f s, %.1f M iterations/s, %ld kicks (%.0f/s), rip in loop %ld, "
			       "rbp chain of 3 read %ld, KVM_GET_REGS %.2f us, walk %.3f us\n",
			       r + 1, hz[i], k.secs, rate[i][r], k.kicks, (double)k.kicks / k.secs, k.in_loop,
			       k.depth_ok, k.get_regs_us, k.walk_us);
		}
	}
	double base[MAX_ROUNDS];
	memcpy(base, rate[0], sizeof base);
	double b = median(base, (int)rounds);
	for (int i = 1; i < 3; i++) {
		double over[MAX_ROUNDS];
		for (int r = 0; r < rounds; r++)
			over[r] = 100.0 * (rate[0][r] - rate[i][r]) / rate[0][r];
		double m = median(rate[i], (int)rounds);
		qsort(over, (size_t)rounds, sizeof *over, cmp_double);
		printf("kick-%ldhz: median %.1f M iterations/s vs %.1f without; overhead median %.2f %% (range %.2f "
		       "to %.2f, %ld rounds, each against its own round's baseline); wall time per kick median "
		       "%.1f us\n",
		       hz[i], m, b, over[rounds / 2], over[0], over[rounds - 1], rounds,
		       median(per_kick[i], (int)rounds));
	}
	return 0;
}

/*
 * What one guest-to-monitor exit costs on this host, with a guest set up as
 * tincan's are: 64-bit code at CPL3, paging on, no IDT, no CPUID set-up.
 * The guest writes N times to a guest-physical address no memslot backs:
 *   mmio       each write is a KVM_EXIT_MMIO the monitor (this process)
 *              sees and re-enters from: the cost of a userspace exit;
 *   ioeventfd  the same address registered with KVM_IOEVENTFD: each write
 *              is counted on an eventfd inside the kernel with no return to
 *              userspace: the cost of a doorbell kick.
 * One write to a second address marks the start (after the first entry
 * into the guest, which costs more), one to a third the end; the time
 * between the two, over N, is printed as
 *   mmio-exit N EXITS us-per-exit US
 *   ioeventfd-kick N KICKS us-per-kick US eventfd-count COUNT
 *   tests/bench/probes/exit-cost [N] [mmio|ioeventfd|both]   (default 20000 both)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (2u << 20) /* one memslot, one 2 MiB page */
#define GDT 0x1000u
#define PML4 0x2000u
#define PDPT 0x3000u
#define PD 0x4000u
#define CODE 0x10000u
#define STACK_TOP 0x1ff000u
#define DOORBELL 0x200000u /* in the second 2 MiB page: mapped, never backed */
#define DONE (DOORBELL + 8)
#define START (DOORBELL + 16)

static int fail(const char *what)
{
	fprintf(stderr, "exit-cost: %s: %s\n", what, strerror(errno));
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

/* The guest: start marker, N doorbell writes, end marker, then spin (it is
 * never entered again).  64-bit code; all addresses fit in 32 bits. */
static size_t guest_code(uint8_t *c, uint32_t n)
{
	size_t i = 0;
	c[i++] = 0xb9; /* mov $n, %ecx */
	put32(c + i, n);
	i += 4;
	c[i++] = 0xbb; /* mov $DOORBELL, %ebx */
	put32(c + i, DOORBELL);
	i += 4;
	const uint8_t body[] = {
		0x89, 0x4b, START - DOORBELL, /* mov %ecx, START-DOORBELL(%rbx) */
		0x89, 0x0b, /* 1: mov %ecx, (%rbx) */
		0xff, 0xc9, /* dec %ecx */
		0x75, 0xfa, /* jnz 1b */
		0x89, 0x4b, DONE - DOORBELL, /* mov %ecx, DONE-DOORBELL(%rbx) */
		0xeb, 0xfe, /* 2: jmp 2b */
	};
	memcpy(c + i, body, sizeof body);
	return i + sizeof body;
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

/* One VM, run to the end marker.  Returns 0 and the microseconds per
 * doorbell write in *us, and the userspace exits seen between the markers. */
static int measure(uint32_t n, int kick, double *us, long *exits, uint64_t *count)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	uint8_t *m = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return fail("mmap");

	/* Segments: null, kernel code and data (unused), user code, user data. */
	uint64_t *gdt = (uint64_t *)(m + GDT);
	gdt[1] = 0x00af9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	gdt[3] = 0x00affb000000ffffULL;
	gdt[4] = 0x00cff3000000ffffULL;
	/* Identity map of the first 4 MiB in two user-accessible 2 MiB pages. */
	((uint64_t *)(m + PML4))[0] = PDPT | 7;
	((uint64_t *)(m + PDPT))[0] = PD | 7;
	((uint64_t *)(m + PD))[0] = 0x000000 | 0x87;
	((uint64_t *)(m + PD))[1] = 0x200000 | 0x87;
	guest_code(m + CODE, n);

	struct kvm_userspace_memory_region r = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE, .userspace_addr = (uint64_t)(uintptr_t)m
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap vcpu");

	struct kvm_sregs s;
	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		return fail("KVM_GET_SREGS");
	s.cs = segment(0x1b, 11, 1);
	s.ss = s.ds = s.es = s.fs = s.gs = segment(0x23, 3, 0);
	s.gdt.base = GDT;
	s.gdt.limit = 5 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.tr = (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	s.cr0 = 0x80010033; /* PG, WP, NE, MP, PE */
	s.cr3 = PML4;
	s.cr4 = 0x620; /* PAE, OSFXSR, OSXMMEXCPT */
	s.efer = 0xd00; /* LME, LMA, NXE */
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0)
		return fail("KVM_SET_SREGS");
	struct kvm_regs g = { .rip = CODE, .rsp = STACK_TOP, .rflags = 2 };
	if (ioctl(vcpu, KVM_SET_REGS, &g) < 0)
		return fail("KVM_SET_REGS");

	int efd = -1;
	if (kick) {
		efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (efd < 0)
			return fail("eventfd");
		struct kvm_ioeventfd io = { .addr = DOORBELL, .len = 4, .fd = efd };
		if (ioctl(vm, KVM_IOEVENTFD, &io) < 0)
			return fail("KVM_IOEVENTFD");
	}

	double t0 = 0;
	*exits = 0;
	for (long guard = 0;; guard++) {
		if (guard > (long)n + 16) {
			fprintf(stderr, "exit-cost: more exits than the guest has writes\n");
			return 1;
		}
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return fail("KVM_RUN");
		}
		if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write) {
			struct kvm_regs rr = { 0 };
			ioctl(vcpu, KVM_GET_REGS, &rr);
			fprintf(stderr, "exit-cost: unexpected exit %u at rip %#llx\n", run->exit_reason,
				(unsigned long long)rr.rip);
			return 1;
		}
		if (run->mmio.phys_addr == START) {
			t0 = now_us();
		} else if (run->mmio.phys_addr == DONE) {
			*us = (now_us() - t0) / n;
			break;
		} else {
			++*exits;
		}
	}
	*count = 0;
	if (efd >= 0 && read(efd, count, sizeof *count) != (ssize_t)sizeof *count)
		*count = 0;
	close(vcpu);
	munmap(run, (size_t)size);
	munmap(m, MEM_SIZE);
	if (efd >= 0)
		close(efd);
	close(vm);
	close(kvm);
	return 0;
}

int main(int argc, char **argv)
{
	char *end = NULL;
	unsigned long n = argc > 1 ? strtoul(argv[1], &end, 10) : 20000;
	const char *mode = argc > 2 ? argv[2] : "both";
	int mmio = !strcmp(mode, "mmio") || !strcmp(mode, "both");
	int kick = !strcmp(mode, "ioeventfd") || !strcmp(mode, "both");
	if (argc > 3 || (end && *end) || n == 0 || n > 100000000 || (!mmio && !kick)) {
		fprintf(stderr, "usage: exit-cost [N] [mmio|ioeventfd|both]\n");
		return 2;
	}
	double us;
	long exits;
	uint64_t count;
	if (mmio) {
		if (measure((uint32_t)n, 0, &us, &exits, &count))
			return 1;
		if (exits != (long)n) {
			fprintf(stderr, "exit-cost: %ld exits for %lu writes\n", exits, n);
			return 1;
		}
		printf("mmio-exit %lu exits us-per-exit %.2f\n", n, us);
	}
	if (kick) {
		if (measure((uint32_t)n, 1, &us, &exits, &count))
			return 1;
		if (exits != 0 || count != n) {
			fprintf(stderr,
				"exit-cost: ioeventfd: %ld userspace exits, eventfd count %llu for %lu writes\n", exits,
				(unsigned long long)count, n);
			return 1;
		}
		printf("ioeventfd-kick %lu kicks us-per-kick %.2f eventfd-count %llu\n", n, us,
		       (unsigned long long)count);
	}
	return 0;
}

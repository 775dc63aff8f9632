/*
 * The boot floor: the least a KVM monitor can do.  Open /dev/kvm, create a
 * VM with one page of memory and one vCPU, run three real-mode
 * instructions (write '0' to the serial port, halt), exit.  Built static
 * with musl like tincan-run (tests/bench/run.sh), so "hello exec -> exit"
 * is compared with the same process start-up and the same KVM calls.
 *   kvm-floor-static            the boot floor
 *   kvm-floor-static MEM_BYTES  an idle VM of that size (make bench-density's
 *                               baseline): run to the port write, print
 *                               "kvm-floor: idle", then wait until a signal
 *                               ends it
 *   kvm-floor-static MEM_BYTES paged
 *                               the same, but the vCPU in 64-bit mode at CPL3
 *                               with paging on, as every tincan guest runs:
 *                               a GDT, three page-table pages mapping the
 *                               first 2 MiB, an MMIO write past memory
 *                               instead of the port write.
 *                               Under shadow paging KVM gives such a vCPU
 *                               more than a real-mode one (docs/density.md)
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	/* mov $0x3f8, %dx; mov $'0', %al; out %al, (%dx); hlt */
	static const uint8_t code[] = { 0xba, 0xf8, 0x03, 0xb0, '0', 0xee, 0xf4 };
	/* 64-bit, CPL3: mov $0x200000, %ebx; movl $'0', (%rbx); jmp .  (virtual
	 * 0x200000 is mapped to the guest-physical page past memory: an MMIO exit) */
	static const uint8_t code64[] = { 0xbb, 0x00, 0x00, 0x20, 0x00, 0xc7, 0x03, '0', 0, 0, 0, 0xeb, 0xfe };
	unsigned long long mem_size = argc > 1 ? strtoull(argv[1], NULL, 0) : 4096;
	int paged = argc == 3 && !strcmp(argv[2], "paged");
	if (mem_size < 4096 || mem_size % 4096 || mem_size > (1ULL << 32) || argc > 3 || (argc == 3 && !paged) ||
	    (paged && mem_size < (2ULL << 20))) {
		fprintf(stderr, "usage: kvm-floor-static [MEM_BYTES: a multiple of 4096, at most 4 GiB [paged: at "
				"least 2 MiB]]\n");
		return 2;
	}
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	uint8_t *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	/* Real mode: the code at guest address 0x1000, the slot's start.
	 * Paged: the slot at 0; GDT, PML4, PDPT, PD at 0x1000-0x4000, code at
	 * 0x10000, the first 2 MiB identity-mapped for CPL3. */
	if (paged) {
		uint64_t *gdt = (uint64_t *)(mem + 0x1000);
		gdt[3] = 0x00affb000000ffffULL; /* user code, 64-bit */
		gdt[4] = 0x00cff3000000ffffULL; /* user data */
		((uint64_t *)(mem + 0x2000))[0] = 0x3000 | 7;
		((uint64_t *)(mem + 0x3000))[0] = 0x4000 | 7;
		((uint64_t *)(mem + 0x4000))[0] = 0x87; /* 2 MiB, user, writable */
		((uint64_t *)(mem + 0x4000))[1] = ((mem_size + (2ULL << 20) - 1) & ~((2ULL << 20) - 1)) | 0x87;
		memcpy(mem + 0x10000, code64, sizeof code64);
	} else
		memcpy(mem, code, sizeof code);
	struct kvm_userspace_memory_region r = { .slot = 0,
						 .guest_phys_addr = paged ? 0 : 0x1000,
						 .memory_size = mem_size,
						 .userspace_addr = (uint64_t)(uintptr_t)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size <= 0)
		return fail("KVM_CREATE_VCPU");
	struct kvm_run *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap vcpu");
	struct kvm_sregs s;
	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		return fail("KVM_GET_SREGS");
	struct kvm_regs g = { .rip = 0x1000, .rflags = 2 };
	if (paged) {
		struct kvm_segment cs = { .limit = 0xffffffff,
					  .selector = 0x1b,
					  .type = 11,
					  .present = 1,
					  .dpl = 3,
					  .s = 1,
					  .l = 1,
					  .g = 1 };
		struct kvm_segment ds = cs;
		ds.selector = 0x23, ds.type = 3, ds.l = 0, ds.db = 1;
		s.cs = cs;
		s.ss = s.ds = s.es = s.fs = s.gs = ds;
		s.gdt.base = 0x1000, s.gdt.limit = 5 * 8 - 1;
		s.idt.base = 0, s.idt.limit = 0;
		s.tr = (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
		s.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
		s.cr0 = 0x80010033; /* PG, WP, NE, MP, PE */
		s.cr3 = 0x2000;
		s.cr4 = 0x620; /* PAE, OSFXSR, OSXMMEXCPT */
		s.efer = 0xd00; /* LME, LMA, NXE */
		g.rip = 0x10000, g.rsp = 0x1ff000;
	} else {
		s.cs.base = 0;
		s.cs.selector = 0;
	}
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0 || ioctl(vcpu, KVM_SET_REGS, &g) < 0)
		return fail("KVM_SET_*REGS");
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_HLT)
			return 0;
		if (run->exit_reason != (paged ? KVM_EXIT_MMIO : KVM_EXIT_IO)) {
			fprintf(stderr, "kvm-floor: unexpected exit %u\n", run->exit_reason);
			return 1;
		}
		if (argc > 1) { /* idle: the vCPU has run; say so (one line), wait */
			static const char up[] = "kvm-floor: idle\n";
			if (write(1, up, sizeof up - 1) < 0)
				return fail("write");
			for (;;)
				pause();
		}
	}
}

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
	unsigned long long mem_size = argc > 1 ? strtoull(argv[1], NULL, 0) : 4096;
	if (mem_size < 4096 || mem_size % 4096 || mem_size > (1ULL << 32)) {
		fprintf(stderr, "usage: kvm-floor-static [MEM_BYTES: a multiple of 4096, at most 4 GiB]\n");
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
	memcpy(mem, code, sizeof code);
	struct kvm_userspace_memory_region r = { .slot = 0,
						 .guest_phys_addr = 0x1000,
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
	s.cs.base = 0;
	s.cs.selector = 0;
	struct kvm_regs g = { .rip = 0x1000, .rflags = 2 };
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0 || ioctl(vcpu, KVM_SET_REGS, &g) < 0)
		return fail("KVM_SET_*REGS");
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_HLT)
			return 0;
		if (run->exit_reason != KVM_EXIT_IO) {
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

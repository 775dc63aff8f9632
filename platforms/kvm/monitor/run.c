/*
 * The run loop: one KVM_RUN per exit; a hypercall is a doorbell write
 * (KVM_EXIT_MMIO) handled by hypercall.c, anything else ends the run.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "hypercall.h"
#include "monitor.h"

void vm_run(struct vm *vm)
{
	int again = 0;

	dbg_run_start(vm);
	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR) {
				DBG_COUNT(eintr, 1);
				host_signals();
				continue;
			}
			/* At the host's task limit KVM_RUN fails with EAGAIN: bounded retry, never spin. */
			if (errno == EAGAIN && again++ < 50) {
				nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
				continue;
			}
			die(TC_STATUS_HOST, "KVM_RUN: %m");
		}
		again = 0;
		DBG_COUNT(exits[vm->run->exit_reason < DBG_EXITS ? vm->run->exit_reason : DBG_EXITS - 1], 1);
		switch (vm->run->exit_reason) {
		case KVM_EXIT_MMIO: hc_doorbell(vm); break;
		case KVM_EXIT_SHUTDOWN:
			if (dbg_shutdown(vm))
				break;
			guest_shutdown(vm);
		case KVM_EXIT_IO: guest_fatal(vm, TC_STATUS_FAULT, "guest did port I/O on port 0x%x", vm->run->io.port);
		case KVM_EXIT_HLT: guest_fatal(vm, TC_STATUS_FAULT, "guest halted the CPU");
		case KVM_EXIT_INTERNAL_ERROR:
			guest_fatal(vm, TC_STATUS_FAULT,
				    "KVM could not run the guest's instruction (internal error %u)",
				    vm->run->internal.suberror);
		case KVM_EXIT_FAIL_ENTRY:
			die(TC_STATUS_HOST, "KVM could not enter the guest (hardware reason 0x%llx)",
			    (unsigned long long)vm->run->fail_entry.hardware_entry_failure_reason);
		default: guest_fatal(vm, TC_STATUS_FAULT, "unexpected KVM exit %u", vm->run->exit_reason);
		}
	}
}

/*
 * The stack protector's side in libos.  Guest code is built with
 * -fstack-protector-strong -mstack-protector-guard=global
 * (toolchain/target.cflags): a protected function copies __stack_chk_guard
 * below its return address on entry and calls __stack_chk_fail if the copy
 * changed by the time it returns.  One global canary rather than %fs:0x28:
 * apps without thread-local variables never set %fs, and a KVM host
 * without FSGSBASE cannot.  These definitions take the place of newlib's
 * (libc/ssp), whose canary is fixed and whose failure raises SIGABRT.
 */
#include <stdint.h>

#include "internal.h"
#include <tincan.h>

uintptr_t __stack_chk_guard;

__attribute__((no_stack_protector)) void libos_stack_guard(uint64_t random)
{
	/* The low byte zero, as glibc does: a string copy running over a
	 * buffer cannot write the canary back, nor print it. */
	__stack_chk_guard = (uintptr_t)(random & ~(uint64_t)0xff);
}

noreturn void __stack_chk_fail(void);

void __stack_chk_fail(void)
{
	tincan_panic("stack smashing detected (a function wrote past a local array)");
}

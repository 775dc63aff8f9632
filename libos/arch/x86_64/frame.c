/* A new thread's first context on x86-64 (see arch.h and switch.S). */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "arch.h"

void tc_thread_start(void); /* switch.S: calls %r13(%r12) */

void *arch_thread_frame(void *top, void (*fn)(void *), void *arg)
{
	/* The frame tc_switch pops: control words, r15..r12, rbx, rbp, then
	 * the return into tc_thread_start, leaving %rsp 16-byte aligned there. */
	uint64_t *f = (uint64_t *)((((uintptr_t)top) & ~(uintptr_t)15) - 88);
	memset(f, 0, 88);
	f[0] = 0x37f; /* x87 control word */
	f[1] = 0x1f80; /* MXCSR */
	f[4] = (uint64_t)(uintptr_t)fn; /* r13 */
	f[5] = (uint64_t)(uintptr_t)arg; /* r12 */
	f[8] = (uint64_t)(uintptr_t)tc_thread_start;
	return f;
}

int arch_tp_usable(void)
{
	unsigned a, b, c, d;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & 1);
}

/* What libos needs from the CPU architecture (libos/arch/<arch>/). */
#ifndef LIBOS_ARCH_H
#define LIBOS_ARCH_H

/* Save the running context on its stack, store its stack pointer in
 * *save_sp and resume the context saved at new_sp (switch.S). */
void tc_switch(void **save_sp, void *new_sp);

/* Lay out, below top on a fresh stack, a context that tc_switch resumes by
 * calling fn(arg) with the stack aligned as the ABI wants; fn never
 * returns.  Returns the context's stack pointer. */
void *arch_thread_frame(void *top, void (*fn)(void *), void *arg);

/* Can arch_set_tp work?  x86-64: CPUID says FSGSBASE (the platform must
 * also set CR4.FSGSBASE: the guest runs at CPL3). */
int arch_tp_usable(void);

/* Set the thread pointer: the %fs base on x86-64. */
static inline void arch_set_tp(void *tp)
{
	__asm__ volatile("wrfsbase %0" : : "r"(tp) : "memory");
}

#endif

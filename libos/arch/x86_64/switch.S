/*
 * Cooperative context switch for libos threads (x86-64 SysV).
 *
 *   void tc_switch(void **save_sp, void *new_sp)
 *
 * Saves the callee-saved registers and the SSE/x87 control words on the
 * current stack, stores the stack pointer in *save_sp, and resumes the
 * context whose stack pointer is new_sp.  A new thread's stack is prepared
 * (arch_thread_frame, frame.c) so that "resuming" it enters tc_thread_start
 * with %r12 = the argument and %r13 = the C function to call.
 */
	.text
	.globl tc_switch
	.type tc_switch, @function
tc_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	sub $16, %rsp
	stmxcsr 8(%rsp)
	fnstcw (%rsp)
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	ldmxcsr 8(%rsp)
	fldcw (%rsp)
	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size tc_switch, . - tc_switch

	.globl tc_thread_start
	.type tc_thread_start, @function
tc_thread_start:
	xor %ebp, %ebp		/* backtraces end here */
	mov %r12, %rdi
	call *%r13
	ud2			/* the C function never returns */
	.size tc_thread_start, . - tc_thread_start
	.section .note.GNU-stack, "", @progbits

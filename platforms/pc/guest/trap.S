/*
 * Ring 0's way in from interrupts, exceptions and ring 3's calls (int
 * $PC_TRAP_VEC): each vector's stub pushes an error code (0 where the CPU
 * pushes none) and its number, then every general register, and calls
 * k_trap(frame) (k_trap.c); what k_trap leaves in the frame goes back.
 * Ring 0 never touches the SSE registers, so they are not saved.
 * Also k_enter_user: the first and only way down to ring 3.
 */
#include "abi.h"

	.text
	.code64

.macro stub vec, err
	.balign 16
stub_\vec:
	.if \err == 0
	push $0
	.endif
	push $\vec
	jmp trap_common
.endm

/* Vectors whose exceptions push an error code. */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub \v, HAS_ERR(\v)
.endr
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	stub \v, 0
.endr
	stub 128, 0

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call k_trap
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp				/* vector and error code */
	iretq

/* The stubs' addresses, for k_cpu.c's IDT: vectors 0..47, then 128. */
	.section .rodata
	.balign 8
	.globl k_stubs
k_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad stub_\v
.endr
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad stub_\v
.endr
	.quad stub_128

/* k_enter_user(rip, rsp, arg): to ring 3 at rip on stack rsp with %rdi =
 * arg, interrupts off there (ring 3 sleeps only through PC_CALL_WAIT). */
	.text
	.globl k_enter_user
	.type k_enter_user, @function
k_enter_user:
	mov $PC_UDATA, %eax
	mov %eax, %ds
	mov %eax, %es
	push $PC_UDATA
	push %rsi
	push $0x2
	push $PC_UCODE
	push %rdi
	mov %rdx, %rdi
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	iretq
	.size k_enter_user, . - k_enter_user

	.section .note.GNU-stack, "", @progbits

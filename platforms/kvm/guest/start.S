/*
 * Entry point of every tincan KVM image.  tincan-run starts us at CPL3 with
 * %rdi = boot info and %rsi = TC_BOOT_MAGIC.  Anything else means Linux
 * exec'd the image as a program (./app.tc, or a configure test): then
 * %rsp points at argc and we hand the image to tincan-run.
 */
	.section .text.tincan_start, "ax"
	.globl _start
	.type _start, @function
_start:
	xor %ebp, %ebp
	movabs $0x74696e63616e3031, %rax	/* TC_BOOT_MAGIC */
	cmp %rax, %rsi
	jne 1f
	call tc_kvm_start
	ud2
1:	mov %rsp, %rdi
	and $-16, %rsp
	call tc_hostexec
	ud2
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits

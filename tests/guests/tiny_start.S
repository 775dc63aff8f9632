/* Entry for the hand-written test guests: no libc, no libos. */
	.section .text.tincan_start, "ax"
	.globl _start
	.type _start, @function
_start:
	xor %ebp, %ebp
	call tiny_main
	ud2
	.section .note.GNU-stack, "", @progbits

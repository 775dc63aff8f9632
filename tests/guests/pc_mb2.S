/*
 * A tiny multiboot2 kernel for the ISO tests (tests/iso.bats): GRUB enters
 * it in 32-bit protected mode, paging off, with the boot information in
 * %ebx.  It prints "CMDLINE=<the multiboot2 command line>" on COM1, then
 * exits QEMU through isa-debug-exit (port 0xf4) with the number N of the
 * last "exit=N" word on that line (0 without one); where there is no such device
 * it powers off through ACPI (0x2000 to port 0x604), and failing that
 * triple-faults (QEMU -no-reboot then stops).  No stack is needed beyond
 * the one below; nothing else is set up.
 */
#define MB2_MAGIC 0xE85250D6
#define MB2_BOOT_MAGIC 0x36d76289
#define COM1 0x3f8

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0 /* i386 */
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + (mb2_header_end - mb2_header))
	.short 0, 0 /* the end tag */
	.long 8
mb2_header_end:

	.text
	.code32
	.globl start
start:
	cli
	mov $stack_top, %esp
	cld
	mov $no_magic, %esi
	cmp $MB2_BOOT_MAGIC, %eax
	jne 9f
	/* Walk the tags (8-aligned, after the 8-byte total size/reserved). */
	lea 8(%ebx), %edi
1:	mov (%edi), %eax
	test %eax, %eax /* the end tag */
	jz 8f
	cmp $1, %eax /* the boot command line */
	je 2f
	add 4(%edi), %edi
	add $7, %edi
	and $~7, %edi
	jmp 1b
2:	lea 8(%edi), %edi
	mov $prefix, %esi
	call puts
	mov %edi, %esi
	call puts
	mov $newline, %esi
	call puts
	/* exit=N at the start of a word (the last one): the status, in %ebp. */
	xor %ebp, %ebp
	mov %edi, %esi
	mov $' ', %dl /* the character before the current one */
3:	mov (%esi), %al
	test %al, %al
	jz 6f
	cmp $' ', %dl
	jne 4f
	cmpl $0x74697865, (%esi) /* "exit" */
	jne 4f
	cmpb $'=', 4(%esi)
	jne 4f
	add $5, %esi
	xor %ebp, %ebp
5:	movzbl (%esi), %ecx
	sub $'0', %ecx
	cmp $9, %ecx
	ja 3b
	imul $10, %ebp
	add %ecx, %ebp
	inc %esi
	jmp 5b
4:	mov %al, %dl
	inc %esi
	jmp 3b
8:	mov $no_cmdline, %esi
9:	call puts
	xor %ebp, %ebp
6:	/* isa-debug-exit: QEMU exits with (status << 1) | 1. */
	mov %ebp, %eax
	out %al, $0xf4
	mov $0x604, %dx
	mov $0x2000, %ax
	out %ax, %dx
	lidt null_idt
	int $3
	hlt

/* Print the NUL-terminated string at %esi on COM1. */
puts:
	mov $COM1 + 5, %dx /* line status: wait for an empty holding register */
1:	in %dx, %al
	test $0x20, %al
	jz 1b
	lodsb
	test %al, %al
	jz 2f
	mov $COM1, %dx
	out %al, %dx
	jmp puts
2:	ret

	.section .rodata
prefix: .asciz "CMDLINE="
newline: .asciz "\r\n"
no_cmdline: .asciz "NO CMDLINE\r\n"
no_magic: .asciz "NOT MULTIBOOT2\r\n"
	.balign 8
null_idt: .short 0
	.long 0

	.bss
	.balign 16
	.skip 1024
stack_top:

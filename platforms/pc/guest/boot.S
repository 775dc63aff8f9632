/*
 * The pc platform's entry points, in 32-bit protected mode with paging off:
 *  - _start, from a multiboot2 boot loader (GRUB): %eax holds the
 *    multiboot2 magic, %ebx the boot information;
 *  - pc_pvh_entry, the PVH entry named by the Xen ELF note (QEMU -kernel,
 *    -M microvm and the VMMs that boot PVH): %ebx holds hvm_start_info.
 * Both map the first 4 GiB one to one with 2 MiB pages, switch to long
 * mode and call k_main(kind, info) in ring 0 (k_main.c), on the boot stack.
 */
#include "abi.h"

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

	.section .text.pc_boot, "ax"
	.code32

/* The multiboot2 header: within the first 32 KiB of the file, 8-aligned. */
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* The entry address tag: the ELF entry is where we are told to start
	 * anyway, but say it. */
	.balign 8
	.word 3, 0
	.long 12
	.long _start
	/* Console flags: we have a (serial) console, EGA text not required. */
	.balign 8
	.word 4, 0
	.long 12
	.long 0
	.balign 8
	.word 0, 0
	.long 8
mb2_header_end:

	.globl _start
	.type _start, @function
_start:
	cli
	cld
	mov $1, %esi				/* kind 1: multiboot2; %eax: its magic */
	mov %eax, %edi
	jmp common32
	.size _start, . - _start

	.globl pc_pvh_entry
	.type pc_pvh_entry, @function
pc_pvh_entry:
	cli
	cld
	mov $2, %esi				/* kind 2: PVH */
	xor %edi, %edi
	jmp common32
	.size pc_pvh_entry, . - pc_pvh_entry

/* %esi kind, %edi multiboot2 magic (or 0), %ebx the loader's information. */
common32:
	mov $boot_stack_top, %esp
	/* The boot page tables: PML4[0] -> PDPT, PDPT[0..3] -> 4 page
	 * directories of 2 MiB pages covering 0..4 GiB. */
	mov $boot_pml4, %edx
	xor %eax, %eax
	mov $(6 * 1024), %ecx			/* 6 pages of longs */
	push %edi
	mov %edx, %edi
	rep stosl
	pop %edi
	lea (boot_pdpt + 3), %eax
	mov %eax, boot_pml4
	xor %ecx, %ecx
1:	mov %ecx, %eax				/* directory i at boot_pd + i * 4096 */
	shl $12, %eax
	add $(boot_pd + 3), %eax
	mov %eax, boot_pdpt(, %ecx, 8)
	inc %ecx
	cmp $4, %ecx
	jne 1b
	xor %ecx, %ecx				/* 2048 entries: 2 MiB pages */
2:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax				/* present, writable, 2 MiB */
	mov %eax, boot_pd(, %ecx, 8)
	mov %ecx, %eax
	shr $11, %eax				/* bits 32+ of the address */
	mov %eax, boot_pd + 4(, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 2b

	mov %cr4, %eax
	or $(1 << 5), %eax			/* PAE */
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx			/* EFER: long mode, no-execute */
	rdmsr
	or $((1 << 8) | (1 << 11)), %eax
	wrmsr
	mov %cr0, %eax
	or $((1 << 31) | (1 << 16) | 1), %eax	/* paging, write protect, protected mode */
	mov %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $PC_KCODE, $long64

	.code64
long64:
	mov $PC_KDATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp
	mov %esi, %esi				/* zero-extend: kind */
	mov %edi, %edx				/* multiboot2 magic */
	mov %esi, %edi
	mov %ebx, %esi				/* the loader's information */
	call k_main
	ud2

	.section .rodata
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* PC_KCODE: 64-bit code, ring 0 */
	.quad 0x00cf92000000ffff		/* PC_KDATA */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

/* The PVH entry, for loaders that read it from this note. */
	.section .note.Xen, "a"
	.balign 4
	.long 4					/* name size */
	.long 4					/* descriptor size */
	.long 18				/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pc_pvh_entry

	.section .kdata, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.globl boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits

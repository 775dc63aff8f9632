/*
 * The pc platform's ABI: what an image linked for it expects of the machine
 * and how its two halves (ring 0, guest/k_*.c, and ring 3, libos + the app)
 * call each other.  Booted by a multiboot2 boot loader (GRUB) or through
 * the PVH entry (QEMU -kernel, microvm, Firecracker, Cloud Hypervisor).
 * Bump PC_ABI_VERSION on any incompatible change.
 */
#ifndef TINCAN_PC_ABI_H
#define TINCAN_PC_ABI_H

#define PC_ABI_VERSION 1

/* Where images are linked: physical = virtual, above the first MiB. */
#define PC_IMAGE_BASE 0x100000

/* Segment selectors (k_cpu.c's GDT). */
#define PC_KCODE 0x08
#define PC_KDATA 0x10
#define PC_UDATA 0x1b
#define PC_UCODE 0x23
#define PC_TSS 0x28

/* The vector ring 3 traps through for what needs ring 0: int $PC_TRAP_VEC
 * with the call number in %rax and arguments in %rdi, %rsi, %rdx; the
 * result comes back in %rax.  Nothing else is clobbered. */
#define PC_TRAP_VEC 0x80
#define PC_CALL_WRITE 1 /* (fd, buf, len): to the serial console; bytes or -errno */
#define PC_CALL_READ 2 /* (buf, len): console bytes waiting now, without blocking */
#define PC_CALL_WAIT 3 /* (deadline_tsc, wanted): halt until then or an event; events */
#define PC_CALL_EXIT 4 /* (status): power off; does not return */
#define PC_CALL_PANIC 5 /* (msg, len): report a panic with the caller's backtrace; power off (100) */
#define PC_CALL_GUARD 6 /* (addr, on): heap page at addr a guard page (1) or RAM again (0); 0 or -errno */

/* Interrupt vectors: the legacy PICs are moved here. */
#define PC_IRQ_BASE 0x20

#endif

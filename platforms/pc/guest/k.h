/*
 * Ring 0 of the pc platform: what its files (k_*.c, boot.S, trap.S) share.
 * Ring 0 sets the machine up (page tables, descriptor tables, devices),
 * enters ring 3 once, and then only answers ring 3's calls (int $0x80),
 * interrupts while ring 3 waits, and faults.  It uses no SSE register and
 * calls nothing of libos or the C library.
 */
#ifndef TINCAN_PC_K_H
#define TINCAN_PC_K_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "pc.h"

/* Ring 0's own variables (zero at the start: .kdata is not loaded, only
 * cleared) go where ring 3 cannot reach them.  pc_boot_info stays in
 * ring 3's memory: ring 0 reads it only before it enters ring 3, and
 * after that only to word its fault messages. */
#define K_PRIVATE __attribute__((section(".kdata.private")))

/* The registers trap.S saves, lowest address first. */
struct k_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vec, err, rip, cs, rflags, rsp, ss;
};

/* What the boot loader said about memory: usable RAM below 4 GiB. */
#define K_RAM_MAX 32
struct k_ram {
	uint64_t start, end;
};
extern struct k_ram k_ram[K_RAM_MAX];
extern unsigned k_nram;
int k_is_ram(uint64_t a, uint64_t len);
/* Ring 0's pages end here (the image's .kdata, the symbols GRUB loaded,
 * the page tables): [__pc_data_end, k_ring0_end). */
extern uint64_t k_ring0_end;

/* k_main.c: where ring 3's memory lies, for the page tables and faults. */
extern struct pc_boot pc_boot_info;

/* k_cpu.c */
void k_cpu_init(void); /* GDT, TSS, IDT, SSE, FSGSBASE */
/* Page tables: the image by section, ring 0's pages, ring 3's RAM, the
 * guard page under the main stack; page tables come from [pool, pool_end). */
void k_paging_init(uint64_t pool, uint64_t pool_end);
/* Whether ring 3 may read (or, with write, write) [a, a + len): mapped for
 * ring 3, in RAM. */
int k_user_access(uint64_t a, uint64_t len, int write);
#define k_user_readable(a, len) k_user_access((a), (len), 0)
/* PC_CALL_GUARD: the heap page at a (page-aligned) a guard page, not
 * present (on 1), or ring 3's RAM again (on 0); a 2 MiB page holding it is
 * split first.  0, or -22 (not a heap page), -12 (no page table left). */
int64_t k_guard(uint64_t a, uint64_t on);

/* k_dev.c: the serial console, timers, the real-time clock, power. */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t k_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
void k_serial_init(void);
void k_write(const char *s, size_t n);
void k_puts(const char *s);
void k_hex(uint64_t v);
void k_dec(uint64_t v);
int k_serial_ready(void); /* input waiting */
size_t k_serial_read(char *buf, size_t len);
void k_timers_init(void); /* PICs, PIT, the TSC's frequency */
uint64_t k_tsc_hz(void);
int64_t k_rtc_seconds(void); /* since the epoch, or -1 */
unsigned k_wait(uint64_t deadline_tsc, unsigned wanted);
void k_irq(unsigned irq);
void k_acpi_init(uint64_t rsdp); /* 0: look for it */
noreturn void k_poweroff(int status);

/* k_pci.c: virtio devices on PCI bus 0, matched to the manifest's devices
 * into pc_boot_info.dev (before k_paging_init: it maps their registers for
 * ring 3), their IRQs unmasked (after k_timers_init); the IRQ handler's
 * part, and the events pending for waits. */
void k_pci_init(void);
int k_pci_user_page(uint64_t a); /* a ring 3 page of a device's registers */
int k_pci_in(uint64_t lo, uint64_t hi); /* such a page lies in [lo, hi) */
/* The i-th device register range above 4 GiB (for k_paging_init): 1 and
 * it, ring 3's or not, or 0 past the last. */
int k_pci_high(unsigned i, uint64_t *start, uint64_t *end, int *user);
void k_pci_irq(unsigned irq);
unsigned k_pci_take(unsigned wanted); /* pending wanted events, cleared */

/* k_syms.c: the image's symbols, when GRUB loaded them (multiboot2 tag 9). */
void k_syms_mb2(const void *tag, uint32_t size);
uint64_t k_syms_keep(uint64_t lo, uint64_t hi);
const char *k_sym(uint64_t addr, uint64_t *off);

/* k_trap.c */
void k_trap(struct k_frame *f);
noreturn void k_fail(const char *what); /* before ring 3: say it and power off */

/* trap.S */
extern const uint64_t k_stubs[49];
noreturn void k_enter_user(uint64_t rip, uint64_t rsp, uint64_t arg);

/* boot.S */
extern char boot_stack_top[];

/* The linker script's section bounds. */
extern char __pc_image_start[], __pc_text_end[], __pc_rodata_end[], __pc_data_end[], __pc_image_end[];

static inline void k_memset(void *p, int c, size_t n)
{
	unsigned char *d = p;
	while (n--)
		*d++ = (unsigned char)c;
}
static inline void k_memcpy(void *to, const void *from, size_t n)
{
	unsigned char *d = to;
	const unsigned char *s = from;
	while (n--)
		*d++ = *s++;
}

#endif

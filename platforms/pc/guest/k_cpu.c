/*
 * Ring 0's CPU tables: the GDT (ring 0 and ring 3 segments, the TSS), the
 * IDT (exceptions, the legacy IRQs, ring 3's call gate), SSE and FSGSBASE
 * for ring 3, and the page tables that give ring 3 the same permissions
 * tincan-run gives a kvm guest: text R-X, rodata R--, data and heap RW- NX,
 * nothing at page 0, a guard page under the main stack; ring 0's own pages
 * (tables, stack, page tables) are out of ring 3's reach.
 */
#include "k.h"

#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_U 4ull
#define PTE_PWT 8ull
#define PTE_PCD 0x10ull
#define PTE_PS 0x80ull
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));

static uint64_t gdt[7] __attribute__((section(".kdata"), aligned(16)));
static struct tss tss __attribute__((section(".kdata"), aligned(16)));
static uint64_t idt[256 * 2] __attribute__((section(".kdata"), aligned(16)));
static uint64_t *pml4 K_PRIVATE;

/* A stack of its own for double faults and NMIs (IST 1): they must be
 * reported even when ring 0's stack is what went wrong. */
static unsigned char ist_stack[4096] __attribute__((section(".kdata"), aligned(16)));

static void set_gate(unsigned vec, uint64_t handler, unsigned dpl, unsigned ist)
{
	idt[vec * 2] = (handler & 0xffff) | ((uint64_t)PC_KCODE << 16) | ((uint64_t)ist << 32) |
		       ((uint64_t)(0x8e | dpl << 5) << 40) | ((handler >> 16 & 0xffff) << 48);
	idt[vec * 2 + 1] = handler >> 32;
}

void k_cpu_init(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* ring 0 code, 64-bit */
	gdt[2] = 0x00cf92000000ffffull; /* ring 0 data */
	gdt[3] = 0x00cff2000000ffffull; /* ring 3 data */
	gdt[4] = 0x00affa000000ffffull; /* ring 3 code, 64-bit */
	uint64_t t = (uint64_t)&tss, lim = sizeof tss - 1;
	gdt[5] = (lim & 0xffff) | ((t & 0xffffff) << 16) | (0x89ull << 40) | ((t >> 24 & 0xff) << 56);
	gdt[6] = t >> 32;
	tss.rsp[0] = (uint64_t)boot_stack_top; /* traps from ring 3 land here */
	tss.ist[0] = (uint64_t)(ist_stack + sizeof ist_stack);
	tss.iomap = sizeof tss; /* no I/O bitmap: ring 3 has no ports */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gp = { sizeof gdt - 1, (uint64_t)gdt }, ip = { sizeof idt - 1, (uint64_t)idt };
	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq %1\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "mov %2, %%eax\n\t"
			     "mov %%eax, %%ds\n\t"
			     "mov %%eax, %%es\n\t"
			     "mov %%eax, %%ss\n\t"
			     "mov %3, %%eax\n\t"
			     "ltr %%ax"
			     :
			     : "m"(gp), "i"((uint64_t)PC_KCODE), "i"(PC_KDATA), "i"(PC_TSS)
			     : "rax", "memory");
	for (unsigned v = 0; v < 48; v++)
		set_gate(v, k_stubs[v], 0, v == 2 || v == 8);
	set_gate(PC_TRAP_VEC, k_stubs[48], 3, 0);
	__asm__ __volatile__("lidt %0" : : "m"(ip));

	/* SSE for ring 3 (ring 0 never uses it): CR0.MP on, EM off; CR4
	 * OSFXSR, OSXMMEXCPT; FSGSBASE when the CPU has it (libos's TLS). */
	uint64_t cr0, cr4;
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 & ~(1ull << 2)) | (1ull << 1);
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(cr0));
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1ull << 9) | (1ull << 10);
	uint32_t a = 0, b, c = 0, d;
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (a >= 7) {
		a = 7;
		c = 0;
		__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		if (b & 1)
			cr4 |= 1ull << 16;
	}
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(cr4));
	__asm__ __volatile__("fninit");
}

/* ---- page tables ---- */

static uint64_t *pool_next K_PRIVATE, pool_end K_PRIVATE;

static uint64_t *table(void)
{
	if ((uint64_t)pool_next + 4096 > pool_end)
		k_fail("out of page-table pages");
	uint64_t *t = pool_next;
	pool_next += 512;
	k_memset(t, 0, 4096);
	return t;
}

/* The leaf flags for the 4 KiB page at a. */
static uint64_t flags_for(uint64_t a)
{
	const struct pc_boot *b = &pc_boot_info;
	if (a < 0x1000 || a == b->stack_bottom - 4096)
		return 0; /* null pointers and the stack's guard fault */
	if (a < 0x100000)
		return PTE_P | PTE_W | PTE_NX; /* the BIOS's: ACPI tables, VGA */
	if (a >= (uint64_t)__pc_image_start && a < (uint64_t)__pc_text_end)
		return PTE_P | PTE_U;
	if (a >= (uint64_t)__pc_text_end && a < (uint64_t)__pc_rodata_end)
		return PTE_P | PTE_U | PTE_NX;
	if (a >= (uint64_t)__pc_rodata_end && a < (uint64_t)__pc_data_end)
		return PTE_P | PTE_W | PTE_U | PTE_NX;
	if (a >= (uint64_t)__pc_data_end && a < k_ring0_end)
		return PTE_P | PTE_W | PTE_NX; /* ring 0's tables, stack, page tables */
	if (k_is_ram(a, 4096))
		return PTE_P | PTE_W | PTE_U | PTE_NX;
	if (k_pci_user_page(a)) /* virtio registers: ring 3 drives the devices */
		return PTE_P | PTE_W | PTE_U | PTE_NX | PTE_PCD | PTE_PWT;
	return PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT; /* devices (and holes): ring 0, uncached */
}

/* Whether [lo, hi) holds a place where flags_for changes. */
static int split(uint64_t lo, uint64_t hi)
{
	const struct pc_boot *b = &pc_boot_info;
	uint64_t edges[] = { 0x1000,
			     0x100000,
			     (uint64_t)__pc_image_start,
			     (uint64_t)__pc_text_end,
			     (uint64_t)__pc_rodata_end,
			     (uint64_t)__pc_data_end,
			     k_ring0_end,
			     b->stack_bottom - 4096,
			     b->stack_bottom };
	for (unsigned i = 0; i < sizeof edges / sizeof *edges; i++)
		if (edges[i] > lo && edges[i] < hi)
			return 1;
	for (unsigned i = 0; i < k_nram; i++)
		if ((k_ram[i].start > lo && k_ram[i].start < hi) || (k_ram[i].end > lo && k_ram[i].end < hi))
			return 1;
	return lo == 0 || k_pci_in(lo, hi); /* page 0, device registers */
}

/* One 4 KiB page at a, identity-mapped, above the first 4 GiB. */
static void map_high(uint64_t a, uint64_t flags)
{
	uint64_t *t = pml4;
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(a >> shift) & 511];
		if (!(*e & PTE_P))
			*e = (uint64_t)table() | PTE_P | PTE_W | PTE_U;
		t = (uint64_t *)(*e & PTE_ADDR);
	}
	t[(a >> 12) & 511] = a | flags;
}

void k_paging_init(uint64_t pool, uint64_t end)
{
	pool_next = (uint64_t *)pool;
	pool_end = end;
	pml4 = table();
	uint64_t *pdpt = table();
	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_W | PTE_U;
	for (uint64_t g = 0; g < 4; g++) {
		uint64_t *pd = table();
		pdpt[g] = (uint64_t)pd | PTE_P | PTE_W | PTE_U;
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t a = (g << 30) | (i << 21);
			if (!split(a, a + (2ull << 20))) {
				uint64_t f = flags_for(a);
				pd[i] = f ? a | f | PTE_PS : 0;
				continue;
			}
			uint64_t *pt = table();
			pd[i] = (uint64_t)pt | PTE_P | PTE_W | PTE_U;
			for (uint64_t j = 0; j < 512; j++) {
				uint64_t f = flags_for(a + (j << 12));
				pt[j] = f ? (a + (j << 12)) | f : 0;
			}
		}
	}
	/* Device registers the firmware put above 4 GiB (64-bit BARs). */
	uint64_t lo, hi;
	int user;
	for (unsigned i = 0; k_pci_high(i, &lo, &hi, &user); i++)
		for (uint64_t a = lo < (1ull << 32) ? 1ull << 32 : lo; a < hi; a += 4096)
			map_high(a, PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT | (user ? PTE_U : 0));
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(pml4) : "memory");
}

int k_user_access(uint64_t a, uint64_t len, int write)
{
	if (a + len < a || a + len > (1ull << 32))
		return 0;
	for (uint64_t p = a & ~4095ull; p < a + len; p += 4096) {
		uint64_t pdpe = ((uint64_t *)(pml4[0] & PTE_ADDR))[p >> 30];
		if (!(pdpe & PTE_P))
			return 0;
		uint64_t pde = ((uint64_t *)(pdpe & PTE_ADDR))[(p >> 21) & 511];
		uint64_t e = pde & PTE_PS ? pde : ((uint64_t *)(pde & PTE_ADDR))[(p >> 12) & 511];
		if (!(pde & PTE_P) || !(e & PTE_P) || !(e & PTE_U) || (write && !(e & PTE_W)) || !k_is_ram(p, 4096))
			return 0;
	}
	return 1;
}

int64_t k_guard(uint64_t a, uint64_t on)
{
	const struct pc_boot *b = &pc_boot_info;
	if ((a & 4095) || a < b->heap_start || a >= b->heap_end || on > 1)
		return -22;
	uint64_t *pd = (uint64_t *)(((uint64_t *)(pml4[0] & PTE_ADDR))[a >> 30] & PTE_ADDR);
	uint64_t *pde = &pd[(a >> 21) & 511];
	if (*pde & PTE_PS) {
		if ((uint64_t)pool_next + 4096 > pool_end)
			return -12;
		uint64_t *pt = table(), base = *pde & PTE_ADDR & ~0x1fffffull;
		for (uint64_t j = 0; j < 512; j++)
			pt[j] = (base + (j << 12)) | (*pde & (PTE_P | PTE_W | PTE_U | PTE_NX));
		*pde = (uint64_t)pt | PTE_P | PTE_W | PTE_U;
	}
	uint64_t *e = &((uint64_t *)(*pde & PTE_ADDR))[(a >> 12) & 511];
	*e = on ? *e & ~PTE_P : *e | PTE_P;
	/* Ring 0 owns the tables: reloading CR3 drops every cached translation. */
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(pml4) : "memory");
	return 0;
}

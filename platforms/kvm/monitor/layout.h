/*
 * Guest memory layout and the checked guest-address translation.
 *
 * The layout is computed once from the image and the command line; from
 * then on it is the single source of truth for which guest addresses the
 * guest may read or write.  The monitor translates every guest address it
 * is handed through gm_ptr(), which checks bounds, overflow and permission.
 */
#ifndef TINCAN_LAYOUT_H
#define TINCAN_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "../abi.h"
#include "elfimage.h"

#define GM_R 4u
#define GM_W 2u
#define GM_X 1u
#define GM_SUPER 8u /* mapped for the CPU only (CPL0), not for the guest */

#define GM_REGIONS_MAX (EI_SEG_MAX + 8)

/* The guest's page tables (layout.c builds them, guard.c splits them). */
#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_U 0x4ULL
#define PTE_A 0x20ULL
#define PTE_D 0x40ULL
#define PTE_PS 0x80ULL
/* Every entry is made accessed, and every writable leaf dirty, up front:
 * KVM's shadow paging then maps a writable page writable at its first
 * fault (not read-only first, to catch the dirtying), sets no bit in the
 * guest's tables, and maps up to 7 neighbours of a faulting 4 KiB page in
 * the same fault (it prefetches only accessed entries whose host page is
 * present): hello's run took 25 page-table walks, now 11.  The guest
 * never reads these bits. */
#define PTE_TABLE (PTE_P | PTE_W | PTE_U | PTE_A)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

struct gm_region {
	uint64_t start, end; /* page aligned, end exclusive */
	unsigned perm; /* GM_* */
};

struct guest_layout {
	uint64_t mem_size;
	uint64_t gdt; /* guest address of the GDT page */
	uint64_t pml4; /* guest address of the top page table */
	uint64_t heap_start, heap_end; /* heap_end: backed so far */
	uint64_t heap_max; /* growth may move heap_end up to here (== heap_end: fixed memory) */
	int grows; /* heap above stack and boot info, [0, heap_end) backed: growth on */
	uint64_t guard; /* the unmapped page below the stack */
	uint64_t stack_bottom, stack_top;
	uint64_t info; /* boot info page(s): [info, mem_size) */
	uint64_t tables_end; /* page tables use [pml4, tables_end); guard.c takes spare pages above */
	unsigned nregion;
	struct gm_region region[GM_REGIONS_MAX]; /* sorted, not overlapping */
};

struct gm {
	uint8_t *base; /* host address of guest address 0 */
	const struct guest_layout *lay;
};

/*
 * Plan the layout for an image in mem_size bytes of guest memory with the
 * given stack and boot info sizes (bytes, rounded up to pages).  Returns 0,
 * or -1 with a one-line reason in err; *need is then the smallest memory
 * size that would fit (0 if no size would).  With mem_max at least a 2 MiB
 * chunk above mem_size (and at most TC_MEM_MAX) the layout grows: guard,
 * stack and boot info right above the image, then the heap, backed up to
 * mem_size rounded up to 2 MiB and free to grow to mem_max (rounded down).
 */
int layout_plan(struct guest_layout *lay, const struct ei_image *img, uint64_t mem_size, uint64_t mem_max,
		uint64_t stack, uint64_t info_size, uint64_t *need, char *err, size_t errlen);

/*
 * Back the heap up to new_end (a 2 MiB multiple, heap_end < new_end <=
 * heap_max): extend its region and map its 2 MiB pages in the tables at
 * base (none without base: a restore's tables have them).  The caller has
 * given the memory to KVM first.
 */
void layout_grow(struct guest_layout *lay, uint8_t *base, uint64_t new_end);

/*
 * Write the GDT and the page tables for lay into guest memory at base
 * (mem_size bytes, zeroed).  Returns 0, or -1 if the tables do not fit in
 * the monitor's low area (err says why).
 */
int layout_build_tables(struct guest_layout *lay, uint8_t *base, char *err, size_t errlen);

/*
 * Translate guest range [gpa, gpa+len) to a host pointer if the guest may
 * access all of it with every permission in perm (GM_R and/or GM_W).
 * The range may cross adjacent regions that all allow perm.  Returns NULL
 * for anything else: outside RAM, overflow, monitor-owned, unmapped, or
 * read-only when GM_W is asked.  len 0 is checked like len 1.
 */
void *gm_ptr(const struct gm *g, uint64_t gpa, uint64_t len, unsigned perm);

/* The region containing gpa, or NULL. */
const struct gm_region *gm_region_of(const struct guest_layout *lay, uint64_t gpa);

#endif

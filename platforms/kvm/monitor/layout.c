/*
 * Guest layout, page tables and guest-address checks; see layout.h.
 *
 * Page tables: 4-level, identity mapped.  A 2 MiB chunk of guest memory
 * whose pages all have the same permission becomes one 2 MiB page; only
 * chunks with a permission boundary inside get a page table.  That keeps
 * the tables in the few pages below TC_IMAGE_BASE for any --mem.
 */
#include "layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PAGE TC_PAGE_SIZE
#define CHUNK (2ULL << 20)
#define GIB (1ULL << 30)

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void add_region(struct guest_layout *lay, uint64_t start, uint64_t end, unsigned perm)
{
	struct gm_region *prev = lay->nregion ? &lay->region[lay->nregion - 1] : NULL;

	if (start == end)
		return;
	if (prev && prev->end == start && prev->perm == perm) {
		prev->end = end;
		return;
	}
	lay->region[lay->nregion++] = (struct gm_region){ start, end, perm };
}

int layout_plan(struct guest_layout *lay, const struct ei_image *img, uint64_t mem_size, uint64_t mem_max,
		uint64_t stack, uint64_t info_size, uint64_t *need, char *err, size_t errlen)
{
	memset(lay, 0, sizeof *lay);
	*need = 0;
	int deflt = !stack;
	if (deflt) {
		stack = mem_size / 8 / PAGE * PAGE;
		stack = stack > TC_STACK_DEFAULT ? TC_STACK_DEFAULT : stack < TC_STACK_SMALL ? TC_STACK_SMALL : stack;
	}
	stack = round_up(stack, PAGE);
	info_size = round_up(info_size, PAGE);
	/* A default stack gives way to a big image, down to the small one:
	 * images that fitted with the old 64 KiB default still boot. */
	if (deflt && img->hi <= mem_size && info_size <= mem_size) {
		uint64_t room = mem_size - img->hi;
		room = room > PAGE + info_size ? (room - PAGE - info_size) / PAGE * PAGE : 0;
		if (stack > room)
			stack = room > TC_STACK_SMALL ? room : TC_STACK_SMALL;
	}

	if (img->lo < TC_IMAGE_BASE)
		return fail(err, errlen, "segment at 0x%llx lies below 0x%llx, where tincan images start",
			    (unsigned long long)img->lo, (unsigned long long)TC_IMAGE_BASE);
	if (img->hi > TC_MEM_MAX || stack > TC_MEM_MAX || info_size > TC_MEM_MAX) {
		return fail(err, errlen, "image ends at 0x%llx, beyond the largest guest memory (%llu MiB)",
			    (unsigned long long)img->hi, (unsigned long long)(TC_MEM_MAX >> 20));
	}
	/* Everything above the image: heap (may be empty), guard, stack, boot info. */
	uint64_t fit = img->hi + PAGE + stack + info_size;
	if (fit > mem_size) {
		*need = fit <= TC_MEM_MAX ? fit : 0;
		return fail(err, errlen,
			    "image needs %llu KiB of guest memory (segments up to 0x%llx, %llu KiB stack), "
			    "more than the %llu KiB given",
			    (unsigned long long)(fit >> 10), (unsigned long long)img->hi,
			    (unsigned long long)(stack >> 10), (unsigned long long)(mem_size >> 10));
	}

	lay->gdt = PAGE;
	lay->pml4 = 2 * PAGE;
	/* Growth: guard, stack and boot info go right above the image, the
	 * heap above them, free to grow in whole 2 MiB chunks (one page
	 * directory entry each) up to mem_max.  At first the heap ends where
	 * mem_size does, rounded up to a chunk, so one memory slot covers all
	 * the guest has at boot. */
	uint64_t end0 = round_up(mem_size, CHUNK), max = mem_max & ~(CHUNK - 1);
	if (end0 == fit)
		end0 += CHUNK;
	if (mem_max > mem_size && mem_max <= TC_MEM_MAX && end0 < max) {
		lay->grows = 1;
		lay->mem_size = max;
		lay->guard = img->hi;
		lay->stack_bottom = lay->guard + PAGE;
		lay->stack_top = lay->stack_bottom + stack;
		lay->info = lay->stack_top;
		lay->heap_start = lay->info + info_size;
		lay->heap_end = end0;
		lay->heap_max = max;
	} else {
		lay->mem_size = mem_size;
		lay->info = mem_size - info_size;
		lay->stack_top = lay->info;
		lay->stack_bottom = lay->stack_top - stack;
		lay->guard = lay->stack_bottom - PAGE;
		lay->heap_start = img->hi;
		lay->heap_end = lay->heap_max = lay->guard;
	}

	add_region(lay, lay->gdt, lay->gdt + PAGE, GM_SUPER | GM_R);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct ei_segment *s = &img->seg[i];
		unsigned perm = (s->perm & EI_R ? GM_R : 0) | (s->perm & EI_W ? GM_W : 0) | (s->perm & EI_X ? GM_X : 0);
		/* Holes between segments stay unmapped. */
		add_region(lay, s->vaddr, round_up(s->vaddr + s->memsz, PAGE), perm | GM_R);
	}
	/* Regions in address order. */
	if (!lay->grows)
		add_region(lay, lay->heap_start, lay->heap_end, GM_R | GM_W);
	add_region(lay, lay->stack_bottom, lay->stack_top, GM_R | GM_W);
	add_region(lay, lay->info, lay->info + info_size, GM_R);
	if (lay->grows)
		add_region(lay, lay->heap_start, lay->heap_end, GM_R | GM_W);
	return 0;
}

const struct gm_region *gm_region_of(const struct guest_layout *lay, uint64_t gpa)
{
	for (unsigned i = 0; i < lay->nregion; i++)
		if (gpa >= lay->region[i].start && gpa < lay->region[i].end)
			return &lay->region[i];
	return NULL;
}

void *gm_ptr(const struct gm *g, uint64_t gpa, uint64_t len, unsigned perm)
{
	const struct guest_layout *l = g->lay;
	const struct gm_region *r = gm_region_of(l, gpa);

	if (!r)
		return NULL;
	/* Walk the regions the range covers: each must touch the previous one
	 * and allow perm.  No overflow: gpa < r->end, so r->end - gpa > 0. */
	for (uint64_t left = len ? len : 1, at = gpa;; r++) {
		if ((r->perm & GM_SUPER) || (r->perm & perm) != perm)
			return NULL;
		if (left <= r->end - at)
			return g->base + gpa;
		left -= r->end - at;
		at = r->end;
		if (r + 1 == l->region + l->nregion || r[1].start != at)
			return NULL;
	}
}

void layout_grow(struct guest_layout *lay, uint8_t *base, uint64_t new_end)
{
	struct gm_region *r = (struct gm_region *)gm_region_of(lay, lay->heap_end - 1);
	uint64_t *pdpt = (uint64_t *)(base + lay->pml4 + PAGE);

	for (uint64_t c = lay->heap_end; base && c < new_end; c += CHUNK) {
		uint64_t *pd = (uint64_t *)(base + (pdpt[c / GIB] & ~0xfffULL));
		pd[(c % GIB) / CHUNK] = c | PTE_P | PTE_W | PTE_U | PTE_NX | PTE_PS | PTE_A | PTE_D;
	}
	r->end = lay->heap_end = new_end;
}

/* Leaf entry bits for a permission. */
static uint64_t leaf_bits(unsigned perm)
{
	uint64_t e = PTE_P | PTE_A;
	if (perm & GM_W)
		e |= PTE_W | PTE_D;
	if (!(perm & GM_SUPER))
		e |= PTE_U;
	if (!(perm & GM_X))
		e |= PTE_NX;
	return e;
}

/* The permission of the page at gpa; 0 = not mapped. */
static unsigned perm_at(const struct guest_layout *lay, uint64_t gpa)
{
	const struct gm_region *r = gm_region_of(lay, gpa);
	return r ? r->perm : 0;
}

/* Does one permission cover the whole chunk [c, c + CHUNK)? */
static int chunk_uniform(const struct guest_layout *lay, uint64_t c)
{
	const struct gm_region *r = gm_region_of(lay, c);
	if (!r)
		/* Unmapped at c: uniform only if no region starts inside. */
		for (unsigned i = 0; i < lay->nregion; i++)
			if (lay->region[i].start > c && lay->region[i].start < c + CHUNK)
				return 0;
	return r ? r->end >= c + CHUNK : 1;
}

int layout_build_tables(struct guest_layout *lay, uint8_t *base, char *err, size_t errlen)
{
	uint64_t next = lay->pml4;
	uint64_t *pml4 = (uint64_t *)(base + next);
	uint64_t *pdpt = (uint64_t *)(base + next + PAGE);
	const uint64_t intermediate = PTE_TABLE;
	uint64_t span = round_up(lay->mem_size, CHUNK);

	next += 2 * PAGE;
	pml4[0] = (lay->pml4 + PAGE) | intermediate;

	/* GDT: null, kernel code/data (unused but valid), user code, user data. */
	uint64_t *gdt = (uint64_t *)(base + lay->gdt);
	gdt[1] = 0x00af9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	gdt[3] = 0x00affb000000ffffULL;
	gdt[4] = 0x00cff3000000ffffULL;

	/* Above the last region every entry stays 0: only the page directories
	 * growth will fill are made there (walking the 2 MiB chunks of a 1 GiB
	 * span region by region cost ~15 us of every boot). */
	uint64_t used = lay->nregion ? round_up(lay->region[lay->nregion - 1].end, CHUNK) : 0;
	for (uint64_t c = 0; c < span; c += CHUNK) {
		uint64_t gi = c / GIB;
		if (!pdpt[gi]) {
			if (next >= TC_IMAGE_BASE)
				goto full;
			pdpt[gi] = next | intermediate;
			next += PAGE;
		}
		if (c >= used) {
			c = (gi + 1) * GIB - CHUNK;
			continue;
		}
		uint64_t *pd = (uint64_t *)(base + (pdpt[gi] & ~0xfffULL));
		uint64_t pdi = (c % GIB) / CHUNK;
		if (c + CHUNK <= lay->mem_size && chunk_uniform(lay, c)) {
			unsigned p = perm_at(lay, c);
			pd[pdi] = p ? (c | leaf_bits(p) | PTE_PS) : 0;
			continue;
		}
		if (next >= TC_IMAGE_BASE)
			goto full;
		uint64_t *pt = (uint64_t *)(base + next);
		pd[pdi] = next | intermediate;
		next += PAGE;
		/* The regions are sorted: walk them beside the pages. */
		const struct gm_region *r = lay->region, *rend = lay->region + lay->nregion;
		for (unsigned i = 0; i < 512 && c + i * PAGE < lay->mem_size; i++) {
			uint64_t a = c + i * PAGE;
			while (r < rend && r->end <= a)
				r++;
			pt[i] = r < rend && r->start <= a ? (a | leaf_bits(r->perm)) : 0;
		}
	}

	/* Doorbells: a 2 MiB user-writable page with no memory behind it. */
	uint64_t gi = TC_DOORBELL_BASE / GIB;
	if (next >= TC_IMAGE_BASE)
		goto full;
	pdpt[gi] = next | intermediate;
	((uint64_t *)(base + next))[(TC_DOORBELL_BASE % GIB) / CHUNK] =
	    TC_DOORBELL_BASE | PTE_P | PTE_W | PTE_U | PTE_PS | PTE_NX | PTE_A | PTE_D;
	lay->tables_end = next + PAGE;
	return 0;
full:
	return fail(err, errlen, "guest page tables do not fit below 0x%llx (layout too fragmented)",
		    (unsigned long long)TC_IMAGE_BASE);
}

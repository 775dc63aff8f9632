/* Host unit tests for the guest layout, page tables and guest-address checks. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "../tap.h"
#include "layout.h"

static struct ei_image img;

static void image(void)
{
	memset(&img, 0, sizeof img);
	img.nseg = 3;
	img.seg[0] = (struct ei_segment){ 0x10000, 0x3000, 0, 0, EI_R | EI_X };
	img.seg[1] = (struct ei_segment){ 0x13000, 0x1000, 0, 0, EI_R };
	img.seg[2] = (struct ei_segment){ 0x14000, 0x1800, 0, 0, EI_R | EI_W };
	img.lo = 0x10000;
	img.hi = 0x16000;
}

/* Walk the tables like the CPU: the leaf entry for va, with the size of its page. */
static uint64_t walk(const uint8_t *mem, uint64_t cr3, uint64_t va)
{
	uint64_t e = ((const uint64_t *)(mem + cr3))[(va >> 39) & 511];
	if (!(e & 1))
		return 0;
	e = ((const uint64_t *)(mem + (e & 0xffffffffff000ULL)))[(va >> 30) & 511];
	if (!(e & 1))
		return 0;
	e = ((const uint64_t *)(mem + (e & 0xffffffffff000ULL)))[(va >> 21) & 511];
	if (!(e & 1) || (e & 0x80))
		return e;
	return ((const uint64_t *)(mem + (e & 0xffffffffff000ULL)))[(va >> 12) & 511];
}

#define P 1ULL
#define W 2ULL
#define U 4ULL
#define NX (1ULL << 63)
#define BITS(e) ((e) & (P | W | U | NX))

static int maps(const uint8_t *mem, uint64_t cr3, uint64_t va, uint64_t bits)
{
	uint64_t e = walk(mem, cr3, va);
	if (bits == 0)
		return !(e & P);
	uint64_t frame =
	    (e & 0x80) ? (e & 0xfffffffe00000ULL) + (va & 0x1fffff) : (e & 0xffffffffff000ULL) + (va & 0xfff);
	return BITS(e) == bits && frame == va;
}

static void check_tables(uint64_t mem_size)
{
	struct guest_layout l;
	uint64_t need;
	char err[256];
	uint8_t *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	int r = layout_plan(&l, &img, mem_size, 0, 0, 5000, &need, err, sizeof err);
	ok(r == 0, "plan for %llu KiB: %s", (unsigned long long)(mem_size >> 10), r ? err : "ok");
	r = layout_build_tables(&l, mem, err, sizeof err);
	ok(r == 0, "tables for %llu KiB", (unsigned long long)(mem_size >> 10));
	ok(maps(mem, l.pml4, 0, 0) && maps(mem, l.pml4, 0xfff, 0), "null page unmapped");
	ok(maps(mem, l.pml4, l.gdt, P | NX), "GDT supervisor read-only");
	ok(maps(mem, l.pml4, l.pml4, 0), "page tables unmapped");
	ok(maps(mem, l.pml4, 0x10000, P | U) && maps(mem, l.pml4, 0x12fff, P | U), "text R-X user");
	ok(maps(mem, l.pml4, 0x13000, P | U | NX), "rodata R-- NX");
	ok(maps(mem, l.pml4, 0x14000, P | U | W | NX), "data RW- NX");
	ok(maps(mem, l.pml4, l.heap_start, P | U | W | NX) && maps(mem, l.pml4, l.heap_end - 1, P | U | W | NX),
	   "heap RW- NX");
	ok(maps(mem, l.pml4, l.guard, 0) && maps(mem, l.pml4, l.guard + 4095, 0), "guard page unmapped");
	ok(maps(mem, l.pml4, l.stack_bottom, P | U | W | NX) && maps(mem, l.pml4, l.stack_top - 1, P | U | W | NX),
	   "stack RW- NX");
	ok(maps(mem, l.pml4, l.info, P | U | NX) && maps(mem, l.pml4, mem_size - 1, P | U | NX), "boot info R-- NX");
	if (mem_size < TC_DOORBELL_BASE)
		ok(maps(mem, l.pml4, mem_size, 0) && maps(mem, l.pml4, mem_size + 0x200000, 0),
		   "nothing beyond memory");
	uint64_t d = walk(mem, l.pml4, TC_DOORBELL_BASE + 8);
	ok((d & (P | W | U)) == (P | W | U) && (d & NX), "doorbells mapped user-writable");
	munmap(mem, mem_size);
}

int main(void)
{
	struct guest_layout l;
	struct gm g;
	uint64_t need;
	char err[256];
	static uint8_t mem[1 << 20];

	image();
	ok(layout_plan(&l, &img, 1 << 20, 0, 0, 5000, &need, err, sizeof err) == 0, "1 MiB plan");
	/* The default stack is an eighth of a small memory. */
	ok(l.info == (1 << 20) - 0x2000 && l.stack_top == l.info && l.stack_bottom == l.info - (1 << 17) &&
	       l.guard == l.stack_bottom - 4096 && l.heap_start == 0x16000 && l.heap_end == l.guard,
	   "1 MiB layout");
	ok(layout_plan(&l, &img, 0x16000 + 0x1000 + TC_STACK_SMALL + 0x2000 - 0x1000, 0, TC_STACK_SMALL, 5000, &need,
		       err, sizeof err) < 0 &&
	       need == 0x16000 + 0x1000 + TC_STACK_SMALL + 0x2000 && strstr(err, "needs"),
	   "too little memory: %s", err);
	img.lo = 0x8000;
	img.seg[0].vaddr = 0x8000;
	ok(layout_plan(&l, &img, 1 << 20, 0, 0, 100, &need, err, sizeof err) < 0 && strstr(err, "below"),
	   "segment below the image base: %s", err);
	image();
	img.hi = TC_MEM_MAX + 0x1000;
	ok(layout_plan(&l, &img, 1 << 20, 0, 0, 100, &need, err, sizeof err) < 0 && need == 0,
	   "image beyond any memory: %s", err);
	image();
	ok(layout_plan(&l, &img, 1 << 20, 0, 1ULL << 62, 100, &need, err, sizeof err) < 0, "absurd stack refused");

	image();
	layout_plan(&l, &img, 1 << 20, 0, 0, 5000, &need, err, sizeof err);
	g.base = mem;
	g.lay = &l;
	ok(gm_ptr(&g, 0x14000, 0x1800, GM_R | GM_W) == mem + 0x14000, "data readable and writable");
	ok(gm_ptr(&g, 0x14000, l.heap_end - 0x14000, GM_W) != NULL, "data and heap are one region");
	ok(gm_ptr(&g, 0x14000, l.heap_end - 0x14000 + 1, GM_R) == NULL, "range into the guard page refused");
	ok(gm_ptr(&g, 0x10000, 16, GM_R) != NULL, "text readable");
	ok(gm_ptr(&g, 0x10000, 16, GM_W) == NULL, "text not writable");
	ok(gm_ptr(&g, 0x13000, 16, GM_W) == NULL, "rodata not writable");
	ok(gm_ptr(&g, 0x12ff0, 32, GM_R) != NULL, "read across text and rodata (both readable)");
	ok(gm_ptr(&g, 0x12ff0, 32, GM_W) == NULL, "write across text and rodata refused");
	ok(gm_ptr(&g, 0x13ff0, 32, GM_W) == NULL, "write across rodata and data refused");
	ok(gm_ptr(&g, 0x13ff0, 32, GM_R) != NULL, "read across rodata and data");
	ok(gm_ptr(&g, l.stack_top - 4, 8, GM_R) != NULL, "read across stack and boot info");
	ok(gm_ptr(&g, 0x10000, l.heap_end, GM_R) == NULL, "read into the guard page refused");
	ok(gm_ptr(&g, l.gdt, 0x20000, GM_R) == NULL, "read starting in the GDT refused");
	ok(gm_ptr(&g, l.info, 16, GM_R) != NULL && gm_ptr(&g, l.info, 16, GM_W) == NULL, "boot info read-only");
	ok(gm_ptr(&g, l.gdt, 8, GM_R) == NULL, "GDT not for the guest");
	ok(gm_ptr(&g, 0x3000, 8, GM_R) == NULL, "page tables not for the guest");
	ok(gm_ptr(&g, 0, 1, GM_R) == NULL, "null refused");
	ok(gm_ptr(&g, (1 << 20) - 8, 8, GM_R) != NULL, "last bytes of memory");
	ok(gm_ptr(&g, (1 << 20) - 8, 9, GM_R) == NULL, "one past the end refused");
	ok(gm_ptr(&g, 1 << 20, 0, GM_R) == NULL, "empty range at the end refused");
	ok(gm_ptr(&g, 0x14000, UINT64_MAX, GM_R) == NULL, "length overflow refused");
	ok(gm_ptr(&g, UINT64_MAX - 4, 8, GM_R) == NULL, "address overflow refused");
	ok(gm_ptr(&g, l.stack_top - 8, 8, GM_W) != NULL && gm_ptr(&g, l.stack_top - 8, 16, GM_W) == NULL,
	   "stack writable up to its top only");

	/* Growth: 8 MiB backed at first, room up to 64 MiB, tables for all of it. */
	uint64_t span = 64 << 20;
	uint8_t *gmem = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ok(layout_plan(&l, &img, 8 << 20, span + 5, 0, 5000, &need, err, sizeof err) == 0 && l.grows &&
	       l.mem_size == span && l.guard == 0x16000 && l.stack_bottom == 0x17000 &&
	       l.stack_top == 0x17000 + TC_STACK_DEFAULT && l.info == l.stack_top && l.heap_start == l.info + 0x2000 &&
	       l.heap_end == (8 << 20) && l.heap_max == span,
	   "growth layout: guard, stack, boot info above the image, then the heap to 8 MiB of 64");
	ok(layout_build_tables(&l, gmem, err, sizeof err) == 0, "growth tables");
	g.base = gmem;
	ok(maps(gmem, l.pml4, l.guard, 0) && maps(gmem, l.pml4, l.stack_bottom, P | U | W | NX) &&
	       maps(gmem, l.pml4, l.info, P | U | NX) && maps(gmem, l.pml4, l.heap_start, P | U | W | NX) &&
	       maps(gmem, l.pml4, l.heap_end - 1, P | U | W | NX) && maps(gmem, l.pml4, l.heap_end, 0),
	   "guard, stack, boot info, heap mapped up to its backed end only");
	ok(gm_ptr(&g, l.heap_end - 8, 16, GM_R) == NULL, "nothing past the backed heap for the monitor");
	ok(gm_ptr(&g, l.info, 16, GM_W) == NULL && gm_ptr(&g, l.heap_start - 8, 16, GM_R) != NULL,
	   "boot info read-only, readable on into the heap");
	layout_grow(&l, gmem, (12 << 20));
	ok(l.heap_end == (12 << 20) && maps(gmem, l.pml4, (12 << 20) - 1, P | U | W | NX) &&
	       maps(gmem, l.pml4, 12 << 20, 0),
	   "grown to 12 MiB: mapped RW- NX up to there");
	ok(gm_ptr(&g, l.heap_start, (12 << 20) - l.heap_start, GM_W) != NULL &&
	       gm_ptr(&g, (12 << 20) - 8, 16, GM_R) == NULL,
	   "the grown heap is one region, and ends there");
	ok(layout_plan(&l, &img, 8 << 20, 9 << 20, 0, 5000, &need, err, sizeof err) == 0 && !l.grows &&
	       l.mem_size == (8 << 20) && l.heap_max == l.heap_end && l.heap_end == l.guard,
	   "no room for a 2 MiB step: fixed memory");
	ok(layout_plan(&l, &img, 8 << 20, 0, 0, 5000, &need, err, sizeof err) == 0 && !l.grows &&
	       l.mem_size == (8 << 20) && l.heap_max == l.heap_end,
	   "mem_max 0: fixed memory");
	ok(layout_plan(&l, &img, 0x16000 + 0x1000 + TC_STACK_DEFAULT + 0x2000, span, 0, 5000, &need, err, sizeof err) ==
		   0 &&
	       l.grows && l.heap_end == (2 << 20),
	   "growth from the smallest memory: a heap of its own from the start");
	munmap(gmem, span);

	check_tables(1 << 20);
	check_tables(8 << 20);
	check_tables((64 << 20) + 0x5000);
	check_tables(TC_MEM_MAX);
	/* A big image: the default stack shrinks to the room left (64 KiB at
	 * least), an explicit one does not. */
	image();
	img.seg[2].memsz = 0x1ac000 - 0x14000;
	img.hi = 0x1c0000;
	ok(layout_plan(&l, &img, 2 << 20, 0, 0, 5000, &need, err, sizeof err) == 0 &&
	       l.stack_top - l.stack_bottom == (2 << 20) - 0x1c0000 - 0x1000 - 0x2000,
	   "default stack shrinks to fit a big image: %llu KiB",
	   (unsigned long long)((l.stack_top - l.stack_bottom) >> 10));
	ok(layout_plan(&l, &img, 2 << 20, 0, 1 << 20, 5000, &need, err, sizeof err) < 0, "an explicit stack does not");
	ok(layout_plan(&l, &img, 0x1c0000 + 0x1000 + 0x2000 + 0x8000, 0, 0, 5000, &need, err, sizeof err) < 0 &&
	       need == 0x1c0000 + 0x1000 + TC_STACK_SMALL + 0x2000,
	   "and below 64 KiB of room it fails, saying what is needed");
	return done_testing();
}

/*
 * Fuzz target: the image loader and the guest layout, as tincan-run starts
 * a hostile image: ei_parse and ei_check_manifest (mkimage/elfimage.c), the
 * manifest's memory and stack checks of main.c, layout_plan, the page
 * tables and the segment copy (platforms/kvm/monitor/layout.c), heap
 * growth, gm_ptr over every region edge, and ei_symbolize.  The input is
 * the image; its last byte also picks --mem-max (growth) when it has one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../abi.h"
#include "elfimage.h"
#include "layout.h"

#define LOAD_MAX (64ULL << 20) /* guest memory the harness backs */
#define CHUNK (2ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *mem;

static void check_ptr(const struct gm *g, uint64_t gpa, uint64_t len, unsigned perm)
{
	uint8_t *p = gm_ptr(g, gpa, len, perm);
	if (p && (gpa >= g->lay->mem_size || p != g->base + gpa || len > g->lay->mem_size - gpa))
		abort(); /* a pointer outside guest memory */
	if (p && len)
		p[0] = p[len - 1] = p[len - 1]; /* ASan: really inside the mapping */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ei_image img;
	struct guest_layout lay;
	char err[512];
	uint64_t need, off;

	/* A private copy, as tincan-run reads a MAP_PRIVATE mapping. */
	uint8_t *file = malloc(size ? size : 1);
	memcpy(file, data, size);
	if (ei_parse(file, size, &img, err, sizeof err) < 0 ||
	    ei_check_manifest(img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0)
		goto out;
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct ei_segment *s = &img.seg[i];
		if (s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset ||
		    (i && s->vaddr < img.seg[i - 1].vaddr + img.seg[i - 1].memsz))
			abort(); /* ei_parse let a bad segment through */
	}
	const char *name = ei_symbolize(&img, img.entry, &off);
	if (name && (name < img.strtab || name >= img.strtab + img.strsz || strlen(name) >= img.strsz))
		abort();
	for (unsigned i = 0; i < img.nseg; i++)
		(void)ei_symbolize(&img, img.seg[i].vaddr + img.seg[i].memsz / 2, &off);

	/* main.c's checks of the manifest's claims. */
	const struct tc_manifest *m = img.manifest;
	if (m->mem % TC_PAGE_SIZE || m->mem > TC_MEM_MAX || m->stack % TC_PAGE_SIZE || m->stack > TC_STACK_MAX)
		goto out;
	uint64_t msz = m->mem > (8ULL << 20) ? m->mem : (8ULL << 20);
	uint64_t mem_max = size && data[size - 1] < 8 ? msz + data[size - 1] * CHUNK : 0;
	uint64_t info = sizeof(struct tc_boot_info) + 64 + (size % 512);
	if (layout_plan(&lay, &img, msz, mem_max, m->stack, info, &need, err, sizeof err) < 0)
		goto out;
	uint64_t top = lay.heap_max > lay.mem_size ? lay.heap_max : lay.mem_size;
	if (top > LOAD_MAX)
		goto out; /* planned, but too big to build here */
	memset(mem, 0, lay.mem_size);
	if (layout_build_tables(&lay, mem, err, sizeof err) < 0)
		goto out;
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct ei_segment *s = &img.seg[i];
		if (s->vaddr + s->memsz > lay.mem_size)
			abort(); /* the layout let a segment past memory */
		memcpy(mem + s->vaddr, img.file + s->offset, s->filesz);
	}
	while (lay.grows && lay.heap_end < lay.heap_max) {
		memset(mem + lay.heap_end, 0, CHUNK);
		layout_grow(&lay, mem, lay.heap_end + CHUNK);
	}
	struct gm g = { mem, &lay };
	for (unsigned i = 0; i < lay.nregion; i++) {
		const struct gm_region *r = &lay.region[i];
		if (r->start >= r->end || r->end > top || (i && r->start < lay.region[i - 1].end))
			abort();
		for (unsigned perm = GM_W; perm <= (GM_R | GM_W); perm += GM_W) {
			check_ptr(&g, r->start, r->end - r->start, perm);
			check_ptr(&g, r->end - 8, 16, perm);
			check_ptr(&g, r->start - 8, 8, perm);
			check_ptr(&g, r->start, 0, perm);
		}
		(void)gm_region_of(&lay, r->start);
	}
	check_ptr(&g, lay.stack_top - 8, 8, GM_R | GM_W);
	check_ptr(&g, lay.guard, 1, GM_R);
	check_ptr(&g, (uint64_t)-8, 16, GM_R);
out:
	free(file);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	mem = mmap(NULL, LOAD_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		abort();
	return 0;
}

/*
 * Naming addresses in fault and panic reports, from the image's own symbol
 * table when the boot loader loaded it: GRUB's multiboot2 loader puts the
 * ELF's non-allocated sections (.symtab, .strtab) in memory and lists the
 * section headers in tag 9.  A PVH loader (QEMU -kernel) loads only the
 * segments: then reports give bare addresses.  Every read is bounded by
 * the sections' sizes; the tables lie in ring 0's pages.
 */
#include "k.h"

struct shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

struct sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

static const struct sym *syms K_PRIVATE;
static uint64_t nsyms K_PRIVATE;
static const char *strs K_PRIVATE;
static uint64_t nstrs K_PRIVATE;

/* Tag 9 as GRUB writes it: u32 num, entsize, shndx, then the headers. */
void k_syms_mb2(const void *tag, uint32_t size)
{
	const uint32_t *w = tag;
	uint32_t num = w[2], entsize = w[3];
	if (entsize != sizeof(struct shdr) || num > 4096 || 20 + (uint64_t)num * entsize > size)
		return;
	const struct shdr *sh = (const struct shdr *)((const char *)tag + 20);
	for (uint32_t i = 0; i < num; i++) {
		if (sh[i].type != 2 || sh[i].entsize != sizeof(struct sym) || !sh[i].addr || sh[i].link >= num)
			continue;
		const struct shdr *st = &sh[sh[i].link];
		if (st->type != 3 || !st->addr || !k_is_ram(sh[i].addr, sh[i].size) || !k_is_ram(st->addr, st->size))
			return;
		syms = (const struct sym *)sh[i].addr;
		nsyms = sh[i].size / sizeof(struct sym);
		strs = (const char *)st->addr;
		nstrs = st->size;
		return;
	}
}

/* Where the tables end, if they lie in [lo, hi): the page tables and the
 * heap start after them.  Tables elsewhere in RAM would be given to the
 * heap: they are dropped. */
uint64_t k_syms_keep(uint64_t lo, uint64_t hi)
{
	if (!syms)
		return lo;
	uint64_t a = (uint64_t)syms, b = (uint64_t)strs;
	uint64_t end = a + nsyms * sizeof(struct sym) > b + nstrs ? a + nsyms * sizeof(struct sym) : b + nstrs;
	if (a < lo || b < lo || end > hi) {
		syms = 0;
		return lo;
	}
	return (end + 4095) & ~4095ull;
}

/* The function holding addr, and how far in; NULL when unknown. */
const char *k_sym(uint64_t addr, uint64_t *off)
{
	const struct sym *best = 0;
	for (uint64_t i = 0; i < nsyms; i++) {
		const struct sym *s = &syms[i];
		if ((s->info & 0xf) != 2 || s->value > addr || s->name >= nstrs) /* functions only */
			continue;
		if (!best || s->value > best->value)
			best = s;
	}
	if (!best || (best->size && addr >= best->value + best->size))
		return 0;
	/* The name must end inside the table. */
	for (uint64_t k = best->name; k < nstrs; k++)
		if (!strs[k]) {
			*off = addr - best->value;
			return strs + best->name;
		}
	return 0;
}

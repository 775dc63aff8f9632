/*
 * guestpages PID IMAGE [--mem=SIZE] [--pages=REGION]
 *
 * Which pages of a running KVM guest's memory the host has backed: the
 * present bits of /proc/PID/pagemap over the guest-memory mapping of
 * tincan-run PID, bucketed by the guest's layout (docs/abi.md) and by the
 * image's sections and largest symbols.  The guest's base in the monitor is
 * where its text segment is mapped from IMAGE (segments of 64 KiB or more
 * are, platforms/kvm/monitor/main.c), or else the anonymous mapping of
 * exactly --mem bytes.  Read through /proc/PID/mem, only from pages already
 * present (a read of an absent page would map one): the boot info pointer
 * (tc_kvm_boot_info) and net device 0's ring and buffers (the first two
 * fields of platforms/kvm/guest/net.c's devs).  Needs root (or ptrace
 * rights over PID).
 *
 * Prints one line per region: "region pages KiB [of N]"; a text page that
 * is the image file's own (page cache, shared between guests) is counted
 * apart from the guest's private pages.  The last line is "total N KiB"
 * (private pages only).  --pages=REGION prints that region's present page
 * numbers instead, one a line, from 0 at the region's first page; REGION is
 * boot, text, rodata, data, bss, heap0 (the heap below the net device's
 * memory), ring, rx, tx, heap (the rest of the heap), stack or info.  Exit 1
 * with one line on any error.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE ((uint64_t)4096)
#define NET_NBUF 256 /* platforms/kvm/guest/net.c */
#define NET_BUFSZ 2048
#define NET_AREA ((uint64_t)NET_NBUF * NET_BUFSZ)

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("guestpages: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* The image, mapped. */
static const uint8_t *img;
static size_t img_size;
static const Elf64_Ehdr *eh;

static const void *at(uint64_t off, uint64_t len)
{
	if (off > img_size || len > img_size - off)
		die("image is truncated or not an ELF file");
	return img + off;
}

static const Elf64_Shdr *section(const char *name)
{
	const Elf64_Shdr *sh = at(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof *sh);
	const Elf64_Shdr *str = &sh[eh->e_shstrndx];
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const char *n = at(str->sh_offset + sh[i].sh_name, 1);
		if (strcmp(n, name) == 0)
			return &sh[i];
	}
	return NULL;
}

/* Symbols: OBJECT ones, with the source file each local one came from. */
struct sym {
	uint64_t addr, size;
	const char *name, *file;
};
static struct sym *syms;
static size_t nsyms;

static void read_syms(void)
{
	const Elf64_Shdr *st = section(".symtab"), *sh = at(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof *sh);
	if (!st || st->sh_link >= eh->e_shnum)
		die("image has no symbol table");
	const Elf64_Sym *s = at(st->sh_offset, st->sh_size);
	const Elf64_Shdr *str = &sh[st->sh_link];
	size_t n = st->sh_size / sizeof *s;
	const char *file = "";
	syms = calloc(n, sizeof *syms);
	if (!syms)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *name = at(str->sh_offset + s[i].st_name, 1);
		if (ELF64_ST_TYPE(s[i].st_info) == STT_FILE)
			file = name;
		else if (ELF64_ST_TYPE(s[i].st_info) == STT_OBJECT)
			syms[nsyms++] = (struct sym){ s[i].st_value, s[i].st_size, name,
						      ELF64_ST_BIND(s[i].st_info) == STB_LOCAL ? file : "" };
	}
}

static const struct sym *find_sym(const char *name, const char *file)
{
	for (size_t i = 0; i < nsyms; i++)
		if (strcmp(syms[i].name, name) == 0 && (!file || strcmp(syms[i].file, file) == 0))
			return &syms[i];
	return NULL;
}

/* The monitor process. */
static int mem_fd;
static uint64_t base; /* host address of guest address 0 */
static uint8_t *present, *filepg; /* per guest page */
static uint64_t npages;

static uint64_t guest_u64(uint64_t gpa)
{
	uint64_t v;
	if (gpa / PAGE >= npages || !present[gpa / PAGE])
		die("guest address 0x%" PRIx64 " is not backed: cannot read it", gpa);
	if (pread(mem_fd, &v, sizeof v, (off_t)(base + gpa)) != (ssize_t)sizeof v)
		die("cannot read guest memory: %s", strerror(errno));
	return v;
}

static void find_base(int pid, const char *image, uint64_t mem)
{
	char path[64], real[PATH_MAX], line[PATH_MAX + 256];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (!realpath(image, real))
		die("%s: %s", image, strerror(errno));
	const Elf64_Phdr *ph = at(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof *ph);
	uint64_t end = 0, anon = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long long lo, hi, off;
		char perm[8];
		int n = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s%n", &lo, &hi, perm, &off, &n) < 4)
			continue;
		const char *name = line + n;
		while (*name == ' ')
			name++;
		name = *name == '\n' ? "" : name;
		if (!*name && hi - lo == mem)
			anon = lo;
		for (unsigned i = 0; i < eh->e_phnum && !base; i++)
			if (ph[i].p_type == PT_LOAD && ph[i].p_offset == off &&
			    strncmp(name, real, strlen(real)) == 0 && name[strlen(real)] == '\n')
				base = lo - ph[i].p_vaddr;
		if (base && !end && lo > base && !*name)
			end = hi; /* the anonymous rest of guest memory after the text */
	}
	fclose(f);
	if (base && end)
		mem = end - base;
	else if (anon && mem)
		base = anon;
	else
		die("no guest memory of image %s in process %d (pass --mem=SIZE for an image with no mapped segment)",
		    image, pid);
	npages = mem / PAGE;
}

static void read_pagemap(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	uint64_t *pm = malloc(npages * 8);
	present = calloc(npages, 1);
	filepg = calloc(npages, 1);
	if (!pm || !present || !filepg)
		die("out of memory");
	if (pread(fd, pm, npages * 8, (off_t)(base / PAGE * 8)) != (ssize_t)(npages * 8))
		die("%s: %s", path, strerror(errno));
	for (uint64_t i = 0; i < npages; i++) {
		present[i] = pm[i] >> 63 & 1;
		filepg[i] = pm[i] >> 61 & 1; /* a page of the file (or shared) */
	}
	close(fd);
	free(pm);
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	mem_fd = open(path, O_RDONLY);
	if (mem_fd < 0)
		die("%s: %s", path, strerror(errno));
}

/* Regions, in address order where they do not nest. */
struct region {
	const char *key, *name;
	uint64_t lo, hi;
};
static struct region regs[64];
static unsigned nregs;

/* Pages [lo / PAGE, hi / PAGE): a page two regions share is the later one's. */
static void add(const char *key, const char *name, uint64_t lo, uint64_t hi)
{
	lo = lo / PAGE * PAGE;
	hi = hi / PAGE * PAGE;
	if (nregs < sizeof regs / sizeof regs[0] && lo < hi)
		regs[nregs++] = (struct region){ key, name, lo, hi };
}

static uint64_t count(uint64_t lo, uint64_t hi, int file)
{
	uint64_t n = 0;
	for (uint64_t p = lo / PAGE; p < (hi + PAGE - 1) / PAGE && p < npages; p++)
		n += present[p] && filepg[p] == file;
	return n;
}

static int by_size(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

/* The largest symbols in [lo, hi): their present pages. */
static void symbols_in(const char *sect, uint64_t lo, uint64_t hi)
{
	struct sym *v = calloc(nsyms, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < nsyms; i++)
		if (syms[i].addr >= lo && syms[i].addr < hi && syms[i].size >= 1024)
			v[n++] = syms[i];
	qsort(v, n, sizeof *v, by_size);
	for (size_t i = 0; i < n && i < 12; i++)
		printf("  %-5s %-24s %6" PRIu64 " B   %3" PRIu64 " of %3" PRIu64 " pages\n", sect, v[i].name, v[i].size,
		       count(v[i].addr, v[i].addr + v[i].size, 0),
		       (v[i].addr + v[i].size + PAGE - 1) / PAGE - v[i].addr / PAGE);
	free(v);
}

int main(int argc, char **argv)
{
	uint64_t mem = 0;
	const char *only = NULL;
	if (argc < 3)
		die("usage: guestpages PID IMAGE [--mem=SIZE] [--pages=REGION]");
	for (int i = 3; i < argc; i++) {
		char *e;
		if (strncmp(argv[i], "--mem=", 6) == 0) {
			mem = strtoull(argv[i] + 6, &e, 10);
			mem <<= *e == 'M' ? 20 : *e == 'K' ? 10 : 0;
		} else if (strncmp(argv[i], "--pages=", 8) == 0) {
			only = argv[i] + 8;
		} else {
			die("unknown option %s", argv[i]);
		}
	}
	int pid = atoi(argv[1]);
	int fd = open(argv[2], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", argv[2], strerror(errno));
	img_size = (size_t)st.st_size;
	img = mmap(NULL, img_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		die("%s: %s", argv[2], strerror(errno));
	eh = at(0, sizeof *eh);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		die("%s is not a 64-bit ELF image", argv[2]);
	read_syms();
	find_base(pid, argv[2], mem);
	read_pagemap(pid);

	const struct sym *bip = find_sym("tc_kvm_boot_info", NULL), *devs = find_sym("devs", "net.c");
	if (!bip)
		die("image has no symbol tc_kvm_boot_info");
	uint64_t bi = guest_u64(bip->addr);
	uint64_t heap_start = guest_u64(bi + 16), heap_end = guest_u64(bi + 24);
	uint64_t stack_top = guest_u64(bi + 32), stack_bottom = guest_u64(bi + 40);
	uint64_t ring = devs ? guest_u64(devs->addr) : 0, bufs = devs ? guest_u64(devs->addr + 8) : 0;

	add("boot", "boot: GDT, page tables", 0, 0x10000);
	/* Pages by section: a page holding the end of .data and the start of
	 * .bss counts as data. */
	const Elf64_Shdr *ro = section(".rodata"), *da = section(".data"), *bs = section(".bss");
	if (!ro || !da || !bs)
		die("image lacks a .rodata, .data or .bss section");
	uint64_t ro_lo = ro->sh_addr / PAGE * PAGE, da_lo = da->sh_addr / PAGE * PAGE;
	uint64_t bs_lo = (da->sh_addr + da->sh_size + PAGE - 1) / PAGE * PAGE;
	add("text", "text", 0x10000, ro_lo);
	add("rodata", "rodata", ro_lo, da_lo);
	add("data", "data", da_lo, bs_lo);
	add("bss", "bss", bs_lo, bs->sh_addr + bs->sh_size + PAGE - 1);
	if (ring) {
		add("heap0", "heap: before net", heap_start, ring);
		add("ring", "net ring", ring, bufs);
		add("rx", "net rx buffers", bufs, bufs + NET_AREA);
		add("tx", "net tx area", bufs + NET_AREA, bufs + 2 * NET_AREA);
		add("heap", "heap: after net", bufs + 2 * NET_AREA, heap_end);
	} else {
		add("heap", "heap", heap_start, heap_end);
	}
	add("stack", "stack", stack_bottom, stack_top);
	add("info", "boot info, argv", stack_top, npages * PAGE);

	if (only) {
		for (unsigned i = 0; i < nregs; i++) {
			if (strcmp(regs[i].key, only))
				continue;
			for (uint64_t p = regs[i].lo / PAGE; p < regs[i].hi / PAGE; p++)
				if (present[p])
					printf("%" PRIu64 "%s\n", p - regs[i].lo / PAGE, filepg[p] ? " file" : "");
			return 0;
		}
		die("no region '%s'", only);
	}
	uint64_t total = 0, seen = 0;
	printf("%-24s %6s %6s %8s\n", "region", "pages", "KiB", "of pages");
	for (unsigned i = 0; i < nregs; i++) {
		uint64_t n = count(regs[i].lo, regs[i].hi, 0), f = count(regs[i].lo, regs[i].hi, 1);
		total += n;
		seen += n + f;
		printf("%-24s %6" PRIu64 " %6" PRIu64 " %8" PRIu64, regs[i].name, n, n * 4,
		       (regs[i].hi - regs[i].lo + PAGE - 1) / PAGE);
		if (f)
			printf("   + %" PRIu64 " pages of the image file", f);
		putchar('\n');
		if (strcmp(regs[i].key, "data") == 0)
			symbols_in("data", da->sh_addr, da->sh_addr + da->sh_size);
		if (strcmp(regs[i].key, "bss") == 0)
			symbols_in("bss", bs->sh_addr, bs->sh_addr + bs->sh_size);
	}
	uint64_t all = count(0, npages * PAGE, 0) + count(0, npages * PAGE, 1);
	if (all != seen)
		printf("%-24s %6" PRIu64 "\n", "elsewhere (guard, gaps)", all - seen);
	printf("total %" PRIu64 " KiB private (%" PRIu64 " pages)\n", total * 4, total);
	return 0;
}

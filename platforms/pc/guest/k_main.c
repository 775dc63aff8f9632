/*
 * Ring 0's start: read what the boot loader says (multiboot2 or PVH),
 * lay out memory, set up the CPU, devices and page tables, and enter ring
 * 3 at pc_user_start (user.c) with pc_boot_info.
 */
#include <tincan/image.h>

#include "k.h"

#define MB2_BOOT_MAGIC 0x36d76289u
#define PVH_MAGIC 0x336ec578u
#define PT_POOL_PAGES 64

struct pc_boot pc_boot_info;
struct k_ram k_ram[K_RAM_MAX] K_PRIVATE;
unsigned k_nram K_PRIVATE;
uint64_t k_ring0_end K_PRIVATE;

extern const struct tc_manifest_note __tincan_manifest_note;
noreturn void pc_user_start(struct pc_boot *b);

int k_is_ram(uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < k_nram; i++)
		if (a >= k_ram[i].start && a + len >= a && a + len <= k_ram[i].end)
			return 1;
	return 0;
}

static void add_ram(uint64_t start, uint64_t len)
{
	uint64_t end = start + len;
	if (end < start || end > (1ull << 32))
		end = 1ull << 32;
	start = (start + 4095) & ~4095ull;
	end &= ~4095ull;
	if (start < 0x100000)
		start = 0x100000;
	if (end <= start)
		return;
	if (k_nram == K_RAM_MAX)
		k_fail("the boot loader's memory map has more than 32 RAM entries");
	k_ram[k_nram++] = (struct k_ram){ start, end };
}

/* Sort the RAM ranges and join those that touch or overlap (firmware maps
 * often split one stretch of RAM into several entries). */
static void join_ram(void)
{
	for (unsigned i = 1; i < k_nram; i++)
		for (unsigned j = i; j > 0 && k_ram[j].start < k_ram[j - 1].start; j--) {
			struct k_ram t = k_ram[j];
			k_ram[j] = k_ram[j - 1];
			k_ram[j - 1] = t;
		}
	unsigned n = 0;
	for (unsigned i = 0; i < k_nram; i++) {
		if (n && k_ram[i].start <= k_ram[n - 1].end) {
			if (k_ram[i].end > k_ram[n - 1].end)
				k_ram[n - 1].end = k_ram[i].end;
		} else {
			k_ram[n++] = k_ram[i];
		}
	}
	k_nram = n;
}

static void set_cmdline(const char *s)
{
	size_t n = 0;
	while (s && s[n] && n < PC_CMDLINE_MAX - 1) {
		pc_boot_info.cmdline[n] = s[n];
		n++;
	}
	pc_boot_info.cmdline[n] = 0;
	if (s && s[n])
		pc_boot_info.flags |= PC_BOOT_CMDLINE_CUT;
}

static unsigned char rsdp_copy[36] K_PRIVATE;

/* Multiboot2: tags of (type, size) from info + 8, 8-aligned, up to type 0. */
static uint64_t read_mb2(uint64_t info)
{
	uint32_t total = *(const uint32_t *)info;
	uint64_t p = info + 8, end = info + total, rsdp = 0;
	while (p + 8 <= end) {
		uint32_t type = ((const uint32_t *)p)[0], size = ((const uint32_t *)p)[1];
		if (type == 0 || size < 8 || p + size > end)
			break;
		if (type == 1) { /* the command line */
			set_cmdline((const char *)(p + 8));
		} else if (type == 6) { /* the memory map */
			uint32_t esz = ((const uint32_t *)p)[2];
			for (uint64_t e = p + 16; esz >= 24 && e + esz <= p + size; e += esz)
				if (*(const uint32_t *)(e + 16) == 1)
					add_ram(*(const uint64_t *)e, *(const uint64_t *)(e + 8));
		} else if (type == 9) { /* the ELF sections: where GRUB put the symbols */
			k_syms_mb2((const void *)p, size);
		} else if ((type == 14 || type == 15) && size >= 8 + 20 && !rsdp) { /* a copy of the RSDP */
			uint32_t n = size - 8 < sizeof rsdp_copy ? size - 8 : sizeof rsdp_copy;
			k_memcpy(rsdp_copy, (const void *)(p + 8), n);
			rsdp = (uint64_t)rsdp_copy;
		}
		p += (size + 7) & ~7u;
	}
	return rsdp;
}

/* PVH: struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h). */
static uint64_t read_pvh(uint64_t info)
{
	const uint32_t *w = (const uint32_t *)info;
	if (w[0] != PVH_MAGIC)
		k_fail("PVH start information has the wrong magic");
	uint64_t cmdline = *(const uint64_t *)(info + 24), rsdp = *(const uint64_t *)(info + 32);
	if (cmdline)
		set_cmdline((const char *)cmdline);
	if (w[1] >= 1) { /* version 1: a memory map */
		uint64_t map = *(const uint64_t *)(info + 40);
		uint32_t n = w[12];
		for (uint32_t i = 0; map && i < n && i < 128; i++) {
			const unsigned char *e = (const unsigned char *)(map + 24 * (uint64_t)i);
			if (*(const uint32_t *)(e + 16) == 1)
				add_ram(*(const uint64_t *)e, *(const uint64_t *)(e + 8));
		}
	}
	return rsdp;
}

void k_main(unsigned kind, uint64_t info, uint32_t magic);

void k_main(unsigned kind, uint64_t info, uint32_t magic)
{
	uint64_t tsc0 = k_rdtsc();
	k_serial_init();
	if (kind == 1 && magic != MB2_BOOT_MAGIC)
		k_fail("started by a boot loader that is not multiboot2 (magic 0x36d76289 expected)");
	uint64_t rsdp = kind == 1 ? read_mb2(info) : read_pvh(info);
	pc_boot_info.loader = kind;
	k_cpu_init();
	k_timers_init();
	k_acpi_init(rsdp);
	k_pci_init();

	/* The image's RAM region holds the page tables after it; the heap, the
	 * guard page and the main stack (at the top) take the largest stretch
	 * of RAM: the rest of that region or another one (under UEFI the
	 * firmware's own memory splits RAM into pieces, often 1-8 MiB first). */
	join_ram();
	uint64_t image_end = (uint64_t)__pc_image_end;
	unsigned r = 0;
	while (r < k_nram && !(k_ram[r].start <= (uint64_t)__pc_image_start && image_end <= k_ram[r].end))
		r++;
	if (r == k_nram)
		k_fail("the boot loader's memory map has no usable RAM where the image lies");
	uint64_t pool =
	    k_syms_keep(image_end, image_end + (64ull << 20) < k_ram[r].end ? image_end + (64ull << 20) : k_ram[r].end);
	uint64_t pool_end = pool + PT_POOL_PAGES * 4096ull;
	if (pool_end > k_ram[r].end)
		k_fail("not enough memory after the image for its page tables (give the machine more)");
	uint64_t lo = pool_end, hi = k_ram[r].end;
	for (unsigned i = 0; i < k_nram; i++)
		if (i != r && k_ram[i].end - k_ram[i].start > hi - lo) {
			lo = k_ram[i].start;
			hi = k_ram[i].end;
		}
	uint64_t stack = __tincan_manifest_note.m.stack;
	stack = stack ? (stack + 4095) & ~4095ull : TC_MFT_STACK_DEFAULT;
	if (lo + 4096 + stack + (1 << 20) > hi)
		k_fail("not enough memory for the image's stack and a 1 MiB heap (give the machine more)");
	for (unsigned i = 0; i < k_nram; i++)
		pc_boot_info.mem_size += k_ram[i].end - k_ram[i].start;
	k_ring0_end = pool_end;
	pc_boot_info.stack_top = hi;
	pc_boot_info.stack_bottom = hi - stack;
	pc_boot_info.heap_start = lo;
	pc_boot_info.heap_end = pc_boot_info.stack_bottom - 4096;
	k_paging_init(pool, pool_end);

	pc_boot_info.tsc_hz = k_tsc_hz();
	pc_boot_info.tsc_boot = tsc0;
	int64_t secs = k_rtc_seconds();
	if (secs < 0)
		pc_boot_info.flags |= PC_BOOT_NO_RTC;
	else
		pc_boot_info.real_ns_boot = secs * 1000000000ll;
	uint32_t a = 1, b, c = 0, d;
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!((c >> 30) & 1))
		pc_boot_info.flags |= PC_BOOT_NO_RDRAND;
	k_enter_user((uint64_t)pc_user_start, pc_boot_info.stack_top - 8, (uint64_t)&pc_boot_info);
}

/*
 * Powering off.  First QEMU's isa-debug-exit (port 0xf4), which ends QEMU
 * with status (value << 1) | 1 when the device is there and is ignored
 * otherwise; then ACPI S5 as the firmware's tables describe it (FADT:
 * PM1a/PM1b control blocks, or the sleep control register of a hardware-
 * reduced platform such as QEMU's microvm; DSDT: the \_S5 sleep type);
 * then the ports QEMU's and Bochs's chipsets use; then a triple fault,
 * which ends a VM started with -no-reboot.
 */
#include "k.h"

static uint16_t pm1a K_PRIVATE, pm1b K_PRIVATE, slp_typa K_PRIVATE, slp_typb K_PRIVATE;
static uint64_t sleep_ctl K_PRIVATE; /* hardware-reduced: the sleep control register */
static uint8_t sleep_space K_PRIVATE; /* its address space: 0 memory (microvm), 1 I/O */

static int sum_ok(const unsigned char *p, uint32_t n)
{
	unsigned char s = 0;
	while (n--)
		s = (unsigned char)(s + *p++);
	return s == 0;
}

static int sig(const void *p, const char *s)
{
	const char *a = p;
	return a[0] == s[0] && a[1] == s[1] && a[2] == s[2] && a[3] == s[3];
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* A table at a, if it lies in the first 4 GiB and its checksum holds. */
static const unsigned char *table_at(uint64_t a)
{
	if (!a || a >= (1ull << 32) - 36)
		return 0;
	const unsigned char *t = (const unsigned char *)a;
	uint32_t len = rd32(t + 4);
	if (len < 36 || len > (64u << 20) || a + len > (1ull << 32) || !sum_ok(t, len))
		return 0;
	return t;
}

static uint64_t find_rsdp(void)
{
	uint64_t bda = 0x40e; /* the BIOS data area's EBDA segment (hidden from gcc's bounds checks) */
	__asm__("" : "+r"(bda));
	uint64_t ebda = (uint64_t)(*(const uint16_t *)bda) << 4;
	for (uint64_t a = ebda; ebda >= 0x80000 && a < ebda + 1024; a += 16)
		if (sig((const void *)a, "RSD ") && sig((const void *)(a + 4), "PTR ") && sum_ok((const void *)a, 20))
			return a;
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
		if (sig((const void *)a, "RSD ") && sig((const void *)(a + 4), "PTR ") && sum_ok((const void *)a, 20))
			return a;
	return 0;
}

/* The first package elements after "_S5_" in the DSDT's AML: SLP_TYPa and
 * SLP_TYPb (each a BytePrefix and a byte, or ZeroOp/OneOp).  Every byte
 * read is inside the table: the _S5 object is often its last. */
static void find_s5(const unsigned char *dsdt)
{
	uint32_t len = rd32(dsdt + 4);
	for (uint32_t i = 36; i + 5 < len; i++) {
		if (!sig(dsdt + i, "_S5_") || dsdt[i + 4] != 0x12)
			continue;
		uint32_t p = i + 5;
		p += (dsdt[p] >> 6) + 1u; /* PkgLength */
		p++; /* NumElements */
		for (int k = 0; k < 2 && p < len; k++) {
			uint16_t v = dsdt[p];
			if (v == 0x0a) {
				if (p + 1 >= len)
					break;
				v = dsdt[p + 1];
				p += 2;
			} else {
				p++;
			}
			if (k == 0)
				slp_typa = v;
			else
				slp_typb = v;
		}
		return;
	}
}

void k_acpi_init(uint64_t rsdp)
{
	if (!rsdp)
		rsdp = find_rsdp();
	if (!rsdp)
		return;
	const unsigned char *r = (const unsigned char *)rsdp;
	const unsigned char *root = r[15] >= 2 && rd64(r + 24) ? table_at(rd64(r + 24)) : 0;
	unsigned step = 8;
	if (!root) {
		root = table_at(rd32(r + 16));
		step = 4;
	}
	if (!root)
		return;
	for (uint32_t o = 36; o + step <= rd32(root + 4); o += step) {
		const unsigned char *t = table_at(step == 8 ? rd64(root + o) : rd32(root + o));
		if (!t || !sig(t, "FACP"))
			continue;
		uint32_t len = rd32(t + 4);
		pm1a = len >= 68 ? (uint16_t)rd32(t + 64) : 0;
		pm1b = len >= 72 ? (uint16_t)rd32(t + 68) : 0;
		/* The sleep control register: a generic address, in memory
		 * (QEMU's microvm) or I/O space. */
		if (len >= 256 && t[244] <= 1 && rd64(t + 248)) {
			sleep_space = t[244];
			sleep_ctl = rd64(t + 248);
		}
		const unsigned char *dsdt = len >= 148 && rd64(t + 140) ? table_at(rd64(t + 140)) : 0;
		if (!dsdt)
			dsdt = len >= 44 ? table_at(rd32(t + 40)) : 0;
		if (dsdt && sig(dsdt, "DSDT"))
			find_s5(dsdt);
		return;
	}
}

noreturn void k_poweroff(int status)
{
	outl(0xf4, (uint32_t)status & 0xff);
	if (pm1a) {
		outw(pm1a, (uint16_t)(slp_typa << 10 | 1 << 13));
		if (pm1b)
			outw(pm1b, (uint16_t)(slp_typb << 10 | 1 << 13));
	}
	uint8_t sleep = (uint8_t)((slp_typa & 7) << 2 | 1 << 5);
	if (sleep_ctl && sleep_space == 1 && sleep_ctl < 0x10000)
		outb((uint16_t)sleep_ctl, sleep);
	else if (sleep_ctl && sleep_space == 0 && sleep_ctl < (1ull << 32))
		*(volatile uint8_t *)sleep_ctl = sleep; /* mapped one to one, for ring 0 */
	outw(0x604, 0x2000); /* QEMU's PIIX4 and ICH9 */
	outw(0xb004, 0x2000); /* Bochs, older QEMU */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };
	__asm__ __volatile__("lidt %0; int3" : : "m"(none));
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

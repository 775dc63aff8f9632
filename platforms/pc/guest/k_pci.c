/*
 * Ring 0's part of the virtio devices: find them on PCI bus 0 (config
 * space through ports 0xcf8/0xcfc), read their virtio 1.0 capabilities and
 * the BARs the firmware assigned, match them to the devices the image's
 * manifest declares (its net devices get the virtio-net devices in PCI
 * order, its block devices the virtio-blk ones; extra devices are left
 * alone), and take their legacy interrupts (INTx through the PICs).
 * Ring 3 drives the devices itself through their registers, which the page
 * tables give it (k_pci_user_page); ring 0 only reads a device's ISR
 * register when its IRQ fires and records the event for waits.
 */
#include <tincan/image.h>
#include <tincan/platform.h>

#include "k.h"

#define VENDOR_VIRTIO 0x1af4
#define CAP_VENDOR 0x09
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4
#define REGION_MAX (PC_DEV_MAX * 4)
#define ADDR_MAX (1ull << 46) /* identity-mapped below the canonical hole */

extern const struct tc_manifest_note __tincan_manifest_note;

struct region {
	uint64_t start, end; /* page-aligned */
	int user; /* ring 3's (else the ISR: ring 0's) */
};
static struct region regions[REGION_MAX] K_PRIVATE;
static unsigned nregions K_PRIVATE;
static volatile unsigned pending K_PRIVATE;
static unsigned polled K_PRIVATE; /* events of devices without a usable IRQ: every timer tick */

static uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t cfg_read(unsigned bus, unsigned slot, unsigned fn, unsigned off)
{
	outl(0xcf8, 0x80000000u | bus << 16 | slot << 11 | fn << 8 | (off & 0xfc));
	return inl(0xcfc);
}

static void cfg_write(unsigned bus, unsigned slot, unsigned fn, unsigned off, uint32_t v)
{
	outl(0xcf8, 0x80000000u | bus << 16 | slot << 11 | fn << 8 | (off & 0xfc));
	outl(0xcfc, v);
}

/* A found device before matching: its type and the addresses of its
 * structures (0: the capability is missing). */
struct found {
	struct pc_dev d;
	uint32_t len[5]; /* by cfg type */
	int used;
};
static struct found found[PC_DEV_MAX * 2] K_PRIVATE;
static unsigned nfound K_PRIVATE;
/* What the IRQ handler reads, kept where ring 3 cannot change it (the
 * copies in pc_boot_info are ring 3's). */
static struct pc_dev kdev[PC_DEV_MAX] K_PRIVATE;
static unsigned nkdev K_PRIVATE;

/* BAR bar's memory address, or 0 (I/O, unassigned).  Firmware may put
 * 64-bit BARs above 4 GiB (OVMF does): k_paging_init maps those too. */
static uint64_t bar_addr(unsigned slot, unsigned fn, unsigned bar)
{
	if (bar > 5)
		return 0;
	uint32_t lo = cfg_read(0, slot, fn, 0x10 + 4 * bar);
	if (lo & 1)
		return 0;
	uint64_t a = lo & ~0xfu;
	if (((lo >> 1) & 3) == 2) {
		if (bar == 5)
			return 0;
		a |= (uint64_t)cfg_read(0, slot, fn, 0x14 + 4 * bar) << 32;
	}
	return a < ADDR_MAX ? a : 0;
}

static void probe(unsigned slot, unsigned fn, uint32_t id)
{
	unsigned dev = id >> 16, type;
	if (dev >= 0x1041 && dev <= 0x107f)
		type = dev - 0x1040;
	else if (dev == 0x1000 || dev == 0x1001)
		type = dev == 0x1000 ? 1 : 2;
	else
		return;
	if ((type != 1 && type != 2) || nfound == sizeof found / sizeof *found)
		return;
	if (!(cfg_read(0, slot, fn, 0x04) >> 16 & 0x10))
		return; /* no capability list: a legacy-only device */
	struct found f = { .d = { .type = (uint16_t)type, .bus = 0, .slot = (uint8_t)slot, .func = (uint8_t)fn } };
	uint64_t addr[5] = { 0 };
	unsigned cap = cfg_read(0, slot, fn, 0x34) & 0xfc;
	for (unsigned n = 0; cap >= 0x40 && n < 48; n++) {
		uint32_t h = cfg_read(0, slot, fn, cap);
		unsigned cfg = h >> 24;
		if ((h & 0xff) == CAP_VENDOR && cfg >= CFG_COMMON && cfg <= CFG_DEVICE && !addr[cfg]) {
			uint64_t base = bar_addr(slot, fn, cfg_read(0, slot, fn, cap + 4) & 0xff);
			uint32_t off = cfg_read(0, slot, fn, cap + 8), len = cfg_read(0, slot, fn, cap + 12);
			if (base && len) {
				addr[cfg] = base + off;
				f.len[cfg] = len;
				if (cfg == CFG_NOTIFY)
					f.d.notify_mult = cfg_read(0, slot, fn, cap + 16);
			}
		}
		cap = (h >> 8) & 0xfc;
	}
	if (!addr[CFG_COMMON] || !addr[CFG_NOTIFY] || !addr[CFG_ISR] || !addr[CFG_DEVICE])
		return; /* not a virtio 1.0 device */
	f.d.common = addr[CFG_COMMON];
	f.d.notify = addr[CFG_NOTIFY];
	f.d.isr = addr[CFG_ISR];
	f.d.device = addr[CFG_DEVICE];
	f.d.irq = (uint8_t)cfg_read(0, slot, fn, 0x3c);
	found[nfound++] = f;
}

static void add_region(uint64_t a, uint64_t len, int user)
{
	if (nregions < REGION_MAX)
		regions[nregions++] = (struct region){ a & ~4095ull, (a + len + 4095) & ~4095ull, user };
}

static noreturn void missing(unsigned i)
{
	int net = __tincan_manifest_note.m.devices[i].type == TC_DEV_NET;
	const char *name = __tincan_manifest_note.m.devices[i].name;
	size_t n = 0;
	while (n < TC_MFT_DEVNAME_MAX && name[n])
		n++;
	k_puts(net ? "tincan: the image declares net device '" : "tincan: the image declares block device '");
	k_write(name, n);
	k_puts(net ? "' and the machine has no virtio-net device for it (QEMU: -device virtio-net-pci)\n"
		   : "' and the machine has no virtio-blk device for it (QEMU: -device virtio-blk-pci)\n");
	k_poweroff(105);
}

void k_pci_init(void)
{
	for (unsigned slot = 0; slot < 32; slot++) {
		uint32_t id = cfg_read(0, slot, 0, 0);
		if ((id & 0xffff) == 0xffff)
			continue;
		unsigned fns = cfg_read(0, slot, 0, 0x0c) >> 16 & 0x80 ? 8 : 1;
		for (unsigned fn = 0; fn < fns; fn++) {
			id = cfg_read(0, slot, fn, 0);
			if ((id & 0xffff) == VENDOR_VIRTIO)
				probe(slot, fn, id);
		}
	}
	unsigned counts[3] = { 0 };
	for (unsigned i = 0; i < __tincan_manifest_note.m.ndevices && i < TC_MFT_DEVICES_MAX; i++) {
		unsigned t = __tincan_manifest_note.m.devices[i].type;
		if (t != TC_DEV_NET && t != TC_DEV_BLOCK)
			continue;
		unsigned vt = t == TC_DEV_NET ? 1 : 2, j = 0;
		while (j < nfound && (found[j].used || found[j].d.type != vt))
			j++;
		if (j == nfound || pc_boot_info.ndev == PC_DEV_MAX ||
		    counts[t] == (t == TC_DEV_NET ? PLAT_NET_MAX : PLAT_BLOCK_MAX))
			missing(i);
		struct found *f = &found[j];
		f->used = 1;
		f->d.mft = (uint16_t)i;
		f->d.ev = t == TC_DEV_NET ? PLAT_EV_NET(counts[t]) : PLAT_EV_BLOCK(counts[t]);
		counts[t]++;
		pc_boot_info.dev[pc_boot_info.ndev++] = f->d;
		kdev[nkdev++] = f->d;
		add_region(f->d.common, f->len[CFG_COMMON], 1);
		add_region(f->d.notify, f->len[CFG_NOTIFY], 1);
		add_region(f->d.device, f->len[CFG_DEVICE], 1);
		add_region(f->d.isr, f->len[CFG_ISR], 0);
		/* Memory space and bus mastering on, INTx not disabled. */
		uint32_t cmd = cfg_read(0, f->d.slot, f->d.func, 0x04) & 0xffff;
		cfg_write(0, f->d.slot, f->d.func, 0x04, (cmd | 0x06) & ~0x400u);
		/* Its IRQ through the PICs (the cascade, IRQ 2, is on already);
		 * without one (0, 2, 4: taken; 255: none assigned), waits
		 * look at it on every timer tick. */
		if (f->d.irq < 16 && f->d.irq != 0 && f->d.irq != 2 && f->d.irq != 4) {
			uint16_t port = f->d.irq < 8 ? 0x21 : 0xa1;
			outb(port, (uint8_t)(inb(port) & ~(1u << (f->d.irq & 7))));
		} else {
			polled |= f->d.ev;
		}
	}
}

int k_pci_user_page(uint64_t a)
{
	for (unsigned i = 0; i < nregions; i++)
		if (regions[i].user && a >= regions[i].start && a < regions[i].end)
			return 1;
	return 0;
}

int k_pci_in(uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < nregions; i++)
		if (regions[i].user && regions[i].start < hi && regions[i].end > lo)
			return 1;
	return 0;
}

int k_pci_high(unsigned i, uint64_t *start, uint64_t *end, int *user)
{
	for (unsigned k = 0; k < nregions; k++)
		if (regions[k].end > (1ull << 32) && i-- == 0) {
			*start = regions[k].start;
			*end = regions[k].end;
			*user = regions[k].user;
			return 1;
		}
	return 0;
}

/* Reading a device's ISR register tells whether it interrupted and lowers
 * its interrupt line. */
void k_pci_irq(unsigned irq)
{
	if (irq == 0)
		pending |= polled;
	for (unsigned i = 0; i < nkdev; i++) {
		const struct pc_dev *d = &kdev[i];
		if (d->irq == irq && irq && *(volatile const uint8_t *)d->isr)
			pending |= d->ev;
	}
}

unsigned k_pci_take(unsigned wanted)
{
	unsigned got = pending & wanted;
	pending &= ~got;
	return got;
}

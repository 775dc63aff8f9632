/*
 * What the monitor's fuzz targets share (tests/fuzz/{net,blk,dir}.c): the
 * monitor's hypercall code built on the host without KVM, as in
 * tests/unit/test_hccore.c.  guest_fatal() and die() jump back to the
 * harness (a hostile guest stopped cleanly is a good outcome); the guest's
 * memory is 1 MiB with a real layout; a fuzz input is a script of doorbell
 * writes followed by bytes put at the start of the guest's heap.
 *
 * Input: [n][n * 4 script bytes][heap bytes...].  A script entry is
 * (call number, kind, offset as uint16): the argument address is
 * heap_start + 8 * offset; kind bits bend the doorbell write (a read, a
 * 4-byte write, a misaligned one, an address past RAM) so that every check
 * of the core is reached too.  Entry (0xff, i, v as uint16) is the guest
 * between two calls instead: it adds v to the uint32 at heap_start + 4 * i
 * (a producer index, after the ring's set-up took the old one).  Entry
 * (0xfe, ...) calls the harness's fz_hook: a module's wait hooks.
 */
#ifndef TINCAN_FUZZ_MONITOR_H
#define TINCAN_FUZZ_MONITOR_H

#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hypercall.h"
#include "module.h"
#include "monitor.h"

#define FZ_MEM (1u << 20)

static jmp_buf fz_jmp;
static int fz_armed;

static noreturn void fz_stop(void)
{
	if (!fz_armed)
		abort(); /* a monitor error outside a call: a harness bug */
	longjmp(fz_jmp, 1);
}

void guest_fatal(struct vm *vm, int status, const char *fmt, ...)
{
	(void)vm, (void)status, (void)fmt;
	fz_stop();
}

void die(int status, const char *fmt, ...)
{
	/* The monitor's own errors: a host file or tap that failed.  On the
	 * host these end the run too; nothing here makes one happen. */
	(void)status;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fds_rw(struct mod_fds *f, int fd, int rd, int wr)
{
	(void)f, (void)fd, (void)rd, (void)wr;
}
void fds_pio(struct mod_fds *f, int fd)
{
	(void)f, (void)fd;
}
void fds_wait(struct mod_fds *f, int fd, uint64_t ev, const char *gone)
{
	(void)f, (void)fd, (void)ev, (void)gone;
}

static struct vm fz_vm;
static struct kvm_run fz_run;

/* The image and layout of test_hccore.c: text, rodata, data, then heap. */
static void fz_vm_init(void)
{
	static struct ei_image img;
	uint64_t need;
	char err[256];

	img.nseg = 3;
	img.seg[0] = (struct ei_segment){ 0x10000, 0x3000, 0, 0, EI_R | EI_X };
	img.seg[1] = (struct ei_segment){ 0x13000, 0x1000, 0, 0, EI_R };
	img.seg[2] = (struct ei_segment){ 0x14000, 0x1800, 0, 0, EI_R | EI_W };
	img.lo = 0x10000;
	img.hi = 0x16000;
	fz_vm.img = img;
	if (layout_plan(&fz_vm.lay, &fz_vm.img, FZ_MEM, 0, 0, 5000, &need, err, sizeof err) < 0) {
		fprintf(stderr, "layout: %s\n", err);
		abort();
	}
	fz_vm.mem = mmap(NULL, FZ_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz_vm.mem == MAP_FAILED)
		abort();
	fz_vm.gm.base = fz_vm.mem;
	fz_vm.gm.lay = &fz_vm.lay;
	fz_vm.run = &fz_run;
	if (getenv("FUZZ_SHOW_LAYOUT"))
		fprintf(stderr, "heap_start 0x%llx heap_end 0x%llx\n", (unsigned long long)fz_vm.lay.heap_start,
			(unsigned long long)fz_vm.lay.heap_end);
}

static void fz_register(const struct hc_def *hc, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		hc_register(&hc[i]);
}

static void fz_hook(const uint8_t *s);

/* One doorbell write as the script entry s describes; 0, or 1 when the
 * guest was stopped. */
static int fz_doorbell(const uint8_t *s)
{
	uint64_t nr = s[0], kind = s[1], off = (uint64_t)s[2] | (uint64_t)s[3] << 8;
	uint64_t gpa = fz_vm.lay.heap_start + 8 * off;
	if (kind & 0x10)
		gpa = (off << 20) | (kind & 7); /* anywhere, past RAM, misaligned */
	if (kind & 0x20)
		gpa = FZ_MEM - 8 * (off & 7); /* at the end of RAM */
	fz_run.mmio.phys_addr = TC_DOORBELL_BASE + 8 * nr + ((kind & 0x40) ? 4 : 0) + ((kind & 0x80) ? (2 << 20) : 0);
	fz_run.mmio.is_write = !(kind & 0x08) || (kind & 0x07) != 7;
	fz_run.mmio.len = (kind & 0x0f) == 0x0e ? 4 : 8;
	memcpy(fz_run.mmio.data, &gpa, 8);
	/* The store as tincan's guests make it (hypercall.c checks it): mov
	 * %rcx,(%rbx) just before rip, rbx the doorbell, rcx the argument, and
	 * a counter in rax so no two calls look like pieces of one store.
	 * Kind 0x0d leaves the instruction out: the refusal is fuzzed too. */
	static uint64_t calls;
	struct kvm_regs *g = &fz_run.s.regs.regs;
	static const uint8_t mov[] = { 0x48, 0x89, 0x0b };
	if ((kind & 0x0f) != 0x0d)
		memcpy(fz_vm.mem + 0x10000, mov, sizeof mov);
	*g = (struct kvm_regs){ .rip = 0x10003, .rbx = fz_run.mmio.phys_addr, .rcx = gpa, .rax = ++calls };
	fz_armed = 1;
	if (setjmp(fz_jmp)) {
		fz_armed = 0;
		return 1;
	}
	if (s[0] == 0xfe)
		fz_hook(s);
	else
		hc_doorbell(&fz_vm);
	fz_armed = 0;
	return 0;
}

/* Run one input: heap bytes in place, then the script until the guest is
 * stopped.  The memory is zeroed afterwards for the next input.  Returns 1
 * if the guest was stopped (on the host the monitor would then exit). */
static int fz_run_input(const uint8_t *data, size_t size)
{
	int stopped = 0;
	if (size < 1)
		return 0;
	size_t n = data[0], script = 1 + 4 * n;
	if (size < script)
		return 0;
	uint64_t room = fz_vm.lay.heap_end - fz_vm.lay.heap_start, heap = size - script;
	if (heap > room)
		heap = room;
	memcpy(fz_vm.mem + fz_vm.lay.heap_start, data + script, heap);
	for (size_t i = 0; i < n; i++)
		if (data[1 + 4 * i] == 0xff) {
			const uint8_t *e = data + 1 + 4 * i;
			uint32_t *w = (uint32_t *)(fz_vm.mem + fz_vm.lay.heap_start + 4 * e[1]);
			*w += (uint32_t)e[2] | (uint32_t)e[3] << 8;
		} else if ((stopped = fz_doorbell(data + 1 + 4 * i)))
			break;
	memset(fz_vm.mem, 0, FZ_MEM);
	return stopped;
}

#endif

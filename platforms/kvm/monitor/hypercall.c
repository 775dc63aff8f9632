/*
 * Hypercall dispatch: by index into a table, one copy in and one copy out
 * of a few dozen bytes per call.  The guest is hostile: an unknown number or
 * an argument struct outside its memory ends the run with TC_STATUS_ABI.
 */
#include "hypercall.h"

#include <linux/kvm.h>
#include <string.h>

#include "monitor.h"

static const struct hc_def *table[TC_HC_MAX + 1];

void hc_register(const struct hc_def *d)
{
	if (d->nr == 0 || d->nr > TC_HC_MAX || d->size % 8 || d->size > HC_ARG_MAX || d->out > d->size)
		die(TC_STATUS_HOST, "hypercall %u (%s): bad table entry", d->nr, d->name);
	if (table[d->nr])
		die(TC_STATUS_HOST, "hypercall %u registered twice (%s and %s)", d->nr, table[d->nr]->name, d->name);
	table[d->nr] = d;
}

#ifdef TINCAN_DEBUG
const char *hc_name(unsigned nr)
{
	return nr <= TC_HC_MAX && table[nr] ? table[nr]->name : NULL;
}
#endif

void hc_call(struct vm *vm, uint64_t nr, uint64_t gpa)
{
	const struct hc_def *d = nr <= TC_HC_MAX ? table[nr] : NULL;
	uint64_t arg[HC_ARG_MAX / 8];

	if (!d)
		guest_fatal(vm, TC_STATUS_ABI, "guest made unknown hypercall %llu", (unsigned long long)nr);
	/* Read-only memory is fine for a struct the monitor only reads. */
	uint8_t *p = (gpa % 8) ? NULL : gm_ptr(&vm->gm, gpa, d->size, d->out < d->size ? GM_R | GM_W : GM_R);
	if (!p)
		guest_fatal(vm, TC_STATUS_ABI, "guest passed a bad argument address 0x%llx to hypercall %s",
			    (unsigned long long)gpa, d->name);
	memcpy(arg, p, d->size);
	DBG_COUNT(hc[nr], 1);
	vm->hc_gpa = gpa;
	d->fn(vm, arg);
	memcpy(p + d->out, (uint8_t *)arg + d->out, d->size - d->out);
}

void *hc_buf(struct vm *vm, unsigned nr, uint64_t buf, uint64_t len, unsigned perm)
{
	void *p = gm_ptr(&vm->gm, buf, len, perm);
	if (!p)
		guest_fatal(vm, TC_STATUS_ABI,
			    "guest passed a bad buffer to hypercall %s: 0x%llx + %llu bytes is not %s guest memory",
			    table[nr]->name, (unsigned long long)buf, (unsigned long long)len,
			    perm & GM_W ? "writable" : "readable");
	return p;
}

/* The guest's register n (in x86 encoding order) at this exit. */
static uint64_t reg(const struct kvm_regs *g, unsigned n)
{
	static const unsigned char at[8] = { 0, 2, 3, 1, 6, 7, 4, 5 };
	return ((const uint64_t *)g)[n < 8 ? at[n] : n];
}

/* Whether the n bytes before rip (KVM has moved it past the store) are a
 * mov of a 64-bit register to memory (REX.W 89 /r) that stores data at addr
 * with the registers as they are. */
static int mov_store(struct vm *vm, const struct kvm_regs *g, unsigned n, uint64_t addr, uint64_t data)
{
	const uint8_t *b = gm_ptr(&vm->gm, g->rip - n, n, GM_R);
	if (!b || (b[0] & 0xf8) != 0x48 || b[1] != 0x89 || b[2] >= 0xc0)
		return 0;
	unsigned rex = b[0], mod = b[2] >> 6, rm = b[2] & 7, i = 3;
	uint64_t ea = g->rip; /* rip-relative */
	if (rm == 4) { /* SIB: index (none if 4) << scale, plus base unless disp32 alone */
		if (n < 4)
			return 0;
		unsigned sib = b[i++], x = (sib >> 3 & 7) | (rex & 2) << 2;
		ea = x != 4 ? reg(g, x) << (sib >> 6) : 0;
		rm = sib & 7;
		if (rm == 5 && !mod)
			mod = 2;
		else
			ea += reg(g, rm | (rex & 1) << 3);
	} else if (rm == 5 && !mod) {
		mod = 2;
	} else {
		ea = reg(g, rm | (rex & 1) << 3);
	}
	if (i + (mod == 1 ? 1 : mod * 2) != n)
		return 0;
	int32_t d = mod == 1 ? (int8_t)b[i] : 0;
	if (mod == 2)
		memcpy(&d, b + i, 4);
	return ea + (uint64_t)(int64_t)d == addr && reg(g, (b[2] >> 3 & 7) | (rex & 4) << 1) == data;
}

/* KVM splits a wider store (SSE, AVX) into 8-byte exits, each of which
 * looks like a hypercall.  Only a plain 8-byte mov may ring: one must end at
 * rip, store there and store that value.  A guest could make bytes before
 * rip look like one; then the store's second piece, which comes with every
 * register unchanged (no guest code runs between the pieces), is refused. */
static int one_store(struct vm *vm, uint64_t addr, uint64_t data)
{
	static struct kvm_regs last;
	static uint64_t last_addr;
	const struct kvm_regs *g = &vm->run->s.regs.regs;
	int ok = 0;
	for (unsigned n = 3; n <= 12 && !ok; n++)
		ok = mov_store(vm, g, n, addr, data);
	if (addr == last_addr + 8 && memcmp(g, &last, sizeof last) == 0)
		ok = 0;
	last = *g;
	last_addr = addr;
	return ok;
}

void hc_doorbell(struct vm *vm)
{
	struct kvm_run *r = vm->run;
	uint64_t addr = r->mmio.phys_addr, off = addr - TC_DOORBELL_BASE, arg;

	if (addr < TC_DOORBELL_BASE || off >= (2ULL << 20))
		guest_fatal(vm, TC_STATUS_FAULT, "guest accessed unbacked address 0x%llx", (unsigned long long)addr);
	if (!r->mmio.is_write)
		guest_fatal(vm, TC_STATUS_ABI, "guest read from the hypercall doorbells at 0x%llx",
			    (unsigned long long)addr);
	if (r->mmio.len != 8 || off % 8)
		guest_fatal(vm, TC_STATUS_ABI,
			    "guest made a %u-byte doorbell write at 0x%llx (must be 8 bytes, aligned)", r->mmio.len,
			    (unsigned long long)addr);
	memcpy(&arg, r->mmio.data, 8);
	if (!one_store(vm, addr, arg))
		guest_fatal(vm, TC_STATUS_ABI, "guest rang doorbell 0x%llx by other than one 8-byte mov",
			    (unsigned long long)addr);
	hc_call(vm, off / 8, arg);
}

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
	hc_call(vm, off / 8, arg);
}

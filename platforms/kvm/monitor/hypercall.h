/*
 * The hypercall core.  A hypercall is a table entry; the core decodes the
 * doorbell exit, checks the argument address, copies the argument struct
 * into a buffer of its own, calls the handler on that copy and copies back
 * only the OUT fields.  A handler never reads the struct in guest memory, so
 * it cannot see a value change under it; buffers the struct points to are
 * translated with hc_buf().
 */
#ifndef TINCAN_HYPERCALL_H
#define TINCAN_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "../abi.h"

struct vm;

/* Largest argument struct; bigger ones belong in buffers they point to. */
#define HC_ARG_MAX 64

struct hc_def {
	unsigned nr; /* TC_HC_* */
	const char *name; /* in messages */
	uint16_t size; /* sizeof the argument struct, a multiple of 8 */
	uint16_t out; /* offset of the OUT fields, which run to the end; size if none */
	void (*fn)(struct vm *vm, void *arg); /* arg: the monitor's copy, 8-byte aligned */
};

/* The entry for a call whose OUT fields start at member `out` (every OUT
 * field in abi.h is `ret`, last in its struct), and for one without. */
#define HC_ENTRY(nr, name, type, out, fn)                                                                              \
	{                                                                                                              \
		(nr), (name), sizeof(type), offsetof(type, out), (fn)                                                  \
	}
#define HC_ENTRY_IN(nr, name, type, fn)                                                                                \
	{                                                                                                              \
		(nr), (name), sizeof(type), sizeof(type), (fn)                                                         \
	}

/* Add d to the table; a number taken twice or out of range, or a malformed
 * entry, is a monitor bug: die() with TC_STATUS_HOST. */
void hc_register(const struct hc_def *d);

/* Handle the doorbell write in vm->run (a KVM_EXIT_MMIO exit). */
void hc_doorbell(struct vm *vm);

/* Call hypercall nr with the argument struct at guest address gpa.  An
 * unknown number or a bad address ends the run (guest_fatal, TC_STATUS_ABI). */
void hc_call(struct vm *vm, uint64_t nr, uint64_t gpa);

/* The guest's buffer [buf, buf+len) for hypercall nr, checked for perm
 * (GM_R, GM_W); ends the run if the guest may not access all of it. */
void *hc_buf(struct vm *vm, unsigned nr, uint64_t buf, uint64_t len, unsigned perm);

#ifdef TINCAN_DEBUG
/* The name of hypercall nr, NULL if none is registered (--stats, --metrics). */
const char *hc_name(unsigned nr);
#endif

#endif

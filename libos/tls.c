/*
 * Per-thread state: the app's thread-local storage (__thread) and newlib's
 * struct _reent (errno, strtok, rand, ...).  x86-64 TLS variant II: a
 * thread's block ends at its thread pointer, the %fs base, and the word at
 * the thread pointer holds the pointer itself (code reads %fs:0, and
 * %fs:-N for a variable).  The linker script describes the template.
 */
#include "tls.h"

#include <reent.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "internal.h"
#include <tincan.h>

#define TCB 64 /* words at and above the thread pointer: self, then room */

extern const char __tincan_tls_start[], __tincan_tls_filesz[], __tincan_tls_memsz[], __tincan_tls_align[];
void __sinit(struct _reent *); /* newlib: set up the shared stdio streams */

/* A linker-script value: the symbol's address.  Through asm, since the
 * compiler takes the address of any object to be non-zero. */
static inline size_t value(const char *sym)
{
	uintptr_t v;
	__asm__("" : "=r"(v) : "0"(sym));
	return v;
}

/* ld puts a variable at tp - (memsz rounded up to the template's alignment)
 * + its offset in the template; tp itself is at least 16-byte aligned. */
#define MEMSZ value(__tincan_tls_memsz)
#define TALIGN (value(__tincan_tls_align) ? value(__tincan_tls_align) : 1)
#define ALIGN (TALIGN < 16 ? 16 : TALIGN)
#define BLOCK ((MEMSZ + TALIGN - 1) & ~(TALIGN - 1))

int tc_tls_used(void)
{
	return MEMSZ != 0;
}

/* The block below tp and the TCB from tp; tp is ALIGN-aligned. */
static void fill(char *tp)
{
	char *block = tp - BLOCK;
	size_t filesz = value(__tincan_tls_filesz);
	memcpy(block, __tincan_tls_start, filesz);
	memset(block + filesz, 0, MEMSZ - filesz);
	memset(tp, 0, TCB);
	*(char **)tp = tp;
}

size_t tc_tls_size(void)
{
	return sizeof(struct _reent) + (MEMSZ ? BLOCK + TCB + ALIGN : 0) + 16;
}

static void no_cleanup(struct _reent *r)
{
	(void)r;
}

char *tc_tls_make(char *top, struct tc_tls *out)
{
	if (MEMSZ) {
		char *tp = (char *)(((uintptr_t)top - TCB) & ~(uintptr_t)(ALIGN - 1));
		fill(tp);
		out->tp = tp;
		top = tp - BLOCK;
	}
	struct _reent *r = (struct _reent *)(((uintptr_t)top - sizeof *r) & ~(uintptr_t)15);
	_REENT_INIT_PTR(r);
	/* One set of stdio streams for all threads: the boot thread's. */
	if (!_GLOBAL_REENT->__sdidinit)
		__sinit(_GLOBAL_REENT);
	r->_stdin = _GLOBAL_REENT->_stdin;
	r->_stdout = _GLOBAL_REENT->_stdout;
	r->_stderr = _GLOBAL_REENT->_stderr;
	r->__sdidinit = 1;
	r->__cleanup = no_cleanup;
	out->reent = r;
	return (char *)r;
}

void tc_tls_end(struct tc_tls *t)
{
	if (t->reent == _GLOBAL_REENT)
		return;
	/* newlib frees only a _reent that is not the current one; until the
	 * next switch, the ending thread's errno lands in the boot thread's. */
	_impure_ptr = _GLOBAL_REENT;
	_reclaim_reent(t->reent);
	t->reent = _GLOBAL_REENT;
}

void tc_tls_boot(struct tc_tls *boot)
{
	boot->reent = _impure_ptr;
	if (!MEMSZ)
		return;
	if (!arch_tp_usable())
		tincan_panic("thread-local storage needs FSGSBASE, which this host lacks");
	char *mem = malloc(BLOCK + TCB + ALIGN);
	if (!mem)
		tincan_panic("no memory for thread-local storage");
	char *tp = (char *)(((uintptr_t)mem + BLOCK + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1));
	fill(tp);
	boot->tp = tp;
	arch_set_tp(tp);
}

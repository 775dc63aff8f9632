/* Per-thread state for the scheduler (tls.c): thread-local storage blocks
 * and newlib's struct _reent, switched with the thread. */
#ifndef LIBOS_TLS_H
#define LIBOS_TLS_H

#include <stddef.h>
#include <stdlib.h>

#include "arch.h"

#define tc_tls_used __tincan_tc_tls_used

struct _reent;
extern struct _reent *_impure_ptr;

struct tc_tls {
	void *tp; /* thread pointer (%fs base); NULL if the app has no TLS */
	struct _reent *reent; /* newlib's per-thread state */
};

/* Does the app have thread-local variables? */
int tc_tls_used(void);

/* Bytes tc_tls_make lays out below a thread's stack top. */
size_t tc_tls_size(void);

/* Lay out a fresh thread's TLS block and _reent just below top; returns
 * the new top for its stack. */
char *tc_tls_make(char *top, struct tc_tls *out);

/* The running thread t ends: free what newlib allocated for it (not its
 * TLS block, which goes with its stack). */
void tc_tls_end(struct tc_tls *t);

/* The boot thread's: once, before constructors run. */
void tc_tls_boot(struct tc_tls *boot);

/* Make t's state the running one. */
static inline void tc_tls_switch(const struct tc_tls *t)
{
	_impure_ptr = t->reent;
	if (t->tp)
		arch_set_tp(t->tp);
}

#endif

/*
 * Thread cancellation for cooperative threads.  A request marks the target;
 * the target acts on it at its next cancellation point, a blocking call
 * that waits through tc_block (read, write, accept, poll, sleeps,
 * pthread_join, pthread_cond_wait once the mutex is held again, ...) or
 * pthread_testcancel; with PTHREAD_CANCEL_ASYNCHRONOUS also where it
 * yields.  Since only one thread runs at a time and a thread that is not
 * running is always stopped at one of those places, asynchronous
 * cancellation never catches a thread in the middle of anything.  Acting
 * means: cleanup handlers run (innermost first), then key destructors, and
 * the thread ends with PTHREAD_CANCELED.  Mutex, rwlock and once waits are
 * not cancellation points (POSIX).  Programs that never cancel link none of
 * this beyond pthread_setcancelstate/type.
 */
#include <errno.h>
#include <pthread.h>

#include "sched.h"

void tc_run_cleanups(void); /* pthread.c */

static void act(void)
{
	unsigned *c = tc_cancel_state(tc_self());
	if ((*c & (TC_CANCEL_PENDING | TC_CANCEL_DISABLED | TC_CANCEL_NOPOINT | TC_CANCEL_LATER)) != TC_CANCEL_PENDING)
		return;
	*c = (*c & ~TC_CANCEL_PENDING) | TC_CANCEL_DISABLED;
	tc_run_cleanups();
	tc_exit(PTHREAD_CANCELED);
}

int pthread_cancel(pthread_t t)
{
	struct tc_thread *th = (struct tc_thread *)t;
	if (!tc_valid(th))
		return ESRCH;
	tc_cancel_hook = act;
	*tc_cancel_state(th) |= TC_CANCEL_PENDING;
	if (th == tc_self()) {
		if (*tc_cancel_state(th) & TC_CANCEL_ASYNC)
			act();
		return 0;
	}
	tc_cancel_kick(th);
	return 0;
}

void pthread_testcancel(void)
{
	act();
}

int pthread_setcancelstate(int state, int *old)
{
	unsigned *c = tc_cancel_state(tc_self());
	if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE)
		return EINVAL;
	if (old)
		*old = (*c & TC_CANCEL_DISABLED) ? PTHREAD_CANCEL_DISABLE : PTHREAD_CANCEL_ENABLE;
	*c = state == PTHREAD_CANCEL_DISABLE ? *c | TC_CANCEL_DISABLED : *c & ~TC_CANCEL_DISABLED;
	return 0;
}

int pthread_setcanceltype(int type, int *old)
{
	unsigned *c = tc_cancel_state(tc_self());
	if (type != PTHREAD_CANCEL_DEFERRED && type != PTHREAD_CANCEL_ASYNCHRONOUS)
		return EINVAL;
	if (old)
		*old = (*c & TC_CANCEL_ASYNC) ? PTHREAD_CANCEL_ASYNCHRONOUS : PTHREAD_CANCEL_DEFERRED;
	*c = type == PTHREAD_CANCEL_ASYNCHRONOUS ? *c | TC_CANCEL_ASYNC : *c & ~TC_CANCEL_ASYNC;
	/* Switching to asynchronous with a request pending acts on it now. */
	if (type == PTHREAD_CANCEL_ASYNCHRONOUS && tc_cancel_hook)
		act();
	return 0;
}

/* POSIX threads over the cooperative scheduler (sched.c). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "sched.h"

#define STACK_DEFAULT (128 * 1024) /* as musl; from the heap, touched lazily */
#define DESTRUCTOR_ROUNDS 4

_Static_assert(sizeof(struct __tc_waitq) == sizeof(struct tc_waitq), "wait queue layouts differ");
#define WQ(x) ((struct tc_waitq *)(void *)&(x))

static struct {
	int used;
	void (*destructor)(void *);
} keys[TC_KEYS_MAX];

static struct tc_thread *thread_of(pthread_t t)
{
	return (struct tc_thread *)(uintptr_t)t;
}

/* An absolute time on clock into a monotonic deadline. */
static int deadline_of(clockid_t clock, const struct timespec *abs, uint64_t *out)
{
	if (!abs) {
		*out = TC_NO_DEADLINE;
		return 0;
	}
	if (abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000L || abs->tv_sec < 0)
		return EINVAL;
	uint64_t want = (uint64_t)abs->tv_sec * 1000000000ULL + (uint64_t)abs->tv_nsec;
	uint64_t mono = plat_clock_monotonic_ns();
	uint64_t now = clock == CLOCK_MONOTONIC ? mono : plat_clock_realtime_ns();
	*out = want <= now ? mono : mono + (want - now);
	return 0;
}

int pthread_create(pthread_t *out, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	size_t stack = attr && attr->__inited && attr->__stacksize ? attr->__stacksize : STACK_DEFAULT;
	int detached = attr && attr->__inited && attr->__detachstate == PTHREAD_CREATE_DETACHED;
	int err = 0;
	struct tc_thread *t = tc_spawn(fn, arg, stack, detached, &err);
	if (!t)
		return -err;
	*out = (pthread_t)(uintptr_t)t;
	return 0;
}

int pthread_join(pthread_t t, void **value)
{
	return -tc_join(thread_of(t), value);
}

int pthread_detach(pthread_t t)
{
	return -tc_detach(thread_of(t));
}

pthread_t pthread_self(void)
{
	return (pthread_t)(uintptr_t)tc_self();
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

/* ---- cleanup handlers (pthread_cleanup_push/pop are macros over these) ---- */

void __tincan_cleanup_push(struct __tincan_cleanup *c, void (*fn)(void *), void *arg)
{
	void **top = tc_cleanup_top(tc_self());
	c->fn = fn;
	c->arg = arg;
	c->prev = *top;
	*top = c;
}

void __tincan_cleanup_pop(struct __tincan_cleanup *c, int execute)
{
	*tc_cleanup_top(tc_self()) = c->prev;
	if (execute)
		c->fn(c->arg);
}

/* pthread_exit and cancellation: the handlers still pushed, innermost first. */
void tc_run_cleanups(void)
{
	void **top = tc_cleanup_top(tc_self());
	while (*top) {
		struct __tincan_cleanup *c = *top;
		*top = c->prev;
		c->fn(c->arg);
	}
}

void pthread_exit(void *value)
{
	tc_run_cleanups();
	tc_exit(value);
}

int sched_yield(void)
{
	tc_yield();
	return 0;
}

/* Run key destructors for a thread that ends (called by sched.c). */
void tc_thread_cleanup(struct tc_thread *t);
void tc_thread_cleanup(struct tc_thread *t)
{
	void **v = tc_specific(t);
	for (int round = 0; round < DESTRUCTOR_ROUNDS; round++) {
		int any = 0;
		for (int k = 0; k < TC_KEYS_MAX; k++) {
			void *val = v[k];
			if (val && keys[k].used && keys[k].destructor) {
				v[k] = NULL;
				keys[k].destructor(val);
				any = 1;
			}
		}
		if (!any)
			break;
	}
}

/* ---- attributes ---- */

int pthread_attr_init(pthread_attr_t *a)
{
	*a = (pthread_attr_t){ 1, PTHREAD_CREATE_JOINABLE, STACK_DEFAULT };
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *a)
{
	a->__inited = 0;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *a, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	a->__detachstate = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *a, int *state)
{
	*state = a->__detachstate;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *a, size_t size)
{
	if (size < PTHREAD_STACK_MIN)
		return EINVAL;
	a->__stacksize = size;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *a, size_t *size)
{
	*size = a->__stacksize;
	return 0;
}

/* ---- mutexes ---- */

int pthread_mutexattr_init(pthread_mutexattr_t *a)
{
	a->__type = PTHREAD_MUTEX_DEFAULT;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *a)
{
	(void)a;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type)
{
	if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_RECURSIVE && type != PTHREAD_MUTEX_ERRORCHECK)
		return EINVAL;
	a->__type = type;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *a, int *type)
{
	*type = a->__type;
	return 0;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
	*m = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	if (a)
		m->__type = a->__type;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	return m->__owner ? EBUSY : 0;
}

static int lock(pthread_mutex_t *m, uint64_t deadline, int try)
{
	unsigned long self = pthread_self();
	if (m->__owner == self) {
		if (m->__type != PTHREAD_MUTEX_RECURSIVE)
			/* A normal mutex would deadlock forever here: say so instead. */
			return try ? EBUSY : EDEADLK;
		m->__count++;
		return 0;
	}
	while (m->__owner) {
		if (try)
			return EBUSY;
		if (tc_block_nocancel(WQ(m->__waiters), deadline, 0) == -ETIMEDOUT && m->__owner)
			return ETIMEDOUT;
	}
	m->__owner = self;
	m->__count = 1;
	return 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	return lock(m, TC_NO_DEADLINE, 0);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return lock(m, TC_NO_DEADLINE, 1);
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	uint64_t d;
	int e = deadline_of(CLOCK_REALTIME, abstime, &d);
	return e ? e : lock(m, d, 0);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (m->__owner != pthread_self())
		return EPERM;
	if (--m->__count > 0)
		return 0;
	m->__owner = 0;
	tc_wake_one(WQ(m->__waiters));
	return 0;
}

/* ---- condition variables ---- */

int pthread_condattr_init(pthread_condattr_t *a)
{
	a->__clock = (int)CLOCK_REALTIME;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *a)
{
	(void)a;
	return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t clock)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	a->__clock = clock;
	return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *a, clockid_t *clock)
{
	*clock = a->__clock;
	return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
	*c = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	c->__clock = a ? a->__clock : (int)CLOCK_REALTIME;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	return c->__waiters.__head ? EBUSY : 0;
}

static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
	if (m->__owner != pthread_self())
		return EPERM;
	int count = m->__count;
	m->__count = 1;
	pthread_mutex_unlock(m);
	/* A cancellation point, acted on once the mutex is held again (so
	 * cleanup handlers that unlock it find it locked). */
	unsigned *cancel = tc_cancel_state(tc_self());
	*cancel |= TC_CANCEL_LATER;
	long r = tc_block(WQ(c->__waiters), deadline, 0);
	*cancel &= ~TC_CANCEL_LATER;
	lock(m, TC_NO_DEADLINE, 0);
	m->__count = count;
	if (tc_cancel_hook)
		tc_cancel_hook();
	return r == -ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	return cond_wait(c, m, TC_NO_DEADLINE);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
	uint64_t d;
	int e = deadline_of(c->__clock == CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME, abstime, &d);
	return e ? e : cond_wait(c, m, d);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	tc_wake_one(WQ(c->__waiters));
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	tc_wake_all(WQ(c->__waiters));
	return 0;
}

/* ---- once and keys ---- */

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
	while (once->__state == 1)
		tc_block_nocancel(WQ(once->__waiters), TC_NO_DEADLINE, 0);
	if (once->__state == 0) {
		once->__state = 1;
		fn();
		once->__state = 2;
		tc_wake_all(WQ(once->__waiters));
	}
	return 0;
}

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	for (unsigned k = 0; k < TC_KEYS_MAX; k++)
		if (!keys[k].used) {
			keys[k].used = 1;
			keys[k].destructor = destructor;
			*key = k;
			return 0;
		}
	return EAGAIN;
}

int pthread_key_delete(pthread_key_t key)
{
	if (key >= TC_KEYS_MAX || !keys[key].used)
		return EINVAL;
	keys[key].used = 0;
	return 0;
}

void *pthread_getspecific(pthread_key_t key)
{
	return key < TC_KEYS_MAX && keys[key].used ? tc_specific(tc_self())[key] : NULL;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= TC_KEYS_MAX || !keys[key].used)
		return EINVAL;
	tc_specific(tc_self())[key] = (void *)(uintptr_t)value;
	return 0;
}

/* ---- read-write locks ---- */

int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
	(void)a;
	*l = (pthread_rwlock_t)PTHREAD_RWLOCK_INITIALIZER;
	return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
	return l->__readers || l->__writer ? EBUSY : 0;
}

int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	if (l->__writer == pthread_self())
		return EDEADLK;
	while (l->__writer)
		tc_block_nocancel(WQ(l->__waiters), TC_NO_DEADLINE, 0);
	l->__readers++;
	return 0;
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	if (l->__writer)
		return EBUSY;
	l->__readers++;
	return 0;
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	if (l->__writer == pthread_self())
		return EDEADLK;
	while (l->__writer || l->__readers)
		tc_block_nocancel(WQ(l->__waiters), TC_NO_DEADLINE, 0);
	l->__writer = pthread_self();
	return 0;
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	if (l->__writer || l->__readers)
		return EBUSY;
	l->__writer = pthread_self();
	return 0;
}

int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	if (l->__writer == pthread_self())
		l->__writer = 0;
	else if (l->__readers > 0)
		l->__readers--;
	else
		return EPERM;
	tc_wake_all(WQ(l->__waiters));
	return 0;
}

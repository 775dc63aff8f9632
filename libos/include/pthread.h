/*
 * POSIX threads on tincan: cooperative threads on the guest's one vCPU.
 * A thread runs until it blocks (a lock, a condition, a sleep, a blocking
 * read) or yields; a blocking call parks only the calling thread.
 */
#ifndef TINCAN_PTHREAD_H
#define TINCAN_PTHREAD_H

#include <sched.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1
#define PTHREAD_MUTEX_NORMAL 0
#define PTHREAD_MUTEX_RECURSIVE 1
#define PTHREAD_MUTEX_ERRORCHECK 2
#define PTHREAD_MUTEX_DEFAULT PTHREAD_MUTEX_NORMAL
#define PTHREAD_STACK_MIN 4096
#define PTHREAD_KEYS_MAX 64
#define PTHREAD_CANCEL_ENABLE 0
#define PTHREAD_CANCEL_DISABLE 1
#define PTHREAD_CANCEL_DEFERRED 0
#define PTHREAD_CANCEL_ASYNCHRONOUS 1
#define PTHREAD_CANCELED ((void *)-1)
#define PTHREAD_PROCESS_PRIVATE 0

#define PTHREAD_MUTEX_INITIALIZER                                                                                      \
	{                                                                                                              \
		0, 0, 0,                                                                                               \
		{                                                                                                      \
			0, 0                                                                                           \
		}                                                                                                      \
	}
#define PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP                                                                         \
	{                                                                                                              \
		PTHREAD_MUTEX_RECURSIVE, 0, 0,                                                                         \
		{                                                                                                      \
			0, 0                                                                                           \
		}                                                                                                      \
	}
#define PTHREAD_COND_INITIALIZER                                                                                       \
	{                                                                                                              \
		0,                                                                                                     \
		{                                                                                                      \
			0, 0                                                                                           \
		}                                                                                                      \
	}
#define PTHREAD_ONCE_INIT                                                                                              \
	{                                                                                                              \
		0,                                                                                                     \
		{                                                                                                      \
			0, 0                                                                                           \
		}                                                                                                      \
	}
#define PTHREAD_RWLOCK_INITIALIZER                                                                                     \
	{                                                                                                              \
		0, 0,                                                                                                  \
		{                                                                                                      \
			0, 0                                                                                           \
		}                                                                                                      \
	}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int pthread_join(pthread_t t, void **value);
int pthread_detach(pthread_t t);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
__attribute__((__noreturn__)) void pthread_exit(void *value);
int pthread_setcancelstate(int state, int *old);
int pthread_setcanceltype(int type, int *old);
int pthread_cancel(pthread_t t);
void pthread_testcancel(void);

/* pthread_cleanup_push and _pop: macros used in pairs in one block. */
struct __tincan_cleanup {
	void (*fn)(void *);
	void *arg;
	struct __tincan_cleanup *prev;
};
void __tincan_cleanup_push(struct __tincan_cleanup *c, void (*fn)(void *), void *arg);
void __tincan_cleanup_pop(struct __tincan_cleanup *c, int execute);
#define pthread_cleanup_push(fn, arg)                                                                                  \
	{                                                                                                              \
		struct __tincan_cleanup __tincan_cl;                                                                   \
		__tincan_cleanup_push(&__tincan_cl, (fn), (arg));
#define pthread_cleanup_pop(execute)                                                                                   \
	__tincan_cleanup_pop(&__tincan_cl, (execute));                                                                 \
	}

int pthread_attr_init(pthread_attr_t *a);
int pthread_attr_destroy(pthread_attr_t *a);
int pthread_attr_setdetachstate(pthread_attr_t *a, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *a, int *state);
int pthread_attr_setstacksize(pthread_attr_t *a, size_t size);
int pthread_attr_getstacksize(const pthread_attr_t *a, size_t *size);

int pthread_mutexattr_init(pthread_mutexattr_t *a);
int pthread_mutexattr_destroy(pthread_mutexattr_t *a);
int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *a, int *type);
int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime);
int pthread_mutex_unlock(pthread_mutex_t *m);

int pthread_condattr_init(pthread_condattr_t *a);
int pthread_condattr_destroy(pthread_condattr_t *a);
int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t clock);
int pthread_condattr_getclock(const pthread_condattr_t *a, clockid_t *clock);
int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int pthread_cond_destroy(pthread_cond_t *c);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);

int pthread_once(pthread_once_t *once, void (*fn)(void));

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int pthread_key_delete(pthread_key_t key);
void *pthread_getspecific(pthread_key_t key);
int pthread_setspecific(pthread_key_t key, const void *value);

int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a);
int pthread_rwlock_destroy(pthread_rwlock_t *l);
int pthread_rwlock_rdlock(pthread_rwlock_t *l);
int pthread_rwlock_tryrdlock(pthread_rwlock_t *l);
int pthread_rwlock_wrlock(pthread_rwlock_t *l);
int pthread_rwlock_trywrlock(pthread_rwlock_t *l);
int pthread_rwlock_unlock(pthread_rwlock_t *l);

#ifdef __cplusplus
}
#endif

#endif

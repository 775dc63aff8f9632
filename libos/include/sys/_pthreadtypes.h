/*
 * pthread types for tincan's cooperative threads.  Replaces newlib's file
 * of the same name (same guard): these are plain structs that need no
 * allocation, and all-zero is a valid default mutex, condition and once.
 */
#ifndef _SYS__PTHREADTYPES_H_
#define _SYS__PTHREADTYPES_H_

#include <sys/sched.h>

typedef unsigned long pthread_t;

struct __tc_waitq {
	void *__head, *__tail;
};

typedef struct {
	int __inited;
	int __detachstate;
	unsigned long __stacksize;
} pthread_attr_t;

typedef struct {
	int __type;
	int __count;
	unsigned long __owner;
	struct __tc_waitq __waiters;
} pthread_mutex_t;

typedef struct {
	int __type;
} pthread_mutexattr_t;

typedef struct {
	int __clock;
	struct __tc_waitq __waiters;
} pthread_cond_t;

typedef struct {
	int __clock;
} pthread_condattr_t;

typedef unsigned int pthread_key_t;

typedef struct {
	int __state;
	struct __tc_waitq __waiters;
} pthread_once_t;

typedef struct {
	int __readers;
	unsigned long __writer;
	struct __tc_waitq __waiters;
} pthread_rwlock_t;

typedef struct {
	int __unused;
} pthread_rwlockattr_t;

#endif

/*
 * Cooperative threads and pthreads inside a real guest (tests/threads.bats).
 * No arguments: TAP checks run in the guest.  Otherwise argv[1] picks one
 * behaviour whose effect is visible from outside.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *square(void *arg)
{
	intptr_t v = (intptr_t)arg;
	sched_yield();
	return (void *)(v * v);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mu);
		long c = counter;
		if (i % 7 == 0)
			sched_yield(); /* hold the lock across a switch */
		counter = c + 1;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int queue[16], qlen, produced_all;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 100; i++) {
		pthread_mutex_lock(&mu);
		while (qlen == 16)
			pthread_cond_wait(&cv, &mu);
		queue[qlen++] = i;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	produced_all = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void *sleeper(void *arg)
{
	usleep((useconds_t)(intptr_t)arg * 1000);
	return NULL;
}

static pthread_key_t key;
static int destroyed;
static void destroy(void *v)
{
	destroyed += (int)(intptr_t)v;
}

static void *keyed(void *arg)
{
	pthread_setspecific(key, arg);
	return pthread_getspecific(key);
}

static int once_runs;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void once_fn(void)
{
	once_runs++;
	sched_yield();
}
static void *do_once(void *arg)
{
	(void)arg;
	pthread_once(&once, once_fn);
	return NULL;
}

static void *detached_fn(void *arg)
{
	*(int *)arg = 1;
	pthread_exit(NULL);
}

/* Many threads sleeping to deadlines given in a shuffled order must wake in
 * deadline order (the scheduler keeps them in a heap), each once. */
#define SLEEPERS 200
static struct timespec sleep_base;
static int woke[SLEEPERS], nwoke;

static void *until_rank(void *arg)
{
	int rank = (int)(intptr_t)arg;
	struct timespec t = sleep_base;
	t.tv_nsec += (long)rank * 1000000L;
	t.tv_sec += t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
	woke[nwoke++] = rank;
	return NULL;
}

static void checks(void)
{
	pthread_t t[8];
	void *v;
	int good = 1;
	for (intptr_t i = 0; i < 8; i++)
		good &= pthread_create(&t[i], NULL, square, (void *)i) == 0;
	for (intptr_t i = 0; i < 8; i++)
		good &= pthread_join(t[i], &v) == 0 && (intptr_t)v == i * i;
	ok(good, "8 threads created and joined with their values");

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, add, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ok(counter == 4000, "a mutex held across yields keeps a counter right: %ld", counter);

	pthread_create(&t[0], NULL, producer, NULL);
	long sum = 0;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (qlen == 0 && !produced_all)
			pthread_cond_wait(&cv, &mu);
		if (qlen == 0)
			break;
		sum += queue[--qlen];
		pthread_cond_broadcast(&cv);
	}
	pthread_mutex_unlock(&mu);
	pthread_join(t[0], NULL);
	ok(sum == 5050, "producer and consumer through a condition variable: %ld", sum);

	struct timespec abs;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	uint64_t t0 = now_ms();
	pthread_mutex_lock(&mu);
	int r = pthread_cond_timedwait(&cv, &mu, &abs);
	pthread_mutex_unlock(&mu);
	ok(r == ETIMEDOUT && now_ms() - t0 >= 19, "pthread_cond_timedwait times out after 20 ms");

	t0 = now_ms();
	for (intptr_t i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, sleeper, (void *)100);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	uint64_t took = now_ms() - t0;
	ok(took >= 100 && took < 390, "four threads sleep 100 ms at the same time (%llu ms)", (unsigned long long)took);

	ok(pthread_key_create(&key, destroy) == 0, "pthread_key_create");
	pthread_create(&t[0], NULL, keyed, (void *)5);
	pthread_create(&t[1], NULL, keyed, (void *)7);
	void *v0, *v1;
	pthread_join(t[0], &v0);
	pthread_join(t[1], &v1);
	ok((intptr_t)v0 == 5 && (intptr_t)v1 == 7 && destroyed == 12 && pthread_getspecific(key) == NULL,
	   "thread-specific values and their destructors");

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, do_once, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ok(once_runs == 1, "pthread_once runs once");

	int flag = 0;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 32768);
	ok(pthread_create(&t[0], &a, detached_fn, &flag) == 0, "a detached thread with a 32 KiB stack");
	usleep(1000);
	ok(flag == 1 && pthread_join(t[0], NULL) != 0, "it ran, and cannot be joined");

	pthread_mutexattr_t ma;
	pthread_mutex_t rm, em;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rm, &ma);
	ok(pthread_mutex_lock(&rm) == 0 && pthread_mutex_lock(&rm) == 0 && pthread_mutex_unlock(&rm) == 0 &&
	       pthread_mutex_unlock(&rm) == 0 && pthread_mutex_unlock(&rm) == EPERM,
	   "recursive mutex");
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&em, &ma);
	ok(pthread_mutex_lock(&em) == 0 && pthread_mutex_lock(&em) == EDEADLK && pthread_mutex_trylock(&em) == EBUSY &&
	       pthread_mutex_unlock(&em) == 0,
	   "error-checking mutex");
	ok(pthread_join(pthread_self(), NULL) == EDEADLK, "joining yourself is EDEADLK");

	pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
	ok(pthread_rwlock_rdlock(&rw) == 0 && pthread_rwlock_tryrdlock(&rw) == 0 &&
	       pthread_rwlock_trywrlock(&rw) == EBUSY && pthread_rwlock_unlock(&rw) == 0 &&
	       pthread_rwlock_unlock(&rw) == 0 && pthread_rwlock_wrlock(&rw) == 0 &&
	       pthread_rwlock_tryrdlock(&rw) == EBUSY && pthread_rwlock_unlock(&rw) == 0,
	   "read-write lock");

	pthread_t sl[SLEEPERS];
	clock_gettime(CLOCK_MONOTONIC, &sleep_base);
	sleep_base.tv_sec += 1; /* every thread starts long before its deadline */
	int started = 0, inorder = 1;
	pthread_attr_t small;
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 16384);
	for (int i = 0; i < SLEEPERS; i++)
		started += pthread_create(&sl[i], &small, until_rank, (void *)(intptr_t)((i * 37) % SLEEPERS)) == 0;
	for (int i = 0; i < started; i++)
		pthread_join(sl[i], NULL);
	for (int i = 0; i < nwoke; i++)
		inorder &= woke[i] == i;
	int bad = 0;
	while (bad < nwoke && woke[bad] == bad)
		bad++;
	ok(started == SLEEPERS && nwoke == SLEEPERS && inorder,
	   "%d threads sleeping to shuffled deadlines wake in order (started %d, woke %d, first out of order at %d: "
	   "%d)",
	   SLEEPERS, started, nwoke, bad, bad < nwoke ? woke[bad] : -1);

	int made = 0;
	for (; made < 10000; made++)
		if (pthread_create(&t[0], &a, detached_fn, &flag) != 0)
			break;
	ok(made > 10 && made < 10000, "thread creation fails cleanly when memory runs out (%d made)", made);
	usleep(1000);
	ok(pthread_create(&t[0], NULL, square, (void *)3) == 0 && pthread_join(t[0], &v) == 0 && (intptr_t)v == 9,
	   "and works again once they have exited");
}

static void *ticker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		printf("tick\n");
		fflush(stdout);
		usleep(20000);
	}
	return NULL;
}

static void *deep(void *arg)
{
	volatile char pad[4096];
	pad[0] = 1;
	if ((intptr_t)arg > 0)
		deep((void *)((intptr_t)arg - 1));
	sched_yield();
	return (void *)(intptr_t)pad[0];
}

static pthread_mutex_t never = PTHREAD_MUTEX_INITIALIZER;
static void *hold(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&never);
	pthread_mutex_lock((pthread_mutex_t *)&mu); /* mu is held by main */
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "tap";
	pthread_t t;

	if (strcmp(mode, "tap") == 0) {
		checks();
		return done_testing();
	}
	if (strcmp(mode, "stdin") == 0) {
		/* One thread blocks reading stdin while another keeps ticking. */
		pthread_create(&t, NULL, ticker, NULL);
		char line[64];
		if (!fgets(line, sizeof line, stdin))
			return 1;
		printf("got %s", line);
		fflush(stdout);
		exit(0);
	}
	if (strcmp(mode, "deadlock") == 0) {
		pthread_mutex_lock(&mu);
		pthread_create(&t, NULL, hold, NULL);
		sched_yield();
		pthread_mutex_lock(&never);
		return 0;
	}
	if (strcmp(mode, "stack") == 0) {
		/* Thread stacks come from the heap: give the overflow heap memory
		 * to land in, as it would in a real program. */
		volatile char *below = malloc(65536);
		below[0] = 1;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 16384);
		pthread_create(&t, &a, deep, (void *)8);
		pthread_join(t, NULL);
		return 0;
	}
	if (strcmp(mode, "stack-touched") == 0) {
		/* The same, on memory used (so cached in the TLB as one 2 MiB
		 * page) and freed just before: the thread's stack and guard
		 * page come from it, and the guard must hold anyway. */
		char *used = memalign(2 << 20, 4 << 20);
		memset(used, 1, 4 << 20);
		printf("touched %p %p\n", (void *)used, (void *)(used + (4 << 20)));
		fflush(stdout);
		/* Fill the heap below it, so that the stack comes from it. */
		char *p;
		while ((p = malloc(4000)) < used)
			;
		free(p);
		free(used);
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 2 << 20);
		pthread_create(&t, &a, deep, (void *)700);
		pthread_join(t, NULL);
		return 0;
	}
	if (strcmp(mode, "stack-many") == 0) {
		/* 24 threads on 1 MiB stacks at once: more 2 MiB chunks than the
		 * monitor has spare page tables for, so the last ones keep only
		 * their canary; then the last one overflows. */
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 1 << 20);
		for (int i = 0; i < 24; i++)
			pthread_create(&t, &a, sleeper, (void *)1000);
		pthread_create(&t, &a, deep, (void *)300);
		pthread_join(t, NULL);
		return 0;
	}
	if (strcmp(mode, "main-exit") == 0) {
		/* pthread_exit from main: the guest lives until the last thread ends. */
		pthread_create(&t, NULL, sleeper, (void *)50);
		printf("main leaves\n");
		fflush(stdout);
		pthread_exit(NULL);
	}
	return 2;
}

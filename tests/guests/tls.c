/*
 * Thread-local storage and per-thread newlib state in a real guest
 * (tests/tls.bats).  No arguments: TAP checks.  "bench": the cost of a
 * switch between two threads that yield to each other.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "tls_extern.h"

__thread int t_int = 7;
__thread int t_arr[4] = { 1, 2, 3, 4 };
__thread char t_zero[256];
_Thread_local long t_long = -5;
static __thread double t_dbl = 2.5;
__thread void *t_ptr __attribute__((tls_model("initial-exec")));

static uintptr_t thread_pointer(void)
{
	uintptr_t tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	return tp;
}

static int fresh(void)
{
	int zero = 1;
	for (int i = 0; i < 256; i++)
		zero &= t_zero[i] == 0;
	return t_int == 7 && t_arr[0] == 1 && t_arr[3] == 4 && zero && t_long == -5 && t_dbl == 2.5 && !t_ptr &&
	       tls_ext_counter == 5 && tls_ext_zero_sum() == 0;
}

/* ---- values per thread, across yields and blocking ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;

struct res {
	int fresh, kept;
	uintptr_t addr, tp;
};

static void *worker(void *arg)
{
	intptr_t id = (intptr_t)arg;
	struct res *r = calloc(1, sizeof *r);
	r->fresh = fresh();
	r->addr = (uintptr_t)&t_int;
	r->tp = thread_pointer();
	t_int = (int)id;
	t_arr[2] = (int)id * 3;
	t_zero[100] = (char)id;
	t_long = id * 1000;
	t_ptr = r;
	*tls_ext_counter_addr() = (int)id + 1;
	for (int i = 0; i < 5; i++)
		sched_yield();
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL); /* blocks: other threads run */
	pthread_mutex_lock(&mu);
	turn++;
	pthread_cond_broadcast(&cv);
	while (turn < 2)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	r->kept = t_int == (int)id && t_arr[2] == (int)id * 3 && t_zero[100] == (char)id && t_long == id * 1000 &&
		  t_ptr == r && tls_ext_counter == (int)id + 1;
	return r;
}

static void *many(void *arg)
{
	t_int += (int)(intptr_t)arg;
	sched_yield();
	return (void *)(intptr_t)(t_int == 7 + (int)(intptr_t)arg && t_arr[3] == 4 && !t_zero[255] &&
				  tls_ext_counter == 5);
}

/* ---- errno per thread ---- */

static int phase;
static void *errno_a(void *arg)
{
	(void)arg;
	close(-1); /* EBADF */
	int e1 = errno;
	pthread_mutex_lock(&mu);
	phase = 1;
	pthread_cond_broadcast(&cv);
	while (phase != 2)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return (void *)(intptr_t)(e1 == EBADF && errno == EBADF);
}
static void *errno_b(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (phase != 1)
		pthread_cond_wait(&cv, &mu);
	int fd = open("/no/such/file", O_RDONLY); /* ENOENT */
	int seen = fd < 0 && errno == ENOENT;
	phase = 2;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	sched_yield();
	return (void *)(intptr_t)(seen && errno == ENOENT);
}

/* ---- leaks: a thread's block and newlib state go at join ---- */

static void *uses_newlib(void *arg)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.17g %s", 1.0 / 3 + (double)(intptr_t)arg, strtok(strcpy(buf, "a,b"), ","));
	t_arr[1] = (int)strlen(buf);
	return NULL;
}

/* ---- pthread keys beside TLS ---- */

static pthread_key_t key;
static void *key_user(void *arg)
{
	pthread_setspecific(key, arg);
	t_ptr = arg;
	sched_yield();
	return (void *)(intptr_t)(pthread_getspecific(key) == arg && t_ptr == arg);
}

/* ---- the switch bench ---- */

static volatile int stop;
static void *pinger(void *arg)
{
	long n = (long)(intptr_t)arg;
	for (long i = 0; i < n; i++)
		sched_yield();
	return NULL;
}

static int bench(long n)
{
	pthread_t a, b;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&a, NULL, pinger, (void *)(intptr_t)n);
	pthread_create(&b, NULL, pinger, (void *)(intptr_t)n);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("switch: %.1f ns (%ld switches)\n", ns / (2.0 * (double)n), 2 * n);
	return 0;
}

static void *crash(void *arg)
{
	t_int = 1;
	sched_yield();
	return (void *)(intptr_t) * (volatile int *)arg; /* arg is NULL */
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "bench"))
		return bench(argc > 2 ? atol(argv[2]) : 1000000);
	if (argc > 1 && !strcmp(argv[1], "fault")) {
		pthread_t t;
		pthread_create(&t, NULL, crash, NULL);
		return pthread_join(t, NULL);
	}

	ok(fresh(), "the main thread starts with the initial values and zeroed .tbss");
	uintptr_t tp = thread_pointer();
	ok(tp && (uintptr_t)&t_int < tp && tp - (uintptr_t)&t_int < 4096,
	   "%%fs:0 holds the thread pointer, the block is just below it");
	ok((uintptr_t)&t_dbl % _Alignof(double) == 0 && (uintptr_t)&t_long % _Alignof(long) == 0,
	   "TLS variables are aligned");
	t_int = 99;
	t_arr[0] = -1;
	t_zero[5] = 9;
	tls_ext_counter = 77;

	pthread_t th[2];
	struct res *r[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)(i + 10));
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], (void **)&r[i]);
	ok(r[0]->fresh && r[1]->fresh, "a new thread sees the initial values, not the creator's");
	ok(r[0]->addr != r[1]->addr && r[0]->addr != (uintptr_t)&t_int, "each thread has its own addresses");
	ok(r[0]->tp != r[1]->tp && r[0]->tp != tp && r[0]->tp > r[0]->addr, "each thread has its own thread pointer");
	ok(r[0]->kept && r[1]->kept, "values survive yields, sleeps and condition waits");
	ok(t_int == 99 && t_arr[0] == -1 && t_zero[5] == 9 && tls_ext_counter == 77 && thread_pointer() == tp,
	   "the main thread's values are untouched");
	free(r[0]);
	free(r[1]);

	enum { MANY = 200 };
	static pthread_t mt[MANY];
	int good = 0, created = 0;
	for (int i = 0; i < MANY; i++)
		created += pthread_create(&mt[i], NULL, many, (void *)(intptr_t)i) == 0;
	for (int i = 0; i < MANY; i++) {
		void *v;
		pthread_join(mt[i], &v);
		good += v != NULL;
	}
	ok(created == MANY && good == MANY, "%d threads at once each have their own values (%d good)", MANY, good);

	errno = 0;
	pthread_create(&th[0], NULL, errno_a, NULL);
	pthread_create(&th[1], NULL, errno_b, NULL);
	void *ea, *eb;
	pthread_join(th[0], &ea);
	pthread_join(th[1], &eb);
	ok(ea && eb, "errno is per thread: A keeps EBADF while B sets ENOENT");
	ok(errno == 0, "the main thread's errno is its own");

	/* Warm up, then 1000 more must not grow the heap. */
	for (int i = 0; i < 10; i++) {
		pthread_create(&th[0], NULL, uses_newlib, (void *)(intptr_t)i);
		pthread_join(th[0], NULL);
	}
	char *top0 = sbrk(0);
	for (int i = 0; i < 1000; i++) {
		pthread_create(&th[0], NULL, uses_newlib, (void *)(intptr_t)i);
		pthread_join(th[0], NULL);
	}
	char *top1 = sbrk(0);
	ok(top1 == top0, "1000 threads created and joined leak nothing (heap top moved %ld bytes)",
	   (long)(top1 - top0));
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 1000; i++) {
		pthread_create(&th[0], &at, uses_newlib, (void *)(intptr_t)i);
		sched_yield();
	}
	sched_yield();
	char *top2 = sbrk(0);
	ok(top2 - top0 < 4 * 1024 * 1024, "1000 detached threads are freed too (heap top moved %ld bytes)",
	   (long)(top2 - top0));

	ok(pthread_key_create(&key, NULL) == 0, "pthread_key_create");
	pthread_setspecific(key, &key);
	pthread_create(&th[0], NULL, key_user, (void *)1);
	pthread_create(&th[1], NULL, key_user, (void *)2);
	pthread_join(th[0], &ea);
	pthread_join(th[1], &eb);
	ok(ea && eb && pthread_getspecific(key) == &key, "pthread keys are per thread beside TLS");

	long before = tls_ext_bump(0);
	ok(before == 11 && tls_ext_bump(3) == 12 && tls_ext_bump(1) == 21,
	   "static TLS in a -fPIC object (local-dynamic code)");
	return done_testing();
}

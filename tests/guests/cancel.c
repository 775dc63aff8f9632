/*
 * Thread cancellation and cleanup handlers (libos/cancel.c): TAP from the
 * guest, run by tests/threads.bats.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"

static int cleaned, reached;
static int fds[2];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void note(void *arg)
{
	cleaned += (int)(long)arg;
}

static void unlock(void *arg)
{
	pthread_mutex_unlock(arg);
	cleaned += 100;
}

static void *reader(void *arg)
{
	char c;
	(void)arg;
	pthread_cleanup_push(note, (void *)1);
	read(fds[0], &c, 1); /* a cancellation point */
	reached = 1;
	pthread_cleanup_pop(0);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	pthread_cleanup_push(unlock, &m);
	for (;;)
		pthread_cond_wait(&cv, &m);
	pthread_cleanup_pop(1);
	return NULL;
}

static void *stubborn(void *arg)
{
	int old;
	(void)arg;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	usleep(20000); /* a cancellation point, but cancellation is off */
	reached = 2;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	pthread_testcancel();
	reached = 3;
	return NULL;
}

static void *locker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m); /* not a cancellation point */
	reached = 4;
	pthread_mutex_unlock(&m);
	pthread_testcancel();
	reached = 5;
	return NULL;
}

static void *spinner(void *arg)
{
	(void)arg;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	for (;;)
		sched_yield();
	return NULL;
}

static void *exiter(void *arg)
{
	(void)arg;
	pthread_cleanup_push(note, (void *)10);
	pthread_cleanup_push(note, (void *)20);
	pthread_cleanup_pop(0);
	pthread_exit((void *)7);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *self_cancel(void *arg)
{
	(void)arg;
	pthread_cancel(pthread_self());
	reached = 6; /* deferred: still running */
	pthread_testcancel();
	reached = 7;
	return NULL;
}

int main(void)
{
	pthread_t t;
	void *v;

	setvbuf(stdout, NULL, _IONBF, 0);
	ok(pipe(fds) == 0, "a pipe nobody writes");
	pthread_create(&t, NULL, reader, NULL);
	usleep(1000);
	ok(pthread_cancel(t) == 0 && pthread_join(t, &v) == 0 && v == PTHREAD_CANCELED,
	   "a thread blocked in read is cancelled");
	ok(cleaned == 1 && !reached, "its cleanup handler ran; it never returned from read");

	cleaned = 0;
	pthread_create(&t, NULL, waiter, NULL);
	usleep(1000);
	ok(pthread_cancel(t) == 0 && pthread_join(t, &v) == 0 && v == PTHREAD_CANCELED,
	   "a thread in pthread_cond_wait is cancelled");
	ok(cleaned == 100 && pthread_mutex_trylock(&m) == 0 && pthread_mutex_unlock(&m) == 0,
	   "with the mutex held again, so its handler could unlock it");

	reached = 0;
	pthread_create(&t, NULL, stubborn, NULL);
	usleep(1000);
	ok(pthread_cancel(t) == 0 && pthread_join(t, &v) == 0 && v == PTHREAD_CANCELED && reached == 2,
	   "cancellation disabled: the request waits until it is enabled again");

	reached = 0;
	pthread_mutex_lock(&m);
	pthread_create(&t, NULL, locker, NULL);
	usleep(1000);
	pthread_cancel(t);
	usleep(1000);
	ok(reached == 0, "a thread waiting for a mutex is not cancelled there");
	pthread_mutex_unlock(&m);
	ok(pthread_join(t, &v) == 0 && v == PTHREAD_CANCELED && reached == 4,
	   "it takes the mutex, then acts at the next point");

	pthread_create(&t, NULL, spinner, NULL);
	usleep(1000);
	ok(pthread_cancel(t) == 0 && pthread_join(t, &v) == 0 && v == PTHREAD_CANCELED,
	   "asynchronous cancellation ends a thread that only yields");

	cleaned = 0;
	pthread_create(&t, NULL, exiter, NULL);
	ok(pthread_join(t, &v) == 0 && v == (void *)7 && cleaned == 10,
	   "pthread_exit runs the handlers still pushed, not popped ones");

	reached = 0;
	pthread_create(&t, NULL, self_cancel, NULL);
	ok(pthread_join(t, &v) == 0 && v == PTHREAD_CANCELED && reached == 6,
	   "cancelling itself, deferred: acts at testcancel");

	int old;
	ok(pthread_setcanceltype(7, &old) == EINVAL && pthread_setcancelstate(7, &old) == EINVAL,
	   "bad type or state: EINVAL");
	ok(pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old) == 0 && old == PTHREAD_CANCEL_DEFERRED,
	   "the default type is deferred");
	return done_testing();
}

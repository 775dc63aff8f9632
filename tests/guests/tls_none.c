/*
 * Threads in an app without thread-local variables (tests/tls.bats): the
 * scheduler must leave the %fs base alone, so such apps do not depend on
 * FSGSBASE and pay nothing for TLS.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <unistd.h>

#include "../tap.h"

static uintptr_t fsbase(void)
{
	uintptr_t v;
	__asm__ volatile("rdfsbase %0" : "=r"(v));
	return v;
}

static void *child(void *arg)
{
	(void)arg;
	close(-1);
	sched_yield();
	return (void *)(intptr_t)(fsbase() == 0 && errno == EBADF);
}

int main(void)
{
	pthread_t t;
	void *v;
	errno = 0;
	pthread_create(&t, NULL, child, NULL);
	sched_yield();
	pthread_join(t, &v);
	ok(v != NULL, "a thread runs with the %%fs base untouched and its own errno");
	ok(fsbase() == 0 && errno == 0, "so does the main thread");
	return done_testing();
}

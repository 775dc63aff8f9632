/*
 * A TLS template smaller than 16 bytes with 4-byte alignment
 * (tests/tls.bats): ld places the variables from tp - 8, not tp - 16.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "../tap.h"

__thread int a = 11;
__thread char b = 22;

static void *check(void *arg)
{
	int fresh = a == 11 && b == 22;
	a = (int)(intptr_t)arg;
	sched_yield();
	return (void *)(intptr_t)(fresh && a == (int)(intptr_t)arg && b == 22);
}

int main(void)
{
	ok(a == 11 && b == 22, "the main thread sees the initial values");
	a = 5;
	pthread_t t;
	void *v;
	pthread_create(&t, NULL, check, (void *)7);
	pthread_join(t, &v);
	ok(v && a == 5, "a thread sees them too, and its own changes");
	return done_testing();
}

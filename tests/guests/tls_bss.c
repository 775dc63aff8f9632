/*
 * Only zeroed thread-local variables (.tbss, no .tdata): the template is
 * empty and lies past the data segment's file part (tests/tls.bats).
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#include "../tap.h"

__thread long counter;
__thread char page[4096] __attribute__((aligned(64)));

static void *bump(void *arg)
{
	int clean = counter == 0 && page[0] == 0 && page[4095] == 0 && (uintptr_t)page % 64 == 0;
	counter = (intptr_t)arg;
	page[4095] = 1;
	sched_yield();
	return (void *)(intptr_t)(clean && counter == (intptr_t)arg);
}

int main(void)
{
	counter = -1;
	page[0] = 1;
	pthread_t t[3];
	void *v[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, bump, (void *)(intptr_t)(i + 1));
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], &v[i]);
	ok(v[0] && v[1] && v[2], "zeroed, 64-byte aligned TLS per thread with no initialised part");
	ok(counter == -1 && page[0] == 1 && page[4095] == 0, "the main thread keeps its own");
	return done_testing();
}

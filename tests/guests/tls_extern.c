/*
 * Thread-local variables in a separate object compiled with -fPIC
 * (tests/tls.bats): the global- and local-dynamic code gcc emits for shared
 * libraries, which ld relaxes when it links the static image.
 */
#include "tls_extern.h"

__thread int tls_ext_counter = 5;
static __thread long tls_ext_local[3] = { 10, 20, 30 };
__thread char tls_ext_zero[64] __attribute__((tls_model("global-dynamic")));

int *tls_ext_counter_addr(void)
{
	return &tls_ext_counter;
}

long tls_ext_bump(int i)
{
	return tls_ext_local[i % 3] += 1;
}

int tls_ext_zero_sum(void)
{
	int s = 0;
	for (int i = 0; i < 64; i++)
		s += tls_ext_zero[i];
	tls_ext_zero[1] = 1;
	return s;
}

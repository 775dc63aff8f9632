/*
 * tests/kvm/core.bats: a guest that ends badly for a core dump.
 *   crash fault [N]   dereference NULL in crash_here(N) (local = 3 N + 1)
 *   crash abort       abort(): a panic
 *   crash fill MIB    write MIB MiB of the heap, then fault as above
 *   crash exit        a clean exit
 *   crash spin        spin until the monitor's --timeout
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int *volatile nowhere; /* NULL */
char crash_global[] = "a global in the core";

__attribute__((noinline)) int crash_here(int arg)
{
	int local = arg * 3 + 1;
	printf("crash_here(%d): local %d (%s)\n", arg, local, crash_global);
	fflush(stdout);
	return *nowhere + local;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "fault";
	int n = argc > 2 ? atoi(argv[2]) : 42;

	if (strcmp(what, "abort") == 0)
		abort();
	if (strcmp(what, "exit") == 0)
		return 0;
	if (strcmp(what, "spin") == 0)
		for (;;)
			__asm__ volatile("" ::: "memory");
	if (strcmp(what, "fill") == 0) {
		size_t len = (size_t)n << 20;
		char *p = malloc(len);
		if (!p) {
			printf("no memory for %d MiB\n", n);
			return 1;
		}
		memset(p, 0x5a, len);
		n = p[len - 1];
	}
	return crash_here(n);
}

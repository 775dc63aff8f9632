/*
 * A guest for the gdb stub (tests/kvm/gdb.bats), built at -O0 so every
 * argument and local lives in its frame.  argv[1]:
 *   add    twice(20) calls add(20, 21); prints "result 41 counter 62", exits 0
 *   spin   prints "spinning", counts in a loop until gdb clears `spinning`
 *   sleep N  prints "sleeping", sleeps N s (in the monitor's wait hypercall),
 *            then prints "slept, 3" (twice(1))
 *   loop N   calls add N times (the cost of a breakpoint hit)
 *   null   store through a NULL pointer in poke(p=0x0, v=7)
 *   exit N exit with status N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int counter = 42;
volatile int spinning = 1;

__attribute__((noinline)) int add(int a, int b)
{
	counter += a;
	return a + b;
}

__attribute__((noinline)) int twice(int x)
{
	return add(x, x + 1);
}

__attribute__((noinline)) void poke(int *p, int v)
{
	*p = v;
}

__attribute__((noinline)) void spin(void)
{
	while (spinning)
		counter++;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "add";
	if (strcmp(mode, "add") == 0) {
		int r = twice(20);
		printf("result %d counter %d\n", r, counter);
		return r == 41 ? 0 : 1;
	}
	if (strcmp(mode, "spin") == 0) {
		printf("spinning\n");
		fflush(stdout);
		spin();
		printf("spun\n");
		return 0;
	}
	if (strcmp(mode, "sleep") == 0 && argc > 2) {
		printf("sleeping\n");
		fflush(stdout);
		sleep((unsigned)atoi(argv[2]));
		printf("slept, %d\n", twice(1));
		return 0;
	}
	if (strcmp(mode, "null") == 0) {
		int *volatile p = NULL;
		poke(p, 7);
		return 1;
	}
	if (strcmp(mode, "loop") == 0 && argc > 2) {
		for (int i = atoi(argv[2]); i > 0; i--)
			add(i, 1);
		printf("looped\n");
		return 0;
	}
	if (strcmp(mode, "exit") == 0 && argc > 2)
		return atoi(argv[2]);
	fprintf(stderr, "gdbapp: unknown mode %s\n", mode);
	return 2;
}

/*
 * The profiler's guest (tests/kvm/profile.bats): spends three times as long
 * in heavy() as in light(), interleaved in rounds so that a slow moment of
 * the host falls on both alike.
 *   spin [ROUNDS [MS]]  ROUNDS (default 20) rounds of heavy() for 3*MS ms
 *                       and light() for MS ms (default 5)
 *   fault               spin 5 rounds, then dereference NULL
 *   burn MS             one function for MS ms (the bench's CPU-bound guest)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

volatile uint64_t sink;

/* Spin until ms have passed, looking at the clock every 4096 turns, so
 * that the time goes to the caller's own loop. */
#define SPIN(ms)                                                                                                       \
	do {                                                                                                           \
		uint64_t end = now_ns() + (uint64_t)(ms)*1000000u;                                                     \
		do                                                                                                     \
			for (int i = 0; i < 4096; i++)                                                                 \
				sink += (uint64_t)i;                                                                   \
		while (now_ns() < end);                                                                                \
	} while (0)

/* noipa: neither inlined nor folded into one with the other. */
__attribute__((noipa)) void heavy(unsigned ms)
{
	SPIN(3 * ms);
}

__attribute__((noipa)) void light(unsigned ms)
{
	SPIN(ms);
}

__attribute__((noipa)) void burn(unsigned ms)
{
	SPIN(ms);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "spin";
	if (!strcmp(cmd, "burn")) {
		burn(argc > 2 ? (unsigned)atoi(argv[2]) : 1000);
		return 0;
	}
	unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 20, ms = argc > 3 ? (unsigned)atoi(argv[3]) : 5;
	if (!strcmp(cmd, "fault"))
		rounds = 5;
	for (unsigned r = 0; r < rounds; r++) {
		heavy(ms);
		light(ms);
	}
	if (!strcmp(cmd, "fault")) {
		int *volatile null = NULL;
		return *null;
	}
	printf("done\n");
	return 0;
}

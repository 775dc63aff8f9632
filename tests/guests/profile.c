/*
 * The profiler's guest (tests/kvm/profile.bats): spends three times as long
 * in heavy() as in light(), interleaved in rounds so that a slow moment of
 * the host falls on both alike.
 *   spin [ROUNDS [MS]]  ROUNDS (default 20) rounds of heavy() for about
 *                       3*MS ms of work and light() for MS ms (default 5)
 *   fault               spin 5 rounds, then dereference NULL
 *   burn M              M million turns (default 1000) in one function, and
 *                       print the ms they took (tests/bench/profile.sh)
 * The work is counted in loop turns, measured against the clock at the
 * start (calibrate()).
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

/* Work, not time: a host that takes the CPU away for a while must not
 * take it from one function's share more than from the other's. */
#define SPIN(n)                                                                                                        \
	do {                                                                                                           \
		for (uint64_t i = 0; i < (n); i++)                                                                     \
			sink += i;                                                                                     \
	} while (0)

/* The work itself, one function for both callers: the same code at the
 * same address runs at the same speed (two copies of the loop ran at
 * 2:1 speeds here, by their alignment). */
__attribute__((noipa)) void work(uint64_t n)
{
	SPIN(n);
}

/* noipa: neither inlined nor folded into one with the other; the store
 * after the call keeps it from being a tail call (the caller would not
 * be on the stack). */
__attribute__((noipa)) void heavy(uint64_t n)
{
	work(3 * n);
	sink++;
}

__attribute__((noipa)) void light(uint64_t n)
{
	work(n);
	sink++;
}

__attribute__((noipa)) void burn(uint64_t n)
{
	SPIN(n);
}

/* Turns of work() in a millisecond (the fastest of a few tries). */
__attribute__((noipa)) static uint64_t calibrate(void)
{
	uint64_t best = 0;
	for (int k = 0; k < 5; k++) {
		uint64_t t0 = now_ns();
		work(1u << 16);
		uint64_t dt = now_ns() - t0, r = dt ? (1000000ull << 16) / dt : 1u << 16;
		best = r > best ? r : best;
	}
	return best;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "spin";
	if (!strcmp(cmd, "burn")) {
		uint64_t t0 = now_ns();
		burn((argc > 2 ? (uint64_t)atoll(argv[2]) : 1000) * 1000000u);
		printf("burn %.3f ms\n", (double)(now_ns() - t0) / 1e6);
		return 0;
	}
	uint64_t per_ms = calibrate();
	unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 20, ms = argc > 3 ? (unsigned)atoi(argv[3]) : 5;
	if (!strcmp(cmd, "fault"))
		rounds = 5;
	for (unsigned r = 0; r < rounds; r++) {
		heavy(per_ms * ms);
		light(per_ms * ms);
	}
	if (!strcmp(cmd, "fault")) {
		int *volatile null = NULL;
		return *null;
	}
	printf("done\n");
	return 0;
}

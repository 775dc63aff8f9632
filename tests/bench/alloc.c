/*
 * Allocator patterns, timed (tests/bench/alloc.sh runs it as a guest and
 * as a Linux process): prints one "NAME ms" line per pattern.
 *   grow1     realloc one buffer 1 byte at a time to 1 MiB
 *   grow4k    realloc one buffer 4 KiB at a time to 64 MiB
 *   grow2     64 buffers grown in turn, 64 bytes at a time, to 256 KiB each
 *   small     2M malloc/free of 16..512 bytes, 20,000 live at random
 *   sds       20,000 strings appended to in turn (redis's sds pattern)
 *   walk      no allocator: 8M random reads over one 32 MiB block, the
 *             memory system's share (TLB misses under nested paging)
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

static uint32_t rnd = 12345;
static uint32_t next(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 17;
	rnd ^= rnd << 5;
	return rnd;
}

static void *must(void *p)
{
	if (!p) {
		puts("out of memory");
		exit(1);
	}
	return p;
}

static unsigned long sink;

static void grow(size_t step, size_t max)
{
	char *b = NULL;
	for (size_t n = step; n <= max; n += step) {
		b = must(realloc(b, n));
		b[n - 1] = (char)n;
	}
	sink += (unsigned char)b[max / 2];
	free(b);
}

static void grow_many(void)
{
	enum { N = 64, MAX = 256 * 1024, STEP = 64 };
	char *b[N] = { 0 };
	for (size_t n = STEP; n <= MAX; n += STEP)
		for (int i = 0; i < N; i++) {
			b[i] = must(realloc(b[i], n));
			b[i][n - 1] = (char)i;
		}
	for (int i = 0; i < N; i++)
		free(b[i]);
}

static void small(void)
{
	enum { LIVE = 20000, OPS = 2000000 };
	static char *p[LIVE];
	for (int i = 0; i < OPS; i++) {
		unsigned k = next() % LIVE;
		free(p[k]);
		size_t n = 16 + next() % 497;
		p[k] = must(malloc(n));
		p[k][0] = (char)n;
	}
	for (int i = 0; i < LIVE; i++)
		free(p[i]), p[i] = NULL;
}

static void sds(void)
{
	enum { N = 20000, ROUNDS = 100 };
	static char *s[N];
	static size_t len[N];
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < N; i++) {
			size_t add = 1 + next() % 32;
			s[i] = must(realloc(s[i], len[i] + add + 1));
			memset(s[i] + len[i], 'x', add);
			len[i] += add;
			s[i][len[i]] = 0;
		}
	for (int i = 0; i < N; i++)
		free(s[i]), s[i] = NULL, len[i] = 0;
}

static void walk(void)
{
	enum { SIZE = 32 << 20, READS = 8 << 20 };
	unsigned char *b = must(malloc(SIZE));
	memset(b, 1, SIZE);
	uint64_t t0 = 0;
	for (int i = 0; i < READS; i++)
		t0 += b[next() % SIZE];
	sink += t0;
	free(b);
}

#define TIME(name, call)                                                                                               \
	do {                                                                                                           \
		uint64_t t0 = now_ns();                                                                                \
		call;                                                                                                  \
		printf("%s %.1f\n", name, (double)(now_ns() - t0) / 1e6);                                              \
	} while (0)

int main(void)
{
	TIME("grow1", grow(1, 1 << 20));
	TIME("grow4k", grow(4096, 64 << 20));
	TIME("grow2", grow_many());
	TIME("small", small());
	TIME("sds", sds());
	TIME("walk", walk());
	return sink == 42;
}

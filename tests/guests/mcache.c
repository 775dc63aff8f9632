/*
 * The small-allocation cache in front of newlib's malloc (libos/mcache.c):
 * TAP from the guest, run by tests/libos.bats.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"

int main(void)
{
	char *a = malloc(100);
	memset(a, 0x5a, 100);
	free(a);
	char *b = malloc(100);
	ok(b == a, "a freed small chunk is handed out again for the same size");
	free(b);
	unsigned char *z = calloc(25, 4);
	int zero = 1;
	for (int i = 0; i < 100; i++)
		zero &= z[i] == 0;
	ok(z == (unsigned char *)a && zero, "calloc of a recycled chunk is zeroed");
	free(z);

	int fits = 1;
	for (size_t n = 0; n <= 600; n++) {
		char *p = malloc(n);
		fits &= p != NULL && malloc_usable_size(p) >= n && ((uintptr_t)p & 15) == 0;
		memset(p, (int)n, n);
		free(p);
		p = malloc(n);
		fits &= malloc_usable_size(p) >= n;
		memset(p, 1, n);
		free(p);
	}
	ok(fits, "every size 0..600: usable size at least the request, 16-byte aligned, reused safely");

	char *r = malloc(40);
	strcpy(r, "keep me");
	free(r);
	r = malloc(40);
	strcpy(r, "keep me");
	r = realloc(r, 5000);
	ok(r && !strcmp(r, "keep me"), "realloc of a recycled chunk keeps its bytes");
	free(r);

	/* Many live chunks of mixed sizes, freed and taken again: nothing overlaps. */
	enum { N = 3000 };
	static unsigned char *live[N];
	static size_t len[N];
	int clean = 1;
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < N; i++) {
			len[i] = (size_t)(i * 37 + round * 11) % 520;
			live[i] = malloc(len[i]);
			memset(live[i], (i + round) & 0xff, len[i]);
		}
		for (int i = 0; i < N; i++) {
			for (size_t k = 0; k < len[i]; k++)
				clean &= live[i][k] == ((i + round) & 0xff);
			if (i % 3 != 2)
				free(live[i]);
		}
		for (int i = 2; i < N; i += 3)
			free(live[i]);
	}
	ok(clean, "3000 live chunks of mixed sizes, 4 rounds: no chunk shared");
	/* realloc: growing blocks keep their bytes, interleaved with others
	 * (every growth must copy or extend correctly); a block that still
	 * fits stays where it is; shrinking keeps the prefix. */
	enum { NBUF = 16, STEP = 40, MAXLEN = 40000 };
	unsigned char *buf[NBUF] = { 0 };
	size_t blen[NBUF] = { 0 };
	int kept = 1, moved = 0;
	for (size_t round = 0; round * STEP < MAXLEN; round++)
		for (int i = 0; i < NBUF; i++) {
			unsigned char *q = realloc(buf[i], blen[i] + STEP);
			if (!q) {
				kept = 0;
				break;
			}
			moved += q != buf[i];
			for (size_t k = 0; k < STEP; k++)
				q[blen[i] + k] = (unsigned char)(i * 7 + blen[i] + k);
			buf[i] = q;
			blen[i] += STEP;
		}
	for (int i = 0; i < NBUF; i++)
		for (size_t k = 0; k < blen[i]; k++)
			kept &= buf[i][k] == (unsigned char)(i * 7 + k);
	ok(kept, "16 buffers grown in turn, 40 bytes at a time to 40,000: every byte kept");
	printf("# %d moves for %d growths\n", moved, NBUF * (MAXLEN / STEP));
	ok(moved < NBUF * 40, "growing buffers move a logarithmic number of times, not once per growth");
	unsigned char *same = realloc(buf[0], blen[0] - 100);
	ok(same == buf[0], "realloc to a size that still fits keeps the block where it is");
	unsigned char *small2 = realloc(same, 1000);
	int prefix = small2 != NULL;
	for (size_t k = 0; small2 && k < 1000; k++)
		prefix &= small2[k] == (unsigned char)k;
	ok(prefix, "shrinking to a quarter keeps the first bytes");
	free(small2);
	for (int i = 1; i < NBUF; i++)
		free(buf[i]);
	/* A caller that grows by half or more (Lua's tables double) manages
	 * its own growth: it gets what it asks for, no slack on top (which
	 * made Lua's heap half as large again); small steps still get slack. */
	char *dbl = malloc(100000);
	dbl = realloc(dbl, 200000);
	size_t got = dbl ? malloc_usable_size(dbl) : 0;
	ok(got >= 200000 && got < 250000, "realloc that doubles a block gets no slack (usable %zu)", got);
	dbl = realloc(dbl, 201000);
	got = dbl ? malloc_usable_size(dbl) : 0;
	ok(got >= 300000, "realloc by a small step gets half as much again (usable %zu)", got);
	free(dbl);
	volatile size_t huge = SIZE_MAX / 2; /* volatile: gcc refuses the constant */
	errno = 0;
	ok(calloc(huge, 4) == NULL && errno == ENOMEM, "calloc overflow: NULL, ENOMEM");
	return done_testing();
}

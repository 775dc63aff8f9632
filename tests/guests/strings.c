/*
 * libos's memcmp, memmove and strlen (libos/string.c) against byte-at-a-time
 * references, every length and alignment: TAP from the guest, run by
 * tests/libos.bats.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"

/* volatile pointers: gcc must call the library, not fold or inline it */
static int (*volatile cmp)(const void *, const void *, size_t) = memcmp;
static void *(*volatile mv)(void *, const void *, size_t) = memmove;
static size_t (*volatile len)(const char *) = strlen;

static int ref_cmp(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

int main(void)
{
	static unsigned char a[600], b[600], buf[700], want[700];
	int good = 1;
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = b[i] = (unsigned char)(i * 13 + 7);
	for (size_t oa = 0; oa < 8; oa++)
		for (size_t ob = 0; ob < 8; ob++)
			for (size_t n = 0; n < 80; n++) {
				memcpy(b + ob, a + oa, n);
				good &= cmp(a + oa, b + ob, n) == 0;
				if (n) {
					size_t k = (n * 7) % n;
					b[ob + k] ^= 0x80; /* a high byte: the comparison is unsigned */
					good &= sign(cmp(a + oa, b + ob, n)) == ref_cmp(a + oa, b + ob, n);
					good &= sign(cmp(b + ob, a + oa, n)) == ref_cmp(b + ob, a + oa, n);
				}
			}
	ok(good, "memcmp: every length below 80 at every alignment, equal and differing in one byte");
	good = 1;
	for (size_t n = 0; n < 600; n += 37) {
		memcpy(b, a, sizeof a);
		if (n)
			b[n - 1]++;
		good &= sign(cmp(a, b, sizeof a)) == ref_cmp(a, b, sizeof a);
	}
	ok(good, "memcmp: long buffers differing at the end of a 32-byte run or inside one");

	good = 1;
	for (size_t n = 0; n < 300; n += (n < 40 ? 1 : 29))
		for (int shift = -17; shift <= 17; shift++)
			for (size_t o = 0; o < 4; o++) {
				for (size_t i = 0; i < sizeof buf; i++)
					buf[i] = want[i] = (unsigned char)(i * 31 + 3);
				size_t from = 200 + o, to = (size_t)((long)from + shift);
				for (size_t i = 0; i < n; i++) /* the reference: through a copy */
					want[to + i] = buf[from + i];
				unsigned char tmp[300];
				for (size_t i = 0; i < n; i++)
					tmp[i] = buf[from + i];
				for (size_t i = 0; i < n; i++)
					want[to + i] = tmp[i];
				good &= mv(buf + to, buf + from, n) == buf + to && memcmp(buf, want, sizeof buf) == 0;
			}
	ok(good, "memmove: overlapping both ways and apart, lengths to 300, shifts -17..17, 4 alignments");
	memset(buf, 'x', sizeof buf);
	good = mv(buf + 10, buf + 400, 280) == buf + 10;
	ok(good && buf[9] == 'x' && buf[290] == 'x', "memmove of a long, separate range leaves its neighbours");

	good = 1;
	char s[100];
	for (size_t o = 0; o < 16; o++)
		for (size_t n = 0; n < 70; n++) {
			memset(s, 'y', sizeof s);
			s[o + n] = 0;
			good &= len(s + o) == n;
		}
	ok(good, "strlen: every length below 70 at 16 alignments");
	static char page[2 * 4096] __attribute__((aligned(4096)));
	memset(page, 'z', sizeof page);
	page[4095] = 0;
	ok(len(page + 4090) == 5 && len(page) == 4095, "strlen of a string that ends at the last byte of a page");
	return done_testing();
}

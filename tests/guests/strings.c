/*
 * libos's memcpy, memcmp, memmove, strlen, strspn and strcspn (libos/string.c) against byte-at-a-time
 * references, every length and alignment: TAP from the guest, run by
 * tests/libos.bats.  With the argument "edge" (and fixed guest memory,
 * --mem-max=0, so that the heap ends at the stack's unmapped guard page):
 * strings that end at the heap's last byte, which must not fault.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"

/* volatile pointers: gcc must call the library, not fold or inline it */
static int (*volatile cmp)(const void *, const void *, size_t) = memcmp;
static void *(*volatile mv)(void *, const void *, size_t) = memmove;
static size_t (*volatile len)(const char *) = strlen;
static void *(*volatile cpy)(void *restrict, const void *restrict, size_t) = memcpy;
static size_t (*volatile spn)(const char *, const char *) = strspn;
static size_t (*volatile cspn)(const char *, const char *) = strcspn;

static size_t ref_span(const char *s, const char *set, int in)
{
	size_t n = 0;
	for (; s[n]; n++) {
		int found = 0;
		for (const char *c = set; *c; c++)
			found |= *c == s[n];
		if (found != in)
			break;
	}
	return n;
}

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

/* Strings ending at the heap's last byte, the page above unmapped: the
 * routines may read ahead within an aligned block, never into that page. */
static int edge(void)
{
	/* The heap's end: sbrk the largest increment that succeeds. */
	size_t lo = 0, hi = (size_t)1 << 40;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (sbrk((intptr_t)mid) == (void *)-1) {
			hi = mid;
		} else {
			sbrk(-(intptr_t)mid);
			lo = mid;
		}
	}
	char *base = sbrk((intptr_t)lo), *end = base + lo;
	ok(base != (void *)-1 && lo >= 4096 && (uintptr_t)end % 4096 == 0, "the heap ends at a page boundary");
	int good = 1;
	for (size_t n = 0; n < 80; n++) {
		char *str = end - 1 - n;
		memset(str, 'q', n);
		str[n] = 0;
		good &= len(str) == n && cspn(str, "") == n && cspn(str, "z") == n && cspn(str, "yz") == n &&
			cspn(str, "xyz") == n && spn(str, "q") == n;
	}
	ok(good, "strlen, strcspn and strspn of strings ending at the page before an unmapped one");
	sbrk(-(intptr_t)lo);
	return done_testing();
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "edge") == 0) {
		setvbuf(stdout, NULL, _IONBF, 0);
		return edge();
	}
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
	for (size_t n = 1; n < 80; n++)
		for (size_t at = 0; at < n; at++)
			for (size_t o = 0; o < 3; o++) {
				memcpy(b + o, a, n);
				b[o + at] = (unsigned char)(a[at] + 1 + (at & 1) * 0x7f); /* high bytes too */
				good &= sign(cmp(a, b + o, n)) == ref_cmp(a, b + o, n) &&
					sign(cmp(b + o, a, n)) == ref_cmp(b + o, a, n) && cmp(a, b + o, at) == 0;
			}
	ok(good, "memcmp: every length below 80, one byte differing at every place, 3 alignments");

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
	/* Long overlapping moves (separate long ranges take rep movsb; these
	 * must not), both ways, at shifts around the 16-byte step. */
	static unsigned char big[12000], bigwant[12000];
	good = 1;
	static const long shifts[] = { -1000, -17, -16, -15, -1, 1, 15, 16, 17, 1000 };
	for (size_t n = 2040; n < 6000; n += 991)
		for (size_t k = 0; k < sizeof shifts / sizeof *shifts; k++) {
			for (size_t i = 0; i < sizeof big; i++)
				big[i] = (unsigned char)(i * 7 + i / 251);
			size_t from = 3003, to = (size_t)((long)from + shifts[k]);
			memcpy(bigwant, big, sizeof big);
			for (size_t i = 0; i < n; i++) /* the reference, forward or backward as safe */
				if (to < from)
					bigwant[to + i] = big[from + i];
			for (size_t i = n; i-- > 0;)
				if (to > from)
					bigwant[to + i] = big[from + i];
			good &= mv(big + to, big + from, n) == big + to && memcmp(big, bigwant, sizeof big) == 0;
		}
	ok(good, "memmove: long overlapping moves (2,040 to 6,000 bytes), both ways, shifts 1 to 1,000");
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
	/* memcpy: every length to 1,100 and long ones, 8 x 8 alignments, and
	 * nothing outside the destination touched. */
	static unsigned char src[9000], dst[9100];
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (unsigned char)(i * 31 + 3);
	good = 1;
	for (size_t os = 0; os < 8; os++)
		for (size_t od = 0; od < 8; od++)
			for (size_t n = 0; n <= 1100; n += n < 40 ? 1 : 7) {
				memset(dst, 0xee, 1200);
				good &= cpy(dst + 16 + od, src + os, n) == dst + 16 + od;
				good &= ref_cmp(dst + 16 + od, src + os, n) == 0 && dst[15 + od] == 0xee &&
					dst[16 + od + n] == 0xee;
			}
	for (size_t n = 4000; n < 8200; n += 1031) {
		memset(dst, 0xee, sizeof dst);
		cpy(dst + 5, src + 3, n);
		good &= ref_cmp(dst + 5, src + 3, n) == 0 && dst[4] == 0xee && dst[5 + n] == 0xee;
	}
	ok(good,
	   "memcpy: every length to 40, then every 7th to 1,100, 8 x 8 alignments, long copies; neighbours untouched");
	/* strspn, strcspn: against the reference, with high bytes and empty sets. */
	static const char *const sets[] = { "", "a", "abc", "\x80\xff", " \t\n", "zyxwvutsrqponmlkjihgfedcba" };
	static const char *const strs[] = { "", "aaab", "abcabcX", "\x80\xff\x80q", " \t x", "hello world", "zzz" };
	good = 1;
	for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
		for (size_t j = 0; j < sizeof strs / sizeof *strs; j++)
			good &= spn(strs[j], sets[i]) == ref_span(strs[j], sets[i], 1) &&
				cspn(strs[j], sets[i]) == ref_span(strs[j], sets[i], 0);
	ok(good, "strspn and strcspn agree with the reference, high bytes and empty sets included");
	/* strcspn of one or two characters (16 bytes at a time): every length
	 * and alignment, the character at every place, high bytes. */
	static const char *const few[] = { "a", "\xe9", "ab", "b\xff", "\x01\x02" };
	good = 1;
	for (size_t k = 0; k < sizeof few / sizeof *few; k++)
		for (size_t o = 0; o < 16; o++)
			for (size_t n = 0; n < 70; n++)
				for (size_t at = 0; at <= n; at += n > 20 ? 7 : 1) {
					memset(s, 'y', sizeof s);
					s[o + n] = 0;
					if (at < n)
						s[o + at] = few[k][(at & 1) && few[k][1] ? 1 : 0];
					good &= cspn(s + o, few[k]) == ref_span(s + o, few[k], 0);
				}
	ok(good, "strcspn of one or two characters: every length below 70, 16 alignments, every place");
	return done_testing();
}

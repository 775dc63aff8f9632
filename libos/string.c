/*
 * memcmp and bcmp a word at a time; memcpy and memmove (one routine),
 * strlen and strcspn of one or two characters 16 bytes at a time with
 * SSE2; strspn and strcspn with a bitmap of the set.  newlib has these
 * only in portable C on x86-64 (memcpy and memset are its assembly), byte by
 * byte when pointers are unaligned: 5-30 x slower than glibc's here, and
 * SQLite compares keys with memcmp, redis's listpacks memmove.  Built with
 * -fno-builtin and no loop-to-call rewriting (Makefile): gcc would turn
 * these loops into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <emmintrin.h>

static inline uint64_t load(const unsigned char *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void store(unsigned char *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

static inline __m128i ld16(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

static inline void st16(unsigned char *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)p, v);
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	for (; n >= 32; p += 32, q += 32, n -= 32) /* four words at once while equal */
		if ((load(p) ^ load(q)) | (load(p + 8) ^ load(q + 8)) | (load(p + 16) ^ load(q + 16)) |
		    (load(p + 24) ^ load(q + 24)))
			break;
	for (; n >= 8; p += 8, q += 8, n -= 8) {
		uint64_t x = load(p), y = load(q);
		if (x != y) /* the first differing byte decides: compare big-endian */
			return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
	}
	for (; n; p++, q++, n--)
		if (*p != *q)
			return *p - *q;
	return 0;
}

int bcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

/* memmove, and memcpy as the same code (as glibc does: telling the two
 * apart costs one comparison).  Every short case loads all its bytes
 * before it stores any, so overlap is harmless: up to 16 bytes as two
 * overlapping loads and stores of 8, 4 or 1 (no loop, no branch per
 * byte), up to 32 as two of 16.  Longer ones go 16 bytes at a time with
 * SSE2, forward when d is below s or the ranges are apart (each load comes
 * before anything stored over it), backward when d is above s, and the
 * last (first) 16 bytes, loaded before the loop, are stored last.  Long
 * separate ranges: rep movsb, which modern CPUs run at full speed.
 * newlib's assembly memcpy took several branches to get anywhere and
 * copied odd sizes a byte at a time (~7 % of SQLite's time); its memmove
 * is portable C. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (n <= 16) {
		if (n >= 8) {
			uint64_t a = load(s), b = load(s + n - 8);
			store(d, a);
			store(d + n - 8, b);
		} else if (n >= 4) {
			uint32_t a, b;
			__builtin_memcpy(&a, s, 4);
			__builtin_memcpy(&b, s + n - 4, 4);
			__builtin_memcpy(d, &a, 4);
			__builtin_memcpy(d + n - 4, &b, 4);
		} else if (n) {
			unsigned char a = s[0], b = s[n / 2], c = s[n - 1];
			d[0] = a;
			d[n / 2] = b;
			d[n - 1] = c;
		}
	} else if (n <= 32) {
		__m128i a = ld16(s), b = ld16(s + n - 16);
		st16(d, a);
		st16(d + n - 16, b);
	} else if ((uintptr_t)d - (uintptr_t)s >= n) { /* d below s, or apart */
		if (n >= 1024 && (uintptr_t)s - (uintptr_t)d >= n) {
			__asm__ __volatile__("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
			return dst;
		}
		__m128i t = ld16(s + n - 16);
		for (size_t i = 0; i < n - 16; i += 16)
			st16(d + i, ld16(s + i));
		st16(d + n - 16, t);
	} else {
		__m128i h = ld16(s);
		for (size_t i = n; i > 16; i -= 16)
			st16(d + i - 16, ld16(s + i - 16));
		st16(d, h);
	}
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) __attribute__((alias("memmove")));

/* 16 aligned bytes at a time with SSE2 (x86-64's baseline): an aligned
 * load never crosses a page, so reading past the terminator, or the bytes
 * before the start in the first block (masked off), cannot fault.  The
 * mask has a bit for each byte of the block at s's alignment and after
 * that is zero or equal to c1 or c2. */
static const char *find(const char *s, char c1, char c2)
{
	const __m128i z = _mm_setzero_si128(), a = _mm_set1_epi8(c1), b = _mm_set1_epi8(c2);
	uintptr_t off = (uintptr_t)s & 15;
	const __m128i *p = (const __m128i *)(s - off);
	__m128i v = _mm_load_si128(p);
	unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			 _mm_cmpeq_epi8(v, z), _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)))) >>
		     off;
	if (m)
		return s + __builtin_ctz(m);
	for (;;) {
		v = _mm_load_si128(++p);
		m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, z), _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b))));
		if (m)
			return (const char *)p + __builtin_ctz(m);
	}
}

size_t strlen(const char *str)
{
	const __m128i z = _mm_setzero_si128();
	uintptr_t off = (uintptr_t)str & 15;
	const __m128i *p = (const __m128i *)(str - off);
	unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(p), z)) >> off;
	if (m)
		return __builtin_ctz(m);
	do
		m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(++p), z));
	while (!m);
	return (size_t)((const char *)p + __builtin_ctz(m) - str);
}

/* The set as 256 bits. */
static void set_bits(uint64_t bits[4], const char *set)
{
	bits[0] = bits[1] = bits[2] = bits[3] = 0;
	for (const unsigned char *c = (const unsigned char *)set; *c; c++)
		bits[*c >> 6] |= 1ull << (*c & 63);
}

size_t strspn(const char *s, const char *accept)
{
	uint64_t bits[4];
	set_bits(bits, accept);
	const unsigned char *p = (const unsigned char *)s;
	while (*p && (bits[*p >> 6] >> (*p & 63) & 1))
		p++;
	return (size_t)((const char *)p - s);
}

size_t strcspn(const char *s, const char *reject)
{
	/* One or two characters (SQLite's LIKE asks for c or its other case):
	 * 16 bytes at a time. */
	if (!reject[0] || !reject[1] || !reject[2])
		return (size_t)(find(s, reject[0], reject[0] ? reject[1] : 0) - s);
	uint64_t bits[4];
	set_bits(bits, reject);
	bits[0] |= 1; /* the terminator stops it too */
	const unsigned char *p = (const unsigned char *)s;
	while (!(bits[*p >> 6] >> (*p & 63) & 1))
		p++;
	return (size_t)((const char *)p - s);
}

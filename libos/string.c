/*
 * memcpy, memcmp, bcmp, memmove and strlen a word at a time, strspn and
 * strcspn with a bitmap of the set.  newlib has these only
 * in portable C on x86-64 (memcpy and memset are its assembly), byte by
 * byte when pointers are unaligned: 5-30 x slower than glibc's here, and
 * SQLite compares keys with memcmp, redis's listpacks memmove.  Built with
 * -fno-builtin and no loop-to-call rewriting (Makefile): gcc would turn
 * these loops into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* Short copies as two overlapping loads and stores (no loop, no branch
 * per byte); long ones with rep movsb, which modern CPUs run at full
 * speed (newlib's assembly took several branches to get there and copied
 * odd sizes a byte at a time: ~7 % of SQLite's time). */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
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
		return dst;
	}
	if (n <= 256) {
		uint64_t t0 = load(s + n - 16), t1 = load(s + n - 8); /* the tail, stored last */
		for (size_t i = 0; i + 16 <= n; i += 16) {
			uint64_t a = load(s + i), b = load(s + i + 8);
			store(d + i, a);
			store(d + i + 8, b);
		}
		store(d + n - 16, t0);
		store(d + n - 8, t1);
		return dst;
	}
	__asm__ __volatile__("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

/* Forward a word at a time is safe when d is below s (each word is loaded
 * before anything at or above it is stored); backward when d is above. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || !n)
		return dst;
	if (n >= 256 && (d + n <= s || s + n <= d))
		return memcpy(dst, src, n); /* rep movsb: fast when long */
	if (d < s || s + n <= d) {
		for (; n >= 8; d += 8, s += 8, n -= 8)
			store(d, load(s));
		while (n--)
			*d++ = *s++;
	} else {
		d += n;
		s += n;
		for (; n >= 8; n -= 8) {
			d -= 8;
			s -= 8;
			store(d, load(s));
		}
		while (n--)
			*--d = *--s;
	}
	return dst;
}

/* Aligned 8-byte reads never cross a page, so reading past the terminator
 * within one is safe. */
size_t strlen(const char *str)
{
	const char *p = str;
	for (; (uintptr_t)p & 7; p++)
		if (!*p)
			return (size_t)(p - str);
	for (;; p += 8) {
		uint64_t v;
		__builtin_memcpy(&v, p, 8);
		if ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL)
			break;
	}
	while (*p)
		p++;
	return (size_t)(p - str);
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
	uint64_t bits[4];
	set_bits(bits, reject);
	bits[0] |= 1; /* the terminator stops it too */
	const unsigned char *p = (const unsigned char *)s;
	while (!(bits[*p >> 6] >> (*p & 63) & 1))
		p++;
	return (size_t)((const char *)p - s);
}

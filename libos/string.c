/*
 * memcmp, bcmp, memmove and strlen a word at a time.  newlib has these only
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

/* Forward a word at a time is safe when d is below s (each word is loaded
 * before anything at or above it is stored); backward when d is above. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || !n)
		return dst;
	if (n >= 256 && (d + n <= s || s + n <= d))
		return memcpy(dst, src, n); /* newlib's, rep movs: fast when long */
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

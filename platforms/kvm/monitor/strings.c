/*
 * strchr, strchrnul, strrchr and memchr for tincan-run, a byte at a time,
 * replacing the C library's in this static binary: musl's read a word at a
 * time (and strrchr goes through memrchr), ~0.5 KiB of the monitor's 64 KiB
 * budget for searching option values, tap lists, file names and an image's
 * manifest strings, none longer than a few hundred bytes.
 */
#include <stddef.h>
#include <string.h>

char *strchrnul(const char *s, int c)
{
	while (*s && *s != (char)c)
		s++;
	return (char *)s;
}

char *strchr(const char *s, int c)
{
	s = strchrnul(s, c);
	return *s == (char)c ? (char *)s : NULL;
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	do
		if (*s == (char)c)
			last = s;
	while (*s++);
	return (char *)last;
}

void *memchr(const void *p, int c, size_t n)
{
	for (const unsigned char *s = p; n; n--, s++)
		if (*s == (unsigned char)c)
			return (void *)s;
	return NULL;
}

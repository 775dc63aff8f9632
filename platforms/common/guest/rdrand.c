/* RDRAND for plat_entropy (rdrand.h). */
#include "rdrand.h"

#include <errno.h>
#include <stdint.h>

int rdrand_fill(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t v;
		unsigned char ok = 0;
		/* RDRAND can transiently fail; Intel's guidance is ten retries. */
		for (int tries = 0; tries < 10 && !ok; tries++)
			__asm__ __volatile__("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (!ok)
			return -EIO;
		for (int i = 0; i < 8 && len; i++, len--, v >>= 8)
			*p++ = (uint8_t)v;
	}
	return 0;
}

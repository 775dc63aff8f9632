/*
 * Random bytes for the guest.  RDRAND when the CPU says it has it (the
 * monitor sets no CPUID table: KVM_SET_CPUID2 alone costs ~65 us of a ~1 ms
 * boot here); otherwise ChaCha20 keyed with 32 bytes the monitor took from
 * the host's getrandom(), rekeyed after every request so earlier output
 * cannot be recomputed from the state (fast key erasure).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hypercall.h"
#include <tincan/platform.h>

extern const struct tc_boot_info *tc_kvm_boot_info;

static int has_rdrand(void)
{
	static int known = -1;
	if (known < 0) {
		uint32_t a = 0, b, c = 0, d;
		__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		if (a >= 1) {
			a = 1;
			c = 0;
			__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
			known = (c >> 30) & 1;
		} else {
			known = 0;
		}
	}
	return known;
}

static int rdrand_fill(uint8_t *p, size_t len)
{
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

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d)                                                                                                 \
	(a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), a += b, d ^= a, d = ROTL(d, 8), c += d,     \
	 b ^= c, b = ROTL(b, 7))

static void chacha20_block(const uint32_t key[8], uint64_t counter, uint8_t out[64])
{
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 }, x[16];
	memcpy(in + 4, key, 32);
	in[12] = (uint32_t)counter;
	in[13] = (uint32_t)(counter >> 32);
	memcpy(x, in, sizeof x);
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		x[i] += in[i];
	memcpy(out, x, 64);
}

static uint32_t key[8];
static int keyed;

static void chacha_fill(uint8_t *p, size_t len)
{
	uint8_t block[64];
	uint64_t ctr = 0;
	if (!keyed) {
		memcpy(key, tc_kvm_boot_info->seed, sizeof key);
		keyed = 1;
	}
	/* The first block becomes the next key; the rest is output. */
	chacha20_block(key, ctr++, block);
	memcpy(key, block, sizeof key);
	uint32_t k[8];
	memcpy(k, block + 32, sizeof k);
	while (len) {
		chacha20_block(k, ctr++, block);
		size_t n = len < sizeof block ? len : sizeof block;
		memcpy(p, block, n);
		p += n;
		len -= n;
	}
	memset(block, 0, sizeof block);
	memset(k, 0, sizeof k);
}

int plat_entropy(void *buf, size_t len)
{
	if (has_rdrand())
		return rdrand_fill(buf, len);
	chacha_fill(buf, len);
	return 0;
}

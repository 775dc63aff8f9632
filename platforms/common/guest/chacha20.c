/* ChaCha20 generator; see chacha20.h. */
#include "chacha20.h"

#include <string.h>

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d)                                                                                                 \
	(a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), a += b, d ^= a, d = ROTL(d, 8), c += d,     \
	 b ^= c, b = ROTL(b, 7))

void chacha20_block(const uint32_t key[8], uint64_t counter, uint8_t out[64])
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

void chacha20_seed(const uint8_t seed[32])
{
	if (!keyed)
		chacha20_rekey(seed);
}

void chacha20_rekey(const uint8_t seed[32])
{
	memcpy(key, seed, sizeof key);
	keyed = 1;
}

void chacha20_fill(void *buf, size_t len)
{
	uint8_t block[64], *p = buf;
	uint64_t ctr = 0;
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

/* The guests' fallback random generator (platforms/common/guest/chacha20.c),
 * checked on the host: the ChaCha20 block against RFC 7539 A.1, and the
 * generator's output changing from call to call, and rekeying it. */
#include <string.h>

#include "../../platforms/common/guest/chacha20.c"
#include "../tap.h"

int main(void)
{
	static const uint8_t want[16] = { 0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90,
					  0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28 };
	uint32_t zero[8] = { 0 };
	uint8_t out[64], seed[32];
	chacha20_block(zero, 0, out);
	ok(memcmp(out, want, sizeof want) == 0, "ChaCha20 block matches RFC 7539 A.1 test vector 1");

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	uint8_t a[100], b[100], c[100];
	chacha20_seed(seed);
	chacha20_fill(a, sizeof a);
	chacha20_fill(b, sizeof b);
	ok(memcmp(a, b, sizeof a) != 0, "two requests give different bytes");
	chacha20_seed(seed);
	chacha20_fill(c, sizeof c);
	ok(memcmp(b, c, sizeof a) != 0, "seeding again does not rewind the generator");
	keyed = 0;
	chacha20_seed(seed);
	chacha20_fill(c, sizeof c);
	ok(memcmp(a, c, sizeof a) == 0, "the same seed gives the same stream (deterministic from the seed)");
	int zeros = 0;
	for (size_t i = 0; i < sizeof a; i++)
		zeros += a[i] == 0;
	ok(zeros < 10, "output is not mostly zero");

	/* A restored snapshot: two restores share the generator's state and
	 * rekey it with seeds of their own. */
	uint8_t seed2[32], d[100], e[100];
	memcpy(seed2, seed, sizeof seed2);
	seed2[0] ^= 1;
	uint32_t saved[8];
	memcpy(saved, key, sizeof saved);
	chacha20_rekey(seed);
	chacha20_fill(d, sizeof d);
	memcpy(key, saved, sizeof key);
	chacha20_rekey(seed2);
	chacha20_fill(e, sizeof e);
	ok(memcmp(a, d, sizeof a) == 0, "rekeying replaces the key: the stream is the new seed's");
	ok(memcmp(d, e, sizeof d) != 0, "rekeyed from one state with two seeds: different bytes");
	return done_testing();
}

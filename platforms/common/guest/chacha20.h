/*
 * ChaCha20 (RFC 7539) as a fast-key-erasure random generator, for platforms
 * whose CPU may lack RDRAND: seeded once with 32 bytes from the host (or the
 * boot loader), rekeyed after every request so earlier output cannot be
 * recomputed from the state.  Platform-neutral guest code; no libc beyond
 * memcpy/memset.
 */
#ifndef TINCAN_CHACHA20_H
#define TINCAN_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#define chacha20_block __tincan_chacha20_block
#define chacha20_seed __tincan_chacha20_seed
#define chacha20_fill __tincan_chacha20_fill
#define chacha20_rekey __tincan_chacha20_rekey

/* One 64-byte block of the keystream for key and block counter. */
void chacha20_block(const uint32_t key[8], uint64_t counter, uint8_t out[64]);

/* Key the generator (only the first call counts). */
void chacha20_seed(const uint8_t seed[32]);

/* Key it anew, whatever it was (a restored snapshot's new seed). */
void chacha20_rekey(const uint8_t seed[32]);

/* len bytes of output; the generator must have been seeded. */
void chacha20_fill(void *buf, size_t len);

#endif

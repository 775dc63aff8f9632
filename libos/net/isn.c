/*
 * TCP initial sequence numbers as RFC 6528 asks: a clock that advances every
 * 4 us plus a keyed hash of the connection's addresses and ports.  lwIP's own
 * start at 6510 and advance with its timer ticks, so connections opened
 * within one tick got the same number, guessable by anyone who saw one
 * (blind resets and data injection).  The hash is SipHash-2-4 under a key
 * drawn from the platform's entropy on first use; lwIP calls this through
 * LWIP_HOOK_TCP_ISN (lwipopts.h).
 */
#include <stdint.h>
#include <string.h>

#include "lwip/ip_addr.h"

#include "../internal.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define ROUND                                                                                                          \
	do {                                                                                                           \
		v0 += v1;                                                                                              \
		v1 = ROTL(v1, 13);                                                                                     \
		v1 ^= v0;                                                                                              \
		v0 = ROTL(v0, 32);                                                                                     \
		v2 += v3;                                                                                              \
		v3 = ROTL(v3, 16);                                                                                     \
		v3 ^= v2;                                                                                              \
		v0 += v3;                                                                                              \
		v3 = ROTL(v3, 21);                                                                                     \
		v3 ^= v0;                                                                                              \
		v2 += v1;                                                                                              \
		v1 = ROTL(v1, 17);                                                                                     \
		v1 ^= v2;                                                                                              \
		v2 = ROTL(v2, 32);                                                                                     \
	} while (0)

/* SipHash-2-4 of n 64-bit words (the length byte is n * 8). */
static uint64_t siphash(const uint64_t k[2], const uint64_t *m, unsigned n)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL, v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL, v3 = k[1] ^ 0x7465646279746573ULL;
	for (unsigned i = 0; i < n; i++) {
		v3 ^= m[i];
		ROUND;
		ROUND;
		v0 ^= m[i];
	}
	uint64_t b = (uint64_t)(n * 8) << 56;
	v3 ^= b;
	ROUND;
	ROUND;
	v0 ^= b;
	v2 ^= 0xff;
	ROUND;
	ROUND;
	ROUND;
	ROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t key[2];
static int keyed;

/* A guest restored from a snapshot draws a new key (stack.c): restores of
 * one snapshot must not share it. */
void tincan_isn_rekey(void)
{
	keyed = 0;
}

uint32_t tincan_tcp_isn(const ip_addr_t *local_ip, uint16_t local_port, const ip_addr_t *remote_ip,
			uint16_t remote_port)
{
	if (!keyed) {
		plat_entropy(key, sizeof key);
		keyed = 1;
	}
	/* Both addresses whole (IPv4 in the first word), then the ports. */
	uint64_t m[5] = { 0 };
	memcpy(m, local_ip, IP_IS_V6(local_ip) ? 16 : 4);
	memcpy(m + 2, remote_ip, IP_IS_V6(remote_ip) ? 16 : 4);
	m[4] = (uint64_t)local_port << 16 | remote_port;
	return (uint32_t)(plat_clock_monotonic_ns() / 4000) + (uint32_t)siphash(key, m, 5);
}

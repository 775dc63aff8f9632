/*
 * The CPU's random source, RDRAND, for the platforms' plat_entropy.
 * Platform-neutral guest code (runs where SSE and CPUID are usable).
 */
#ifndef TINCAN_RDRAND_H
#define TINCAN_RDRAND_H

#include <stddef.h>

#define rdrand_fill __tincan_rdrand_fill

/* Fill p with len bytes from RDRAND (ten tries per word, as Intel advises);
 * 0, or -EIO when it keeps failing.  The caller checks that the CPU has it
 * (CPUID leaf 1, ECX bit 30). */
int rdrand_fill(void *p, size_t len);

#endif

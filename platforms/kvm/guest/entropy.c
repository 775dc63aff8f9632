/*
 * Random bytes for the guest.  RDRAND when the CPU says it has it (the
 * monitor sets no CPUID table: KVM_SET_CPUID2 alone costs ~65 us of a ~1 ms
 * boot here); otherwise the ChaCha20 generator (platforms/common/guest)
 * keyed with 32 bytes the monitor took from the host's getrandom().
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chacha20.h"
#include "rdrand.h"
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

/* Keyed from the seed of boot info's generation keyed_gen + 1 (0: not
 * yet).  A guest restored from a snapshot (a new generation, a new seed)
 * takes the new seed as its key before anything else: restores of one
 * snapshot share the old key and must not share a byte of output.  The
 * generator holds nothing else (it makes each request's bytes afresh). */
static uint64_t keyed_gen;

int plat_entropy(void *buf, size_t len)
{
	if (has_rdrand())
		return rdrand_fill(buf, len);
	const struct tc_boot_info *bi = tc_kvm_boot_info;
	uint64_t gen = 1 + (bi->size >= offsetof(struct tc_boot_info, generation) + sizeof bi->generation &&
				    (bi->caps & TC_CAP_SNAPSHOT)
				? bi->generation
				: 0);
	if (gen != keyed_gen) {
		chacha20_rekey(bi->seed);
		keyed_gen = gen;
	}
	chacha20_fill(buf, len);
	return 0;
}

/* Guest side of the KVM ABI: one doorbell store per hypercall. */
#ifndef TINCAN_KVM_HYPERCALL_H
#define TINCAN_KVM_HYPERCALL_H

#include <stdint.h>

#include "../abi.h"

/*
 * Ring the doorbell for call nr with the address of its argument struct.
 * The monitor has read and written *arg by the time this returns; the
 * "memory" clobber makes the compiler store arg's fields before and reload
 * them after.
 */
static inline void tc_hypercall(enum tc_hypercall nr, void *arg)
{
	volatile uint64_t *bell = (volatile uint64_t *)(uintptr_t)(TC_DOORBELL_BASE + 8ULL * nr);
	__asm__ __volatile__("movq %1, %0" : "=m"(*bell) : "r"((uint64_t)(uintptr_t)arg) : "memory");
}

#endif

/* libos-private declarations shared between its files (never installed). */
#ifndef LIBOS_INTERNAL_H
#define LIBOS_INTERNAL_H

#include <stdint.h>

#include <tincan/platform.h>

struct libos_state {
	uint64_t start_ns; /* host start, monotonic */
	uint64_t main_ns; /* when main() was called */
	uint64_t idle_ns; /* time spent waiting in plat_wait */
	uint64_t mem_size;
	unsigned tty;
};
extern struct libos_state libos;

/* Heap bounds for sbrk (heap.c). */
void libos_heap_init(uintptr_t start, uintptr_t end);

/* Sleep until the monotonic clock reaches deadline (time.c); counts idle time. */
void libos_sleep_until(uint64_t deadline_ns);

#endif

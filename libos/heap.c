/* The heap: sbrk over the range the platform gives, grown on demand
 * through the platform up to its limit, and the allocator entry points
 * newlib leaves to the system. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static uintptr_t heap_start, heap_cur, heap_end, heap_max;

void libos_heap_init(uintptr_t start, uintptr_t end, uintptr_t max)
{
	heap_start = heap_cur = start;
	heap_end = end;
	heap_max = max > end ? max : end;
}

size_t libos_heap_limit(void)
{
	return heap_max - heap_start;
}

void *sbrk(ptrdiff_t incr)
{
	uintptr_t old = heap_cur;

	/* Short of memory: ask the platform for the missing pages, unless the
	 * limit rules it out anyway (which also keeps the rounding from
	 * overflowing). */
	if (incr > 0 && (uintptr_t)incr > heap_end - heap_cur &&
	    (uintptr_t)incr - (heap_end - heap_cur) <= heap_max - heap_end)
		plat_mem_grow(&heap_end, ((uintptr_t)incr - (heap_end - heap_cur) + 4095) & ~(uintptr_t)4095);
	if (incr > 0 ? (uintptr_t)incr > heap_end - heap_cur : (uintptr_t)0 - (uintptr_t)incr > heap_cur - heap_start) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_cur += incr;
	return (void *)old;
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

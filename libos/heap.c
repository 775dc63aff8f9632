/* The heap: sbrk over the range the platform gives, and the allocator
 * entry points newlib leaves to the system. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static uintptr_t heap_start, heap_cur, heap_end;

void libos_heap_init(uintptr_t start, uintptr_t end)
{
	heap_start = heap_cur = start;
	heap_end = end;
}

void *sbrk(ptrdiff_t incr)
{
	uintptr_t old = heap_cur;

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

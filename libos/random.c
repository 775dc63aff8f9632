/* Random bytes from the CPU's random source (RDRAND/RDSEED on x86). */
#include <errno.h>
#include <stddef.h>
#include <sys/random.h>
#include <sys/types.h>

#include "internal.h"

int getentropy(void *buf, size_t len)
{
	if (len > 256) {
		errno = EIO;
		return -1;
	}
	int r = plat_entropy(buf, len);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) {
		errno = EINVAL;
		return -1;
	}
	if (len > 33554431)
		len = 33554431;
	int r = plat_entropy(buf, len);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return (ssize_t)len;
}

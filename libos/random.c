/* Random bytes from the CPU's random source (RDRAND/RDSEED on x86). */
#include <errno.h>
#include <stddef.h>
#include <sys/random.h>
#include <sys/types.h>

#include "internal.h"

int getentropy(void *buf, size_t len)
{
	if (len > 256)
		return sys_fail(EIO);
	return (int)sys_ret(plat_entropy(buf, len));
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return sys_fail(EINVAL);
	if (len > 33554431)
		len = 33554431;
	int r = plat_entropy(buf, len);
	return r < 0 ? sys_fail(-r) : (ssize_t)len;
}

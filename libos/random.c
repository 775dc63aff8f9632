/* Random bytes from the CPU's random source (RDRAND/RDSEED on x86). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/types.h>

#include "internal.h"
#include <tincan.h>

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

/* newlib's arc4random keeps a ChaCha20 state and up to 1 KiB of keystream
 * in its own memory, rekeyed only after 1.6 MB: every guest restored from
 * one snapshot would go on with the same numbers.  These take each request
 * from the platform's source instead (its generator is rekeyed at a
 * restore); newlib's arc4random_uniform calls this arc4random. */
void arc4random_buf(void *buf, size_t len)
{
	if (plat_entropy(buf, len))
		tincan_panic("arc4random: the platform's random source failed");
}

uint32_t arc4random(void)
{
	uint32_t v;
	arc4random_buf(&v, sizeof v);
	return v;
}

/* getrandom(2) for tincan guests: bytes from the CPU's random source. */
#ifndef TINCAN_SYS_RANDOM_H
#define TINCAN_SYS_RANDOM_H

#include <stddef.h>
#include <sys/types.h>

#define GRND_NONBLOCK 0x01
#define GRND_RANDOM 0x02
#define GRND_INSECURE 0x04

#ifdef __cplusplus
extern "C" {
#endif
ssize_t getrandom(void *buf, size_t buflen, unsigned int flags);
int getentropy(void *buf, size_t buflen);
#ifdef __cplusplus
}
#endif

#endif

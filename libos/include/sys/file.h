/* newlib's <sys/file.h> (the fcntl names), plus flock(): tincan runs one
 * process, so a lock on a valid descriptor is always granted. */
#include_next <sys/file.h>

#ifndef TINCAN_SYS_FILE_H
#define TINCAN_SYS_FILE_H
#ifndef LOCK_SH
#define LOCK_SH 0x01
#define LOCK_EX 0x02
#define LOCK_NB 0x04
#define LOCK_UN 0x08
#endif
#ifdef __cplusplus
extern "C" {
#endif
int flock(int fd, int operation);
#ifdef __cplusplus
}
#endif
#endif

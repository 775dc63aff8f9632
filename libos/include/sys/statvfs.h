/* statvfs/fstatvfs (newlib has none): the POSIX fields, Linux's flags. */
#ifndef TINCAN_SYS_STATVFS_H
#define TINCAN_SYS_STATVFS_H

#include <sys/types.h> /* fsblkcnt_t (64 bits), fsfilcnt_t (32 bits) */

#ifdef __cplusplus
extern "C" {
#endif

struct statvfs {
	unsigned long f_bsize; /* preferred I/O size */
	unsigned long f_frsize; /* the unit of f_blocks */
	fsblkcnt_t f_blocks, f_bfree, f_bavail;
	fsfilcnt_t f_files, f_ffree, f_favail;
	unsigned long f_fsid;
	unsigned long f_flag; /* ST_* */
	unsigned long f_namemax;
};

#define ST_RDONLY 1
#define ST_NOSUID 2

int statvfs(const char *__restrict path, struct statvfs *__restrict sv);
int fstatvfs(int fd, struct statvfs *sv);

#ifdef __cplusplus
}
#endif
#endif

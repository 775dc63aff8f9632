/* newlib's <sys/stat.h>, plus what its generic target leaves undeclared
 * though tincan has it: lstat, and utimensat's special times (Linux's
 * values). */
#include_next <sys/stat.h>

#ifndef TINCAN_SYS_STAT_H
#define TINCAN_SYS_STAT_H
#ifndef UTIME_NOW
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#endif
#ifdef __cplusplus
extern "C" {
#endif
int lstat(const char *__restrict path, struct stat *__restrict st);
#ifdef __cplusplus
}
#endif
#endif

/* newlib's <limits.h> with tincan's PIPE_BUF: pipes write up to 4096 bytes
 * at once, as on Linux (newlib says 512); and SSIZE_MAX, which POSIX puts
 * here and newlib leaves out. */
#include_next <limits.h>

#ifndef TINCAN_LIMITS_H
#define TINCAN_LIMITS_H
#undef PIPE_BUF
#define PIPE_BUF 4096
#ifndef SSIZE_MAX
#define SSIZE_MAX __LONG_MAX__
#endif
#endif

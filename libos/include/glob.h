/*
 * newlib's (4.4BSD) <glob.h> with what POSIX adds: GLOB_NOMATCH when
 * nothing matched, GLOB_ABORTED, and backslash escapes on unless
 * GLOB_NOESCAPE.  libos/glob.c adapts the BSD glob() to these.
 */
#include_next <glob.h>

#ifndef TINCAN_GLOB_H
#define TINCAN_GLOB_H
#define GLOB_NOESCAPE 0x2000
#define GLOB_NOMATCH (-3)
#define GLOB_ABORTED GLOB_ABEND
#define GLOB_NOSYS (-4)
#endif

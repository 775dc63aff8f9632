/*
 * newlib's <errno.h> with the Linux error names it hides behind
 * __LINUX_ERRNO_EXTENSIONS__ (ESOCKTNOSUPPORT, ESHUTDOWN, ENOTSUP's
 * neighbours...): programs written for Linux name them.  The numbers are
 * newlib's, as for every errno here.
 */
#ifndef __LINUX_ERRNO_EXTENSIONS__
#define __LINUX_ERRNO_EXTENSIONS__
#endif
#include_next <errno.h>

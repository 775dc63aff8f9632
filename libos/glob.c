/*
 * POSIX glob() over the 4.4BSD one from newlib's libc/posix (compiled into
 * libtcposix.a under the name below): GLOB_NOMATCH when the pattern matched
 * nothing (BSD returns 0 with no paths), and backslash quoting unless
 * GLOB_NOESCAPE (BSD quotes only with GLOB_QUOTE).
 */
#include <glob.h>

int __tincan_bsd_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g);

int glob(const char *restrict pattern, int flags, int (*errfunc)(const char *, int), glob_t *restrict g)
{
	int before = (flags & GLOB_APPEND) ? g->gl_pathc : 0;
	int bsd = flags & ~GLOB_NOESCAPE;
	if (!(flags & GLOB_NOESCAPE))
		bsd |= GLOB_QUOTE;
	int r = __tincan_bsd_glob(pattern, bsd, errfunc, g);
	if (r == 0 && g->gl_pathc == before)
		return GLOB_NOMATCH;
	return r;
}

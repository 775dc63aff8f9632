/* sysconf: what this guest really has. */
#include <errno.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"

#define PAGE 4096

long sysconf(int name)
{
	switch (name) {
	case _SC_PAGESIZE: return PAGE;
	case _SC_CLK_TCK: return CLOCKS_PER_SEC;
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN: return 1;
	case _SC_PHYS_PAGES: return (long)(libos.mem_size / PAGE);
	case _SC_OPEN_MAX: return fd_limit;
	case _SC_ARG_MAX: return 65536;
	case _SC_CHILD_MAX: return 1;
	case _SC_HOST_NAME_MAX: return 64;
	case _SC_LINE_MAX: return 2048;
	default: return sys_fail(EINVAL);
	}
}

int getpagesize(void)
{
	return PAGE;
}

/* Dynamic loading: a tincan image is one static program with no loader and
 * no symbol table, so every dl call fails and dlerror() tells why. */
#include <dlfcn.h>
#include <stddef.h>

#include "internal.h"

static const char *dl_err;

void *dlopen(const char *file, int mode)
{
	(void)file, (void)mode;
	dl_err = "tincan: dynamic loading is not supported (one static image)";
	return NULL;
}

void *dlsym(void *handle, const char *name)
{
	(void)handle, (void)name;
	dl_err = "tincan: dlsym: no symbol table (one static image)";
	return NULL;
}

int dlclose(void *handle)
{
	(void)handle;
	dl_err = "tincan: dlclose: invalid handle (nothing was loaded)";
	return -1;
}

char *dlerror(void)
{
	const char *e = dl_err;
	dl_err = NULL;
	return (char *)e;
}

int dladdr(const void *addr, Dl_info *info)
{
	(void)addr, (void)info;
	return 0; /* no symbol information */
}

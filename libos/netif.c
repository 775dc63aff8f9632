/*
 * Interface names and indexes: the guest's interfaces are the platform's
 * net devices, index dev + 1, named as in the image manifest.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

unsigned int if_nametoindex(const char *name)
{
	int n = plat_net_count();
	for (int i = 0; name && i < n; i++)
		if (!strncmp(plat_net_info(i)->name, name, IF_NAMESIZE))
			return (unsigned)i + 1;
	errno = ENODEV;
	return 0;
}

char *if_indextoname(unsigned int index, char *name)
{
	if (index < 1 || index > (unsigned)plat_net_count()) {
		errno = ENXIO;
		return NULL;
	}
	const char *s = plat_net_info((int)index - 1)->name;
	size_t len = strnlen(s, IF_NAMESIZE - 1);
	memcpy(name, s, len);
	name[len] = 0;
	return name;
}

struct if_nameindex *if_nameindex(void)
{
	int n = plat_net_count();
	/* One block: the array, its terminator, then the names. */
	struct if_nameindex *r = malloc((size_t)(n + 1) * (sizeof *r + IF_NAMESIZE));
	if (!r) {
		errno = ENOBUFS;
		return NULL;
	}
	char *names = (char *)(r + n + 1);
	for (int i = 0; i < n; i++) {
		r[i].if_index = (unsigned)i + 1;
		r[i].if_name = if_indextoname((unsigned)i + 1, names + i * IF_NAMESIZE);
	}
	r[n] = (struct if_nameindex){ 0, NULL };
	return r;
}

void if_freenameindex(struct if_nameindex *ptr)
{
	free(ptr);
}

/* Longest-prefix match over a table kept sorted by prefix length (longest
 * first), so the first route that holds an address is the answer. */
#include "route.h"

#include "addr.h"

#include <string.h>

int route_add(struct rtable *t, const struct ipa *dst, int len, const struct ipa *gw, int nic)
{
	if (t->n == ROUTES_MAX)
		return -1;
	struct route r = { .dst = *dst, .len = len, .nic = nic };
	prefix_mask(&r.dst, len);
	if (gw)
		r.gw = *gw;
	int i = t->n;
	while (i > 0 && t->r[i - 1].len < len) {
		t->r[i] = t->r[i - 1];
		i--;
	}
	t->r[i] = r;
	t->n++;
	return 0;
}

const struct route *route_lookup(const struct rtable *t, const struct ipa *a)
{
	for (int i = 0; i < t->n; i++)
		if (t->r[i].nic >= 0 && prefix_has(&t->r[i].dst, t->r[i].len, a))
			return &t->r[i];
	return NULL;
}

int route_resolve(struct rtable *t)
{
	for (int i = 0; i < t->n; i++) {
		struct route *r = &t->r[i];
		if (r->nic >= 0)
			continue;
		for (int j = 0; j < t->n && r->gw.fam; j++)
			if (!t->r[j].gw.fam && t->r[j].nic >= 0 && prefix_has(&t->r[j].dst, t->r[j].len, &r->gw)) {
				r->nic = t->r[j].nic;
				break;
			}
		if (r->nic < 0)
			return i;
	}
	return -1;
}

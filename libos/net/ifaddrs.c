/*
 * getifaddrs: "lo" and each net device (named as in the image manifest),
 * with the IPv4 address lwIP has for it now (static, or from DHCP; a device
 * without one yet is listed with no address), then the device's further
 * IPv4 addresses (--ip, netcfg.c: netifs of their own), then one entry more
 * for each of its usable IPv6 addresses (link-local, SLAAC, static; as Linux
 * lists them: /64, ::1 /128).  One allocation per entry.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/netif.h"

#include "../internal.h"
#include "netcfg.h"

struct ifa_block {
	struct ifaddrs ifa;
	struct sockaddr_in addr, mask, bcast;
	struct sockaddr_in6 addr6, mask6;
	char name[IF_NAMESIZE];
};

/* The IPv6 entries of nif (name, flags as its first entry's) after *tail. */
static int add_ip6(struct netif *nif, const struct ifaddrs *first, struct ifaddrs ***tail)
{
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		u8_t st = netif_ip6_addr_state(nif, i);
		if (ip6_addr_isinvalid(st) || ip6_addr_isduplicated(st))
			continue; /* tentative ones are listed, as on Linux */
		struct ifa_block *b = calloc(1, sizeof *b);
		if (!b)
			return -1;
		const ip6_addr_t *a = netif_ip6_addr(nif, i);
		unsigned prefix = ip6_addr_isloopback(a) ? 128 : 64;
		memcpy(b->name, first->ifa_name, strlen(first->ifa_name) + 1);
		b->ifa.ifa_name = b->name;
		b->ifa.ifa_flags = first->ifa_flags;
		b->addr6.sin6_family = b->mask6.sin6_family = AF_INET6;
		memcpy(b->addr6.sin6_addr.s6_addr, a->addr, 16);
		if (ip6_addr_islinklocal(a))
			b->addr6.sin6_scope_id = if_nametoindex(b->name);
		memset(b->mask6.sin6_addr.s6_addr, 0xff, prefix / 8);
		b->ifa.ifa_addr = (struct sockaddr *)&b->addr6;
		b->ifa.ifa_netmask = (struct sockaddr *)&b->mask6;
		**tail = &b->ifa;
		*tail = &b->ifa.ifa_next;
	}
	return 0;
}

static void set_sin(struct sockaddr_in *sin, uint32_t a)
{
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = a;
}

int getifaddrs(struct ifaddrs **ifap)
{
	struct ifaddrs *head = NULL, **tail = &head;
	struct netif *nif, *order[64];
	int n = 0;
	/* lo, then by device: its main netif, then its further ones (sorted
	 * by device and kind, stable) */
	NETIF_FOREACH(nif)
	{
		if (n == 64)
			break;
		int dev = tc_netcfg_dev(nif), key = dev < 0 ? -1 : dev * 2 + (tc_netcfg_netif(dev) != nif), k = n++;
		for (; k > 0; k--) {
			int d = tc_netcfg_dev(order[k - 1]);
			if ((d < 0 ? -1 : d * 2 + (tc_netcfg_netif(d) != order[k - 1])) <= key)
				break;
			order[k] = order[k - 1];
		}
		order[k] = nif;
	}
	for (int i = 0; i < n; i++) {
		nif = order[i];
		struct ifa_block *b = calloc(1, sizeof *b);
		if (!b) {
			freeifaddrs(head);
			errno = ENOMEM;
			return -1;
		}
		int lo = nif->name[0] == 'l' && nif->name[1] == 'o';
		if (lo)
			strcpy(b->name, "lo");
		else
			memcpy(b->name, plat_net_info((int)(intptr_t)nif->state)->name,
			       strnlen(plat_net_info((int)(intptr_t)nif->state)->name, IF_NAMESIZE - 1));
		b->ifa.ifa_name = b->name;
		unsigned flags = 0;
		if (netif_is_up(nif))
			flags |= IFF_UP;
		if (netif_is_up(nif) && netif_is_link_up(nif))
			flags |= IFF_RUNNING;
		flags |= lo ? IFF_LOOPBACK : IFF_BROADCAST;
		b->ifa.ifa_flags = flags;
		uint32_t a = ip4_addr_get_u32(netif_ip4_addr(nif)), m = ip4_addr_get_u32(netif_ip4_netmask(nif));
		if (a) {
			set_sin(&b->addr, a);
			set_sin(&b->mask, m);
			b->ifa.ifa_addr = (struct sockaddr *)&b->addr;
			b->ifa.ifa_netmask = (struct sockaddr *)&b->mask;
			if (!lo) {
				set_sin(&b->bcast, a | ~m);
				b->ifa.ifa_broadaddr = (struct sockaddr *)&b->bcast;
			}
		}
		*tail = &b->ifa;
		tail = &b->ifa.ifa_next;
		if (add_ip6(nif, &b->ifa, &tail) < 0) {
			freeifaddrs(head);
			errno = ENOMEM;
			return -1;
		}
	}
	*ifap = head;
	return 0;
}

void freeifaddrs(struct ifaddrs *ifa)
{
	while (ifa) {
		struct ifaddrs *next = ifa->ifa_next;
		free(ifa); /* the first member of its block */
		ifa = next;
	}
}

/*
 * IPv6 beside IPv4 on every net device (lwipopts.h: LWIP_IPV6): a
 * link-local address from the MAC, addresses from router advertisements
 * (SLAAC) and their default routers, static addresses and routes
 * (tc_net_ip6_static, tc_net_route6_add), and lwIP's IPv6 timers run only
 * while they have work, as stack.c runs IPv4's: an idle guest never wakes.
 *
 *   nd6_tmr, 1 s:       runs every second while something needs it on time:
 *                       a neighbour being resolved or probed (INCOMPLETE,
 *                       DELAY, PROBE), an address under duplicate address
 *                       detection (tentative).  While router solicitations
 *                       remain to send (3 after a device comes up, until a
 *                       router answers), the guest wakes only for the ticks
 *                       that send one (every 4th: lwIP's RS interval).
 *                       Otherwise the ticks are counted and run when the
 *                       guest next wakes, before anything else: what they do
 *                       then is only ageing (neighbours go stale, routers,
 *                       prefixes and addresses expire), the same as if they
 *                       had run on time.
 *   mld6_tmr, 100 ms:   while a multicast listener report is scheduled.
 *   ip6_reass_tmr, 1 s: while a fragment arrived in the last
 *                       IPV6_REASS_MAXAGE + 1 s.
 */
#include <stdint.h>
#include <string.h>

#include "lwip/ethip6.h"
#include "lwip/ip6.h"
#include "lwip/ip6_addr.h"
#include "lwip/ip6_frag.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/netif.h"
#include "lwip/priv/nd6_priv.h"

#include "stack6.h"
#include "../internal.h"
#include "../sched.h"
#include <tincan.h>

#define MS (1000000ULL)
#define TICK_NS (ND6_TMR_INTERVAL * MS)
/* At most this many counted ticks run at once when a guest wakes after a
 * long sleep (an hour: longer than a router's usual lifetime, and routers
 * advertise again well before that). */
#define CATCH_UP_MAX 3600
/* lwIP sends a router solicitation every RS_EVERY'th nd6_tmr (nd6.c's
 * nd6_tmr_rs_reduction, from 0): counted here by nd6_calls. */
#define RS_EVERY (ND6_RTR_SOLICITATION_INTERVAL / ND6_TMR_INTERVAL)

static uint64_t nd6_next, nd6_calls, mld_next, reass6_next, reass6_until;

/* Something in the neighbour cache or an address that needs nd6_tmr on time. */
static int nd6_urgent(void)
{
	for (int i = 0; i < LWIP_ND6_NUM_NEIGHBORS; i++) {
		u8_t st = neighbor_cache[i].state;
		if (st == ND6_INCOMPLETE || st == ND6_DELAY || st == ND6_PROBE ||
		    (st == ND6_REACHABLE && neighbor_cache[i].q))
			return 1;
	}
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
			if (ip6_addr_istentative(netif_ip6_addr_state(nif, i)))
				return 1;
	}
	return 0;
}

int tc_net_rs_pending(int ethernet_only)
{
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		if ((!ethernet_only || (nif->flags & NETIF_FLAG_ETHARP)) && nif->rs_count > 0 && netif_is_up(nif) &&
		    netif_is_link_up(nif) && !ip6_addr_isinvalid(netif_ip6_addr_state(nif, 0)) &&
		    !ip6_addr_isduplicated(netif_ip6_addr_state(nif, 0)))
			return 1;
	}
	return 0;
}

static int mld_pending(void)
{
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		for (struct mld_group *g = netif_mld6_data(nif); g; g = g->next)
			if (g->timer)
				return 1;
	}
	return 0;
}

/* Can lwIP ask for neighbour i?  Only from a usable address of the
 * target's /64 on its device (nd6.c's nd6_send_ns). */
static int nd6_can_ask(int i)
{
	struct netif *nif = neighbor_cache[i].netif;
	for (int a = 0; nif && a < LWIP_IPV6_NUM_ADDRESSES; a++)
		if (ip6_addr_isvalid(netif_ip6_addr_state(nif, a)) &&
		    ip6_addr_netcmp(&neighbor_cache[i].next_hop_address, netif_ip6_addr(nif, a)))
			return 1;
	return 0;
}

static int nd6_tentative(const struct netif *nif)
{
	for (int a = 0; nif && a < LWIP_IPV6_NUM_ADDRESSES; a++)
		if (ip6_addr_istentative(netif_ip6_addr_state(nif, a)))
			return 1;
	return 0;
}

static void nd6_tick(void)
{
	/* A solicitation lwIP could not send (its address of that prefix is
	 * still under duplicate detection: SLAAC's first second) counts
	 * against the neighbour all the same, and after 3 the neighbour and
	 * the frames waiting for it are dropped just as the address becomes
	 * usable.  Such ticks do not count here. */
	int mute[LWIP_ND6_NUM_NEIGHBORS];
	for (int i = 0; i < LWIP_ND6_NUM_NEIGHBORS; i++)
		mute[i] = neighbor_cache[i].state == ND6_INCOMPLETE && !nd6_can_ask(i) &&
			  nd6_tentative(neighbor_cache[i].netif);
	nd6_tmr();
	for (int i = 0; i < LWIP_ND6_NUM_NEIGHBORS; i++)
		if (mute[i] && neighbor_cache[i].state == ND6_INCOMPLETE && neighbor_cache[i].counter.probes_sent > 1)
			neighbor_cache[i].counter.probes_sent--;
	nd6_calls++;
}

uint64_t tc_ip6_timers(uint64_t now)
{
	uint64_t next = TC_NO_DEADLINE;
	if (!nd6_next)
		nd6_next = now + TICK_NS;
	if (now >= nd6_next) {
		uint64_t due = (now - nd6_next) / TICK_NS + 1;
		for (uint64_t i = 0; i < due && i < CATCH_UP_MAX; i++)
			nd6_tick();
		nd6_next += due * TICK_NS;
	}
	if (nd6_urgent())
		next = nd6_next;
	else if (tc_net_rs_pending(0))
		next = nd6_next + ((RS_EVERY - nd6_calls % RS_EVERY) % RS_EVERY) * TICK_NS;
	if (mld_pending()) {
		if (!mld_next)
			mld_next = now + MLD6_TMR_INTERVAL * MS;
		if (now >= mld_next) {
			mld6_tmr();
			mld_next = now + MLD6_TMR_INTERVAL * MS;
		}
		if (mld_pending() && mld_next < next)
			next = mld_next;
	} else {
		mld_next = 0;
	}
	if (reass6_until > now) {
		if (!reass6_next)
			reass6_next = now + IP6_REASS_TMR_INTERVAL * MS;
		if (now >= reass6_next) {
			ip6_reass_tmr();
			reass6_next = now + IP6_REASS_TMR_INTERVAL * MS;
		}
		if (reass6_next < next)
			next = reass6_next;
	} else {
		reass6_next = 0;
	}
	return next;
}

void tc_ip6_frame_seen(const uint8_t *f, size_t len)
{
	if (len < 54 || f[12] != 0x86 || f[13] != 0xdd)
		return;
	/* A fragment header, after at most a few others (hop-by-hop options,
	 * routing, destination options: MLD's reports carry hop-by-hop). */
	size_t off = 54;
	uint8_t nh = f[20];
	for (int i = 0; i < 4 && (nh == 0 || nh == 43 || nh == 60) && off + 2 <= len; i++) {
		nh = f[off];
		off += ((size_t)f[off + 1] + 1) * 8;
	}
	if (nh == 44)
		reass6_until = plat_clock_monotonic_ns() + (IPV6_REASS_MAXAGE + 1) * IP6_REASS_TMR_INTERVAL * MS;
}

int tc_ip6_resolving(void)
{
	for (int i = 0; i < LWIP_ND6_NUM_NEIGHBORS; i++)
		if (neighbor_cache[i].state == ND6_INCOMPLETE && neighbor_cache[i].q)
			return 1;
	return 0;
}

/* ---- Static routes ------------------------------------------------------ */

#define ROUTES 16
static struct route6 {
	ip6_addr_t dest, gw; /* gw unspecified: on-link */
	unsigned prefix;
	int nic, used;
} routes[ROUTES];

static int prefix_match(const ip6_addr_t *a, const ip6_addr_t *b, unsigned prefix)
{
	const uint8_t *x = (const uint8_t *)a->addr, *y = (const uint8_t *)b->addr;
	unsigned whole = prefix / 8, rest = prefix % 8;
	if (memcmp(x, y, whole))
		return 0;
	return !rest || !((x[whole] ^ y[whole]) & (0xff00 >> rest));
}

/* Is dest within the /64 of an address on some device (its own subnet)? */
static int on_a_link(const ip6_addr_t *dest)
{
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		for (int i = 1; i < LWIP_IPV6_NUM_ADDRESSES; i++)
			if (ip6_addr_isvalid(netif_ip6_addr_state(nif, i)) &&
			    prefix_match(netif_ip6_addr(nif, i), dest, 64))
				return 1;
	}
	return 0;
}

/* The longest matching route for dest (on nif, if given), or NULL. */
static const struct route6 *route_for(const ip6_addr_t *dest, const struct netif *nif)
{
	const struct route6 *best = NULL;
	for (int i = 0; i < ROUTES; i++) {
		const struct route6 *r = &routes[i];
		if (!r->used || (nif && nif != tc_net_netif(r->nic)) || !prefix_match(&r->dest, dest, r->prefix))
			continue;
		if (!best || r->prefix > best->prefix)
			best = r;
	}
	return best;
}

struct netif *tincan_ip6_route(const ip6_addr_t *src, const ip6_addr_t *dest)
{
	(void)src;
	const struct route6 *r = route_for(dest, NULL);
	/* A default route does not take a device's own subnet from it. */
	if (!r || (!r->prefix && on_a_link(dest)))
		return NULL;
	return tc_net_netif(r->nic);
}

const ip6_addr_t *tincan_nd6_gw(struct netif *nif, const ip6_addr_t *dest)
{
	const struct route6 *r = route_for(dest, nif);
	if (!r)
		return NULL;
	return ip6_addr_isany(&r->gw) ? dest : &r->gw;
}

int tc_net_route6_add(const uint8_t dest[16], unsigned prefix, const uint8_t gw[16], int nic)
{
	if (!dest || prefix > 128 || !tc_net_netif(nic))
		return -1;
	for (int i = 0; i < ROUTES; i++)
		if (!routes[i].used) {
			struct route6 *r = &routes[i];
			memset(r, 0, sizeof *r);
			memcpy(r->dest.addr, dest, 16);
			if (gw)
				memcpy(r->gw.addr, gw, 16);
			r->prefix = prefix;
			r->nic = nic;
			r->used = 1;
			if (ip6_addr_islinklocal(&r->gw))
				ip6_addr_assign_zone(&r->gw, IP6_UNICAST, tc_net_netif(nic));
			return 0;
		}
	return -1;
}

int tc_net_ip6_static(int nic, const uint8_t addr[16], unsigned prefix)
{
	struct netif *nif = tc_net_netif(nic);
	ip6_addr_t a;
	s8_t i;
	if (!nif || !addr || prefix > 128)
		return -1;
	memset(&a, 0, sizeof a);
	memcpy(a.addr, addr, 16);
	if (ip6_addr_isany(&a) || ip6_addr_ismulticast(&a) || ip6_addr_isloopback(&a))
		return -1;
	if (netif_add_ip6_address(nif, &a, &i) != ERR_OK || i < 0)
		return -1;
	/* Static (no lifetimes), and usable at once: the host gave it. */
	netif_ip6_addr_set_valid_life(nif, i, IP6_ADDR_LIFE_STATIC);
	netif_ip6_addr_set_pref_life(nif, i, IP6_ADDR_LIFE_STATIC);
	netif_ip6_addr_set_state(nif, i, IP6_ADDR_PREFERRED);
	/* lwIP takes a static address's /64 as on-link; any other prefix is
	 * a route of its own. */
	if (prefix && prefix != 64 && prefix < 128)
		return tc_net_route6_add(addr, prefix, NULL, nic);
	return 0;
}

/* ---- Devices ------------------------------------------------------------ */

void tc_ip6_start(struct netif *nif)
{
	nif->output_ip6 = ethip6_output;
	nif->flags |= NETIF_FLAG_MLD6;
	netif_set_ip6_autoconfig_enabled(nif, 1);
	/* Tentative: duplicate address detection, then preferred. */
	netif_create_ip6_linklocal_address(nif, 1);
	nd6_restart_netif(nif);
}

void tc_ip6_restored(struct netif *nif)
{
	/* The new MAC makes a new link-local address, and SLAAC starts over
	 * (solicitations, then the routers' prefixes); static addresses and
	 * routes are the restore's, as IPv4's are: netcfg.c adds them again
	 * from its --ip and --route. */
	for (s8_t i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		netif_ip6_addr_set_state(nif, i, IP6_ADDR_INVALID);
	memset(routes, 0, sizeof routes);
	nd6_cleanup_netif(nif);
	netif_create_ip6_linklocal_address(nif, 1);
	nd6_restart_netif(nif);
	nd6_next = 0;
}

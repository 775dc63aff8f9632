/*
 * IPv6 on the net devices (stack6.c), for stack.c; and the calls that
 * configure it (netcfg.c: the platform's static addresses and routes).
 */
#ifndef LIBOS_NET_STACK6_H
#define LIBOS_NET_STACK6_H

#include <stddef.h>
#include <stdint.h>

struct netif;

/* stack.c: net device nic's netif, or NULL. */
struct netif *tc_net_netif(int nic);
/* An interface index (sin6_scope_id, <net/if.h>) as lwIP's zone (0: none),
 * and back. */
uint8_t tc_net_zone(unsigned scope);
unsigned tc_net_scope(uint8_t zone);
/* Router solicitations still to send, lwIP's conditions (nd6.c): on a NIC
 * that is up, has a link and a link-local address not failed; with
 * ethernet_only, lo (which lwIP solicits on too) left out. */
int tc_net_rs_pending(int ethernet_only);

/* A device comes up: IPv6 output, a link-local address, SLAAC. */
void tc_ip6_start(struct netif *nif);
/* The guest was restored from a snapshot: a new link-local address from the
 * new MAC, SLAAC again; static addresses and routes stay. */
void tc_ip6_restored(struct netif *nif);
/* Runs lwIP's IPv6 timers that are due; returns when next one is
 * (TC_NO_DEADLINE: none needs to run on time). */
uint64_t tc_ip6_timers(uint64_t now);
/* Frames wait for a neighbour being resolved. */
int tc_ip6_resolving(void);
/* A received frame, before lwIP sees it (reassembly under way?). */
void tc_ip6_frame_seen(const uint8_t *f, size_t len);

/*
 * A static address on device nic (0-based), usable at once (preferred, no
 * duplicate address detection), with its prefix on-link.  0, or -1 for a
 * bad device or address, or when the device has no free address slot
 * (lwipopts.h: LWIP_IPV6_NUM_ADDRESSES, one of them link-local).
 */
int tc_net_ip6_static(int nic, const uint8_t addr[16], unsigned prefix);
/*
 * A route: dest/prefix through gw (NULL or :: for on-link) on device nic.
 * ::/0 is a default route; it does not override a device's own subnets or
 * a more specific route, and routers' advertised default routes serve when
 * no static route matches.  0, or -1 (bad device, table full).
 */
int tc_net_route6_add(const uint8_t dest[16], unsigned prefix, const uint8_t gw[16], int nic);

#endif

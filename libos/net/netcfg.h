/*
 * Per-NIC configuration from the platform: every address and route the
 * operator gave (tincan-run's --ip, --gw and --route, the pc platform's
 * command line), in the environment as TINCAN_IP and TINCAN_ROUTE
 * (docs/abi.md), applied to lwIP when the stack starts and after a
 * restore.  lwIP holds one IPv4 address per netif: a NIC's further IPv4
 * addresses get netifs of their own on the same device (ARP for them is
 * handed to theirs, frames go out the same device), and routes are a
 * small table consulted by lwIP's routing hooks (longest prefix first,
 * after the NICs' own subnets, before the default netif).
 */
#ifndef LIBOS_NET_NETCFG_H
#define LIBOS_NET_NETCFG_H
#include <stddef.h>
#include <stdint.h>

#include "lwip/netif.h"

/* The addresses (at most this many) and routes (as many) the env may name. */
#define NETCFG_MAX 16

/* Parse the environment and apply it to the n netifs of the platform's
 * devices (prim[i] is device i's, set up by init): a device without an
 * address gets its first IPv4 one, its others extra netifs, its IPv6 ones
 * tc_net_ip6_static.  After a restore (restored), the boot info's address
 * wins: a device's env addresses count only if their first IPv4 one is
 * the device's address now (else they are the snapshot's).  A malformed
 * string panics.  Returns a bit per device that has an IPv4 address (no
 * DHCP for it). */
unsigned tc_netcfg_apply(struct netif *prim, int n, int restored, netif_init_fn init);

/* The netif a received frame of device dev goes to: ARP for one of the
 * device's extra addresses to that address's netif, the rest to nif. */
struct netif *tc_netcfg_input(int dev, struct netif *nif, const uint8_t *frame, size_t len);

/* Device dev's main netif (NULL if none); the device of a netif (-1: lo). */
struct netif *tc_netcfg_netif(int dev);
int tc_netcfg_dev(const struct netif *nif);

/* IPv6 entries go to stack6.h's tc_net_ip6_static and tc_net_route6_add. */

#endif

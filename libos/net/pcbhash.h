/* TCP connections by address and ports (pcbhash.c); the hooks lwIP calls
 * are declared in toolchain/lwip/port/include/arch/cc.h. */
#ifndef TINCAN_NET_PCBHASH_H
#define TINCAN_NET_PCBHASH_H

#include "lwip/ip_addr.h"
#include "lwip/tcp.h"

/* The connection (timewait: the TIME_WAIT one) with these addresses and
 * ports (host order), or NULL. */
struct tcp_pcb *tc_tcp_find(const ip_addr_t *remote, u16_t remote_port, const ip_addr_t *local, u16_t local_port,
			    u8_t netif_idx, int timewait);

#endif

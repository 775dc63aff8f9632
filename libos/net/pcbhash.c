/*
 * Which connection an incoming TCP segment belongs to, in O(1).  lwIP finds
 * it by walking its list of active connections (moving the one found to the
 * front), then its list of TIME_WAIT ones: cheap for a few connections, but
 * a server with a thousand busy ones served in turn finds each at the far
 * end (the walk, a cache miss per connection, took a third of the guest's
 * time under wrk -c1000), and every new connection's SYN walked the whole
 * TIME_WAIT list (up to 1,024) twice.
 *
 * So every connection on those two lists is also in this hash table, by
 * remote address, remote and local port.  toolchain/lwip.sh patches lwIP:
 * TCP_REG() and TCP_RMV() (every way onto and off a list but one) call
 * tc_tcp_hash_reg() and tc_tcp_hash_drop(), tcp_free() drops too (lwIP's
 * timer unlinks expired connections by hand, then frees them), struct
 * tcp_pcb carries the chain link and its bucket, and tcp_input() asks
 * tincan_tcp_lookup() instead of walking either list.
 */
#include <stdint.h>

#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "pcbhash.h"

#define BUCKETS 4096 /* a power of two; 32 KiB, touched as connections come */

static struct tcp_pcb *bucket[BUCKETS];

static unsigned index_of(u16_t remote_port, u16_t local_port, const ip_addr_t *remote)
{
	uint32_t h = ((uint32_t)remote_port << 16 | local_port) ^ ip4_addr_get_u32(ip_2_ip4(remote));
	if (IP_IS_V6(remote)) /* the first word was the address's first */
		h ^= ip_2_ip6(remote)->addr[1] ^ ip_2_ip6(remote)->addr[2] * 0x9e3779b1u ^ ip_2_ip6(remote)->addr[3];
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h & (BUCKETS - 1);
}

void tincan_tcp_hash_drop(struct tcp_pcb *pcb)
{
	if (!pcb->tincan_hashed)
		return;
	for (struct tcp_pcb **p = &bucket[pcb->tincan_bucket]; *p; p = &(*p)->tincan_hnext)
		if (*p == pcb) {
			*p = pcb->tincan_hnext;
			break;
		}
	pcb->tincan_hnext = NULL;
	pcb->tincan_hashed = 0;
}

/* Called for every list; only the active and TIME_WAIT ones are hashed (the
 * others hold listening pcbs, which are smaller, and unconnected ones). */
void tincan_tcp_hash_reg(struct tcp_pcb **list, struct tcp_pcb *pcb)
{
	if (list != &tcp_active_pcbs && list != &tcp_tw_pcbs)
		return;
	tincan_tcp_hash_drop(pcb);
	unsigned i = index_of(pcb->remote_port, pcb->local_port, &pcb->remote_ip);
	pcb->tincan_bucket = (u16_t)i;
	pcb->tincan_hashed = 1;
	pcb->tincan_hnext = bucket[i];
	bucket[i] = pcb;
}

void tincan_tcp_hash_rmv(struct tcp_pcb **list, struct tcp_pcb *pcb)
{
	if (list == &tcp_active_pcbs || list == &tcp_tw_pcbs)
		tincan_tcp_hash_drop(pcb);
}

struct tcp_pcb *tc_tcp_find(const ip_addr_t *remote, u16_t remote_port, const ip_addr_t *local, u16_t local_port,
			    u8_t netif_idx, int timewait)
{
	for (struct tcp_pcb *pcb = bucket[index_of(remote_port, local_port, remote)]; pcb; pcb = pcb->tincan_hnext) {
		if ((pcb->state == TIME_WAIT) != !!timewait)
			continue;
		if (pcb->netif_idx != NETIF_NO_INDEX && pcb->netif_idx != netif_idx)
			continue;
		if (pcb->remote_port == remote_port && pcb->local_port == local_port &&
		    ip_addr_cmp(&pcb->remote_ip, remote) && ip_addr_cmp(&pcb->local_ip, local))
			return pcb;
	}
	return NULL;
}

struct tcp_pcb *tincan_tcp_lookup(const struct tcp_hdr *h, int timewait)
{
	return tc_tcp_find(ip_current_src_addr(), h->src, ip_current_dest_addr(), h->dest,
			   netif_get_index(ip_current_input_netif()), timewait);
}

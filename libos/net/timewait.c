/*
 * A SYN for a connection lwIP still holds in TIME_WAIT.  lwIP answers it
 * with an ACK, as RFC 793 says; the client's kernel then resets and retries
 * a second later.  Clients that open a connection per request (health
 * checks, HTTP/1.0, wrk with "Connection: close") wrap their ephemeral
 * ports long before our TIME_WAITs end, so a share of their connections
 * stalls for a second or times out.  Linux takes such a SYN as a new
 * connection when its sequence number lies beyond what the old one
 * received (RFC 6191's rule without timestamps): so do we, by ending the
 * TIME_WAIT before lwIP sees the SYN, which then meets the listener.
 */
#include <stdint.h>
#include <string.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "pcbhash.h"
#include "timewait.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void tc_timewait_syn(const uint8_t *f, size_t len)
{
	/* Ethernet, IPv4 with no fragment offset or IPv6 with no extension
 * header, TCP with SYN and not ACK/RST. */
	if (len < 14 + 20)
		return;
	const uint8_t *ip = f + 14, *tcp;
	ip_addr_t src, dst;
	if (be16(f + 12) == 0x0800) {
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;
		if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || (be16(ip + 6) & 0x3fff) || len < 14 + ihl + 20)
			return;
		tcp = ip + ihl;
		ip_addr_set_zero_ip4(&src);
		ip_addr_set_zero_ip4(&dst);
		memcpy(&ip_2_ip4(&src)->addr, ip + 12, 4);
		memcpy(&ip_2_ip4(&dst)->addr, ip + 16, 4);
	} else if (be16(f + 12) == 0x86dd) {
		if ((ip[0] >> 4) != 6 || ip[6] != 6 || len < 14 + 40 + 20)
			return;
		tcp = ip + 40;
		ip_addr_set_zero_ip6(&src);
		ip_addr_set_zero_ip6(&dst);
		memcpy(ip_2_ip6(&src)->addr, ip + 8, 16);
		memcpy(ip_2_ip6(&dst)->addr, ip + 24, 16);
	} else {
		return;
	}
	if ((tcp[13] & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return;
	uint32_t seq = (uint32_t)be16(tcp + 4) << 16 | be16(tcp + 6);
	struct tcp_pcb *pcb = tc_tcp_find(&src, be16(tcp), &dst, be16(tcp + 2), NETIF_NO_INDEX, 1);
	/* Only a pcb no socket holds: one still attached (its socket has not
	 * seen the peer's FIN yet) is lwIP's to end. */
	if (pcb && TCP_SEQ_GT(seq, pcb->rcv_nxt) && !pcb->callback_arg)
		tcp_abort(pcb); /* in TIME_WAIT: freed, no RST */
}

/*
 * lwIP keeps TIME_WAIT connections on one list for 2 MSL (120 s) and walks
 * it for every segment that matches no live connection, and to remove one:
 * a server closing a few thousand connections a second slowed to a crawl
 * (5,000 connections a second fell to 2,000 within 10 s, most of the time in
 * those walks).  Linux caps them too (tcp_max_tw_buckets); here the newest
 * TIME_WAIT_MAX stay and older ones no socket holds are ended.  With the
 * reuse rule above, little is lost: a late segment of an ended connection
 * meets a reset.
 */
#define TIME_WAIT_MAX 1024

void tc_timewait_trim(void)
{
	int n = 0;
	for (struct tcp_pcb *pcb = tcp_tw_pcbs, *next; pcb; pcb = next) {
		next = pcb->next;
		if (++n > TIME_WAIT_MAX && !pcb->callback_arg)
			tcp_abort(pcb);
	}
}

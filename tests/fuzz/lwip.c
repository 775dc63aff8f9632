/*
 * Fuzz target: the guest's packet input path, lwIP (Debian's source, built
 * here for the host with tincan's lwipopts.h and arch/cc.h, as
 * toolchain/lwip.sh builds it for the guest) fed arbitrary Ethernet frames
 * the way libos/net/stack.c feeds it: ethernet_input on a netif with
 * 10.0.0.2/24 and IPv6 (a link-local address and fd00::2/64, SLAAC on), a
 * dual-stack TCP listener on port 80 that accepts and echoes, a dual-stack
 * UDP echo on port 7, DHCP off.  The input is a series of frames, each
 * [length as uint16][bytes]; lwIP's clock moves 250 ms per frame so its
 * timers (retransmission, ARP, ND, MLD, reassembly) run too.  Connections are
 * aborted after each input; an lwIP assertion is a crash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/ip6_frag.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/init.h"
#include "lwip/ip4_frag.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__lsan_default_options(void);

/* IP reassembly keeps its list's links inside the fragments' headers, 2
 * bytes past an 8-byte boundary behind the Ethernet header: LeakSanitizer
 * must look at unaligned words too, or held fragments look leaked. */
const char *__lsan_default_options(void)
{
	return "use_unaligned=1";
}

/* The port's hooks (libos/net/stack.c in the guest). */
uint32_t tincan_lwip_rand(void)
{
	static uint32_t x = 12345;
	return x = x * 1103515245u + 12345u;
}
void *tincan_lwip_malloc(size_t n)
{
	return malloc(n);
}
void *tincan_lwip_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}
void tincan_lwip_free(void *p)
{
	free(p);
}
uint32_t tincan_tcp_isn(const ip_addr_t *local_ip, uint16_t local_port, const ip_addr_t *remote_ip,
			uint16_t remote_port)
{
	(void)local_ip, (void)remote_ip;
	return (uint32_t)local_port << 16 ^ remote_port ^ 0x6510u;
}
/* No route tables here (libos/net/netcfg.c's, stack6.c's): lwIP's own choice. */
struct netif *tincan_ip4_route_src(const ip4_addr_t *src, const ip4_addr_t *dest)
{
	(void)src, (void)dest;
	return NULL;
}
const ip4_addr_t *tincan_etharp_gw(struct netif *netif, const ip4_addr_t *dest)
{
	(void)netif, (void)dest;
	return NULL;
}
struct netif *tincan_ip6_route(const ip6_addr_t *src, const ip6_addr_t *dest)
{
	(void)src, (void)dest;
	return NULL;
}
const ip6_addr_t *tincan_nd6_gw(struct netif *netif, const ip6_addr_t *dest)
{
	(void)netif, (void)dest;
	return NULL;
}
void tincan_panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static u32_t now_ms;
u32_t sys_now(void)
{
	return now_ms;
}

static struct netif nif;
#define MAXPCB 64
static struct tcp_pcb *conns[MAXPCB];

static err_t link_output(struct netif *n, struct pbuf *p)
{
	(void)n;
	static uint8_t buf[2048];
	if (p->tot_len <= sizeof buf)
		pbuf_copy_partial(p, buf, p->tot_len, 0);
	return ERR_OK;
}

static err_t setup(struct netif *n)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 2 };
	n->name[0] = 'e';
	n->name[1] = 'n';
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = link_output;
	n->mtu = 1500;
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, mac, 6);
	n->flags =
	    NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP | NETIF_FLAG_MLD6;
	return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg, (void)err;
	if (!p) {
		tcp_arg(pcb, NULL);
		for (int i = 0; i < MAXPCB; i++)
			if (conns[i] == pcb)
				conns[i] = NULL;
		tcp_recv(pcb, NULL);
		tcp_err(pcb, NULL);
		return tcp_close(pcb);
	}
	tcp_recved(pcb, p->tot_len);
	if (p->len && tcp_sndbuf(pcb) >= p->len)
		tcp_write(pcb, p->payload, p->len, TCP_WRITE_FLAG_COPY);
	pbuf_free(p);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	(void)err;
	struct tcp_pcb **slot = arg; /* the pcb is gone already */
	if (slot)
		*slot = NULL;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	for (int i = 0; i < MAXPCB; i++)
		if (!conns[i]) {
			conns[i] = pcb;
			tcp_arg(pcb, &conns[i]);
			tcp_recv(pcb, on_recv);
			tcp_err(pcb, on_err);
			return ERR_OK;
		}
	tcp_abort(pcb);
	return ERR_ABRT;
}

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	udp_sendto(pcb, p, addr, port);
	pbuf_free(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	ip4_addr_t ip, mask, gw;
	lwip_init();
	IP4_ADDR(&ip, 10, 0, 0, 2);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 0, 1);
	if (!netif_add(&nif, &ip, &mask, &gw, NULL, setup, ethernet_input))
		abort();
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_ip6_autoconfig_enabled(&nif, 1);
	netif_create_ip6_linklocal_address(&nif, 1);
	netif_ip6_addr_set_state(&nif, 0, IP6_ADDR_PREFERRED);
	ip6_addr_t a6;
	s8_t i6;
	IP6_ADDR(&a6, PP_HTONL(0xfd000000), 0, 0, PP_HTONL(2));
	if (netif_add_ip6_address(&nif, &a6, &i6) != ERR_OK)
		abort();
	netif_ip6_addr_set_state(&nif, i6, IP6_ADDR_PREFERRED);
	struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (!l || tcp_bind(l, IP_ANY_TYPE, 80) != ERR_OK || !(l = tcp_listen(l)))
		abort();
	tcp_accept(l, on_accept);
	struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_ANY);
	if (!u || udp_bind(u, IP_ANY_TYPE, 7) != ERR_OK)
		abort();
	udp_recv(u, on_udp, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	while (size >= 2) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		data += 2, size -= 2;
		if (len > size)
			len = size;
		if (len > 1514)
			len = 1514;
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
		if (p) {
			pbuf_take(p, data, (u16_t)len);
			if (nif.input(p, &nif) != ERR_OK)
				pbuf_free(p);
		}
		data += len, size -= len;
		/* lwIP keeps no timers (LWIP_TIMERS 0): the guest's stack.c runs
		 * them, here every step as if always due. */
		now_ms += 250;
		tcp_tmr();
		if (now_ms % 500 == 0)
			mld6_tmr();
		if (now_ms % 1000 == 0) {
			etharp_tmr();
			ip_reass_tmr();
			nd6_tmr();
			ip6_reass_tmr();
		}
	}
	/* The next input starts with no connection (the listener stays). */
	for (int i = 0; i < MAXPCB; i++)
		if (conns[i]) {
			struct tcp_pcb *pcb = conns[i];
			conns[i] = NULL;
			tcp_arg(pcb, NULL);
			tcp_err(pcb, NULL);
			tcp_abort(pcb);
		}
	return 0;
}

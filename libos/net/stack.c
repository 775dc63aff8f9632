/*
 * lwIP in the library OS: one netif per platform net device plus loopback,
 * driven by the scheduler's I/O hook.  lwIP runs in NO_SYS mode and is only
 * ever entered from the running thread (threads are cooperative), so it
 * needs no locking.  Received frames go in as they are found; timers run
 * from the monotonic clock, with no ticks: the idle scheduler sleeps until
 * the next lwIP timeout.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "offload.h"
#include "sock.h"
#include "timewait.h"
#include "../fd.h"
#include "../internal.h"
#include <tincan.h>

static struct netif netifs[PLAT_NET_MAX];
static int nnet, queued;

/*
 * When do queued frames leave?  Normally when the scheduler runs out of
 * work and waits in the platform: the wait sends them first, so a whole
 * batch of replies costs one exit.  Only if threads keep running for a
 * while do we push them out on our own.
 */
#define FLUSH_AFTER_NS 200000ULL
static uint64_t queued_since;

/*
 * ARP requests sent and not yet answered, by target: frames to those
 * neighbours wait in lwIP's ARP queue, and an exiting guest gives them a
 * moment (ARP_EXIT_WAIT_NS after the request) to leave, as a Linux process's
 * datagrams leave after it exits.  Gratuitous ARP and address probes are
 * not waited for: nobody answers them.
 */
#define ARP_WAITS 8
#define ARP_EXIT_WAIT_NS 1000000000ULL
static struct {
	uint32_t ip; /* as on the wire */
	uint64_t at;
} arp_waits[ARP_WAITS];

static void arp_seen(const uint8_t *f, size_t len, int sent)
{
	if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[20] != 0 || f[21] != (sent ? 1 : 2))
		return;
	uint32_t sender, target;
	memcpy(&sender, f + 28, 4);
	memcpy(&target, f + 38, 4);
	if (sent && (!sender || sender == target))
		return;
	int free_slot = -1;
	for (int i = 0; i < ARP_WAITS; i++) {
		if (arp_waits[i].ip == (sent ? target : sender)) {
			if (!sent)
				arp_waits[i].ip = 0;
			return;
		}
		if (!arp_waits[i].ip && free_slot < 0)
			free_slot = i;
	}
	if (sent && free_slot >= 0)
		arp_waits[free_slot].ip = target, arp_waits[free_slot].at = plat_clock_monotonic_ns();
}

/* The latest moment an unanswered request sent before `before` is still
 * worth waiting for; 0: none is. */
static uint64_t arp_wait_until(uint64_t now, uint64_t before)
{
	uint64_t until = 0;
	for (int i = 0; i < ARP_WAITS; i++)
		if (arp_waits[i].ip) {
			if (now >= arp_waits[i].at + ARP_EXIT_WAIT_NS)
				arp_waits[i].ip = 0;
			else if (arp_waits[i].at < before && arp_waits[i].at + ARP_EXIT_WAIT_NS > until)
				until = arp_waits[i].at + ARP_EXIT_WAIT_NS;
		}
	return until;
}

u32_t sys_now(void)
{
	return (u32_t)(plat_clock_monotonic_ns() / 1000000);
}

uint32_t tincan_lwip_rand(void)
{
	uint32_t v = 0;
	plat_entropy(&v, sizeof v);
	return v;
}

/* lwIP's memory: the guest's malloc, at most a quarter of what the heap
 * may grow to (lwipopts.h), not of the memory it booted with: a guest
 * that booted with 8 MiB and may grow to 1 GiB would otherwise hold a
 * thousand connections in 2 MiB, and lwIP makes room for a new one by
 * killing an old one. */
static size_t lwip_used, lwip_budget;

static int lwip_over(size_t n)
{
	if (!lwip_budget) {
		size_t limit = libos_heap_limit() / 4;
		lwip_budget = limit > ((size_t)2 << 20) ? limit : (size_t)2 << 20;
	}
	return n > lwip_budget - lwip_used;
}

void *tincan_lwip_malloc(size_t n)
{
	void *p = lwip_over(n) ? NULL : malloc(n);
	if (p)
		lwip_used += malloc_usable_size(p);
	return p;
}

void *tincan_lwip_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = tincan_lwip_malloc(n * size);
	return p ? memset(p, 0, n * size) : NULL;
}

void tincan_lwip_free(void *p)
{
	if (p) {
		lwip_used -= malloc_usable_size(p);
		free(p);
	}
}

static err_t link_output(struct netif *nif, struct pbuf *p)
{
	uint8_t buf[1518];
	const void *frame = p->payload;
	int dev = (int)(intptr_t)nif->state;
	if (p->tot_len > sizeof buf)
		return ERR_BUF;
	/* A chained frame is gathered first; a single pbuf goes straight to
	 * the ring (one copy, not two). */
	if (p->len != p->tot_len) {
		pbuf_copy_partial(p, buf, p->tot_len, 0);
		frame = buf;
	}
	arp_seen(frame, p->tot_len, 1);
	unsigned offload = plat_net_info(dev)->offload;
	int r;
	struct plat_net_piece v = { frame, p->tot_len };
	if (offload & PLAT_NET_OFF_CSUM) {
		r = tc_offload_send(dev, offload, p, frame);
	} else if ((r = plat_net_send(dev, &v, 1, NULL)) == -EAGAIN) {
		/* The ring is full: push it out, then there is room. */
		plat_net_flush();
		r = plat_net_send(dev, &v, 1, NULL);
	}
	if (r)
		return ERR_IF;
	if (!queued)
		queued_since = plat_clock_monotonic_ns();
	queued = 1;
	return ERR_OK;
}

/* What lwIP checks and computes on a netif: a device with the host's
 * checksum offload gets TCP frames with the pseudo-header's sum only
 * (offload.c adds it), and frames the host vouches for are not checked. */
static u16_t csum_ctrl(const struct netif *nif, int vouched)
{
	if (!(plat_net_info((int)(intptr_t)nif->state)->offload & PLAT_NET_OFF_CSUM))
		return NETIF_CHECKSUM_ENABLE_ALL;
	return NETIF_CHECKSUM_ENABLE_ALL & ~NETIF_CHECKSUM_GEN_TCP &
	       ~(vouched ? NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP | NETIF_CHECKSUM_CHECK_ICMP : 0);
}

static err_t netif_setup(struct netif *nif)
{
	const struct plat_net_info *info = plat_net_info((int)(intptr_t)nif->state);
	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->output = etharp_output;
	nif->linkoutput = link_output;
	nif->mtu = info->mtu ? info->mtu : 1500;
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, info->mac, 6);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	NETIF_SET_CHECKSUM_CTRL(nif, csum_ctrl(nif, 0));
	return ERR_OK;
}

/* Feed what arrived into lwIP and run its timers. */
static void net_poll(void)
{
	stream_output();
	for (int i = 0; i < nnet; i++) {
		/* A frame may come in pieces (the host's merged TCP segments,
		 * IPv4 only): gathered into one pbuf of its IP length. */
		const uint8_t *piece;
		size_t len, at = 0;
		unsigned fl;
		struct pbuf *p = NULL;
		int vouched = 0, bad = 0;
		while ((piece = plat_net_recv(i, &len, &fl))) {
			if (!p && !bad) {
				arp_seen(piece, len, 0);
				tc_timewait_syn(piece, len);
				vouched = fl & PLAT_NET_CSUM_OK;
				size_t want = (fl & PLAT_NET_MORE) && len >= 18 && piece[12] == 8 && !piece[13]
						  ? 14 + ((size_t)piece[16] << 8 | piece[17])
						  : len;
				p = want <= 0xffff
					? pbuf_alloc(PBUF_RAW, (u16_t)want, want > len ? PBUF_RAM : PBUF_POOL)
					: NULL;
				bad = !p;
			}
			if (!bad && len <= p->tot_len - at) {
				pbuf_take_at(p, piece, (u16_t)len, (u16_t)at);
				at += len;
			} else {
				bad = 1;
			}
			plat_net_release(i);
			if (fl & PLAT_NET_MORE)
				continue;
			if (p && !bad && at == p->tot_len) {
				NETIF_SET_CHECKSUM_CTRL(&netifs[i], csum_ctrl(&netifs[i], vouched));
				if (netifs[i].input(p, &netifs[i]) == ERR_OK)
					p = NULL;
			}
			if (p)
				pbuf_free(p);
			p = NULL;
			bad = 0;
			at = 0;
		}
	}
	netif_poll_all(); /* loopback */
	sys_check_timeouts();
	static uint64_t trimmed;
	uint64_t now = plat_clock_monotonic_ns();
	if (now - trimmed > 100000000ULL) {
		trimmed = now;
		tc_timewait_trim();
	}
	if (queued && now - queued_since > FLUSH_AFTER_NS) {
		queued = 0;
		tc_offload_flush();
		plat_net_flush();
	}
}

static uint64_t net_deadline(void)
{
	u32_t ms = sys_timeouts_sleeptime();
	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return TC_NO_DEADLINE;
	return plat_clock_monotonic_ns() + (uint64_t)ms * 1000000;
}

/* A wait in the platform sends whatever is queued. */
static void net_waiting(void)
{
	queued = 0;
	tc_offload_flush();
}

static unsigned net_events(void)
{
	unsigned ev = 0;
	for (int i = 0; i < nnet; i++)
		ev |= PLAT_EV_NET(i);
	return ev;
}

static const struct tc_io net_io = { net_poll, net_deadline, net_events, net_waiting };

/*
 * The guest is exiting: as when a Linux process exits, its connections
 * close (a FIN each, sent now; lwIP answers with a RST what it cannot close
 * cleanly), and what is still queued for the wire leaves before the
 * platform ends the guest, including frames waiting for an ARP answer
 * (for at most ARP_EXIT_WAIT_NS after their request).  Peers see the end
 * instead of waiting on a connection nobody will ever answer again.
 */
static void net_exit(void)
{
	stream_output();
	struct tcp_pcb *pcb = tcp_active_pcbs;
	while (pcb) {
		struct tcp_pcb *next = pcb->next;
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
		tcp_poll(pcb, NULL, 0);
		if (tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
		pcb = next;
	}
	netif_poll_all();
	/* Only requests made before now, and at most ARP_EXIT_WAIT_NS in all:
	 * a peer that keeps the guest asking (SYNs from new addresses) must
	 * not keep it from ending. */
	uint64_t start = plat_clock_monotonic_ns();
	for (;;) {
		queued = 0;
		tc_offload_flush();
		plat_net_flush();
		uint64_t now = plat_clock_monotonic_ns(), until = arp_wait_until(now, start);
		if (until > start + ARP_EXIT_WAIT_NS)
			until = start + ARP_EXIT_WAIT_NS;
		if (!until || now >= until)
			break;
		plat_wait(until, net_events());
		net_poll();
	}
}

/* Called by libos_main before main() when the app uses sockets. */
void __tincan_net_start(void);
void __tincan_net_start(void)
{
	lwip_init();
	int n = plat_net_count();
	for (int i = 0; i < n; i++) {
		const struct plat_net_info *info = plat_net_info(i);
		/* The platform never allocates: its rings and buffers come from here. */
		void *mem = aligned_alloc(64, (info->mem + 63) & ~(size_t)63);
		int r = mem ? plat_net_open(i, mem) : -ENOMEM;
		if (r)
			tincan_panic("cannot open net device %s: error %d", info->name, -r);
		ip4_addr_t ip, mask, gw;
		ip4_addr_set_u32(&ip, info->ip4);
		ip4_addr_set_u32(&mask, info->prefix ? lwip_htonl(0xffffffffu << (32 - info->prefix)) : 0);
		ip4_addr_set_u32(&gw, info->gw4);
		if (!netif_add(&netifs[i], &ip, &mask, &gw, (void *)(intptr_t)i, netif_setup, ethernet_input))
			tincan_panic("cannot add net device %s", info->name);
		if (i == 0)
			netif_set_default(&netifs[i]);
		netif_set_up(&netifs[i]);
		if (!info->ip4)
			dhcp_start(&netifs[i]);
		nnet++;
	}
	tc_sched_add_io(&net_io);
	atexit(net_exit);
}

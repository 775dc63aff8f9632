/*
 * lwIP in the library OS: one netif per platform net device plus loopback,
 * driven by the scheduler's I/O hook.  lwIP runs in NO_SYS mode and is only
 * ever entered from the running thread (threads are cooperative), so it
 * needs no locking.  Received frames go in as they are found; lwIP's
 * timers run from the monotonic clock, and only while they have work to
 * do: an idle guest sleeps with no deadline at all.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/prot/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/igmp.h"
#include "lwip/init.h"
#include "lwip/ip4_frag.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "netif/ethernet.h"

#include "dns.h"
#include "netcfg.h"
#include "offload.h"
#include "sock.h"
#include "stack6.h"
#include "timewait.h"
#include "../fd.h"
#include "../internal.h"
#include "../netfn_stack.h"
#include <tincan.h>

static struct netif netifs[PLAT_NET_MAX];
static int nnet, queued;

struct netif *tc_net_netif(int nic)
{
	return nic >= 0 && nic < nnet ? &netifs[nic] : NULL;
}

/* Interface indexes (<net/if.h>: device i is i + 1) and lwIP's zones (its
 * netif indexes: lo comes first). */
u8_t tc_net_zone(unsigned scope)
{
	return scope >= 1 && scope <= (unsigned)nnet ? netif_get_index(&netifs[scope - 1]) : 0;
}

unsigned tc_net_scope(u8_t zone)
{
	for (int i = 0; i < nnet; i++)
		if (netif_get_index(&netifs[i]) == zone)
			return (unsigned)i + 1;
	return 0;
}

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

/*
 * lwIP's periodic timers (lwipopts.h: LWIP_TIMERS 0, lwIP keeps none),
 * run only while they have work, as in a tickless kernel, so that an idle
 * guest makes no exit at all.  Each runs every period while:
 *   tcp_tmr, 250 ms:        a connection is open or in TIME_WAIT (lwIP's own rule);
 *   ip_reass_tmr, 1 s:      a fragment arrived in the last IP_REASS_MAXAGE + 1 s
 *                           (then every datagram it began has been freed);
 *   etharp_tmr, 1 s:        an ARP request went out in the last ARP_ASK_NS (lwIP
 *                           asks again every second for an entry still pending,
 *                           and drops it after 5 s).  Otherwise its ticks are
 *                           only counted, and run when the guest next wakes,
 *                           before anything else: a resolved entry only ages,
 *                           so it ages as if they had run (and expires after
 *                           ARP_MAXAGE s all the same);
 *   dhcp_fine_tmr, 500 ms:  a DHCP request awaits an answer;
 *   dhcp_coarse_tmr, 60 s:  DHCP configures a device (its lease times);
 *   igmp_tmr, 100 ms:       an IGMP report is scheduled (a join's second
 *                           report, an answer to a query): a guest that
 *                           joined a group sleeps once its reports are out.
 * lwIP's dns_tmr is never needed: its resolver is not used (lwipopts.h).
 * IPv6's timers follow the same rule (stack6.c).
 */
#define MS (1000000ULL)
#define ARP_ASK_NS (7000 * MS) /* etharp.c: ARP_MAXPENDING 5 ticks, and slack */
static uint64_t tcp_next, arp_next, arp_asked_at, reass_next, reass_until, dhcp_fine_next, dhcp_coarse_next, igmp_next;
static int use_dhcp;

static void arp_asked(void)
{
	uint64_t now = plat_clock_monotonic_ns();
	arp_asked_at = now ? now : 1;
}

static int arp_urgent(uint64_t now)
{
	return arp_asked_at && now - arp_asked_at < ARP_ASK_NS;
}

static int dhcp_asking(void)
{
	for (int i = 0; i < nnet; i++) {
		const struct dhcp *d = netif_dhcp_data(&netifs[i]);
		if (d && d->request_timeout)
			return 1;
	}
	return 0;
}

static int igmp_pending(void)
{
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		for (const struct igmp_group *g = netif_igmp_data(nif); g; g = g->next)
			if (g->timer)
				return 1;
	}
	return 0;
}

/* Runs what is due; returns when next something is (TC_NO_DEADLINE: nothing). */
static uint64_t timers(uint64_t now)
{
	uint64_t next = TC_NO_DEADLINE;
	/* ARP: due ticks, at most as many as age every entry out. */
	if (now >= arp_next) {
		uint64_t due = (now - arp_next) / (ARP_TMR_INTERVAL * MS) + 1;
		for (uint64_t i = 0; i < due && i < ARP_MAXAGE + 10; i++)
			etharp_tmr();
		arp_next += due * ARP_TMR_INTERVAL * MS;
	}
	if (arp_urgent(now) && arp_next < next)
		next = arp_next;
	if (tcp_active_pcbs || tcp_tw_pcbs) {
		if (!tcp_next)
			tcp_next = now + TCP_TMR_INTERVAL * MS;
		if (now >= tcp_next) {
			tcp_tmr();
			tcp_next += TCP_TMR_INTERVAL * MS;
			if (tcp_next <= now)
				tcp_next = now + TCP_TMR_INTERVAL * MS;
		}
		/* tcp_tmr may have closed the last one. */
		if (!tcp_active_pcbs && !tcp_tw_pcbs)
			tcp_next = 0;
		else if (tcp_next < next)
			next = tcp_next;
	} else {
		tcp_next = 0;
	}
	if (reass_until > now) {
		if (!reass_next)
			reass_next = now + IP_TMR_INTERVAL * MS;
		if (now >= reass_next) {
			ip_reass_tmr();
			reass_next = now + IP_TMR_INTERVAL * MS;
		}
		if (reass_next < next)
			next = reass_next;
	} else {
		reass_next = 0;
	}
	if (use_dhcp) {
		if (now >= dhcp_coarse_next) {
			if (dhcp_coarse_next)
				dhcp_coarse_tmr();
			dhcp_coarse_next = now + DHCP_COARSE_TIMER_MSECS * MS;
		}
		if (dhcp_coarse_next < next)
			next = dhcp_coarse_next;
		if (dhcp_asking()) {
			if (!dhcp_fine_next)
				dhcp_fine_next = now + DHCP_FINE_TIMER_MSECS * MS;
			if (now >= dhcp_fine_next) {
				dhcp_fine_tmr();
				dhcp_fine_next = now + DHCP_FINE_TIMER_MSECS * MS;
			}
			if (dhcp_asking() && dhcp_fine_next < next)
				next = dhcp_fine_next;
		} else {
			dhcp_fine_next = 0;
		}
	}
	if (igmp_pending()) {
		if (!igmp_next)
			igmp_next = now + IGMP_TMR_INTERVAL * MS;
		if (now >= igmp_next) {
			igmp_tmr();
			igmp_next = now + IGMP_TMR_INTERVAL * MS;
		}
		if (igmp_pending() && igmp_next < next)
			next = igmp_next;
	} else {
		igmp_next = 0;
	}
	uint64_t next6 = tc_ip6_timers(now);
	return next6 < next ? next6 : next;
}

/* A received IPv4 fragment: reassembly is under way. */
static void frag_seen(const uint8_t *f, size_t len)
{
	if (len >= 34 && f[12] == 8 && !f[13] && ((f[20] & 0x3f) || f[21]))
		reass_until = plat_clock_monotonic_ns() + (IP_REASS_MAXAGE + 1) * IP_TMR_INTERVAL * MS;
}

static void arp_seen(const uint8_t *f, size_t len, int sent)
{
	if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[20] != 0 || f[21] != (sent ? 1 : 2))
		return;
	uint32_t sender, target;
	memcpy(&sender, f + 28, 4);
	memcpy(&target, f + 38, 4);
	if (sent && (!sender || sender == target))
		return; /* gratuitous, or a probe: no entry waits for it */
	if (sent)
		arp_asked();
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
	if (netfn_only & 1u << dev)
		return ERR_IF; /* the raw-frame API has it (netfn.c) */
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
	/* IGMP: every frame reaches the guest (a tap filters none, nor does
	 * the pc platform's virtio-net, which QEMU starts promiscuous), so
	 * no MAC filter is needed. */
	nif->flags =
	    NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP | NETIF_FLAG_IGMP;
	NETIF_SET_CHECKSUM_CTRL(nif, csum_ctrl(nif, 0));
	return ERR_OK;
}

/* Feed what arrived into lwIP and run its timers. */
static uint64_t timers_next;

static void net_poll(void)
{
	/* First the ARP ticks counted while the guest slept (timers()). */
	timers(plat_clock_monotonic_ns());
	stream_output();
	/* Devices the raw-frame API took (TC_NETFN_ONLY): their netif goes
	 * down (no route through it, no ARP), their frames stay for netfn. */
	static unsigned taken;
	for (int i = 0; i < nnet; i++)
		if ((netfn_only ^ taken) & 1u << i) {
			if (netfn_only & 1u << i)
				netif_set_down(&netifs[i]);
			else
				netif_set_up(&netifs[i]);
		}
	taken = netfn_only;
	for (int i = 0; i < nnet; i++) {
		if (netfn_only & 1u << i)
			continue;
		/* A frame may come in pieces (the host's merged TCP segments,
		 * IPv4 only): gathered into one pbuf of its IP length. */
		const uint8_t *piece;
		size_t len, at = 0;
		unsigned fl;
		struct pbuf *p = NULL;
		int vouched = 0, bad = 0;
		while ((piece = plat_net_recv(i, &len, &fl))) {
			if (!p && !bad && !(fl & PLAT_NET_MORE) && (netfn_beside & 1u << i))
				netfn_copy(i, piece, len); /* before lwIP, which may change it */
			if (!p && !bad) {
				arp_seen(piece, len, 0);
				frag_seen(piece, len);
				tc_ip6_frame_seen(piece, len);
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
				struct netif *to = tc_netcfg_input(i, &netifs[i], p->payload, p->len);
				NETIF_SET_CHECKSUM_CTRL(to, csum_ctrl(to, vouched));
				if (to->input(p, to) == ERR_OK)
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
	uint64_t now = plat_clock_monotonic_ns();
	timers_next = timers(now);
	static uint64_t trimmed;
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
	return timers_next;
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
		if (!(netfn_only & 1u << i))
			ev |= PLAT_EV_NET(i);
	return ev;
}

static const struct tc_io net_io = { net_poll, net_deadline, net_events, net_waiting };

/*
 * The guest is exiting: as when a Linux process exits, its connections
 * close (a FIN each, sent now; lwIP answers with a RST what it cannot close
 * cleanly), and what is still queued for the wire leaves before the
 * platform ends the guest, including frames waiting for an ARP answer
 * (for at most ARP_EXIT_WAIT_NS after their request) or for neighbour
 * discovery (at most ARP_EXIT_WAIT_NS after the exit began).  Peers see the end
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
	/* Timers due now (a neighbour's solicitation may be among them). */
	timers_next = timers(plat_clock_monotonic_ns());
	/* Only requests made before now, and at most ARP_EXIT_WAIT_NS in all:
	 * a peer that keeps the guest asking (SYNs from new addresses) must
	 * not keep it from ending. */
	uint64_t start = plat_clock_monotonic_ns();
	for (;;) {
		queued = 0;
		tc_offload_flush();
		plat_net_flush();
		uint64_t now = plat_clock_monotonic_ns(), until = arp_wait_until(now, start);
		/* IPv6's neighbour discovery: frames wait while it asks. */
		if (tc_ip6_resolving())
			until = start + ARP_EXIT_WAIT_NS;
		if (until > start + ARP_EXIT_WAIT_NS)
			until = start + ARP_EXIT_WAIT_NS;
		if (!until || now >= until)
			break;
		plat_wait(timers_next < until ? timers_next : until, net_events());
		net_poll();
	}
}

void tincan_isn_rekey(void); /* isn.c */

/* Called by libos_restored when the guest was restored from a snapshot,
 * the platform's devices already the new host's (empty rings, new MAC and
 * addresses): open connections end (listening sockets stay), new keys and
 * ephemeral ports (lwIP draws those once, in
 * tcp_init and udp_init), the new MAC in each netif, neighbours forgotten,
 * and the new address announced (gratuitous ARP), or DHCP from the start
 * (a new transaction id; no release of the snapshot's lease, which other
 * restores may hold). */
void __tincan_net_restored(void);
void __tincan_net_restored(void)
{
	/* Connections end as if they had timed out (ETIMEDOUT), without a
	 * reset: their peers talked to the VM that was snapshotted. */
	while (tcp_active_pcbs)
		tcp_abandon(tcp_active_pcbs, 0);
	while (tcp_tw_pcbs)
		tcp_abandon(tcp_tw_pcbs, 0);
	tincan_isn_rekey();
	dns_restored();
	tcp_init();
	udp_init();
	memset(arp_waits, 0, sizeof arp_waits);
	arp_asked_at = 0;
	dhcp_fine_next = dhcp_coarse_next = 0;
	for (int i = 0; i < nnet; i++) {
		const struct plat_net_info *info = plat_net_info(i);
		struct netif *nif = &netifs[i];
		struct dhcp *d = netif_dhcp_data(nif);
		etharp_cleanup_netif(nif);
		memcpy(nif->hwaddr, info->mac, 6);
		if (d && info->ip4) {
			d->state = DHCP_STATE_INIT; /* no lease: stopped without a release */
			dhcp_stop(nif);
		}
		ip4_addr_t ip, mask, gw;
		ip4_addr_set_u32(&ip, info->ip4);
		ip4_addr_set_u32(&mask, info->prefix ? lwip_htonl(0xffffffffu << (32 - info->prefix)) : 0);
		ip4_addr_set_u32(&gw, info->gw4);
		netif_set_addr(nif, &ip, &mask, &gw);
		tc_ip6_restored(nif);
	}
	/* The restore's --ip and --route (the boot info's address wins). */
	unsigned have = tc_netcfg_apply(netifs, nnet, 1, netif_setup);
	for (int i = 0; i < nnet; i++) {
		if (have >> i & 1) {
			etharp_gratuitous(&netifs[i]);
		} else {
			use_dhcp = 1;
			dhcp_start(&netifs[i]);
		}
	}
	arp_next = plat_clock_monotonic_ns() + ARP_TMR_INTERVAL * MS;
	timers_next = timers(plat_clock_monotonic_ns());
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
		nnet++;
		tc_ip6_start(&netifs[i]);
	}
	/* Every --ip and --route; DHCP for a device left with no IPv4 address. */
	unsigned have = tc_netcfg_apply(netifs, nnet, 0, netif_setup);
	for (int i = 0; i < nnet; i++)
		if (!(have >> i & 1)) {
			use_dhcp = 1;
			dhcp_start(&netifs[i]);
		}
	arp_next = plat_clock_monotonic_ns() + ARP_TMR_INTERVAL * MS;
	timers_next = timers(plat_clock_monotonic_ns());
	tc_sched_add_io(&net_io);
	netfn_stack_sync = net_waiting;
	atexit(net_exit);
}

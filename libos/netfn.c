/*
 * <tincan/netfn.h>: whole Ethernet frames on a named NIC (docs/netfn.md).
 * A handle is its device's number.  In libos.o, not in the socket stack's
 * object: an app that only uses netfn links no lwIP, and then opens the
 * platform's device itself.  With the stack linked (it opened every device
 * before main), a TC_NETFN_ONLY handle takes the device from it (the stack
 * skips it: net/stack.c), and a handle beside it gets copies of the frames
 * the stack reads (netfn_copy), queued here.
 *
 * ONLY handles are zero-copy: a batch is the platform's receive buffers
 * themselves, held until the next recv or release (plat_net_recv holds
 * many).  Waiting blocks in the scheduler on the devices' events and, for
 * beside handles, on a wait queue netfn_copy wakes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tincan/netfn.h>

#include "internal.h"
#include "netfn_stack.h"
#include "sched.h"

extern void __tincan_net_start(void) __attribute__((weak)); /* the stack, if linked */

#define ETH_HLEN 14
#define QN 128 /* copies a beside handle queues */
#define SLOT 1536 /* bytes each: a whole frame of MTU 1500 and more */

struct handle {
	unsigned flags;
	int pieces; /* in the middle of a frame in pieces (dropped) */
	struct tc_netfn_stats st;
	/* Beside the stack: copies in slots, [held, head) handed out by the
	 * last recv, [head, tail) waiting. */
	uint8_t *q;
	uint32_t qlen[QN];
	unsigned held, head, tail;
};

unsigned netfn_only, netfn_beside;
void (*netfn_stack_sync)(void);
static unsigned opened, plat_opened;
static struct handle hs[PLAT_NET_MAX];
static struct tc_waitq copies; /* threads waiting for a beside handle's copy */
/* Devices with frames queued since the last flush, and those the
 * platform wait under way wants (a kvm wait sends only theirs). */
static unsigned queued, covered;

static int stack_linked(void)
{
	return __tincan_net_start != NULL;
}

static struct handle *get(int h)
{
	return h >= 0 && h < PLAT_NET_MAX && (opened & 1u << h) ? &hs[h] : NULL;
}

/* Not promiscuous: the NIC's own MAC, broadcast and multicast (the
 * group bit) only. */
static int wanted(int dev, const struct handle *h, const uint8_t *f)
{
	return (h->flags & TC_NETFN_PROMISC) || (f[0] & 1) || !memcmp(f, plat_net_info(dev)->mac, 6);
}

/* The scheduler is about to wait in the platform, which sends what is
 * queued on the devices it wants: the rest leave now. */
static void netfn_waiting(void)
{
	if (queued & ~covered)
		plat_net_flush();
	queued = 0;
}

static void netfn_poll(void)
{
}

static const struct tc_io netfn_io = { netfn_poll, NULL, NULL, netfn_waiting };

/* Frames queued when the app exits still leave, as a process's do. */
static void flush_at_exit(void)
{
	if (queued)
		tc_netfn_flush();
}

int tc_netfn_open(const char *name, unsigned flags)
{
	if (flags & ~(TC_NETFN_ONLY | TC_NETFN_PROMISC))
		return sys_fail(EINVAL);
	int n = plat_net_count(), dev = 0;
	while (name && dev < n && strncmp(plat_net_info(dev)->name, name, sizeof plat_net_info(dev)->name))
		dev++;
	if (!name || dev == n || dev >= PLAT_NET_MAX)
		return sys_fail(ENODEV);
	if (opened & 1u << dev)
		return sys_fail(EBUSY);
	struct handle *h = &hs[dev];
	memset(h, 0, sizeof *h);
	/* Without the stack nothing is beside: the handle has the device. */
	if (!stack_linked())
		flags |= TC_NETFN_ONLY;
	if (!(flags & TC_NETFN_ONLY) && !(h->q = malloc((size_t)QN * SLOT)))
		return sys_fail(ENOMEM);
	if (!stack_linked() && !(plat_opened & 1u << dev)) {
		/* The platform never allocates: its rings and buffers come from here. */
		const struct plat_net_info *info = plat_net_info(dev);
		void *mem = aligned_alloc(64, (info->mem + 63) & ~(size_t)63);
		int r = mem ? plat_net_open(dev, mem) : -ENOMEM;
		if (r) {
			free(mem);
			return sys_fail(-r);
		}
		plat_opened |= 1u << dev;
	}
	/* Whole frames as on the wire: no merged segments, no checksum left
	 * to the host (an older kvm monitor cannot: then frames in pieces are
	 * dropped, and a TCP checksum may be the pseudo-header's only). */
	if (netfn_stack_sync)
		netfn_stack_sync();
	int r = plat_net_raw(dev);
	if (r && r != -ENOSYS) {
		free(h->q);
		return sys_fail(-r);
	}
	if (!opened) {
		atexit(flush_at_exit);
		tc_sched_add_io(&netfn_io);
	}
	h->flags = flags;
	opened |= 1u << dev;
	if (flags & TC_NETFN_ONLY)
		netfn_only |= 1u << dev;
	else
		netfn_beside |= 1u << dev;
	return dev;
}

int tc_netfn_info(int h, struct tc_netfn_info *info)
{
	if (!get(h))
		return sys_fail(EBADF);
	const struct plat_net_info *p = plat_net_info(h);
	memset(info, 0, sizeof *info);
	memcpy(info->name, p->name, sizeof info->name);
	info->name[sizeof info->name - 1] = '\0';
	memcpy(info->mac, p->mac, 6);
	info->mtu = p->mtu ? p->mtu : 1500;
	info->index = h + 1; /* netif.c */
	return 0;
}

void netfn_copy(int dev, const void *frame, size_t len)
{
	struct handle *h = get(dev);
	if (!h || !h->q || len < ETH_HLEN || !wanted(dev, h, frame))
		return;
	if (len > SLOT || h->tail - h->held == QN) {
		h->st.rx_dropped++;
		return;
	}
	memcpy(h->q + (size_t)(h->tail % QN) * SLOT, frame, len);
	h->qlen[h->tail++ % QN] = (uint32_t)len;
	tc_wake_all(&copies);
}

void tc_netfn_release(int h)
{
	struct handle *p = get(h);
	if (!p)
		return;
	if (p->q)
		p->held = p->head;
	else
		plat_net_release(h);
}

int tc_netfn_recv(int h, struct tc_frame *f, unsigned max)
{
	struct handle *p = get(h);
	if (!p)
		return sys_fail(EBADF);
	tc_netfn_release(h);
	unsigned n = 0;
	if (p->q) {
		for (; n < max && p->head != p->tail; n++, p->head++) {
			f[n].data = p->q + (size_t)(p->head % QN) * SLOT;
			f[n].len = p->qlen[p->head % QN];
			p->st.rx_bytes += f[n].len;
		}
		p->st.rx_frames += n;
		return (int)n;
	}
	const uint8_t *fr;
	size_t len;
	unsigned fl;
	/* Every frame seen is held until the next release, those not handed
	 * out too (a filtered one, a runt, a frame in pieces). */
	while (n < max && (fr = plat_net_recv(h, &len, &fl))) {
		if (p->pieces || (fl & PLAT_NET_MORE)) {
			/* Longer than a buffer (the host's merged segments): not
			 * a frame of the wire; dropped whole. */
			p->pieces = fl & PLAT_NET_MORE;
			if (!p->pieces)
				p->st.rx_dropped++;
			continue;
		}
		if (len < ETH_HLEN) {
			p->st.rx_dropped++;
			continue;
		}
		if (!wanted(h, p, fr))
			continue;
		f[n].data = (void *)(uintptr_t)fr;
		f[n++].len = (uint32_t)len;
		p->st.rx_bytes += len;
	}
	p->st.rx_frames += n;
	return (int)n;
}

int tc_netfn_send(int h, const struct tc_frame *f, unsigned n)
{
	struct handle *p = get(h);
	if (!p)
		return sys_fail(EBADF);
	size_t max = (size_t)(plat_net_info(h)->mtu ? plat_net_info(h)->mtu : 1500) + ETH_HLEN;
	for (unsigned i = 0; i < n; i++)
		if (f[i].len < ETH_HLEN || f[i].len > max)
			return sys_fail(EMSGSIZE);
	unsigned i = 0;
	int flushed = 0, r = 0;
	for (; i < n; i++) {
		struct plat_net_piece v = { f[i].data, f[i].len };
		r = plat_net_send(h, &v, 1, NULL);
		if (r == -EAGAIN && !flushed) {
			/* The ring is full: push it out once, then there is room. */
			plat_net_flush();
			flushed = 1;
			r = plat_net_send(h, &v, 1, NULL);
		}
		if (r)
			break;
		p->st.tx_frames++;
		p->st.tx_bytes += f[i].len;
		queued |= 1u << h;
	}
	if (r && r != -EAGAIN && !i)
		return sys_fail(-r);
	p->st.tx_full += n - i;
	return (int)i;
}

void tc_netfn_flush(void)
{
	if (!opened)
		return;
	queued = 0;
	plat_net_flush();
}

/* The beside handles of mask with copies waiting. */
static unsigned copies_ready(unsigned mask)
{
	unsigned ready = 0;
	for (int d = 0; d < PLAT_NET_MAX; d++)
		if ((mask & 1u << d) && hs[d].head != hs[d].tail)
			ready |= 1u << d;
	return ready;
}

unsigned tc_netfn_wait(const int *h, unsigned n, int64_t timeout_ns)
{
	uint64_t now = plat_clock_monotonic_ns();
	uint64_t deadline = timeout_ns < 0 ? TC_NO_DEADLINE : now + (uint64_t)timeout_ns;
	unsigned events = 0, beside = 0;
	for (unsigned i = 0; i < n; i++) {
		struct handle *p = get(h[i]);
		if (p && p->q)
			beside |= 1u << h[i];
		else if (p)
			events |= PLAT_EV_NET(h[i]);
	}
	if (!events && !beside) {
		/* No open handle: nothing can come. */
		if (deadline != TC_NO_DEADLINE)
			tc_block(NULL, deadline, 0);
		return 0;
	}
	for (;;) {
		unsigned ready = copies_ready(beside);
		long r = 0;
		/* The devices whose frames a platform wait for these sends:
		 * ours, and the stack's (it wants every device beside it). */
		unsigned mine = (events >> 8) & ((1u << PLAT_NET_MAX) - 1);
		if (!ready && deadline <= now && events) {
			/* A poll: the devices' rings, not the scheduler's clock.
			 * (Their events are level-triggered: another thread
			 * waiting for them loses none.) */
			if (queued & ~mine)
				tc_netfn_flush();
			queued = 0;
			r = (long)plat_wait(0, events);
		} else if (!ready) {
			/* The platform's wait sends what is queued (netfn_waiting);
			 * if other threads run first, it leaves now. */
			if (queued && !tc_alone())
				tc_netfn_flush();
			covered = mine | netfn_beside;
			r = tc_block(beside ? &copies : NULL, deadline, events);
			covered = 0;
		}
		for (int d = 0; r > 0 && d < PLAT_NET_MAX; d++)
			if ((unsigned long)r & events & PLAT_EV_NET(d))
				ready |= 1u << d;
		ready |= copies_ready(beside);
		now = plat_clock_monotonic_ns();
		/* (r < 0: a signal handler ran: the caller looks at what it
		 * did, as after EINTR, even with no timeout.) */
		if (ready || now >= deadline || r < 0) {
			/* Woken without a wait in the platform: send now. */
			if (queued)
				tc_netfn_flush();
			return ready;
		}
	}
}

int tc_netfn_stats(int h, struct tc_netfn_stats *s)
{
	struct handle *p = get(h);
	if (!p)
		return sys_fail(EBADF);
	*s = p->st;
	return 0;
}

/*
 * Net devices: a tap per device, moved to and from the guest's ring in
 * batches (see abi.h).  The monitor keeps its own copies of the consumer
 * indices and of the ring's address; every producer index, descriptor,
 * address and length the guest writes is checked before use, and a lie
 * stops the guest (TC_STATUS_ABI).
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "monitor.h"

struct net_dev {
	char tap[IFNAMSIZ];
	int fd;
	struct tc_net_ring *ring; /* host address, checked at setup; NULL until then */
	uint32_t tx_cons, rx_cons;
};

static struct net_dev devs[TC_NET_DEV_MAX];
static unsigned ndevs;

int net_fd(int i)
{
	return i >= 0 && (unsigned)i < ndevs ? devs[i].fd : -1;
}

static int hexdigit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* "02:00:00:00:00:01"; no scanf: it would double the monitor's size. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++, s += 3) {
		int hi = hexdigit(s[0]), lo = hexdigit(s[1]);
		if (hi < 0 || lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return (mac[0] & 1) ? -1 : 0; /* a multicast address cannot be a station's */
}

static int open_tap(const char *name)
{
	struct ifreq ifr;
	int fd;

	/* TUNSETIFF would create a missing tap: check first, so a typo is an error. */
	if (if_nametoindex(name) == 0)
		die(TC_STATUS_USAGE, "tap device '%s' does not exist (create it with: ip tuntap add %s mode tap)", name,
		    name);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die(TC_STATUS_HOST, "cannot open /dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EBUSY)
			die(TC_STATUS_USAGE, "tap device '%s' is busy (another process has it open)", name);
		if (errno == EINVAL)
			die(TC_STATUS_USAGE, "'%s' is not a tap device", name);
		die(TC_STATUS_HOST, "cannot attach tap device '%s': %s", name, strerror(errno));
	}
	return fd;
}

/* The manifest's index of the net device called name, or -1. */
static int declared(const struct tc_manifest *m, const char *name, char *list, size_t len)
{
	int found = -1;
	size_t at = 0;
	list[0] = '\0';
	for (uint32_t i = 0; i < m->ndevices; i++) {
		if (m->devices[i].type != TC_DEV_NET)
			continue;
		at += (size_t)snprintf(list + at, at < len ? len - at : 0, "%s%s", at ? ", " : "", m->devices[i].name);
		if (strcmp(m->devices[i].name, name) == 0)
			found = (int)i;
	}
	if (!list[0])
		snprintf(list, len, "none");
	return found;
}

static int count_net(const struct tc_manifest *m)
{
	int n = 0;
	for (uint32_t i = 0; i < m->ndevices; i++)
		n += m->devices[i].type == TC_DEV_NET;
	return n;
}

static const char *only_net(const struct tc_manifest *m)
{
	for (uint32_t i = 0; i < m->ndevices; i++)
		if (m->devices[i].type == TC_DEV_NET)
			return m->devices[i].name;
	return NULL;
}

void net_configure(struct vm *vm, const struct options *o, struct tc_boot_info *bi)
{
	const struct tc_manifest *m = vm->img.manifest;
	char list[TC_MFT_DEVICES_MAX * (TC_MFT_DEVNAME_MAX + 2) + 8];

	for (int i = 0; i < o->nnet; i++) {
		char name[TC_MFT_DEVNAME_MAX];
		const char *arg = o->net[i], *colon = strchr(arg, ':'), *tap;
		if (colon) {
			if ((size_t)(colon - arg) >= sizeof name || colon == arg)
				die(TC_STATUS_USAGE, "invalid --net=%s: expected NAME:TAP or TAP", arg);
			memcpy(name, arg, (size_t)(colon - arg));
			name[colon - arg] = '\0';
			tap = colon + 1;
		} else {
			if (count_net(m) != 1)
				die(TC_STATUS_USAGE, "--net=%s: %s declares %d net devices (%s): pass --net=NAME:TAP",
				    arg, vm->image_path, count_net(m), (declared(m, "", list, sizeof list), list));
			snprintf(name, sizeof name, "%s", only_net(m));
			tap = arg;
		}
		if (!*tap || strlen(tap) >= IFNAMSIZ)
			die(TC_STATUS_USAGE, "invalid tap name in --net=%s", arg);
		if (declared(m, name, list, sizeof list) < 0)
			die(TC_STATUS_USAGE, "--net=%s: %s declares no net device '%s' (it declares: %s)", arg,
			    vm->image_path, name, list);
		for (unsigned j = 0; j < ndevs; j++)
			if (strcmp(bi->net[j].name, name) == 0 || strcmp(devs[j].tap, tap) == 0)
				die(TC_STATUS_USAGE, "--net=%s: device or tap given twice", arg);
		struct tc_boot_net *bn = &bi->net[ndevs];
		struct net_dev *d = &devs[ndevs];
		snprintf(bn->name, sizeof bn->name, "%s", name);
		snprintf(d->tap, sizeof d->tap, "%s", tap);
		d->fd = open_tap(tap);
		bn->mtu = 1500;
		/* A random locally administered unicast MAC unless one is given. */
		if (getrandom(bn->mac, 6, 0) != 6)
			die(TC_STATUS_HOST, "getrandom: %s", strerror(errno));
		bn->mac[0] = (uint8_t)((bn->mac[0] & 0xfc) | 0x02);
		ndevs++;
	}
	for (int i = 0; i < o->nmac; i++) {
		const char *arg = o->net_mac[i], *colon = strchr(arg, ':');
		/* NAME:MAC has a name before a MAC's five colons. */
		int named = colon && strchr(colon + 1, ':') && strlen(colon + 1) == 17;
		unsigned j = 0;
		if (named) {
			for (j = 0; j < ndevs; j++)
				if (strncmp(bi->net[j].name, arg, (size_t)(colon - arg)) == 0 &&
				    bi->net[j].name[colon - arg] == '\0')
					break;
		} else if (ndevs != 1) {
			j = ndevs;
		}
		if (j == ndevs)
			die(TC_STATUS_USAGE, "--net-mac=%s: no such attached net device (use NAME:MAC)", arg);
		if (parse_mac(named ? colon + 1 : arg, bi->net[j].mac) < 0)
			die(TC_STATUS_USAGE, "--net-mac=%s: expected a unicast MAC like 02:00:00:00:00:01", arg);
	}
	if ((o->ip || o->gw) && ndevs == 0)
		die(TC_STATUS_USAGE, "--ip and --gw need a --net device");
	if (o->ip) {
		char addr[64];
		const char *slash = strchr(o->ip, '/');
		unsigned prefix = 24;
		struct in_addr a;
		size_t alen = slash ? (size_t)(slash - o->ip) : strlen(o->ip);
		char *end = NULL;
		if (slash)
			prefix = (unsigned)strtoul(slash + 1, &end, 10);
		if (alen >= sizeof addr || (slash && (end == slash + 1 || *end || prefix > 32)))
			die(TC_STATUS_USAGE, "invalid --ip=%s: expected ADDRESS/PREFIX like 10.0.0.2/24", o->ip);
		memcpy(addr, o->ip, alen);
		addr[alen] = '\0';
		if (inet_pton(AF_INET, addr, &a) != 1 || a.s_addr == 0)
			die(TC_STATUS_USAGE, "invalid --ip=%s: expected ADDRESS/PREFIX like 10.0.0.2/24", o->ip);
		bi->net[0].ip4 = a.s_addr;
		bi->net[0].prefix = prefix;
	}
	if (o->gw) {
		struct in_addr a;
		if (inet_pton(AF_INET, o->gw, &a) != 1)
			die(TC_STATUS_USAGE, "invalid --gw=%s: expected an IPv4 address", o->gw);
		bi->net[0].gw4 = a.s_addr;
	}
	bi->nnet = ndevs;
}

void net_setup(struct vm *vm, uint64_t gpa)
{
	struct tc_hc_net_setup *a = (gpa % 8) ? NULL : gm_ptr(&vm->gm, gpa, sizeof *a, GM_R | GM_W);
	if (!a)
		guest_fatal(vm, TC_STATUS_ABI, "guest passed a bad argument address 0x%llx to hypercall net_setup",
			    (unsigned long long)gpa);
	if (a->dev >= ndevs) {
		a->ret = -TC_EINVAL;
		return;
	}
	struct tc_net_ring *r = (a->ring % 8) ? NULL : gm_ptr(&vm->gm, a->ring, sizeof *r, GM_R | GM_W);
	if (!r)
		guest_fatal(vm, TC_STATUS_ABI,
			    "guest passed a bad net ring address 0x%llx (must be %zu writable bytes)",
			    (unsigned long long)a->ring, sizeof *r);
	struct net_dev *d = &devs[a->dev];
	d->ring = r;
	d->tx_cons = r->tx_prod;
	d->rx_cons = r->rx_prod;
	r->tx_cons = d->tx_cons;
	r->rx_cons = d->rx_cons;
	a->ret = 0;
}

static void lie(struct vm *vm, unsigned dev, const char *what, uint64_t v)
{
	guest_fatal(vm, TC_STATUS_ABI, "guest's net ring %u: %s (0x%llx)", dev, what, (unsigned long long)v);
}

static void send_queued(struct vm *vm, unsigned i)
{
	struct net_dev *d = &devs[i];
	struct tc_net_ring *r = d->ring;
	uint32_t prod = __atomic_load_n(&r->tx_prod, __ATOMIC_ACQUIRE);

	if (prod - d->tx_cons > TC_NET_RING)
		lie(vm, i, "more frames queued than the ring holds", prod - d->tx_cons);
	for (; d->tx_cons != prod; d->tx_cons++) {
		struct tc_net_desc desc = r->tx[d->tx_cons % TC_NET_RING];
		if (desc.flags)
			lie(vm, i, "unknown tx descriptor flags", desc.flags);
		if (desc.len < TC_NET_FRAME_MIN || desc.len > TC_NET_FRAME_MAX)
			lie(vm, i, "tx frame length out of range", desc.len);
		const void *p = gm_ptr(&vm->gm, desc.addr, desc.len, GM_R);
		if (!p)
			lie(vm, i, "tx frame outside readable guest memory", desc.addr);
		ssize_t n;
		do
			n = write(d->fd, p, desc.len);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)desc.len)
			r->tx_dropped++;
	}
	r->tx_cons = d->tx_cons;
}

static int receive(struct vm *vm, unsigned i)
{
	struct net_dev *d = &devs[i];
	struct tc_net_ring *r = d->ring;
	uint32_t prod = __atomic_load_n(&r->rx_prod, __ATOMIC_ACQUIRE);
	int got = 0;

	if (prod - d->rx_cons > TC_NET_RING)
		lie(vm, i, "more rx buffers posted than the ring holds", prod - d->rx_cons);
	for (; d->rx_cons != prod; d->rx_cons++) {
		struct tc_net_desc *slot = &r->rx[d->rx_cons % TC_NET_RING];
		struct tc_net_desc desc = *slot;
		if (desc.flags)
			lie(vm, i, "unknown rx descriptor flags", desc.flags);
		if (desc.len < TC_NET_FRAME_MAX)
			lie(vm, i, "rx buffer smaller than a frame", desc.len);
		void *p = gm_ptr(&vm->gm, desc.addr, TC_NET_FRAME_MAX, GM_W);
		if (!p)
			lie(vm, i, "rx buffer outside writable guest memory", desc.addr);
		ssize_t n;
		do
			n = read(d->fd, p, TC_NET_FRAME_MAX);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN)
			die(TC_STATUS_HOST, "tap device '%s' failed: %s (was it deleted?)", d->tap, strerror(errno));
		if (n <= 0)
			break;
		slot->len = (uint32_t)n;
		got++;
	}
	__atomic_store_n(&r->rx_cons, d->rx_cons, __ATOMIC_RELEASE);
	return got;
}

uint64_t net_io(struct vm *vm, uint64_t mask)
{
	uint64_t got = 0;
	for (unsigned i = 0; i < ndevs; i++) {
		if (!(mask & (1ULL << i)) || !devs[i].ring)
			continue;
		send_queued(vm, i);
		if (receive(vm, i))
			got |= 1ULL << i;
	}
	return got;
}

void net_hc_io(struct vm *vm, uint64_t gpa)
{
	struct tc_hc_net_io *a = (gpa % 8) ? NULL : gm_ptr(&vm->gm, gpa, sizeof *a, GM_R | GM_W);
	if (!a)
		guest_fatal(vm, TC_STATUS_ABI, "guest passed a bad argument address 0x%llx to hypercall net_io",
			    (unsigned long long)gpa);
	if (a->devs >> ndevs)
		guest_fatal(vm, TC_STATUS_ABI, "guest asked net_io for devices it has not got (0x%llx)",
			    (unsigned long long)a->devs);
	a->ret = (int64_t)net_io(vm, a->devs);
}

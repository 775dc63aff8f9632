/*
 * Tap attach: the --net, --net-mac, --ip, --gw and --route options, matched against
 * the net devices the image's manifest declares; each attached device gets
 * a tap fd and its entry in the boot info.  Frames move in net.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <unistd.h>

#include "options.h"

#include "netopt.h"

#include "module.h"
#include "monitor.h"
#include "net.h"

struct net_dev net_devs[TC_NET_DEV_MAX];
unsigned net_ndevs;

static const char *net_arg[TC_NET_DEV_MAX]; /* --net=[NAME:]TAP */
static const char *mac_arg[TC_NET_DEV_MAX]; /* --net-mac=[NAME:]MAC */
static const char *spoof_arg[TC_NET_DEV_MAX]; /* --net-allow-spoof=NAME */
static int nnet, nmac, nspoof;

static int opt_net(const char *v, char *err, size_t errlen)
{
	if (nnet == TC_NET_DEV_MAX) {
		snprintf(err, errlen, "more than %d --net options", TC_NET_DEV_MAX);
		return -1;
	}
	net_arg[nnet++] = v;
	return 0;
}

static int opt_mac(const char *v, char *err, size_t errlen)
{
	if (nmac == TC_NET_DEV_MAX) {
		snprintf(err, errlen, "more than %d --net-mac options", TC_NET_DEV_MAX);
		return -1;
	}
	mac_arg[nmac++] = v;
	return 0;
}

static int opt_spoof(const char *v, char *err, size_t errlen)
{
	if (nspoof == TC_NET_DEV_MAX) {
		snprintf(err, errlen, "more than %d --net-allow-spoof options", TC_NET_DEV_MAX);
		return -1;
	}
	spoof_arg[nspoof++] = v;
	return 0;
}

/* --ip, --gw and --route are checked once the devices are known
 * (configure); they reach the guest as TINCAN_IP and TINCAN_ROUTE
 * (docs/abi.md), whose room is kept here at parse time, the most each
 * valid value can take, as info_size counts it before configure writes
 * them (shorter). */
#define CFG_MAX 16
static const char *ip_arg[CFG_MAX], *rt_arg[CFG_MAX]; /* rt: --route, or --gw (marked by gw_bits) */
static unsigned nip, nrt, gw_bits;
static char ip_env[16 + CFG_MAX * NETOPT_IP_ROOM], rt_env[16 + CFG_MAX * NETOPT_RT_ROOM];
static char *const env[] = { ip_env, rt_env, NULL };

/* kind: 0 --ip, 1 --route, 2 --gw */
static int add_cfg(const char *v, int kind, char *err, size_t errlen)
{
	int ip = !kind, gw = kind == 2;
	unsigned *n = ip ? &nip : &nrt;
	char *e = ip ? ip_env : rt_env;
	size_t room = ip ? NETOPT_IP_ROOM : NETOPT_RT_ROOM;
	if (*n == CFG_MAX) {
		snprintf(err, errlen, "more than %d --ip or --route and --gw options", CFG_MAX);
		return -1;
	}
	if (!*n)
		memcpy(e, ip ? "TINCAN_IP=" : "TINCAN_ROUTE=", ip ? 10 : 13);
	memset(e + strlen(e), 'x', room);
	gw_bits |= (unsigned)gw << *n;
	(ip ? ip_arg : rt_arg)[(*n)++] = v;
	return 0;
}

static int opt_ip(const char *v, char *err, size_t errlen)
{
	return add_cfg(v, 0, err, errlen);
}

static int opt_route(const char *v, char *err, size_t errlen)
{
	return add_cfg(v, 1, err, errlen);
}

static int opt_gw(const char *v, char *err, size_t errlen)
{
	return add_cfg(v, 2, err, errlen);
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

/* What the taps take from the guest and may hand it (TC_NET_OFF_*): the
 * same for every tap. */
static unsigned offload;

/* The index of the device called name, 0 if there is none (musl's
 * if_nametoindex, without its strncpy). */
static unsigned ifindex(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
	if (s < 0)
		die(TC_STATUS_HOST, "socket: %m");
	memcpy(ifr.ifr_name, name, strlen(name));
	r = ioctl(s, SIOCGIFINDEX, &ifr);
	close(s);
	return r < 0 ? 0 : (unsigned)ifr.ifr_ifindex;
}

/* TUNSETIFF on a new /dev/net/tun fd (creating the tap if ifr names none;
 * with excl IFF_TUN_EXCL, refusing any existing device with EBUSY), then
 * the offloads: the fd, or -1 with errno set. */
static int tun_open(struct ifreq *ifr, short excl)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die(TC_STATUS_HOST, "cannot open /dev/net/tun: %m");
	ifr->ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | excl;
	if (ioctl(fd, TUNSETIFF, ifr) < 0)
		return -1;
	/* Checksums and TCP segmentation left to the host, unless --net-rate
	 * counts frames: then each frame the guest hands over is one on the
	 * wire.  A kernel without them: none. */
	if (ioctl(fd, TUNSETOFFLOAD, offload ? TUN_F_CSUM | TUN_F_TSO4 : 0) < 0)
		offload = 0;
	return fd;
}

/* --net=[NAME:]TAP: an existing tap. */
static int open_tap(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd;

	/* TUNSETIFF would create a missing tap: check first, so a typo is an error. */
	if (ifindex(name) == 0)
		die(TC_STATUS_USAGE, "tap device '%s' does not exist (create it with: ip tuntap add %s mode tap)", name,
		    name);
	memcpy(ifr.ifr_name, name, strlen(name));
	if ((fd = tun_open(&ifr, 0)) < 0) {
		if (errno == EBUSY)
			die(TC_STATUS_USAGE, "tap device '%s' is busy (another process has it open)", name);
		if (errno == EINVAL)
			die(TC_STATUS_USAGE, "'%s' is not a tap device", name);
		die(TC_STATUS_HOST, "cannot attach tap device '%s': %m", name);
	}
	return fd;
}

/* The bridge port with interface index index isolated: RTM_SETLINK
 * (AF_BRIDGE) over rtnetlink, in our own network namespace (sysfs shows
 * the namespace of whoever mounted /sys, maybe another's device of the
 * same name).  0, or -1 with errno set. */
static int isolate(int index)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr prot, iso;
		uint8_t on[4];
	} rq = { { sizeof rq, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0 },
		 { AF_BRIDGE, 0, 0, index, 0, 0 },
		 { 12, IFLA_PROTINFO | NLA_F_NESTED },
		 { 5, IFLA_BRPORT_ISOLATED },
		 { 1 } };
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr e;
	} ack;
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t n = s < 0 || send(s, &rq, sizeof rq, 0) != sizeof rq ? -1 : recv(s, &ack, sizeof ack, 0);
	if (n >= 0 && (n < (ssize_t)sizeof ack.nh + 4 || ack.nh.nlmsg_type != NLMSG_ERROR))
		n = -1, errno = EPROTO;
	else if (n >= 0 && ack.e.error)
		n = -1, errno = -ack.e.error;
	if (s >= 0)
		close(s);
	return n < 0 ? -1 : 0;
}

/* Write "1" to the file fmt names with the tap's name. */
static int put_one(const char *fmt, const char *tap)
{
	char path[112];
	snprintf(path, sizeof path, fmt, tap);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd < 0 || write(fd, "1", 1) != 1 ? -1 : close(fd);
}

#define BRIDGE_SYNTAX "expected [NAME:]bridge:BRIDGE[,tap=TAP][,isolated]"

/* --net=[NAME:]bridge:BR[,tap=TAP][,isolated] (s is what follows
 * "bridge:"): a new tap of the guest's own, named TAP (or tc0, tc1 ... as
 * the kernel picks), never an existing device.  Not persistent, so it goes
 * with the monitor's fd however the monitor ends (even SIGKILL), and its
 * bridge port with it.  Before it is up: a short tx queue (a flooded idle
 * guest queues little), no IPv6 (the host sends no solicitations into it),
 * and with isolated a bridge port that exchanges no frames with other
 * isolated ports (only with the bridge and non-isolated ports).  tap gets
 * the name. */
static int new_tap(const char *arg, const char *s, char *tap)
{
	struct ifreq ifr = { 0 };
	char br[IFNAMSIZ];
	const char *end = strchrnul(s, ',');
	size_t n = (size_t)(end - s);
	int fd, sock, isolated = 0;

	if (!n || n >= IFNAMSIZ)
		die(TC_STATUS_USAGE, "invalid --net=%s: " BRIDGE_SYNTAX, arg);
	memcpy(br, s, n);
	br[n] = '\0';
	while (*end) {
		s = end + 1;
		end = strchrnul(s, ',');
		n = (size_t)(end - s);
		if (n == 8 && memcmp(s, "isolated", 8) == 0)
			isolated = 1;
		else if (n > 4 && memcmp(s, "tap=", 4) == 0 && !*tap && n - 4 < IFNAMSIZ)
			memcpy(tap, s + 4, n - 4);
		else if (n > 4 && memcmp(s, "tap=", 4) == 0 && !*tap)
			die(TC_STATUS_USAGE, "--net=%s: a tap name has at most %d characters", arg, IFNAMSIZ - 1);
		else
			die(TC_STATUS_USAGE, "invalid --net=%s: " BRIDGE_SYNTAX, arg);
	}
	/* IFF_TUN_EXCL: the kernel refuses any device of that name (TUNSETIFF
	 * would attach to an existing tap), atomically. */
	memcpy(ifr.ifr_name, *tap ? tap : "tc%d", *tap ? strlen(tap) : 4);
	if ((fd = tun_open(&ifr, IFF_TUN_EXCL)) < 0) {
		if (errno == EBUSY)
			die(TC_STATUS_HOST, "--net=%s: a device named '%s' exists already", arg, ifr.ifr_name);
		if (errno == EPERM)
			die(TC_STATUS_HOST, "--net=%s: making a tap needs CAP_NET_ADMIN (run as root)", arg);
		die(TC_STATUS_HOST, "--net=%s: cannot make tap '%s': %m", arg, ifr.ifr_name);
	}
	memcpy(tap, ifr.ifr_name, IFNAMSIZ);
	if ((sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		die(TC_STATUS_HOST, "--net=%s: socket: %m", arg);
	ifr.ifr_qlen = 64;
	if (ioctl(sock, SIOCSIFTXQLEN, &ifr) < 0 || ioctl(sock, SIOCGIFINDEX, &ifr) < 0)
		die(TC_STATUS_HOST, "--net=%s: tap '%s': %m", arg, tap);
	memcpy(ifr.ifr_name, br, IFNAMSIZ);
	if (ioctl(sock, SIOCBRADDIF, &ifr) < 0) {
		const char *why = errno == ENODEV			   ? "does not exist"
				  : errno == EOPNOTSUPP || errno == EINVAL ? "is not a bridge"
				  : errno == EXFULL			   ? "is full (1023 ports)"
				  : errno == EPERM ? "cannot take a port without CAP_NET_ADMIN (run as root)"
						   : strerror(errno);
		die(TC_STATUS_HOST, "--net=%s: bridge '%s' %s", arg, br, why);
	}
	/* No IPv6 on the port: a host without IPv6 has no such file. */
	if (put_one("/proc/sys/net/ipv6/conf/%s/disable_ipv6", tap) < 0 && errno != ENOENT)
		die(TC_STATUS_HOST, "--net=%s: cannot turn IPv6 off on '%s': %m", arg, tap);
	/* ifr still holds the tap's index (SIOCGIFINDEX). */
	if (isolated && isolate(ifr.ifr_ifindex) < 0)
		die(TC_STATUS_HOST, "--net=%s: cannot isolate bridge port '%s': %m", arg, tap);
	memcpy(ifr.ifr_name, tap, IFNAMSIZ);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0 || (ifr.ifr_flags |= IFF_UP, ioctl(sock, SIOCSIFFLAGS, &ifr) < 0))
		die(TC_STATUS_HOST, "--net=%s: cannot bring '%s' up: %m", arg, tap);
	close(sock);
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
		memcpy(list, "none", 5);
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

/* SPEC of --net=[NAME:]SPEC: a tap, or bridge:... ("bridge:" first is
 * never a NAME: a device called bridge is named as bridge:bridge:BR). */
static const char *spec_of(const char *arg)
{
	const char *colon = strncmp(arg, "bridge:", 7) ? strchr(arg, ':') : NULL;
	return colon ? colon + 1 : arg;
}

/* Before the jail, before the manifest is known: open (or make) the taps. */
static int tap_fd[TC_NET_DEV_MAX];
static char tap_name[TC_NET_DEV_MAX][IFNAMSIZ];
static void open_taps(struct vm *vm, struct tc_boot_info *bi)
{
	(void)bi;
	offload = vm->net_rate ? 0 : TC_NET_OFF_CSUM | TC_NET_OFF_TSO4;
	for (int i = 0; i < nnet; i++) {
		const char *spec = spec_of(net_arg[i]);
		int bridge = strncmp(spec, "bridge:", 7) == 0;
		if (!bridge && (!*spec || strlen(spec) >= IFNAMSIZ))
			die(TC_STATUS_USAGE, "invalid tap name in --net=%s", net_arg[i]);
		if (!bridge)
			memcpy(tap_name[i], spec, strlen(spec));
		for (int j = 0; j < i && !bridge; j++)
			if (strcmp(tap_name[i], tap_name[j]) == 0)
				die(TC_STATUS_USAGE, "--net=%s: device or tap given twice", net_arg[i]);
		tap_fd[i] = bridge ? new_tap(net_arg[i], spec + 7, tap_name[i]) : open_tap(spec);
	}
}

static void configure(struct vm *vm, struct tc_boot_info *bi)
{
	const struct tc_manifest *m = vm->img.manifest;
	char list[TC_MFT_DEVICES_MAX * (TC_MFT_DEVNAME_MAX + 2) + 8];

	for (int i = 0; i < nnet; i++) {
		char name[TC_MFT_DEVNAME_MAX];
		const char *arg = net_arg[i];
		size_t at = (size_t)(spec_of(arg) - arg); /* NAME's length + 1, or 0 */
		if (at) {
			if (at - 1 >= sizeof name || at == 1)
				die(TC_STATUS_USAGE, "invalid --net=%s: expected NAME:TAP or TAP", arg);
			memcpy(name, arg, at - 1);
			name[at - 1] = '\0';
		} else {
			if (count_net(m) != 1)
				die(TC_STATUS_USAGE, "--net=%s: %s declares %d net devices (%s): pass --net=NAME:TAP",
				    arg, vm->image_path, count_net(m), (declared(m, "", list, sizeof list), list));
			snprintf(name, sizeof name, "%s", only_net(m));
		}
		if (declared(m, name, list, sizeof list) < 0)
			die(TC_STATUS_USAGE, "--net=%s: %s declares no net device '%s' (it declares: %s)", arg,
			    vm->image_path, name, list);
		for (unsigned j = 0; j < net_ndevs; j++)
			if (strcmp(bi->net[j].name, name) == 0)
				die(TC_STATUS_USAGE, "--net=%s: device or tap given twice", arg);
		struct tc_boot_net *bn = &bi->net[net_ndevs];
		struct net_dev *d = &net_devs[net_ndevs];
		snprintf(bn->name, sizeof bn->name, "%s", name);
		memcpy(d->tap, tap_name[i], IFNAMSIZ);
		d->fd = tap_fd[i];
		bn->mtu = 1500;
		bn->offload = d->offload = offload;
		/* A random locally administered unicast MAC unless one is given. */
		if (getrandom(bn->mac, 6, 0) != 6)
			die(TC_STATUS_HOST, "getrandom: %m");
		bn->mac[0] = (uint8_t)((bn->mac[0] & 0xfc) | 0x02);
		net_ndevs++;
	}
	for (int i = 0; i < nmac; i++) {
		const char *arg = mac_arg[i], *colon = strchr(arg, ':');
		/* NAME:MAC has a name before a MAC's five colons. */
		int named = colon && strchr(colon + 1, ':') && strlen(colon + 1) == 17;
		unsigned j = 0;
		if (named) {
			for (j = 0; j < net_ndevs; j++)
				if (strncmp(bi->net[j].name, arg, (size_t)(colon - arg)) == 0 &&
				    bi->net[j].name[colon - arg] == '\0')
					break;
		} else if (net_ndevs != 1) {
			j = net_ndevs;
		}
		if (j == net_ndevs)
			die(TC_STATUS_USAGE, "--net-mac=%s: no such attached net device (use NAME:MAC)", arg);
		if (parse_mac(named ? colon + 1 : arg, bi->net[j].mac) < 0)
			die(TC_STATUS_USAGE, "--net-mac=%s: expected a unicast MAC like 02:00:00:00:00:01", arg);
	}
	for (unsigned j = 0; j < net_ndevs; j++) {
		memcpy(net_devs[j].mac, bi->net[j].mac, 6);
		net_devs[j].rate.rate = vm->net_rate;
	}
	/* A bridge or router guest forwards others' frames: their source MACs
	 * are not its own. */
	for (int i = 0; i < nspoof; i++) {
		unsigned j = 0;
		while (j < net_ndevs && strcmp(bi->net[j].name, spoof_arg[i]))
			j++;
		if (j == net_ndevs)
			die(TC_STATUS_USAGE, "--net-allow-spoof=%s: no such attached net device", spoof_arg[i]);
		net_devs[j].spoof = 1;
	}
	if ((nip || nrt) && net_ndevs == 0)
		die(TC_STATUS_USAGE, "--ip, --gw and --route need a --net device");
	struct netopt_dev devs[TC_NET_DEV_MAX] = { 0 };
	for (unsigned j = 0; j < net_ndevs; j++)
		devs[j].name = bi->net[j].name;
	char *at[2] = { ip_env + (nip ? 10 : 0), rt_env + (nrt ? 13 : 0) };
	for (unsigned i = 0; i < nip + nrt; i++) {
		int rt = i >= nip, k = (int)(rt ? i - nip : i);
		int kind = rt ? NETOPT_ROUTE + (gw_bits >> k & 1) : NETOPT_IP;
		const char *v = rt ? rt_arg[k] : ip_arg[k], *const name[3] = { "ip", "route", "gw" };
		int w = netopt_parse(kind, v, devs, (int)net_ndevs, at[rt], k > 0);
		if (w < 0)
			die(TC_STATUS_USAGE, "invalid --%s=%s: expected %s, NAME an attached net device", name[kind], v,
			    netopt_expect[kind]);
		at[rt] += w;
	}
	for (unsigned j = 0; j < net_ndevs; j++) {
		bi->net[j].ip4 = devs[j].ip4;
		bi->net[j].prefix = devs[j].prefix;
		bi->net[j].gw4 = devs[j].gw4;
	}
	bi->nnet = net_ndevs;
}

static void fds(struct mod_fds *f)
{
	for (unsigned i = 0; i < net_ndevs; i++) {
		fds_rw(f, net_devs[i].fd, 1, 1);
		f->tap[f->ntap++] = (unsigned)net_devs[i].fd;
	}
}

static const struct mod_option options[] = {
	{ "--net-mac", opt_mac }, { "--net-allow-spoof", opt_spoof }, { "--net", opt_net }, { "--ip", opt_ip },
	{ "--gw", opt_gw },	  { "--route", opt_route },	      { NULL, NULL },
};

const struct module tap_module = {
	.options = options,
	.env = env,
	.usage = USAGE("  --net=[NAME:]TAP      attach an existing tap device to the image's net device NAME\n"
		       "                        (NAME may be left out when the image declares one)\n"
		       "  --net=[NAME:]bridge:BR[,tap=TAP][,isolated]  make a tap (TAP, or tc0, tc1 ...) on bridge\n"
		       "                        BR for NAME, gone when the run ends; isolated: a port that\n"
		       "                        exchanges no frames with the bridge's other isolated ports\n"
		       "  --net-mac=[NAME:]MAC  the guest's MAC (default: random, locally administered)\n"
		       "  --net-allow-spoof=NAME  send the guest's frames on NAME whatever their source MAC\n"
		       "                        (a bridge's; default: others are dropped; repeatable)\n"
		       "  --ip=[NAME:]ADDR/PREFIX  an IPv4 or IPv6 address of net device NAME (default: the\n"
		       "                        first); repeatable; a device with no IPv4 address uses DHCP\n"
		       "                        (NAME: only if the rest is an address; not /0, not an IPv4\n"
		       "                        subnet's network or broadcast address)\n"
		       "  --gw=[NAME:]ADDR      a default gateway, through NAME (default: the first device)\n"
		       "  --route=DEST/PREFIX[:via=GW][:dev=NAME]  a route (repeatable; via, dev or both)\n"
		       "  --dns=ADDR            a DNS server for the guest, IPv4 or IPv6 (up to 3; default: from\n"
		       "                        DHCP or an IPv6 router advertisement)\n"
		       "  --host-entry=NAME:ADDR  answer NAME with ADDR before DNS, as /etc/hosts (repeatable)\n"),
	.open = open_taps,
	.configure = configure,
	.fds = fds,
};

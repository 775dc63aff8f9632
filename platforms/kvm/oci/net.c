/*
 * The container's network, as Kata does it: in the container's netns each of
 * the image's net devices gets a tap, joined to one of the netns's interfaces
 * (the CNI veth) by tc redirects both ways, and the guest takes over that
 * interface's MAC, its IPv4 and global IPv6 addresses, and the routes
 * through it (default gateways of both families included).  The interface
 * keeps its address (a restarted container finds it again); the host's stack
 * in the netns no longer sees its frames.  ip and tc (iproute2) do the work.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

#define TAP_PREFIX "tincan"
/* What tincan-run and the guest take: --ip options in all (netcfg's
 * TINCAN_IP), IPv6 addresses per device (LWIP_IPV6_NUM_ADDRESSES less the
 * link-local one), --route and --gw options (netcfg's route table). */
#define IPS_MAX 16
#define IP6_PER_DEV 3
#define ROUTES_MAX 16

/* ip -j addr show, ip -j [-6] route show, or tc -j qdisc show. */
static json_t *ip_json(const char *what, char *err, size_t errlen)
{
	static char out[1 << 18];
	char *argv[] = { "ip", "-j", (char *)what, "show", NULL, NULL, NULL };
	if (!strcmp(what, "route6")) {
		argv[2] = "-6";
		argv[3] = "route";
		argv[4] = "show";
	}
	if (!strcmp(what, "qdisc"))
		argv[0] = "tc";
	int r = run_prog(argv, NULL, out, sizeof out);
	if (r != 0) {
		snprintf(err, errlen, "%s -j %s show: %s", argv[0], strcmp(what, "route6") ? what : "-6 route",
			 r < 0 ? "cannot run it (install iproute2)" : out);
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loads(out, 0, &je);
	if (!json_is_array(j))
		snprintf(err, errlen, "%s -j %s show: unreadable output (%s)", argv[0],
			 strcmp(what, "route6") ? what : "-6 route", je.text);
	return j;
}

static int batch(const char *prog, const char *cmds, char *err, size_t errlen)
{
	char out[4096];
	char *argv[] = { (char *)prog, "-batch", "-", NULL };
	int r = run_prog(argv, cmds, out, sizeof out);
	if (r != 0) {
		out[strcspn(out, "\n")] = 0;
		snprintf(err, errlen, "%s: %s", prog, r < 0 ? "cannot run it (install iproute2)" : out);
		return -1;
	}
	return 0;
}

/* In the netns: the taps and the redirects on the interfaces. */
static void remove_taps(const struct oci_state *st)
{
	char ipcmds[1024] = "", tccmds[1024] = "";
	for (int k = 0; k < st->ntap; k++) {
		size_t n = strlen(ipcmds), t = strlen(tccmds);
		snprintf(ipcmds + n, sizeof ipcmds - n, "link del dev %s\n", st->tap[k]);
		snprintf(tccmds + t, sizeof tccmds - t, "qdisc del dev %s ingress\n", st->veth[k]);
	}
	/* -force: go on past a device the engine already removed */
	char *tc[] = { "tc", "-force", "-batch", "-", NULL }, *ip[] = { "ip", "-force", "-batch", "-", NULL };
	run_prog(tc, tccmds, NULL, 0);
	run_prog(ip, ipcmds, NULL, 0);
}

/* An interface's addresses (ip -j addr's addr_info) for the guest's device
 * dev, as --ip options: IPv4, and IPv6 of global scope (the guest makes its
 * own link-local address, the interface's, from the same MAC); usable ones
 * only (not tentative, failed, deprecated or temporary), static ones before
 * those from autoconfiguration.  A device with no IPv4 address asks DHCP. */
static void take_addrs(json_t *addrs, const char *dev, const char *ifname, struct oci_argv *run, int *nips,
		       int *nroutes)
{
	size_t j;
	json_t *a;
	int n6 = 0;
	for (int dynamic = 0; dynamic < 2; dynamic++)
		json_array_foreach(addrs, j, a)
		{
			const char *fam = json_string_value(json_object_get(a, "family"));
			const char *local = json_string_value(json_object_get(a, "local"));
			const char *scope = json_string_value(json_object_get(a, "scope"));
			int v6 = fam && !strcmp(fam, "inet6");
			if (!fam || (strcmp(fam, "inet") && !v6) || !local ||
			    (v6 && (!scope || strcmp(scope, "global"))) ||
			    json_is_true(json_object_get(a, "tentative")) ||
			    json_is_true(json_object_get(a, "dadfailed")) ||
			    json_is_true(json_object_get(a, "deprecated")) ||
			    json_is_true(json_object_get(a, "temporary")) ||
			    json_is_true(json_object_get(a, "dynamic")) != dynamic)
				continue;
			if (*nips == IPS_MAX || (v6 && n6 == IP6_PER_DEV)) {
				oci_log("warning", "%s (%s on %s): the guest takes %s; this address is left out", dev,
					local, ifname, v6 ? "3 IPv6 addresses per device" : "16 addresses in all");
				continue;
			}
			long long plen = json_integer_value(json_object_get(a, "prefixlen"));
			n6 += v6;
			(*nips)++;
			*nroutes += v6 && plen != 64; /* the guest routes its prefix: an entry of the 16 */
			argv_add(run, "--ip=%s:%s/%lld", dev, local, plen);
		}
}

int net_setup(const struct oci_image *img, struct oci_state *st, struct oci_argv *run, char *err, size_t errlen)
{
	if (!img->nnet)
		return 0;
	json_t *links = ip_json("addr", err, errlen);
	if (!links)
		return -1;
	char ipcmds[2048] = "", tccmds[4096] = "";
	size_t i;
	json_t *l;
	int nips = 0, nroutes = 0;
	json_array_foreach(links, i, l)
	{
		const char *name = json_string_value(json_object_get(l, "ifname"));
		if (!name)
			continue;
		if (!strncmp(name, TAP_PREFIX, strlen(TAP_PREFIX))) {
			snprintf(err, errlen,
				 "the network namespace's interfaces are already given to another tincan "
				 "container (%s exists): one per network namespace",
				 name);
			json_decref(links);
			return -1;
		}
	}
	json_array_foreach(links, i, l)
	{
		const char *name = json_string_value(json_object_get(l, "ifname"));
		const char *type = json_string_value(json_object_get(l, "link_type"));
		const char *mac = json_string_value(json_object_get(l, "address"));
		if (!name || !type || strcmp(type, "ether") || !mac)
			continue;
		if (st->ntap == img->nnet || strlen(name) >= sizeof st->veth[0])
			continue;
		int k = st->ntap++;
		snprintf(st->tap[k], sizeof st->tap[0], TAP_PREFIX "%d", k);
		snprintf(st->veth[k], sizeof st->veth[0], "%s", name);
		long mtu = (long)json_integer_value(json_object_get(l, "mtu"));
		size_t n = strlen(ipcmds), t = strlen(tccmds);
		snprintf(ipcmds + n, sizeof ipcmds - n, "tuntap add dev %s mode tap\nlink set dev %s mtu %ld up\n",
			 st->tap[k], st->tap[k], mtu > 0 ? mtu : 1500);
		snprintf(tccmds + t, sizeof tccmds - t,
			 "qdisc add dev %s ingress\n"
			 "filter add dev %s parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect "
			 "dev %s\n"
			 "qdisc add dev %s ingress\n"
			 "filter add dev %s parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect "
			 "dev %s\n",
			 name, name, st->tap[k], st->tap[k], st->tap[k], name);
		argv_add(run, "--net=%s:%s", img->net[k], st->tap[k]);
		argv_add(run, "--net-mac=%s:%s", img->net[k], mac);
		take_addrs(json_object_get(l, "addr_info"), img->net[k], name, run, &nips, &nroutes);
	}
	json_decref(links);
	if (!st->ntap)
		return 0; /* a netns with no interface: the guest's devices stay unplugged */
	/* The routes through a gateway on the interfaces taken over, both
	 * families: a default one as --gw, the others as --route (on-link
	 * routes come from the addresses' prefixes). */
	for (int fam = 0; fam < 2; fam++) {
		json_t *routes = ip_json(fam ? "route6" : "route", err, errlen), *r;
		if (!routes)
			return -1;
		json_array_foreach(routes, i, r)
		{
			const char *gw = json_string_value(json_object_get(r, "gateway"));
			const char *dev = json_string_value(json_object_get(r, "dev"));
			const char *dst = json_string_value(json_object_get(r, "dst"));
			const char *type = json_string_value(json_object_get(r, "type"));
			int k = 0;
			while (dev && k < st->ntap && strcmp(dev, st->veth[k]))
				k++;
			if (!gw || !dst || !dev || k == st->ntap || (type && strcmp(type, "unicast")))
				continue;
			if (nroutes >= ROUTES_MAX) {
				oci_log("warning", "route %s via %s: the guest takes 16 routes; this one is left out",
					dst, gw);
				continue;
			}
			nroutes++;
			if (!strcmp(dst, "default"))
				argv_add(run, "--gw=%s:%s", img->net[k], gw);
			else
				argv_add(run, "--route=%s%s:via=%s:dev=%s", dst,
					 strchr(dst, '/') ? ""
					 : fam		  ? "/128"
							  : "/32",
					 gw, img->net[k]);
		}
		json_decref(routes);
	}
	/* An interface another tool already shapes is not taken over (and its
	 * ingress qdisc never removed by our cleanup). */
	json_t *qdiscs = ip_json("qdisc", err, errlen), *q;
	if (!qdiscs)
		return -1;
	json_array_foreach(qdiscs, i, q)
	{
		const char *kind = json_string_value(json_object_get(q, "kind"));
		const char *dev = json_string_value(json_object_get(q, "dev"));
		for (int k = 0; kind && dev && !strcmp(kind, "ingress") && k < st->ntap; k++)
			if (!strcmp(dev, st->veth[k])) {
				snprintf(err, errlen, "%s already has an ingress qdisc: another tool shapes it", dev);
				json_decref(qdiscs);
				st->ntap = 0;
				return -1;
			}
	}
	json_decref(qdiscs);
	if (batch("ip", ipcmds, err, errlen) < 0 || batch("tc", tccmds, err, errlen) < 0) {
		remove_taps(st); /* what was made of them */
		st->ntap = 0;
		return -1;
	}
	return 0;
}

void net_teardown(const struct oci_state *st)
{
	if (!st->netns[0] || !st->ntap)
		return; /* a netns of its own went with the monitor */
	int fd = open(st->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* the engine removed it: the taps went with it */
	struct stat sb;
	char id[48] = "";
	if (fstat(fd, &sb) == 0)
		snprintf(id, sizeof id, "%llu:%llu", (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
	if (strcmp(id, st->netns_id)) {
		close(fd); /* the path names another namespace now (a pid reused): ours has gone */
		return;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		oci_log("warning", "cannot enter %s to remove its taps: %s", st->netns, strerror(errno));
		close(fd);
		return;
	}
	close(fd);
	remove_taps(st);
}

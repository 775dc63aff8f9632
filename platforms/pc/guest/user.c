/*
 * Ring 3's start: the clocks from what ring 0 measured, the command line
 * split into guest options and the app's arguments, then libos_main.
 *
 * The command line (from the boot loader, or QEMU's -append) has the
 * syntax of tincan-run's guest side: options first (--env=NAME=VALUE,
 * repeatable; --ip=[NAME:]ADDR/PREFIX, --gw=[NAME:]ADDR,
 * --route=DEST/PREFIX[:via=GW][:dev=NAME] and --dns=ADDR, as tincan-run's
 * options of those names: platforms/common/netopt.c), then the app's
 * arguments; "--" ends the options.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cmdline.h"
#include "netopt.h"
#include "pc.h"
#include "rdrand.h"
#include <tincan/image.h>
#include <tincan/platform.h>

#define ARGV_MAX 256
#define ENV_MAX 64
#define DNS_MAX 3

static uint64_t tsc_boot, tsc_hz, mult;
static int64_t real_boot;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t plat_clock_monotonic_ns(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * mult) >> 32);
}

uint64_t plat_clock_realtime_ns(void)
{
	return (uint64_t)real_boot + plat_clock_monotonic_ns();
}

/* The TSC value at which the monotonic clock reads ns (saturating). */
uint64_t pc_tsc_at(uint64_t ns);
uint64_t pc_tsc_at(uint64_t ns)
{
	unsigned __int128 t = (unsigned __int128)ns * tsc_hz / 1000000000u + tsc_boot;
	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

static noreturn void usage(const char *what, const char *arg)
{
	static const char pre[] = "tincan: ";
	plat_console_write(2, pre, sizeof pre - 1);
	plat_console_write(2, what, strlen(what));
	plat_console_write(2, arg, strlen(arg));
	plat_console_write(2, "\n", 1);
	pc_call(PC_CALL_EXIT, 104, 0, 0);
	for (;;)
		;
}

extern uint32_t pc_ip4, pc_prefix, pc_gw4; /* devices.c: the first net device's */
extern const struct tc_manifest_note __tincan_manifest_note;

#define NET_OPTS 16 /* --ip, and --route with --gw, as tincan-run */

/* --dns=ADDR (up to DNS_MAX, joined into TINCAN_DNS for the resolver). */
static void dns_option(const char *w, char *dns, size_t *dnslen, unsigned *ndns)
{
	const char *v = w + 6;
	uint8_t a[16];
	if (!netopt_addr(v, a))
		usage("invalid --dns: expected an IPv4 or IPv6 address: ", w);
	if (*ndns == DNS_MAX)
		usage("too many --dns options (the most is 3): ", w);
	size_t n = strlen(v);
	if (*ndns)
		dns[(*dnslen)++] = ',';
	memcpy(dns + *dnslen, v, n + 1);
	*dnslen += n;
	(*ndns)++;
}

/* --ip, --gw and --route (words w[0..n)), checked against the net devices
 * the image declares and the machine has: into the first device's boot
 * fields and TINCAN_IP and TINCAN_ROUTE (envp[*envc...]). */
static void net_options(const struct pc_boot *b, char **w, int n, char **envp, int *envc)
{
	static char ip[16 + NET_OPTS * NETOPT_IP_ROOM] = "TINCAN_IP=",
				       rt[16 + NET_OPTS * NETOPT_RT_ROOM] = "TINCAN_ROUTE=";
	struct netopt_dev devs[PC_DEV_MAX];
	char *at[2] = { ip + 10, rt + 13 };
	int ndev = 0, count[2] = { 0, 0 };
	for (unsigned d = 0; d < b->ndev; d++)
		if (b->dev[d].type == 1)
			devs[ndev++] =
			    (struct netopt_dev){ __tincan_manifest_note.m.devices[b->dev[d].mft].name, 0, 0, 0 };
	for (int i = 0; i < n; i++) {
		int kind = w[i][2] == 'i'   ? NETOPT_IP
			   : w[i][2] == 'g' ? NETOPT_GW
					    : NETOPT_ROUTE,
		    r = kind != NETOPT_IP;
		if (!ndev)
			usage("the option needs a net device and the image declares none: ", w[i]);
		if (count[r] == NET_OPTS)
			usage("more than 16 --ip or --route and --gw options: ", w[i]);
		int len = netopt_parse(kind, strchr(w[i], '=') + 1, devs, ndev, at[r], count[r]++ > 0);
		if (len < 0) {
			static char msg[200];
			const char *opt = kind == NETOPT_IP ? "ip" : kind == NETOPT_GW ? "gw" : "route";
			size_t m = 0, e = strlen(netopt_expect[kind]);
			memcpy(msg, "invalid --", 10);
			m = 10;
			memcpy(msg + m, opt, strlen(opt));
			m += strlen(opt);
			memcpy(msg + m, ": expected ", 11);
			m += 11;
			memcpy(msg + m, netopt_expect[kind], e);
			memcpy(msg + m + e, ", NAME an attached net device: ", 32);
			usage(msg, w[i]);
		}
		at[r] += len;
	}
	if (ndev) {
		pc_ip4 = devs[0].ip4;
		pc_prefix = devs[0].prefix;
		pc_gw4 = devs[0].gw4;
	}
	for (int r = 0; r < 2; r++)
		if (count[r]) {
			if (*envc == ENV_MAX)
				usage("too many --env options (the most is 64)", "");
			envp[(*envc)++] = r ? rt : ip;
		}
}

noreturn void pc_user_start(struct pc_boot *b);

/* Not protected: the canary changes while this frame is live. */
__attribute__((no_stack_protector)) void pc_user_start(struct pc_boot *b)
{
	/* The canary from RDRAND; a CPU without it gets the boot's TSC and
	 * clock mixed (guessable: say so, README), not plat_entropy's
	 * jitter-seeded generator, which warns on the console at first use. */
	uint64_t canary = 0;
	if ((b->flags & PC_BOOT_NO_RDRAND) || rdrand_fill(&canary, sizeof canary) < 0)
		canary = (rdtsc() ^ (uint64_t)b->real_ns_boot) * 0x9e3779b97f4a7c15ULL;
	libos_stack_guard(canary);
	static char *words[ARGV_MAX + 1], *argv[ARGV_MAX + 2], *envp[ENV_MAX + 1], *netw[ARGV_MAX];
	static char name[TC_MFT_NAME_MAX];
	static char dns[sizeof "TINCAN_DNS=" + DNS_MAX * 46] = "TINCAN_DNS=";
	size_t dnslen = sizeof "TINCAN_DNS=" - 1;
	unsigned ndns = 0;
	int have_net = 0, nnetw = 0;
	for (unsigned d = 0; d < b->ndev; d++)
		have_net |= b->dev[d].type == 1;
	tsc_boot = b->tsc_boot;
	tsc_hz = b->tsc_hz;
	mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / tsc_hz);
	real_boot = b->real_ns_boot;

	if (b->flags & PC_BOOT_CMDLINE_CUT)
		usage("the command line is too long (the most is 4095 bytes)", "");
	int n = cmdline_split(b->cmdline, words, ARGV_MAX + 1);
	if (n < 0)
		usage("bad command line (an unterminated quote, or more than 256 words)", "");
	int i = 0, envc = 0;
	for (; i < n && strncmp(words[i], "--", 2) == 0; i++) {
		if (strcmp(words[i], "--") == 0) {
			i++;
			break;
		}
		if (strncmp(words[i], "--env=", 6) == 0 && strchr(words[i] + 6, '=') && words[i][6] != '=') {
			if (envc == ENV_MAX)
				usage("too many --env options (the most is 64)", "");
			envp[envc++] = words[i] + 6;
		} else if (!strncmp(words[i], "--ip=", 5) || !strncmp(words[i], "--gw=", 5) ||
			   !strncmp(words[i], "--route=", 8)) {
			netw[nnetw++] = words[i];
		} else if (!strncmp(words[i], "--dns=", 6)) {
			if (!have_net)
				usage("the option needs a net device and the image declares none: ", words[i]);
			dns_option(words[i], dns, &dnslen, &ndns);
		} else {
			usage("unknown option (guest options: --env=NAME=VALUE, --ip=[NAME:]ADDR/PREFIX, "
			      "--gw=[NAME:]ADDR, --route=DEST/PREFIX[:via=GW][:dev=NAME], --dns=ADDR; -- ends them): ",
			      words[i]);
		}
	}
	/* argv[0]: the image's name, as tincan-run gives it. */
	const char *mn = __tincan_manifest_note.m.name;
	size_t k = 0;
	while (k < sizeof name - 1 && mn[k]) {
		name[k] = mn[k];
		k++;
	}
	if (!k)
		memcpy(name, "app", 4);
	int argc = 0;
	argv[argc++] = name;
	while (i < n)
		argv[argc++] = words[i++];
	argv[argc] = NULL;
	net_options(b, netw, nnetw, envp, &envc);
	if (ndns) {
		if (envc == ENV_MAX)
			usage("too many --env options (the most is 64)", "");
		envp[envc++] = dns;
	}
	envp[envc] = NULL;

	struct tc_boot t = {
		.heap_start = b->heap_start,
		.heap_end = b->heap_end,
		.heap_max = b->heap_end,
		.mem_size = b->mem_size,
		.argc = argc,
		.argv = argv,
		.envp = envp,
		.start_ns = 0,
		.tty = 0,
		.stack_size = b->stack_top - b->stack_bottom,
	};
	libos_main(&t);
}

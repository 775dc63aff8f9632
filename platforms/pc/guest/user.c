/*
 * Ring 3's start: the clocks from what ring 0 measured, the command line
 * split into guest options and the app's arguments, then libos_main.
 *
 * The command line (from the boot loader, or QEMU's -append) has the
 * syntax of tincan-run's guest side: options first (--env=NAME=VALUE,
 * repeatable; --ip=ADDR/PREFIX, --gw=ADDR and --dns=ADDR for the first net
 * device, as tincan-run's options of those names), then the app's
 * arguments; "--" ends the options.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cmdline.h"
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

/* An IPv4 address in dotted quad, in network byte order (0: bad). */
static uint32_t ipv4(const char *s, const char **end)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return 0;
		unsigned v = 0, digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			v = v * 10 + (unsigned)(*s - '0');
		if (!digits || digits > 3 || v > 255)
			return 0;
		a |= (uint32_t)v << (8 * i);
	}
	*end = s;
	return a;
}

extern uint32_t pc_ip4, pc_prefix, pc_gw4; /* devices.c: the first net device's */

/* --ip=ADDR/PREFIX, --gw=ADDR, --dns=ADDR (up to DNS_MAX, joined into
 * TINCAN_DNS for the resolver). */
static void net_option(const char *w, char *dns, size_t *dnslen, unsigned *ndns, int have_net)
{
	const char *v = strchr(w, '=') + 1, *e;
	if (!have_net)
		usage("the option needs a net device and the image declares none: ", w);
	if (w[2] == 'i') {
		pc_ip4 = ipv4(v, &e);
		unsigned p = 0, digits = 0;
		if (pc_ip4 && *e == '/')
			for (e++; *e >= '0' && *e <= '9' && digits < 3; e++, digits++)
				p = p * 10 + (unsigned)(*e - '0');
		if (!pc_ip4 || !digits || *e || p < 1 || p > 32)
			usage("invalid --ip: expected ADDRESS/PREFIX like 10.0.0.2/24: ", w);
		pc_prefix = p;
	} else if (w[2] == 'g') {
		pc_gw4 = ipv4(v, &e);
		if (!pc_gw4 || *e)
			usage("invalid --gw: expected an IPv4 address like 10.0.0.1: ", w);
	} else {
		uint32_t a = ipv4(v, &e);
		if (!a || *e)
			usage("invalid --dns: expected an IPv4 address like 10.0.0.1: ", w);
		if (*ndns == DNS_MAX)
			usage("too many --dns options (the most is 3): ", w);
		size_t n = strlen(v);
		if (*ndns)
			dns[(*dnslen)++] = ',';
		memcpy(dns + *dnslen, v, n + 1);
		*dnslen += n;
		(*ndns)++;
	}
}

extern const struct tc_manifest_note __tincan_manifest_note;
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
	static char *words[ARGV_MAX + 1], *argv[ARGV_MAX + 2], *envp[ENV_MAX + 1];
	static char name[TC_MFT_NAME_MAX];
	static char dns[sizeof "TINCAN_DNS=" + DNS_MAX * 16] = "TINCAN_DNS=";
	size_t dnslen = sizeof "TINCAN_DNS=" - 1;
	unsigned ndns = 0;
	int have_net = 0;
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
			   !strncmp(words[i], "--dns=", 6)) {
			net_option(words[i], dns, &dnslen, &ndns, have_net);
		} else {
			usage("unknown option (guest options: --env=NAME=VALUE, --ip=ADDR/PREFIX, --gw=ADDR, "
			      "--dns=ADDR; -- ends them): ",
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

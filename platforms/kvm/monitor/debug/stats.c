/*
 * --stats: what the run did, on stderr when it ends (every end: the
 * guest's exit, a fault, --timeout, a host signal), and whenever the
 * monitor gets SIGUSR1 while the guest runs.  The first line is the
 * summary scripts read; then exits by reason, hypercalls by name, console
 * bytes, each net device, block requests, memory, time (docs/debugging.md).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "../module.h"
#include "../monitor.h"
#include "../net.h"
#include "sample.h"

static int on;

typedef unsigned long long ull;

/* A line built in pieces, at most what msg() prints. */
struct line {
	char b[900];
	size_t n;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(l->b + l->n, sizeof l->b - l->n, fmt, ap);
	va_end(ap);
	l->n += k > 0 ? (size_t)k : 0;
	if (l->n >= sizeof l->b)
		l->n = sizeof l->b - 1;
}

/* "1.234" seconds of ns. */
static void add_secs(struct line *l, uint64_t ns)
{
	add(l, "%llu.%03llu", (ull)(ns / 1000000000ULL), (ull)(ns % 1000000000ULL / 1000000ULL));
}

static void print(struct vm *vm)
{
	struct sample s;
	struct line l = { .n = 0 };
	uint64_t exits = 0;
	char b[16];

	sample_take(vm, &s);
	for (unsigned i = 0; i < DBG_EXITS; i++)
		exits += dbg_ctr.exits[i];
	msg("stats: %llu KVM exits, %llu KiB guest memory, %llu forged and %llu over-rate frames dropped", (ull)exits,
	    (ull)(vm_backed(vm) >> 10), (ull)vm->forged, (ull)vm->over_rate);

	for (unsigned i = 0; i < DBG_EXITS; i++)
		if (dbg_ctr.exits[i])
			add(&l, "%s%s %llu", l.n ? ", " : "", sample_exit_name(i, b), (ull)dbg_ctr.exits[i]);
	msg("stats: exits: %s; KVM_RUN interrupted %llu times by host signals", l.n ? l.b : "none", (ull)dbg_ctr.eintr);

	l.n = 0;
	for (unsigned i = 0; i <= TC_HC_MAX; i++)
		if (dbg_ctr.hc[i])
			add(&l, "%s%s %llu", l.n ? ", " : "", hc_name(i) ? hc_name(i) : "?", (ull)dbg_ctr.hc[i]);
	msg("stats: hypercalls: %s", l.n ? l.b : "none");
	msg("stats: console: %llu bytes written, %llu bytes read", (ull)dbg_ctr.console_out_bytes,
	    (ull)dbg_ctr.console_in_bytes);

	for (unsigned i = 0; i < net_ndevs && i < DBG_NICS; i++)
		msg("stats: net %s (tap %s): rx %llu frames %llu bytes %llu dropped, tx %llu frames %llu bytes %llu "
		    "dropped",
		    sample_nic(i), sample_tap(i), (ull)dbg_ctr.nic[i].rx_frames, (ull)dbg_ctr.nic[i].rx_bytes,
		    (ull)dbg_ctr.nic[i].rx_drops, (ull)dbg_ctr.nic[i].tx_frames, (ull)dbg_ctr.nic[i].tx_bytes,
		    (ull)dbg_ctr.nic[i].tx_drops);
	if (dbg_ctr.hc[TC_HC_BLK_SETUP])
		msg("stats: block: %llu reads %llu bytes, %llu writes %llu bytes, %llu flushes", (ull)dbg_ctr.blk_reads,
		    (ull)dbg_ctr.blk_read_bytes, (ull)dbg_ctr.blk_writes, (ull)dbg_ctr.blk_write_bytes,
		    (ull)dbg_ctr.blk_flushes);
	msg("stats: memory: %llu KiB backed, %llu KiB resident; the monitor's peak RSS %llu KiB", (ull)(s.backed >> 10),
	    (ull)(s.resident >> 10), (ull)(s.max_rss >> 10));

	l.n = 0;
	add_secs(&l, s.wall_ns);
	add(&l, " s wall, ");
	add_secs(&l, s.user_ns + s.sys_ns);
	add(&l, " s CPU (");
	add_secs(&l, s.user_ns);
	add(&l, " user, ");
	add_secs(&l, s.sys_ns);
	add(&l, " system)");
	msg("stats: time: %s", l.b);
}

static void stats_open(struct vm *vm, struct tc_boot_info *bi)
{
	(void)bi;
	if (on)
		sample_begin(vm);
}

static void stats_configure(struct vm *vm, struct tc_boot_info *bi)
{
	(void)vm;
	if (on)
		sample_configure(bi);
}

static void stats_fds(struct mod_fds *f)
{
	if (on)
		sample_fds(f);
}

static void stats_signal(struct vm *vm, int sig)
{
	(void)sig;
	if (on)
		print(vm);
}

static void stats_quit(struct vm *vm, int status)
{
	(void)status;
	if (on && vm)
		print(vm);
}

/* Before --core's module reads all of guest memory (modules.c's order). */
static void stats_fatal(struct vm *vm, int status, const char *why)
{
	(void)status, (void)why;
	if (on)
		sample_freeze(vm);
}

const struct module stats_module = {
	.usage = "  --stats      print what the run did when the guest exits, and on SIGUSR1: KVM exits by\n"
		 "               reason, hypercalls, console, net and block I/O, guest memory, CPU and wall time\n",
	.flag = "--stats",
	.flag_set = &on,
	.sig = SIGUSR1,
	.open = stats_open,
	.configure = stats_configure,
	.fds = stats_fds,
	.on_signal = stats_signal,
	.on_fatal = stats_fatal,
	.on_quit = stats_quit,
};

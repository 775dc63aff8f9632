/*
 * --metrics=PATH[:SECONDS]: the run's counters (debug.h) and figures
 * (sample.h) in Prometheus's text exposition format, written to PATH every
 * SECONDS (default 5) and once more at the end, for node_exporter's
 * textfile collector (or anything that reads the format).
 *
 * A reader never sees a partial or missing PATH.  Before the jail, the
 * monitor opens PATH's directory and makes two files there: PATH, with a
 * first sample, and a hidden temporary beside it, .NAME.tmp (not *.prom,
 * so the collector skips it).  Each tick writes the whole new text into
 * whichever of the two is named .NAME.tmp now, then swaps the two names in
 * one renameat2(RENAME_EXCHANGE): PATH always names a finished file.  The
 * sandbox allows no openat, so the two files take turns; a reader that
 * keeps PATH open for longer than SECONDS may see the file it opened
 * rewritten.  At the end the final sample (tincan_up 0, the exit status)
 * stays in PATH and the temporary goes; PATH is the operator's to remove.
 * The directory must be writable by the monitor's user after the jail
 * (started as root: 65534, the --user, or a --dir's owner).
 *
 * The tick is a timer's SIGVTALRM: it ends a KVM_RUN (EINTR) or wakes the
 * monitor's wait, never enters the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../module.h"
#include "../monitor.h"
#include "../net.h"
#include "sample.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif
#define PERIOD_MAX 3600

typedef unsigned long long ull;

static const char *arg; /* --metrics's value, for messages */
static char dir[4096], name[256], tmpname[256];
static unsigned period = 5;
static int dirfd = -1, fd_path = -1, fd_tmp = -1; /* fd_tmp: the file named tmpname now */
static int want, live; /* the directory is checked; the files are there and samples go on */
static struct vm *the_vm; /* from the start on (a quit before the run gets none) */

static int opt_metrics(const char *v, char *err, size_t errlen)
{
	const char *colon = strrchr(v, ':'), *slash;
	size_t len = colon ? (size_t)(colon - v) : strlen(v);

	if (arg) {
		snprintf(err, errlen, "--metrics given twice");
		return -1;
	}
	if (colon) {
		unsigned s = 0, k = 0;
		for (; colon[1 + k] >= '0' && colon[1 + k] <= '9' && k < 5; k++)
			s = s * 10 + (unsigned)(colon[1 + k] - '0');
		if (!k || colon[1 + k] || s < 1 || s > PERIOD_MAX) {
			snprintf(err, errlen, "invalid --metrics=%s: SECONDS must be a whole number from 1 to %d", v,
				 PERIOD_MAX);
			return -1;
		}
		period = s;
	}
	if (!len || v[len - 1] == '/' || len >= sizeof dir) {
		snprintf(err, errlen, "invalid --metrics=%s: expected PATH[:SECONDS], PATH a file", v);
		return -1;
	}
	for (slash = v + len; slash > v && slash[-1] != '/'; slash--)
		;
	size_t nlen = len - (size_t)(slash - v);
	if (nlen + 6 > sizeof name || (nlen == 1 && slash[0] == '.') ||
	    (nlen == 2 && slash[0] == '.' && slash[1] == '.')) {
		snprintf(err, errlen, "invalid --metrics=%s: a file name of at most %zu bytes, not . or ..", v,
			 sizeof name - 6);
		return -1;
	}
	memcpy(name, slash, nlen);
	snprintf(tmpname, sizeof tmpname, ".%s.tmp", name);
	if (slash == v)
		memcpy(dir, ".", 2);
	else
		memcpy(dir, v, slash == v + 1 ? 1 : (size_t)(slash - v - 1));
	arg = v;
	return 0;
}

/* ---- the text ---- */

static char text[65536]; /* ~6 KiB is usual; a long image name on every series takes more */
static size_t tlen;
static char labels[300]; /* image="...",pid="..." on every series */

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = tlen < sizeof text ? vsnprintf(text + tlen, sizeof text - tlen, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	tlen += k > 0 ? (size_t)k : 0;
}

/* The length of the well-formed UTF-8 sequence at s, 0 if there is none. */
static unsigned utf8_len(const unsigned char *s)
{
	unsigned c = s[0], n = c < 0x80			? 1
			       : c >= 0xc2 && c <= 0xdf ? 2
			       : c >= 0xe0 && c <= 0xef ? 3
			       : c <= 0xf4		? 4
							: 0;
	if (c >= 0x80 && c < 0xc2)
		return 0;
	for (unsigned i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/* s as a label value: backslash, double quote and newline escaped; other
 * control characters and bytes that are not UTF-8 become '?'. */
static void esc(char *d, size_t cap, const char *s)
{
	size_t at = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && at + 5 < cap;) {
		unsigned n = utf8_len(p);
		if (*p == '\\' || *p == '"' || *p == '\n') {
			d[at++] = '\\';
			d[at++] = *p == '\n' ? 'n' : (char)*p;
		} else if (!n || *p < 0x20 || *p == 0x7f) {
			d[at++] = '?';
		} else {
			memcpy(d + at, p, n);
			at += n;
			p += n;
			continue;
		}
		p++;
	}
	d[at] = '\0';
}

static void head(const char *metric, const char *type, const char *help)
{
	out("# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type);
}

/* One series: metric{image,pid[,more]} v. */
static void val(const char *metric, const char *more, uint64_t v)
{
	out("%s{%s%s%s} %llu\n", metric, labels, *more ? "," : "", more, (ull)v);
}

static void secs(const char *metric, const char *more, uint64_t ns)
{
	out("%s{%s%s%s} %llu.%09llu\n", metric, labels, *more ? "," : "", more, (ull)(ns / 1000000000ULL),
	    (ull)(ns % 1000000000ULL));
}

/* A per-net-device counter: one series for each device. */
static void nic_counter(const char *metric, const char *help, size_t field)
{
	char more[128], n[40], t[40];
	head(metric, "counter", help);
	for (unsigned i = 0; i < net_ndevs && i < DBG_NICS; i++) {
		esc(n, sizeof n, sample_nic(i));
		esc(t, sizeof t, sample_tap(i));
		snprintf(more, sizeof more, "nic=\"%s\",tap=\"%s\"", n, t);
		val(metric, more, *(const uint64_t *)((const char *)&dbg_ctr.nic[i] + field));
	}
}

#define NIC(metric, f, help) nic_counter(metric, help, offsetof(__typeof__(dbg_ctr.nic[0]), f))

static void build(struct vm *vm, int final, int status)
{
	struct sample s;
	char more[64], b[16];

	sample_take(vm, &s);
	tlen = 0;
	head("tincan_up", "gauge", "1 while the guest runs, 0 once its run has ended.");
	val("tincan_up", "", !final);
	if (final) {
		head("tincan_exit_status", "gauge",
		     "The monitor's exit status (the guest's, or 100-106, or 128+signal).");
		val("tincan_exit_status", "", (uint64_t)status);
	}
	head("tincan_start_time_seconds", "gauge", "When the monitor started, in seconds since the Unix epoch.");
	secs("tincan_start_time_seconds", "", s.start_real_ns);
	head("tincan_wall_seconds_total", "counter", "Wall time since the monitor started.");
	secs("tincan_wall_seconds_total", "", s.wall_ns);
	head("tincan_cpu_seconds_total", "counter", "The monitor's CPU time by mode; the guest's counts as user.");
	secs("tincan_cpu_seconds_total", "mode=\"user\"", s.user_ns);
	secs("tincan_cpu_seconds_total", "mode=\"system\"", s.sys_ns);
	head("tincan_max_resident_bytes", "gauge",
	     "The monitor's peak resident set, guest memory it touched included.");
	val("tincan_max_resident_bytes", "", s.max_rss);
	if (s.have_mem) {
		head("tincan_guest_memory_backed_bytes", "gauge", "Guest memory given to KVM.");
		val("tincan_guest_memory_backed_bytes", "", s.backed);
		head("tincan_guest_memory_resident_bytes", "gauge", "Guest memory resident in host RAM (touched).");
		val("tincan_guest_memory_resident_bytes", "", s.resident);
	}

	head("tincan_kvm_exits_total", "counter", "KVM_RUN returns by exit reason.");
	for (unsigned i = 0; i < DBG_EXITS; i++)
		if (dbg_ctr.exits[i] || i == KVM_EXIT_MMIO || i == KVM_EXIT_SHUTDOWN) {
			snprintf(more, sizeof more, "reason=\"%s\"", sample_exit_name(i, b));
			val("tincan_kvm_exits_total", more, dbg_ctr.exits[i]);
		}
	head("tincan_kvm_run_interrupts_total", "counter", "KVM_RUN calls ended by a host signal (EINTR).");
	val("tincan_kvm_run_interrupts_total", "", dbg_ctr.eintr);
	head("tincan_hypercalls_total", "counter", "Hypercalls by name.");
	for (unsigned i = 0; i <= TC_HC_MAX; i++)
		if (hc_name(i)) {
			snprintf(more, sizeof more, "call=\"%s\"", hc_name(i));
			val("tincan_hypercalls_total", more, dbg_ctr.hc[i]);
		}
	head("tincan_console_out_bytes_total", "counter", "Bytes the guest wrote to its console.");
	val("tincan_console_out_bytes_total", "", dbg_ctr.console_out_bytes);
	head("tincan_console_in_bytes_total", "counter", "Bytes the guest read from its console.");
	val("tincan_console_in_bytes_total", "", dbg_ctr.console_in_bytes);

	if (net_ndevs) {
		NIC("tincan_net_rx_frames_total", rx_frames, "Frames the guest received.");
		NIC("tincan_net_rx_bytes_total", rx_bytes, "Bytes of frames the guest received.");
		NIC("tincan_net_rx_dropped_frames_total", rx_drops, "Frames for the guest dropped (too long).");
		NIC("tincan_net_tx_frames_total", tx_frames, "Frames the guest sent.");
		NIC("tincan_net_tx_bytes_total", tx_bytes, "Bytes of frames the guest sent.");
		NIC("tincan_net_tx_dropped_frames_total", tx_drops,
		    "Frames the guest sent that were dropped (forged, over --net-rate, the tap full).");
		head("tincan_net_forged_frames_dropped_total", "counter",
		     "Frames dropped for a source MAC not the guest's, all devices.");
		val("tincan_net_forged_frames_dropped_total", "", vm ? vm->forged : 0);
		head("tincan_net_over_rate_frames_dropped_total", "counter",
		     "Frames dropped over --net-rate, all devices.");
		val("tincan_net_over_rate_frames_dropped_total", "", vm ? vm->over_rate : 0);
	}

	head("tincan_block_requests_total", "counter", "Block requests carried out, all devices.");
	val("tincan_block_requests_total", "op=\"read\"", dbg_ctr.blk_reads);
	val("tincan_block_requests_total", "op=\"write\"", dbg_ctr.blk_writes);
	val("tincan_block_requests_total", "op=\"flush\"", dbg_ctr.blk_flushes);
	head("tincan_block_bytes_total", "counter", "Bytes of block requests that succeeded, all devices.");
	val("tincan_block_bytes_total", "op=\"read\"", dbg_ctr.blk_read_bytes);
	val("tincan_block_bytes_total", "op=\"write\"", dbg_ctr.blk_write_bytes);
}

/* ---- the files ---- */

/* Write the text into the temporary and swap the names: 0, or -1 with
 * errno set and what says which step failed. */
static int put(const char **what)
{
	if (tlen >= sizeof text) {
		*what = "sample too large";
		errno = EOVERFLOW;
		return -1;
	}
	*what = "write";
	for (size_t done = 0; done < tlen;) {
		ssize_t k = pwrite(fd_tmp, text + done, tlen - done, (off_t)done);
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	if (ftruncate(fd_tmp, (off_t)tlen) < 0)
		return -1;
	*what = "rename";
	if (syscall(SYS_renameat2, dirfd, tmpname, dirfd, name, RENAME_EXCHANGE) < 0)
		return -1;
	int t = fd_tmp;
	fd_tmp = fd_path;
	fd_path = t;
	return 0;
}

/* A sample now; a failure ends the samples (the guest runs on) and
 * removes the temporary. */
static void sample(struct vm *vm, int final, int status)
{
	const char *what;
	build(vm, final, status);
	if (put(&what) < 0) {
		live = 0;
		msg("--metrics=%s: cannot update %s/%s (%s): %m; no more samples", arg, dir, name, what);
		unlinkat(dirfd, tmpname, 0);
	}
}

/* Before the jail: the directory (its path is gone after it), checked. */
static void metrics_open(struct vm *vm, struct tc_boot_info *bi)
{
	(void)bi;
	if (!arg)
		return;
	sample_begin(vm);
	char n[260]; /* the image's name cut at 255 bytes, escaped */
	struct stat st;
	esc(n, sizeof n, sample_image());
	snprintf(labels, sizeof labels, "image=\"%s\",pid=\"%u\"", n, sample_pid());
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(errno == ENOENT || errno == ENOTDIR || errno == EACCES ? TC_STATUS_USAGE : TC_STATUS_HOST,
		    "--metrics=%s: directory %s: %m", arg, dir);
	if (faccessat(dirfd, ".", W_OK | X_OK, 0) < 0)
		die(TC_STATUS_USAGE, "--metrics=%s: directory %s is not writable: %m", arg, dir);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		die(TC_STATUS_USAGE, "--metrics=%s: %s is a directory", arg, name);
	/* Started as root with no --user, the run goes on as the directory's
	 * owner (as for --core, --snapshot and --dir), but never as root for
	 * a directory of root's: nobody then (jail.c). */
	dbg_owner_dir(dirfd);
	want = 1;
	/* The jail's file size limit must let the samples be written. */
	if (vm->write_max < sizeof text)
		vm->write_max = sizeof text;
}

static void metrics_configure(struct vm *vm, struct tc_boot_info *bi)
{
	(void)vm;
	if (arg)
		sample_configure(bi);
}

/* The temporary file, new: one left by a run that was killed goes first,
 * and a file someone else made in a shared directory is refused. */
static int make_tmp(void)
{
	if (unlinkat(dirfd, tmpname, 0) < 0 && errno != ENOENT)
		return -1;
	return openat(dirfd, tmpname, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
}

/* After the jail (as the user the run goes on as), before the sandbox:
 * the two files, PATH with a whole first sample, then the timer. */
static void metrics_start(struct vm *vm)
{
	if (!want)
		return;
	the_vm = vm;
	build(vm, 0, 0);
	if ((fd_tmp = make_tmp()) < 0)
		die(errno == EACCES || errno == EPERM || errno == EROFS ? TC_STATUS_USAGE : TC_STATUS_HOST,
		    "--metrics=%s: uid %u cannot create %s in %s: %m (started as root, the monitor runs as "
		    "the directory's owner, nobody for root's, unless --user)",
		    arg, (unsigned)getuid(), tmpname, dir);
	/* Written, then renamed into place: PATH appears whole. */
	int made = 0;
	if (pwrite(fd_tmp, text, tlen, 0) != (ssize_t)tlen || renameat(dirfd, tmpname, dirfd, name) < 0 ||
	    (made = 1, fd_path = fd_tmp, fd_tmp = make_tmp()) < 0) {
		int e = errno;
		unlinkat(dirfd, made ? name : tmpname, 0);
		errno = e;
		die(TC_STATUS_HOST, "--metrics=%s: cannot make %s in %s: %m", arg, name, dir);
	}
	live = 1;
	/* The raw calls: musl's timer_create brings its threads along (SIGEV_THREAD). */
	int t;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGVTALRM };
	struct itimerspec it = { { (time_t)period, 0 }, { (time_t)period, 0 } };
	if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &t) < 0 || syscall(SYS_timer_settime, t, 0, &it, NULL) < 0)
		die(TC_STATUS_HOST, "--metrics: timer: %m");
}

static void metrics_fds(struct mod_fds *f)
{
	if (!live)
		return;
	fds_file(f, fd_path);
	fds_file(f, fd_tmp);
	fds_wdir(f, dirfd);
	sample_fds(f);
}

static void metrics_signal(struct vm *vm, int sig)
{
	(void)sig;
	if (live)
		sample(vm, 0, 0);
}

static void metrics_quit(struct vm *vm, int status)
{
	if (!live)
		return;
	sample(vm ? vm : the_vm, 1, status);
	live = 0;
	if (unlinkat(dirfd, tmpname, 0) < 0)
		msg("--metrics=%s: cannot remove %s/%s: %m", arg, dir, tmpname);
}

/* Before --core's module reads all of guest memory (modules.c's order). */
static void metrics_fatal(struct vm *vm, int status, const char *why)
{
	(void)status, (void)why;
	if (want)
		sample_freeze(vm);
}

static const struct mod_option options[] = { { "--metrics", opt_metrics }, { NULL, NULL } };

const struct module metrics_module = {
	.options = options,
	.usage = "  --metrics=PATH[:SECONDS]  the run's metrics in Prometheus's text format, rewritten in PATH\n"
		 "               every SECONDS (default 5, 1 to 3600) and at the end (node_exporter's textfile\n"
		 "               collector: PATH is replaced whole; its directory must be the monitor's to write)\n",
	.sig = SIGVTALRM,
	.open = metrics_open,
	.configure = metrics_configure,
	.start = metrics_start,
	.fds = metrics_fds,
	.on_signal = metrics_signal,
	.on_fatal = metrics_fatal,
	.on_quit = metrics_quit,
};

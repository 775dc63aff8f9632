/*
 * The core's hypercalls (exit, wait, panic) and the calls into each module:
 * set-up, the hypercall table, the sandbox's fds and the wait hypercall's.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"
#include "options.h"

/* What the wait hypercall can poll, gathered once before the sandbox. */
static struct mod_fds fds;
static uint64_t wait_known;

void fds_rw(struct mod_fds *f, int fd, int rd, int wr)
{
	if (f->nrd == FDS_MAX || f->nwr == FDS_MAX)
		die(TC_STATUS_HOST, "too many fds for the sandbox");
	if (rd)
		f->rd[f->nrd++] = (unsigned)fd;
	if (wr)
		f->wr[f->nwr++] = (unsigned)fd;
}

void fds_pio(struct mod_fds *f, int fd)
{
	if (f->npio == FDS_MAX)
		die(TC_STATUS_HOST, "too many fds for the sandbox");
	f->pio[f->npio++] = (unsigned)fd;
}

void fds_wait(struct mod_fds *f, int fd, uint64_t ev, const char *gone)
{
	if (f->nwait == FDS_MAX)
		die(TC_STATUS_HOST, "too many fds to wait for");
	f->wait[f->nwait++] = (struct wait_fd){ fd, ev, gone };
}

/*
 * SIGTERM and SIGINT from the host: blocked, read from a signalfd, and
 * unblocked only inside KVM_RUN so that one ends a run of guest code
 * (EINTR).  A guest that has shown it can react (its waits want
 * TC_EV_SIG*) is told at its next wait and has --grace (5 s) to
 * exit; SIGALRM then ends the run with 128 + the signal, as does a second
 * signal, or the first for a guest that never asked.
 */
#define EV_SIGS (TC_EV_SIGINT | TC_EV_SIGTERM)
static int sig_fd = -1, host_sig, sig_aware;
static uint64_t sig_ev; /* not yet reported */

/* CLOCK_MONOTONIC deadlines (0: none): --timeout's, and the end of the
 * grace period after a host signal.  One ITIMER_REAL serves both: SIGALRM
 * comes at the nearer one, and host_signals arms it again for the other. */
static uint64_t timeout_at, timeout_ns, grace_at, grace_ns;
static struct vm *the_vm;

/* End the run for the monitor's own reason. */
static noreturn void end_run(int status)
{
	console_flush(the_vm);
	quit(status);
}

static void arm_alarm(void)
{
	uint64_t at = timeout_at && (!grace_at || timeout_at < grace_at) ? timeout_at : grace_at, now;
	if (!at)
		return;
	now = now_ns(CLOCK_MONOTONIC);
	uint64_t left = at > now ? (at - now + 999) / 1000 : 1; /* us */
	struct itimerval t = { { 0, 0 }, { (time_t)(left / 1000000), (suseconds_t)(left % 1000000) } };
	setitimer(ITIMER_REAL, &t, NULL);
}

static void host_sigset(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGALRM);
	dbg_sigset(s);
}

/* First thing in main: blocked from the start, a signal sent while the
 * monitor starts waits for the signalfd.  An ignored signal is dropped
 * even while blocked, and dispositions are inherited (trap '' TERM INT,
 * an sh's background jobs): back to the default, once blocked. */
void host_signals_block(void)
{
	sigset_t s;
	host_sigset(&s);
	if (sigprocmask(SIG_BLOCK, &s, NULL) < 0)
		die(TC_STATUS_HOST, "host signals: %m");
	sys_signal(SIGTERM, SIG_DFL);
	sys_signal(SIGINT, SIG_DFL);
	sys_signal(SIGALRM, SIG_DFL);
}

static void host_signals_setup(struct vm *vm)
{
	sigset_t s;
	/* struct kvm_signal_mask: len 8, then an empty 8-byte set */
	uint32_t km[3] = { 8, 0, 0 };
	_Static_assert(offsetof(struct kvm_signal_mask, sigset) == 4, "kvm_signal_mask layout");
	host_sigset(&s);
	if ((sig_fd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 || ioctl(vm->vcpu, KVM_SET_SIGNAL_MASK, km) < 0)
		die(TC_STATUS_HOST, "host signals: %m");
	fds_rw(&fds, sig_fd, 1, 0);
	the_vm = vm;
	grace_ns = vm->grace_ns;
	if ((timeout_ns = vm->timeout_ns))
		timeout_at = now_ns(CLOCK_MONOTONIC) + timeout_ns;
	arm_alarm();
}

void host_signals(void)
{
	struct signalfd_siginfo si;
	while (read(sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGALRM) {
			uint64_t now = now_ns(CLOCK_MONOTONIC);
			if (timeout_at && now >= timeout_at) {
				msg("the guest ran past --timeout (%llu ms): stopped",
				    (unsigned long long)(timeout_ns / 1000000));
				end_run(TC_STATUS_TIMEOUT);
			}
			if (grace_at && now >= grace_at) {
				int whole = grace_ns % 1000000000ULL == 0;
				msg("the guest did not stop within %llu %s of %s (--grace)",
				    (unsigned long long)(grace_ns / (whole ? 1000000000ULL : 1000000ULL)),
				    whole ? "s" : "ms", host_sig == SIGINT ? "SIGINT" : "SIGTERM");
				end_run(128 + host_sig);
			}
			arm_alarm();
			continue;
		}
		if (sig != SIGTERM && sig != SIGINT) {
			dbg_signal(the_vm, sig);
			continue;
		}
		if (host_sig || !sig_aware || !grace_ns) {
			msg("guest ended by the host's %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
			end_run(128 + sig);
		}
		host_sig = sig;
		sig_ev |= sig == SIGINT ? TC_EV_SIGINT : TC_EV_SIGTERM;
		grace_at = now_ns(CLOCK_MONOTONIC) + grace_ns;
		arm_alarm();
	}
}

void host_wait_fd(int fd, short events, uint64_t ns)
{
	struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = sig_fd, .events = POLLIN } };
	struct timespec ts = { (time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL) };
	for (;;) {
		int r = ppoll(p, 2, ns ? &ts : NULL, NULL);
		if (r < 0 && errno != EINTR)
			die(TC_STATUS_HOST, "ppoll: %m");
		if (r > 0 && p[1].revents)
			host_signals();
		if (ns || (r > 0 && p[0].revents))
			return;
	}
}

static uint64_t take_sig_ev(uint64_t wanted)
{
	uint64_t got = sig_ev & wanted;
	sig_ev &= ~got;
	return got;
}

static void hc_exit(struct vm *vm, void *arg)
{
	struct tc_hc_exit *a = arg;
	int status = (int)(a->status & 0xff);
	console_flush(vm);
	if (vm->snap) {
		msg("no snapshot: the guest exited (status %d) before it was ready", status);
		status = status ? status : 1;
	}
	quit(status);
}

static void hc_wait(struct vm *vm, void *arg)
{
	struct tc_hc_wait *a = arg;
	struct pollfd pfd[FDS_MAX + 1];
	const struct wait_fd *w[FDS_MAX];
	uint64_t got = 0;
	nfds_t n = 0;

	if (a->wanted & ~wait_known)
		guest_fatal(vm, TC_STATUS_ABI, "guest waits for unknown events 0x%llx", (unsigned long long)a->wanted);
	sig_aware |= (a->wanted & EV_SIGS) != 0;
	/* A restored guest's clock may run ahead of this host's (snapshot.c). */
	a->deadline_ns = a->deadline_ns > vm->mono_off ? a->deadline_ns - vm->mono_off : 0;
	/* Modules move what is queued, and may find events already ready. */
	for (const struct module *const *m = modules; *m; m++)
		if ((*m)->wait_before)
			got |= (*m)->wait_before(vm, a->wanted);
	got |= take_sig_ev(a->wanted);
	/* The ready point: a wait that would block (nothing ready, its deadline
	 * ahead), or the guest's own choice. */
	if (vm->snap && (a->wanted & TC_EV_SNAPSHOT) &&
	    ((a->wanted & TC_EV_SNAPSHOT_NOW) || (!got && a->deadline_ns > now_ns(CLOCK_MONOTONIC))))
		snap_take(vm, vm->hc_gpa + offsetof(struct tc_hc_wait, ret));
	if (got) {
		a->ret = (int64_t)got;
		return;
	}
	uint64_t poll = a->wanted;
	for (const struct module *const *m = modules; *m; m++)
		if ((*m)->wait_full)
			poll &= ~(*m)->wait_full(a->wanted);
	for (unsigned i = 0; i < fds.nwait; i++)
		if (poll & fds.wait[i].ev) {
			w[n] = &fds.wait[i];
			pfd[n++] = (struct pollfd){ .fd = fds.wait[i].fd, .events = POLLIN };
		}
	pfd[n] = (struct pollfd){ .fd = sig_fd, .events = POLLIN }; /* last, not in w[] */
	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		if (now >= a->deadline_ns) {
			a->ret = 0;
			return;
		}
		uint64_t left = a->deadline_ns - now;
		/* Cap one sleep at a day; the loop takes care of longer ones. */
		if (left > 86400ULL * 1000000000ULL)
			left = 86400ULL * 1000000000ULL;
		struct timespec ts = { (time_t)(left / 1000000000ULL), (long)(left % 1000000000ULL) };
		int r = ppoll(pfd, n + 1, &ts, NULL);
		if (r > 0) {
			uint64_t ready = 0;
			if (pfd[n].revents) {
				host_signals();
				ready = take_sig_ev(a->wanted);
				if (!ready && r == 1)
					continue;
			}
			for (nfds_t i = 0; i < n; i++) {
				/* A device fd that went away would be "ready" forever. */
				if ((pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) && w[i]->gone)
					die(TC_STATUS_HOST, "%s", w[i]->gone);
				if (pfd[i].revents)
					ready |= w[i]->ev;
			}
			for (const struct module *const *m = modules; *m; m++)
				if ((*m)->wait_after)
					(*m)->wait_after(vm, ready);
			a->ret = (int64_t)ready;
			return;
		}
		if (r < 0 && errno != EINTR)
			die(TC_STATUS_HOST, "ppoll: %m");
	}
}

static void hc_panic(struct vm *vm, void *arg)
{
	struct tc_hc_panic *a = arg;
	uint64_t len = a->len > TC_PANIC_MSG_MAX ? TC_PANIC_MSG_MAX : a->len;
	const char *m = len ? hc_buf(vm, TC_HC_PANIC, a->msg, len, GM_R) : "";
	char text[TC_PANIC_MSG_MAX + 1];

	/* Keep the message on one line and printable. */
	for (uint64_t i = 0; i < len; i++)
		text[i] = (m[i] >= 0x20 && m[i] < 0x7f) ? m[i] : '?';
	text[len] = '\0';
	guest_fatal(vm, TC_STATUS_PANIC, "guest panic: %s", text);
}

static void hc_mem_grow(struct vm *vm, void *arg)
{
	struct tc_hc_mem_grow *a = arg;
	a->ret = vm_grow(vm, a->bytes);
	a->heap_end = vm->lay.heap_end;
}

static const struct hc_def core_hc[] = {
	HC_ENTRY(TC_HC_MEM_GROW, "mem_grow", struct tc_hc_mem_grow, heap_end, hc_mem_grow),
	HC_ENTRY(TC_HC_GUARD, "guard", struct tc_hc_guard, ret, hc_guard),
	HC_ENTRY_IN(TC_HC_EXIT, "exit", struct tc_hc_exit, hc_exit),
	HC_ENTRY(TC_HC_WAIT, "wait", struct tc_hc_wait, ret, hc_wait),
	HC_ENTRY_IN(TC_HC_PANIC, "panic", struct tc_hc_panic, hc_panic),
};

void modules_open(struct vm *vm, struct tc_boot_info *bi)
{
	for (const struct module *const *m = modules; *m; m++)
		if ((*m)->open)
			(*m)->open(vm, bi);
}

void modules_configure(struct vm *vm, struct tc_boot_info *bi)
{
	bi->caps |= TC_CAP_HOST_SIGNALS | TC_CAP_GUARD | TC_CAP_SNAPSHOT;
	bi->snapshot = (uint32_t)vm->snap;
	for (const struct module *const *m = modules; *m; m++)
		if ((*m)->configure)
			(*m)->configure(vm, bi);
}

void modules_start(struct vm *vm)
{
	for (unsigned i = 0; i < sizeof core_hc / sizeof core_hc[0]; i++)
		hc_register(&core_hc[i]);
	for (const struct module *const *m = modules; *m; m++) {
		if ((*m)->start)
			(*m)->start(vm);
		if ((*m)->fds)
			(*m)->fds(&fds);
		for (unsigned i = 0; i < (*m)->nhc; i++)
			hc_register(&(*m)->hc[i]);
	}
	host_signals_setup(vm);
	fds.image = (unsigned)vm->image_fd;
	snap_sandbox(&fds);
	for (unsigned i = 0; i < fds.nwait; i++)
		wait_known |= fds.wait[i].ev;
	wait_known |= EV_SIGS | TC_EV_SNAPSHOT | TC_EV_SNAPSHOT_NOW;
	unsigned nofile = 0;
	if (vm->jail != JAIL_OFF)
		nofile = fds.ndir && fds.dyn_hi > FDS_MAX + 1 ? fds.dyn_hi : FDS_MAX + 1;
	sandbox_enter(&fds, vm->vcpu, vm->lay.grows ? vm->vmfd : -1, nofile);
}

/*
 * Signals in one process of cooperative threads.  Nothing interrupts a
 * running thread: a signal is delivered (its handler run, or its default
 * action taken) at a safe point of the thread it goes to:
 *  - raise(), kill() of this process, pthread_kill() of the calling thread
 *    and SIGPIPE run the action before the call returns (when not blocked);
 *  - unblocking a pending signal (sigprocmask, pthread_sigmask,
 *    sigsuspend, siglongjmp) delivers it before that call returns;
 *  - signals from timers (alarm, setitimer, timer_create) and from other
 *    threads are delivered when the thread next resumes from blocking or
 *    yielding: a blocked thread that does not block the signal is woken at
 *    once, runs the handler, and its blocking call fails with EINTR (or
 *    carries on if every handler that ran had SA_RESTART; sleeps and
 *    poll() always fail with EINTR).  A thread that computes without ever
 *    blocking or yielding sees them only when it does.
 * Default actions: SIGCHLD, SIGURG, SIGWINCH and SIGCONT are ignored, and
 * so are the stop signals (there is nothing to stop the guest into);
 * SIGABRT is abort()'s panic with a backtrace; every other signal ends the
 * guest with "killed by signal N (NAME)" on stderr and exit status 128+N.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sched.h"
#include <tincan.h>

#define PID 1
#define NS 1000000000ULL
#define BIT(s) (1UL << (s))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define DEFAULT_IGNORED                                                                                                \
	(BIT(SIGCHLD) | BIT(SIGURG) | BIT(SIGWINCH) | BIT(SIGCONT) | BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) |      \
	 BIT(SIGTTOU))

#define sigjmp_save __tincan_sigjmp_save
void sigjmp_save(sigjmp_buf env, int save);

static struct sigaction acts[NSIG];
static struct tc_waitq sigwaiters; /* threads in sigtimedwait */
static stack_t altstack = { .ss_flags = SS_DISABLE };
static sigset_t proc_pending; /* for any thread */
static siginfo_t proc_info[NSIG];

static const char *const names[NSIG] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",	  [SIGEMT] = "SIGEMT",	 [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGBUS] = "SIGBUS",	  [SIGSEGV] = "SIGSEGV", [SIGSYS] = "SIGSYS",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",	  [SIGTERM] = "SIGTERM", [SIGURG] = "SIGURG",
	[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",	  [SIGCONT] = "SIGCONT", [SIGCHLD] = "SIGCHLD",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",	  [SIGIO] = "SIGIO",	 [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
	[SIGLOST] = "SIGLOST", [SIGUSR1] = "SIGUSR1",	  [SIGUSR2] = "SIGUSR2",
};

static int valid(int sig)
{
	return sig > 0 && sig < NSIG;
}

static __attribute__((__noreturn__)) void die(int sig)
{
	if (sig == SIGABRT)
		tincan_panic("abort() called");
	char msg[64] = "killed by signal ";
	size_t n = strlen(msg);
	if (sig >= 10)
		msg[n++] = (char)('0' + sig / 10);
	msg[n++] = (char)('0' + sig % 10);
	msg[n++] = ' ';
	msg[n++] = '(';
	for (const char *s = names[sig]; *s; s++)
		msg[n++] = *s;
	msg[n++] = ')';
	msg[n++] = '\n';
	(void)!write(2, msg, n);
	_exit(128 + sig);
}

static int ignored(int sig)
{
	_sig_func_ptr h = acts[sig].sa_handler;
	return h == SIG_IGN || (h == SIG_DFL && (DEFAULT_IGNORED & BIT(sig)));
}

/* Take sig's action on the running thread: 0 if no handler ran, 1 if one
 * ran with SA_RESTART, 2 if one ran without. */
static int act_on(int sig, siginfo_t *info)
{
	struct sigaction *a = &acts[sig];
	_sig_func_ptr h = a->sa_handler;
	if (h == SIG_IGN)
		return 0;
	if (h == SIG_DFL) {
		if (!(DEFAULT_IGNORED & BIT(sig)))
			die(sig);
		return 0;
	}
	int flags = a->sa_flags;
	void (*sa)(int, siginfo_t *, void *) = a->sa_sigaction;
	unsigned long *mask = tc_sigmask(tc_self()), old = *mask;
	*mask |= (a->sa_mask | (flags & SA_NODEFER ? 0 : BIT(sig))) & ~UNBLOCKABLE;
	if (flags & SA_RESETHAND) {
		a->sa_handler = SIG_DFL;
		a->sa_flags &= ~SA_SIGINFO;
	}
	int e = errno;
	if (flags & SA_SIGINFO)
		sa(sig, info, NULL);
	else
		h(sig);
	errno = e;
	*mask = old;
	return flags & SA_RESTART ? 1 : 2;
}

/* Deliver every signal the running thread can take now. */
static int deliver(void)
{
	struct tc_thread *self = tc_self();
	int worst = 0;
	for (;;) {
		unsigned long *mine = tc_sigpending(self);
		unsigned long can = (*mine | proc_pending) & ~*tc_sigmask(self);
		if (!can)
			return worst;
		int sig = __builtin_ctzl(can);
		siginfo_t info = { .si_signo = sig, .si_code = SI_USER, .si_pid = PID };
		if (*mine & BIT(sig)) {
			*mine &= ~BIT(sig);
		} else {
			proc_pending &= ~BIT(sig);
			info = proc_info[sig];
		}
		int r = act_on(sig, &info);
		if (r > worst)
			worst = r;
	}
}

static long sig_hook(void)
{
	int r = deliver();
	return r == 2 ? -EINTR : r == 1 ? TC_RESTART : 0;
}

/* abort() (proc.c): SIGABRT's handler, if any, runs first. */
static void on_abort(void)
{
	*tc_sigmask(tc_self()) &= ~BIT(SIGABRT);
	_sig_func_ptr h = acts[SIGABRT].sa_handler;
	if (h != SIG_DFL && h != SIG_IGN) {
		siginfo_t info = { .si_signo = SIGABRT, .si_code = SI_USER, .si_pid = PID };
		act_on(SIGABRT, &info);
	}
}

static void generate(struct tc_thread *t, int sig, const siginfo_t *info);

/* SIGINT or SIGTERM from the host (sched.c), for any thread; si_pid 0. */
static void host_sig(int sig)
{
	siginfo_t info = { .si_signo = sig, .si_code = SI_USER };
	generate(NULL, sig, &info);
}

static void enable(void)
{
	tc_sig_hook = sig_hook;
	tc_host_sig_hook = host_sig;
	libos_abort_hook = on_abort;
}

/* Make sig pending for thread t, or for the process (t NULL), and wake a
 * thread that can take it.  An ignored signal is discarded. */
static void generate(struct tc_thread *t, int sig, const siginfo_t *info)
{
	enable();
	if (sig == SIGKILL)
		die(sig);
	if (ignored(sig))
		return;
	if (t) {
		*tc_sigpending(t) |= BIT(sig);
	} else {
		if (!(proc_pending & BIT(sig)))
			proc_info[sig] = *info;
		proc_pending |= BIT(sig);
	}
	tc_wake_all(&sigwaiters);
	tc_sig_kick(t, BIT(sig));
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!valid(sig) || (act && (sig == SIGKILL || sig == SIGSTOP)))
		return sys_fail(EINVAL);
	if (old)
		*old = acts[sig];
	if (act) {
		enable();
		acts[sig] = *act;
		acts[sig].sa_mask &= ~UNBLOCKABLE;
		if (ignored(sig)) { /* pending ones are dropped */
			proc_pending &= ~BIT(sig);
			*tc_sigpending(tc_self()) &= ~BIT(sig);
		}
	}
	return 0;
}

/* signal() has BSD's (and glibc's) semantics: the handler stays installed
 * and interrupted calls restart. */
_sig_func_ptr signal(int sig, _sig_func_ptr h)
{
	struct sigaction a = { .sa_flags = SA_RESTART }, old;
	a.sa_handler = h;
	if (sigaction(sig, &a, &old))
		return SIG_ERR;
	return old.sa_handler;
}

int pthread_kill(pthread_t thread, int sig)
{
	struct tc_thread *t = (struct tc_thread *)(uintptr_t)thread;
	if (sig < 0 || sig >= NSIG)
		return EINVAL;
	if (!tc_valid(t))
		return ESRCH;
	if (sig == 0)
		return 0;
	siginfo_t info = { .si_signo = sig, .si_code = SI_USER, .si_pid = PID };
	generate(t, sig, &info);
	if (t == tc_self())
		deliver();
	return 0;
}

int raise(int sig)
{
	int e = pthread_kill(pthread_self(), sig);
	return e ? sys_fail(e) : 0;
}

/* The only process there is: pid 1, or 0 and -1 for "all I may signal". */
static int send_proc(pid_t pid, int sig, int code, union sigval value)
{
	if (sig < 0 || sig >= NSIG)
		return sys_fail(EINVAL);
	if (pid != PID && pid != 0 && pid != -1)
		return sys_fail(ESRCH);
	if (sig == 0)
		return 0;
	siginfo_t info = { .si_signo = sig, .si_code = code, .si_pid = PID, .si_value = value };
	generate(NULL, sig, &info);
	deliver();
	return 0;
}

int kill(pid_t pid, int sig)
{
	return send_proc(pid, sig, SI_USER, (union sigval){ 0 });
}

int sigqueue(pid_t pid, int sig, const union sigval value)
{
	return send_proc(pid, sig, SI_QUEUE, value);
}

int killpg(pid_t pgrp, int sig)
{
	return kill(pgrp == 0 ? 0 : pgrp == PID ? PID : -2, sig);
}

/* SIGPIPE for the writer (pipes, sockets): before write() fails with EPIPE. */
void __tincan_sig_pipe(void)
{
	raise(SIGPIPE);
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	unsigned long *mask = tc_sigmask(tc_self());
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return EINVAL;
	if (old)
		*old = *mask;
	if (!set)
		return 0;
	switch (how) {
	case SIG_BLOCK: *mask |= *set; break;
	case SIG_UNBLOCK: *mask &= ~*set; break;
	default: *mask = *set;
	}
	*mask &= ~UNBLOCKABLE & ~1UL;
	deliver();
	return 0;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int e = pthread_sigmask(how, set, old);
	return e ? sys_fail(e) : 0;
}

int sigpending(sigset_t *set)
{
	struct tc_thread *self = tc_self();
	*set = (proc_pending | *tc_sigpending(self)) & *tc_sigmask(self);
	return 0;
}

int sigsuspend(const sigset_t *set)
{
	struct tc_thread *self = tc_self();
	unsigned long *mask = tc_sigmask(self), old = *mask;
	enable();
	*mask = *set & ~UNBLOCKABLE;
	int r = deliver();
	while (!r) {
		tc_sig_waiting++;
		long b = tc_block(NULL, TC_NO_DEADLINE, 0);
		tc_sig_waiting--;
		r = b == -EINTR || b == TC_RESTART;
	}
	*mask = old;
	deliver();
	return sys_fail(EINTR);
}

int pause(void)
{
	sigset_t now = *tc_sigmask(tc_self());
	return sigsuspend(&now);
}

/* Take a pending signal in set (the lowest), as delivery would. */
static int take(const sigset_t *set, siginfo_t *info)
{
	struct tc_thread *self = tc_self();
	unsigned long *mine = tc_sigpending(self);
	unsigned long can = (*mine | proc_pending) & *set & ~UNBLOCKABLE;
	if (!can)
		return 0;
	int sig = __builtin_ctzl(can);
	siginfo_t i = { .si_signo = sig, .si_code = SI_USER, .si_pid = PID };
	if (*mine & BIT(sig)) {
		*mine &= ~BIT(sig);
	} else {
		proc_pending &= ~BIT(sig);
		i = proc_info[sig];
	}
	if (info)
		*info = i;
	return sig;
}

int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	uint64_t deadline = TC_NO_DEADLINE;
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= (long)NS)
			return sys_fail(EINVAL);
		deadline =
		    plat_clock_monotonic_ns() + ((uint64_t)timeout->tv_sec >= UINT64_MAX / NS / 2
						     ? UINT64_MAX / 2
						     : (uint64_t)timeout->tv_sec * NS + (uint64_t)timeout->tv_nsec);
	}
	enable();
	for (;;) {
		int sig = take(set, info);
		if (sig)
			return sig;
		if (deadline != TC_NO_DEADLINE && plat_clock_monotonic_ns() >= deadline)
			return sys_fail(EAGAIN);
		tc_sig_waiting++;
		long r = tc_block(&sigwaiters, deadline, 0);
		tc_sig_waiting--;
		if (r == -EINTR || r == TC_RESTART) /* a handler ran for a signal not in set */
			return sys_fail(EINTR);
	}
}

int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	return sigtimedwait(set, info, NULL);
}

int sigwait(const sigset_t *set, int *sig)
{
	int r = sigtimedwait(set, NULL, NULL);
	if (r < 0)
		return errno;
	*sig = r;
	return 0;
}

/* Kept and reported, not used: handlers run on the stack of the thread
 * they interrupt (which a signal never interrupts mid-instruction here). */
int sigaltstack(const stack_t *ss, stack_t *old)
{
	if (ss && (ss->ss_flags & ~SS_DISABLE))
		return sys_fail(EINVAL);
	if (ss && !(ss->ss_flags & SS_DISABLE) && ss->ss_size < MINSIGSTKSZ)
		return sys_fail(ENOMEM);
	if (old)
		*old = altstack;
	if (ss)
		altstack = *ss;
	return 0;
}

int sigemptyset(sigset_t *set)
{
	*set = 0;
	return 0;
}

int sigfillset(sigset_t *set)
{
	*set = ~1UL;
	return 0;
}

int sigaddset(sigset_t *set, int sig)
{
	if (!valid(sig))
		return sys_fail(EINVAL);
	*set |= BIT(sig);
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (!valid(sig))
		return sys_fail(EINVAL);
	*set &= ~BIT(sig);
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	if (!valid(sig))
		return sys_fail(EINVAL);
	return (*set & BIT(sig)) != 0;
}

/* ---- sigsetjmp/siglongjmp: setjmp and longjmp, plus the mask ---- */

__attribute__((used)) void sigjmp_save(sigjmp_buf env, int save)
{
	env->__saved = save;
	if (save)
		env->__mask = *tc_sigmask(tc_self());
}

/* Save the mask, then become setjmp (which records our caller's frame). */
__asm__(".section .text.sigsetjmp,\"ax\",@progbits\n"
	".globl sigsetjmp\n"
	".type sigsetjmp,@function\n"
	"sigsetjmp:\n"
	"\tpush %rdi\n"
	"\tpush %rsi\n"
	"\tsub $8, %rsp\n"
	"\tcall __tincan_sigjmp_save\n"
	"\tadd $8, %rsp\n"
	"\tpop %rsi\n"
	"\tpop %rdi\n"
	"\tjmp setjmp\n"
	".size sigsetjmp, .-sigsetjmp\n"
	".previous\n");

void siglongjmp(sigjmp_buf env, int val)
{
	if (env->__saved)
		pthread_sigmask(SIG_SETMASK, &env->__mask, NULL);
	longjmp(env->__jb, val);
}

/* ---- timers: slot 0 is setitimer(ITIMER_REAL)/alarm(); timer_create's
 * ids are 1..TIMERS_MAX.  Deadlines are on the monotonic clock; an absolute
 * CLOCK_REALTIME time is turned into one when the timer is set. ---- */

#define TIMERS_MAX 32

static struct timer {
	int used;
	clockid_t clock;
	struct sigevent ev;
	uint64_t expiry; /* monotonic ns; 0: disarmed */
	uint64_t interval;
	int overrun;
} timers[TIMERS_MAX + 1];

struct notify_call {
	void (*fn)(union sigval);
	union sigval value;
};

static void *notify_thread(void *arg)
{
	struct notify_call c = *(struct notify_call *)arg;
	free(arg);
	c.fn(c.value);
	return NULL;
}

/* Timer t expired n times since it was last seen. */
static void notify(struct timer *t, uint64_t n)
{
	int id = (int)(t - timers);
	if (t->ev.sigev_notify == SIGEV_SIGNAL) {
		int sig = t->ev.sigev_signo;
		if (proc_pending & BIT(sig)) {
			t->overrun += (int)n;
			return;
		}
		t->overrun = (int)(n - 1);
		siginfo_t info = { .si_signo = sig,
				   .si_code = SI_TIMER,
				   .si_pid = PID,
				   .si_value = t->ev.sigev_value,
				   .si_overrun = t->overrun,
				   .si_timerid = id };
		generate(NULL, sig, &info);
	} else if (t->ev.sigev_notify == SIGEV_THREAD) {
		struct notify_call *c = malloc(sizeof *c);
		pthread_attr_t *attr = t->ev.sigev_notify_attributes;
		size_t stack = attr && attr->__inited && attr->__stacksize ? attr->__stacksize : 64 * 1024;
		int err;
		if (!c)
			return;
		*c = (struct notify_call){ t->ev.sigev_notify_function, t->ev.sigev_value };
		if (!tc_spawn(notify_thread, c, stack, 1, &err))
			free(c);
	}
}

static uint64_t timer_hook(uint64_t now)
{
	uint64_t next = TC_NO_DEADLINE;
	for (int i = 0; i <= TIMERS_MAX; i++) {
		struct timer *t = &timers[i];
		if (!t->expiry)
			continue;
		if (t->expiry <= now) {
			uint64_t n = 1;
			if (t->interval) {
				n += (now - t->expiry) / t->interval;
				t->expiry += n * t->interval;
			} else {
				t->expiry = 0;
			}
			notify(t, n);
		}
		if (t->expiry && t->expiry < next)
			next = t->expiry;
	}
	return next;
}

static int ts_ok(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)NS;
}

static uint64_t ns_of(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec >= UINT64_MAX / NS / 2 ? UINT64_MAX / 2
							   : (uint64_t)ts->tv_sec * NS + (uint64_t)ts->tv_nsec;
}

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){ (time_t)(ns / NS), (long)(ns % NS) };
}

static void get(struct timer *t, struct itimerspec *v)
{
	uint64_t now = plat_clock_monotonic_ns();
	v->it_value = ts_of(t->expiry ? (t->expiry > now ? t->expiry - now : 1) : 0);
	v->it_interval = ts_of(t->interval);
}

static int set(struct timer *t, int flags, const struct itimerspec *v, struct itimerspec *old)
{
	if (!ts_ok(&v->it_value) || !ts_ok(&v->it_interval))
		return -EINVAL;
	if (old)
		get(t, old);
	enable();
	tc_timer_hook = timer_hook;
	uint64_t value = ns_of(&v->it_value), mono = plat_clock_monotonic_ns();
	t->interval = ns_of(&v->it_interval);
	t->overrun = 0;
	if (!value) {
		t->expiry = 0;
	} else if (flags & TIMER_ABSTIME) {
		uint64_t now = t->clock == CLOCK_REALTIME ? plat_clock_realtime_ns() : mono;
		t->expiry = value <= now ? mono : mono + (value - now);
	} else {
		t->expiry = mono + value;
	}
	return 0;
}

int timer_create(clockid_t clock, struct sigevent *ev, timer_t *id)
{
	if (clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID)
		return sys_fail(ENOTSUP);
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return sys_fail(EINVAL);
	if (ev && ev->sigev_notify != SIGEV_NONE && ev->sigev_notify != SIGEV_SIGNAL &&
	    ev->sigev_notify != SIGEV_THREAD)
		return sys_fail(EINVAL);
	if (ev && ev->sigev_notify == SIGEV_SIGNAL && !valid(ev->sigev_signo))
		return sys_fail(EINVAL);
	if (ev && ev->sigev_notify == SIGEV_THREAD && !ev->sigev_notify_function)
		return sys_fail(EINVAL);
	for (int i = 1; i <= TIMERS_MAX; i++) {
		struct timer *t = &timers[i];
		if (t->used)
			continue;
		*t = (struct timer){ .used = 1, .clock = clock };
		if (ev)
			t->ev = *ev;
		else
			t->ev = (struct sigevent){ .sigev_notify = SIGEV_SIGNAL,
						   .sigev_signo = SIGALRM,
						   .sigev_value.sival_int = i };
		*id = (timer_t)i;
		return 0;
	}
	return sys_fail(EAGAIN);
}

static struct timer *timer_of(timer_t id)
{
	return id >= 1 && id <= TIMERS_MAX && timers[id].used ? &timers[id] : NULL;
}

int timer_delete(timer_t id)
{
	struct timer *t = timer_of(id);
	if (!t)
		return sys_fail(EINVAL);
	*t = (struct timer){ 0 };
	return 0;
}

int timer_settime(timer_t id, int flags, const struct itimerspec *v, struct itimerspec *old)
{
	struct timer *t = timer_of(id);
	if (!t || !v)
		return sys_fail(EINVAL);
	return (int)sys_ret(set(t, flags, v, old));
}

int timer_gettime(timer_t id, struct itimerspec *v)
{
	struct timer *t = timer_of(id);
	if (!t)
		return sys_fail(EINVAL);
	get(t, v);
	return 0;
}

int timer_getoverrun(timer_t id)
{
	struct timer *t = timer_of(id);
	return t ? t->overrun : sys_fail(EINVAL);
}

/* Only ITIMER_REAL: the guest cannot tell its own CPU time from the
 * host's well enough to honour ITIMER_VIRTUAL or ITIMER_PROF (EINVAL). */
int getitimer(int which, struct itimerval *v)
{
	if (which != ITIMER_REAL)
		return sys_fail(EINVAL);
	struct itimerspec s;
	get(&timers[0], &s);
	v->it_value = (struct timeval){ s.it_value.tv_sec, (suseconds_t)(s.it_value.tv_nsec / 1000) };
	v->it_interval = (struct timeval){ s.it_interval.tv_sec, (suseconds_t)(s.it_interval.tv_nsec / 1000) };
	return 0;
}

int setitimer(int which, const struct itimerval *v, struct itimerval *old)
{
	if (which != ITIMER_REAL || !v)
		return sys_fail(EINVAL);
	if (v->it_value.tv_usec < 0 || v->it_value.tv_usec >= 1000000 || v->it_interval.tv_usec < 0 ||
	    v->it_interval.tv_usec >= 1000000)
		return sys_fail(EINVAL);
	if (old)
		getitimer(ITIMER_REAL, old);
	struct timer *t = &timers[0];
	t->used = 1;
	t->clock = CLOCK_MONOTONIC;
	t->ev = (struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct itimerspec s = { { v->it_interval.tv_sec, v->it_interval.tv_usec * 1000L },
				{ v->it_value.tv_sec, v->it_value.tv_usec * 1000L } };
	return (int)sys_ret(set(t, 0, &s, NULL));
}

unsigned alarm(unsigned seconds)
{
	struct itimerval v = { { 0, 0 }, { (time_t)seconds, 0 } }, old;
	setitimer(ITIMER_REAL, &v, &old);
	/* Seconds left, rounded to nearest, and not 0 if it was armed. */
	unsigned left = (unsigned)old.it_value.tv_sec + (old.it_value.tv_usec >= 500000);
	return left || !old.it_value.tv_usec ? left : 1;
}

/*
 * Signals inside one guest (tests/signals.bats).  No arguments: TAP checks
 * run in the guest.  "pipe": a write to a pipe with no reader, SIGPIPE's
 * default action.  "alarm": pause() until SIGALRM's default action.
 * "term": wait for SIGTERM from the host, with a handler.  "wait": sleep
 * with no handler.  "ignore": ignore SIGTERM and pause.  "spin": wait
 * once, then compute forever.  "stdin": read stdin.  "stdin-alarm": a
 * SIGALRM handler and an alarm while reading stdin.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"

static volatile sig_atomic_t hits, last_sig, blocked_in_handler, other_blocked;
static siginfo_t last_info;
static pthread_t handler_thread;

static void on_sig(int sig)
{
	sigset_t now;
	hits++;
	last_sig = sig;
	handler_thread = pthread_self();
	sigprocmask(SIG_BLOCK, NULL, &now);
	blocked_in_handler = sigismember(&now, sig);
	other_blocked = sigismember(&now, SIGUSR2);
}

static void on_info(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	hits++;
	last_sig = sig;
	last_info = *si;
}

static int set(int sig, void (*h)(int), int flags)
{
	struct sigaction a;
	memset(&a, 0, sizeof a);
	a.sa_handler = h;
	a.sa_flags = flags;
	sigemptyset(&a.sa_mask);
	return sigaction(sig, &a, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void arm_ms(long ms)
{
	struct itimerval v = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &v, NULL);
}

static void errors(void)
{
	struct sigaction a, old;
	sigset_t s;
	memset(&a, 0, sizeof a);
	a.sa_handler = on_sig;
	errno = 0;
	ok(sigaction(0, &a, NULL) == -1 && errno == EINVAL, "sigaction(0): EINVAL");
	errno = 0;
	ok(sigaction(NSIG, &a, NULL) == -1 && errno == EINVAL, "sigaction(NSIG): EINVAL");
	errno = 0;
	ok(sigaction(SIGKILL, &a, NULL) == -1 && errno == EINVAL, "SIGKILL cannot be caught: EINVAL");
	errno = 0;
	ok(sigaction(SIGSTOP, &a, NULL) == -1 && errno == EINVAL, "SIGSTOP cannot be caught: EINVAL");
	ok(sigaction(SIGKILL, NULL, &old) == 0 && old.sa_handler == SIG_DFL, "SIGKILL's action can be read");
	errno = 0;
	ok(signal(SIGKILL, on_sig) == SIG_ERR && errno == EINVAL, "signal(SIGKILL): SIG_ERR, EINVAL");
	errno = 0;
	ok(sigaddset(&s, 0) == -1 && errno == EINVAL, "sigaddset(0): EINVAL");
	errno = 0;
	ok(sigismember(&s, NSIG) == -1 && errno == EINVAL, "sigismember(NSIG): EINVAL");
	ok(sigemptyset(&s) == 0 && sigaddset(&s, SIGUSR2) == 0 && sigismember(&s, SIGUSR2) == 1 &&
	       sigismember(&s, SIGUSR1) == 0 && sigdelset(&s, SIGUSR2) == 0 && sigismember(&s, SIGUSR2) == 0,
	   "sigemptyset, sigaddset, sigdelset, sigismember");
	ok(sigfillset(&s) == 0 && sigismember(&s, SIGTERM) == 1 && sigismember(&s, NSIG - 1) == 1, "sigfillset");
	errno = 0;
	ok(raise(NSIG) == -1 && errno == EINVAL, "raise(NSIG): EINVAL");
	errno = 0;
	ok(kill(getpid(), -1) == -1 && errno == EINVAL, "kill with a bad signal: EINVAL");
	errno = 0;
	ok(kill(2, SIGUSR1) == -1 && errno == ESRCH, "kill of another pid: ESRCH");
	ok(kill(getpid(), 0) == 0, "kill(getpid(), 0) checks: 0");
	errno = 0;
	ok(sigprocmask(7, &s, NULL) == -1 && errno == EINVAL, "sigprocmask with a bad how: EINVAL");
	ok(pthread_sigmask(7, &s, NULL) == EINVAL, "pthread_sigmask with a bad how returns EINVAL");
	ok(pthread_kill(pthread_self(), NSIG) == EINVAL, "pthread_kill with a bad signal: EINVAL");
	ok(pthread_kill(pthread_self(), 0) == 0, "pthread_kill(self, 0): 0");
}

static void delivery(void)
{
	hits = 0;
	ok(set(SIGUSR1, on_sig, 0) == 0, "sigaction installs a handler");
	ok(raise(SIGUSR1) == 0 && hits == 1 && last_sig == SIGUSR1, "raise runs the handler before it returns");
	ok(blocked_in_handler == 1, "the signal is blocked while its handler runs");
	ok(kill(getpid(), SIGUSR1) == 0 && hits == 2, "kill(getpid()) runs it");
	ok(kill(0, SIGUSR1) == 0 && hits == 3, "kill(0) runs it");
	ok(pthread_kill(pthread_self(), SIGUSR1) == 0 && hits == 4, "pthread_kill(self) runs it");
	ok(signal(SIGUSR1, SIG_IGN) == on_sig, "signal() returns the previous handler");
	ok(raise(SIGUSR1) == 0 && hits == 4, "an ignored signal does nothing");
	ok(raise(SIGCHLD) == 0 && raise(SIGWINCH) == 0 && raise(SIGURG) == 0,
	   "SIGCHLD, SIGWINCH, SIGURG are ignored by default");

	/* SA_SIGINFO */
	struct sigaction a;
	memset(&a, 0, sizeof a);
	a.sa_sigaction = on_info;
	a.sa_flags = SA_SIGINFO;
	ok(sigaction(SIGUSR2, &a, NULL) == 0, "an SA_SIGINFO handler");
	memset(&last_info, 0, sizeof last_info);
	raise(SIGUSR2);
	ok(last_info.si_signo == SIGUSR2 && last_info.si_code == SI_USER && last_info.si_pid == getpid(),
	   "siginfo: si_signo, si_code SI_USER, si_pid (%d %d %d)", last_info.si_signo, last_info.si_code,
	   (int)last_info.si_pid);

	/* sa_mask and SA_NODEFER */
	memset(&a, 0, sizeof a);
	a.sa_handler = on_sig;
	a.sa_flags = SA_NODEFER;
	sigemptyset(&a.sa_mask);
	sigaddset(&a.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &a, NULL);
	raise(SIGUSR1);
	ok(blocked_in_handler == 0 && other_blocked == 1, "SA_NODEFER: not blocked in its handler; sa_mask is");
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	ok(!sigismember(&now, SIGUSR2), "the mask is back after the handler");

	/* SA_RESETHAND */
	hits = 0;
	set(SIGWINCH, on_sig, SA_RESETHAND);
	raise(SIGWINCH);
	raise(SIGWINCH);
	struct sigaction old;
	sigaction(SIGWINCH, NULL, &old);
	ok(hits == 1 && old.sa_handler == SIG_DFL, "SA_RESETHAND: once, then the default");

	/* Blocked, pending, delivered on unblock. */
	hits = 0;
	set(SIGUSR1, on_sig, 0);
	sigset_t s, pend;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	ok(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "block SIGUSR1");
	raise(SIGUSR1);
	raise(SIGUSR1);
	ok(hits == 0, "a blocked signal is not delivered");
	ok(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 1, "sigpending shows it");
	ok(sigprocmask(SIG_UNBLOCK, &s, NULL) == 0 && hits == 1, "unblocking delivers it, once, before returning");
	ok(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 0, "no longer pending");
	sigfillset(&s);
	sigprocmask(SIG_SETMASK, &s, NULL);
	sigprocmask(SIG_SETMASK, NULL, &now);
	ok(!sigismember(&now, SIGKILL) && !sigismember(&now, SIGSTOP) && sigismember(&now, SIGTERM),
	   "SIGKILL and SIGSTOP cannot be blocked");
	sigemptyset(&s);
	sigprocmask(SIG_SETMASK, &s, NULL);
}

static sigjmp_buf jb;
static void jump_out(int sig)
{
	(void)sig;
	siglongjmp(jb, 5);
}

static void jumps(void)
{
	sigset_t now;
	set(SIGUSR1, jump_out, 0);
	volatile int n = 0;
	int r = sigsetjmp(jb, 1);
	n++;
	if (r == 0)
		raise(SIGUSR1);
	sigprocmask(SIG_BLOCK, NULL, &now);
	ok(r == 5 && n == 2, "siglongjmp out of a handler returns to sigsetjmp with its value");
	ok(!sigismember(&now, SIGUSR1), "savemask 1: the mask from sigsetjmp is back");
	n = 0;
	r = sigsetjmp(jb, 0);
	n++;
	if (r == 0)
		raise(SIGUSR1);
	sigprocmask(SIG_BLOCK, NULL, &now);
	ok(r == 5 && n == 2 && sigismember(&now, SIGUSR1), "savemask 0: the handler's mask stays");
	sigemptyset(&now);
	sigprocmask(SIG_SETMASK, &now, NULL);
}

static int pipe_w;
static void *late_writer(void *arg)
{
	(void)arg;
	usleep(250000);
	ssize_t w = write(pipe_w, "z", 1);
	(void)w;
	return NULL;
}

static void timers_and_eintr(void)
{
	int p[2];
	char c;
	hits = 0;
	set(SIGALRM, on_sig, 0);
	ok(pipe(p) == 0, "a pipe");
	arm_ms(100);
	uint64_t t0 = now_ms();
	errno = 0;
	ssize_t r = read(p[0], &c, 1);
	uint64_t dt = now_ms() - t0;
	ok(r == -1 && errno == EINTR && hits == 1, "setitimer's SIGALRM interrupts a blocking pipe read: EINTR");
	ok(dt >= 90 && dt < 1000, "after about 100 ms (%llu)", (unsigned long long)dt);

	set(SIGALRM, on_sig, SA_RESTART);
	pipe_w = p[1];
	pthread_t th;
	pthread_create(&th, NULL, late_writer, NULL);
	arm_ms(100);
	hits = 0;
	r = read(p[0], &c, 1);
	ok(r == 1 && c == 'z' && hits == 1, "with SA_RESTART the read carries on after the handler");
	pthread_join(th, NULL);
	close(p[0]);
	close(p[1]);

	set(SIGALRM, on_sig, 0);
	hits = 0;
	struct itimerval v = { { 0, 20000 }, { 0, 20000 } }, g;
	ok(setitimer(ITIMER_REAL, &v, NULL) == 0, "a periodic 20 ms ITIMER_REAL");
	ok(getitimer(ITIMER_REAL, &g) == 0 && g.it_interval.tv_usec == 20000 && g.it_value.tv_usec <= 20000,
	   "getitimer");
	t0 = now_ms();
	while (now_ms() - t0 < 300)
		usleep(1000000);
	struct itimerval zero = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &zero, NULL);
	ok(hits >= 12 && hits <= 16, "it fires about 15 times in 300 ms (%d)", (int)hits);
	errno = 0;
	ok(setitimer(ITIMER_VIRTUAL, &v, NULL) == -1 && errno == EINVAL, "ITIMER_VIRTUAL: EINVAL");
	errno = 0;
	ok(setitimer(ITIMER_PROF, &v, NULL) == -1 && errno == EINVAL, "ITIMER_PROF: EINVAL");
	v.it_value.tv_usec = 1000000;
	errno = 0;
	ok(setitimer(ITIMER_REAL, &v, NULL) == -1 && errno == EINVAL, "tv_usec out of range: EINVAL");

	ok(alarm(5) == 0 && alarm(0) == 5, "alarm returns the seconds left");
	hits = 0;
	arm_ms(100);
	t0 = now_ms();
	unsigned left = sleep(3);
	ok(hits == 1 && left >= 2 && left <= 3 && now_ms() - t0 < 1000, "SIGALRM ends sleep(3) early: %u left", left);
	arm_ms(50);
	struct timespec ts = { 2, 0 }, rem = { 0, 0 };
	errno = 0;
	ok(nanosleep(&ts, &rem) == -1 && errno == EINTR && rem.tv_sec == 1, "nanosleep: EINTR and the time left");
	arm_ms(50);
	hits = 0;
	errno = 0;
	ok(pause() == -1 && errno == EINTR && hits == 1, "pause() returns after the handler: EINTR");

	sigset_t s, none;
	sigemptyset(&s);
	sigemptyset(&none);
	sigaddset(&s, SIGALRM);
	sigprocmask(SIG_BLOCK, &s, NULL);
	arm_ms(50);
	hits = 0;
	errno = 0;
	ok(sigsuspend(&none) == -1 && errno == EINTR && hits == 1, "sigsuspend waits with its own mask");
	sigprocmask(SIG_BLOCK, NULL, &s);
	ok(sigismember(&s, SIGALRM) == 1, "and puts the old one back");
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static volatile int thread_value;
static void notify_fn(union sigval v)
{
	thread_value = v.sival_int;
}

static void posix_timers(void)
{
	timer_t t;
	struct sigevent ev;
	struct sigaction a;
	memset(&a, 0, sizeof a);
	a.sa_sigaction = on_info;
	a.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &a, NULL);
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR2;
	ev.sigev_value.sival_int = 42;
	ok(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0, "timer_create SIGEV_SIGNAL on CLOCK_MONOTONIC");
	struct itimerspec v = { { 0, 0 }, { 0, 50000000 } }, g;
	ok(timer_settime(t, 0, &v, NULL) == 0, "timer_settime 50 ms");
	ok(timer_gettime(t, &g) == 0 && g.it_value.tv_sec == 0 && g.it_value.tv_nsec > 0 &&
	       g.it_value.tv_nsec <= 50000000,
	   "timer_gettime: time left");
	hits = 0;
	memset(&last_info, 0, sizeof last_info);
	usleep(500000);
	ok(hits == 1 && last_info.si_signo == SIGUSR2 && last_info.si_code == SI_TIMER &&
	       last_info.si_value.sival_int == 42,
	   "SIGUSR2 with SI_TIMER and sigev_value");
	ok(timer_gettime(t, &g) == 0 && g.it_value.tv_sec == 0 && g.it_value.tv_nsec == 0, "then disarmed");
	ok(timer_getoverrun(t) == 0, "timer_getoverrun: 0");
	ok(timer_delete(t) == 0, "timer_delete");
	errno = 0;
	ok(timer_delete(t) == -1 && errno == EINVAL, "timer_delete again: EINVAL");
	errno = 0;
	ok(timer_settime(t, 0, &v, NULL) == -1 && errno == EINVAL, "timer_settime on a deleted timer: EINVAL");
	errno = 0;
	ok(timer_create(99, &ev, &t) == -1 && errno == EINVAL, "timer_create on a bad clock: EINVAL");
	ev.sigev_signo = NSIG;
	errno = 0;
	ok(timer_create(CLOCK_MONOTONIC, &ev, &t) == -1 && errno == EINVAL, "timer_create with a bad signal: EINVAL");

	/* SIGEV_NONE on CLOCK_REALTIME with an absolute time. */
	ev.sigev_notify = SIGEV_NONE;
	ok(timer_create(CLOCK_REALTIME, &ev, &t) == 0, "timer_create SIGEV_NONE on CLOCK_REALTIME");
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	v.it_value = (struct timespec){ rt.tv_sec + 10, rt.tv_nsec };
	ok(timer_settime(t, TIMER_ABSTIME, &v, NULL) == 0 && timer_gettime(t, &g) == 0 && g.it_value.tv_sec >= 9 &&
	       g.it_value.tv_sec <= 10,
	   "TIMER_ABSTIME 10 s ahead: about 10 s left (%lld)", (long long)g.it_value.tv_sec);
	v.it_value.tv_nsec = 1000000000;
	errno = 0;
	ok(timer_settime(t, 0, &v, NULL) == -1 && errno == EINVAL, "tv_nsec out of range: EINVAL");
	timer_delete(t);

	/* SIGEV_THREAD */
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = notify_fn;
	ev.sigev_value.sival_int = 7;
	ok(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0, "timer_create SIGEV_THREAD");
	v.it_value = (struct timespec){ 0, 20000000 };
	timer_settime(t, 0, &v, NULL);
	usleep(200000);
	ok(thread_value == 7, "its function ran with sigev_value");
	timer_delete(t);
}

static volatile int sleeper_eintr;
static void *sleeper(void *arg)
{
	(void)arg;
	sleeper_eintr = usleep(2000000) == -1 && errno == EINTR;
	return NULL;
}

static void threads(void)
{
	pthread_t th;
	set(SIGUSR1, on_sig, 0);
	hits = 0;
	pthread_create(&th, NULL, sleeper, NULL);
	usleep(10000);
	uint64_t t0 = now_ms();
	ok(pthread_kill(th, SIGUSR1) == 0, "pthread_kill to another thread");
	pthread_join(th, NULL);
	ok(hits == 1 && pthread_equal(handler_thread, th), "its handler ran in that thread");
	ok(sleeper_eintr && now_ms() - t0 < 1000, "whose sleep ended with EINTR");
}

static void on_pipe(int sig)
{
	(void)sig;
	hits++;
}

static void sigpipe(void)
{
	int p[2];
	signal(SIGPIPE, SIG_IGN);
	pipe(p);
	close(p[0]);
	errno = 0;
	ok(write(p[1], "x", 1) == -1 && errno == EPIPE, "SIGPIPE ignored: EPIPE");
	signal(SIGPIPE, on_pipe);
	hits = 0;
	errno = 0;
	ok(write(p[1], "x", 1) == -1 && errno == EPIPE && hits == 1, "SIGPIPE handled: the handler, then EPIPE");
	close(p[1]);

	/* A TCP connection over loopback whose sending side was shut down. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(4711) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	ok(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 1) == 0 &&
	       connect(c, (struct sockaddr *)&a, sizeof a) == 0,
	   "a loopback TCP connection");
	int d = accept(l, NULL, NULL);
	shutdown(c, SHUT_WR);
	hits = 0;
	errno = 0;
	ok(send(c, "x", 1, 0) == -1 && errno == EPIPE && hits == 1, "send after SHUT_WR: SIGPIPE, then EPIPE");
	errno = 0;
	ok(write(c, "x", 1) == -1 && errno == EPIPE && hits == 2, "write too");
	errno = 0;
	ok(send(c, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE && hits == 2, "MSG_NOSIGNAL: EPIPE, no signal");
	close(d);
	close(c);
	close(l);
	signal(SIGPIPE, SIG_DFL);
}

static void *kill_later(void *arg)
{
	usleep(50000);
	pthread_kill(*(pthread_t *)arg, SIGUSR2);
	return NULL;
}

static void waiting(void)
{
	sigset_t s, none;
	siginfo_t si;
	int sig = 0;
	sigemptyset(&s);
	sigemptyset(&none);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	set(SIGUSR1, on_sig, 0);
	hits = 0;
	raise(SIGUSR1);
	ok(sigwait(&s, &sig) == 0 && sig == SIGUSR1 && hits == 0, "sigwait takes a pending signal, no handler");
	union sigval v = { .sival_int = 99 };
	ok(sigqueue(getpid(), SIGUSR2, v) == 0, "sigqueue");
	memset(&si, 0, sizeof si);
	ok(sigwaitinfo(&s, &si) == SIGUSR2 && si.si_code == SI_QUEUE && si.si_value.sival_int == 99,
	   "sigwaitinfo: SI_QUEUE and the value");
	errno = 0;
	ok(sigqueue(3, SIGUSR2, v) == -1 && errno == ESRCH, "sigqueue to another pid: ESRCH");
	struct timespec t = { 0, 50000000 };
	uint64_t t0 = now_ms();
	errno = 0;
	ok(sigtimedwait(&s, &si, &t) == -1 && errno == EAGAIN && now_ms() - t0 >= 45, "sigtimedwait times out: EAGAIN");
	t.tv_nsec = -1;
	errno = 0;
	ok(sigtimedwait(&s, &si, &t) == -1 && errno == EINVAL, "sigtimedwait with a bad timeout: EINVAL");
	pthread_t self = pthread_self(), th;
	pthread_create(&th, NULL, kill_later, &self);
	t = (struct timespec){ 2, 0 };
	ok(sigtimedwait(&s, &si, &t) == SIGUSR2, "sigtimedwait woken by another thread's pthread_kill");
	pthread_join(th, NULL);
	sigprocmask(SIG_SETMASK, &none, NULL);

	stack_t ss = { malloc(SIGSTKSZ), 0, SIGSTKSZ }, old;
	ok(sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE), "sigaltstack: none at first");
	ok(sigaltstack(&ss, NULL) == 0 && sigaltstack(NULL, &old) == 0 && old.ss_sp == ss.ss_sp, "one is kept");
	ss.ss_size = 16;
	errno = 0;
	ok(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM, "a small one: ENOMEM");
	ss.ss_flags = 0x100;
	errno = 0;
	ok(sigaltstack(&ss, NULL) == -1 && errno == EINVAL, "bad flags: EINVAL");
}

static volatile sig_atomic_t term_seen;
static void on_term(int sig)
{
	term_seen = sig;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "pipe") == 0) {
		int p[2];
		pipe(p);
		close(p[0]);
		printf("writing\n");
		ssize_t w = write(p[1], "x", 1);
		printf("write returned %d\n", (int)w);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "alarm") == 0) {
		alarm(1);
		pause();
		printf("pause returned\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "term") == 0) {
		set(SIGTERM, on_term, 0);
		printf("waiting\n");
		while (!term_seen)
			pause();
		printf("handler ran for signal %d\n", (int)term_seen);
		return 3;
	}
	if (argc > 1 && strcmp(argv[1], "wait") == 0) {
		printf("waiting\n");
		sleep(30);
		printf("sleep returned\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "stdin") == 0) {
		char c;
		printf("waiting\n");
		return (int)read(0, &c, 1);
	}
	if (argc > 1 && strcmp(argv[1], "stdin-alarm") == 0) {
		char c;
		set(SIGALRM, on_sig, 0);
		arm_ms(100);
		errno = 0;
		ssize_t r = read(0, &c, 1);
		printf("read %d %s, %d handler runs\n", (int)r, errno == EINTR ? "EINTR" : "?", (int)hits);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "ignore") == 0) {
		signal(SIGTERM, SIG_IGN);
		printf("waiting\n");
		for (;;)
			pause();
	}
	if (argc > 1 && strcmp(argv[1], "spin") == 0) {
		volatile unsigned long n = 0;
		usleep(1000); /* one wait: the monitor knows the guest can react */
		printf("waiting\n");
		for (;;)
			n++;
	}
	errors();
	delivery();
	jumps();
	timers_and_eintr();
	posix_timers();
	threads();
	sigpipe();
	waiting();
	return done_testing();
}

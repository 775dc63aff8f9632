/*
 * newlib's <sys/signal.h> with what its generic target leaves out and
 * programs written for Linux use: struct sigaction with sa_sigaction and
 * the SA_* flags, a siginfo_t with si_pid & co., and the sigset functions
 * as real functions that check the signal number.  newlib's own struct
 * sigaction and siginfo_t are renamed out of the way.
 */
#ifndef TINCAN_SYS_SIGNAL_H
#define TINCAN_SYS_SIGNAL_H

#define sigaction __tincan_newlib_sigaction
#define siginfo_t __tincan_newlib_siginfo_t
#define sigwaitinfo __tincan_newlib_sigwaitinfo
#define sigtimedwait __tincan_newlib_sigtimedwait
#include_next <sys/signal.h>
#undef sigaction
#undef siginfo_t
#undef sigwaitinfo
#undef sigtimedwait

#ifdef __cplusplus
extern "C" {
#endif

#if __POSIX_VISIBLE >= 199309
typedef struct {
	int si_signo; /* signal number */
	int si_errno;
	int si_code; /* SI_USER, SI_TIMER, ... */
	pid_t si_pid; /* sender: always this process */
	uid_t si_uid;
	void *si_addr;
	int si_status;
	long si_band;
	union sigval si_value; /* timer_create's sigev_value */
	int si_overrun;
	int si_timerid;
} siginfo_t;

#ifndef SI_KERNEL
#define SI_KERNEL 0x80
#endif

struct sigaction {
	union {
		_sig_func_ptr __handler;
		void (*__sigaction)(int, siginfo_t *, void *);
	} __sa_u;
	sigset_t sa_mask;
	int sa_flags;
	void (*sa_restorer)(void);
};
#define sa_handler __sa_u.__handler
#define sa_sigaction __sa_u.__sigaction

/* Linux's values (SA_NOCLDSTOP is newlib's 1, the same). */
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND ((int)0x80000000u)
#define SA_NOMASK SA_NODEFER
#define SA_ONESHOT SA_RESETHAND

int sigaction(int, const struct sigaction *, struct sigaction *);
int sigwaitinfo(const sigset_t *, siginfo_t *);
int sigtimedwait(const sigset_t *, siginfo_t *, const struct timespec *);
#endif

#ifndef _NSIG
#define _NSIG NSIG
#endif

#undef sigaddset
#undef sigdelset
#undef sigemptyset
#undef sigfillset
#undef sigismember

#ifdef __cplusplus
}
#endif
#endif

/* The one process: its id, signals to itself, and its end. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "internal.h"
#include <tincan.h>

#define PID 1

int gethostname(char *name, size_t len)
{
	static const char host[] = "tincan";
	if (len < sizeof host) {
		return sys_fail(ENAMETOOLONG);
	}
	memcpy(name, host, sizeof host);
	return 0;
}

pid_t getpid(void)
{
	return PID;
}
pid_t getppid(void)
{
	return 0;
}
uid_t getuid(void)
{
	return 0;
}
uid_t geteuid(void)
{
	return 0;
}
gid_t getgid(void)
{
	return 0;
}
gid_t getegid(void)
{
	return 0;
}

void _exit(int status)
{
	plat_exit(status);
}

static const char *const signame[] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGFPE] = "SIGFPE",   [SIGKILL] = "SIGKILL",
	[SIGBUS] = "SIGBUS",   [SIGSEGV] = "SIGSEGV", [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
	[SIGTERM] = "SIGTERM", [SIGUSR1] = "SIGUSR1", [SIGUSR2] = "SIGUSR2",
};

/* newlib's raise() runs handlers the app installed with signal(); a signal
 * that gets here has its default action: end the guest, loudly. */
int kill(pid_t pid, int sig)
{
	if (sig < 0 || sig >= NSIG) {
		return sys_fail(EINVAL);
	}
	if (pid != PID && pid != 0 && pid != -1) {
		return sys_fail(ESRCH);
	}
	if (sig == 0 || sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT)
		return 0;
	/* A disposition set with signal(): newlib's raise() runs handlers (and
	 * calls us back only for SIG_DFL), so hand the signal to it. */
	_sig_func_ptr h = signal(sig, SIG_DFL);
	if (h != SIG_ERR)
		signal(sig, h);
	if (h == SIG_IGN)
		return 0;
	if (h != SIG_DFL && h != SIG_ERR)
		return raise(sig);
	if (sig == SIGABRT)
		tincan_panic("abort() called");
	const char *name = (size_t)sig < sizeof signame / sizeof signame[0] && signame[sig] ? signame[sig] : "?";
	tincan_panic("killed by signal %d (%s)", sig, name);
}

static sigset_t blocked;

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (old)
		*old = blocked;
	if (!set)
		return 0;
	switch (how) {
	case SIG_BLOCK: blocked |= *set; return 0;
	case SIG_UNBLOCK: blocked &= ~*set; return 0;
	case SIG_SETMASK: blocked = *set; return 0;
	default: return sys_fail(EINVAL);
	}
}

/* No other processes exist or can be made. */
int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path, (void)argv, (void)envp;
	return sys_fail(ENOSYS);
}

pid_t fork(void)
{
	return sys_fail(ENOSYS);
}

pid_t wait(int *status)
{
	(void)status;
	return sys_fail(ECHILD);
}

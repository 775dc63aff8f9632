/* The one process: its id, signals to itself, and its end. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
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

void (*libos_wait_hook)(void);

void _exit(int status)
{
	if (libos_wait_hook)
		libos_wait_hook();
	plat_exit(status);
}

void (*libos_abort_hook)(void);

/* SIGABRT: its handler if the program set one (signal.c), then the end of
 * the guest with a backtrace, whatever the handler did or the mask says. */
void abort(void)
{
	if (libos_abort_hook)
		libos_abort_hook();
	tincan_panic("abort() called");
}

/* The one process is its own process group and session (id PID). */
pid_t getpgrp(void)
{
	return PID;
}

pid_t getpgid(pid_t pid)
{
	return pid == 0 || pid == PID ? PID : sys_fail(ESRCH);
}

pid_t getsid(pid_t pid)
{
	return pid == 0 || pid == PID ? PID : sys_fail(ESRCH);
}

/* Already the leader of its session: setsid() reports that session rather
 * than failing, so daemons that call it keep going. */
pid_t setsid(void)
{
	return PID;
}

int setpgid(pid_t pid, pid_t pgid)
{
	if (pgid < 0)
		return sys_fail(EINVAL);
	if (pid != 0 && pid != PID)
		return sys_fail(ESRCH);
	if (pgid != 0 && pgid != PID)
		return sys_fail(EPERM);
	return 0;
}

/* Cleared from the modes of new files and directories (vfs.c). */
mode_t libos_umask = 022;

mode_t umask(mode_t m)
{
	mode_t old = libos_umask;
	libos_umask = m & 0777;
	return old;
}

/* One process: every lock on an open descriptor is granted at once. */
int flock(int fd, int op)
{
	int kind = op & ~LOCK_NB;
	if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
		return sys_fail(EINVAL);
	if (fcntl(fd, F_GETFL) < 0)
		return sys_fail(EBADF);
	return 0;
}

/* One program per image: no other processes exist or can be made.
 * Creating one fails with ENOSYS; waiting for one finds none (ECHILD). */
int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path, (void)argv, (void)envp;
	return sys_fail(ENOSYS);
}

int execv(const char *path, char *const argv[])
{
	(void)path, (void)argv;
	return sys_fail(ENOSYS);
}

int execvp(const char *file, char *const argv[])
{
	(void)file, (void)argv;
	return sys_fail(ENOSYS);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	(void)file, (void)argv, (void)envp;
	return sys_fail(ENOSYS);
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	(void)fd, (void)argv, (void)envp;
	return sys_fail(ENOSYS);
}

int execl(const char *path, const char *arg, ...)
{
	(void)path, (void)arg;
	return sys_fail(ENOSYS);
}

int execle(const char *path, const char *arg, ...)
{
	(void)path, (void)arg;
	return sys_fail(ENOSYS);
}

int execlp(const char *file, const char *arg, ...)
{
	(void)file, (void)arg;
	return sys_fail(ENOSYS);
}

pid_t fork(void)
{
	return sys_fail(ENOSYS);
}

pid_t vfork(void)
{
	return sys_fail(ENOSYS);
}

FILE *popen(const char *command, const char *type)
{
	(void)command, (void)type;
	errno = ENOSYS;
	return NULL;
}

int pclose(FILE *stream)
{
	(void)stream;
	return sys_fail(ECHILD);
}

/* No shell: system(NULL) says so with 0 (newlib's would answer 1). */
int system(const char *command)
{
	if (!command)
		return 0;
	return sys_fail(ENOSYS);
}

pid_t wait(int *status)
{
	(void)status;
	return sys_fail(ECHILD);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	(void)pid, (void)status;
	if (options & ~(WNOHANG | WUNTRACED))
		return sys_fail(EINVAL);
	return sys_fail(ECHILD);
}

/*
 * An image exec'd by Linux as an ordinary program (./app.tc, or a
 * configure script running its test program) re-executes itself under
 * tincan-run, so "what tincan-cc links runs" holds everywhere:
 *
 *   tincan-run --dir=$PWD --cwd=$PWD -- /path/of/image -- argv[1]...
 *
 * The current directory is shared read-write at its own path and is the
 * guest's working directory, so a configure run probe that writes a file
 * hands it back (not when it is "/" or too long for tincan-run: 255 bytes).
 *
 * This runs as a Linux process, before any C library set-up, so it speaks
 * to the kernel with raw system calls and touches no libos state.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define SYS_write 1
#define SYS_execve 59
#define SYS_exit_group 231
#define SYS_readlink 89
#define SYS_getcwd 79
#define DIR_PATH_MAX 256 /* TC_DIR_PATH_MAX */
#define ARGS_MAX 4096
#define PATH_MAX_ 4096

/* Where tincan-run was installed, from runpath.o (the link of the tincan-cc
 * in use); empty when unknown. */
extern const char __tincan_monitor_path[];

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ __volatile__("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static size_t len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys3(SYS_write, 2, (long)s, (long)len(s));
}

static void try_exec(const char *path, char **argv, char **envp)
{
	argv[0] = (char *)path;
	sys3(SYS_execve, (long)path, (long)argv, (long)envp);
}

noreturn void tc_hostexec(long *sp);

void tc_hostexec(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	/* On Linux's stack, not in .bss: a guest never pays for them. */
	char self[PATH_MAX_], cand[PATH_MAX_];
	char *nargv[ARGS_MAX + 7];
	char dir[DIR_PATH_MAX + 8] = "--dir=", cwd[DIR_PATH_MAX + 8] = "--cwd=";

	long n = sys3(SYS_readlink, (long)"/proc/self/exe", (long)self, sizeof self - 1);
	if (n <= 0 || argc > ARGS_MAX) {
		say("tincan image: cannot find its own path or too many arguments\n");
		sys3(SYS_exit_group, 126, 0, 0);
	}
	self[n] = '\0';
	int k = 1;
	long c = sys3(SYS_getcwd, (long)dir + 6, DIR_PATH_MAX, 0);
	if (c > 2) { /* its length with the NUL: not "/" */
		for (long i = 0; i < c; i++)
			cwd[6 + i] = dir[6 + i];
		nargv[k++] = dir;
		nargv[k++] = cwd;
	}
	nargv[k++] = "--";
	nargv[k++] = self;
	nargv[k++] = "--";
	for (int i = 1; i < argc; i++)
		nargv[k++] = argv[i];
	nargv[k] = NULL;

	if (__tincan_monitor_path[0])
		try_exec(__tincan_monitor_path, nargv, envp);
	/* Then tincan-run on PATH. */
	for (char **e = envp; *e; e++) {
		const char *p = *e;
		if (p[0] != 'P' || p[1] != 'A' || p[2] != 'T' || p[3] != 'H' || p[4] != '=')
			continue;
		for (p += 5;;) {
			size_t d = 0;
			while (p[d] && p[d] != ':')
				d++;
			if (d && d + sizeof "/tincan-run" < sizeof cand) {
				for (size_t i = 0; i < d; i++)
					cand[i] = p[i];
				const char *tail = "/tincan-run";
				for (size_t i = 0; i <= len(tail); i++)
					cand[d + i] = tail[i];
				try_exec(cand, nargv, envp);
			}
			if (!p[d])
				break;
			p += d + 1;
		}
		break;
	}
	say(self);
	say(": this is a tincan image: boot it with tincan-run (not found next to tincan-cc or on PATH)\n");
	sys3(SYS_exit_group, 126, 0, 0);
	for (;;)
		;
}

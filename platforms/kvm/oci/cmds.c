/* start, kill, delete, state, ps, pause and resume for our containers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"

static void load(const char *id, struct oci_state *st)
{
	if (!state_valid_id(id) || state_read(id, st) < 0)
		oci_die("container does not exist: %s", id);
}

static void nap(long ms)
{
	nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000 }, NULL);
}

int cmd_start(const char *id)
{
	struct oci_state st;
	load(id, &st);
	const char *status = state_status(&st);
	if (strcmp(status, "created"))
		oci_die(!strcmp(status, "stopped") ? "cannot start a container that has stopped"
						   : "cannot start an already running container");
	char fifo[4300];
	snprintf(fifo, sizeof fifo, "%s/exec.fifo", st.dir);
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		oci_die("cannot start container %s: %s", id, strerror(errno));
	/* The init, blocked opening the fifo to write, now writes one byte. */
	char c;
	for (int waited = 0;; waited += 100) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) > 0 && read(fd, &c, 1) == 1)
			break;
		if (!state_alive(&st) || waited >= 10000)
			oci_die("cannot start container %s: its init %s", id,
				state_alive(&st) ? "did not answer in 10 s" : "has exited");
	}
	close(fd);
	unlink(fifo);
	return 0;
}

static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} t[] = { { "HUP", SIGHUP },   { "INT", SIGINT },	{ "QUIT", SIGQUIT }, { "ILL", SIGILL },
		  { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },	{ "IOT", SIGIOT },   { "BUS", SIGBUS },
		  { "FPE", SIGFPE },   { "KILL", SIGKILL },	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
		  { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },	{ "ALRM", SIGALRM }, { "TERM", SIGTERM },
		  { "CHLD", SIGCHLD }, { "CONT", SIGCONT },	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
		  { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },	{ "URG", SIGURG },   { "XCPU", SIGXCPU },
		  { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
		  { "IO", SIGIO },     { "PWR", SIGPWR },	{ "SYS", SIGSYS } };
	if (isdigit((unsigned char)s[0])) {
		char *end;
		long n = strtol(s, &end, 10);
		return *end || n <= 0 || n >= NSIG ? -1 : (int)n;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcasecmp(s, t[i].name))
			return t[i].sig;
	return -1;
}

int cmd_kill(int argc, char **argv)
{
	const char *id = NULL, *sig = "SIGTERM";
	int npos = 0;
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' && !isdigit((unsigned char)argv[i][1]))
			continue; /* --all: the monitor is the container's only process */
		if (npos == 0)
			id = argv[i];
		else if (npos == 1)
			sig = argv[i];
		else
			oci_die("kill: too many arguments");
		npos++;
	}
	if (!id)
		oci_die("kill: a container ID is needed");
	int n = parse_signal(sig);
	if (n < 0)
		oci_die("kill: unknown signal %s", sig);
	struct oci_state st;
	load(id, &st);
	if (!state_alive(&st))
		oci_die("container not running");
	if (kill(st.pid, n) < 0)
		oci_die("kill %s: %s", id, strerror(errno));
	if (st.paused && (n == SIGKILL || n == SIGTERM)) {
		cg_freeze(&st, 0) < 0 ? kill(st.pid, SIGCONT) : 0;
		st.paused = 0;
		state_write(&st);
	}
	return 0;
}

int cmd_delete(int argc, char **argv)
{
	const char *id = NULL;
	int force = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
			force = 1;
		else if (argv[i][0] != '-')
			id = argv[i];
	}
	if (!id)
		oci_die("delete: a container ID is needed");
	struct oci_state st;
	if (!state_valid_id(id) || state_read(id, &st) < 0) {
		if (force)
			return 0;
		oci_die("container does not exist: %s", id);
	}
	const char *status = state_status(&st);
	if (strcmp(status, "stopped")) {
		if (strcmp(status, "created") && !force)
			oci_die("cannot delete container %s that is not stopped: %s", id, status);
		kill(st.pid, SIGKILL);
		if (st.paused && cg_freeze(&st, 0) < 0)
			kill(st.pid, SIGCONT);
		for (int waited = 0; state_alive(&st); waited += 10) {
			if (waited >= 5000)
				oci_die("container %s: its monitor (pid %d) did not end in 5 s after SIGKILL", id,
					(int)st.pid);
			nap(10);
		}
	}
	oci_remove(&st);
	return 0;
}

int cmd_state(const char *id)
{
	struct oci_state st;
	load(id, &st);
	const char *status = state_status(&st);
	json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "ociVersion", "1.0.2", "id", id, "pid",
			      strcmp(status, "stopped") ? (int)st.pid : 0, "status", status, "bundle", st.bundle,
			      "rootfs", st.rootfs, "created", st.created, "owner", "");
	char *out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!out)
		oci_die("out of memory");
	puts(out);
	free(out);
	json_decref(j);
	return 0;
}

int cmd_ps(int argc, char **argv)
{
	const char *id = NULL, *format = "table";
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--format") || !strcmp(argv[i], "-f")) {
			if (i + 1 < argc)
				format = argv[++i];
		} else if (!strncmp(argv[i], "--format=", 9)) {
			format = argv[i] + 9;
		} else if (argv[i][0] != '-' && !id) {
			id = argv[i];
		}
	}
	if (!id)
		oci_die("ps: a container ID is needed");
	struct oci_state st;
	load(id, &st);
	int alive = state_alive(&st);
	if (!strcmp(format, "json")) {
		if (alive)
			printf("[%d]\n", (int)st.pid);
		else
			printf("[]\n");
		return 0;
	}
	if (strcmp(format, "table"))
		oci_die("ps: invalid format %s (table or json)", format);
	if (!alive)
		oci_die("container not running");
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)st.pid);
	execlp("ps", "ps", "-f", "-p", pid, (char *)NULL);
	oci_die("cannot run ps: %s", strerror(errno));
}

int cmd_pause(const char *id, int pause)
{
	struct oci_state st;
	load(id, &st);
	const char *status = state_status(&st);
	if (strcmp(status, pause ? "running" : "paused"))
		oci_die("container %s is %s, not %s", id, status, pause ? "running" : "paused");
	if (cg_freeze(&st, pause) < 0 && kill(st.pid, pause ? SIGSTOP : SIGCONT) < 0)
		oci_die("%s %s: %s", pause ? "pause" : "resume", id, strerror(errno));
	st.paused = pause;
	state_write(&st);
	return 0;
}

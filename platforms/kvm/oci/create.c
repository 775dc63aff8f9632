/*
 * create: check the bundle and its image, make the cgroup, then fork the
 * container's init.  The init joins the cgroup and the namespaces, gives the
 * image's NICs the netns's interfaces, writes the state, tells create it is
 * ready, and waits on ROOT/ID/exec.fifo until `start`; then it becomes
 * tincan-run.  The engine's shim (a subreaper) inherits it when create
 * exits, so the monitor's exit status is the container's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "oci.h"

#define MiB (1ULL << 20)
#define GUEST_MEM_DEFAULT (8 * MiB) /* tincan-run's default --mem */

static struct oci_state *cleanup_st; /* create did not finish: undo */

static void rm_state_dir(const struct oci_state *st)
{
	static const char *files[] = { "tincan.state", "tincan.state.tmp", "exec.fifo" };
	char p[4300];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", st->dir, files[i]);
		unlink(p);
	}
	rmdir(st->dir);
}

static void undo_create(void)
{
	if (!cleanup_st)
		return;
	/* The taps: the init's own record, or the state it wrote. */
	struct oci_state disk;
	if (cleanup_st->ntap)
		net_teardown(cleanup_st);
	else if (state_read(cleanup_st->id, &disk) == 0)
		net_teardown(&disk);
	cg_remove(cleanup_st);
	rm_state_dir(cleanup_st);
}

void oci_remove(const struct oci_state *st)
{
	net_teardown(st);
	cg_remove(st);
	rm_state_dir(st);
}

static void now_rfc3339(char *out, size_t len)
{
	struct timespec t;
	struct tm tm;
	char s[40];
	clock_gettime(CLOCK_REALTIME, &t);
	gmtime_r(&t.tv_sec, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%09ldZ", s, t.tv_nsec);
}

/* The container's memory limit becomes the guest's ceiling, less what the
 * monitor and KVM take beside it. */
static void memory(const struct oci_spec *s, const struct oci_image *img, struct oci_argv *run)
{
	if (s->mem_limit <= 0)
		return;
	uint64_t limit = (uint64_t)s->mem_limit, reserve = 2 * MiB + limit / 16;
	if (limit < reserve + MiB)
		oci_die(
		    "memory limit %llu bytes is too small for a tincan guest (at least %llu: the monitor and KVM take "
		    "%llu)",
		    (unsigned long long)limit, (unsigned long long)(reserve + MiB), (unsigned long long)reserve);
	uint64_t max = (limit - reserve) / MiB * MiB;
	if (max > TC_MEM_MAX)
		max = TC_MEM_MAX; /* tincan-run's ceiling */
	if (img->mem > max)
		oci_die("the image needs %llu KiB of memory (its manifest says so); the container's memory limit (%llu "
			"bytes) "
			"leaves %llu KiB for the guest",
			(unsigned long long)(img->mem >> 10), (unsigned long long)limit,
			(unsigned long long)(max >> 10));
	uint64_t initial = img->mem > GUEST_MEM_DEFAULT ? img->mem : GUEST_MEM_DEFAULT;
	if (initial > max)
		argv_add(run, "--mem=%lluM", (unsigned long long)(max / MiB));
	argv_add(run, "--mem-max=%lluM", (unsigned long long)(max / MiB));
}

static void monitor_path(char *out, size_t len)
{
	const char *env = getenv("TINCAN_RUN");
	if (env && *env) {
		snprintf(out, len, "%s", env);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n <= 0)
			oci_die("cannot find myself: %s", strerror(errno));
		self[n] = 0;
		*strrchr(self, '/') = 0;
		if (snprintf(out, len, "%.*s/tincan-run", (int)(len - 12), self) >= (int)len)
			oci_die("path too long: %s", self);
	}
	if (access(out, X_OK) < 0)
		oci_die("monitor %s: %s (set TINCAN_RUN)", out, strerror(errno));
}

/* A pty for process.terminal: the master goes to the engine's socket, as
 * runc sends it; the init takes the slave.  Returns the slave's path. */
static void console(const char *sock, char *slave, size_t len)
{
	if (!sock)
		oci_die("process.terminal is set but no --console-socket was given");
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, slave, len))
		oci_die("cannot make a pty: %s", strerror(errno));
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof a.sun_path)
		oci_die("--console-socket %s: path too long", sock);
	strcpy(a.sun_path, sock);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
		oci_die("--console-socket %s: %s", sock, strerror(errno));
	char name[] = "/dev/ptmx";
	struct iovec iov = { name, sizeof name - 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = { 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &m, sizeof m);
	if (sendmsg(s, &msg, 0) < 0)
		oci_die("--console-socket %s: %s", sock, strerror(errno));
	close(s);
	close(m);
}

/* In the init: report a failure to create and end. */
static _Noreturn void init_fail(int sync, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void init_fail(int sync, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (write(sync, msg, strlen(msg)) < 0)
		_exit(2);
	_exit(1);
}

static void namespaces(const struct oci_spec *s, struct oci_state *st, int sync)
{
	int flags = 0;
	for (int i = 0; i < s->nns; i++) {
		const struct oci_ns *n = &s->ns[i];
		if (n->type == CLONE_NEWPID)
			continue; /* the monitor is exec'd, not forked: it has no processes to hide */
		if (!n->path[0]) {
			flags |= n->type;
			continue;
		}
		if (n->type == CLONE_NEWNS)
			init_fail(sync,
				  "joining a mount namespace (%s) is not supported: the monitor and ip would be "
				  "looked up in it",
				  n->path);
		int fd = open(n->path, O_RDONLY | O_CLOEXEC);
		struct stat sb;
		if (n->type == CLONE_NEWNET && fd >= 0 && fstat(fd, &sb) == 0)
			snprintf(st->netns_id, sizeof st->netns_id, "%llu:%llu", (unsigned long long)sb.st_dev,
				 (unsigned long long)sb.st_ino);
		if (fd < 0 || setns(fd, n->type) < 0)
			init_fail(sync, "cannot join namespace %s: %s", n->path, strerror(errno));
		close(fd);
		if (n->type == CLONE_NEWNET)
			snprintf(st->netns, sizeof st->netns, "%s", n->path);
	}
	if (flags && unshare(flags) < 0)
		init_fail(sync, "cannot make namespaces: %s", strerror(errno));
	if ((flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		init_fail(sync, "cannot make / private in the new mount namespace: %s", strerror(errno));
	if ((flags & CLONE_NEWUTS) && s->hostname[0] && sethostname(s->hostname, strlen(s->hostname)) < 0)
		init_fail(sync, "sethostname: %s", strerror(errno));
}

static _Noreturn void init(const struct oci_spec *s, const struct oci_image *img, struct oci_state *st,
			   struct oci_argv *run, const char *tty, int sync)
{
	char err[1024];
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	setsid();
	if (cg_join(st, getpid(), err, sizeof err) < 0)
		init_fail(sync, "%s", err);
	namespaces(s, st, sync);
	/* The options so far, then the devices, the image and its ARGS. */
	struct oci_argv full = { 0 };
	argv_add(&full, "%s", run->v[0]);
	if (net_setup(img, st, &full, err, sizeof err) < 0)
		init_fail(sync, "network: %s", err);
	/* The state now: what create undoes if anything below fails. */
	st->pid = getpid();
	st->start = proc_start(st->pid);
	state_write(st);
	for (size_t i = 1; i < run->n; i++)
		argv_add(&full, "%s", run->v[i]);
	argv_add(&full, "%s/%s", s->rootfs, OCI_IMAGE_NAME);
	argv_add(&full, "--");
	for (size_t i = 0; i < s->args.n; i++)
		argv_add(&full, "%s", s->args.v[i]);
	if (tty[0]) {
		int fd = open(tty, O_RDWR | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
			init_fail(sync, "console %s: %s", tty, strerror(errno));
		for (int i = 0; i < 3; i++)
			dup2(fd, i);
	}
	if (write(sync, "ok", 2) != 2)
		_exit(1);
	close(sync);

	char fifo[4300];
	snprintf(fifo, sizeof fifo, "%s/exec.fifo", st->dir);
	int fd = open(fifo, O_WRONLY | O_CLOEXEC); /* until start opens it */
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(1);
	close(fd);
	execv(full.v[0], full.v);
	fprintf(stderr, "tincan-oci: cannot run %s: %s\n", full.v[0], strerror(errno));
	_exit(127);
}

int cmd_create(int argc, char **argv)
{
	const char *bundle = ".", *pidfile = NULL, *sock = NULL, *id = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = NULL;
		size_t n = strcspn(a, "=");
#define OPT(name) (!strncmp(a, name, n) && strlen(name) == n)
		if (a[0] != '-') {
			if (id)
				oci_die("create: too many arguments");
			id = a;
			continue;
		}
		if (OPT("--bundle") || OPT("-b") || OPT("--pid-file") || OPT("--console-socket") ||
		    OPT("--preserve-fds")) {
			if (a[n] == '=')
				v = a + n + 1;
			else if (i + 1 < argc)
				v = argv[++i];
			else
				oci_die("create: option %s needs a value", a);
		}
		if (OPT("--bundle") || OPT("-b"))
			bundle = v;
		else if (OPT("--pid-file"))
			pidfile = v;
		else if (OPT("--console-socket"))
			sock = v;
#undef OPT
	}
	if (!id)
		oci_die("create: a container ID is needed");
	char babs[PATH_MAX];
	if (!realpath(bundle, babs))
		return -2; /* runc says what is wrong */
	static struct oci_spec s;
	if (!spec_load(babs, &s))
		return -2;
	if (!state_valid_id(id))
		oci_die("invalid container ID %s (letters, digits and _+-. only)", id);
	for (int i = 0; i < s.nns; i++)
		if (s.ns[i].type == CLONE_NEWUSER)
			oci_die("user namespaces are not supported for a tincan container (the monitor drops to its "
				"own user)");

	static struct oci_state st;
	snprintf(st.id, sizeof st.id, "%s", id);
	snprintf(st.bundle, sizeof st.bundle, "%s", babs);
	snprintf(st.rootfs, sizeof st.rootfs, "%s", s.rootfs);
	now_rfc3339(st.created, sizeof st.created);
	state_path(st.dir, sizeof st.dir, id, NULL);
	if (mkdir(oci_g.root, 0711) < 0 && errno != EEXIST)
		oci_die("--root %s: %s", oci_g.root, strerror(errno));
	if (mkdir(st.dir, 0711) < 0)
		oci_die(errno == EEXIST ? "container with id exists: %s" : "cannot make %s: %s",
			errno == EEXIST ? id : st.dir, strerror(errno));
	cleanup_st = &st;
	atexit(undo_create);

	struct oci_image img;
	image_check(s.rootfs, &img);
	struct oci_argv run = { 0 };
	char mon[PATH_MAX];
	monitor_path(mon, sizeof mon);
	argv_add(&run, "%s", mon);
	memory(&s, &img, &run);
	for (size_t i = 0; i < s.run.n; i++)
		argv_add(&run, "%s", s.run.v[i]);
	cg_create(&s, id, &st);
	char fifo[4300], tty[128] = "";
	snprintf(fifo, sizeof fifo, "%s/exec.fifo", st.dir);
	if (mkfifo(fifo, 0600) < 0)
		oci_die("cannot make %s: %s", fifo, strerror(errno));
	if (s.terminal)
		console(sock, tty, sizeof tty);

	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		oci_die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		oci_die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sync[0]);
		init(&s, &img, &st, &run, tty, sync[1]);
	}
	close(sync[1]);
	char msg[1025];
	size_t got = 0;
	struct pollfd p = { sync[0], POLLIN, 0 };
	for (;;) {
		int r = poll(&p, 1, 60000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			got = (size_t)snprintf(msg, sizeof msg, "the container's init did not get ready in 60 s");
			break;
		}
		ssize_t n = read(sync[0], msg + got, sizeof msg - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	msg[got] = 0;
	if (strcmp(msg, "ok")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		oci_die("%s", got ? msg : "the container's init ended before it was ready");
	}
	if (pidfile) {
		char tmp[PATH_MAX + 8], buf[32];
		snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int len = snprintf(buf, sizeof buf, "%d", (int)pid);
		if (fd < 0 || write(fd, buf, (size_t)len) != len || close(fd) < 0 || rename(tmp, pidfile) < 0) {
			int e = errno;
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			oci_die("--pid-file %s: %s", pidfile, strerror(e));
		}
	}
	cleanup_st = NULL;
	return 0;
}

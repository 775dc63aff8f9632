/*
 * The container's cgroup (cgroupfs paths, v1 or v2): made at create with the
 * spec's memory, pids and cpu limits, joined by the init process before it
 * becomes tincan-run, frozen by pause, removed by delete.  cpuset and devices
 * are not joined: the guest has no devices of the host's, and the monitor
 * needs /dev/kvm and /dev/net/tun whatever the spec's device list says.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, val, strlen(val));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static void set(const char *dir, const char *file, const char *fmt, unsigned long long v)
{
	char buf[64];
	snprintf(buf, sizeof buf, fmt, v);
	if (write_file(dir, file, buf) < 0)
		oci_die("cgroup %s/%s = %s: %s", dir, file, buf, strerror(errno));
}

static void mkdirs(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = 0;
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				oci_die("cannot make cgroup %s: %s", path, strerror(errno));
			*p = c;
			if (!c)
				return;
		}
	}
}

static int has(const char *opts, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = opts; (p = strstr(p, name)); p += n)
		if ((p == opts || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/* v2: enable memory, pids and cpu for dir's children, each only when dir
 * has it and has not enabled it yet (nothing else of the host changes). */
static void enable(const char *dir)
{
	static const char *const want[] = { "memory", "pids", "cpu" };
	char have[512] = "", on[512] = "", path[700];
	FILE *f;
	snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
	if ((f = fopen(path, "re"))) {
		if (!fgets(have, sizeof have, f))
			have[0] = 0;
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
	if ((f = fopen(path, "re"))) {
		if (!fgets(on, sizeof on, f))
			on[0] = 0;
		fclose(f);
	}
	for (char *p = have; *p; p++)
		*p = *p == ' ' || *p == '\n' ? ',' : *p;
	for (char *p = on; *p; p++)
		*p = *p == ' ' || *p == '\n' ? ',' : *p;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char cmd[16];
		if (!has(have, want[i]) || has(on, want[i]))
			continue;
		snprintf(cmd, sizeof cmd, "+%s", want[i]);
		write_file(dir, "cgroup.subtree_control", cmd);
	}
}

static uint64_t clamp_shares(uint64_t v)
{
	return v < 2 ? 2 : v > 262144 ? 262144 : v;
}

void cg_create(const struct oci_spec *s, const char *id, struct oci_state *st)
{
	char rel[1100];
	if (oci_g.systemd_cgroup || strchr(s->cgroups_path, ':'))
		oci_die(
		    "cgroupsPath %s: the systemd cgroup driver is not supported; set SystemdCgroup = false for this "
		    "runtime (cgroupfs paths)",
		    s->cgroups_path);
	snprintf(rel, sizeof rel, "%s%s", s->cgroups_path[0] == '/' ? "" : "/",
		 s->cgroups_path[0] ? s->cgroups_path : id);
	if (strstr(rel, "/..") || strstr(rel, "//"))
		oci_die("cgroupsPath %s: not a plain path", s->cgroups_path);

	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		oci_die("/proc/self/mountinfo: %s", strerror(errno));
	char line[2048];
	while (fgets(line, sizeof line, f) && st->ncg < OCI_MAX_CG) {
		char mnt[512], fstype[32], opts[512];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(dash + 3, "%31s %*s %511s", fstype, opts) != 2)
			continue;
		int v2 = !strcmp(fstype, "cgroup2");
		if (!v2 && strcmp(fstype, "cgroup"))
			continue;
		if (v2) {
			/* On a hybrid host the v2 tree holds no controllers: only joined. */
			char path[600];
			snprintf(path, sizeof path, "%s/cgroup.controllers", mnt);
			FILE *cf = fopen(path, "re");
			opts[0] = 0;
			if (cf) {
				if (fgets(opts, sizeof opts, cf))
					for (char *p = opts; *p; p++)
						*p = *p == ' ' || *p == '\n' ? ',' : *p;
				fclose(cf);
			}
		}
		int mem = has(opts, "memory"), pids = has(opts, "pids"), cpu = has(opts, "cpu");
		int freezer = has(opts, "freezer") || (v2 && opts[0]); /* v2: cgroup.freeze */
		if (!v2 && !mem && !pids && !cpu && !freezer && !has(opts, "cpuacct") && !has(opts, "blkio"))
			continue;
		char dir[512];
		if (snprintf(dir, sizeof dir, "%s%s", mnt, rel) >= (int)sizeof dir)
			oci_die("cgroup path too long: %s%s", mnt, rel);
		mkdirs(dir);
		if (v2 && opts[0]) {
			/* Let the limits apply: from the root down to the leaf's
			 * parent, enable what each level has and lacks, one by one. */
			char up[512];
			snprintf(up, sizeof up, "%s", dir);
			char *p = up + strlen(mnt);
			for (;;) {
				char *next = strchr(p + 1, '/');
				*p = 0;
				enable(up[0] ? up : "/");
				if (!next)
					break;
				*p = '/';
				p = next;
			}
		}
		snprintf(st->cg[st->ncg++], sizeof st->cg[0], "%s", dir);
		if (freezer && !st->freezer[0])
			snprintf(st->freezer, sizeof st->freezer, "%s", dir);
		if (mem && s->mem_limit > 0)
			set(dir, v2 ? "memory.max" : "memory.limit_in_bytes", "%llu", (unsigned long long)s->mem_limit);
		if (pids && s->pids_limit > 0)
			set(dir, "pids.max", "%llu", (unsigned long long)s->pids_limit);
		if (cpu && !v2) {
			if (s->cpu_shares)
				set(dir, "cpu.shares", "%llu", s->cpu_shares);
			if (s->cpu_period)
				set(dir, "cpu.cfs_period_us", "%llu", s->cpu_period);
			if (s->cpu_quota)
				set(dir, "cpu.cfs_quota_us", "%lld", (unsigned long long)s->cpu_quota);
		} else if (cpu) {
			if (s->cpu_shares) /* runc's conversion of shares to weight */
				set(dir, "cpu.weight", "%llu", 1 + ((clamp_shares(s->cpu_shares) - 2) * 9999) / 262142);
			if (s->cpu_quota > 0) {
				char buf[64];
				snprintf(buf, sizeof buf, "%lld %llu", (long long)s->cpu_quota,
					 (unsigned long long)(s->cpu_period ? s->cpu_period : 100000));
				if (write_file(dir, "cpu.max", buf) < 0)
					oci_die("cgroup %s/cpu.max: %s", dir, strerror(errno));
			}
		}
	}
	fclose(f);
}

int cg_join(const struct oci_state *st, pid_t pid, char *err, size_t errlen)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%d", (int)pid);
	for (int i = 0; i < st->ncg; i++)
		if (write_file(st->cg[i], "cgroup.procs", buf) < 0) {
			snprintf(err, errlen, "cannot join cgroup %s: %s", st->cg[i], strerror(errno));
			return -1;
		}
	return 0;
}

void cg_remove(const struct oci_state *st)
{
	for (int i = 0; i < st->ncg; i++)
		for (int tries = 0; rmdir(st->cg[i]) < 0 && errno == EBUSY && tries < 100; tries++)
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL); /* the monitor is still exiting */
}

int cg_freeze(const struct oci_state *st, int freeze)
{
	char path[700], got[32];
	if (!st->freezer[0])
		return -1;
	snprintf(path, sizeof path, "%s/freezer.state", st->freezer);
	int v1 = access(path, F_OK) == 0;
	if (!v1)
		return write_file(st->freezer, "cgroup.freeze", freeze ? "1" : "0");
	const char *want = freeze ? "FROZEN" : "THAWED";
	for (int tries = 0; tries < 200; tries++) {
		if (write_file(st->freezer, "freezer.state", want) < 0)
			return -1;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, got, sizeof got - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0 && !strncmp(got, want, strlen(want)))
			return 0;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	errno = EBUSY;
	return -1;
}

/* A container's state: ROOT/ID/tincan.state, "key value" lines, written
 * whole under a temporary name and renamed.  Its presence is what makes an
 * ID ours rather than runc's (runc keeps ROOT/ID/state.json). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

int state_valid_id(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 200 || !strcmp(id, ".") || !strcmp(id, ".."))
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("_+-.", *p)))
			return 0;
	return 1;
}

void state_path(char *out, size_t len, const char *id, const char *file)
{
	if (snprintf(out, len, "%s/%s%s%s", oci_g.root, id, file ? "/" : "", file ? file : "") >= (int)len)
		oci_die("state path too long: %s/%s", oci_g.root, id);
}

unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return 0;
	/* field 3 is the state; starttime is field 22 */
	p += 2;
	for (int f = 3; f < 22 && p; f++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

int state_alive(const struct oci_state *st)
{
	return st->pid > 0 && proc_start(st->pid) == st->start;
}

const char *state_status(const struct oci_state *st)
{
	char fifo[4200];
	if (!state_alive(st))
		return "stopped";
	snprintf(fifo, sizeof fifo, "%s/exec.fifo", st->dir);
	if (access(fifo, F_OK) == 0)
		return "created";
	return st->paused ? "paused" : "running";
}

int state_read(const char *id, struct oci_state *st)
{
	char path[4200], line[4400];
	memset(st, 0, sizeof *st);
	state_path(path, sizeof path, id, "tincan.state");
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	snprintf(st->id, sizeof st->id, "%s", id);
	state_path(st->dir, sizeof st->dir, id, NULL);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *v = strchr(line, ' ');
		if (!v)
			continue;
		*v++ = 0;
#define S(key, field)                                                                                                  \
	if (!strcmp(line, key)) {                                                                                      \
		snprintf(field, sizeof field, "%s", v);                                                                \
		continue;                                                                                              \
	}
		S("bundle", st->bundle);
		S("rootfs", st->rootfs);
		S("created", st->created);
		S("netns", st->netns);
		S("netns_id", st->netns_id);
		S("freezer", st->freezer);
#undef S
		if (!strcmp(line, "pid"))
			st->pid = atoi(v);
		else if (!strcmp(line, "start"))
			st->start = strtoull(v, NULL, 10);
		else if (!strcmp(line, "paused"))
			st->paused = atoi(v);
		else if (!strcmp(line, "tap") && st->ntap < OCI_MAX_NET &&
			 sscanf(v, "%15s %15s", st->tap[st->ntap], st->veth[st->ntap]) == 2)
			st->ntap++;
		else if (!strcmp(line, "cgroup") && st->ncg < OCI_MAX_CG)
			snprintf(st->cg[st->ncg++], sizeof st->cg[0], "%s", v);
	}
	fclose(f);
	return 0;
}

void state_write(const struct oci_state *st)
{
	char path[4200], tmp[4300];
	state_path(path, sizeof path, st->id, "tincan.state");
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "we");
	if (!f)
		oci_die("cannot write %s: %s", tmp, strerror(errno));
	fprintf(f,
		"pid %d\nstart %llu\nbundle %s\nrootfs %s\ncreated %s\nnetns %s\nnetns_id %s\nfreezer %s\npaused %d\n",
		(int)st->pid, st->start, st->bundle, st->rootfs, st->created, st->netns, st->netns_id, st->freezer,
		st->paused);
	for (int i = 0; i < st->ntap; i++)
		fprintf(f, "tap %s %s\n", st->tap[i], st->veth[i]);
	for (int i = 0; i < st->ncg; i++)
		fprintf(f, "cgroup %s\n", st->cg[i]);
	if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path))
		oci_die("cannot write %s: %s", path, strerror(errno));
}

/*
 * config.json: what the bundle asks for, turned into tincan-run's options.
 * The spec comes from the container engine (trusted as runc trusts it); the
 * rootfs and the image in it do not, and tincan-run checks them again.
 */
#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

#define MAX_DIRS 4 /* tincan-run --dir, up to 4 */

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void copy(char *dst, size_t len, const char *src, const char *what)
{
	if (strlen(src) >= len)
		oci_die("config.json: %s is too long", what);
	strcpy(dst, src);
}

static int ns_type(const char *t)
{
	static const struct {
		const char *name;
		int flag;
	} map[] = { { "network", CLONE_NEWNET },  { "mount", CLONE_NEWNS }, { "uts", CLONE_NEWUTS },
		    { "ipc", CLONE_NEWIPC },	  { "pid", CLONE_NEWPID },  { "user", CLONE_NEWUSER },
		    { "cgroup", CLONE_NEWCGROUP } };
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(t, map[i].name))
			return map[i].flag;
	return 0;
}

/* tincan-run's --dir=HOST:GUEST[:ro] splits on ':'. */
static int plain_name(const char *p)
{
	for (; *p; p++)
		if (*p == ':' || *p == ',' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* s as an address a guest can be given as a DNS server or a host entry, in
 * the form tincan-run takes (out, INET6_ADDRSTRLEN): IPv4 but not 0.0.0.0 or
 * loopback, or IPv6 but not ::, ::1, multicast, fe00::/8 (link-local and
 * the like: the guest could not tell on which device) or scoped
 * (fe80::1%eth0); an IPv4-mapped one as its IPv4 address, others in hex
 * groups (inet_ntop's, which tincan-run reads).  0 if it is none of them. */
static int guest_addr(const char *s, char out[INET6_ADDRSTRLEN])
{
	unsigned char b[16];
	static const unsigned char none[16], one[16] = { [15] = 1 }, mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (inet_pton(AF_INET, s, b) != 1) {
		if (inet_pton(AF_INET6, s, b) != 1 || !memcmp(b, none, 16) || !memcmp(b, one, 16) || b[0] >= 0xfe)
			return 0;
		if (memcmp(b, mapped, 12)) {
			/* inet_ntop writes a dotted tail for ::a.b.c.d too: those
			 * are left out (deprecated, RFC 4291) */
			return inet_ntop(AF_INET6, b, out, INET6_ADDRSTRLEN) && !strchr(out, '.');
		}
		memmove(b, b + 12, 4);
	}
	return b[0] != 127 && memcmp(b, none, 4) && inet_ntop(AF_INET, b, out, INET6_ADDRSTRLEN);
}

/* A host name tincan-run takes (its --host-entry's rule): letters, digits,
 * '-', '_' and dots, labels of 1 to 63, at most 253 in all. */
static int host_name_ok(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			     c == '_') ||
			   ++label > 63) {
			return 0;
		}
	}
	return 1;
}

/* A line of f into buf (NUL-terminated), the rest of a longer one skipped:
 * never read as lines of their own.  0 at the end of f. */
static int line_of(FILE *f, char *buf, int n)
{
	if (!fgets(buf, n, f))
		return 0;
	if (!strchr(buf, '\n'))
		for (int c; (c = getc(f)) != EOF && c != '\n';)
			;
	return 1;
}

/* Nameservers of a resolv.conf as --dns (IPv4 and IPv6; others left out
 * with a warning). */
static void resolv(struct oci_spec *s, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		oci_log("warning", "cannot read %s (mounted at /etc/resolv.conf): %m; the guest asks DHCP", path);
		return;
	}
	char line[512];
	int n = 0;
	while (line_of(f, line, sizeof line) && n < 3) {
		char addr[64], a[INET6_ADDRSTRLEN];
		/* as glibc reads it: the keyword at the start, a blank after */
		if (strncmp(line, "nameserver", 10) || (line[10] != ' ' && line[10] != '\t') ||
		    sscanf(line + 10, "%63s", addr) != 1)
			continue;
		if (guest_addr(addr, a)) {
			argv_add(&s->run, "--dns=%s", a);
			n++;
		} else {
			oci_log("warning", "%s: nameserver %s is left out (not an address the guest can ask)", path,
				addr);
		}
	}
	fclose(f);
}

/* Entries of a hosts file (IPv4 and IPv6, not loopback or multicast, names
 * tincan-run takes) as --host-entry; others are left out. */
static void hosts(struct oci_spec *s, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char line[1024];
	int n = 0;
	while (line_of(f, line, sizeof line) && n < 16) {
		char *save, *addr = strtok_r(line, " \t\r\n", &save), a[INET6_ADDRSTRLEN];
		if (!addr || addr[0] == '#' || !guest_addr(addr, a))
			continue;
		for (char *name; (name = strtok_r(NULL, " \t\r\n", &save)) && name[0] != '#' && n < 16;)
			if (host_name_ok(name)) {
				argv_add(&s->run, "--host-entry=%s:%s", name, a);
				n++;
			}
	}
	fclose(f);
}

static int has_opt(json_t *opts, const char *want)
{
	size_t i;
	json_t *o;
	json_array_foreach(opts, i, o) if (json_is_string(o) && !strcmp(json_string_value(o), want)) return 1;
	return 0;
}

/* Is path dir or below it? */
static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

static void mounts(struct oci_spec *s, json_t *ms, int *ndirs)
{
	size_t i;
	json_t *m;
	json_array_foreach(ms, i, m)
	{
		const char *dst = str(m, "destination"), *src = str(m, "source"), *type = str(m, "type");
		json_t *opts = json_object_get(m, "options");
		int bind = (type && !strcmp(type, "bind")) || has_opt(opts, "bind") || has_opt(opts, "rbind");
		if (!dst || !src || !bind)
			continue; /* proc, sysfs, tmpfs, devpts...: the guest has its own */
		if (under(dst, "/dev") || under(dst, "/proc") || under(dst, "/sys"))
			continue; /* CRI's /dev/shm, /dev/termination-log: the guest's own /dev */
		struct stat sb;
		if (stat(src, &sb) < 0)
			oci_die("mount %s: source %s: %m", dst, src);
		if (!strcmp(dst, "/etc/resolv.conf") && S_ISREG(sb.st_mode)) {
			resolv(s, src);
		} else if (!strcmp(dst, "/etc/hosts") && S_ISREG(sb.st_mode)) {
			hosts(s, src);
		} else if (S_ISDIR(sb.st_mode)) {
			if (!plain_name(src) || !plain_name(dst))
				oci_die("mount %s: a path with ':', ',' or a control character cannot be shared", dst);
			if (++*ndirs > MAX_DIRS)
				oci_die("mount %s: a tincan guest takes at most %d directories (rootfs included)", dst,
					MAX_DIRS);
			argv_add(&s->run, "--dir=%s:%s%s", src, dst, has_opt(opts, "ro") ? ":ro" : "");
		} else {
			oci_log("warning", "mount %s: %s is not a directory; a tincan guest does not see it", dst, src);
		}
	}
}

/* The rootfs's other top-level directories, each shared at its own path
 * (tincan-run shares directories below /, not / itself).  The rootfs is the
 * image's: symbolic links and other files there are not followed. */
static void rootfs_dirs(struct oci_spec *s, int *ndirs)
{
	DIR *d = opendir(s->rootfs);
	if (!d)
		oci_die("rootfs %s: %s", s->rootfs, strerror(errno));
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat sb;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, OCI_IMAGE_NAME))
			continue;
		if (!plain_name(e->d_name)) {
			oci_log("warning",
				"rootfs: a directory name with ':', ',' or a control character is not shared");
			continue;
		}
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode)) {
			oci_log("warning",
				"rootfs /%s is not a directory: the guest does not see it (put files in a directory)",
				e->d_name);
			continue;
		}
		if (++*ndirs > MAX_DIRS)
			oci_die("rootfs /%s: a tincan guest takes at most %d directories (rootfs and mounts)",
				e->d_name, MAX_DIRS);
		argv_add(&s->run, "--dir=%s/%s:/%s%s", s->rootfs, e->d_name, e->d_name, s->rootfs_ro ? ":ro" : "");
	}
	closedir(d);
}

int spec_load(const char *bundle, struct oci_spec *s)
{
	char path[4096];
	memset(s, 0, sizeof *s);
	if (snprintf(path, sizeof path, "%s/config.json", bundle) >= (int)sizeof path)
		oci_die("bundle path too long");
	json_error_t jerr;
	json_t *c = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!c)
		return 0; /* runc will say what is wrong with it */
	json_t *root = json_object_get(c, "root"), *proc = json_object_get(c, "process");
	json_t *linux_ = json_object_get(c, "linux");
	const char *rp = str(root, "path");
	if (!rp) {
		json_decref(c);
		return 0;
	}
	if (rp[0] == '/')
		copy(s->rootfs, sizeof s->rootfs, rp, "root.path");
	else if (snprintf(s->rootfs, sizeof s->rootfs, "%s/%s", bundle, rp) >= (int)sizeof s->rootfs)
		oci_die("config.json: root.path is too long");
	struct stat sb;
	char img[4200];
	snprintf(img, sizeof img, "%s/%s", s->rootfs, OCI_IMAGE_NAME);
	if (lstat(img, &sb) < 0) {
		json_decref(c);
		return 0; /* an ordinary container */
	}
	if (!S_ISREG(sb.st_mode))
		oci_die("%s is not a regular file (a tincan image is one)", img);
	s->rootfs_ro = json_is_true(json_object_get(root, "readonly"));
	if (!json_is_object(proc))
		oci_die("config.json: no process (a tincan bundle needs one, for the guest's arguments)");

	/* The guest's arguments: process.args without the entrypoint itself. */
	json_t *args = json_object_get(proc, "args"), *a;
	size_t i;
	if (!json_is_array(args))
		oci_die("config.json: process.args must be an array of strings");
	json_array_foreach(args, i, a)
	{
		if (!json_is_string(a))
			oci_die("config.json: process.args[%zu] is not a string", i);
		const char *v = json_string_value(a);
		if (i == 0 &&
		    (!strcmp(v, "/" OCI_IMAGE_NAME) || !strcmp(v, OCI_IMAGE_NAME) || !strcmp(v, "./" OCI_IMAGE_NAME)))
			continue;
		argv_add(&s->args, "%s", v);
	}
	json_array_foreach(json_object_get(proc, "env"), i, a)
	{
		const char *v = json_string_value(a);
		if (!v || !strchr(v, '=') || v[0] == '=')
			oci_die("config.json: process.env[%zu] is not KEY=VALUE", i);
		argv_add(&s->run, "--env=%s", v);
	}
	s->terminal = json_is_true(json_object_get(proc, "terminal"));
	json_t *user = json_object_get(proc, "user");
	s->uid = (unsigned)json_integer_value(json_object_get(user, "uid"));
	s->gid = (unsigned)json_integer_value(json_object_get(user, "gid"));
	copy(s->cwd, sizeof s->cwd, str(proc, "cwd") ? str(proc, "cwd") : "/", "process.cwd");
	if (str(c, "hostname"))
		copy(s->hostname, sizeof s->hostname, str(c, "hostname"), "hostname");

	json_t *ns;
	json_array_foreach(json_object_get(linux_, "namespaces"), i, ns)
	{
		const char *t = str(ns, "type"), *p = str(ns, "path");
		if (!t || !ns_type(t))
			oci_die("config.json: unknown namespace type %s", t ? t : "(none)");
		if (s->nns == (int)(sizeof s->ns / sizeof s->ns[0]))
			oci_die("config.json: too many namespaces");
		s->ns[s->nns].type = ns_type(t);
		if (p && *p)
			copy(s->ns[s->nns].path, sizeof s->ns[0].path, p, "a namespace path");
		s->nns++;
	}
	if (str(linux_, "cgroupsPath"))
		copy(s->cgroups_path, sizeof s->cgroups_path, str(linux_, "cgroupsPath"), "linux.cgroupsPath");
	json_t *res = json_object_get(linux_, "resources");
	s->mem_limit = json_integer_value(json_object_get(json_object_get(res, "memory"), "limit"));
	s->pids_limit = json_integer_value(json_object_get(json_object_get(res, "pids"), "limit"));
	json_t *cpu = json_object_get(res, "cpu");
	s->cpu_shares = (uint64_t)json_integer_value(json_object_get(cpu, "shares"));
	s->cpu_quota = json_integer_value(json_object_get(cpu, "quota"));
	s->cpu_period = (uint64_t)json_integer_value(json_object_get(cpu, "period"));
	if (s->mem_limit < 0)
		s->mem_limit = 0; /* -1: unlimited */

	int ndirs = 0;
	rootfs_dirs(s, &ndirs);
	mounts(s, json_object_get(c, "mounts"), &ndirs);
	if (strcmp(s->cwd, "/"))
		argv_add(&s->run, "--cwd=%s", s->cwd);
	/* Never root, and never a user the image chooses (tincan-run's default
	 * with --dir is the directory's owner, which the image sets). */
	if (s->uid)
		argv_add(&s->run, "--user=%u:%u", s->uid, s->gid);
	else
		argv_add(&s->run, "--user=65534:65534");

	json_decref(c);
	return 1;
}

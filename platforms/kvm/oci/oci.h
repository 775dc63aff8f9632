/*
 * tincan-oci: a runc-compatible OCI runtime.  A bundle whose rootfs holds
 * /tincan.tc boots that image with tincan-run inside the container's
 * namespaces and cgroup; any other bundle (and any container it did not
 * create) is handed to runc unchanged.  docs/oci.md says what it does.
 */
#ifndef TINCAN_OCI_H
#define TINCAN_OCI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OCI_IMAGE_NAME "tincan.tc" /* in the rootfs */
#define OCI_MAX_ARGS 4096
#define OCI_MAX_NET 8
#define OCI_MAX_CG 8

/* Global options, as runc takes them before the command. */
struct oci_globals {
	const char *root; /* state directory (--root) */
	const char *log; /* --log FILE, or NULL: stderr */
	int log_json; /* --log-format json */
	int systemd_cgroup;
};

extern struct oci_globals oci_g;

/* log.c: errors in runc's form; oci_die exits 1. */
void oci_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void oci_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growing argv for tincan-run (argv.c). */
struct oci_argv {
	char **v;
	size_t n, cap;
};
void argv_add(struct oci_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What config.json asks for (spec.c). */
struct oci_ns {
	int type; /* CLONE_NEW* */
	char path[256]; /* "" : a new one */
};
struct oci_spec {
	char rootfs[4096]; /* absolute */
	int rootfs_ro;
	int terminal;
	unsigned uid, gid;
	char cwd[1024];
	char hostname[256];
	int nns;
	struct oci_ns ns[8];
	char cgroups_path[1024];
	int64_t mem_limit; /* bytes; 0: none */
	int64_t pids_limit; /* 0: none */
	uint64_t cpu_shares;
	int64_t cpu_quota;
	uint64_t cpu_period;
	struct oci_argv run; /* tincan-run's options from args, env, mounts */
	struct oci_argv args; /* the guest's ARGS */
};
/* Load BUNDLE/config.json.  Returns 1 when it describes a tincan bundle
 * (ROOTFS/tincan.tc exists), 0 when it is someone else's (or unreadable:
 * runc will say why), and dies on a tincan bundle it cannot honour. */
int spec_load(const char *bundle, struct oci_spec *s);

/* What the image asks for (image.c): checks it as tincan-run would. */
struct oci_image {
	uint64_t mem; /* manifest's claim, bytes */
	int nnet;
	char net[OCI_MAX_NET][16];
};
void image_check(const char *rootfs, struct oci_image *img);

/* Container state under ROOT/ID (state.c). */
struct oci_state {
	char id[256];
	char dir[4096];
	pid_t pid;
	unsigned long long start; /* /proc/PID/stat starttime, against pid reuse */
	char bundle[4096];
	char rootfs[4096];
	char created[64];
	char netns[256]; /* a joined netns path: taps live there; "" none */
	char netns_id[48]; /* its st_dev:st_ino when joined, against a path reused since */
	int ntap;
	char tap[OCI_MAX_NET][16];
	char veth[OCI_MAX_NET][16];
	int ncg;
	char cg[OCI_MAX_CG][512]; /* cgroup directories made for it */
	char freezer[512]; /* the one that pauses it, or "" */
	int paused;
};
int state_valid_id(const char *id);
void state_path(char *out, size_t len, const char *id, const char *file);
int state_read(const char *id, struct oci_state *st); /* 0, or -1: not ours */
void state_write(const struct oci_state *st);
unsigned long long proc_start(pid_t pid); /* 0: no such process (or a zombie) */
const char *state_status(const struct oci_state *st); /* created running paused stopped */
int state_alive(const struct oci_state *st);

/* Undo what create made: taps, cgroups, the state directory. */
void oci_remove(const struct oci_state *st);

/* cgroup.c */
void cg_create(const struct oci_spec *s, const char *id, struct oci_state *st);
int cg_join(const struct oci_state *st, pid_t pid, char *err, size_t errlen);
void cg_remove(const struct oci_state *st);
int cg_freeze(const struct oci_state *st, int freeze);

/* net.c: inside the container's netns, give the image's NICs the netns's
 * interfaces (a tap each, joined to it by tc redirect).  Returns 0 or -1
 * with err set. */
int net_setup(const struct oci_image *img, struct oci_state *st, struct oci_argv *run, char *err, size_t errlen);
void net_teardown(const struct oci_state *st);

/* Run a program (argv[0] looked up in PATH) with stdin from in (NULL: none);
 * its stdout into out (NULL: discarded).  Returns its exit status, or -1. */
int run_prog(char *const argv[], const char *in, char *out, size_t outlen);

/* Commands (create.c, cmds.c). */
int cmd_create(int argc, char **argv); /* -2: not ours, runc takes it */
int cmd_start(const char *id);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_state(const char *id);
int cmd_ps(int argc, char **argv);
int cmd_pause(const char *id, int pause);

#endif

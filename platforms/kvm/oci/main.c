/*
 * tincan-oci's command line: runc's global options, then a command.  What is
 * not a tincan container goes to runc with the same arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci.h"

struct oci_globals oci_g = { .root = "/run/tincan-oci" };

static const char *runc_path(void)
{
	const char *r = getenv("TINCAN_OCI_RUNC");
	return r && *r ? r : "runc";
}

static _Noreturn void to_runc(char **argv)
{
	argv[0] = (char *)runc_path();
	execvp(argv[0], argv);
	oci_die("cannot run %s: %s (a bundle without /" OCI_IMAGE_NAME " needs runc)", argv[0], strerror(errno));
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tincan-oci [--root DIR] [--log FILE] [--log-format text|json] COMMAND [OPTIONS] ID\n"
		   "An OCI runtime: bundles whose rootfs holds /" OCI_IMAGE_NAME " (a tincan image) boot it\n"
		   "with tincan-run; every other bundle is handed to runc (TINCAN_OCI_RUNC, default runc).\n\n"
		   "  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID\n"
		   "  start ID        kill [--all] ID [SIGNAL]   delete [--force] ID\n"
		   "  state ID        ps [--format table|json] ID   pause ID   resume ID\n"
		   "  exec ...        refused for a tincan container (a guest runs one program)\n"
		   "See docs/oci.md.\n");
}

/* runc's options that take a value, per command (the others are flags). */
static int takes_value(const char *cmd, const char *opt)
{
	static const char *const exec[] = { "--console-socket",
					    "--cwd",
					    "--env",
					    "-e",
					    "--user",
					    "-u",
					    "--additional-gids",
					    "-g",
					    "--process",
					    "-p",
					    "--pid-file",
					    "--process-label",
					    "--apparmor",
					    "--cap",
					    "-c",
					    "--preserve-fds",
					    "--cgroup",
					    NULL };
	static const char *const ps[] = { "--format", "-f", NULL };
	static const char *const events[] = { "--interval", NULL };
	static const char *const other[] = { "--bundle",
					     "-b",
					     "--pid-file",
					     "--console-socket",
					     "--preserve-fds",
					     "--image-path",
					     "--work-path",
					     "--parent-path",
					     "--page-server",
					     "--manage-cgroups-mode",
					     "--empty-ns",
					     "--status-fd",
					     "--lsm-profile",
					     "--lsm-mount-context",
					     "-r",
					     "--resources",
					     "--blkio-weight",
					     "--cpu-period",
					     "--cpu-quota",
					     "--cpu-rt-period",
					     "--cpu-rt-runtime",
					     "--cpu-share",
					     "--cpuset-cpus",
					     "--cpuset-mems",
					     "--kernel-memory",
					     "--kernel-memory-tcp",
					     "--memory",
					     "--memory-reservation",
					     "--memory-swap",
					     "--pids-limit",
					     "--l3-cache-schema",
					     "--mem-bw-schema",
					     NULL };
	const char *const *list = !strcmp(cmd, "exec")	   ? exec
				  : !strcmp(cmd, "ps")	   ? ps
				  : !strcmp(cmd, "events") ? events
				  : !strcmp(cmd, "kill") || !strcmp(cmd, "delete") || !strcmp(cmd, "start") ||
					  !strcmp(cmd, "state") || !strcmp(cmd, "pause") || !strcmp(cmd, "resume")
				      ? NULL
				      : other;
	for (; list && *list; list++)
		if (!strcmp(opt, *list))
			return 1;
	return 0;
}

/* The container a command names: its first argument that is not an option
 * or an option's value (exec's command and kill's signal come after it). */
static const char *cmd_id(const char *cmd, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (argv[i][0] != '-' || !argv[i][1])
			return argv[i];
		if (!strchr(argv[i], '=') && takes_value(cmd, argv[i]))
			i++;
	}
	return NULL;
}

/* Is that container ours (ROOT/ID/tincan.state)? */
static const char *ours(const char *cmd, int argc, char **argv)
{
	struct oci_state st;
	const char *id = cmd_id(cmd, argc, argv);
	return id && state_valid_id(id) && state_read(id, &st) == 0 ? id : NULL;
}

/* The one ID among a command's arguments (options it takes are skipped). */
static const char *one_id(int argc, char **argv, const char *cmd)
{
	const char *id = NULL;
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		if (id)
			oci_die("%s: too many arguments (expected one container ID)", cmd);
		id = argv[i];
	}
	if (!id)
		oci_die("%s: a container ID is needed", cmd);
	return id;
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		char *a = argv[i], *v = NULL;
		char *eq = strchr(a, '=');
		const char *name = a;
		char buf[64];
		if (eq && (size_t)(eq - a) < sizeof buf) {
			memcpy(buf, a, eq - a);
			buf[eq - a] = 0;
			name = buf;
			v = eq + 1;
		}
		int takes = !strcmp(name, "--root") || !strcmp(name, "--log") || !strcmp(name, "--log-format") ||
			    !strcmp(name, "--criu") || !strcmp(name, "--rootless");
		if (takes && !v) {
			if (i + 1 >= argc)
				oci_die("option %s needs a value", name);
			v = argv[++i];
		}
		if (!strcmp(name, "--root"))
			oci_g.root = v;
		else if (!strcmp(name, "--log"))
			oci_g.log = v;
		else if (!strcmp(name, "--log-format"))
			oci_g.log_json = !strcmp(v, "json");
		else if (!strcmp(name, "--systemd-cgroup"))
			oci_g.systemd_cgroup = 1;
		else if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(name, "--version") || !strcmp(name, "-v")) {
			printf("tincan-oci version %s\nspec: 1.0.2\n", TINCAN_VERSION);
			return 0;
		}
		/* --debug, --criu, --rootless and the rest: runc's business. */
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	const char *cmd = argv[i];
	int n = argc - i - 1;
	char **rest = argv + i + 1;

	if (!strcmp(cmd, "create")) {
		int r = cmd_create(n, rest);
		if (r == -2)
			to_runc(argv);
		return r;
	}
	const char *mine = ours(cmd, n, rest);
	if (!mine)
		to_runc(argv);
	if (!strcmp(cmd, "start"))
		return cmd_start(one_id(n, rest, cmd));
	if (!strcmp(cmd, "kill"))
		return cmd_kill(n, rest);
	if (!strcmp(cmd, "delete"))
		return cmd_delete(n, rest);
	if (!strcmp(cmd, "state"))
		return cmd_state(one_id(n, rest, cmd));
	if (!strcmp(cmd, "ps"))
		return cmd_ps(n, rest);
	if (!strcmp(cmd, "pause"))
		return cmd_pause(one_id(n, rest, cmd), 1);
	if (!strcmp(cmd, "resume"))
		return cmd_pause(one_id(n, rest, cmd), 0);
	if (!strcmp(cmd, "exec"))
		oci_die("exec: %s is a tincan guest: it runs one program and has no processes to start beside it",
			mine);
	oci_die("%s: not supported for a tincan container (%s)", cmd, mine);
}

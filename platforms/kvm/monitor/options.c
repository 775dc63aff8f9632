/* tincan-run's command line; see options.h. */
#include "options.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../abi.h"
#include "module.h"
#include "netopt.h"
#include "size.h"

#ifdef TINCAN_DEBUG
static const char usage_head[] =
    "usage: tincan-run [OPTIONS] IMAGE [--] [ARGS...]\n"
    "       tincan-run [OPTIONS] --restore=FILE\n"
    "Boot IMAGE (a program linked by tincan-cc) as a KVM guest; ARGS become its argv[1..].\n"
    "\n"
    "  --mem=SIZE   guest memory, e.g. 1M, 512K, 1G (default 8M, or what the image asks for)\n"
    "  --mem-max=SIZE  let guest memory grow on demand up to SIZE (0: fixed; default 1G,\n"
    "               but 0 when --mem is given: --mem alone is a limit)\n"
    "  --env=K=V    set an environment variable in the guest (repeatable)\n"
    "  --timeout=DURATION  end the guest after DURATION (e.g. 500ms, 10s, 2m, 1h) with 106\n"
    "  --grace=DURATION  after the host's SIGTERM/SIGINT, the time the guest has to exit\n"
    "               before it is ended with 128+signal (default 5s; 0: at once)\n"
    "  --console-rate=N  at most N bytes of console output a second (the guest waits)\n"
    "  --net-rate=N  at most N frames sent a second per net device (more are dropped)\n"
    "  --user=UID[:GID]  as root, run as UID (default 65534; with --dir, its owner)\n"
    "  --jail=ns|off  ns: new namespaces and an empty root too; off: no jail, only seccomp\n"
    "  --snapshot=FILE  run until the guest is ready (idle, or tincan_ready()), write FILE, exit\n"
    "  --restore=FILE  resume a snapshot instead of booting an image (no IMAGE, no ARGS);\n"
    "               devices, --env and the other options are the restore's\n";
static const char usage_tail[] = "  --help       show this help\n"
				 "  --version    show the version\n"
				 "\n"
				 "Exit status: the guest's own exit status, or\n"
				 "  100 guest panic or abort()     101 guest CPU fault (page fault, #GP, #UD...)\n"
				 "  102 guest broke the ABI        103 bad image, or it does not fit in --mem\n"
				 "  104 bad command line           105 host error (/dev/kvm, memory, I/O)\n"
				 "  106 --timeout ran out\n";
#endif

/* write(), not stdio: the monitor links no FILE machinery. */
static void put_all(int fd, const char *s)
{
	for (size_t n = strlen(s); n;) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

#ifdef TINCAN_DEBUG
void options_usage(int fd, const struct module *const *mods)
{
	put_all(fd, usage_head);
	for (; *mods; mods++)
		if ((*mods)->usage)
			put_all(fd, (*mods)->usage);
	put_all(fd, usage_tail);
}
#else
/* tincan-run's --help is tincan-run-debug's (main.c runs it): this is
 * what is left when that binary is missing. */
void options_usage(int fd, const struct module *const *mods)
{
	(void)mods;
	put_all(fd, "usage: tincan-run [OPTIONS] IMAGE [--] [ARGS...]\n"
		    "options: tincan-run-debug --help (not installed beside tincan-run)\n");
}
#endif

/* A duration: digits, then ms, s (also none), m or h; above 0, at most a
 * year.  Nanoseconds in *ns. */
static int parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		char unit[3];
		uint64_t ns;
	} units[] = { { "ms", 1000000ULL },
		      { "s", 1000000000ULL },
		      { "", 1000000000ULL },
		      { "m", 60000000000ULL },
		      { "h", 3600000000000ULL } };
	uint64_t n = 0;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (uint64_t)(*s - '0')) > 1000000000000ULL)
			return -1;
	for (unsigned i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(s, units[i].unit) == 0) {
			*ns = n * units[i].ns;
			return n && *ns <= 366ULL * 86400 * 1000000000ULL ? 0 : -1;
		}
	return -1;
}

/* A uid or gid: decimal, below 2^32 - 1 (-1 means "unchanged" to the kernel);
 * the rest of s in *end. */
static int parse_id(const char *s, uint32_t *id, const char **end)
{
	uint64_t n = 0;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (uint64_t)(*s - '0')) >= UINT32_MAX)
			return -1;
	*id = (uint32_t)n;
	*end = s;
	return 0;
}

/* "--name=value" or "--name value": the value, or NULL if arg is not --name. */
static const char *opt_value(const char *name, int argc, char **argv, int *i, int *missing)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* The resolver's settings go to the guest in its environment, as
 * TINCAN_DNS=ADDR,... and TINCAN_HOSTS=NAME:ADDR,... (libos/net/dns.c). */
#define DNS_MAX 3
#define HOSTS_MAX 32

/* A host name: 1 to 253 bytes of letters, digits, '-', '_' and '.', labels
 * of 1 to 63. */
static int host_name_ok(const char *s, size_t n)
{
	size_t label = 0;
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

/* "PREFIX" and the values joined with commas, for the environment. */
static char *join_env(const char *prefix, const char **v, int n)
{
	size_t len = strlen(prefix) + 1;
	for (int i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	/* mmap, not malloc: the monitor links no allocator. */
	char *s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return NULL;
	/* memcpy, not strcpy/strcat: fewer libc functions; mmap's zeros end it. */
	size_t at = strlen(prefix);
	memcpy(s, prefix, at);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(v[i]);
		if (i)
			s[at++] = ',';
		memcpy(s + at, v[i], l);
		at += l;
	}
	return s;
}

/* Give argv[*i] to the module option it names: 1 taken, 0 not a module
 * option, -1 refused (err says why). */
static int module_option(const struct module *const *mods, int argc, char **argv, int *i, int *missing, char *err,
			 size_t errlen)
{
	for (; *mods; mods++) {
#ifdef TINCAN_DEBUG
		if ((*mods)->flag && strcmp(argv[*i], (*mods)->flag) == 0)
			return *(*mods)->flag_set = 1;
#endif
		for (const struct mod_option *mo = (*mods)->options; mo && mo->name; mo++) {
			const char *v = opt_value(mo->name, argc, argv, i, missing);
			if (v)
				return mo->parse(v, err, errlen) < 0 ? -1 : 1;
		}
	}
	return 0;
}

int options_parse(struct options *o, int argc, char **argv, const struct module *const *mods, char *err, size_t errlen)
{
	int i, missing = 0, r, ndns = 0, nhosts = 0;
	const char *v, *dns[DNS_MAX], *hosts[HOSTS_MAX];
	uint8_t a6[16];

	memset(o, 0, sizeof *o);
	o->mem_max = MEM_MAX_UNSET;
	o->grace_ns = GRACE_DEFAULT;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return OPT_HELP;
		if (strcmp(a, "--version") == 0)
			return OPT_VERSION;
		if ((v = opt_value("--mem", argc, argv, &i, &missing))) {
			if (parse_size(v, &o->mem) < 0) {
				snprintf(err, errlen, "invalid --mem value '%s': expected a size like 1M, 512K or 2G",
					 v);
				return OPT_ERROR;
			}
			if (o->mem < TC_MEM_MIN || o->mem > TC_MEM_MAX) {
				snprintf(err, errlen, "--mem=%s is outside %lluK..%lluG", v,
					 (unsigned long long)(TC_MEM_MIN >> 10),
					 (unsigned long long)(TC_MEM_MAX >> 30));
				return OPT_ERROR;
			}
			o->mem = (o->mem + TC_PAGE_SIZE - 1) & ~(TC_PAGE_SIZE - 1);
		} else if ((v = opt_value("--mem-max", argc, argv, &i, &missing))) {
			if (parse_size(v, &o->mem_max) < 0 || o->mem_max > TC_MEM_MAX) {
				snprintf(err, errlen, "invalid --mem-max value '%s': expected 0 or a size up to %lluG",
					 v, (unsigned long long)(TC_MEM_MAX >> 30));
				return OPT_ERROR;
			}
			o->mem_max = (o->mem_max + TC_PAGE_SIZE - 1) & ~(TC_PAGE_SIZE - 1);
		} else if ((v = opt_value("--timeout", argc, argv, &i, &missing))) {
			if (parse_duration(v, &o->timeout_ns) < 0) {
				snprintf(err, errlen,
					 "invalid --timeout value '%s': expected a duration like 500ms, 10s, 2m or 1h, "
					 "up to a year",
					 v);
				return OPT_ERROR;
			}
		} else if ((v = opt_value("--grace", argc, argv, &i, &missing))) {
			if (strcmp(v, "0") == 0)
				o->grace_ns = 0;
			else if (parse_duration(v, &o->grace_ns) < 0) {
				snprintf(err, errlen,
					 "invalid --grace value '%s': expected 0 or a duration like 500ms, 10s or 2m",
					 v);
				return OPT_ERROR;
			}
		} else if ((v = opt_value("--console-rate", argc, argv, &i, &missing)) ||
			   (v = opt_value("--net-rate", argc, argv, &i, &missing))) {
			uint64_t *r = &o->rate[a[2] == 'n'];
			if (parse_size(v, r) < 0 || !*r || *r > 1ULL << 32) {
				snprintf(err, errlen, "invalid rate '%s': expected 1 to 4G", v);
				return OPT_ERROR;
			}
		} else if ((v = opt_value("--user", argc, argv, &i, &missing))) {
			const char *e;
			int bad = parse_id(v, &o->uid, &e) < 0;
			o->gid = o->uid;
			if (!bad && *e == ':')
				bad = parse_id(e + 1, &o->gid, &e) < 0;
			if (bad || *e) {
				snprintf(err, errlen, "invalid --user value '%s': expected UID or UID:GID", v);
				return OPT_ERROR;
			}
			o->user = 1;
		} else if ((v = opt_value("--jail", argc, argv, &i, &missing))) {
			if (strcmp(v, "ns") && strcmp(v, "off")) {
				snprintf(err, errlen, "invalid --jail value '%s': expected ns or off", v);
				return OPT_ERROR;
			}
			o->jail = v[0] == 'n' ? JAIL_NS : JAIL_OFF;
		} else if ((v = opt_value("--env", argc, argv, &i, &missing))) {
			const char *eq = strchr(v, '=');
			if (!eq || eq == v) {
				snprintf(err, errlen, "invalid --env value '%s': expected NAME=VALUE", v);
				return OPT_ERROR;
			}
			if (o->envc == OPT_ENV_MAX) {
				snprintf(err, errlen, "more than %d --env options (with --ip/--route's)", OPT_ENV_MAX);
				return OPT_ERROR;
			}
			o->envp[o->envc++] = (char *)v;
		} else if ((v = opt_value("--dns", argc, argv, &i, &missing))) {
			if (!netopt_addr(v, a6)) {
				snprintf(err, errlen, "invalid --dns=%s: expected an IPv4 or IPv6 address", v);
				return OPT_ERROR;
			}
			if (ndns == DNS_MAX) {
				snprintf(err, errlen, "more than %d --dns options", DNS_MAX);
				return OPT_ERROR;
			}
			dns[ndns++] = v;
		} else if ((v = opt_value("--host-entry", argc, argv, &i, &missing))) {
			const char *colon = strchr(v, ':');
			if (!colon || !host_name_ok(v, (size_t)(colon - v)) || !netopt_addr(colon + 1, a6)) {
				snprintf(err, errlen,
					 "invalid --host-entry=%s: expected NAME:ADDR like db.example:10.0.0.5", v);
				return OPT_ERROR;
			}
			if (nhosts == HOSTS_MAX) {
				snprintf(err, errlen, "more than %d --host-entry options", HOSTS_MAX);
				return OPT_ERROR;
			}
			hosts[nhosts++] = v;
		} else if ((v = opt_value("--snapshot", argc, argv, &i, &missing))) {
			o->snapshot = v;
		} else if ((v = opt_value("--restore", argc, argv, &i, &missing))) {
			o->restore = v;
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if ((r = module_option(mods, argc, argv, &i, &missing, err, errlen)) < 0) {
			return OPT_ERROR;
		} else if (r == 0) {
			snprintf(err, errlen, missing ? "option '%s' needs a value" : "unknown option '%s'", a);
			return OPT_ERROR;
		}
	}
	/* A restore's image, memory and arguments are the snapshot's. */
	if (o->restore) {
		if (o->snapshot || o->mem || o->mem_max != MEM_MAX_UNSET) {
			snprintf(err, errlen, "--restore takes no %s",
				 o->snapshot ? "--snapshot" : "--mem or --mem-max: memory is the snapshot's");
			return OPT_ERROR;
		}
	} else if (i >= argc) {
		snprintf(err, errlen, "no image given");
		return OPT_ERROR;
	}
	/* An operator who sets --mem sets a limit: memory grows only when
	 * --mem-max says how far.  Without --mem it grows to 1G by default. */
	if (o->mem_max == MEM_MAX_UNSET)
		o->mem_max = o->mem ? 0 : MEM_MAX_DEFAULT;
	else if (o->mem_max && o->mem && o->mem_max < o->mem) {
		snprintf(err, errlen, "--mem-max (%lluK) is below --mem (%lluK)",
			 (unsigned long long)(o->mem_max >> 10), (unsigned long long)(o->mem >> 10));
		return OPT_ERROR;
	}
	for (; *mods; mods++)
		for (char *const *e = (*mods)->env; e && *e; e++)
			if (**e && o->envc < OPT_ENV_MAX)
				o->envp[o->envc++] = *e;
			else if (**e)
				ndns = OPT_ENV_MAX; /* too many: the error below */
	if (o->envc + (ndns > 0) + (nhosts > 0) > OPT_ENV_MAX) {
		snprintf(err, errlen, "more than %d --env options (with --ip/--route's)", OPT_ENV_MAX);
		return OPT_ERROR;
	}
	if (ndns && !(o->envp[o->envc++] = join_env("TINCAN_DNS=", dns, ndns)))
		o->envc--;
	if (nhosts && !(o->envp[o->envc++] = join_env("TINCAN_HOSTS=", hosts, nhosts)))
		o->envc--;
	if (o->restore) {
		o->ignored = argc - i;
		return OPT_RUN;
	}
	o->image = argv[i];
	o->argv = argv + i;
	o->argc = argc - i;
	/* An optional "--" between IMAGE and its arguments is not an argument. */
	if (o->argc > 1 && strcmp(argv[i + 1], "--") == 0) {
		argv[i + 1] = argv[i];
		o->argv = argv + i + 1;
		o->argc--;
	}
	return OPT_RUN;
}

/* tincan-run's command line: the generic options here, the devices' own in
 * their modules (module.h). */
#ifndef TINCAN_OPTIONS_H
#define TINCAN_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OPT_ENV_MAX 256
/* Guest memory grows on demand up to this by default: registering memory
 * with KVM costs host memory (~2.5 KiB per MiB here) only once the guest
 * grows into it, so the cap only bounds what one runaway guest can take. */
#define MEM_MAX_DEFAULT (1ULL << 30)
#define GRACE_DEFAULT (5ULL * 1000000000ULL) /* 5 s */
#define MEM_MAX_UNSET UINT64_MAX /* no --mem-max given */

enum { OPT_RUN, OPT_HELP, OPT_VERSION, OPT_ERROR };
enum { JAIL_ON, JAIL_OFF, JAIL_NS }; /* the default, --jail=off, --jail=ns */

struct module;

struct options {
	uint64_t mem; /* 0: not given */
	uint64_t mem_max; /* growth limit; 0: no growth */
	uint64_t timeout_ns; /* --timeout; 0: none */
	uint64_t grace_ns; /* --grace; default GRACE_DEFAULT */
	uint64_t rate[2]; /* --console-rate bytes, --net-rate frames a second; 0: none */
	int jail; /* --jail: JAIL_* */
	int user; /* --user given */
	uint32_t uid, gid; /* --user=UID[:GID] */
	const char *snapshot, *restore; /* --snapshot=FILE, --restore=FILE */
	int ignored; /* with --restore: arguments given, ignored */
	const char *image;
	int argc; /* guest argv: argv[0] is the image path */
	char **argv;
	int envc;
	char *envp[OPT_ENV_MAX];
};

/* Parse argv; an option that is not generic goes to the first of mods (a
 * NULL-terminated list) that takes it.  OPT_ERROR leaves a one-line reason
 * in err. */
int options_parse(struct options *o, int argc, char **argv, const struct module *const *mods, char *err, size_t errlen);

/* parse_ipv4: in netopt.h (platforms/common). */
#include "netopt.h"

/* The --help text, with each module's lines. */
void options_usage(int fd, const struct module *const *mods);

#endif

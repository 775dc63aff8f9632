/* tincan-run's command line; see options.h. */
#include "options.h"

#include <stdio.h>
#include <string.h>

#include "../abi.h"
#include "size.h"

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

int options_parse(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	int i, missing = 0;
	const char *v;

	memset(o, 0, sizeof *o);
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return OPT_HELP;
		if (strcmp(a, "--version") == 0)
			return OPT_VERSION;
		if (strcmp(a, "--stats") == 0) {
			o->stats = 1;
		} else if ((v = opt_value("--mem", argc, argv, &i, &missing))) {
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
		} else if ((v = opt_value("--env", argc, argv, &i, &missing))) {
			const char *eq = strchr(v, '=');
			if (!eq || eq == v) {
				snprintf(err, errlen, "invalid --env value '%s': expected NAME=VALUE", v);
				return OPT_ERROR;
			}
			if (o->envc == OPT_ENV_MAX) {
				snprintf(err, errlen, "more than %d --env options", OPT_ENV_MAX);
				return OPT_ERROR;
			}
			o->envp[o->envc++] = (char *)v;
		} else if ((v = opt_value("--net-mac", argc, argv, &i, &missing))) {
			if (o->nmac == TC_NET_DEV_MAX) {
				snprintf(err, errlen, "more than %d --net-mac options", TC_NET_DEV_MAX);
				return OPT_ERROR;
			}
			o->net_mac[o->nmac++] = v;
		} else if ((v = opt_value("--net", argc, argv, &i, &missing))) {
			if (o->nnet == TC_NET_DEV_MAX) {
				snprintf(err, errlen, "more than %d --net options", TC_NET_DEV_MAX);
				return OPT_ERROR;
			}
			o->net[o->nnet++] = v;
		} else if ((v = opt_value("--ip", argc, argv, &i, &missing))) {
			o->ip = v;
		} else if ((v = opt_value("--gw", argc, argv, &i, &missing))) {
			o->gw = v;
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else {
			snprintf(err, errlen, missing ? "option '%s' needs a value" : "unknown option '%s'", a);
			return OPT_ERROR;
		}
	}
	if (i >= argc) {
		snprintf(err, errlen, "no image given");
		return OPT_ERROR;
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

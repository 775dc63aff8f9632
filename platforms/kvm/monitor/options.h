/* tincan-run's command line. */
#ifndef TINCAN_OPTIONS_H
#define TINCAN_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "../abi.h"

#define OPT_ENV_MAX 256

enum { OPT_RUN, OPT_HELP, OPT_VERSION, OPT_ERROR };

struct options {
	uint64_t mem; /* 0: not given */
	int stats;
	const char *image;
	int argc; /* guest argv: argv[0] is the image path */
	char **argv;
	int envc;
	char *envp[OPT_ENV_MAX];
	int nnet, nmac;
	const char *net[TC_NET_DEV_MAX]; /* --net=[NAME:]TAP */
	const char *net_mac[TC_NET_DEV_MAX]; /* --net-mac=[NAME:]MAC */
	const char *ip, *gw; /* --ip=ADDR/PREFIX, --gw=ADDR */
};

/* Parse argv; OPT_ERROR leaves a one-line reason in err. */
int options_parse(struct options *o, int argc, char **argv, char *err, size_t errlen);

#endif

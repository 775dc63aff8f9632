/* The router's command line (and TINCAN_IP / TINCAN_ROUTE) into a router. */
#ifndef ROUTER_CONFIG_H
#define ROUTER_CONFIG_H

#include "router.h"

struct opts {
	unsigned stats_every; /* seconds, 0: only at the end */
	uint32_t max_flows;
	uint32_t flow_timeout; /* seconds: every conntrack timeout at most this (0: the per-state ones) */
	uint32_t poll_us; /* after frames, poll this long before blocking (0: block at once) */
};

/* Configure r (router_init'ed) from argv and the environment strings (NULL
 * when absent).  0, or -1 with a one-line message in err. */
int router_config(struct router *r, struct opts *o, int argc, char **argv, const char *env_ip, const char *env_route,
		  char *err, size_t errlen);

extern const char router_usage[];

#endif

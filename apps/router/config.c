/* router --addr=NIC:ADDR/PREFIX... [--route=DEST/PREFIX[@GW][%NIC]]...
 * [--rules=FILE] [--rule=RULE]... [--policy=allow|deny] [--snat=NIC]
 * [--max-flows=N] [--flow-timeout=SECONDS] [--stats=SECONDS] [--poll=MICROSECONDS]
 * [--no-icmp-errors] */
#include "config.h"

#include "addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char router_usage[] =
    "usage: router --addr=NIC:ADDR/PREFIX... [--route=DEST/PREFIX[@GW][%NIC]]... [--rules=FILE]\n"
    "              [--rule=RULE]... [--policy=allow|deny] [--snat=NIC] [--max-flows=N]\n"
    "              [--flow-timeout=SECONDS] [--stats=SECONDS] [--poll=MICROSECONDS] [--no-icmp-errors]\n";

static const char *opt(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(arg, name, n) && arg[n] == '=' ? arg + n + 1 : NULL;
}

/* NIC:ADDR/PREFIX */
static int add_addr(struct router *r, const char *s, char *err, size_t errlen)
{
	char name[16];
	const char *c = strchr(s, ':');
	struct ipa a;
	int len;
	if (!c || c == s || (size_t)(c - s) >= sizeof name || prefix_parse(c + 1, &a, &len, 1)) {
		snprintf(err, errlen, "--addr=%s: expected NIC:ADDR/PREFIX", s);
		return -1;
	}
	memcpy(name, s, (size_t)(c - s));
	name[c - s] = 0;
	int i = router_nic(r, name);
	if (i < 0 || router_addr(r, i, &a, len)) {
		snprintf(err, errlen, "--addr=%s: too many NICs, addresses or routes", s);
		return -1;
	}
	return 0;
}

/* DEST/PREFIX[@GW][%NIC] */
static int add_route(struct router *r, const char *s, char *err, size_t errlen)
{
	char buf[128], *nic = NULL, *gw = NULL;
	struct ipa dst, g;
	int len, n = -1;
	if (strlen(s) >= sizeof buf)
		goto bad;
	strcpy(buf, s);
	if ((nic = strchr(buf, '%')))
		*nic++ = 0;
	if ((gw = strchr(buf, '@')))
		*gw++ = 0;
	if (prefix_parse(buf, &dst, &len, 1) || (gw && (addr_parse(gw, &g) || g.fam != dst.fam)) || (!gw && !nic))
		goto bad;
	if (nic) {
		for (n = 0; n < r->nnics && strcmp(r->nic[n].name, nic); n++)
			;
		if (n == r->nnics) {
			snprintf(err, errlen, "--route=%s: no NIC '%s' (NICs come from --addr)", s, nic);
			return -1;
		}
	}
	if (route_add(&r->rt, &dst, len, gw ? &g : NULL, n)) {
		snprintf(err, errlen, "--route=%s: more than %d routes", s, ROUTES_MAX);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "--route=%s: expected DEST/PREFIX@GW[%%NIC] or DEST/PREFIX%%NIC", s);
	return -1;
}

static const char (*nic_names(const struct router *r))[16]
{
	static char names[NICS_MAX][16];
	for (int i = 0; i < r->nnics; i++)
		memcpy(names[i], r->nic[i].name, 16);
	return (const char(*)[16])names;
}

static int add_rules_file(struct router *r, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "--rules=%s: cannot open it", path);
		return -1;
	}
	char line[512], e[160];
	int ln = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, ln);
			rc = -1;
			break;
		}
		if (rule_parse(&r->rules, line, nic_names(r), r->nnics, e, sizeof e)) {
			snprintf(err, errlen, "%s:%d: %s", path, ln, e);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Each item of a comma-separated environment list. */
static int env_list(struct router *r, const char *list, int (*add)(struct router *, const char *, char *, size_t),
		    char *err, size_t errlen)
{
	char item[128];
	while (list && *list) {
		size_t n = strcspn(list, ",");
		if (n >= sizeof item) {
			snprintf(err, errlen, "an item of the environment is too long");
			return -1;
		}
		memcpy(item, list, n);
		item[n] = 0;
		if (n && add(r, item, err, errlen))
			return -1;
		list += n + (list[n] == ',');
	}
	return 0;
}

int router_config(struct router *r, struct opts *o, int argc, char **argv, const char *env_ip, const char *env_route,
		  char *err, size_t errlen)
{
	const char *v;
	o->max_flows = 16384;
	o->stats_every = 0;
	o->poll_us = 0;
	o->flow_timeout = 0;
	/* Addresses first: they name the NICs the rest refer to. */
	for (int i = 1; i < argc; i++)
		if ((v = opt(argv[i], "--addr")) && add_addr(r, v, err, errlen))
			return -1;
	if (env_list(r, env_ip, add_addr, err, errlen))
		return -1;
	if (!r->nnics) {
		snprintf(err, errlen, "no --addr=NIC:ADDR/PREFIX: the router needs an address on each NIC");
		return -1;
	}
	if (env_list(r, env_route, add_route, err, errlen))
		return -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char e[160];
		if (opt(a, "--addr"))
			continue;
		if ((v = opt(a, "--route"))) {
			if (add_route(r, v, err, errlen))
				return -1;
		} else if ((v = opt(a, "--rules"))) {
			if (add_rules_file(r, v, err, errlen))
				return -1;
		} else if ((v = opt(a, "--rule"))) {
			if (rule_parse(&r->rules, v, nic_names(r), r->nnics, e, sizeof e)) {
				snprintf(err, errlen, "--rule=%s: %s", v, e);
				return -1;
			}
		} else if ((v = opt(a, "--policy"))) {
			if (strcmp(v, "allow") && strcmp(v, "deny")) {
				snprintf(err, errlen, "--policy=%s: expected allow or deny", v);
				return -1;
			}
			r->rules.deny_default = !strcmp(v, "deny");
		} else if ((v = opt(a, "--snat"))) {
			for (r->snat = 0; r->snat < r->nnics && strcmp(r->nic[r->snat].name, v); r->snat++)
				;
			if (r->snat == r->nnics) {
				snprintf(err, errlen, "--snat=%s: no such NIC (NICs come from --addr)", v);
				return -1;
			}
			int has4 = 0;
			for (int j = 0; j < r->nic[r->snat].naddr; j++)
				has4 |= r->nic[r->snat].addr[j].fam == 4;
			if (!has4) {
				snprintf(err, errlen, "--snat=%s: the NIC has no IPv4 address", v);
				return -1;
			}
		} else if ((v = opt(a, "--max-flows")) || (v = opt(a, "--stats"))) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			int flows = a[2] == 'm';
			if (!*v || *end || *v == '-' || (flows ? n < 1 || n > CT_MAX : n > 86400)) {
				snprintf(err, errlen, "%s: expected a number %s", a,
					 flows ? "from 1 to 65536" : "of seconds (at most 86400)");
				return -1;
			}
			*(flows ? &o->max_flows : &o->stats_every) = (uint32_t)n;
		} else if ((v = opt(a, "--flow-timeout"))) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (!*v || *end || *v == '-' || n < 1 || n > 86400) {
				snprintf(err, errlen, "%s: expected a number of seconds from 1 to 86400", a);
				return -1;
			}
			o->flow_timeout = (uint32_t)n;
		} else if ((v = opt(a, "--poll"))) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (!*v || *end || *v == '-' || n > 100000) {
				snprintf(err, errlen, "%s: expected microseconds (at most 100000)", a);
				return -1;
			}
			o->poll_us = (uint32_t)n;
		} else if (!strcmp(a, "--no-icmp-errors")) {
			r->no_icmp_errors = 1;
		} else {
			snprintf(err, errlen, "unknown argument '%s'", a);
			return -1;
		}
	}
	int bad = route_resolve(&r->rt);
	if (bad >= 0) {
		char b[48];
		snprintf(err, errlen, "a route's gateway %s is on no NIC's network", addr_str(&r->rt.r[bad].gw, b));
		return -1;
	}
	ct_init(&r->ct, o->max_flows, r->ct.seed);
	r->ct.cap = o->flow_timeout;
	return 0;
}

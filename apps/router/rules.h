/* The filter: allow/deny rules for new connections, first match wins. */
#ifndef ROUTER_RULES_H
#define ROUTER_RULES_H

#include <stddef.h>

#include "pkt.h"

#define RULES_MAX 128
#define NICS_MAX 4

struct rule {
	uint8_t allow;
	int in, out; /* NIC index, -1: any */
	int proto; /* -1: any */
	struct ipa from, to;
	int from_len, to_len; /* -1: any */
	int plo, phi; /* destination ports, plo -1: any */
};

struct ruleset {
	struct rule r[RULES_MAX];
	int n;
	int deny_default; /* the policy: 0 allow, 1 deny */
};

/* Parse one line (a rule, "policy allow|deny", blank or comment) into rs.
 * nic_names[0..nnics) name the NICs.  0, or -1 with a message in err. */
int rule_parse(struct ruleset *rs, const char *line, const char (*nic_names)[16], int nnics, char *err, size_t errlen);
/* The index of the first rule matching a packet from NIC in to NIC out,
 * or -1 when none does (the policy decides). */
int rules_match(const struct ruleset *rs, int in, int out, const struct pkt *p);
/* Does the verdict (rules_match's result) allow it? */
int rules_allow(const struct ruleset *rs, int idx);

#endif

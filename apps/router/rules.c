/* Rule lines: allow|deny [in NIC] [out NIC] [proto P] [from A[/N]]
 * [to A[/N]] [port N[-M]], or policy allow|deny; # comments. */
#include "rules.h"

#include "addr.h"

#include <stdio.h>
#include <string.h>

static int nic_index(const char *w, const char (*names)[16], int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w, names[i]))
			return i;
	return -1;
}

static int number(const char *s, int max)
{
	int v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (*s - '0')) > max)
			return -1;
	}
	return v;
}

static int parse_proto(const char *w)
{
	static const struct {
		const char *n;
		int p;
	} names[] = { { "tcp", P_TCP }, { "udp", P_UDP }, { "icmp", P_ICMP }, { "icmp6", P_ICMP6 }, { "any", -1 } };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(w, names[i].n))
			return names[i].p;
	int v = number(w, 255);
	return v >= 0 ? v : -2;
}

int rule_parse(struct ruleset *rs, const char *line, const char (*nic_names)[16], int nnics, char *err, size_t errlen)
{
	char buf[512], *w[24];
	int nw = 0;
	size_t len = strcspn(line, "#\r\n");
	if (len >= sizeof buf) {
		snprintf(err, errlen, "line too long");
		return -1;
	}
	memcpy(buf, line, len);
	buf[len] = 0;
	for (char *s = strtok(buf, " \t"); s; s = strtok(NULL, " \t")) {
		if (nw == 24) {
			snprintf(err, errlen, "too many words");
			return -1;
		}
		w[nw++] = s;
	}
	if (!nw)
		return 0;
	if (!strcmp(w[0], "policy")) {
		if (nw != 2 || (strcmp(w[1], "allow") && strcmp(w[1], "deny"))) {
			snprintf(err, errlen, "expected: policy allow|deny");
			return -1;
		}
		rs->deny_default = !strcmp(w[1], "deny");
		return 0;
	}
	struct rule r = { .in = -1, .out = -1, .proto = -1, .from_len = -1, .to_len = -1, .plo = -1, .phi = -1 };
	if (!strcmp(w[0], "allow"))
		r.allow = 1;
	else if (strcmp(w[0], "deny")) {
		snprintf(err, errlen, "'%s': a rule starts with allow, deny or policy", w[0]);
		return -1;
	}
	unsigned seen = 0;
	for (int i = 1; i < nw; i += 2) {
		static const char *const keys[] = { "in", "out", "proto", "from", "to", "port" };
		int k = 0;
		while (k < 6 && strcmp(w[i], keys[k]))
			k++;
		if (k == 6) {
			snprintf(err, errlen, "'%s': expected in, out, proto, from, to or port", w[i]);
			return -1;
		}
		if (i + 1 == nw) {
			snprintf(err, errlen, "'%s' needs a value", w[i]);
			return -1;
		}
		if (seen & (1u << k)) {
			snprintf(err, errlen, "'%s' given twice", w[i]);
			return -1;
		}
		seen |= 1u << k;
		const char *v = w[i + 1];
		int bad = 0;
		switch (k) {
		case 0:
		case 1: {
			int n = nic_index(v, nic_names, nnics);
			bad = n < 0;
			*(k ? &r.out : &r.in) = n;
			break;
		}
		case 2:
			r.proto = parse_proto(v);
			bad = r.proto == -2;
			break;
		case 3:
		case 4:
			bad = prefix_parse(v, k == 3 ? &r.from : &r.to, k == 3 ? &r.from_len : &r.to_len, 0) != 0;
			break;
		case 5: {
			char pb[16];
			const char *dash = strchr(v, '-');
			size_t n = dash ? (size_t)(dash - v) : strlen(v);
			if (n >= sizeof pb) {
				bad = 1;
				break;
			}
			memcpy(pb, v, n);
			pb[n] = 0;
			r.plo = number(pb, 65535);
			r.phi = dash ? number(dash + 1, 65535) : r.plo;
			bad = r.plo < 0 || r.phi < r.plo;
			break;
		}
		}
		if (bad) {
			snprintf(err, errlen, "%s '%s': %s", w[i], v,
				 k < 2	  ? "no such NIC"
				 : k == 2 ? "expected tcp, udp, icmp, icmp6, any or a number"
				 : k < 5  ? "expected ADDR or ADDR/PREFIX"
					  : "expected PORT or LOW-HIGH");
			return -1;
		}
	}
	if (rs->n == RULES_MAX) {
		snprintf(err, errlen, "more than %d rules", RULES_MAX);
		return -1;
	}
	rs->r[rs->n++] = r;
	return 0;
}

int rules_match(const struct ruleset *rs, int in, int out, const struct pkt *p)
{
	struct ipa src = ipa_of(p->fam, p->t.src), dst = ipa_of(p->fam, p->t.dst);
	for (int i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->r[i];
		if ((r->in >= 0 && r->in != in) || (r->out >= 0 && r->out != out) ||
		    (r->proto >= 0 && r->proto != p->proto))
			continue;
		if ((r->from_len >= 0 && !prefix_has(&r->from, r->from_len, &src)) ||
		    (r->to_len >= 0 && !prefix_has(&r->to, r->to_len, &dst)))
			continue;
		if (r->plo >= 0 && (!p->has_ports || (p->proto != P_TCP && p->proto != P_UDP) || p->t.dport < r->plo ||
				    p->t.dport > r->phi))
			continue;
		return i;
	}
	return -1;
}

int rules_allow(const struct ruleset *rs, int idx)
{
	return idx >= 0 ? rs->r[idx].allow : !rs->deny_default;
}

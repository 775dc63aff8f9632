/* IPv4/IPv6 addresses in text (RFC 4291 2.2, RFC 5952 for output). */
#include "addr.h"

#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse4(const char *s, uint8_t *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, nd = 0;
		for (; *s >= '0' && *s <= '9'; s++, nd++) {
			v = v * 10 + (unsigned)(*s - '0');
			if (nd == 3 || v > 255)
				return -1;
		}
		if (!nd || (nd > 1 && s[-(int)nd] == '0'))
			return -1;
		out[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	return *s ? -1 : 0;
}

static int parse6(const char *s, uint8_t *out)
{
	uint16_t w[8];
	int n = 0, gap = -1;
	if (s[0] == ':' && s[1] == ':') {
		gap = 0;
		s += 2;
	} else if (s[0] == ':') {
		return -1;
	}
	while (*s) {
		if (n == 8)
			return -1;
		const char *start = s;
		unsigned v = 0;
		int nd = 0;
		for (int h; (h = hexval(*s)) >= 0; s++) {
			if (++nd > 4)
				return -1;
			v = v * 16 + (unsigned)h;
		}
		if (*s == '.') { /* a trailing dotted IPv4 part */
			uint8_t b[4];
			if (n > 6 || parse4(start, b))
				return -1;
			w[n++] = (uint16_t)(b[0] << 8 | b[1]);
			w[n++] = (uint16_t)(b[2] << 8 | b[3]);
			break;
		}
		if (!nd)
			return -1;
		w[n++] = (uint16_t)v;
		if (!*s)
			break;
		if (*s++ != ':')
			return -1;
		if (*s == ':') {
			if (gap >= 0)
				return -1;
			gap = n;
			s++;
		} else if (!*s) {
			return -1;
		}
	}
	if ((gap < 0 && n != 8) || (gap >= 0 && n > 7))
		return -1;
	memset(out, 0, 16);
	int tail = gap < 0 ? 0 : n - gap;
	for (int i = 0; i < n - tail; i++)
		wr16(out + 2 * i, w[i]);
	for (int i = 0; i < tail; i++)
		wr16(out + 16 - 2 * tail + 2 * i, w[gap + i]);
	return 0;
}

int addr_parse(const char *s, struct ipa *a)
{
	memset(a, 0, sizeof *a);
	if (strchr(s, ':')) {
		a->fam = 6;
		return parse6(s, a->a);
	}
	a->fam = 4;
	return parse4(s, a->a);
}

int prefix_parse(const char *s, struct ipa *a, int *len, int need_len)
{
	char buf[64];
	const char *sl = strchr(s, '/');
	size_t n = sl ? (size_t)(sl - s) : strlen(s);
	if (n >= sizeof buf || (!sl && need_len))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (addr_parse(buf, a))
		return -1;
	int max = a->fam == 4 ? 32 : 128;
	if (!sl) {
		*len = max;
		return 0;
	}
	int v = 0, nd = 0;
	for (sl++; *sl >= '0' && *sl <= '9' && nd < 4; sl++, nd++)
		v = v * 10 + (*sl - '0');
	if (!nd || *sl || v > max)
		return -1;
	*len = v;
	return 0;
}

int prefix_has(const struct ipa *net, int len, const struct ipa *a)
{
	if (net->fam != a->fam)
		return 0;
	int full = len / 8, rest = len % 8;
	if (memcmp(net->a, a->a, (size_t)full))
		return 0;
	if (!rest)
		return 1;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (net->a[full] & m) == (a->a[full] & m);
}

void prefix_mask(struct ipa *a, int len)
{
	for (int i = 0; i < 16; i++) {
		int bits = len - 8 * i;
		if (bits <= 0)
			a->a[i] = 0;
		else if (bits < 8)
			a->a[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

const char *addr_str(const struct ipa *a, char *buf)
{
	if (a->fam == 4) {
		snprintf(buf, 48, "%u.%u.%u.%u", a->a[0], a->a[1], a->a[2], a->a[3]);
		return buf;
	}
	/* The longest run (>= 2) of zero words becomes "::". */
	int best = -1, bestn = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && !rd16(a->a + 2 * j))
			j++;
		if (j - i > bestn) {
			best = i;
			bestn = j - i;
		}
		i = j > i ? j : i + 1;
	}
	char *p = buf;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			p += sprintf(p, "::");
			i += bestn - 1;
			continue;
		}
		p += sprintf(p, "%s%x", i && i != best + bestn ? ":" : "", rd16(a->a + 2 * i));
	}
	return buf;
}

struct ipa ipa_of(uint8_t fam, const uint8_t *b)
{
	struct ipa a;
	memset(&a, 0, sizeof a);
	a.fam = fam;
	memcpy(a.a, b, fam == 4 ? 4 : 16);
	return a;
}

/* netopt.h: --ip, --gw and --route for tincan-run and the pc platform. */
#include "netopt.h"

#include <stddef.h>
#include <string.h>

const char *const netopt_expect[3] = {
	"[NAME:]ADDR/PREFIX, NAME an attached device",
	"DEST/PREFIX[:via=GW][:dev=NAME], DEST's host bits 0, GW of DEST's family, NAME an attached device",
	"[NAME:]ADDR, NAME an attached device",
};

const char *parse_ipv4(const char *s, uint32_t *addr)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, j = 0;
		for (; j < 3 && s[j] >= '0' && s[j] <= '9'; j++)
			v = v * 10 + (unsigned)(s[j] - '0');
		if (j == 0 || (j > 1 && s[0] == '0') || v > 255 || (i < 3 && s[j] != '.'))
			return NULL;
		b[i] = (uint8_t)v;
		s += j + (i < 3);
	}
	memcpy(addr, b, 4);
	return s;
}

static int hexdigit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* An IPv6 address in s[0..n), as RFC 4291 writes it (but for a dotted
 * IPv4 tail; no scanf, no inet_pton: they would grow the monitor): 0, or
 * -1 if it is none. */
static int parse_ipv6(const char *s, size_t n, uint8_t a[16])
{
	uint8_t w[16];
	int k = 0, gap = -1, h;
	size_t i = 0;
	if (n >= 2 && s[0] == ':' && s[1] == ':')
		gap = 0, i = 2;
	while (i < n) {
		unsigned v = 0, j = 0;
		for (; i + j < n && j < 5 && (h = hexdigit(s[i + j])) >= 0; j++)
			v = v << 4 | (unsigned)h;
		if (j == 0 || j > 4 || k == 16)
			return -1;
		w[k++] = (uint8_t)(v >> 8);
		w[k++] = (uint8_t)v;
		if ((i += j) == n)
			break;
		if (s[i] != ':' || ++i == n)
			return -1;
		if (s[i] == ':') {
			if (gap >= 0)
				return -1;
			gap = k;
			i++;
		}
	}
	if (gap < 0 ? k != 16 : k == 16)
		return -1;
	if (gap < 0)
		gap = k;
	memset(a, 0, 16);
	memcpy(a, w, (size_t)gap);
	memcpy(a + 16 - (k - gap), w + gap, (size_t)(k - gap));
	return 0;
}

/* ADDR[/PREFIX] in s[0..n), IPv4 or IPv6, into a: its length (4 or 16),
 * or 0 if bad.  *prefix: the one given, or 24 or 64 if none is and
 * need_prefix is 0. */
static int parse_net(const char *s, size_t n, uint8_t a[16], unsigned *prefix, int need_prefix)
{
	char buf[48];
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	if (an >= sizeof buf)
		return 0;
	memcpy(buf, s, an);
	buf[an] = '\0';
	uint32_t v4;
	const char *e = parse_ipv4(buf, &v4);
	int len = e && !*e ? (memcpy(a, &v4, 4), 4) : parse_ipv6(buf, an, a) ? 0 : 16;
	*prefix = len == 4 ? 24 : 64;
	if (!slash)
		return need_prefix ? 0 : len;
	size_t i = an + 1;
	if (i == n || n - i > 3)
		return 0;
	for (*prefix = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*prefix = *prefix * 10 + (unsigned)(s[i] - '0');
	}
	return *prefix <= (unsigned)len * 8 ? len : 0;
}

/* The first ":via=" or ":dev=" (k) in s, or NULL. */
static const char *find(const char *s, const char *k)
{
	for (; *s; s++)
		if (strncmp(s, k, 5) == 0)
			return s;
	return NULL;
}

/* Whether the bits of a[0..len) from bit `from` on are all 0. */
static int is_zero(const uint8_t *a, int len, unsigned from)
{
	for (unsigned k = from; k < (unsigned)len * 8; k++)
		if (a[k / 8] >> (7 - k % 8) & 1)
			return 0;
	return 1;
}

/* The device named s[0..n), or -1. */
static int dev_named(const struct netopt_dev *devs, int ndev, const char *s, size_t n)
{
	for (int j = 0; j < ndev; j++)
		if (strlen(devs[j].name) == n && memcmp(devs[j].name, s, n) == 0)
			return j;
	return -1;
}

static char *put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

int netopt_parse(int kind, const char *v, struct netopt_dev *devs, int ndev, char *out, int comma)
{
	int rt = kind != NETOPT_IP, gw = kind == NETOPT_GW, j = -1, len, glen = 0;
	const char *s = v, *via = NULL, *dev = NULL, *colon = strchr(v, ':'), *dest = v;
	size_t n = strlen(v), vn = 0, dn = 0;
	uint8_t d[16], g[16];
	unsigned p = 0, gp;
	if (!rt || gw) {
		/* [NAME:]ADDR..., the first device's when NAME is none */
		j = colon ? dev_named(devs, ndev, v, (size_t)(colon - v)) : -1;
		s = j < 0 ? v : colon + 1;
		n -= (size_t)(s - v);
		j = j < 0 ? 0 : j;
		dev = devs[j].name;
		dn = strlen(dev);
	} else {
		const char *vi = find(v, ":via="), *de = find(v, ":dev=");
		if (vi) {
			via = vi + 5;
			vn = (size_t)((de > vi ? de : v + n) - via);
		}
		if (de) {
			dev = de + 5;
			dn = (size_t)((vi > de ? vi : v + n) - dev);
			j = dev_named(devs, ndev, dev, dn);
		}
		n = (size_t)((vi && (!de || vi < de) ? vi : de ? de : v + n) - v);
	}
	if (gw) {
		via = s;
		vn = n;
		n = 0;
	}
	len = gw ? 0 : parse_net(s, n, d, &p, rt);
	if (via)
		glen = memchr(via, '/', vn) ? 0 : parse_net(via, vn, g, &gp, 0);
	if (gw) {
		len = glen;
		dest = glen == 4 ? "0.0.0.0" : "::";
		memset(d, 0, 16);
	}
	if (!ndev || !len || (rt ? !is_zero(d, len, p) : is_zero(d, len, 0)) || (!via && !dev) ||
	    (via && (glen != len || is_zero(g, len, 0))) || (dev && j < 0))
		return -1;
	struct netopt_dev *nd = &devs[j < 0 ? 0 : j];
	if (len == 4 && !rt && !nd->ip4) {
		memcpy(&nd->ip4, d, 4);
		nd->prefix = p;
	}
	if (len == 4 && gw && !nd->gw4)
		memcpy(&nd->gw4, g, 4);
	/* NAME:ADDR/PREFIX, or DEST/PREFIX[@GW][%NAME] */
	char *o = out;
	if (comma)
		*o++ = ',';
	if (!rt) {
		o = put(o, dev, dn);
		*o++ = ':';
		dest = s;
	}
	o = put(o, dest, (size_t)(strchrnul(dest, '/') - dest));
	*o++ = '/';
	if (p >= 100)
		*o++ = '1';
	if (p >= 10)
		*o++ = (char)('0' + p / 10 % 10);
	*o++ = (char)('0' + p % 10);
	if (via) {
		*o++ = '@';
		o = put(o, via, vn);
	}
	if (rt && dev) {
		*o++ = '%';
		o = put(o, dev, dn);
	}
	*o = '\0';
	return (int)(o - out);
}

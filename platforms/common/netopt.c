/* netopt.h: --ip, --gw and --route for tincan-run and the pc platform. */
#include "netopt.h"

#include <stddef.h>
#include <string.h>

const char *const netopt_expect[3] = {
	"[NAME:]ADDR/PREFIX, no /0 or IPv4 net/broadcast",
	"DEST/PREFIX[:via=GW][:dev=NAME], no host bits in DEST, GW of its family",
	"[NAME:]ADDR",
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
/* An IPv6 address, as RFC 4291 writes it (but for a dotted IPv4 tail): 0,
 * or -1 if s is none.  No inet_pton: it would grow tincan-run. */
static int parse_ipv6(const char *s, uint8_t a[16])
{
	uint8_t w[16];
	int k = 0, gap = -1, h, j;
	if (s[0] == ':' && s[1] == ':')
		gap = 0, s += 2;
	while (*s) {
		unsigned v = 0;
		for (j = 0; j < 5 && (h = hexdigit(s[j])) >= 0; j++)
			v = v << 4 | (unsigned)h;
		if (j == 0 || j > 4 || k == 16)
			return -1;
		w[k++] = (uint8_t)(v >> 8);
		w[k++] = (uint8_t)v;
		s += j;
		if (!*s)
			break;
		if (*s++ != ':' || !*s)
			return -1;
		if (*s == ':') {
			if (gap >= 0)
				return -1;
			gap = k;
			s++;
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

/* The whole of s an IPv4 or IPv6 address, into a: its length (4 or 16),
 * or 0 if it is none. */
static int parse_addr(const char *s, uint8_t a[16])
{
	const char *e = parse_ipv4(s, (uint32_t *)(void *)a);
	return e && !*e ? 4 : parse_ipv6(s, a) ? 0 : 16;
}

/* ADDR[/PREFIX] in s (cut at the '/'), IPv4 or IPv6, into a: its length
 * (4 or 16), or 0 if bad.  *prefix: the one given, or 24 or 64 if none is
 * and need_prefix is 0. */
static int parse_net(char *s, uint8_t a[16], unsigned *prefix, int need_prefix)
{
	char *slash = strchr(s, '/');
	if (slash)
		*slash++ = '\0';
	int len = parse_addr(s, a);
	*prefix = len == 4 ? 24 : 64;
	if (!slash)
		return need_prefix ? 0 : len;
	if (!*slash || strlen(slash) > 3)
		return 0;
	for (*prefix = 0; *slash; slash++) {
		if (*slash < '0' || *slash > '9')
			return 0;
		*prefix = *prefix * 10 + (unsigned)(*slash - '0');
	}
	return *prefix <= (unsigned)len * 8 ? len : 0;
}

/* Whether the bits of a[0..len) from bit `from` on are all `bit`. */
static int all(const uint8_t *a, int len, unsigned from, unsigned bit)
{
	for (unsigned k = from; k < (unsigned)len * 8; k++)
		if ((a[k / 8] >> (7 - k % 8) & 1) != bit)
			return 0;
	return 1;
}
#define is_zero(a, len, from) all(a, len, from, 0)

int netopt_addr(const char *s, uint8_t a[16])
{
	int len = parse_addr(s, a);
	return len && !is_zero(a, len, 0) ? len : 0;
}

/* The device named s, or -1. */
static int dev_named(const struct netopt_dev *devs, int ndev, const char *s)
{
	for (int j = 0; j < ndev; j++)
		if (strcmp(devs[j].name, s) == 0)
			return j;
	return -1;
}

/* c (unless 0), then s, at o. */
static __attribute__((noinline)) char *put(char *o, char c, const char *s)
{
	size_t n = strlen(s);
	if (c)
		*o++ = c;
	memcpy(o, s, n + 1);
	return o + n;
}

/* Cut s at the first ":KEY=" (k) and return what follows, or NULL. */
static char *cut(char *s, const char *k)
{
	for (; *s; s++)
		if (strncmp(s, k, 5) == 0) {
			*s = '\0';
			return s + 5;
		}
	return NULL;
}

int netopt_parse(int kind, const char *v, struct netopt_dev *devs, int ndev, char *out, int comma)
{
	/* v's pieces, cut apart: each a string of its own */
	char b[NETOPT_RT_ROOM], *s = b, *via = NULL, *dev = NULL, *colon = NULL, *o = out, num[4], *e = num + 3;
	int rt = kind != NETOPT_IP, gw = kind == NETOPT_GW, len, glen = 0, j = -1;
	uint8_t d[16] = { 0 }, g[16];
	unsigned p = 0, gp;
	if (strlen(v) >= sizeof b || !ndev)
		return -1;
	memcpy(b, v, strlen(v) + 1);
	if (!rt || gw) {
		/* [NAME:]ADDR..., the first device's when NAME is none, or
		 * when what follows NAME is no address (then the whole value
		 * is: fd00::5/64 with a device fd00; fd00:1::5 is 1::5 there) */
		if (!(comma & 2) && (colon = strchr(b, ':'))) {
			*colon = '\0';
			if ((j = dev_named(devs, ndev, b)) >= 0)
				s = colon + 1;
			else
				*colon = ':';
		}
		j = j < 0 ? 0 : j;
		dev = (char *)devs[j].name;
	} else {
		/* DEST/PREFIX[:via=GW][:dev=NAME], in either order */
		via = cut(b, ":via=");
		dev = cut(b, ":dev=");
		if (!dev && via)
			dev = cut(via, ":dev=");
		if (dev)
			j = dev_named(devs, ndev, dev);
	}
	if (gw) {
		via = s;
		s = (char *)(len = 0, "");
	} else {
		len = parse_net(s, d, &p, rt);
	}
	if (via)
		glen = strchr(via, '/') ? 0 : parse_net(via, g, &gp, 0);
	if (gw) {
		len = glen;
		s = glen == 4 ? "0.0.0.0" : "::";
	}
	if (!len && colon && !*colon) /* NAME: taken, the rest no address */
		return netopt_parse(kind, v, devs, ndev, out, comma | 2); /* whole */
	/* An address: prefix 1 or more; in IPv4, not all 1s, nor with a
	 * subnet of 4 or more a host part of all 0s or all 1s. */
	if (!rt && (!p || (len == 4 && (all(d, 4, p > 30 ? 0 : p, 1) || (p <= 30 && is_zero(d, 4, p))))))
		return -1;
	if (!len || (rt ? !is_zero(d, len, p) : is_zero(d, len, 0)) || (!via && !dev) ||
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
	*e = '\0';
	do
		*--e = (char)('0' + p % 10);
	while (p /= 10);
	if (!rt)
		o = put(o, comma & 1 ? ',' : 0, dev);
	o = put(o, !rt ? ':' : comma & 1 ? ',' : 0, s);
	o = put(o, '/', e);
	if (via)
		o = put(o, '@', via);
	if (rt && dev)
		o = put(o, '%', dev);
	return (int)(o - out);
}

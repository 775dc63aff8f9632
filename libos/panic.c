/*
 * panic(): format into a buffer on the stack with a formatter of our own
 * (newlib's printf may allocate, and the heap may be what broke), then let
 * the platform report it with a backtrace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include <tincan.h>

#define MSG_MAX 256

struct out {
	char *buf;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len < MSG_MAX)
		o->buf[o->len++] = c;
}

static void put_u(struct out *o, uint64_t v, unsigned base)
{
	char d[24];
	int n = 0;
	do
		d[n++] = "0123456789abcdef"[v % base];
	while (v /= base);
	while (n)
		put(o, d[--n]);
}

static size_t format(char *buf, const char *fmt, va_list ap)
{
	struct out o = { buf, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		/* Length modifiers: l, ll, z, j, t mean 64 bits here; h, hh are
		 * promoted to int anyway. */
		int lng = 0;
		while (*++fmt == 'l' || *fmt == 'z' || *fmt == 'j' || *fmt == 't' || *fmt == 'h')
			if (*fmt != 'h')
				lng = 1;
		switch (*fmt) {
		case 'i':
		case 'd': {
			int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
			if (v < 0) {
				put(&o, '-');
				put_u(&o, (uint64_t)0 - (uint64_t)v, 10);
			} else {
				put_u(&o, (uint64_t)v, 10);
			}
			break;
		}
		case 'u': put_u(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10); break;
		case 'X':
		case 'x': put_u(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16); break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_u(&o, (uintptr_t)va_arg(ap, void *), 16);
			break;
		case 'c': put(&o, (char)va_arg(ap, int)); break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				put(&o, *s);
			break;
		}
		case '%': put(&o, '%'); break;
		case '\0': return o.len;
		default: put(&o, '%'); put(&o, *fmt);
		}
	}
	return o.len;
}

void tincan_panic(const char *fmt, ...)
{
	char buf[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	size_t n = format(buf, fmt, ap);
	va_end(ap);
	/* Writes a file system holds back (hostfs) were reported done: they
	 * reach the host before the guest ends, unless that panics too. */
	static int flushing;
	if (libos_wait_hook && !flushing++)
		libos_wait_hook();
	plat_panic(buf, n);
}

void panic(const char *fmt, ...) __attribute__((weak, alias("tincan_panic")));

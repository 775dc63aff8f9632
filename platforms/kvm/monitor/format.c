/*
 * snprintf and vsnprintf for tincan-run, replacing the C library's in this
 * static binary.  musl's printf core always links its floating-point
 * formatting (~9 KiB with its tables), and the monitor prints no floats:
 * this one keeps tincan-run inside its 64 KiB budget.  It formats what the
 * monitor's messages use, checked against the C library by
 * tests/unit/test_format.c:
 *   conversions d i u x X o c s p %, and m (strerror(errno), as glibc's and
 *   musl's printf), length modifiers hh h l ll z j t,
 *   flags - 0 + space #, a field width and a precision (numbers or *).
 * Anything else is copied out as written, so a mistake shows in the message
 * rather than crashing.  The usual contract: at most n bytes written,
 * always NUL-terminated when n > 0, the length the whole output would have.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *buf;
	size_t n, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int count)
{
	while (count-- > 0)
		put(o, c);
}

struct spec {
	int left, zero, plus, space, alt, width, prec; /* prec < 0: none */
};

/* One field: prefix ("-", "0x"...), then digits or text of length len. */
static void field(struct out *o, const struct spec *s, const char *prefix, const char *body, int len, int numeric)
{
	int plen = (int)strlen(prefix);
	int zeros = numeric && s->prec > len ? s->prec - len : 0;
	int fill = s->width - plen - zeros - len;
	if (!s->left && !(s->zero && numeric && s->prec < 0))
		pad(o, ' ', fill);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!s->left && s->zero && numeric && s->prec < 0)
		pad(o, '0', fill);
	pad(o, '0', zeros);
	for (int i = 0; i < len; i++)
		put(o, body[i]);
	if (s->left)
		pad(o, ' ', fill);
}

static void number(struct out *o, const struct spec *s, uintmax_t v, int neg, unsigned base, int upper, char conv)
{
	char digits[3 * sizeof v + 1], *d = digits + sizeof digits;
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int len = 0;
	while (v) {
		*--d = set[v % base];
		v /= base;
		len++;
	}
	/* "%.0d" of 0 prints nothing; otherwise 0 is "0". */
	if (len == 0 && s->prec != 0) {
		*--d = '0';
		len = 1;
	}
	const char *prefix = neg						  ? "-"
			     : (conv == 'd' || conv == 'i') && s->plus		  ? "+"
			     : (conv == 'd' || conv == 'i') && s->space		  ? " "
			     : s->alt && base == 16 && len && *d != '0'		  ? (upper ? "0X" : "0x")
			     : s->alt && base == 8 && *d != '0' && s->prec <= len ? "0"
										  : "";
	field(o, s, prefix, d, len, 1);
}

int vsnprintf(char *restrict buf, size_t n, const char *restrict fmt, va_list ap)
{
	struct out o = { buf, n, 0 };
	va_list args;
	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		const char *start = fmt++;
		struct spec s = { 0, 0, 0, 0, 0, 0, -1 };
		for (;; fmt++) {
			if (*fmt == '-')
				s.left = 1;
			else if (*fmt == '0')
				s.zero = 1;
			else if (*fmt == '+')
				s.plus = 1;
			else if (*fmt == ' ')
				s.space = 1;
			else if (*fmt == '#')
				s.alt = 1;
			else
				break;
		}
		if (*fmt == '*') {
			s.width = va_arg(args, int);
			if (s.width < 0)
				s.left = 1, s.width = -s.width;
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				s.width = s.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			s.prec = 0;
			if (*fmt == '*') {
				s.prec = va_arg(args, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					s.prec = s.prec * 10 + (*fmt++ - '0');
			}
		}
		/* LP64: long, long long, size_t, intmax_t, ptrdiff_t and pointers are
		 * all 64 bits, read alike; int and shorter are read as an int and
		 * narrowed. */
		_Static_assert(
		    sizeof(long) == 8 && sizeof(size_t) == 8 && sizeof(ptrdiff_t) == 8 && sizeof(void *) == 8, "LP64");
		int size = 0; /* 1 64 bits, 0 int, -1 short, -2 char */
		if (*fmt == 'h') {
			size = -1;
			if (*++fmt == 'h')
				size = -2, fmt++;
		} else if (*fmt == 'l') {
			size = 1;
			if (*++fmt == 'l')
				fmt++;
		} else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't') {
			size = 1, fmt++;
		}
		char c = *fmt;
		int sgn = c == 'd' || c == 'i';
		if (sgn || c == 'u' || c == 'x' || c == 'X' || c == 'o' || c == 'p') {
			uintmax_t v = size > 0 || c == 'p' ? va_arg(args, uintmax_t) : va_arg(args, unsigned);
			if (size == -1)
				v = sgn ? (uintmax_t)(short)v : (unsigned short)v;
			else if (size == -2)
				v = sgn ? (uintmax_t)(signed char)v : (unsigned char)v;
			else if (size == 0 && sgn)
				v = (uintmax_t)(int)v;
			int neg = sgn && (intmax_t)v < 0;
			if (c == 'p')
				s.alt = 1;
			number(&o, &s, neg ? -v : v, neg, sgn || c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X', c);
		} else if (c == 'c') {
			char ch = (char)va_arg(args, int);
			s.prec = -1;
			field(&o, &s, "", &ch, 1, 0);
		} else if (c == 's' || c == 'm') {
			const char *str = c == 'm' ? strerror(errno) : va_arg(args, const char *);
			if (!str)
				str = "(null)";
			size_t len = s.prec >= 0 ? strnlen(str, (size_t)s.prec) : strlen(str);
			s.prec = -1;
			field(&o, &s, "", str, (int)len, 0);
		} else if (c == '%') {
			put(&o, '%');
		} else {
			/* Not ours: copy the directive as written. */
			while (start < fmt)
				put(&o, *start++);
			if (!c)
				break;
			put(&o, c);
		}
		fmt++;
	}
	va_end(args);
	if (n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return o.len > INT32_MAX ? -1 : (int)o.len;
}

int snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* syslog(): no log daemon; each message is one line on stderr,
 * "ident[pid]: message", written with one write(). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "internal.h"

static const char *log_ident;
static int log_mask = 0xff;

void openlog(const char *ident, int option, int facility)
{
	(void)option, (void)facility;
	log_ident = ident;
}

void closelog(void)
{
	log_ident = NULL;
}

int setlogmask(int mask)
{
	int old = log_mask;
	if (mask)
		log_mask = mask;
	return old;
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	int saved = errno;
	char f[512], line[1024];
	size_t n = 0;

	if (!(log_mask & LOG_MASK(LOG_PRI(pri))))
		return;
	/* %m is strerror(errno), its '%'s escaped. */
	for (const char *p = fmt; *p && n < sizeof f - 3; p++) {
		if (p[0] == '%' && p[1] == 'm') {
			for (const char *s = strerror(saved); *s && n < sizeof f - 3; s++) {
				if (*s == '%')
					f[n++] = '%';
				f[n++] = *s;
			}
			p++;
		} else {
			if (p[0] == '%' && p[1] == '%')
				f[n++] = *p++;
			f[n++] = *p;
		}
	}
	f[n] = '\0';
	int h = snprintf(line, sizeof line, "%s[%d]: ", log_ident ? log_ident : "tincan", (int)getpid());
	int m = vsnprintf(line + h, sizeof line - (size_t)h - 1, f, ap);
	size_t len = (size_t)h + (m < 0					     ? 0
				  : (size_t)m >= sizeof line - (size_t)h - 1 ? sizeof line - (size_t)h - 2
									     : (size_t)m);
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';
	(void)!write(2, line, len);
	errno = saved;
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

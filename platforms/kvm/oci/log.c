/* Messages as runc writes them: one JSON object a line in --log when
 * --log-format json (the containerd shim shows the last error), else text. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof msg, fmt, ap);
	FILE *f = NULL;
	if (oci_g.log) {
		int fd = open(oci_g.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			f = fdopen(fd, "a");
	}
	if (!f) {
		fprintf(stderr, "tincan-oci: %s\n", msg);
		return;
	}
	if (oci_g.log_json) {
		char ts[64];
		struct timespec t;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &t);
		gmtime_r(&t.tv_sec, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(f, "{\"level\":\"%s\",\"msg\":", level);
		json_str(f, msg);
		fprintf(f, ",\"time\":\"%s.%09ldZ\"}\n", ts, t.tv_nsec);
	} else {
		fprintf(f, "level=%s msg=\"tincan-oci: %s\"\n", level, msg);
	}
	fclose(f);
	/* runc also says it on stderr when that is not the container's. */
	if (!strcmp(level, "error") && isatty(2))
		fprintf(stderr, "tincan-oci: %s\n", msg);
}

void oci_log(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

_Noreturn void oci_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("error", fmt, ap);
	va_end(ap);
	exit(1);
}

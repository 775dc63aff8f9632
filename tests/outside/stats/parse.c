#include <errno.h>
#include <stdlib.h>

#include "stats.h"

/* Append every number on the line; returns how many were read. */
int sample_read(struct sample *s, const char *line)
{
	int got = 0;
	for (;;) {
		char *end;
		errno = 0;
		double d = strtod(line, &end);
		if (end == line || errno)
			return got;
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 16;
			s->v = realloc(s->v, s->cap * sizeof *s->v);
			if (!s->v)
				abort();
		}
		s->v[s->n++] = d;
		got++;
		line = end;
	}
}

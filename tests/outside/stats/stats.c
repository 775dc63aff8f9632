#include <math.h>
#include <stdlib.h>

#include "stats.h"

double mean(const struct sample *s)
{
	double t = 0;
	for (size_t i = 0; i < s->n; i++)
		t += s->v[i];
	return s->n ? t / s->n : NAN;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(struct sample *s)
{
	if (!s->n)
		return NAN;
	qsort(s->v, s->n, sizeof *s->v, cmp);
	return s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

double stddev(const struct sample *s)
{
	double m = mean(s), t = 0;
	for (size_t i = 0; i < s->n; i++)
		t += (s->v[i] - m) * (s->v[i] - m);
	return s->n ? sqrt(t / s->n) : NAN;
}

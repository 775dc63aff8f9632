#include <stddef.h>

struct sample {
	double *v;
	size_t n, cap;
};

int sample_read(struct sample *s, const char *line);
double mean(const struct sample *s);
double median(struct sample *s);
double stddev(const struct sample *s);

/* The files httpd serves, compiled into the image. */
#ifndef HTTPD_SITE_H
#define HTTPD_SITE_H

#include <stddef.h>

struct site_file {
	const char *path; /* absolute, e.g. "/index.html" */
	const char *type; /* Content-Type */
	const char *data;
	size_t len;
};

/* The file at path, or NULL. */
const struct site_file *site_find(const char *path, size_t len);

#endif

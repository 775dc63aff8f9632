/* Files httpd serves from a directory (-d DIR), e.g. an image's embedded
 * tree (tincan-mkimage --rootfs). */
#ifndef HTTPD_DOCROOT_H
#define HTTPD_DOCROOT_H

#include <stddef.h>
#include <sys/types.h>

struct docroot_file {
	int fd; /* open for reading; the caller closes it */
	off_t size;
	const char *type; /* Content-Type */
};

/* Open the file the request path (plen bytes, percent-encoded, starting
 * with '/') names under root: a directory gives its index.html.  0, or -1
 * when there is no such file or the path is refused ("..", NUL). */
int docroot_open(const char *root, const char *path, size_t plen, struct docroot_file *f);

#endif

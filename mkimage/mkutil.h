/* Small helpers shared by tincan-mkimage's writers (iso.c, oci.c). */
#ifndef TINCAN_MKUTIL_H
#define TINCAN_MKUTIL_H

#include <stddef.h>
#include <sys/stat.h>

#include "elfimage.h"

/* "tincan-mkimage: MESSAGE" on stderr; returns status. */
int mk_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write data to path, created 0644 with open(2)'s extra flags (O_EXCL or
 * O_TRUNC); 0, or -1 with errno. */
int mk_write_file(const char *path, const void *data, size_t size, int flags);

/* Put the finished temporary file tmp in place as out: synced, mode 0666
 * less the umask, renamed.  status is the build's (0: done); on any
 * failure tmp is removed.  Returns the final status. */
int mk_commit(int status, const char *tmp, const char *out);

/* Map and check the image at path (any platform: the caller says which it
 * takes); its stat in *sb.  0, or mk_fail's 1 with the reason. */
int mk_load_image(const char *path, struct ei_image *img, struct stat *sb);

#endif

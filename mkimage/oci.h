/*
 * tincan-mkimage --oci: a kvm image as an OCI image layout in a tar, for
 * `ctr images import` (docs/image-format.md, "As an OCI image").
 */
#ifndef TINCAN_OCI_H
#define TINCAN_OCI_H

#include <stddef.h>

/*
 * Normalise ref as docker does ("hello" -> "docker.io/library/hello:latest",
 * "host:5000/a/b" -> "host:5000/a/b:latest") into out[0..len).  Return 0, or
 * -1 with a one-line reason in out.  Digests (@sha256:...) are refused.
 */
int oci_normalize_ref(const char *ref, char *out, size_t len);

/*
 * Check image (a kvm image, as tincan-run checks it), then write out
 * atomically: an OCI image layout (oci-layout, index.json, blobs/sha256/)
 * as a tar, one layer holding /tincan.tc, named ref (NULL: the manifest's
 * name, else the file's name without .tc).  The same input gives the same
 * bytes.  Prints one line on stderr and returns the exit status (1: bad
 * image, missing tool or I/O error, 2: bad reference) on failure; 0 on
 * success.
 */
int oci_write(const char *out, const char *image, const char *ref);

#endif

/*
 * Path names, purely lexically (libos-internal).  Plain C with no libos or
 * newlib dependence, so the host unit tests (tests/unit/test_path.c) build
 * it too.  Errors are negative errno.
 */
#ifndef LIBOS_VFS_PATH_H
#define LIBOS_VFS_PATH_H

#include <stddef.h>

#define PATH_NAME_MAX 255 /* bytes in one component */
#define PATH_LEN_MAX 1024 /* bytes in a whole path, with its NUL */

/* Is abs (absolute, normal) an existing directory?  0, or -ENOENT,
 * -ENOTDIR... as the path call should fail. */
typedef int (*path_isdir_fn)(void *ctx, const char *abs);

/*
 * The absolute normal form of path, taken relative to cwd (absolute and
 * normal itself) unless path starts with '/': no ".", "..", repeated or
 * trailing slashes; "/" for the root.  ".." above the root stays at the
 * root.  Every component of path that other components follow must be a
 * directory, as on Linux ("file/x" is ENOTDIR, "nosuch/../x" ENOENT):
 * isdir(ctx, prefix) is asked for each, in order, and its error returned;
 * with isdir NULL the result is purely lexical.  *dir is set when path must
 * name a directory (it ends in "/", "." or "..").  Returns 0; -ENOENT for
 * an empty path; -ENAMETOOLONG when a component is over PATH_NAME_MAX or
 * the result does not fit in size bytes.
 */
int path_normalize(const char *cwd, const char *path, char *out, size_t size, int *dir, path_isdir_fn isdir, void *ctx);

/* Where abs (normal) lies under mount point mnt (normal): the rest of abs
 * after mnt with no leading slash ("" for mnt itself), or NULL when abs is
 * not mnt or below it ("/tmpx" is not below "/tmp"). */
const char *path_under(const char *mnt, const char *abs);

#endif

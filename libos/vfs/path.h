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

/* What path_resolve's step callback says of a path. */
#define PATH_DIR 0 /* a directory */
#define PATH_FILE 1 /* anything else that is not a symbolic link */
#define PATH_LINK 2 /* a symbolic link: its target is in link */
#define PATH_LOOP_MAX 40 /* links followed in one resolution before ELOOP */

/* What abs (absolute, normal, free of links but maybe in its last
 * component) is: PATH_DIR, PATH_FILE, PATH_LINK with the target
 * NUL-terminated in link (size bytes), or -errno (-ENOENT if missing). */
typedef int (*path_step_fn)(void *ctx, const char *abs, char *link, size_t size);

/*
 * Like path_normalize, but following symbolic links as Linux does: every
 * component is asked of step, in order; a link in any component but the
 * last is replaced by its target (relative to the directory holding it, or
 * absolute), and in the last too when follow is set or path ends in "/".
 * ".." is taken after links are followed, so out names the same node as
 * path and holds no link but (with follow unset) the last component.  *last
 * is what step said of the last component (PATH_DIR, PATH_FILE, PATH_LINK,
 * or -ENOENT when it is missing: the call may create it); *dir as in
 * path_normalize.  Errors: those of path_normalize, -ENOENT or -ENOTDIR for
 * a missing or non-directory component before the last (and ENOTDIR for a
 * non-directory last with *dir set), -ELOOP after PATH_LOOP_MAX links.
 */
int path_resolve(const char *cwd, const char *path, int follow, char *out, size_t size, int *dir, int *last,
		 path_step_fn step, void *ctx);

/* Where abs (normal) lies under mount point mnt (normal): the rest of abs
 * after mnt with no leading slash ("" for mnt itself), or NULL when abs is
 * not mnt or below it ("/tmpx" is not below "/tmp"). */
const char *path_under(const char *mnt, const char *abs);

/* Split a file system's relative normal path ("a/b/c") into the directory
 * part, written to dir (PATH_LEN_MAX bytes; "" for the root), and the last
 * component, returned ("" when path is the root itself). */
const char *path_split(const char *path, char dir[PATH_LEN_MAX]);

#endif

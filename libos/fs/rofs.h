/* The embedded read-only tree as a file system (libos-internal): see rofs.c. */
#ifndef LIBOS_FS_ROFS_H
#define LIBOS_FS_ROFS_H

#include "vfs/vfs.h"

#define rofs_ops __tincan_rofs_ops
#define rofs_mount_root __tincan_rofs_mount_root
#define rofs_mount_point __tincan_rofs_mount_point

extern const struct fs_ops rofs_ops;

/* Mount the image's embedded tree at "/" if it has one: 1 when mounted, 0
 * when the image has no tree, or negative errno (a corrupt tree, the mount
 * table full, "/" taken).  Call it before anything else is mounted at "/". */
int rofs_mount_root(void);

/* Something is mounted at "/name" (name: one component, kept): if the tree
 * has no such entry, readdir("/") lists name as a directory after the
 * tree's own entries.  0 or -ENOMEM. */
int rofs_mount_point(const char *name);

#endif

/* The embedded read-only tree as a file system (libos-internal): see rofs.c. */
#ifndef LIBOS_FS_ROFS_H
#define LIBOS_FS_ROFS_H

#include "vfs/vfs.h"

#define rofs_mount_root __tincan_rofs_mount_root

extern const struct fs_ops rofs_ops;

/* Mount the image's embedded tree at "/" if it has one: 1 when mounted, 0
 * when the image has no tree, or negative errno (a corrupt tree, the mount
 * table full, "/" taken).  Call it before anything else is mounted at "/". */
int rofs_mount_root(void);

#endif

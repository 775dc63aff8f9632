/* Reading an open directory (libos-internal): vfs/file.c, for libos/dir.c. */
#ifndef LIBOS_VFS_DIR_H
#define LIBOS_VFS_DIR_H

#include "vfs/vfs.h"

#define vfs_readdir __tincan_vfs_readdir

/* The entry of the directory open at fd at position pos (0: ".", 1: "..",
 * then the file system's, see vnode_ops.readdir): the position after it,
 * 0 at the end, or -errno. */
long vfs_readdir(int fd, long pos, struct vfs_dirent *de);

#endif

/* Host directories as file systems (libos-internal): see hostfs.c. */
#ifndef LIBOS_FS_HOSTFS_H
#define LIBOS_FS_HOSTFS_H

#define hostfs_mount_all __tincan_hostfs_mount_all
#define hostfs_covers __tincan_hostfs_covers

/* Mount every directory the platform shares at its path, making the
 * directories on the way in the file systems below; then enter the
 * working directory the platform asks for. */
void hostfs_mount_all(void);

/* Whether the platform shares a directory at exactly path. */
int hostfs_covers(const char *path);

#endif

/* The file systems mounted at boot (on the first path call).  "/" is the
 * image's embedded tree (tincan-mkimage --rootfs; read-only) when it has
 * one, else a RAM file system; below it, another RAM file system at "/tmp"
 * (so rename between them is EXDEV, as between tmpfs and a disk), the
 * devices at "/dev", then the platform's host directories at their own
 * paths (a host directory at "/tmp" takes its place).  Other mounts are
 * added here. */
#include <sys/stat.h>

#include "fs/devfs.h"
#include "fs/hostfs.h"
#include "fs/ramfs.h"
#include "fs/rofs.h"
#include "vfs/vfs.h"

void vfs_setup(void)
{
	static struct ramfs root, tmp;
	struct vnode *vn;
	/* A corrupt tree (< 0) leaves "/" to RAM rather than no root at all. */
	int tree = rofs_mount_root() > 0;
	if (tree) {
		/* Read-only: the tree may lack tmp/ and dev/.  They resolve all
		 * the same (the VFS finds a mount by path first); rofs lists
		 * them in readdir("/"). */
		rofs_mount_point("tmp");
		rofs_mount_point("dev");
	} else {
		vfs_mount("/", &ramfs_ops, &root);
		/* Mount points are directories in the file system below, so
		 * that readdir("/") lists them. */
		struct mount *m = vfs_mount_find("/", &(const char *){ 0 });
		if (m->ops->lookup(m, "tmp", &vn) != 0)
			m->ops->mkdir(m, "tmp", 01777);
		if (m->ops->lookup(m, "dev", &vn) != 0)
			m->ops->mkdir(m, "dev", 0755);
	}
	if (!hostfs_covers("/tmp")) {
		vfs_mount("/tmp", &ramfs_ops, &tmp);
		if (ramfs_ops.lookup(vfs_mount_find("/tmp", &(const char *){ 0 }), "", &vn) == 0)
			vn->ops->setattr(vn, &(struct vfs_attr){ .mask = VFS_ATTR_MODE, .mode = 01777 });
	}
	vfs_mount("/dev", &devfs_ops, NULL);
	/* Over a read-only tree, a host directory's missing parents cannot be
	 * made: its mount still resolves by path. */
	hostfs_mount_all();
}

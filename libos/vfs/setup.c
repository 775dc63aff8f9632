/* The file systems mounted at boot (on the first path call).  "/" is the
 * image's embedded tree (tincan-mkimage --rootfs; read-only) when it has
 * one, else a RAM file system; below it, another RAM file system at "/tmp"
 * (so rename between them is EXDEV, as between tmpfs and a disk), the
 * devices at "/dev", each block device with a mount point at it
 * (fs/blockfs.c), then the platform's host directories at their own paths
 * (a host directory at "/tmp" takes its place).  Other mounts are added
 * here. */
#include <string.h>
#include <sys/stat.h>

#include "fs/blockfs.h"
#include "fs/devfs.h"
#include "fs/hostfs.h"
#include "fs/ramfs.h"
#include "fs/rofs.h"
#include "vfs/vfs.h"

static int tree;

/* Make the directories of the absolute path abs in the root file system,
 * so that a mount point there is listed.  A read-only tree cannot make
 * them: it lists a missing top-level mount point itself (the mount
 * resolves by its path either way). */
static void mkdir_p(const char *abs)
{
	struct mount *m = vfs_mount_find("/", &(const char *){ 0 });
	char p[VFS_MOUNT_PATH_MAX];
	size_t len = strlen(abs);
	if (len >= sizeof p)
		return;
	memcpy(p, abs, len + 1);
	if (tree) {
		char *slash = strchr(p + 1, '/');
		if (slash)
			*slash = '\0';
		rofs_mount_point(p + 1);
		return;
	}
	if (!m->ops->mkdir)
		return;
	for (char *s = p + 1; *s; s++)
		if (s[1] == '/' || s[1] == '\0') {
			char c = s[1];
			s[1] = '\0';
			m->ops->mkdir(m, p + 1, 0755);
			s[1] = c;
		}
}

void vfs_setup(void)
{
	static struct ramfs root, tmp;
	struct vnode *vn;
	/* A corrupt tree (< 0) leaves "/" to RAM rather than no root at all. */
	tree = rofs_mount_root() > 0;
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
	blockfs_mount_all(mkdir_p);
	/* Over a read-only tree, a host directory's missing parents cannot be
	 * made: its mount still resolves by path. */
	hostfs_mount_all();
}

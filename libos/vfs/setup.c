/* The file systems mounted at boot (on the first path call): a RAM file
 * system at "/", another at "/tmp" (so rename between them is EXDEV, as
 * between tmpfs and a disk), the devices at "/dev", and each block device
 * with a mount point at it (fs/blockfs.c).  Other mounts are added here. */
#include <string.h>
#include <sys/stat.h>

#include "fs/blockfs.h"
#include "fs/devfs.h"
#include "fs/ramfs.h"
#include "vfs/vfs.h"

/* Make the directories of the absolute path abs in the root file system. */
static void mkdir_p(const char *abs)
{
	struct mount *m = vfs_mount_find("/", &(const char *){ 0 });
	char p[VFS_MOUNT_PATH_MAX];
	size_t len = strlen(abs);
	if (len >= sizeof p || !m->ops->mkdir)
		return;
	memcpy(p, abs, len + 1);
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
	vfs_mount("/", &ramfs_ops, &root);
	/* Mount points are directories in the file system below, so that
	 * readdir("/") lists them. */
	struct mount *m = vfs_mount_find("/", &(const char *){ 0 });
	if (m->ops->lookup(m, "tmp", &vn) != 0 && m->ops->mkdir)
		m->ops->mkdir(m, "tmp", 01777);
	if (m->ops->lookup(m, "dev", &vn) != 0 && m->ops->mkdir)
		m->ops->mkdir(m, "dev", 0755);
	vfs_mount("/tmp", &ramfs_ops, &tmp);
	if (ramfs_ops.lookup(vfs_mount_find("/tmp", &(const char *){ 0 }), "", &vn) == 0)
		vn->ops->setattr(vn, &(struct vfs_attr){ .mask = VFS_ATTR_MODE, .mode = 01777 });
	vfs_mount("/dev", &devfs_ops, NULL);
	blockfs_mount_all(mkdir_p);
}

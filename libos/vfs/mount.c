/* The mount table: longest-prefix match of normal paths.  Plain C (the
 * host unit tests build it). */
#include <errno.h>
#include <string.h>

#include "path.h"
#include "vfs.h"
#include "resolve.h"

static struct mount mounts[VFS_MOUNT_MAX];

int vfs_mount(const char *path, const struct fs_ops *ops, void *priv)
{
	char abs[VFS_MOUNT_PATH_MAX];
	int dir, r = path_normalize("/", path, abs, sizeof abs, &dir, NULL, NULL);
	struct mount *free_slot = NULL;
	if (r)
		return r;
	for (int i = 0; i < VFS_MOUNT_MAX; i++) {
		if (strcmp(mounts[i].path, abs) == 0)
			return -EBUSY;
		if (!mounts[i].path[0] && !free_slot)
			free_slot = &mounts[i];
	}
	if (!free_slot)
		return -ENOMEM;
	memcpy(free_slot->path, abs, strlen(abs) + 1);
	free_slot->ops = ops;
	free_slot->priv = priv;
	return 0;
}

struct mount *vfs_mount_find(const char *abs, const char **rest)
{
	struct mount *best = NULL;
	size_t best_len = 0;
	for (int i = 0; i < VFS_MOUNT_MAX; i++) {
		const char *r;
		size_t len = strlen(mounts[i].path);
		if (len > best_len && (r = path_under(mounts[i].path, abs))) {
			best = &mounts[i];
			best_len = len;
			*rest = r;
		}
	}
	return best;
}

unsigned vfs_mount_id(const struct mount *m)
{
	return m ? (unsigned)(m - mounts) + 1 : 0;
}

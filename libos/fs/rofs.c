/*
 * The embedded read-only tree (tincan-mkimage --rootfs) as a file system.
 * The tree is a segment of the image, mapped read-only; the manifest says
 * where (rootfs_addr, rootfs_size), and the linker script marks the
 * manifest note with __tincan_manifest_note, so no platform call is needed.
 * Reads copy straight from the tree (rofs_tree.c); nothing is copied at
 * mount.  A lookup makes a small node that lives while the VFS or an open
 * file holds it (release frees it).  Links are returned as themselves: the
 * VFS resolves them with readlink.  Nothing here writes: the ops that would
 * are NULL, so the VFS answers EROFS.
 */
#include "fs/rofs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <tincan/image.h>

#include "fs/rofs_tree.h"

extern const struct tc_manifest_note __tincan_manifest_note __attribute__((weak, visibility("hidden")));

struct rofs_node {
	struct vnode vn; /* first: a vnode pointer is a node pointer */
	const struct tc_rootfs_inode *in;
	uint32_t ino;
};

#define EXTRA_MAX 4

static struct rofs {
	struct rofs_tree t;
	/* Mount points right below the root that the tree lacks: readdir("/")
	 * lists them after the tree's own entries. */
	const char *extra[EXTRA_MAX];
	int nextra;
} fs;

static ssize_t ro_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct rofs_node *n = (struct rofs_node *)vn;
	return off < 0 ? -EINVAL : rofs_read(&fs.t, n->in, buf, len, (uint64_t)off);
}

static int ro_stat(struct vnode *vn, struct stat *st)
{
	struct rofs_node *n = (struct rofs_node *)vn;
	const struct tc_rootfs_inode *in = n->in;
	*st = (struct stat){ 0 };
	st->st_ino = (ino_t)n->ino + 1;
	st->st_mode = (mode_t)in->mode;
	st->st_nlink = (nlink_t)in->nlink + (n->ino == 0 ? (nlink_t)fs.nextra : 0);
	st->st_size = S_ISDIR(in->mode) ? 4096 : (off_t)in->size;
	st->st_blksize = 4096;
	st->st_blocks = S_ISREG(in->mode) ? (blkcnt_t)((in->size + 511) / 512) : 0;
	st->st_mtim.tv_sec = st->st_atim.tv_sec = st->st_ctim.tv_sec = (time_t)in->mtime;
	st->st_mtim.tv_nsec = st->st_atim.tv_nsec = st->st_ctim.tv_nsec = (long)in->mtime_nsec;
	return 0;
}

/* Cookie i is entry i of the tree's directory; past them, the root's
 * extra mount points.  The tree never changes, so cookies never move. */
static long ro_readdir(struct vnode *vn, long cookie, struct vfs_dirent *d)
{
	struct rofs_node *n = (struct rofs_node *)vn;
	uint64_t count = n->in->size;
	if (cookie < 0)
		return 0;
	if ((uint64_t)cookie < count) {
		uint32_t ino;
		const char *name;
		size_t len;
		int r = rofs_dirent(&fs.t, n->in, (uint64_t)cookie, &ino, &name, &len);
		const struct tc_rootfs_inode *in = r ? NULL : rofs_inode(&fs.t, ino);
		if (r || !in || len > PATH_NAME_MAX)
			return r ? r : -EIO;
		d->ino = (ino_t)ino + 1;
		d->type = (mode_t)(in->mode & S_IFMT);
		memcpy(d->name, name, len);
		d->name[len] = '\0';
		return cookie + 1;
	}
	long j = cookie - (long)count;
	if (n->ino != 0 || j >= fs.nextra)
		return 0;
	d->ino = (ino_t)fs.t.ninodes + 1 + (ino_t)j;
	d->type = S_IFDIR;
	memcpy(d->name, fs.extra[j], strlen(fs.extra[j]) + 1);
	return cookie + 1;
}

static ssize_t ro_readlink(struct vnode *vn, char *buf, size_t size)
{
	struct rofs_node *n = (struct rofs_node *)vn;
	const char *target;
	size_t len;
	int r = rofs_link_target(&fs.t, n->in, &target, &len);
	if (r)
		return r;
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, target, len);
	buf[len] = '\0';
	return (ssize_t)len;
}

static void ro_release(struct vnode *vn)
{
	if (vn->opens == 0)
		free(vn);
}

static const struct vnode_ops file_ops = { .read = ro_read, .stat = ro_stat, .release = ro_release };
static const struct vnode_ops dir_ops = { .stat = ro_stat, .readdir = ro_readdir, .release = ro_release };
static const struct vnode_ops link_ops = { .stat = ro_stat, .readlink = ro_readlink, .release = ro_release };

/* path is normal (the VFS's): "" or "a/b/c", no "." or "..", no link
 * before the last component; one binary search per component. */
static int lookup(struct mount *m, const char *path, struct vnode **vn)
{
	(void)m;
	uint32_t ino = 0;
	const struct tc_rootfs_inode *in = rofs_inode(&fs.t, 0);
	while (*path) {
		const char *c = path;
		while (*path && *path != '/')
			path++;
		if (!in)
			return -EIO;
		if (!S_ISDIR(in->mode))
			return -ENOTDIR;
		int r = rofs_dir_find(&fs.t, in, c, (size_t)(path - c), &ino);
		if (r)
			return r;
		in = rofs_inode(&fs.t, ino);
		if (*path)
			path++;
	}
	if (!in)
		return -EIO;
	struct rofs_node *n = calloc(1, sizeof *n);
	if (!n)
		return -ENOMEM;
	mode_t type = (mode_t)(in->mode & S_IFMT);
	n->vn.ops = type == S_IFDIR ? &dir_ops : type == S_IFLNK ? &link_ops : &file_ops;
	n->vn.type = type;
	n->vn.size = S_ISDIR(type) ? 0 : (off_t)in->size;
	n->in = in;
	n->ino = ino;
	*vn = &n->vn;
	return 0;
}

static int ro_statvfs(struct mount *m, struct statvfs *sv)
{
	(void)m;
	*sv = (struct statvfs){ 0 };
	sv->f_bsize = sv->f_frsize = 4096;
	sv->f_blocks = (fsblkcnt_t)((fs.t.size + 4095) / 4096);
	sv->f_files = fs.t.ninodes;
	sv->f_namemax = TC_ROOTFS_NAME_MAX;
	sv->f_flag = ST_RDONLY;
	return 0;
}

const struct fs_ops rofs_ops = { .lookup = lookup, .statvfs = ro_statvfs };

int rofs_mount_root(void)
{
	const struct tc_manifest_note *note = &__tincan_manifest_note;
	if (!note || !note->m.rootfs_size)
		return 0;
	int r = rofs_tree_open(&fs.t, (const void *)(uintptr_t)note->m.rootfs_addr, note->m.rootfs_size);
	if (r)
		return r;
	r = vfs_mount("/", &rofs_ops, &fs);
	return r ? r : 1;
}

int rofs_mount_point(const char *name)
{
	struct vnode *vn;
	int r = lookup(NULL, name, &vn);
	if (r == 0) {
		ro_release(vn);
		return 0;
	}
	if (fs.nextra == EXTRA_MAX)
		return -ENOMEM;
	fs.extra[fs.nextra++] = name;
	return 0;
}

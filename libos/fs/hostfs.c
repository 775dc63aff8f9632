/*
 * Host directories: each directory the platform shares (plat_dir_*, e.g.
 * tincan-run --dir) is a file system mounted at its own path.  A node is a
 * path in the directory; a host handle is opened on the first read or
 * write (again read-write on the first write) and closed with the node.
 * The host resolves every path beneath the directory, so nothing outside
 * it is reachable.  Modes cannot be changed (EPERM); hard links are not
 * offered.  A node made before a rename keeps its old path: an open file
 * keeps working through its handle.
 */
#include "fs/hostfs.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "vfs/resolve.h"
#include "vfs/vfs.h"
#include <tincan/platform.h>

#define BATCH 2048
/* Sequential reads smaller than this fetch this much ahead: every read is
 * an exit (~30 us here), so 64 KiB reads alone reach a quarter of the
 * host's speed; 1 MiB per exit most of it. */
#define AHEAD (1 << 20)
#define COOKIE_END (LONG_MAX - 16) /* the host's "no more" cookies, made safe for the VFS */

struct hnode {
	struct vnode vn; /* first: a vnode pointer is a node pointer */
	int dir, h, wr;
	long from; /* cookie of the first entry in batch */
	long blen;
	char *batch;
	char *ra; /* read-ahead: ra_len bytes of the file from ra_off */
	off_t ra_off, next; /* next: where a sequential read would start */
	size_t ra_len;
	unsigned long ra_gen; /* writes (gen) when it was read */
	char path[];
};

static const struct vnode_ops hf_ops, hf_ro_ops;
/* Bumped by every write and truncate through any node: read-ahead from
 * before it is not used, so this guest always reads what it wrote, through
 * whichever descriptor. */
static unsigned long gen;

static struct hnode *node_new(struct mount *m, const char *path, const struct plat_stat *st)
{
	size_t n = strlen(path) + 1;
	struct hnode *h = calloc(1, sizeof *h + n);
	if (!h)
		return NULL;
	mode_t t = st->mode & S_IFMT;
	h->vn.type = t == S_IFDIR || t == S_IFLNK ? t : S_IFREG;
	h->vn.size = (off_t)st->size;
	h->vn.ops = plat_dir_info((int)(intptr_t)m->priv)->read_only ? &hf_ro_ops : &hf_ops;
	h->dir = (int)(intptr_t)m->priv;
	h->h = -1;
	memcpy(h->path, path, n);
	return h;
}

static int hf_lookup(struct mount *m, const char *path, struct vnode **vn)
{
	struct plat_stat st;
	int r = plat_dir_lstat((int)(intptr_t)m->priv, path, &st);
	if (r)
		return r;
	struct hnode *h = node_new(m, path, &st);
	if (!h)
		return -ENOMEM;
	*vn = &h->vn;
	return 0;
}

static void hf_release(struct vnode *vn)
{
	struct hnode *h = (struct hnode *)vn;
	if (vn->opens)
		return;
	if (h->h >= 0)
		plat_dir_close(h->h);
	free(h->batch);
	free(h->ra);
	free(h);
}

/* The node's host handle, open for writing if wr. */
static int handle(struct hnode *h, int wr)
{
	if (h->h >= 0 && (h->wr || !wr))
		return h->h;
	int how = h->vn.type == S_IFDIR ? PLAT_DIR_READ | PLAT_DIR_DIRECTORY : PLAT_DIR_READ;
	int r = plat_dir_open(h->dir, h->path, wr ? how | PLAT_DIR_WRITE : how, 0);
	if (r == -EACCES && wr)
		r = plat_dir_open(h->dir, h->path, PLAT_DIR_WRITE, 0);
	if (r < 0)
		return r;
	if (h->h >= 0)
		plat_dir_close(h->h);
	h->h = r;
	h->wr = wr;
	return r;
}

static ssize_t hf_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct hnode *h = (struct hnode *)vn;
	int fd = handle(h, 0);
	if (fd < 0)
		return fd;
	/* Served from what was read ahead, when it holds the start. */
	if (h->ra && h->ra_gen == gen && off >= h->ra_off && off < h->ra_off + (off_t)h->ra_len) {
		size_t at = (size_t)(off - h->ra_off), n = h->ra_len - at < len ? h->ra_len - at : len;
		memcpy(buf, h->ra + at, n);
		h->next = off + (off_t)n;
		return (ssize_t)n;
	}
	/* A second small read where the last one ended: read ahead.  The
	 * window is this file's view of the host file until it is used up:
	 * writes through this node drop it. */
	if (len < AHEAD && off == h->next && off > 0 && (h->ra || (h->ra = malloc(AHEAD)))) {
		long r = plat_dir_pread(fd, h->ra, AHEAD, (uint64_t)off);
		if (r < 0)
			return r;
		h->ra_off = off;
		h->ra_len = (size_t)r;
		h->ra_gen = gen;
		size_t n = (size_t)r < len ? (size_t)r : len;
		memcpy(buf, h->ra, n);
		h->next = off + (off_t)n;
		return (ssize_t)n;
	}
	long r = plat_dir_pread(fd, buf, len, (uint64_t)off);
	if (r >= 0)
		h->next = off + r;
	return r;
}

static void drop_ahead(struct hnode *h)
{
	h->ra_len = 0;
	gen++;
}

static ssize_t hf_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	drop_ahead((struct hnode *)vn);
	int fd = handle((struct hnode *)vn, 1);
	size_t done = 0;
	if (fd < 0)
		return fd;
	while (done < len) {
		long r = plat_dir_pwrite(fd, (const char *)buf + done, len - done, (uint64_t)off + done);
		if (r <= 0)
			return r < 0 ? r : -EIO;
		done += (size_t)r;
	}
	if (off + (off_t)len > vn->size)
		vn->size = off + (off_t)len;
	return (ssize_t)len;
}

static int hf_truncate(struct vnode *vn, off_t size)
{
	drop_ahead((struct hnode *)vn);
	int fd = handle((struct hnode *)vn, 1);
	int r = fd < 0 ? fd : plat_dir_truncate(fd, (uint64_t)size);
	if (r == 0)
		vn->size = size;
	return r;
}

static struct timespec ts(int64_t ns)
{
	return (struct timespec){ (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
}

static int hf_stat(struct vnode *vn, struct stat *st)
{
	struct hnode *h = (struct hnode *)vn;
	struct plat_stat p;
	int r = h->h >= 0 ? plat_dir_fstat(h->h, &p) : plat_dir_lstat(h->dir, h->path, &p);
	if (r)
		return r;
	*st = (struct stat){ 0 };
	st->st_mode = (mode_t)p.mode;
	st->st_size = (off_t)p.size;
	st->st_nlink = (nlink_t)p.nlink;
	st->st_ino = (ino_t)p.ino;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)p.blocks;
	st->st_atim = ts(p.atime_ns);
	st->st_mtim = ts(p.mtime_ns);
	st->st_ctim = ts(p.ctime_ns);
	if (S_ISREG(vn->type))
		vn->size = st->st_size;
	return 0;
}

/* Entries come from the host in batches; cookies are the host's. */
static long hf_readdir(struct vnode *vn, long cookie, struct vfs_dirent *d)
{
	struct hnode *h = (struct hnode *)vn;
	for (int tries = 0; tries < 2 && cookie != COOKIE_END; tries++) {
		long pos = h->from;
		for (long i = 0; h->batch && i < h->blen;) {
			struct plat_dirent *e = (struct plat_dirent *)(h->batch + i);
			long next = e->next >= (uint64_t)COOKIE_END ? COOKIE_END : (long)e->next;
			if (pos == cookie) {
				d->ino = (ino_t)e->ino;
				d->type = e->type == 4 ? S_IFDIR : e->type == 10 ? S_IFLNK : S_IFREG;
				strncpy(d->name, e->name, sizeof d->name - 1);
				d->name[sizeof d->name - 1] = '\0';
				return next;
			}
			pos = next;
			i += e->reclen;
		}
		int fd = handle(h, 0);
		if (fd < 0)
			return fd;
		if (!h->batch && !(h->batch = malloc(BATCH)))
			return -ENOMEM;
		long n = plat_dir_readdir(fd, (uint64_t)cookie, h->batch, BATCH);
		if (n <= 0)
			return n;
		h->from = cookie;
		h->blen = n;
	}
	return 0;
}

static ssize_t hf_readlink(struct vnode *vn, char *buf, size_t size)
{
	struct hnode *h = (struct hnode *)vn;
	long r = plat_dir_readlink(h->dir, h->path, buf, size);
	if (r >= 0 && (size_t)r >= size)
		return -ENAMETOOLONG;
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

static int hf_setattr(struct vnode *vn, const struct vfs_attr *a)
{
	struct hnode *h = (struct hnode *)vn;
	if (a->mask & VFS_ATTR_MODE)
		return -EPERM;
	uint64_t at = PLAT_UTIME_OMIT, mt = PLAT_UTIME_OMIT;
	if (a->mask & VFS_ATTR_ATIME)
		at = (uint64_t)a->atime.tv_sec * 1000000000u + (uint64_t)a->atime.tv_nsec;
	if (a->mask & VFS_ATTR_MTIME)
		mt = (uint64_t)a->mtime.tv_sec * 1000000000u + (uint64_t)a->mtime.tv_nsec;
	return plat_dir_utimens(h->dir, h->path, at, mt);
}

static int hf_fsync(struct vnode *vn)
{
	struct hnode *h = (struct hnode *)vn;
	return h->h >= 0 ? plat_dir_fsync(h->h) : 0;
}

static const struct vnode_ops hf_ops = {
	.read = hf_read,
	.write = hf_write,
	.truncate = hf_truncate,
	.stat = hf_stat,
	.readdir = hf_readdir,
	.readlink = hf_readlink,
	.setattr = hf_setattr,
	.fsync = hf_fsync,
	.release = hf_release,
};

/* A read-only directory: the VFS answers EROFS itself. */
static const struct vnode_ops hf_ro_ops = {
	.read = hf_read,
	.stat = hf_stat,
	.readdir = hf_readdir,
	.readlink = hf_readlink,
	.release = hf_release,
};

static int dir_of(struct mount *m)
{
	return (int)(intptr_t)m->priv;
}

static int hf_create(struct mount *m, const char *path, mode_t mode, struct vnode **vn)
{
	int r = plat_dir_open(dir_of(m), path, PLAT_DIR_READ | PLAT_DIR_WRITE | PLAT_DIR_CREATE, mode);
	if (r < 0)
		return r;
	struct hnode *h = node_new(m, path, &(struct plat_stat){ .mode = S_IFREG });
	if (!h) {
		plat_dir_close(r);
		return -ENOMEM;
	}
	h->h = r;
	h->wr = 1;
	*vn = &h->vn;
	return 0;
}

static int hf_mkdir(struct mount *m, const char *path, mode_t mode)
{
	return plat_dir_mkdir(dir_of(m), path, mode);
}

static int hf_symlink(struct mount *m, const char *target, const char *path)
{
	return plat_dir_symlink(dir_of(m), target, path);
}

static int hf_unlink(struct mount *m, const char *path)
{
	return plat_dir_unlink(dir_of(m), path);
}

static int hf_rmdir(struct mount *m, const char *path)
{
	return plat_dir_rmdir(dir_of(m), path);
}

static int hf_rename(struct mount *m, const char *from, const char *to)
{
	return plat_dir_rename(dir_of(m), from, to);
}

static const struct fs_ops hostfs_ops = {
	.lookup = hf_lookup,
	.create = hf_create,
	.mkdir = hf_mkdir,
	.symlink = hf_symlink,
	.unlink = hf_unlink,
	.rmdir = hf_rmdir,
	.rename = hf_rename,
};

static const struct fs_ops hostfs_ro_ops = { .lookup = hf_lookup };

int hostfs_covers(const char *path)
{
	for (int i = 0; i < plat_dir_count(); i++)
		if (strcmp(plat_dir_info(i)->path, path) == 0)
			return 1;
	return 0;
}

/* Make the directory abs (and those above it) in the file systems below. */
static void make_dirs(const char *abs)
{
	char p[VFS_MOUNT_PATH_MAX];
	size_t n = strlen(abs);
	if (n >= sizeof p)
		return;
	for (size_t i = 1; i <= n; i++) {
		if (abs[i] != '/' && abs[i] != '\0')
			continue;
		memcpy(p, abs, i);
		p[i] = '\0';
		const char *rest;
		struct vnode *vn;
		struct mount *m = vfs_mount_find(p, &rest);
		if (m && m->ops->lookup(m, rest, &vn) == 0)
			vfs_put(vn);
		else if (m && m->ops->mkdir)
			m->ops->mkdir(m, rest, 0755);
	}
}

void hostfs_mount_all(void)
{
	for (int i = 0; i < plat_dir_count(); i++) {
		const struct plat_dir_info *d = plat_dir_info(i);
		make_dirs(d->path);
		vfs_mount(d->path, d->read_only ? &hostfs_ro_ops : &hostfs_ops, (void *)(intptr_t)i);
	}
	const char *cwd = plat_dir_cwd();
	if (cwd)
		chdir(cwd);
}

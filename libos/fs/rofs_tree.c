/* Reading an embedded tree in place; see rofs_tree.h.  Plain C (the host
 * unit tests build it). */
#include "rofs_tree.h"

#include <errno.h>
#include <string.h>

/* Does [off, off + len) lie inside the tree, without overflow? */
static int inside(const struct rofs_tree *t, uint64_t off, uint64_t len)
{
	return off <= t->size && len <= t->size - off;
}

int rofs_tree_open(struct rofs_tree *t, const void *base, uint64_t size)
{
	const struct tc_rootfs_header *h = base;
	t->base = base;
	t->size = size;
	t->ninodes = 0;
	if (!base || (uintptr_t)base % 8 || size < sizeof *h || h->magic != TC_ROOTFS_MAGIC ||
	    h->version != TC_ROOTFS_VERSION || h->size != size || h->ninodes == 0 || h->inode_off % 8 ||
	    !inside(t, h->inode_off, (uint64_t)h->ninodes * sizeof(struct tc_rootfs_inode)))
		return -EIO;
	t->ninodes = h->ninodes;
	const struct tc_rootfs_inode *root = rofs_inode(t, 0);
	return root && (root->mode & TC_ROOTFS_S_IFMT) == TC_ROOTFS_S_IFDIR ? 0 : -EIO;
}

const struct tc_rootfs_inode *rofs_inode(const struct rofs_tree *t, uint32_t ino)
{
	if (ino >= t->ninodes)
		return NULL;
	const struct tc_rootfs_header *h = (const void *)t->base;
	const struct tc_rootfs_inode *in = (const void *)(t->base + h->inode_off + (uint64_t)ino * sizeof *in);
	switch (in->mode & TC_ROOTFS_S_IFMT) {
	case TC_ROOTFS_S_IFREG: return inside(t, in->off, in->size) ? in : NULL;
	case TC_ROOTFS_S_IFLNK: return in->size <= TC_ROOTFS_PATH_MAX && inside(t, in->off, in->size) ? in : NULL;
	case TC_ROOTFS_S_IFDIR:
		return in->off % 8 == 0 && in->size <= t->size / sizeof(struct tc_rootfs_dirent) &&
			       inside(t, in->off, in->size * sizeof(struct tc_rootfs_dirent))
			   ? in
			   : NULL;
	default: return NULL;
	}
}

int rofs_dirent(const struct rofs_tree *t, const struct tc_rootfs_inode *dir, uint64_t i, uint32_t *ino,
		const char **name, size_t *len)
{
	if (i >= dir->size)
		return -ENOENT;
	const struct tc_rootfs_dirent *d = (const void *)(t->base + dir->off + i * sizeof *d);
	if (d->name_len == 0 || d->name_len > TC_ROOTFS_NAME_MAX || !inside(t, d->name_off, d->name_len))
		return -EIO;
	*ino = d->ino;
	*name = (const char *)t->base + d->name_off;
	*len = d->name_len;
	return 0;
}

/* Bytewise, a prefix before the longer name: the order mkimage sorts in. */
static int compare(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : (alen > blen) - (alen < blen);
}

int rofs_dir_find(const struct rofs_tree *t, const struct tc_rootfs_inode *dir, const char *name, size_t len,
		  uint32_t *ino)
{
	uint64_t lo = 0, hi = dir->size;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const char *n;
		size_t nlen;
		uint32_t i;
		int r = rofs_dirent(t, dir, mid, &i, &n, &nlen);
		if (r)
			return r;
		int c = compare(name, len, n, nlen);
		if (c == 0) {
			*ino = i;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

static int type_of(const struct tc_rootfs_inode *in)
{
	return (int)(in->mode & TC_ROOTFS_S_IFMT);
}

int rofs_resolve(const struct rofs_tree *t, const char *path, int follow, uint32_t *ino, struct rofs_walk *w)
{
	size_t plen = strlen(path);
	if (plen > TC_ROOTFS_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(w->path, path, plen + 1);
	char *p = w->path;
	int depth = 0, links = 0;
	w->stack[0] = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *c = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - c);
		if (n > TC_ROOTFS_NAME_MAX)
			return -ENAMETOOLONG;
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (depth > 0)
				depth--;
			continue;
		}
		const struct tc_rootfs_inode *dir = rofs_inode(t, w->stack[depth]);
		if (!dir)
			return -EIO;
		if (type_of(dir) != TC_ROOTFS_S_IFDIR)
			return -ENOTDIR;
		uint32_t child;
		int r = rofs_dir_find(t, dir, c, n, &child);
		if (r)
			return r;
		const struct tc_rootfs_inode *in = rofs_inode(t, child);
		if (!in)
			return -EIO;
		const char *rest = p;
		while (*rest == '/')
			rest++;
		if (type_of(in) == TC_ROOTFS_S_IFLNK && (*rest || follow)) {
			/* Go on from the link's directory with target + "/" + rest. */
			if (++links > ROFS_LOOP_MAX)
				return -ELOOP;
			size_t rlen = strlen(rest), tlen = (size_t)in->size;
			if (tlen == 0)
				return -ENOENT;
			if (tlen + 1 + rlen > TC_ROOTFS_PATH_MAX)
				return -ENAMETOOLONG;
			memmove(w->path + tlen + 1, rest, rlen + 1);
			memcpy(w->path, t->base + in->off, tlen);
			w->path[tlen] = '/';
			if (w->path[0] == '/')
				depth = 0;
			p = w->path;
			continue;
		}
		if (depth + 1 == ROFS_DEPTH_MAX)
			return -ENAMETOOLONG;
		w->stack[++depth] = child;
	}
	*ino = w->stack[depth];
	return 0;
}

ssize_t rofs_read(const struct rofs_tree *t, const struct tc_rootfs_inode *in, void *buf, size_t len, uint64_t off)
{
	if (off >= in->size)
		return 0;
	if (len > in->size - off)
		len = (size_t)(in->size - off);
	if (len > (size_t)PTRDIFF_MAX)
		len = (size_t)PTRDIFF_MAX;
	memcpy(buf, t->base + in->off + off, len);
	return (ssize_t)len;
}

int rofs_link_target(const struct rofs_tree *t, const struct tc_rootfs_inode *in, const char **target, size_t *len)
{
	if (type_of(in) != TC_ROOTFS_S_IFLNK)
		return -EINVAL;
	*target = (const char *)t->base + in->off;
	*len = (size_t)in->size;
	return 0;
}

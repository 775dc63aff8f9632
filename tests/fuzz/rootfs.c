/*
 * Fuzz target: the embedded tree's reader (libos/fs/rofs_tree.c: the
 * guest's own code, the format in docs/rootfs-format.md) on a hostile tree.
 * The tree is what tincan-mkimage --rootfs (mkimage/rootfs.c) packs and
 * what an image carries; a hand-made image can carry anything.  The input
 * is the tree; the harness walks every directory it can reach (bounded),
 * reads every file and link, and resolves fixed paths and paths built from
 * the names it found, following links and not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rofs_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rofs_tree t;
static struct rofs_walk walk;
static unsigned visits;
static char names[8][TC_ROOTFS_NAME_MAX + 2];
static unsigned nnames;

static void resolve(const char *p)
{
	uint32_t ino;
	for (int follow = 0; follow < 2; follow++)
		if (rofs_resolve(&t, p, follow, &ino, &walk) == 0 && !rofs_inode(&t, ino))
			abort(); /* resolved to an inode that is not there */
}

static void visit(const struct tc_rootfs_inode *in, int depth)
{
	static char buf[512];
	if (++visits > 2000 || depth > 8)
		return;
	uint32_t type = in->mode & TC_ROOTFS_S_IFMT;
	if (type == TC_ROOTFS_S_IFREG) {
		ssize_t n = rofs_read(&t, in, buf, sizeof buf, 0);
		if (n > (ssize_t)sizeof buf)
			abort();
		(void)rofs_read(&t, in, buf, sizeof buf, in->size > 3 ? in->size - 3 : 0);
		(void)rofs_read(&t, in, buf, 1, (uint64_t)-1);
	} else if (type == TC_ROOTFS_S_IFLNK) {
		const char *target;
		size_t len;
		if (rofs_link_target(&t, in, &target, &len) == 0 && len)
			(void)((volatile const char *)target)[len - 1];
	} else if (type == TC_ROOTFS_S_IFDIR) {
		for (uint64_t i = 0; i < 64; i++) {
			uint32_t ino, found;
			const char *name;
			size_t len;
			if (rofs_dirent(&t, in, i, &ino, &name, &len))
				break;
			const struct tc_rootfs_inode *c = rofs_inode(&t, ino);
			if (len && len <= TC_ROOTFS_NAME_MAX) {
				if (nnames < 8) {
					names[nnames][0] = '/';
					memcpy(names[nnames] + 1, name, len);
					names[nnames++][len + 1] = '\0';
				}
				(void)rofs_dir_find(&t, in, name, len, &found);
			}
			if (c)
				visit(c, depth + 1);
		}
		(void)rofs_dir_find(&t, in, "zz", 2, &(uint32_t){ 0 });
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* In place, as in the guest: 8-byte aligned, nothing after it. */
	uint8_t *tree = malloc(size ? size : 1);
	memcpy(tree, data, size);
	if (rofs_tree_open(&t, tree, size) == 0) {
		const struct tc_rootfs_inode *root = rofs_inode(&t, 0);
		visits = nnames = 0;
		if (root)
			visit(root, 0);
		static const char *fixed[] = { "", "/", ".", "..", "/a/../b", "a/b/c", "/../../..", "//x//y/", "x/." };
		for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
			resolve(fixed[i]);
		for (unsigned i = 0; i < nnames; i++) {
			char p[2 * TC_ROOTFS_NAME_MAX + 16];
			resolve(names[i]);
			snprintf(p, sizeof p, "%s/..%s/x", names[i], names[(i + 1) % nnames]);
			resolve(p);
		}
	}
	free(tree);
	return 0;
}

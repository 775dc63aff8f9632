/* The embedded tree on the host: pack a directory with mkimage/rootfs.c
 * and read it back with libos/fs/rofs_tree.c, the guest's own reader. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../mkimage/rootfs.h"
#include "../tap.h"
#include "rofs_tree.h"

static char top[64], err[512];
static struct rofs_walk walk;

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", top, rel);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(p);
		exit(1);
	}
}

static char *path(const char *rel)
{
	static char p[8][4096];
	static int i;
	i = (i + 1) % 8;
	snprintf(p[i], sizeof p[i], "%s/%s", top, rel);
	return p[i];
}

/* Pack dir into a file and map it: the tree, or NULL with err set. */
static uint8_t *pack(const char *dir, uint64_t *size)
{
	struct rootfs *fs = rootfs_scan(dir, err, sizeof err);
	if (!fs)
		return NULL;
	char out[] = "/tmp/rootfs-unit-XXXXXX";
	int fd = mkstemp(out);
	unlink(out);
	if (fd < 0 || rootfs_write(fs, fd, 0, err, sizeof err) < 0)
		return NULL;
	*size = rootfs_size(fs);
	rootfs_free(fs);
	struct stat st;
	fstat(fd, &st);
	if ((uint64_t)st.st_size != *size)
		return NULL;
	uint8_t *m = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	return m == MAP_FAILED ? NULL : m;
}

static struct rofs_tree t;

static int resolve(const char *p, int follow)
{
	uint32_t ino;
	int r = rofs_resolve(&t, p, follow, &ino, &walk);
	return r ? r : (int)ino;
}

/* The bytes of file p, or "E<errno>". */
static const char *cat(const char *p)
{
	static char buf[256];
	int ino = resolve(p, 1);
	if (ino < 0) {
		snprintf(buf, sizeof buf, "E%d", -ino);
		return buf;
	}
	ssize_t n = rofs_read(&t, rofs_inode(&t, (uint32_t)ino), buf, sizeof buf - 1, 0);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int rejects(const char *what, const char *want)
{
	int r = rootfs_scan(path(what), err, sizeof err) == NULL && strstr(err, want) != NULL;
	if (!r)
		printf("#   %s: err '%s', wanted '%s'\n", what, err, want);
	return r;
}

int main(void)
{
	strcpy(top, "/tmp/rootfs-unit-XXXXXX");
	if (!mkdtemp(top))
		return perror("mkdtemp"), 1;
	mkdir(path("t"), 0755);
	mkdir(path("t/dir"), 0750);
	mkdir(path("t/dir/sub"), 0755);
	put("t/a", "alpha", 5);
	put("t/dir/b", "bravo", 5);
	put("t/dir/sub/c", "charlie", 7);
	put("t/empty", "", 0);
	put("t/odd name \xc3\xa9!", "odd", 3);
	chmod(path("t/a"), 0604);
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 1234567890, 123456789 } };
	utimensat(AT_FDCWD, path("t/a"), times, AT_SYMLINK_NOFOLLOW);
	link(path("t/a"), path("t/dir/hard"));
	symlink("dir/sub", path("t/rel"));
	symlink("/dir/b", path("t/abs"));
	symlink("../a", path("t/dir/up"));
	symlink("loop2", path("t/loop1"));
	symlink("loop1", path("t/loop2"));
	symlink("nowhere", path("t/dangling"));
	symlink("a", path("t/dir/sub/../../viaparent"));
	static char big[300000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7 + i / 251);
	put("t/big", big, sizeof big);

	uint64_t size;
	uint8_t *base = pack(path("t"), &size);
	ok(base != NULL, "a tree packs (%s)", base ? "ok" : err);
	if (!base)
		return done_testing();
	ok(rofs_tree_open(&t, base, size) == 0, "and opens: header, inode table, root");

	ok(resolve("", 1) == 0 && resolve("/", 1) == 0 && resolve(".", 1) == 0 && resolve("..", 1) == 0,
	   "\"\", /, . and .. are the root");
	ok(strcmp(cat("a"), "alpha") == 0 && strcmp(cat("/dir/b"), "bravo") == 0 &&
	       strcmp(cat("dir//sub/./c"), "charlie") == 0,
	   "files read back");
	ok(strcmp(cat("odd name \xc3\xa9!"), "odd") == 0, "an odd name");
	ok(strcmp(cat("empty"), "") == 0, "an empty file");
	const struct tc_rootfs_inode *a = rofs_inode(&t, (uint32_t)resolve("a", 1));
	ok(a && a->mode == (TC_ROOTFS_S_IFREG | 0604) && a->mtime == 1234567890 && a->mtime_nsec == 123456789,
	   "mode and mtime (to the nanosecond) kept");
	ok(resolve("dir/hard", 1) == resolve("a", 1) && a->nlink == 2, "a hard link is the same inode, 2 links");
	const struct tc_rootfs_inode *d = rofs_inode(&t, (uint32_t)resolve("dir", 1));
	ok(d && (d->mode & 07777) == 0750 && d->nlink == 3 && d->size == 4, "a directory: mode, links, entries");
	ok(strcmp(cat("rel/c"), "charlie") == 0, "a relative symlink to a directory");
	ok(strcmp(cat("abs"), "bravo") == 0, "an absolute symlink is from the tree's root");
	ok(strcmp(cat("dir/up"), "alpha") == 0, "a symlink with ..");
	ok(strcmp(cat("rel/../b"), "bravo") == 0, ".. after a symlink leaves the target, as on Linux");
	ok(resolve("loop1", 1) == -ELOOP && resolve("loop1/x", 0) == -ELOOP, "a symlink loop is ELOOP");
	ok(resolve("dangling", 1) == -ENOENT, "a dangling symlink is ENOENT");
	int l = resolve("rel", 0);
	const char *target;
	size_t tlen;
	ok(l > 0 && rofs_link_target(&t, rofs_inode(&t, (uint32_t)l), &target, &tlen) == 0 && tlen == 7 &&
	       memcmp(target, "dir/sub", 7) == 0,
	   "without follow, the last symlink is itself, with its target");
	ok(resolve("nope", 1) == -ENOENT && resolve("a/x", 1) == -ENOTDIR && resolve("dir/nope/x", 1) == -ENOENT,
	   "ENOENT and ENOTDIR");
	char longname[300];
	memset(longname, 'x', 256);
	longname[256] = '\0';
	ok(resolve(longname, 1) == -ENAMETOOLONG, "a name over 255 bytes is ENAMETOOLONG");

	/* Sorted entries: every one is found by binary search. */
	const struct tc_rootfs_inode *root = rofs_inode(&t, 0);
	int sorted = 1;
	for (uint64_t i = 0; i < root->size; i++) {
		uint32_t ino, found;
		const char *n;
		size_t len;
		sorted &= rofs_dirent(&t, root, i, &ino, &n, &len) == 0 &&
			  rofs_dir_find(&t, root, n, len, &found) == 0 && found == ino;
	}
	ok(sorted && root->size == 11, "the root's %llu entries are sorted and found", (unsigned long long)root->size);

	int bi = resolve("big", 1);
	static char back[sizeof big];
	const struct tc_rootfs_inode *bn = rofs_inode(&t, (uint32_t)bi);
	ok(rofs_read(&t, bn, back, sizeof back, 0) == (ssize_t)sizeof big && memcmp(back, big, sizeof big) == 0,
	   "a 300,000-byte file reads back byte for byte");
	ok(rofs_read(&t, bn, back, 100, sizeof big - 10) == 10 && memcmp(back, big + sizeof big - 10, 10) == 0 &&
	       rofs_read(&t, bn, back, 100, sizeof big) == 0 && rofs_read(&t, bn, back, 100, UINT64_MAX) == 0,
	   "reads near and past the end");
	ok(bn->off % TC_ROOTFS_DATA_ALIGN == 0, "file data is %d-byte aligned", TC_ROOTFS_DATA_ALIGN);

	/* A corrupt tree: -EIO or NULL, never a wild read. */
	struct tc_rootfs_header *h = (void *)base;
	h->magic ^= 1;
	ok(rofs_tree_open(&t, base, size) == -EIO, "a bad magic is EIO");
	h->magic ^= 1;
	ok(rofs_tree_open(&t, base, size - 1) == -EIO, "a size that disagrees with the header is EIO");
	ok(rofs_tree_open(&t, base, size) == 0, "(restored)");
	struct tc_rootfs_inode *bw = (void *)bn;
	uint64_t keep = bw->size;
	bw->size = size;
	ok(rofs_inode(&t, (uint32_t)bi) == NULL, "a file reaching past the tree is refused");
	bw->size = keep;
	h->ninodes = (uint32_t)(size / 8);
	ok(rofs_tree_open(&t, base, size) == -EIO, "an inode table past the end is EIO");
	munmap(base, size);

	/* What a tree cannot hold: one clear line each. */
	mkdir(path("fifo"), 0755);
	mkfifo(path("fifo/f"), 0644);
	ok(rejects("fifo", "fifo/f is a FIFO: a tree holds only regular files, directories and symbolic links"),
	   "a FIFO is refused");
	mkdir(path("sock"), 0755);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path("sock/s"));
	ok(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0 && rejects("sock", "sock/s is a socket"),
	   "a socket is refused");
	close(s);
	mkdir(path("deep"), 0755);
	char rel[2100] = "deep";
	for (int i = 0; i < 9; i++) {
		size_t at = strlen(rel);
		rel[at] = '/';
		memset(rel + at + 1, 'a' + i, 120);
		rel[at + 121] = '\0';
		mkdir(path(rel), 0755);
	}
	ok(rejects("deep", "a path in the tree is longer than 1023 bytes: "), "a path over 1023 bytes is refused");
	mkdir(path("huge"), 0755);
	int fd = open(path("huge/sparse"), O_CREAT | O_WRONLY, 0644);
	ok(fd >= 0 && ftruncate(fd, 3LL << 30) == 0 && rejects("huge", "more than an image can (2048 MiB)"),
	   "a tree over 2 GiB is refused before anything is read");
	close(fd);
	ok(rejects("t/a", "not a directory") && rejects("nosuch", "No such file"), "DIR must be a directory");

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", top);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", top);
	return done_testing();
}

/*
 * The file system for now: one flat directory of files held in guest RAM
 * (a tmpfs that lives as long as the guest).  Programs that write and read
 * back temporary files work; nothing reaches the host.  Paths are "name",
 * "./name" or "/name"; "/" and "." are the directory itself; a path with
 * more components names nothing (ENOENT), and directories cannot be made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"

#define NAME_MAX_ 255

struct node {
	struct node *next;
	char *name; /* NULL once unlinked (open files keep the data) */
	unsigned char *data;
	size_t size, cap;
	int opens;
	mode_t mode;
	time_t mtime;
};

static struct node *nodes;
static unsigned long ino_of_root = 1;

/* The file name inside the root for path, "" for the root, NULL if the path
 * cannot name anything here. */
static const char *leaf(const char *path, int *err)
{
	if (!path) {
		*err = EFAULT;
		return NULL;
	}
	if (!*path) {
		*err = ENOENT;
		return NULL;
	}
	while (path[0] == '/' || (path[0] == '.' && path[1] == '/'))
		path += path[0] == '/' ? 1 : 2;
	if (strcmp(path, ".") == 0 || strcmp(path, "./") == 0)
		return "";
	if (strchr(path, '/')) {
		*err = ENOENT;
		return NULL;
	}
	if (strlen(path) > NAME_MAX_) {
		*err = ENAMETOOLONG;
		return NULL;
	}
	return path;
}

static struct node *find(const char *name)
{
	for (struct node *n = nodes; n; n = n->next)
		if (n->name && strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

static void release(struct node *n)
{
	if (n->name || n->opens)
		return;
	for (struct node **p = &nodes; *p; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			break;
		}
	free(n->data);
	free(n);
}

static void fill_stat(const struct node *n, struct stat *st)
{
	*st = (struct stat){ 0 };
	st->st_mode = S_IFREG | (n->mode & 07777);
	st->st_size = (off_t)n->size;
	st->st_nlink = n->name ? 1 : 0;
	st->st_ino = (ino_t)((uintptr_t)n >> 4);
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->cap + 511) / 512);
	st->st_mtime = st->st_ctime = st->st_atime = n->mtime;
}

static void root_stat(struct stat *st)
{
	*st = (struct stat){ 0 };
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_ino = (ino_t)ino_of_root;
	st->st_blksize = 4096;
}

/* ---- open files ---- */

static ssize_t rf_read(struct file *f, void *buf, size_t len)
{
	struct node *n = f->priv;
	if ((size_t)f->off >= n->size)
		return 0;
	if (len > n->size - (size_t)f->off)
		len = n->size - (size_t)f->off;
	memcpy(buf, n->data + f->off, len);
	f->off += (off_t)len;
	return (ssize_t)len;
}

static int reserve(struct node *n, size_t want)
{
	if (want <= n->cap)
		return 0;
	size_t cap = n->cap ? n->cap : 256;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	unsigned char *d = realloc(n->data, cap);
	if (!d)
		return -ENOSPC;
	memset(d + n->cap, 0, cap - n->cap);
	n->data = d;
	n->cap = cap;
	return 0;
}

static ssize_t rf_write(struct file *f, const void *buf, size_t len)
{
	struct node *n = f->priv;
	if (len == 0)
		return 0;
	if (f->flags & O_APPEND)
		f->off = (off_t)n->size;
	size_t end = (size_t)f->off + len;
	if (end < len)
		return -EFBIG;
	int r = reserve(n, end);
	if (r)
		return r;
	/* A write past the end leaves a hole that reads as zeros, whatever
	 * the buffer held before a truncation. */
	if ((size_t)f->off > n->size)
		memset(n->data + n->size, 0, (size_t)f->off - n->size);
	memcpy(n->data + f->off, buf, len);
	f->off = (off_t)end;
	if (end > n->size)
		n->size = end;
	n->mtime = time(NULL);
	return (ssize_t)len;
}

static off_t rf_lseek(struct file *f, off_t off, int whence)
{
	struct node *n = f->priv;
	off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->off : whence == SEEK_END ? (off_t)n->size : -1;
	off_t to;
	if (base < 0 || __builtin_add_overflow(base, off, &to) || to < 0)
		return -EINVAL;
	/* Keep offsets where a write's end still fits a size_t and an off_t. */
	if ((uint64_t)to > (uint64_t)INT64_MAX / 2)
		return -EINVAL;
	f->off = to;
	return f->off;
}

static int rf_fstat(struct file *f, struct stat *st)
{
	fill_stat(f->priv, st);
	return 0;
}

static void rf_close(struct file *f)
{
	struct node *n = f->priv;
	n->opens--;
	release(n);
}

static const struct file_ops ramfile_ops = {
	.read = rf_read,
	.write = rf_write,
	.lseek = rf_lseek,
	.fstat = rf_fstat,
	.close = rf_close,
};

/* ---- the POSIX calls ---- */

int open(const char *path, int flags, ...)
{
	int err, acc = flags & O_ACCMODE;
	const char *name = leaf(path, &err);

	if (!name)
		return sys_fail(err);
	if (!*name)
		return (flags & (O_CREAT | O_TRUNC)) || acc != O_RDONLY ? sys_fail(EISDIR) : sys_fail(ENOTSUP);
	struct node *n = find(name);
	if (n && (flags & O_CREAT) && (flags & O_EXCL))
		return sys_fail(EEXIST);
	if (!n) {
		if (!(flags & O_CREAT))
			return sys_fail(ENOENT);
		n = calloc(1, sizeof *n);
		char *copy = strdup(name);
		if (!n || !copy) {
			free(n);
			free(copy);
			return sys_fail(ENOSPC);
		}
		n->name = copy;
		n->mode = 0644;
		n->mtime = time(NULL);
		n->next = nodes;
		nodes = n;
	}
	if ((flags & O_TRUNC) && acc != O_RDONLY)
		n->size = 0;
	int fd = fd_install(&ramfile_ops, n, flags & (O_ACCMODE | O_APPEND), 0);
	if (fd < 0) {
		release(n);
		return sys_fail(-fd);
	}
	n->opens++;
	return fd;
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int stat(const char *path, struct stat *st)
{
	int err;
	const char *name = leaf(path, &err);
	if (!name)
		return sys_fail(err);
	if (!*name) {
		root_stat(st);
		return 0;
	}
	struct node *n = find(name);
	if (!n)
		return sys_fail(ENOENT);
	fill_stat(n, st);
	return 0;
}

int lstat(const char *path, struct stat *st)
{
	return stat(path, st);
}

int access(const char *path, int mode)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	return (mode & X_OK) && S_ISREG(st.st_mode) ? sys_fail(EACCES) : 0;
}

int unlink(const char *path)
{
	int err;
	const char *name = leaf(path, &err);
	if (!name)
		return sys_fail(err);
	if (!*name)
		return sys_fail(EISDIR);
	struct node *n = find(name);
	if (!n)
		return sys_fail(ENOENT);
	free(n->name);
	n->name = NULL;
	release(n);
	return 0;
}

int rename(const char *from, const char *to)
{
	int err;
	const char *a = leaf(from, &err), *b;
	if (!a || !(b = leaf(to, &err)))
		return sys_fail(err);
	if (!*a || !*b)
		return sys_fail(EBUSY);
	struct node *n = find(a);
	if (!n)
		return sys_fail(ENOENT);
	if (strcmp(a, b) == 0)
		return 0;
	char *copy = strdup(b);
	if (!copy)
		return sys_fail(ENOSPC);
	if (find(b))
		unlink(b);
	free(n->name);
	n->name = copy;
	return 0;
}

int link(const char *from, const char *to)
{
	(void)from, (void)to;
	return sys_fail(EMLINK); /* one name per file in this file system */
}

int mkdir(const char *path, mode_t mode)
{
	int err;
	(void)mode;
	const char *name = leaf(path, &err);
	if (!name)
		return sys_fail(err);
	return *name && !find(name) ? sys_fail(EPERM) : sys_fail(EEXIST);
}

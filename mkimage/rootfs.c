/* Packing a host directory into an embedded tree; see rootfs.h. */
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tincan/rootfs.h>
#include <unistd.h>

#define PAGE 4096ULL

struct node {
	struct tc_rootfs_inode in; /* offsets relative to their region until laid out */
	char *host; /* a regular file's host path, for rootfs_write */
	dev_t dev; /* and what it was when scanned: rootfs_write packs that file or nothing */
	ino_t ino;
};

/* A (device, inode) pair met before: a hard-linked file or a directory. */
struct seen {
	dev_t dev;
	ino_t ino;
	uint32_t node; /* + 1; 0: a free slot */
	char *path; /* directories: where, for the message */
};

struct rootfs {
	struct node *nodes;
	size_t nnodes, ncap;
	struct tc_rootfs_dirent *dirents;
	size_t ndirents, dcap;
	char *strings;
	size_t slen, scap;
	struct seen *seen;
	size_t nseen, seencap; /* seencap: a power of two */
	uint64_t data; /* file data so far, from the start of the data region */
	uint64_t data_off, size; /* set once laid out */
	char *host; /* the path being scanned: dir + tree path */
	size_t root_len; /* strlen(dir) */
	char *err;
	size_t errlen;
};

static int fail(struct rootfs *fs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fs->err, fs->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *q = realloc(p, c * elem);
	if (q)
		*cap = c;
	return q;
}

static int new_node(struct rootfs *fs, const struct stat *st, uint32_t *ino)
{
	struct node *n = grow(fs->nodes, &fs->ncap, fs->nnodes + 1, sizeof *n);
	if (!n)
		return fail(fs, "out of memory");
	fs->nodes = n;
	if (fs->nnodes >= UINT32_MAX)
		return fail(fs, "more than %u entries", UINT32_MAX);
	*ino = (uint32_t)fs->nnodes;
	n = &fs->nodes[fs->nnodes++];
	memset(n, 0, sizeof *n);
	n->in.mode = (uint32_t)(st->st_mode & (S_IFMT | 07777));
	n->in.nlink = 1;
	n->in.mtime = (int64_t)st->st_mtim.tv_sec;
	n->in.mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	return 0;
}

static int add_string(struct rootfs *fs, const char *s, size_t len, uint64_t *off)
{
	char *p = grow(fs->strings, &fs->scap, fs->slen + len, 1);
	if (!p)
		return fail(fs, "out of memory");
	fs->strings = p;
	memcpy(p + fs->slen, s, len);
	*off = fs->slen;
	fs->slen += len;
	return 0;
}

/* The slot for (dev, ino): its entry, or the free slot to fill. */
static struct seen *seen_slot(struct rootfs *fs, dev_t dev, ino_t ino)
{
	size_t h = ((size_t)ino * 0x9e3779b97f4a7c15ULL ^ (size_t)dev) & (fs->seencap - 1);
	while (fs->seen[h].node && !(fs->seen[h].dev == dev && fs->seen[h].ino == ino))
		h = (h + 1) & (fs->seencap - 1);
	return &fs->seen[h];
}

static int remember(struct rootfs *fs, const struct stat *st, uint32_t ino, const char *path)
{
	if (2 * (fs->nseen + 1) > fs->seencap) {
		size_t cap = fs->seencap ? 2 * fs->seencap : 256;
		struct seen *old = fs->seen;
		size_t oldcap = fs->seencap;
		if (!(fs->seen = calloc(cap, sizeof *fs->seen)))
			return fail(fs, "out of memory");
		fs->seencap = cap;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].node)
				*seen_slot(fs, old[i].dev, old[i].ino) = old[i];
		free(old);
	}
	struct seen *s = seen_slot(fs, st->st_dev, st->st_ino);
	*s = (struct seen){ st->st_dev, st->st_ino, ino + 1, path ? strdup(path) : NULL };
	fs->nseen++;
	return path && !s->path ? fail(fs, "out of memory") : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *kind(mode_t m)
{
	return S_ISCHR(m)    ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
			     : "of an unknown type";
}

/* One entry of the directory being scanned (fs->host ends in its name). */
static int add_entry(struct rootfs *fs, const struct stat *st, uint32_t *ino)
{
	const char *path = fs->host;
	if (S_ISDIR(st->st_mode)) {
		struct seen *s = fs->nseen ? seen_slot(fs, st->st_dev, st->st_ino) : NULL;
		if (s && s->node)
			return fail(fs,
				    "%s is the directory %s again (a bind mount or hard-link loop): a tree "
				    "holds each directory once",
				    path, s->path);
		return new_node(fs, st, ino) || remember(fs, st, *ino, path) ? -1 : 0;
	}
	if (S_ISLNK(st->st_mode)) {
		char target[TC_ROOTFS_PATH_MAX + 2];
		ssize_t n = readlink(path, target, sizeof target);
		if (n < 0)
			return fail(fs, "%s: %s", path, strerror(errno));
		if (n > TC_ROOTFS_PATH_MAX)
			return fail(fs, "%s: symbolic link target longer than %d bytes", path, TC_ROOTFS_PATH_MAX);
		if (new_node(fs, st, ino) || add_string(fs, target, (size_t)n, &fs->nodes[*ino].in.off))
			return -1;
		fs->nodes[*ino].in.size = (uint64_t)n;
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return fail(fs, "%s is %s: a tree holds only regular files, directories and symbolic links", path,
			    kind(st->st_mode));
	if (st->st_nlink > 1 && fs->nseen) {
		struct seen *s = seen_slot(fs, st->st_dev, st->st_ino);
		if (s->node) {
			*ino = s->node - 1;
			fs->nodes[*ino].in.nlink++;
			return 0;
		}
	}
	if (access(path, R_OK) < 0)
		return fail(fs, "%s: %s", path, strerror(errno));
	if (new_node(fs, st, ino))
		return -1;
	struct node *n = &fs->nodes[*ino];
	uint64_t size = (uint64_t)st->st_size;
	fs->data = (fs->data + TC_ROOTFS_DATA_ALIGN - 1) & ~(uint64_t)(TC_ROOTFS_DATA_ALIGN - 1);
	if (size > TC_ROOTFS_SIZE_MAX || fs->data + size > TC_ROOTFS_SIZE_MAX)
		return fail(fs, "%s: the tree would hold over %llu MiB of file data, more than an image can (%llu MiB)",
			    path, (unsigned long long)((fs->data + size) >> 20),
			    (unsigned long long)(TC_ROOTFS_SIZE_MAX >> 20));
	n->in.size = size;
	n->in.off = fs->data;
	fs->data += size;
	if (!(n->host = strdup(path)))
		return fail(fs, "out of memory");
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	return st->st_nlink > 1 ? remember(fs, st, *ino, NULL) : 0;
}

/* Scan directory self, whose host path is fs->host[0..len). */
static int scan_dir(struct rootfs *fs, uint32_t self, size_t len)
{
	/* Not through a symbolic link swapped in since the lstat. */
	int dfd = open(fs->host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		return fail(fs, "%s: %s", fs->host, strerror(e));
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int r = 0;
	errno = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char **p = grow(names, &cap, n + 1, sizeof *names);
		if (!p || !(p[n] = strdup(e->d_name))) {
			names = p ? p : names;
			r = fail(fs, "out of memory");
			break;
		}
		names = p;
		n++;
	}
	if (!r && errno)
		r = fail(fs, "%s: %s", fs->host, strerror(errno));
	closedir(d);
	if (names)
		qsort(names, n, sizeof *names, by_name);

	/* This directory's entries, contiguous; then its subdirectories. */
	size_t first = fs->ndirents, subdirs = 0;
	for (size_t i = 0; i < n && !r; i++) {
		size_t nl = strlen(names[i]);
		fs->host[len] = '/';
		memcpy(fs->host + len + 1, names[i], nl + 1);
		if (nl > TC_ROOTFS_NAME_MAX) {
			r = fail(fs, "%s: name longer than %d bytes", fs->host, TC_ROOTFS_NAME_MAX);
			break;
		}
		if (len + 1 + nl - fs->root_len > TC_ROOTFS_PATH_MAX) {
			r = fail(fs, "a path in the tree is longer than %d bytes: %.160s...", TC_ROOTFS_PATH_MAX,
				 fs->host);
			break;
		}
		struct stat st;
		uint32_t ino;
		struct tc_rootfs_dirent *de = grow(fs->dirents, &fs->dcap, fs->ndirents + 1, sizeof *de);
		if (!de) {
			r = fail(fs, "out of memory");
			break;
		}
		fs->dirents = de;
		if (lstat(fs->host, &st) < 0) {
			r = fail(fs, "%s: %s", fs->host, strerror(errno));
			break;
		}
		if ((r = add_entry(fs, &st, &ino)))
			break;
		de = &fs->dirents[fs->ndirents++];
		de->ino = ino;
		de->name_len = (uint32_t)nl;
		r = add_string(fs, names[i], nl, &de->name_off);
		subdirs += S_ISDIR(st.st_mode);
	}
	fs->nodes[self].in.off = first;
	fs->nodes[self].in.size = n;
	fs->nodes[self].in.nlink = 2 + (uint32_t)subdirs;
	for (size_t i = 0; i < n && !r; i++) {
		const struct tc_rootfs_dirent *de = &fs->dirents[first + i];
		if (!S_ISDIR(fs->nodes[de->ino].in.mode))
			continue;
		size_t nl = strlen(names[i]);
		fs->host[len] = '/';
		memcpy(fs->host + len + 1, names[i], nl + 1);
		r = scan_dir(fs, de->ino, len + 1 + nl);
	}
	fs->host[len] = '\0';
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* Offsets from their regions to the whole tree. */
static int lay_out(struct rootfs *fs)
{
	uint64_t dirent_off = sizeof(struct tc_rootfs_header) + (uint64_t)fs->nnodes * sizeof(struct tc_rootfs_inode);
	uint64_t strings_off = dirent_off + (uint64_t)fs->ndirents * sizeof(struct tc_rootfs_dirent);
	fs->data_off = (strings_off + fs->slen + PAGE - 1) & ~(PAGE - 1);
	fs->size = fs->data_off + fs->data;
	if (fs->size > TC_ROOTFS_SIZE_MAX)
		return fail(fs, "the tree would take %llu MiB, more than an image can hold (%llu MiB)",
			    (unsigned long long)(fs->size >> 20), (unsigned long long)(TC_ROOTFS_SIZE_MAX >> 20));
	for (size_t i = 0; i < fs->ndirents; i++)
		fs->dirents[i].name_off += strings_off;
	for (size_t i = 0; i < fs->nnodes; i++) {
		struct tc_rootfs_inode *in = &fs->nodes[i].in;
		switch (in->mode & S_IFMT) {
		case S_IFDIR: in->off = dirent_off + in->off * sizeof(struct tc_rootfs_dirent); break;
		case S_IFLNK: in->off += strings_off; break;
		default: in->off += fs->data_off; break;
		}
	}
	return 0;
}

struct rootfs *rootfs_scan(const char *dir, char *err, size_t errlen)
{
	struct rootfs *fs = calloc(1, sizeof *fs);
	struct stat st;
	uint32_t root;
	if (!fs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fs->err = err;
	fs->errlen = errlen;
	fs->root_len = strlen(dir);
	while (fs->root_len > 1 && dir[fs->root_len - 1] == '/')
		fs->root_len--;
	int r = -1;
	if (!(fs->host = malloc(fs->root_len + TC_ROOTFS_PATH_MAX + TC_ROOTFS_NAME_MAX + 3)))
		fail(fs, "out of memory");
	else if (stat(dir, &st) < 0)
		fail(fs, "%s: %s", dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		fail(fs, "%s: not a directory", dir);
	else if (fs->root_len == 1 && dir[0] == '/')
		fail(fs, "refusing to pack the host's whole file system (/)");
	else {
		memcpy(fs->host, dir, fs->root_len);
		fs->host[fs->root_len] = '\0';
		r = new_node(fs, &st, &root) || remember(fs, &st, root, dir) ? -1 : 0;
		if (!r)
			r = scan_dir(fs, root, fs->root_len);
		if (!r)
			r = lay_out(fs);
	}
	if (r) {
		rootfs_free(fs);
		return NULL;
	}
	return fs;
}

uint64_t rootfs_size(const struct rootfs *fs)
{
	return fs->size;
}

static int put(const struct rootfs *fs, int fd, const void *buf, size_t len, uint64_t at)
{
	const char *p = buf;
	while (len) {
		ssize_t w = pwrite(fd, p, len, (off_t)at);
		if (w <= 0)
			return fail((struct rootfs *)fs, "cannot write the tree: %s",
				    w < 0 ? strerror(errno) : "short write");
		p += w, at += (uint64_t)w, len -= (size_t)w;
	}
	return 0;
}

/* Copy file n's bytes to at, exactly its size as scanned. */
static int copy_file(const struct rootfs *fs, const struct node *n, int fd, uint64_t at, char *buf, size_t bufsz)
{
	/* Non-blocking, so a file swapped for a FIFO cannot stall us; and it
	 * must be the very file scanned, not whatever lies at the path now. */
	int in = open(n->host, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (in < 0)
		return fail((struct rootfs *)fs, "%s: %s", n->host, strerror(errno));
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != n->dev || st.st_ino != n->ino) {
		close(in);
		return fail((struct rootfs *)fs, "%s changed while the tree was packed", n->host);
	}
	uint64_t left = n->in.size;
	int r = 0;
	while (left && !r) {
		ssize_t got = read(in, buf, left < bufsz ? (size_t)left : bufsz);
		if (got <= 0) {
			r = fail((struct rootfs *)fs, "%s: %s", n->host,
				 got < 0 ? strerror(errno) : "the file shrank while it was packed");
			break;
		}
		r = put(fs, fd, buf, (size_t)got, at);
		at += (uint64_t)got;
		left -= (uint64_t)got;
	}
	close(in);
	return r;
}

int rootfs_write(const struct rootfs *fs, int fd, uint64_t off, char *err, size_t errlen)
{
	struct rootfs *w = (struct rootfs *)fs;
	w->err = err;
	w->errlen = errlen;
	size_t meta = (size_t)fs->data_off, bufsz = 1 << 20;
	char *m = calloc(1, meta), *buf = malloc(bufsz);
	int r = 0;
	if (!m || !buf) {
		r = fail(w, "out of memory");
		goto out;
	}
	struct tc_rootfs_header h = {
		.magic = TC_ROOTFS_MAGIC,
		.version = TC_ROOTFS_VERSION,
		.size = fs->size,
		.ninodes = (uint32_t)fs->nnodes,
		.inode_off = sizeof h,
	};
	char *p = m;
	memcpy(p, &h, sizeof h);
	p += sizeof h;
	for (size_t i = 0; i < fs->nnodes; i++, p += sizeof(struct tc_rootfs_inode))
		memcpy(p, &fs->nodes[i].in, sizeof(struct tc_rootfs_inode));
	memcpy(p, fs->dirents, fs->ndirents * sizeof *fs->dirents);
	p += fs->ndirents * sizeof *fs->dirents;
	memcpy(p, fs->strings, fs->slen);
	if ((r = put(fs, fd, m, meta, off)))
		goto out;
	for (size_t i = 0; i < fs->nnodes && !r; i++)
		if (fs->nodes[i].host && fs->nodes[i].in.size)
			r = copy_file(fs, &fs->nodes[i], fd, off + fs->nodes[i].in.off, buf, bufsz);
	if (!r && ftruncate(fd, (off_t)(off + fs->size)) < 0)
		r = fail(w, "cannot write the tree: %s", strerror(errno));
out:
	free(m);
	free(buf);
	return r;
}

void rootfs_free(struct rootfs *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->nnodes; i++)
		free(fs->nodes[i].host);
	for (size_t i = 0; i < fs->seencap; i++)
		free(fs->seen[i].path);
	free(fs->nodes);
	free(fs->dirents);
	free(fs->strings);
	free(fs->seen);
	free(fs->host);
	free(fs);
}

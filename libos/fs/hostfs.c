/*
 * Host directories: each directory the platform shares (plat_dir_*, e.g.
 * tincan-run --dir) is a file system mounted at its own path.  A node is a
 * path in the directory; a host handle is opened on the first read or
 * write (again read-write on the first write) and closed with the node.
 * The host resolves every path beneath the directory, so nothing outside
 * it is reachable.  Modes cannot be changed (EPERM); hard links are not
 * offered.  A node made before a rename keeps its old path: an open file
 * keeps working through its handle.
 *
 * Every host call is an exit (~30-60 us), so the guest keeps what it
 * learns (docs/design.md, "what the guest caches"): missing names and
 * directories for a second, unless it changes a name itself; a file's
 * attributes for a second, unless it writes the file; a file's pages
 * while it has the file open (close-to-open, as NFS), patched by its own
 * writes, which still go to the host at once.
 */
#include "fs/hostfs.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "sched.h"
#include "vfs/resolve.h"
#include "vfs/vfs.h"
#include <tincan/platform.h>

#define BATCH 2048
/* Sequential reads smaller than this fetch this much ahead: every read is
 * an exit (~30 us here), so 64 KiB reads alone reach a quarter of the
 * host's speed; 1 MiB per exit most of it. */
#define AHEAD (1 << 20)
#define COOKIE_END (LONG_MAX - 16) /* the host's "no more" cookies, made safe for the VFS */
#define PG 4096
#define PAGES_MAX 4096 /* 16 MiB of cached pages at most */
#define PAGE_READ 16384 /* reads up to this size go through the page cache */
#define NAMES 64
#define NAME_MAX_LEN 96
#define TTL_NS 1000000000ull /* how long names and attributes are trusted */
#define BEHIND (256 << 10) /* writes held back per file, at most */

struct hnode;

/* One host file the guest has nodes on, shared by all of them (by the
 * host's inode number in its directory): its size as the guest sees it,
 * the data cached from it, its attributes and the writes held back.
 * Writes patch what is cached here, so it is always the guest's view. */
struct hfile {
	struct hfile *next;
	int dir;
	uint64_t ino;
	struct hnode *nodes; /* the nodes on it, through hnode->sib */
	struct plat_stat st; /* attributes, trusted until st_until */
	uint64_t st_until;
	char *ra; /* read-ahead: ra_len bytes of the file from ra_off */
	off_t ra_off;
	size_t ra_len;
	/* Write-behind: wb_len bytes written at wb_off, not yet sent through
	 * the host handle wb_fd; err: a failed sending, for the next write or
	 * fsync. */
	char *wb;
	off_t wb_off;
	size_t wb_len;
	int wb_fd, err;
	uint64_t wb_at;
};

struct hnode {
	struct vnode vn; /* first: a vnode pointer is a node pointer */
	int dir, h, wr;
	long from; /* cookie of the first entry in batch */
	long blen;
	char *batch;
	struct hfile *f; /* a regular file's, from its lookup or handle */
	struct hnode *sib;
	off_t next; /* where a sequential read would start */
	struct plat_stat st; /* from the lookup, trusted until st_until while wgen is st_gen */
	uint64_t st_until;
	unsigned long st_gen;
	char path[];
};

/* The page cache: direct-mapped slots of whole pages of files (len < PG
 * only at the end of the file, and only those bytes are served). */
struct page {
	struct hfile *f;
	uint64_t pg;
	size_t len;
	char *data;
};

/* Names recently looked up on the host that are missing or directories. */
struct name {
	uint64_t until;
	int dir, is_dir;
	char path[NAME_MAX_LEN];
};

static const struct vnode_ops hf_ops, hf_ro_ops;
static struct hfile *files;
static struct page *pages;
static unsigned npages;
static struct name names[NAMES];
static unsigned long wgen; /* writes and truncates so far */

static uint64_t now(void)
{
	return plat_clock_monotonic_ns();
}

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

static struct name *name_slot(int dir, const char *path)
{
	unsigned x = 2166136261u ^ (unsigned)dir;
	for (const char *c = path; *c; c++)
		x = (x ^ (unsigned char)*c) * 16777619u;
	return &names[x % NAMES];
}

/* The guest changed names in a directory: forget what was looked up. */
static void names_forget(void)
{
	memset(names, 0, sizeof names);
}

static void file_join(struct hnode *h, uint64_t ino, const struct plat_stat *st);

static int hf_lookup(struct mount *m, const char *path, struct vnode **vn)
{
	int dir = (int)(intptr_t)m->priv;
	struct plat_stat st = { .mode = S_IFDIR };
	struct name *nm = name_slot(dir, path);
	/* The shared directory itself is one for good; other names are
	 * trusted for TTL_NS, unless the guest changed a name since. */
	int r = 0;
	if (!path[0])
		;
	else if (nm->dir == dir && nm->until > now() && strcmp(nm->path, path) == 0)
		r = nm->is_dir ? 0 : -ENOENT;
	else {
		r = plat_dir_lstat(dir, path, &st);
		if ((r == -ENOENT || (r == 0 && S_ISDIR(st.mode))) && strlen(path) < NAME_MAX_LEN) {
			nm->until = now() + TTL_NS;
			nm->dir = dir;
			nm->is_dir = r == 0;
			strcpy(nm->path, path);
		}
	}
	if (r)
		return r;
	struct hnode *h = node_new(m, path, &st);
	if (!h)
		return -ENOMEM;
	if (!S_ISDIR(st.mode)) {
		h->st = st;
		h->st_until = now() + TTL_NS;
		h->st_gen = wgen;
	}
	if (S_ISREG(st.mode))
		file_join(h, st.ino, &st);
	*vn = &h->vn;
	return 0;
}

static uint64_t page_hash(const struct hfile *f, uint64_t pg)
{
	return ((uint64_t)(uintptr_t)f * 0x9e3779b97f4a7c15ull ^ pg * 0xff51afd7ed558ccdull) >> 20;
}

static struct page *page_find(const struct hfile *f, uint64_t pg)
{
	if (!npages)
		return NULL;
	struct page *p = &pages[page_hash(f, pg) % npages];
	return p->f == f && p->pg == pg && p->data ? p : NULL;
}

/* Cached pages of f from page first on: all of them dropped (drop) or the
 * one holding byte `from` cut there. */
static void pages_cut(struct hfile *f, uint64_t from)
{
	for (unsigned i = 0; i < npages; i++) {
		struct page *p = &pages[i];
		if (p->f != f || p->pg * PG + p->len <= from)
			continue;
		if (p->pg * PG >= from)
			p->f = NULL;
		else
			p->len = from - p->pg * PG;
	}
}

/* Keep len bytes of page pg of f (len < PG: the end of the file). */
static void page_keep(struct hfile *f, uint64_t pg, const char *data, size_t len)
{
	if (!pages) {
		size_t n = libos_heap_limit() / 8 / PG;
		npages = n > PAGES_MAX ? PAGES_MAX : (unsigned)n;
		if (!npages || !(pages = calloc(npages, sizeof *pages))) {
			npages = 0;
			return;
		}
	}
	struct page *p = &pages[page_hash(f, pg) % npages];
	if (!p->data && !(p->data = malloc(PG)))
		return;
	p->f = f;
	p->pg = pg;
	p->len = len;
	memcpy(p->data, data, len);
}

/* Keep every node's size on f the same. */
static void sizes(struct hfile *f, off_t size)
{
	for (struct hnode *n = f->nodes; n; n = n->sib)
		n->vn.size = size;
}

/* Send what f holds back to the host: 0, or the error, also kept in
 * f->err for the next write or fsync to report; what the host refused
 * (a full disk) stays held for the next try. */
static int send(struct hfile *f)
{
	size_t done = 0;
	int e = 0;
	while (done < f->wb_len) {
		long r = plat_dir_pwrite(f->wb_fd, f->wb + done, f->wb_len - done, (uint64_t)f->wb_off + done);
		if (r <= 0) {
			e = f->err = r < 0 ? (int)r : -EIO;
			break;
		}
		done += (size_t)r;
	}
	f->wb_len -= done;
	f->wb_off += (off_t)done;
	memmove(f->wb, f->wb + done, f->wb_len);
	return e;
}

/* Before the guest waits or ends, the host gets every write. */
static void send_all(void)
{
	for (struct hfile *f = files; f; f = f->next)
		send(f);
}

static void no_poll(void)
{
}

static const struct tc_io behind_io = { .poll = no_poll, .waiting = send_all };

static void file_put(struct hnode *h)
{
	struct hfile *f = h->f;
	if (!f)
		return;
	struct hnode **pp = &f->nodes;
	while (*pp != h)
		pp = &(*pp)->sib;
	*pp = h->sib;
	h->f = NULL;
	if (f->nodes)
		return;
	pages_cut(f, 0);
	struct hfile **fp = &files;
	while (*fp != f)
		fp = &(*fp)->next;
	*fp = f->next;
	free(f->ra);
	free(f->wb);
	free(f);
}

/* Put the node on the host file (dir, ino) the guest has open, if any,
 * or (make) on a new one. */
static void file_join(struct hnode *h, uint64_t ino, const struct plat_stat *st)
{
	struct hfile *f = files;
	while (f && (f->dir != h->dir || f->ino != ino))
		f = f->next;
	if (!f && st && (f = calloc(1, sizeof *f))) {
		f->dir = h->dir;
		f->ino = ino;
		f->next = files;
		files = f;
		f->st = *st;
		f->st_until = now() + TTL_NS;
	}
	if (!f)
		return;
	/* The guest's own writes are in every node's size (O_APPEND). */
	h->vn.size = f->nodes ? f->nodes->vn.size : (off_t)st->size;
	h->f = f;
	h->sib = f->nodes;
	f->nodes = h;
}

/* Join the host file the node's new handle fd is open on (the host may
 * have put another file at the path since the lookup). */
static void file_get(struct hnode *h, int fd)
{
	struct plat_stat st;
	if (h->vn.type != S_IFREG || plat_dir_fstat(fd, &st) || (h->f && h->f->ino == st.ino))
		return;
	if (h->f)
		file_put(h);
	file_join(h, st.ino, &st);
}

/* Every close(): what is held back goes to the host, and a refusal (a full
 * disk) is close()'s error, as NFS reports it; those bytes are dropped. */
static int hf_flush(struct vnode *vn)
{
	struct hnode *h = (struct hnode *)vn;
	int e;
	if (!h->f || !h->f->wb_len || h->f->wb_fd != h->h || !(e = send(h->f)))
		return 0;
	h->f->wb_len = 0;
	h->f->err = 0;
	return e;
}

static void hf_release(struct vnode *vn)
{
	struct hnode *h = (struct hnode *)vn;
	if (vn->opens)
		return;
	/* (What the host refused until now is lost with the handle.) */
	if (h->f && h->f->wb_len && h->f->wb_fd == h->h && send(h->f))
		h->f->wb_len = 0;
	file_put(h);
	if (h->h >= 0)
		plat_dir_close(h->h);
	free(h->batch);
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
	file_get(h, r);
	return r;
}

/* Bytes at off from what f holds: a count, or 0 when it does not hold off. */
static size_t cached(struct hfile *f, char *buf, size_t len, off_t off)
{
	if (f->ra && off >= f->ra_off && off < f->ra_off + (off_t)f->ra_len) {
		size_t at = (size_t)(off - f->ra_off), n = f->ra_len - at < len ? f->ra_len - at : len;
		memcpy(buf, f->ra + at, n);
		return n;
	}
	struct page *p = page_find(f, (uint64_t)off / PG);
	size_t at = (size_t)off % PG;
	if (!p || at >= p->len)
		return 0;
	size_t n = p->len - at < len ? p->len - at : len;
	memcpy(buf, p->data + at, n);
	return n;
}

/* pread from the host, after what is held back of those bytes is sent. */
static long host_read(struct hfile *f, int fd, void *buf, size_t len, off_t off)
{
	int e = f->wb_len && off < f->wb_off + (off_t)f->wb_len && off + (off_t)len > f->wb_off ? send(f) : 0;
	return e ? e : plat_dir_pread(fd, buf, len, (uint64_t)off);
}

/* One exit's worth of bytes at off into buf, kept in f's caches. */
static long fetch(struct hnode *h, int fd, char *buf, size_t len, off_t off)
{
	struct hfile *f = h->f;
	/* A second small read where the last one ended: read ahead.  The
	 * window is kept current by the writes to the file. */
	if (len < AHEAD && off == h->next && off > 0 && (f->ra || (f->ra = malloc(AHEAD)))) {
		f->ra_len = 0;
		long r = host_read(f, fd, f->ra, AHEAD, off);
		if (r <= 0)
			return r;
		f->ra_off = off;
		f->ra_len = (size_t)r;
		return (long)cached(f, buf, len, off);
	}
	if (len > PAGE_READ)
		return host_read(f, fd, buf, len, off);
	/* Small reads: whole pages, kept. */
	static char bounce[PAGE_READ + PG];
	uint64_t first = (uint64_t)off / PG, end = ((uint64_t)off + len + PG - 1) / PG;
	long r = host_read(f, fd, bounce, (size_t)(end - first) * PG, (off_t)(first * PG));
	if (r <= 0)
		return r;
	for (uint64_t pg = first; pg * PG < first * PG + (uint64_t)r; pg++) {
		size_t at = (size_t)(pg - first) * PG, n = (size_t)r - at < PG ? (size_t)r - at : PG;
		page_keep(f, pg, bounce + at, n);
	}
	size_t at = (size_t)(off - (off_t)(first * PG));
	if ((size_t)r <= at)
		return 0;
	size_t n = (size_t)r - at < len ? (size_t)r - at : len;
	memcpy(buf, bounce + at, n);
	return (long)n;
}

static ssize_t hf_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct hnode *h = (struct hnode *)vn;
	int fd = handle(h, 0);
	if (fd < 0)
		return fd;
	if (!h->f) {
		long r = plat_dir_pread(fd, buf, len, (uint64_t)off);
		return r;
	}
	size_t done = 0;
	while (done < len) {
		size_t n = cached(h->f, (char *)buf + done, len - done, off + (off_t)done);
		if (!n) {
			long r = fetch(h, fd, (char *)buf + done, len - done, off + (off_t)done);
			if (r < 0 && !done)
				return r;
			if (r <= 0)
				break;
			n = (size_t)r;
		}
		done += n;
	}
	h->next = off + (off_t)done;
	return (ssize_t)done;
}

/* Bytes written at off through any node: what is cached of them now
 * holds them. */
static void written(struct hfile *f, const char *buf, size_t len, off_t off, off_t old_size)
{
	f->st_until = 0;
	if (f->ra && off < f->ra_off + (off_t)f->ra_len && off + (off_t)len > f->ra_off) {
		off_t a = off > f->ra_off ? off : f->ra_off;
		off_t b =
		    off + (off_t)len < f->ra_off + (off_t)f->ra_len ? off + (off_t)len : f->ra_off + (off_t)f->ra_len;
		memcpy(f->ra + (a - f->ra_off), buf + (a - off), (size_t)(b - a));
	}
	/* The page at the old end, if cached, ends early: it no longer does
	 * (none is cached past it). */
	struct page *end = off + (off_t)len > old_size ? page_find(f, (uint64_t)old_size / PG) : NULL;
	if (end)
		end->f = NULL;
	for (uint64_t pg = (uint64_t)off / PG; pg * PG < (uint64_t)off + len; pg++) {
		struct page *p = page_find(f, pg);
		uint64_t a = pg * PG > (uint64_t)off ? pg * PG : (uint64_t)off;
		uint64_t b = (pg + 1) * PG < (uint64_t)off + len ? (pg + 1) * PG : (uint64_t)off + len;
		/* A whole page written is kept: it is read back often (SQLite). */
		if (!p && b - a == PG)
			page_keep(f, pg, buf + (a - (uint64_t)off), PG);
		if (!p)
			continue;
		if (a - pg * PG > p->len) {
			p->f = NULL;
			continue;
		}
		memcpy(p->data + (a - pg * PG), buf + (a - (uint64_t)off), (size_t)(b - a));
		if (b - pg * PG > p->len)
			p->len = (size_t)(b - pg * PG);
	}
}

/* Hold a write back when it continues or overwrites what is held (and
 * was begun less than TTL_NS ago): 1 if it was, 0 if it was not, or the
 * error of sending what was held. */
static int behind(struct hfile *f, int fd, const void *buf, size_t len, off_t off)
{
	int e = 0, big = len > BEHIND / 2;
	if (f->wb_len && (big || off < f->wb_off || off > f->wb_off + (off_t)f->wb_len ||
			  off + (off_t)len > f->wb_off + BEHIND || now() - f->wb_at > TTL_NS))
		e = send(f);
	if (e || big)
		return e;
	if (!f->wb_len) {
		static int hooked;
		if (!f->wb && !(f->wb = malloc(BEHIND)))
			return 0;
		if (!hooked) {
			tc_sched_add_io(&behind_io);
			libos_wait_hook = send_all;
			hooked = 1;
		}
		f->wb_off = off;
		f->wb_fd = fd;
		f->wb_at = now();
	}
	memcpy(f->wb + (off - f->wb_off), buf, len);
	if (off + (off_t)len > f->wb_off + (off_t)f->wb_len)
		f->wb_len = (size_t)(off + (off_t)len - f->wb_off);
	return 1;
}

static ssize_t hf_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	struct hnode *h = (struct hnode *)vn;
	struct hfile *f = h->f;
	int fd = handle(h, 1);
	size_t done = 0;
	if (fd < 0)
		return fd;
	off_t old = vn->size;
	/* An earlier write's sending failed: this write reports it. */
	int e = f ? f->err : 0;
	if (f && !e && (e = behind(f, fd, buf, len, off)) > 0)
		done = len, e = 0;
	if (e) {
		f->err = 0;
		return e;
	}
	while (done < len) {
		long r = plat_dir_pwrite(fd, (const char *)buf + done, len - done, (uint64_t)off + done);
		if (r <= 0) {
			len = done;
			if (!done)
				return r < 0 ? r : -EIO;
			break;
		}
		done += (size_t)r;
	}
	off_t size = off + (off_t)len > old ? off + (off_t)len : old;
	wgen++;
	if (f) {
		written(f, buf, len, off, old);
		sizes(f, size);
	}
	vn->size = size;
	return (ssize_t)len;
}

static int hf_truncate(struct vnode *vn, off_t size)
{
	struct hnode *h = (struct hnode *)vn;
	int fd = handle(h, 1);
	int r = fd < 0 ? fd : h->f && h->f->wb_len ? send(h->f) : 0;
	if (r == 0)
		r = plat_dir_truncate(fd, (uint64_t)size);
	if (r)
		return r;
	struct hfile *f = h->f;
	wgen++;
	if (f) {
		f->st_until = 0;
		/* Cut at the new end, and at the old one when it grows (the
		 * page there ended early). */
		pages_cut(f, (uint64_t)(size < vn->size ? size : vn->size) / PG * PG);
		if (f->ra_off + (off_t)f->ra_len > size)
			f->ra_len = size > f->ra_off ? (size_t)(size - f->ra_off) : 0;
		sizes(f, size);
	}
	vn->size = size;
	return 0;
}

static struct timespec ts(int64_t ns)
{
	return (struct timespec){ (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
}

static int hf_stat(struct vnode *vn, struct stat *st)
{
	struct hnode *h = (struct hnode *)vn;
	struct plat_stat p;
	int r = 0;
	/* Attributes fetched less than TTL_NS ago, with no write since. */
	if (h->f && h->f->st_until > now())
		p = h->f->st;
	else if (!h->f && h->st_gen == wgen && h->st_until > now())
		p = h->st;
	else {
		/* (A size short of what is held back is the guest's.) */
		if (h->f && h->f->wb_len)
			send(h->f);
		r = h->h >= 0 ? plat_dir_fstat(h->h, &p) : plat_dir_lstat(h->dir, h->path, &p);
		if (r == 0 && h->f && !h->f->wb_len) {
			h->f->st = p;
			h->f->st_until = now() + TTL_NS;
			sizes(h->f, (off_t)p.size);
		}
	}
	if (r)
		return r;
	/* Bytes the host refused so far are still the guest's (O_APPEND). */
	if (h->f && h->f->wb_len && S_ISREG(vn->type) && (off_t)p.size < vn->size)
		p.size = (uint64_t)vn->size;
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

/* What is held back is sent first; a sending that failed since the last
 * write or fsync is this fsync's error. */
static int hf_fsync(struct vnode *vn)
{
	struct hnode *h = (struct hnode *)vn;
	struct hfile *f = h->f;
	int fd = h->h >= 0 ? h->h : f && f->wb_len ? f->wb_fd : -1;
	int e = f && f->wb_len ? send(f) : 0;
	if (f && f->err) {
		e = f->err;
		f->err = 0;
	}
	return e ? e : fd >= 0 ? plat_dir_fsync(fd) : 0;
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
	.flush = hf_flush,
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
	if (r == -EEXIST)
		names_forget(); /* the host made it since it was looked up: the VFS looks again */
	if (r < 0)
		return r;
	struct hnode *h = node_new(m, path, &(struct plat_stat){ .mode = S_IFREG });
	if (!h) {
		plat_dir_close(r);
		return -ENOMEM;
	}
	h->h = r;
	h->wr = 1;
	file_get(h, r);
	names_forget();
	*vn = &h->vn;
	return 0;
}

/* The calls that change names: what was looked up is forgotten. */
static int hf_mkdir(struct mount *m, const char *path, mode_t mode)
{
	names_forget();
	return plat_dir_mkdir(dir_of(m), path, mode);
}

static int hf_symlink(struct mount *m, const char *target, const char *path)
{
	names_forget();
	return plat_dir_symlink(dir_of(m), target, path);
}

static int hf_unlink(struct mount *m, const char *path)
{
	names_forget();
	return plat_dir_unlink(dir_of(m), path);
}

static int hf_rmdir(struct mount *m, const char *path)
{
	names_forget();
	return plat_dir_rmdir(dir_of(m), path);
}

static int hf_rename(struct mount *m, const char *from, const char *to)
{
	names_forget();
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

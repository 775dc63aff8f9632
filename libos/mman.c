/*
 * Memory mappings over the heap.  The guest has one address space whose
 * page tables the monitor sets once (heap RW-, no-execute), so a mapping is
 * page-aligned, zeroed heap memory, and what cannot be done is refused:
 *
 *  - anonymous mappings, private or shared (one process: sharing is
 *    trivial), are memalign'ed pages, zeroed;
 *  - a private file mapping is such memory filled by pread (the bytes past
 *    EOF are zero); its writes never reach the file;
 *  - a shared file mapping is such memory too, written back to the file
 *    (the pages that lie before its current end) by msync, by munmap and at
 *    exit: there is one process, so the only sharing left is between the
 *    mapping and the file.  Writes to the file (write, pwrite and their
 *    vector forms) are copied into the mapping as they happen, so it stays
 *    what the file holds plus its own changes (SQLite's -shm file, and its
 *    mmap_size mode, read through the map and write through pwrite).  A
 *    second shared mapping overlapping one of the same file would be a
 *    separate copy, so it fails with ENODEV; and a guest killed before a
 *    write-back loses the mapping's own changes.  A file not open for reading,
 *    or open read-only under MAP_SHARED|PROT_WRITE, fails with EACCES;
 *  - MAP_FIXED and MAP_FIXED_NOREPLACE cannot place memory: ENOMEM (EINVAL
 *    for an unaligned address, as on Linux); a plain address is a hint we
 *    ignore, as Linux may;
 *  - PROT_EXEC fails with EACCES (mmap and mprotect): the heap is NX;
 *  - mprotect to any other protection returns 0 but is not enforced: the
 *    pages stay readable and writable;
 *  - munmap of part of a mapping succeeds; the memory is freed when its last
 *    page is unmapped (pages are tracked one bit each);
 *  - mremap shrinks in place, grows only by moving (MREMAP_MAYMOVE, else
 *    ENOMEM); a file mapping is not grown (ENOMEM: we keep no file);
 *  - madvise(MADV_DONTNEED/REMOVE) zeroes anonymous pages as Linux does;
 *    on a file mapping, which would reread the file, it fails with EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "vfs/resolve.h"

#define PAGE 4096UL

struct mapping {
	struct mapping *next;
	char *addr;
	size_t pages; /* allocated */
	size_t live; /* pages still mapped */
	int file; /* filled from a file */
	int fd; /* shared file mappings: our own descriptor of the file, else -1 */
	off_t off; /* ... and where in it the mapping starts */
	dev_t dev; /* ... which file (overlaps are refused) */
	ino_t ino;
	unsigned char map[]; /* one bit per page: still mapped */
};

static struct mapping *maps;

#define KNOWN_FLAGS                                                                                                    \
	(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED |          \
	 MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_FIXED_NOREPLACE)

static int bit(const struct mapping *m, size_t i)
{
	return m->map[i / 8] >> (i % 8) & 1;
}

/* Round len up to pages; 0 when it overflows. */
static size_t pages_of(size_t len)
{
	return len > SIZE_MAX - (PAGE - 1) ? 0 : (len + PAGE - 1) / PAGE;
}

static struct mapping *find(const char *p)
{
	for (struct mapping *m = maps; m; m = m->next)
		if (p >= m->addr && p < m->addr + m->pages * PAGE)
			return m;
	return NULL;
}

/* Is [p, p+len) entirely mapped pages (of any mappings)? */
static int mapped(const char *p, size_t len)
{
	size_t n = pages_of(len);
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct mapping *m = find(p + i * PAGE);
		if (!m || !bit(m, (size_t)(p + i * PAGE - m->addr) / PAGE))
			return 0;
	}
	return 1;
}

static struct mapping *mapping_new(size_t pages, int file)
{
	struct mapping *m = calloc(1, sizeof *m + (pages + 7) / 8);
	if (!m)
		return NULL;
	m->addr = memalign(PAGE, pages * PAGE);
	if (!m->addr) {
		free(m);
		return NULL;
	}
	memset(m->addr, 0, pages * PAGE);
	memset(m->map, 0xff, (pages + 7) / 8);
	m->pages = m->live = pages;
	m->file = file;
	m->fd = -1;
	return m;
}

/* Write pages [first, first+n) of a shared file mapping back, up to the
 * file's current end (a mapping never extends its file). */
static int write_back(struct mapping *m, size_t first, size_t n)
{
	struct stat st;
	if (m->fd < 0 || !n)
		return 0;
	if (fstat(m->fd, &st) < 0)
		return -errno;
	off_t from = m->off + (off_t)(first * PAGE), to = from + (off_t)(n * PAGE);
	if (to > st.st_size)
		to = st.st_size;
	for (off_t at = from; at < to;) {
		ssize_t w = pwrite(m->fd, m->addr + (at - m->off), (size_t)(to - at), at);
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		at += w;
	}
	return 0;
}

static void mapping_free(struct mapping *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->addr);
	free(m);
}

/* At exit, shared file mappings reach their files as with munmap. */
static void write_back_all(void)
{
	for (struct mapping *m = maps; m; m = m->next)
		for (size_t k = 0; k < m->pages; k++)
			if (bit(m, k))
				write_back(m, k, 1);
}

/* A write reached a file: copy it into the shared mappings of that file. */
static void written(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	/* Writes happen often and a stat may cost an exit (host directories):
	 * look only when a shared mapping lives on this mount, and learn the
	 * node's inode number once. */
	dev_t dev = vfs_mount_id(vn->mnt);
	struct mapping *m;
	for (m = maps; m && !(m->fd >= 0 && m->dev == dev); m = m->next)
		;
	if (!m)
		return;
	if (!vn->ino) {
		struct stat st;
		if (!vn->ops->stat || vn->ops->stat(vn, &st) < 0)
			return;
		vn->ino = st.st_ino;
	}
	for (m = maps; m; m = m->next) {
		if (m->fd < 0 || m->dev != dev || m->ino != vn->ino)
			continue;
		off_t end = m->off + (off_t)(m->pages * PAGE);
		off_t from = off > m->off ? off : m->off, to = off + (off_t)len < end ? off + (off_t)len : end;
		if (from < to && m->addr + (from - m->off) != (const char *)buf + (from - off))
			memmove(m->addr + (from - m->off), (const char *)buf + (from - off), (size_t)(to - from));
	}
}

/* Another shared mapping of the same file over [off, off+len)? */
static int overlaps(dev_t dev, ino_t ino, off_t off, size_t len)
{
	for (struct mapping *m = maps; m; m = m->next)
		if (m->fd >= 0 && m->dev == dev && m->ino == ino && off < m->off + (off_t)(m->pages * PAGE) &&
		    m->off < off + (off_t)len)
			return 1;
	return 0;
}

/* Read the file's bytes at off into m; the rest stays zero. */
static int fill(struct mapping *m, int fd, off_t off, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, m->addr + got, len - got, off + (off_t)got);
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return 0;
}

static int check_file(int fd, int prot, int flags)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return -ENODEV;
	if ((fl & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) && (fl & O_ACCMODE) != O_RDWR)
		return -EACCES;
	return 0;
}

static void *map_fail(int e)
{
	errno = e;
	return MAP_FAILED;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int type = flags & MAP_TYPE, r;
	size_t n = pages_of(len);

	if (!len || (flags & ~KNOWN_FLAGS) ||
	    (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) || (off & (off_t)(PAGE - 1)))
		return map_fail(EINVAL);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
		return map_fail((uintptr_t)addr & (PAGE - 1) ? EINVAL : ENOMEM);
	if (!(flags & MAP_ANONYMOUS)) {
		if (off < 0)
			return map_fail(EINVAL);
		if ((r = check_file(fd, prot, flags)) < 0)
			return map_fail(-r);
	}
	if (prot & PROT_EXEC)
		return map_fail(EACCES);
	if (!n || n > SIZE_MAX / PAGE / 2)
		return map_fail(ENOMEM);
	struct mapping *m = mapping_new(n, !(flags & MAP_ANONYMOUS));
	if (!m)
		return map_fail(ENOMEM);
	if (m->file && (r = fill(m, fd, off, len)) < 0) {
		mapping_free(m);
		return map_fail(-r);
	}
	if (m->file && type != MAP_PRIVATE) {
		static int at_exit;
		struct stat st;
		if (fstat(fd, &st) < 0 || overlaps(st.st_dev, st.st_ino, off, n * PAGE)) {
			mapping_free(m);
			return map_fail(ENODEV);
		}
		if ((m->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
			int e = errno;
			mapping_free(m);
			return map_fail(e);
		}
		m->off = off;
		m->dev = st.st_dev;
		m->ino = st.st_ino;
		if (!at_exit)
			at_exit = atexit(write_back_all) == 0;
		vfs_written = written;
	}
	m->next = maps;
	maps = m;
	return m->addr;
}

/* Unmap the pages of [p, p+n pages); free each mapping left with none. */
static void unmap_pages(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct mapping *m = find(p + i * PAGE);
		if (!m)
			continue;
		size_t k = (size_t)(p + i * PAGE - m->addr) / PAGE;
		if (bit(m, k)) {
			write_back(m, k, 1);
			m->map[k / 8] &= (unsigned char)~(1u << (k % 8));
			m->live--;
		}
	}
	for (struct mapping **pm = &maps; *pm;) {
		struct mapping *m = *pm;
		if (m->live == 0) {
			*pm = m->next;
			mapping_free(m);
		} else {
			pm = &m->next;
		}
	}
}

int munmap(void *addr, size_t len)
{
	size_t n = pages_of(len);
	if (!len || ((uintptr_t)addr & (PAGE - 1)))
		return sys_fail(EINVAL);
	if (!n)
		return sys_fail(ENOMEM);
	unmap_pages(addr, n); /* unmapping what is not mapped is not an error */
	return 0;
}

void *mremap(void *old_addr, size_t old_len, size_t new_len, int flags, ...)
{
	char *p = old_addr;
	size_t on = pages_of(old_len), nn = pages_of(new_len);

	if (((uintptr_t)p & (PAGE - 1)) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) ||
	    ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) && !(flags & MREMAP_MAYMOVE)) || !new_len || !old_len)
		return map_fail(EINVAL);
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))
		return map_fail(EINVAL); /* we cannot place memory */
	if (!on || !nn)
		return map_fail(ENOMEM);
	if (!mapped(p, old_len))
		return map_fail(EFAULT);
	if (nn <= on) {
		if (nn < on)
			unmap_pages(p + nn * PAGE, on - nn);
		return p;
	}
	struct mapping *old = find(p);
	if (!(flags & MREMAP_MAYMOVE) || old->file || nn > SIZE_MAX / PAGE / 2)
		return map_fail(ENOMEM);
	struct mapping *m = mapping_new(nn, 0);
	if (!m)
		return map_fail(ENOMEM);
	memcpy(m->addr, p, on * PAGE);
	m->next = maps;
	maps = m;
	unmap_pages(p, on);
	return m->addr;
}

int mprotect(void *addr, size_t len, int prot)
{
	if (((uintptr_t)addr & (PAGE - 1)) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return sys_fail(EINVAL);
	if (len && !mapped(addr, len))
		return sys_fail(ENOMEM);
	if (prot & PROT_EXEC)
		return sys_fail(EACCES);
	return 0; /* not enforced: the pages stay read-write */
}

static int advise(void *addr, size_t len, int advice)
{
	if ((uintptr_t)addr & (PAGE - 1))
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_FREE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_DONTNEED:
	case MADV_REMOVE: break;
	default: return -EINVAL;
	}
	if (!len)
		return 0;
	if (!mapped(addr, len))
		return -ENOMEM;
	if (advice == MADV_DONTNEED || advice == MADV_REMOVE) {
		size_t n = pages_of(len);
		for (size_t i = 0; i < n; i++)
			if (find((char *)addr + i * PAGE)->file)
				return -EINVAL;
		memset(addr, 0, n * PAGE);
	}
	return 0;
}

int madvise(void *addr, size_t len, int advice)
{
	return (int)sys_ret(advise(addr, len, advice));
}

/* POSIX_MADV_DONTNEED only advises (as glibc): it never discards. */
int posix_madvise(void *addr, size_t len, int advice)
{
	if (advice == POSIX_MADV_DONTNEED)
		advice = MADV_NORMAL;
	if (advice < POSIX_MADV_NORMAL || advice > POSIX_MADV_DONTNEED)
		return EINVAL;
	return -advise(addr, len, advice);
}

/* Shared file mappings: the pages in range go back to the file now (for
 * MS_ASYNC too; MS_SYNC also waits for the file's own write-back). */
int msync(void *addr, size_t len, int flags)
{
	if (((uintptr_t)addr & (PAGE - 1)) || (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
	    (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC))
		return sys_fail(EINVAL);
	if (len && !mapped(addr, len))
		return sys_fail(ENOMEM);
	size_t n = pages_of(len);
	for (size_t i = 0; i < n; i++) {
		char *p = (char *)addr + i * PAGE;
		struct mapping *m = find(p);
		int r = write_back(m, (size_t)(p - m->addr) / PAGE, 1);
		if (!r && m->fd >= 0 && (flags & MS_SYNC) && (i + 1 == n || find(p + PAGE) != m))
			r = fsync(m->fd) < 0 ? -errno : 0;
		if (r)
			return sys_fail(-r);
	}
	return 0;
}

/* Nothing is ever paged out: all memory is locked already. */
int mlock(const void *addr, size_t len)
{
	(void)addr, (void)len;
	return 0;
}
int munlock(const void *addr, size_t len)
{
	(void)addr, (void)len;
	return 0;
}
int mlockall(int flags)
{
	if (!(flags & (MCL_CURRENT | MCL_FUTURE)) || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)))
		return sys_fail(EINVAL);
	return 0;
}
int munlockall(void)
{
	return 0;
}

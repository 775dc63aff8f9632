/*
 * tincan-mkfs: make and check disks in tincan's log-structured format
 * (docs/blockfs-format.md), the file system libos mounts on a block device.
 *   tincan-mkfs FILE SIZE [--from=DIR]   a new volume, filled from DIR
 *   tincan-mkfs --check FILE             replay the log: one line, exit 0 if clean
 * It shares the format code with libos (libos/fs/logfs.c), so the checker
 * replays exactly what the guest replays at mount.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "logfs.h"
#include "size.h"

static const char *prog = "tincan-mkfs";
static struct lfs fs;
static int disk;
static const char *disk_name;
static unsigned char rec[LFS_REC_SECTORS_MAX * LFS_SECTOR];
static struct {
	dev_t dev;
	ino_t ino;
	uint64_t lino;
} * hard;
static size_t nhard;

static void die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(1);
}

static int64_t ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

/* Append one record (payload in three pieces) to the disk. */
static void emit(const char *what, uint16_t type, const void *p1, size_t l1, const void *p2, size_t l2, const void *p3,
		 size_t l3)
{
	size_t len = l1 + l2 + l3;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint32_t secs = lfs_rec_begin(&fs, rec, type, (uint32_t)len, ns(now));
	if (lfs_place(&fs, fs.tail, secs) != fs.tail) /* a new log never wraps */
		die("%s: the disk is full (%s does not fit)", disk_name, what);
	memcpy(rec + LFS_HDR, p1, l1);
	memcpy(rec + LFS_HDR + l1, p2, l2);
	memcpy(rec + LFS_HDR + l1 + l2, p3, l3);
	struct lfs_rec r = { fs.seq, ns(now), type, (uint32_t)len };
	int e = lfs_apply(&fs, &r, rec + LFS_HDR, fs.tail * LFS_SECTOR + LFS_HDR);
	if (e)
		die("%s: %s", what, strerror(-e));
	uint64_t at = fs.tail * LFS_SECTOR;
	lfs_rec_seal(&fs, rec);
	if (pwrite(disk, rec, (size_t)secs * LFS_SECTOR, (off_t)at) != (ssize_t)(secs * LFS_SECTOR))
		die("%s: %s", disk_name, strerror(errno));
}

static void setattr(const char *what, uint64_t ino, const struct stat *st)
{
	unsigned char p[36];
	le(p, ino, 8);
	le(p + 8, LFS_ATTR_MODE | LFS_ATTR_ATIME | LFS_ATTR_MTIME, 4);
	le(p + 12, st->st_mode & 07777, 4);
	le(p + 16, (uint64_t)ns(st->st_atim), 8);
	le(p + 24, (uint64_t)ns(st->st_mtim), 8);
	emit(what, LFS_SETATTR, p, 36, NULL, 0, NULL, 0);
}

static uint64_t mknode(const char *what, uint64_t dir, const char *name, uint32_t mode, const char *target)
{
	unsigned char p[24];
	uint64_t ino = fs.next_ino;
	if (strlen(name) > LFS_NAME_MAX)
		die("%s: the name is longer than 255 bytes%s", what, "");
	le(p, dir, 8);
	le(p + 8, ino, 8);
	le(p + 16, mode, 4);
	le(p + 20, strlen(name), 4);
	emit(what, LFS_MKNODE, p, 24, name, strlen(name), target, target ? strlen(target) : 0);
	return ino;
}

static void copy_file(const char *path, uint64_t ino)
{
	static unsigned char data[LFS_DATA_MAX];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	uint64_t off = 0;
	for (;;) {
		ssize_t n = read(fd, data, sizeof data);
		if (n < 0)
			die("%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		unsigned char h[16];
		le(h, ino, 8);
		le(h + 8, off, 8);
		emit(path, LFS_WRITE, h, 16, data, (size_t)n, NULL, 0);
		off += (uint64_t)n;
	}
	close(fd);
}

static void fill(const char *host, uint64_t dir)
{
	struct dirent **ents;
	int n = scandir(host, &ents, NULL, alphasort);
	if (n < 0)
		die("%s: %s", host, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		char path[4096];
		struct stat st;
		if (snprintf(path, sizeof path, "%s/%s", host, name) >= (int)sizeof path)
			die("%s/%s: the path is too long", host, name);
		if (lstat(path, &st))
			die("%s: %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			uint64_t ino = mknode(path, dir, name, S_IFDIR | (st.st_mode & 07777), NULL);
			fill(path, ino);
			setattr(path, ino, &st);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t k = readlink(path, target, sizeof target);
			if (k < 0 || k >= 4096)
				die("%s: %s", path,
				    k < 0 ? strerror(errno) : "the link's target is longer than 4095 bytes");
			target[k] = '\0';
			if (k == 0)
				die("%s: an empty symbolic link cannot be stored%s", path, "");
			mknode(path, dir, name, S_IFLNK | 0777, target);
		} else if (S_ISREG(st.st_mode)) {
			size_t h = 0;
			while (h < nhard && !(hard[h].dev == st.st_dev && hard[h].ino == st.st_ino))
				h++;
			if (h < nhard) { /* another name for a file already copied */
				unsigned char p[16];
				le(p, dir, 8);
				le(p + 8, hard[h].lino, 8);
				emit(path, LFS_LINK, p, 16, name, strlen(name), NULL, 0);
				continue;
			}
			uint64_t ino = mknode(path, dir, name, S_IFREG | (st.st_mode & 07777), NULL);
			copy_file(path, ino);
			setattr(path, ino, &st);
			if (st.st_nlink > 1) {
				if (!(hard = realloc(hard, (nhard + 1) * sizeof *hard)))
					die("%s: %s", path, strerror(ENOMEM));
				hard[nhard].dev = st.st_dev;
				hard[nhard].ino = st.st_ino;
				hard[nhard++].lino = ino;
			}
		} else {
			die("%s: %s cannot be stored (regular files, directories and symbolic links only)", path,
			    S_ISSOCK(st.st_mode)   ? "a socket"
			    : S_ISFIFO(st.st_mode) ? "a fifo"
						   : "a device");
		}
		free(ents[i]);
	}
	free(ents);
}

static int read_disk(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	(void)ctx;
	ssize_t n = pread(disk, buf, (size_t)count * LFS_SECTOR, (off_t)(sector * LFS_SECTOR));
	if (n < 0)
		return -errno;
	if (n < (ssize_t)count * LFS_SECTOR)
		return -EIO;
	return 0;
}

static int check(const char *file)
{
	unsigned char sb[LFS_PROBE] = { 0 };
	char err[256];
	struct stat st;
	disk_name = file;
	if ((disk = open(file, O_RDONLY)) < 0 || fstat(disk, &st))
		die("%s: %s", file, strerror(errno));
	if (st.st_size < (off_t)LFS_SECTOR)
		die("%s: %s", file, "not a tincan file system (smaller than a sector)");
	size_t head = st.st_size < (off_t)LFS_PROBE ? (size_t)st.st_size / LFS_SECTOR * LFS_SECTOR : LFS_PROBE;
	if (pread(disk, sb, head, 0) != (ssize_t)head)
		die("%s: %s", file, strerror(errno));
	if (lfs_init(&fs, sb, head, (uint64_t)st.st_size / LFS_SECTOR, err, sizeof err) ||
	    lfs_scan(&fs, read_disk, NULL, err, sizeof err))
		die("%s: %s", file, err);
	printf(
	    "%s: clean: %llu records, %llu files, %llu directories, %llu symbolic links; %llu of %llu sectors used\n",
	    file, (unsigned long long)fs.records, (unsigned long long)fs.files, (unsigned long long)fs.dirs,
	    (unsigned long long)fs.links, (unsigned long long)(LFS_LOG0 + lfs_used(&fs)),
	    (unsigned long long)fs.sectors);
	return 0;
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: %s FILE SIZE [--from=DIR]   make a tincan file system (SIZE: bytes, K, M or G; a multiple of 512)\n"
	    "       %s --check FILE             check one; prints one line, exit 0 when clean\n",
	    prog, prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *from = NULL, *pos[2];
	int npos = 0, checking = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			checking = 1;
		else if (strncmp(argv[i], "--from=", 7) == 0)
			from = argv[i] + 7;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			usage();
		else if (argv[i][0] == '-' && argv[i][1])
			die("unknown option '%s'%s", argv[i], "");
		else if (npos < 2)
			pos[npos++] = argv[i];
		else
			usage();
	}
	if (checking) {
		if (npos != 1 || from)
			usage();
		return check(pos[0]);
	}
	if (npos != 2)
		usage();
	uint64_t size;
	if (parse_size(pos[1], &size) || size % LFS_SECTOR || size < 4 * LFS_SECTOR)
		die("size '%s' is not a multiple of 512 bytes of at least 2K%s", pos[1], "");
	struct stat st;
	if (from && stat(from, &st))
		die("--from=%s: %s", from, strerror(errno));
	if (from && !S_ISDIR(st.st_mode))
		die("--from=%s: %s", from, "not a directory");
	disk_name = pos[0];
	if ((disk = open(pos[0], O_RDWR | O_CREAT, 0644)) < 0 || fstat(disk, &st))
		die("%s: %s", pos[0], strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		die("%s: %s", pos[0], "not a regular file");
	/* The old contents go: stale records of another volume are ignored by
	 * their volume id anyway, but zeroes keep the image sparse. */
	if (S_ISREG(st.st_mode) && (ftruncate(disk, 0) || ftruncate(disk, (off_t)size)))
		die("%s: %s", pos[0], strerror(errno));
	uint64_t volid;
	if (getrandom(&volid, sizeof volid, 0) != sizeof volid)
		die("getrandom: %s%s", strerror(errno), "");
	unsigned char sb[2 * LFS_SECTOR] = { 0 };
	char err[256];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	/* Generation 1 in sector 0; sector 1 (zero) takes the next one. */
	struct lfs_super s = { size / LFS_SECTOR, volid, ns(now), 1, LFS_LOG0, 1, lfs_crc32(0, &volid, sizeof volid) };
	lfs_super_encode(sb, &s);
	if (pwrite(disk, sb, sizeof sb, 0) != (ssize_t)sizeof sb)
		die("%s: %s", pos[0], strerror(errno));
	if (lfs_init(&fs, sb, sizeof sb, size / LFS_SECTOR, err, sizeof err))
		die("%s: %s", pos[0], err);
	if (from) {
		fill(from, LFS_ROOT_INO);
		if (stat(from, &st) == 0)
			setattr(from, LFS_ROOT_INO, &st);
	}
	if (fsync(disk) || close(disk))
		die("%s: %s", pos[0], strerror(errno));
	return 0;
}

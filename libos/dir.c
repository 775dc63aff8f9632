/*
 * Directory streams (<dirent.h>): a DIR is an open directory descriptor
 * and a position (0 ".", 1 "..", then the file system's cookies, see
 * vfs/vfs.h), so telldir/seekdir/rewinddir are exact and entries removed
 * during a scan make no other entry be skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "vfs/dir.h"

struct __tincan_dir {
	int fd;
	long pos;
	struct dirent ent;
};

DIR *fdopendir(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	if (!S_ISDIR(st.st_mode))
		return sys_fail(ENOTDIR), NULL;
	DIR *d = calloc(1, sizeof *d);
	if (!d)
		return sys_fail(ENOMEM), NULL;
	d->fd = fd;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

int closedir(DIR *d)
{
	if (!d)
		return sys_fail(EBADF);
	int r = close(d->fd);
	free(d);
	return r;
}

int dirfd(DIR *d)
{
	return d->fd;
}

static int next(DIR *d, struct dirent *out, struct dirent **res)
{
	struct vfs_dirent de;
	*res = NULL;
	if (d->pos < 0)
		return 0; /* at the end */
	long r = vfs_readdir(d->fd, d->pos, &de);
	if (r < 0)
		return (int)-r;
	if (r == 0) {
		d->pos = -1;
		return 0;
	}
	d->pos = r;
	out->d_ino = de.ino;
	out->d_off = r;
	out->d_reclen = sizeof *out;
	out->d_type = (unsigned char)IFTODT(de.type);
	memcpy(out->d_name, de.name, strlen(de.name) + 1);
	*res = out;
	return 0;
}

struct dirent *readdir(DIR *d)
{
	struct dirent *res;
	int e = next(d, &d->ent, &res);
	if (e)
		errno = e;
	return res;
}

int readdir_r(DIR *restrict d, struct dirent *restrict ent, struct dirent **restrict res)
{
	return next(d, ent, res);
}

void rewinddir(DIR *d)
{
	d->pos = 0;
}

long telldir(DIR *d)
{
	return d->pos < 0 ? LONG_MAX : d->pos;
}

void seekdir(DIR *d, long pos)
{
	d->pos = pos == LONG_MAX ? -1 : pos;
}

int alphasort(const struct dirent **a, const struct dirent **b)
{
	return strcoll((*a)->d_name, (*b)->d_name);
}

int scandir(const char *path, struct dirent ***list, int (*keep)(const struct dirent *),
	    int (*cmp)(const struct dirent **, const struct dirent **))
{
	DIR *d = opendir(path);
	struct dirent *e, **v = NULL;
	size_t n = 0, cap = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (keep && !keep(e))
			continue;
		if (n == cap) {
			struct dirent **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
			if (!nv)
				goto fail;
			v = nv;
		}
		if (!(v[n] = malloc(sizeof *e)))
			goto fail;
		memcpy(v[n++], e, sizeof *e);
	}
	closedir(d);
	if (cmp && n)
		qsort(v, n, sizeof *v, (int (*)(const void *, const void *))cmp);
	*list = v;
	return (int)n;
fail:
	while (n)
		free(v[--n]);
	free(v);
	closedir(d);
	return sys_fail(ENOMEM);
}

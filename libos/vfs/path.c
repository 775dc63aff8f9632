/* Lexical path normalisation and mount-point prefixes; see path.h. */
#include "path.h"

#include <errno.h>
#include <string.h>

/* Append the components of s to the normal path out[0..*n); every
 * component that more components follow must pass isdir (when given). */
static int walk(const char *s, char *out, size_t size, size_t *n, int *dir, path_isdir_fn isdir, void *ctx)
{
	while (*s) {
		while (*s == '/')
			s++;
		const char *c = s;
		while (*s && *s != '/')
			s++;
		size_t len = (size_t)(s - c);
		if (len == 0)
			break;
		*dir = *s == '/' || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.');
		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			while (*n > 0 && out[--*n] != '/')
				;
			continue;
		}
		if (len > PATH_NAME_MAX || *n + 1 + len + 1 > size)
			return -ENAMETOOLONG;
		out[(*n)++] = '/';
		memcpy(out + *n, c, len);
		*n += len;
		const char *next = s;
		while (*next == '/')
			next++;
		if (isdir && *next) {
			out[*n] = '\0';
			int r = isdir(ctx, out);
			if (r)
				return r;
		}
	}
	return 0;
}

int path_normalize(const char *cwd, const char *path, char *out, size_t size, int *dir, path_isdir_fn isdir, void *ctx)
{
	size_t n = 0;
	int r = 0;
	*dir = 0;
	if (!*path)
		return -ENOENT;
	if (size < 2)
		return -ENAMETOOLONG;
	if (*path != '/')
		r = walk(cwd, out, size, &n, dir, NULL, NULL);
	if (r == 0)
		r = walk(path, out, size, &n, dir, isdir, ctx);
	if (r)
		return r;
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return 0;
}

const char *path_split(const char *path, char dir[PATH_LEN_MAX])
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	if (len >= PATH_LEN_MAX)
		len = PATH_LEN_MAX - 1;
	memcpy(dir, path, len);
	dir[len] = '\0';
	return slash ? slash + 1 : path;
}

const char *path_under(const char *mnt, const char *abs)
{
	size_t len = strlen(mnt);
	if (len == 1) /* "/" */
		return abs + 1;
	if (strncmp(mnt, abs, len) != 0 || (abs[len] && abs[len] != '/'))
		return NULL;
	return abs + len + (abs[len] == '/');
}

int path_resolve(const char *cwd, const char *path, int follow, char *out, size_t size, int *dir, int *last,
		 path_step_fn step, void *ctx)
{
	char pend[PATH_LEN_MAX], link[PATH_LEN_MAX];
	size_t n = 0;
	int links = 0;
	*dir = 0;
	*last = PATH_DIR;
	if (!*path)
		return -ENOENT;
	size_t plen = strlen(path);
	if (size < 2 || plen >= sizeof pend)
		return -ENAMETOOLONG;
	memcpy(pend, path, plen + 1);
	if (*path != '/') {
		int r = walk(cwd, out, size, &n, dir, NULL, NULL);
		if (r)
			return r;
	}
	const char *s = pend;
	for (;;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *c = s;
		while (*s && *s != '/')
			s++;
		size_t len = (size_t)(s - c);
		const char *next = s;
		while (*next == '/')
			next++;
		int final = !*next, dot = len == 1 && c[0] == '.', dotdot = len == 2 && c[0] == '.' && c[1] == '.';
		*dir = *s == '/' || dot || dotdot;
		*last = PATH_DIR;
		if (dot)
			continue;
		if (dotdot) {
			while (n > 0 && out[--n] != '/')
				;
			continue;
		}
		if (len > PATH_NAME_MAX || n + 1 + len + 1 > size)
			return -ENAMETOOLONG;
		size_t parent = n;
		out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
		out[n] = '\0';
		int k = step(ctx, out, link, sizeof link);
		if (k == PATH_LINK && (!final || follow || *dir)) {
			size_t tl = strlen(link), rl = strlen(s);
			if (++links > PATH_LOOP_MAX)
				return -ELOOP;
			if (tl == 0)
				return -ENOENT;
			if (tl + rl + 1 > sizeof link)
				return -ENAMETOOLONG;
			memmove(link + tl, s, rl + 1); /* the target, then what followed the link */
			memcpy(pend, link, tl + rl + 1);
			s = pend;
			n = link[0] == '/' ? 0 : parent;
			continue;
		}
		if (!final) {
			if (k < 0)
				return k;
			if (k != PATH_DIR)
				return -ENOTDIR;
			continue;
		}
		if (k < 0 && k != -ENOENT)
			return k;
		*last = k;
		if (k > PATH_DIR && *dir)
			return -ENOTDIR;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return 0;
}

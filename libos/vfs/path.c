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

const char *path_under(const char *mnt, const char *abs)
{
	size_t len = strlen(mnt);
	if (len == 1) /* "/" */
		return abs + 1;
	if (strncmp(mnt, abs, len) != 0 || (abs[len] && abs[len] != '/'))
		return NULL;
	return abs + len + (abs[len] == '/');
}

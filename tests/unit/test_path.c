/* libos's path resolver and mount table (libos/vfs/path.c, mount.c), on
 * the host: normalisation, "..", long names, mounts by longest prefix. */
#include <errno.h>
#include <string.h>

#include "../tap.h"
#include "path.h"
#include "vfs.h"

static char out[PATH_LEN_MAX];
static int dir;

/* Normalise path against cwd; its result, or "E<errno>" on error. */
static const char *norm(const char *cwd, const char *path)
{
	static char err[16];
	int r = path_normalize(cwd, path, out, sizeof out, &dir, NULL, NULL);
	if (r) {
		snprintf(err, sizeof err, "E%d", -r);
		return err;
	}
	return out;
}

static int is(const char *cwd, const char *path, const char *want, int want_dir)
{
	const char *got = norm(cwd, path);
	if (strcmp(got, want) == 0 && dir == want_dir)
		return 1;
	printf("#   %s + %s: got %s (dir %d), want %s (dir %d)\n", cwd, path, got, dir, want, want_dir);
	return 0;
}

static const struct fs_ops fs_a, fs_b, fs_c;

/* A fake tree for the directory checks: /d and /d/e are directories, /f
 * is a file, nothing else exists.  Records what it was asked. */
static char asked[256];
static int fake_isdir(void *ctx, const char *abs)
{
	(void)ctx;
	strncat(asked, abs, sizeof asked - strlen(asked) - 2);
	strcat(asked, " ");
	if (strcmp(abs, "/d") == 0 || strcmp(abs, "/d/e") == 0)
		return 0;
	return strcmp(abs, "/f") == 0 ? -ENOTDIR : -ENOENT;
}

static int checked(const char *path, int want, const char *want_asked)
{
	asked[0] = '\0';
	int r = path_normalize("/", path, out, sizeof out, &dir, fake_isdir, NULL);
	if (r == want && strcmp(asked, want_asked) == 0)
		return 1;
	printf("#   %s: got %d, asked [%s]; want %d, [%s]\n", path, r, asked, want, want_asked);
	return 0;
}

/* A fake tree with links for path_resolve: /d a directory, /f a file,
 * /ld -> d, /up -> ../d/., /abs -> /f, /loop -> loop. */
static int fake_step(void *ctx, const char *abs, char *link, size_t size)
{
	(void)ctx, (void)size;
	static const char *const links[][2] = {
		{ "/ld", "d" }, { "/up", "../d/." }, { "/abs", "/f" }, { "/loop", "loop" }
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (strcmp(abs, links[i][0]) == 0) {
			strcpy(link, links[i][1]);
			return PATH_LINK;
		}
	if (strcmp(abs, "/d") == 0)
		return PATH_DIR;
	return strcmp(abs, "/f") == 0 ? PATH_FILE : -ENOENT;
}

/* Resolve path; "E<errno>" or the result and what the last component is. */
static const char *res(const char *path, int follow)
{
	static char buf[PATH_LEN_MAX + 16];
	int last, r = path_resolve("/d", path, follow, out, sizeof out, &dir, &last, fake_step, NULL);
	if (r)
		snprintf(buf, sizeof buf, "E%d", -r);
	else
		snprintf(buf, sizeof buf, "%s %d", out, last);
	return buf;
}

static int resolves(const char *path, int follow, const char *want)
{
	const char *got = res(path, follow);
	if (strcmp(got, want) == 0)
		return 1;
	printf("#   %s (follow %d): got %s, want %s\n", path, follow, got, want);
	return 0;
}

int main(void)
{
	char e[16];
	ok(is("/", "/", "/", 0) && is("/", "name", "/name", 0) && is("/", "./name", "/name", 0) &&
	       is("/", "/name", "/name", 0),
	   "the root, a name, ./name and /name");
	ok(is("/", "//a///b//", "/a/b", 1) && is("/", "a/./b/.", "/a/b", 1), "repeated slashes and . components");
	ok(is("/", "a/", "/a", 1) && is("/", "a/..", "/", 1) && is("/", "a", "/a", 0),
	   "a trailing slash, . or .. means a directory");
	ok(is("/", "..", "/", 1) && is("/", "/../../x", "/x", 0) && is("/", "a/../../b", "/b", 0),
	   ".. above the root stays at the root");
	ok(is("/home/u", "x", "/home/u/x", 0) && is("/home/u", "../v", "/home/v", 0) &&
	       is("/home/u", "/etc", "/etc", 0) && is("/home/u", ".", "/home/u", 1),
	   "relative paths start at the working directory");
	snprintf(e, sizeof e, "E%d", ENOENT);
	ok(is("/", "", e, 0), "an empty path is ENOENT");
	char name[PATH_NAME_MAX + 2];
	memset(name, 'n', sizeof name);
	name[PATH_NAME_MAX] = '\0';
	ok(is("/", name, out, 0) && strlen(out) == PATH_NAME_MAX + 1, "a %d-byte name is fine", PATH_NAME_MAX);
	name[PATH_NAME_MAX] = 'n';
	name[PATH_NAME_MAX + 1] = '\0';
	snprintf(e, sizeof e, "E%d", ENAMETOOLONG);
	ok(is("/", name, e, 0), "a %d-byte name is ENAMETOOLONG", PATH_NAME_MAX + 1);
	static char lng[PATH_LEN_MAX * 2];
	for (size_t i = 0; i + 2 < sizeof lng; i += 2)
		memcpy(lng + i, "a/", 2);
	ok(strcmp(norm("/", lng), e) == 0, "a path longer than PATH_LEN_MAX is ENAMETOOLONG");
	ok(path_normalize("/", "ab", out, 3, &dir, NULL, NULL) == -ENAMETOOLONG &&
	       path_normalize("/", "ab", out, 4, &dir, NULL, NULL) == 0 && strcmp(out, "/ab") == 0,
	   "the output size is respected exactly");

	ok(path_under("/", "/") && strcmp(path_under("/", "/"), "") == 0 && strcmp(path_under("/", "/a/b"), "a/b") == 0,
	   "everything is under /");
	ok(strcmp(path_under("/tmp", "/tmp"), "") == 0 && strcmp(path_under("/tmp", "/tmp/x/y"), "x/y") == 0 &&
	       path_under("/tmp", "/tmpx") == NULL && path_under("/tmp", "/") == NULL,
	   "a mount point's prefix ends at a component boundary");

	const char *rest = NULL;
	ok(vfs_mount_find("/x", &rest) == NULL, "nothing is mounted at first");
	ok(vfs_mount("/", &fs_a, NULL) == 0 && vfs_mount("/tmp/", &fs_b, NULL) == 0 &&
	       vfs_mount("/tmp/deep/../deeper", &fs_c, NULL) == 0,
	   "mount /, /tmp and /tmp/deeper");
	ok(vfs_mount("/tmp", &fs_c, NULL) == -EBUSY, "a second mount at /tmp is EBUSY");
	struct mount *m = vfs_mount_find("/etc/passwd", &rest);
	ok(m && m->ops == &fs_a && strcmp(rest, "etc/passwd") == 0, "/etc/passwd is on /");
	m = vfs_mount_find("/tmp", &rest);
	ok(m && m->ops == &fs_b && strcmp(rest, "") == 0, "/tmp is the root of its mount");
	m = vfs_mount_find("/tmp/deeper/f", &rest);
	ok(m && m->ops == &fs_c && strcmp(rest, "f") == 0, "/tmp/deeper/f is on the longest prefix");
	m = vfs_mount_find("/tmpfile", &rest);
	ok(m && m->ops == &fs_a && strcmp(rest, "tmpfile") == 0, "/tmpfile is not on /tmp");
	int n = 0;
	char at[16];
	do
		snprintf(at, sizeof at, "/m%d", n);
	while (vfs_mount(at, &fs_a, NULL) == 0 && ++n < 100);
	ok(n == VFS_MOUNT_MAX - 3 && vfs_mount("/full", &fs_a, NULL) == -ENOMEM, "the table holds %d mounts",
	   VFS_MOUNT_MAX);
	ok(checked("/d/e/x", 0, "/d /d/e ") && strcmp(out, "/d/e/x") == 0, "every directory on the way is checked");
	ok(checked("/d/../x", 0, "/d "), "a directory before .. is checked, the last component is not");
	ok(checked("/nosuch/../x", -ENOENT, "/nosuch "), "a missing component before .. is ENOENT, as on Linux");
	ok(checked("/f/x", -ENOTDIR, "/f "), "a file used as a directory is ENOTDIR");
	ok(checked("/f/..", -ENOTDIR, "/f "), "a file before .. is ENOTDIR");
	ok(checked("/d//", 0, ""), "trailing slashes ask nothing (the caller checks the last component)");
	ok(checked("x", 0, ""), "a single name asks nothing");
	char w[32];
	ok(resolves("/ld/x", 0, "/d/x -2") && resolves("/ld", 1, "/d 0") && resolves("/ld", 0, "/ld 2") &&
	       resolves("/ld/", 0, "/d 0"),
	   "path_resolve: a link in the middle is followed, at the end only when asked or before a slash");
	ok(resolves("/up/../f", 0, "/f 1") && resolves("x", 0, "/d/x -2") && resolves("/abs", 1, "/f 1") &&
	       resolves("../ld/..", 0, "/ 0"),
	   "path_resolve: relative and absolute targets, .. after a link");
	snprintf(w, sizeof w, "E%d", ELOOP);
	ok(resolves("/loop", 1, w) && resolves("/loop/x", 0, w) && resolves("/loop", 0, "/loop 2"),
	   "path_resolve: ELOOP");
	snprintf(w, sizeof w, "E%d", ENOTDIR);
	ok(resolves("/f/x", 0, w) && resolves("/abs/", 0, w), "path_resolve: a file as a directory is ENOTDIR");
	snprintf(w, sizeof w, "E%d", ENOENT);
	ok(resolves("/no/x", 0, w) && resolves("", 0, w), "path_resolve: a missing directory is ENOENT");
	char dirpart[PATH_LEN_MAX];
	ok(strcmp(path_split("a/b/c", dirpart), "c") == 0 && strcmp(dirpart, "a/b") == 0 &&
	       strcmp(path_split("top", dirpart), "top") == 0 && dirpart[0] == '\0' &&
	       strcmp(path_split("", dirpart), "") == 0 && dirpart[0] == '\0',
	   "path_split: the directory part and the last component");
	return done_testing();
}

/*
 * The user and group databases without /etc/passwd: one user, root (uid
 * 0, gid 0, home "/", shell "/bin/sh"), and one group, root.  The *_r
 * forms copy the strings into the caller's buffer (ERANGE when short).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>

static char *members[] = { "root", NULL };
static struct passwd root_pw = { "root", "x", 0, 0, "", "root", "/", "/bin/sh" };
static struct group root_gr = { "root", "x", 0, members };
static int pw_next, gr_next;

struct passwd *getpwnam(const char *name)
{
	return name && strcmp(name, "root") == 0 ? &root_pw : (errno = 0, NULL);
}

struct passwd *getpwuid(uid_t uid)
{
	return uid == 0 ? &root_pw : (errno = 0, NULL);
}

/* Copy s into *buf (of *left bytes); NULL when it does not fit. */
static char *put(const char *s, char **buf, size_t *left)
{
	size_t n = strlen(s) + 1;
	if (n > *left)
		return NULL;
	char *p = memcpy(*buf, s, n);
	*buf += n;
	*left -= n;
	return p;
}

static int pw_r(struct passwd *found, struct passwd *pw, char *buf, size_t size, struct passwd **res)
{
	*res = NULL;
	if (!found)
		return 0;
	*pw = *found;
	if (!(pw->pw_name = put(found->pw_name, &buf, &size)) ||
	    !(pw->pw_passwd = put(found->pw_passwd, &buf, &size)) ||
	    !(pw->pw_comment = put(found->pw_comment, &buf, &size)) ||
	    !(pw->pw_gecos = put(found->pw_gecos, &buf, &size)) || !(pw->pw_dir = put(found->pw_dir, &buf, &size)) ||
	    !(pw->pw_shell = put(found->pw_shell, &buf, &size)))
		return ERANGE;
	*res = pw;
	return 0;
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size, struct passwd **res)
{
	return pw_r(getpwnam(name), pw, buf, size, res);
}

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t size, struct passwd **res)
{
	return pw_r(getpwuid(uid), pw, buf, size, res);
}

struct passwd *getpwent(void)
{
	return pw_next++ == 0 ? &root_pw : NULL;
}

void setpwent(void)
{
	pw_next = 0;
}

void endpwent(void)
{
	pw_next = 0;
}

struct group *getgrnam(const char *name)
{
	return name && strcmp(name, "root") == 0 ? &root_gr : (errno = 0, NULL);
}

struct group *getgrgid(gid_t gid)
{
	return gid == 0 ? &root_gr : (errno = 0, NULL);
}

static int gr_r(struct group *found, struct group *gr, char *buf, size_t size, struct group **res)
{
	*res = NULL;
	if (!found)
		return 0;
	/* The member list (two pointers) first, aligned, then the strings. */
	size_t pad = (sizeof(char *) - (uintptr_t)buf % sizeof(char *)) % sizeof(char *);
	if (size < pad + 2 * sizeof(char *))
		return ERANGE;
	char **mem = (char **)(void *)(buf + pad);
	buf += pad + 2 * sizeof(char *);
	size -= pad + 2 * sizeof(char *);
	*gr = *found;
	gr->gr_mem = mem;
	mem[1] = NULL;
	if (!(gr->gr_name = put(found->gr_name, &buf, &size)) || !(gr->gr_passwd = put(found->gr_passwd, &buf, &size)))
		return ERANGE;
	mem[0] = gr->gr_name;
	*res = gr;
	return 0;
}

int getgrnam_r(const char *name, struct group *gr, char *buf, size_t size, struct group **res)
{
	return gr_r(getgrnam(name), gr, buf, size, res);
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **res)
{
	return gr_r(getgrgid(gid), gr, buf, size, res);
}

struct group *getgrent(void)
{
	return gr_next++ == 0 ? &root_gr : NULL;
}

void setgrent(void)
{
	gr_next = 0;
}

void endgrent(void)
{
	gr_next = 0;
}

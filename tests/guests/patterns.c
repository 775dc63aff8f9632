/*
 * glob, fnmatch and regex (newlib's libc/posix, built into libtcposix.a):
 * TAP from the guest, run by tests/patterns.bats.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"

static void touch(const char *p)
{
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

static void globs(void)
{
	glob_t g;
	mkdir("/tmp/g", 0755);
	mkdir("/tmp/g/sub", 0755);
	touch("/tmp/g/a.conf");
	touch("/tmp/g/b.conf");
	touch("/tmp/g/c.txt");
	touch("/tmp/g/sub/d.conf");
	ok(glob("/tmp/g/*.conf", 0, NULL, &g) == 0 && g.gl_pathc == 2 && !strcmp(g.gl_pathv[0], "/tmp/g/a.conf") &&
	       !strcmp(g.gl_pathv[1], "/tmp/g/b.conf"),
	   "glob *.conf: two names, sorted");
	globfree(&g);
	ok(glob("/tmp/g/*/*.conf", 0, NULL, &g) == 0 && g.gl_pathc == 1 && !strcmp(g.gl_pathv[0], "/tmp/g/sub/d.conf"),
	   "glob through a directory level");
	globfree(&g);
	ok(glob("/tmp/g/[ab].*", GLOB_MARK, NULL, &g) == 0 && g.gl_pathc == 2, "glob with a bracket expression");
	globfree(&g);
	ok(glob("/tmp/g/*", GLOB_MARK, NULL, &g) == 0 && g.gl_pathc == 4 && !strcmp(g.gl_pathv[3], "/tmp/g/sub/"),
	   "GLOB_MARK marks the directory");
	globfree(&g);
	ok(glob("/tmp/g/*.none", 0, NULL, &g) == GLOB_NOMATCH, "no match: GLOB_NOMATCH");
	ok(glob("/tmp/g/*.none", GLOB_NOCHECK, NULL, &g) == 0 && g.gl_pathc == 1 &&
	       !strcmp(g.gl_pathv[0], "/tmp/g/*.none"),
	   "GLOB_NOCHECK gives the pattern back");
	globfree(&g);
	ok(glob("/nonexistent/*", 0, NULL, &g) == GLOB_NOMATCH, "a missing directory: GLOB_NOMATCH");
}

static void fnmatches(void)
{
	ok(fnmatch("*.c", "main.c", 0) == 0 && fnmatch("*.c", "main.h", 0) == FNM_NOMATCH, "fnmatch *.c");
	ok(fnmatch("*", "a/b", FNM_PATHNAME) == FNM_NOMATCH && fnmatch("*", "a/b", 0) == 0, "FNM_PATHNAME");
	ok(fnmatch("*", ".hidden", FNM_PERIOD) == FNM_NOMATCH, "FNM_PERIOD");
	ok(fnmatch("[!a-c]x", "dx", 0) == 0 && fnmatch("[!a-c]x", "bx", 0) == FNM_NOMATCH, "negated range");
	ok(fnmatch("\\*", "*", 0) == 0 && fnmatch("\\*", "a", 0) == FNM_NOMATCH, "escapes");
}

static void regexes(void)
{
	regex_t re;
	regmatch_t m[3];
	ok(regcomp(&re, "^([a-z]+)=([0-9]+)$", REG_EXTENDED) == 0, "regcomp, extended");
	ok(regexec(&re, "port=6379", 3, m, 0) == 0 && m[1].rm_so == 0 && m[1].rm_eo == 4 && m[2].rm_so == 5 &&
	       m[2].rm_eo == 9,
	   "regexec with sub-matches");
	ok(regexec(&re, "port=x", 0, NULL, 0) == REG_NOMATCH, "no match: REG_NOMATCH");
	regfree(&re);
	ok(regcomp(&re, "hello", REG_ICASE | REG_NOSUB) == 0 && regexec(&re, "say HeLLo", 0, NULL, 0) == 0,
	   "REG_ICASE");
	regfree(&re);
	ok(regcomp(&re, "a\\(b*\\)c", 0) == 0 && regexec(&re, "xabbbc", 2, m, 0) == 0 && m[1].rm_eo - m[1].rm_so == 3,
	   "basic regular expressions");
	regfree(&re);
	char msg[64];
	int e = regcomp(&re, "a(", REG_EXTENDED);
	ok(e == REG_EPAREN && regerror(e, &re, msg, sizeof msg) > 0 && msg[0],
	   "a bad pattern: REG_EPAREN with a message (%s)", msg);
}

int main(void)
{
	globs();
	fnmatches();
	regexes();
	return done_testing();
}

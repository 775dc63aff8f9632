/* Serving a directory: request paths to files, types by extension. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docroot.h"

static int hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

static const char *type_of(const char *p)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".css", "text/css" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".js", "text/javascript" },
		{ ".json", "application/json" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".svg", "image/svg+xml" },
	};
	const char *dot = strrchr(p, '.'), *slash = strrchr(p, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcasecmp(dot, types[i][0]) == 0)
				return types[i][1];
	return "application/octet-stream";
}

int docroot_open(const char *root, const char *path, size_t plen, struct docroot_file *f)
{
	char p[1024];
	size_t n = (size_t)snprintf(p, sizeof p, "%s", root);
	for (size_t i = 0; i < plen; i++) {
		char c = path[i];
		if (c == '%' && i + 2 < plen && hex(path[i + 1]) >= 0 && hex(path[i + 2]) >= 0) {
			c = (char)(hex(path[i + 1]) * 16 + hex(path[i + 2]));
			i += 2;
		}
		if (c == '\0' || n + 12 >= sizeof p) /* room for "/index.html" */
			return -1;
		p[n++] = c;
	}
	p[n] = '\0';
	/* No component of the request may be "..": the tree below root only. */
	for (const char *s = strstr(p + strlen(root), ".."); s; s = strstr(s + 1, ".."))
		if (s[-1] == '/' && (s[2] == '/' || s[2] == '\0'))
			return -1;
	struct stat st;
	if (stat(p, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		strcat(p, p[n - 1] == '/' ? "index.html" : "/index.html");
		if (stat(p, &st) < 0)
			return -1;
	}
	if (!S_ISREG(st.st_mode) || (f->fd = open(p, O_RDONLY)) < 0)
		return -1;
	f->size = st.st_size;
	f->type = type_of(p);
	return 0;
}

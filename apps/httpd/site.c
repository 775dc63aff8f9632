/* The site httpd serves without -d DIR (with it, files come from DIR). */
#include <string.h>

#include "site.h"

#define FILE(p, t, s)                                                                                                  \
	{                                                                                                              \
		p, t, s, sizeof(s) - 1                                                                                 \
	}

static const char index_html[] = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>tincan</title>"
				 "<link rel=\"stylesheet\" href=\"/style.css\"></head>\n"
				 "<body><h1>Served by a tincan unikernel</h1>\n"
				 "<p>This page came from an HTTP server running as a KVM guest.</p></body></html>\n";

static const char style_css[] = "body { font-family: sans-serif; margin: 2em; }\nh1 { color: #245; }\n";

static const char hello_txt[] = "hello\n";

static const char robots_txt[] = "User-agent: *\nDisallow:\n";

static const struct site_file files[] = {
	FILE("/index.html", "text/html; charset=utf-8", index_html),
	FILE("/style.css", "text/css", style_css),
	FILE("/hello.txt", "text/plain; charset=utf-8", hello_txt),
	FILE("/robots.txt", "text/plain; charset=utf-8", robots_txt),
};

const struct site_file *site_find(const char *path, size_t len)
{
	if (len == 1 && path[0] == '/')
		return &files[0];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (strlen(files[i].path) == len && memcmp(files[i].path, path, len) == 0)
			return &files[i];
	return NULL;
}

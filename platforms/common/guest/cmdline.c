/* Kernel command line to argv; see cmdline.h. */
#include "cmdline.h"

#include <stddef.h>

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int cmdline_split(char *line, char **argv, int max)
{
	char *in = line, *out = line;
	int argc = 0;

	if (max < 1)
		return -1;
	for (;;) {
		while (blank(*in))
			in++;
		if (!*in)
			break;
		if (argc >= max - 1)
			return -1;
		argv[argc++] = out;
		/* Copy one word, dropping its quotes; out never passes in. */
		while (*in && !blank(*in)) {
			char c = *in++;
			if (c == '\'') {
				while (*in && *in != '\'')
					*out++ = *in++;
				if (!*in++)
					return -1;
			} else if (c == '"') {
				while (*in && *in != '"') {
					/* GRUB escapes ' too: "it\'s" (multiboot). */
					if (*in == '\\' && (in[1] == '"' || in[1] == '\\' || in[1] == '\''))
						in++;
					*out++ = *in++;
				}
				if (!*in++)
					return -1;
			} else if (c == '\\' && *in) {
				*out++ = *in++;
			} else {
				*out++ = c;
			}
		}
		/* The word ends at a blank (skip it) or at the end of the line. */
		int end = !*in;
		if (!end)
			in++;
		*out++ = '\0';
		if (end)
			break;
	}
	argv[argc] = NULL;
	return argc;
}

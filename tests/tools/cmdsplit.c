/*
 * cmdsplit LINE: split LINE as the pc platform splits its kernel command
 * line (platforms/common/guest/cmdline.c) and print each word followed by
 * a NUL, for tests/iso.bats to compare with the arguments it gave.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../platforms/common/guest/cmdline.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: cmdsplit LINE\n", stderr);
		return 2;
	}
	char *words[256];
	int n = cmdline_split(argv[1], words, 256);
	if (n < 0) {
		fputs("cmdsplit: unterminated quote or too many words\n", stderr);
		return 1;
	}
	for (int i = 0; i < n; i++)
		fwrite(words[i], 1, strlen(words[i]) + 1, stdout);
	return 0;
}

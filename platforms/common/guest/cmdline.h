/*
 * Splitting a boot loader's kernel command line into argv, for platforms
 * whose guest gets one string (multiboot, PVH, QEMU -append) rather than
 * the argv array tincan-run builds.  Words are separated by blanks; single
 * quotes keep everything up to the next one, double quotes keep blanks and
 * honour \" \\ and \' (GRUB writes all three), a backslash outside quotes
 * keeps the next character.
 */
#ifndef TINCAN_CMDLINE_H
#define TINCAN_CMDLINE_H

#define cmdline_split __tincan_cmdline_split

/*
 * Split line in place (the words are rewritten inside it, NUL-terminated)
 * and point argv[0..] at them, with argv[argc] = NULL.  max is argv's size
 * in entries.  Returns argc, or -1 for an unterminated quote or more than
 * max - 1 words (line is then unspecified).
 */
int cmdline_split(char *line, char **argv, int max);

#endif

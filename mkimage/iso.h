/*
 * tincan-mkimage --iso: a bootable ISO (GRUB 2 via grub-mkrescue, BIOS and
 * UEFI) that boots a pc-platform image with a fixed command line.
 */
#ifndef TINCAN_ISO_H
#define TINCAN_ISO_H

/*
 * Check image (an ELF linked for the pc platform, with a multiboot2
 * header), then write out atomically: a hybrid BIOS+UEFI ISO, or a BIOS-only
 * one.  args[0..nargs) are the kernel's arguments, passed through GRUB
 * unchanged.  Prints one line on stderr and returns the exit status (1: bad
 * image, missing tool or I/O error, 2: bad arguments) on failure; 0 on
 * success.
 */
int iso_write(const char *out, const char *image, int bios_only, char *const *args, int nargs);

#endif

/*
 * Reading a tincan image (a static x86-64 ELF executable with a manifest
 * note).  Shared by tincan-run and tincan-mkimage.  Every offset and size in
 * the file is checked against the file's length before it is used; nothing
 * here trusts the image.
 */
#ifndef TINCAN_ELFIMAGE_H
#define TINCAN_ELFIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <tincan/image.h>

#define EI_SEG_MAX 16

/* Segment permissions. */
#define EI_R 4u
#define EI_W 2u
#define EI_X 1u

struct ei_segment {
	uint64_t vaddr; /* page aligned */
	uint64_t memsz;
	uint64_t offset; /* in the file */
	uint64_t filesz; /* <= memsz, inside the file */
	unsigned perm; /* EI_R | EI_W | EI_X, never W and X together */
};

struct ei_image {
	const uint8_t *file;
	size_t size;
	uint64_t entry;
	unsigned nseg;
	struct ei_segment seg[EI_SEG_MAX]; /* sorted by vaddr, not overlapping */
	uint64_t lo, hi; /* page-aligned span of all segments */
	/* A copy of the manifest, NULL if there is none; its file offset lets
	 * mkimage rewrite it in place. */
	const struct tc_manifest *manifest;
	struct tc_manifest manifest_copy;
	size_t manifest_off;
	/* Symbol table (may be absent: nsyms == 0). */
	const uint8_t *syms;
	size_t nsyms;
	const char *strtab;
	size_t strsz;
};

/*
 * Check the ELF headers, program headers, manifest note and symbol table of
 * file[0..size).  On success fill *img and return 0.  On failure write a
 * one-line reason (no trailing newline) to err and return -1.
 */
int ei_parse(const uint8_t *file, size_t size, struct ei_image *img, char *err, size_t errlen);

/*
 * Check the manifest's own fields (magic, version, platform, ABI, devices).
 * platform and abi_version are what the caller boots (enum tc_platform and
 * that platform's ABI version); platform 0 accepts any known platform and
 * ABI (tincan-mkimage).  Return 0, or -1 with a reason in err.
 */
/* Whether the device name s[0..n) (or up to a NUL) has a character not in [A-Za-z0-9._-]
 * (names go into TINCAN_IP and the like, whose separators are ,:/@%). */
int ei_bad_name(const char *s, size_t n);

int ei_check_manifest(const struct tc_manifest *m, uint32_t platform, uint32_t abi_version, char *err, size_t errlen);

/* "kvm", "pc"..., or "unknown". */
const char *ei_platform_name(uint32_t platform);

/*
 * Name the function containing addr: return its name and set *off to
 * addr - start, or return NULL.  The name is NUL-terminated inside strtab.
 */
const char *ei_symbolize(const struct ei_image *img, uint64_t addr, uint64_t *off);

#endif

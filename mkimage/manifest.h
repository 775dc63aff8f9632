/*
 * The tincan image manifest: an ELF note that says what an image is and what
 * it needs.  Written at link time (a default from the platform) and
 * rewritten by tincan-mkimage; checked by a monitor before it loads anything.
 *
 * Note layout (ELF64, 4-byte aligned): namesz = 7, descsz =
 * sizeof(struct tc_manifest), type = TC_NOTE_TYPE, name "TINCAN\0" padded
 * to 8, then struct tc_manifest.  Fixed size, so rewriting never moves a byte
 * of the image.  See docs/image-format.md.
 */
#ifndef TINCAN_MANIFEST_H
#define TINCAN_MANIFEST_H

#include <stdint.h>

#define TC_NOTE_NAME "TINCAN"
#define TC_NOTE_NAMESZ 7
#define TC_NOTE_TYPE 0x54430001u /* "TC" 1 */
#define TC_MANIFEST_MAGIC 0x464d4354u /* "TCMF" */
#define TC_MANIFEST_VERSION 1
#define TC_MFT_NAME_MAX 32
#define TC_MFT_DEVICES_MAX 8
#define TC_MFT_DEVNAME_MAX 16

enum tc_device_type {
	TC_DEV_NONE = 0,
	TC_DEV_NET = 1,
	TC_DEV_BLOCK = 2,
};

struct tc_mft_device {
	char name[TC_MFT_DEVNAME_MAX]; /* NUL-terminated */
	uint32_t type; /* enum tc_device_type */
	uint32_t flags; /* none defined yet: must be 0 */
};

struct tc_manifest {
	uint32_t magic; /* TC_MANIFEST_MAGIC */
	uint32_t version; /* TC_MANIFEST_VERSION */
	uint32_t abi_version; /* the guest ABI the image was linked for */
	uint32_t ndevices; /* entries used in devices[] */
	uint64_t mem; /* bytes of guest memory the image needs, 0: no claim */
	uint64_t stack; /* stack bytes, 0: the platform default */
	char name[TC_MFT_NAME_MAX]; /* NUL-terminated, informational */
	struct tc_mft_device devices[TC_MFT_DEVICES_MAX];
};

/* The whole note as it sits in the image: the descriptor starts at byte 20,
 * so the wrapper is packed (tc_manifest itself has no padding). */
struct __attribute__((packed, aligned(4))) tc_manifest_note {
	uint32_t namesz;
	uint32_t descsz;
	uint32_t type;
	char name[8];
	struct tc_manifest m;
};

#endif

/*
 * The tincan image format, platform-neutral: the manifest, an ELF note that
 * says what an image is, which platform it was linked for and what it needs.
 * Written at link time (the default in platforms/common/guest/manifest.c)
 * and rewritten by tincan-mkimage; checked by a monitor or loader before it
 * loads anything.  Included by mkimage, the platforms (guest and host side)
 * and the tests; it includes nothing of a platform's.
 *
 * Note layout (ELF64, 4-byte aligned): namesz = 7, descsz =
 * sizeof(struct tc_manifest), type = TC_NOTE_TYPE, name "TINCAN\0" padded
 * to 8, then struct tc_manifest.  Fixed size, so rewriting never moves a byte
 * of the image.  See docs/image-format.md.
 */
#ifndef TINCAN_IMAGE_H
#define TINCAN_IMAGE_H

#include <stdint.h>

#define TC_NOTE_NAME "TINCAN"
#define TC_NOTE_NAMESZ 7
#define TC_NOTE_TYPE 0x54430001u /* "TC" 1 */
#define TC_MANIFEST_MAGIC 0x464d4354u /* "TCMF" */
#define TC_MANIFEST_VERSION 2
#define TC_MFT_NAME_MAX 32
#define TC_MFT_DEVICES_MAX 8
#define TC_MFT_DEVNAME_MAX 16
#define TC_MFT_MOUNT_MAX 48

/* The platform an image was linked for: its ABI version (abi_version) is
 * that platform's.  A monitor or loader refuses images for another. */
enum tc_platform {
	TC_PLATFORM_NONE = 0,
	TC_PLATFORM_KVM = 1, /* tincan-run on /dev/kvm (platforms/kvm) */
	TC_PLATFORM_PC = 2, /* a PC booted by a boot loader (platforms/pc) */
};
#define TC_PLATFORM_NAMES                                                                                              \
	{                                                                                                              \
		"none", "kvm", "pc"                                                                                    \
	}
#define TC_PLATFORM_COUNT 3

/* What any manifest may claim, whatever its platform. */
#define TC_MFT_PAGE 4096ULL
#define TC_MFT_MEM_MIN (64ULL << 10)
#define TC_MFT_MEM_MAX (3ULL << 30)
/* No stack in the manifest: 1 MiB, at most an eighth of memory, >= 64K. */
#define TC_MFT_STACK_DEFAULT (1ULL << 20)
#define TC_MFT_STACK_MAX (1ULL << 30)

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
	uint32_t abi_version; /* the platform's guest ABI the image was linked for */
	uint32_t ndevices; /* entries used in devices[] */
	uint64_t mem; /* bytes of guest memory the image needs, 0: no claim */
	uint64_t stack; /* stack bytes, 0: the platform default */
	char name[TC_MFT_NAME_MAX]; /* NUL-terminated, informational */
	struct tc_mft_device devices[TC_MFT_DEVICES_MAX];
	uint32_t platform; /* enum tc_platform */
	uint32_t flags; /* none defined yet: must be 0 */
	/* Per device: where a block device is mounted in the guest, an absolute
	 * path, NUL-terminated ("": not mounted); all zero for other devices. */
	char mounts[TC_MFT_DEVICES_MAX][TC_MFT_MOUNT_MAX];
	/* The embedded read-only tree (tincan/rootfs.h): where its PT_LOAD
	 * segment lies in guest memory; size 0 when the image has none. */
	uint64_t rootfs_addr;
	uint64_t rootfs_size;
};
_Static_assert(sizeof(struct tc_manifest) == 664, "the manifest is 664 bytes (docs/image-format.md)");

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

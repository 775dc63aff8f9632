/*
 * The default manifest every image gets at link time: its platform and that
 * platform's ABI version, no devices, no memory claim beyond its layout.
 * tincan-mkimage rewrites it.  The platform's platform.mk compiles this file
 * with TINCAN_PLATFORM_ID and TINCAN_PLATFORM_ABI defined (and its ABI
 * header included), so the numbers have one source.
 */
#include <tincan/image.h>

#if !defined(TINCAN_PLATFORM_ID) || !defined(TINCAN_PLATFORM_ABI)
#error "compile with the platform's PLAT_MANIFEST_CFLAGS (platforms/NAME/platform.mk)"
#endif

__attribute__((section(".note.tincan"), aligned(4), used))
static const struct tc_manifest_note tincan_manifest_note = {
	.namesz = TC_NOTE_NAMESZ,
	.descsz = sizeof(struct tc_manifest),
	.type = TC_NOTE_TYPE,
	.name = TC_NOTE_NAME,
	.m = {
		.magic = TC_MANIFEST_MAGIC,
		.version = TC_MANIFEST_VERSION,
		.abi_version = TINCAN_PLATFORM_ABI,
		.platform = TINCAN_PLATFORM_ID,
	},
};

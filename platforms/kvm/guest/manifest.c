/*
 * The default manifest every image gets at link time: ABI version, no
 * devices, no memory claim beyond its layout.  tincan-mkimage rewrites it.
 */
#include "../../../mkimage/manifest.h"
#include "../abi.h"

__attribute__((section(".note.tincan"), aligned(4), used))
static const struct tc_manifest_note tincan_manifest_note = {
	.namesz = TC_NOTE_NAMESZ,
	.descsz = sizeof(struct tc_manifest),
	.type = TC_NOTE_TYPE,
	.name = TC_NOTE_NAME,
	.m = {
		.magic = TC_MANIFEST_MAGIC,
		.version = TC_MANIFEST_VERSION,
		.abi_version = TC_ABI_VERSION,
	},
};

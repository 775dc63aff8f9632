/*
 * Ring 3's view of the virtio devices ring 0 found (k_pci.c): the
 * transport the shared virtio driver (platforms/common/drivers/virtio)
 * asks for, with the manifest's names and mounts, and the first net
 * device's address from the command line (user.c).
 */
#include <stddef.h>
#include <string.h>

#include "pc.h"
#include "virtio.h"
#include <tincan/image.h>

extern const struct tc_manifest_note __tincan_manifest_note;
uint32_t pc_ip4, pc_prefix, pc_gw4; /* user.c: --ip, --gw */

static struct virtio_dev vdevs[PC_DEV_MAX];

const struct virtio_dev *virtio_transport(unsigned type, int n)
{
	int seen = 0;
	for (unsigned i = 0; i < pc_boot_info.ndev; i++) {
		const struct pc_dev *d = &pc_boot_info.dev[i];
		if (d->type != type || seen++ != n)
			continue;
		struct virtio_dev *v = &vdevs[i];
		if (!v->common) {
			v->common = (volatile uint8_t *)(uintptr_t)d->common;
			v->notify = (volatile uint8_t *)(uintptr_t)d->notify;
			v->device = (volatile uint8_t *)(uintptr_t)d->device;
			v->notify_mult = d->notify_mult;
			_Static_assert(sizeof v->name == sizeof __tincan_manifest_note.m.devices[0].name,
				       "name sizes differ");
			_Static_assert(sizeof v->mount == sizeof __tincan_manifest_note.m.mounts[0],
				       "mount sizes differ");
			memcpy(v->name, __tincan_manifest_note.m.devices[d->mft].name, sizeof v->name);
			v->name[sizeof v->name - 1] = '\0';
			memcpy(v->mount, __tincan_manifest_note.m.mounts[d->mft], sizeof v->mount);
			v->mount[sizeof v->mount - 1] = '\0';
			if (type == VIRTIO_NET && n == 0) {
				v->ip4 = pc_ip4;
				v->prefix = pc_prefix;
				v->gw4 = pc_gw4;
			}
		}
		return v;
	}
	return NULL;
}

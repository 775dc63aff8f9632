/* The image in the rootfs, checked before anything is set up, so that a
 * corrupt or foreign one fails `create` with a reason rather than the
 * started container with an exit status. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "elfimage.h"
#include "oci.h"

void image_check(const char *rootfs, struct oci_image *out)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", rootfs, OCI_IMAGE_NAME);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		oci_die("%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0)
		oci_die("%s: not a tincan image (%s)", path, S_ISREG(sb.st_mode) ? "empty" : "not a regular file");
	void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		oci_die("%s: %s", path, strerror(errno));
	struct ei_image img;
	char err[256];
	if (ei_parse(map, (size_t)sb.st_size, &img, err, sizeof err) < 0)
		oci_die("%s: not a tincan image: %s", path, err);
	if (!img.manifest)
		oci_die("%s: not a tincan image: no manifest (link it with tincan-cc)", path);
	if (ei_check_manifest(img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0)
		oci_die("%s: %s", path, err);
	memset(out, 0, sizeof *out);
	out->mem = img.manifest->mem;
	for (unsigned i = 0; i < img.manifest->ndevices && i < TC_MFT_DEVICES_MAX; i++) {
		const struct tc_mft_device *d = &img.manifest->devices[i];
		if (d->type != TC_DEV_NET || out->nnet == OCI_MAX_NET)
			continue;
		size_t n = strnlen(d->name, sizeof d->name);
		if (n >= sizeof out->net[0])
			oci_die("%s: net device name too long", path);
		memcpy(out->net[out->nnet++], d->name, n);
	}
	munmap(map, (size_t)sb.st_size);
}

/*
 * tincan-mkimage: show or rewrite the manifest of a tincan image in place.
 *
 *   tincan-mkimage [--mem=SIZE] [--stack=SIZE] [--name=NAME] [--net=NAME]...
 *                  [--block=NAME[:MOUNTPOINT]]... [--no-devices] [--rootfs=DIR | --no-rootfs]
 *                  [--print] IMAGE
 *   tincan-mkimage --iso=OUT.iso [--bios-only] IMAGE [-- ARGS...]
 *   tincan-mkimage --oci=OUT.tar [--name=REF] IMAGE
 *
 * The manifest note has a fixed size, so rewriting it changes no other
 * byte of the image.  The image is checked as a monitor checks it (any
 * platform's image is accepted here) before anything is written.
 * --rootfs packs DIR (rootfs.c) at the end of the file, as a PT_LOAD
 * segment in the program header the linker script reserved (PT_NULL), above
 * every other segment; the manifest says where it lies.
 * --iso writes a bootable ISO of a pc-platform image instead (iso.c),
 * --oci an OCI image of a kvm image (oci.c).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfimage.h"
#include "iso.h"
#include "oci.h"
#include "rootfs.h"
#include "size.h"

#ifndef TINCAN_VERSION
#define TINCAN_VERSION "dev"
#endif

static const char usage[] = "usage: tincan-mkimage [OPTIONS] IMAGE\n"
			    "       tincan-mkimage --iso=OUT.iso [--bios-only] IMAGE [-- ARGS...]\n"
			    "       tincan-mkimage --oci=OUT.tar [--name=REF] IMAGE\n"
			    "Show or rewrite the manifest of IMAGE (a program linked by tincan-cc) in place.\n"
			    "\n"
			    "  --mem=SIZE    memory the image needs; tincan-run uses it as the default --mem\n"
			    "                and refuses less (0: no claim)\n"
			    "  --stack=SIZE  stack size (0: the default, 1M, at most mem/8)\n"
			    "  --name=NAME   the image's name (at most 31 bytes)\n"
			    "  --net=NAME    declare a net device NAME (repeatable); tincan-run --net attaches it\n"
			    "                (tincan-cc declares net0 for programs that link sockets)\n"
			    "  --block=NAME[:MOUNTPOINT]\n"
			    "                declare a block device NAME, mounted at MOUNTPOINT in the guest\n"
			    "                (repeatable); tincan-run --block attaches a disk file to it\n"
			    "  --no-devices  declare no devices\n"
			    "  --rootfs=DIR  embed the tree under DIR (files, directories, symbolic links):\n"
			    "                the guest sees it read-only at /\n"
			    "  --no-rootfs   remove an embedded tree\n"
			    "  --print       print the manifest (after any change)\n"
			    "  --iso=OUT     write a bootable ISO (GRUB, BIOS and UEFI; also a raw disk image)\n"
			    "                of IMAGE, a pc-platform image, whose kernel gets ARGS; IMAGE is\n"
			    "                not changed\n"
			    "  --bios-only   with --iso: BIOS only, the smallest ISO\n"
			    "  --oci=OUT     write an OCI image (a layout in a tar, for ctr images import) of\n"
			    "                IMAGE, a kvm image, as /tincan.tc in one layer; IMAGE is not changed;\n"
			    "                the same IMAGE and REF give the same bytes\n"
			    "  --name=REF    with --oci: the image's name, NAME[:TAG] as docker takes it\n"
			    "                (default: the manifest's name, else IMAGE's without .tc;\n"
			    "                hello -> docker.io/library/hello:latest)\n"
			    "  --help, --version\n"
			    "\n"
			    "Exit status: 0 done, 1 bad image or I/O error, 2 bad command line.\n";

static void die(int status, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
#include <stdarg.h>
static void die(int status, const char *fmt, ...)
{
	va_list ap;
	fputs("tincan-mkimage: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static const char *value(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

static void print(const struct tc_manifest *m)
{
	printf("name:    %s\n", m->name[0] ? m->name : "(none)");
	printf("platform: %s (guest ABI v%u)\n", ei_platform_name(m->platform), m->abi_version);
	if (m->mem)
		printf("mem:     %lluK\n", (unsigned long long)(m->mem >> 10));
	else
		printf("mem:     (no claim)\n");
	printf("stack:   %lluK%s\n", (unsigned long long)((m->stack ? m->stack : TC_MFT_STACK_DEFAULT) >> 10),
	       m->stack ? "" : " (default; at most mem/8)");
	printf("devices: %u\n", m->ndevices);
	for (uint32_t i = 0; i < m->ndevices; i++) {
		if (m->devices[i].type == TC_DEV_NET)
			printf("  %s (net)\n", m->devices[i].name);
		else
			printf("  %s (block, %s)\n", m->devices[i].name,
			       m->mounts[i][0] ? m->mounts[i] : "not mounted");
	}
	if (m->rootfs_size)
		printf("rootfs:  %lluK at 0x%llx\n", (unsigned long long)((m->rootfs_size + 1023) >> 10),
		       (unsigned long long)m->rootfs_addr);
	else
		printf("rootfs:  (none)\n");
}

/*
 * Put the tree under dir (NULL: none) in the image, in place of the one it
 * has: the program header reserved for it (PT_NULL, or the PT_LOAD of the
 * tree there is) becomes a PT_LOAD at the first page above every other
 * segment, its bytes at the end of the file.  Updates the manifest in *m.
 */
static void attach(const char *image, int fd, const struct ei_image *img, struct tc_manifest *m, const char *dir,
		   int set_mem)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	char err[512] = "";
	int slot = -1;
	memcpy(&eh, img->file, sizeof eh); /* ei_parse checked the headers */
	for (int i = 0; i < eh.e_phnum && slot < 0; i++) {
		memcpy(&ph, img->file + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
		if (m->rootfs_size
			? ph.p_type == PT_LOAD && ph.p_vaddr == m->rootfs_addr && ph.p_memsz == m->rootfs_size
			: ph.p_type == PT_NULL)
			slot = i;
	}
	if (slot < 0)
		die(1, "%s: %s", image,
		    m->rootfs_size ? "the manifest's tree matches no segment (a damaged image?)"
				   : "no program header reserved for a tree: relink it with this tincan-cc");
	/* Above every other segment; the old tree goes if it ends the file. */
	uint64_t hi = 0, end = img->size;
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct ei_segment *s = &img->seg[i];
		if (m->rootfs_size && s->vaddr == ph.p_vaddr)
			continue;
		uint64_t e = (s->vaddr + s->memsz + TC_MFT_PAGE - 1) & ~(TC_MFT_PAGE - 1);
		hi = e > hi ? e : hi;
	}
	if (m->rootfs_size && ph.p_offset + ph.p_filesz == img->size) {
		/* Back to where the rest of the file ends: the section headers
		 * and the sections' bytes (ei_parse checked they are inside). */
		end = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
		for (int i = 0; i < eh.e_shnum; i++) {
			Elf64_Shdr sh;
			memcpy(&sh, img->file + eh.e_shoff + (uint64_t)i * sizeof sh, sizeof sh);
			if (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > end && sh.sh_offset < ph.p_offset)
				end = sh.sh_offset + sh.sh_size;
		}
		for (unsigned i = 0; i < img->nseg; i++)
			if (img->seg[i].vaddr != ph.p_vaddr && img->seg[i].offset + img->seg[i].filesz > end)
				end = img->seg[i].offset + img->seg[i].filesz;
		end = end > ph.p_offset ? ph.p_offset : end;
	}
	uint64_t old = (m->rootfs_size + TC_MFT_PAGE - 1) & ~(TC_MFT_PAGE - 1), size = 0;
	uint64_t off = (end + TC_MFT_PAGE - 1) & ~(TC_MFT_PAGE - 1);
	memset(&ph, 0, sizeof ph);
	ph.p_align = 8; /* the reserved PT_NULL, as ld writes it */
	if (dir) {
		struct rootfs *fs = rootfs_scan(dir, err, sizeof err);
		if (!fs)
			die(1, "--rootfs: %s", err);
		size = rootfs_size(fs);
		if (hi + size > TC_MFT_MEM_MAX)
			die(1,
			    "--rootfs: %s: the tree (%llu MiB) and the program do not fit in %llu MiB of guest memory",
			    dir, (unsigned long long)(size >> 20), (unsigned long long)(TC_MFT_MEM_MAX >> 20));
		if (ftruncate(fd, (off_t)off) < 0 || rootfs_write(fs, fd, off, err, sizeof err) < 0)
			die(1, "%s: %s", image, err[0] ? err : strerror(errno));
		rootfs_free(fs);
		ph = (Elf64_Phdr){ .p_type = PT_LOAD,
				   .p_flags = PF_R,
				   .p_offset = off,
				   .p_vaddr = hi,
				   .p_paddr = hi,
				   .p_filesz = size,
				   .p_memsz = size,
				   .p_align = TC_MFT_PAGE };
	} else if (ftruncate(fd, (off_t)end) < 0) {
		die(1, "%s: %s", image, strerror(errno));
	}
	if (pwrite(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)slot * sizeof ph)) != (ssize_t)sizeof ph)
		die(1, "%s: cannot write the program header: %s", image, strerror(errno));
	m->rootfs_addr = dir ? hi : 0;
	m->rootfs_size = size;
	/* A memory claim was the program's: the tree comes on top. */
	uint64_t now = (size + TC_MFT_PAGE - 1) & ~(TC_MFT_PAGE - 1);
	if (!set_mem && m->mem) {
		uint64_t mem = m->mem - (old < m->mem ? old : 0) + now;
		m->mem = mem > TC_MFT_MEM_MAX ? TC_MFT_MEM_MAX : mem;
	}
}

struct newdev {
	const char *name;
	size_t namelen;
	const char *mount; /* "" for none */
	uint32_t type;
};

int main(int argc, char **argv)
{
	const char *image = NULL, *v, *name = NULL;
	uint64_t mem = 0, stack = 0;
	int set_mem = 0, set_stack = 0, do_print = 0, clear_devices = 0, ndev = 0, no_rootfs = 0;
	const char *rootfs = NULL, *iso = NULL, *oci = NULL;
	int bios_only = 0, nargs = 0;
	char **args = NULL;
	struct newdev devs[TC_MFT_DEVICES_MAX];
	char err[256];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			args = argv + i + 1, nargs = argc - i - 1;
			break;
		} else if (strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("tincan-mkimage %s (manifest v%d)\n", TINCAN_VERSION, TC_MANIFEST_VERSION);
			return 0;
		} else if (strcmp(a, "--no-devices") == 0) {
			clear_devices = 1;
		} else if ((v = value(a, "--net"))) {
			if (!*v || strlen(v) >= TC_MFT_DEVNAME_MAX || ei_bad_name(v, strlen(v)))
				die(2, "--net name '%s' must be 1 to %d of A-Z a-z 0-9 . _ -", v,
				    TC_MFT_DEVNAME_MAX - 1);
			if (ndev == TC_MFT_DEVICES_MAX)
				die(2, "more than %d devices", TC_MFT_DEVICES_MAX);
			devs[ndev++] = (struct newdev){ v, strlen(v), "", TC_DEV_NET };
		} else if ((v = value(a, "--block"))) {
			const char *colon = strchr(v, ':');
			size_t n = colon ? (size_t)(colon - v) : strlen(v);
			if (n == 0 || n >= TC_MFT_DEVNAME_MAX || ei_bad_name(v, n))
				die(2, "--block=%s: the name must be 1 to %d of A-Z a-z 0-9 . _ -", v,
				    TC_MFT_DEVNAME_MAX - 1);
			if (colon && strlen(colon + 1) >= TC_MFT_MOUNT_MAX)
				die(2, "--block=%s: the mount point is longer than %d bytes", v, TC_MFT_MOUNT_MAX - 1);
			if (ndev == TC_MFT_DEVICES_MAX)
				die(2, "more than %d devices", TC_MFT_DEVICES_MAX);
			devs[ndev++] = (struct newdev){ v, n, colon ? colon + 1 : "", TC_DEV_BLOCK };
		} else if ((v = value(a, "--rootfs"))) {
			if (!*v)
				die(2, "--rootfs needs a directory");
			rootfs = v;
		} else if (strcmp(a, "--no-rootfs") == 0) {
			no_rootfs = 1;
		} else if ((v = value(a, "--iso"))) {
			if (!*v)
				die(2, "--iso needs an output file");
			iso = v;
		} else if ((v = value(a, "--oci"))) {
			if (!*v)
				die(2, "--oci needs an output file");
			oci = v;
		} else if (strcmp(a, "--bios-only") == 0) {
			bios_only = 1;
		} else if (strcmp(a, "--print") == 0) {
			do_print = 1;
		} else if ((v = value(a, "--mem"))) {
			if (parse_size(v, &mem) < 0 || (mem && (mem < TC_MFT_MEM_MIN || mem > TC_MFT_MEM_MAX)))
				die(2, "invalid --mem '%s': expected 0 or a size from %lluK to %lluG", v,
				    (unsigned long long)(TC_MFT_MEM_MIN >> 10),
				    (unsigned long long)(TC_MFT_MEM_MAX >> 30));
			mem = (mem + TC_MFT_PAGE - 1) & ~(TC_MFT_PAGE - 1);
			set_mem = 1;
		} else if ((v = value(a, "--stack"))) {
			if (parse_size(v, &stack) < 0 || (stack && (stack < TC_MFT_PAGE || stack > TC_MFT_STACK_MAX)))
				die(2, "invalid --stack '%s': expected 0 or a size from 4K to 1G", v);
			stack = (stack + TC_MFT_PAGE - 1) & ~(TC_MFT_PAGE - 1);
			set_stack = 1;
		} else if ((v = value(a, "--name"))) {
			name = v; /* checked below: a manifest name, or with --oci an image's */
		} else if (a[0] == '-') {
			die(2, "unknown option '%s' (try tincan-mkimage --help)", a);
		} else if (image) {
			die(2, "more than one image given");
		} else {
			image = a;
		}
	}
	if (!image)
		die(2, "no image given (try tincan-mkimage --help)");

	if (oci && iso)
		die(2, "--oci and --iso together");
	if (oci) {
		if (set_mem || set_stack || clear_devices || ndev || rootfs || no_rootfs || do_print || bios_only ||
		    args)
			die(2, "--oci changes no manifest: run tincan-mkimage with the other options first");
		return oci_write(oci, image, name);
	}
	if (name && strlen(name) >= TC_MFT_NAME_MAX)
		die(2, "--name '%s' is longer than %d bytes", name, TC_MFT_NAME_MAX - 1);
	int changing = set_mem || set_stack || name || clear_devices || ndev || rootfs || no_rootfs;
	if (iso && (changing || do_print))
		die(2, "--iso changes no manifest: run tincan-mkimage with the other options first");
	if (!iso && (bios_only || args))
		die(2, "%s goes with --iso=OUT.iso", bios_only ? "--bios-only" : "-- ARGS");
	if (iso)
		return iso_write(iso, image, bios_only, args, nargs);
	if (rootfs && no_rootfs)
		die(2, "--rootfs and --no-rootfs together");
	int fd = open(image, changing ? O_RDWR : O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(1, "%s: %s", image, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die(1, "%s: not a regular file", image);
	size_t size = (size_t)st.st_size;
	const uint8_t *file = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : (const uint8_t *)"";
	if (file == MAP_FAILED)
		die(1, "%s: %s", image, strerror(errno));
	struct ei_image img;
	if (ei_parse(file, size, &img, err, sizeof err) < 0 ||
	    ei_check_manifest(img.manifest, TC_PLATFORM_NONE, 0, err, sizeof err) < 0)
		die(1, "%s: %s", image, err);

	struct tc_manifest m = *img.manifest;
	if (set_mem)
		m.mem = mem;
	if (set_stack)
		m.stack = stack;
	if (name) {
		memset(m.name, 0, sizeof m.name);
		memcpy(m.name, name, strlen(name));
	}
	if (clear_devices) {
		memset(&m.devices, 0, sizeof m.devices), m.ndevices = 0;
		memset(&m.mounts, 0, sizeof m.mounts);
	}
	for (int i = 0; i < ndev; i++) {
		int again = 0;
		for (uint32_t j = 0; j < m.ndevices; j++)
			if (strncmp(m.devices[j].name, devs[i].name, devs[i].namelen) == 0 &&
			    m.devices[j].name[devs[i].namelen] == '\0') {
				/* The same net device again (tincan-cc declares net0 for
				 * programs that link sockets): nothing to do. */
				if (m.devices[j].type == TC_DEV_NET && devs[i].type == TC_DEV_NET) {
					again = 1;
					break;
				}
				die(2, "%s already declares a device '%.*s'", image, (int)devs[i].namelen,
				    devs[i].name);
			}
		if (again)
			continue;
		if (m.ndevices == TC_MFT_DEVICES_MAX)
			die(2, "%s: no room for another device (at most %d)", image, TC_MFT_DEVICES_MAX);
		struct tc_mft_device *d = &m.devices[m.ndevices];
		memset(d, 0, sizeof *d);
		memcpy(d->name, devs[i].name, devs[i].namelen);
		d->type = devs[i].type;
		memset(m.mounts[m.ndevices], 0, TC_MFT_MOUNT_MAX);
		memcpy(m.mounts[m.ndevices], devs[i].mount, strlen(devs[i].mount));
		m.ndevices++;
	}
	/* What tincan-run will check, checked before anything is written. */
	if (changing && ei_check_manifest(&m, TC_PLATFORM_NONE, 0, err, sizeof err) < 0)
		die(2, "%s", err);
	if (rootfs || no_rootfs)
		attach(image, fd, &img, &m, rootfs, set_mem);
	if (changing) {
		ssize_t n = pwrite(fd, &m, sizeof m, (off_t)img.manifest_off);
		if (n != (ssize_t)sizeof m || fsync(fd) < 0)
			die(1, "%s: cannot write the manifest: %s", image, n < 0 ? strerror(errno) : "short write");
	}
	if (rootfs || no_rootfs) {
		/* Check the result as a monitor will. */
		struct stat st2;
		const uint8_t *f2 =
		    fstat(fd, &st2) < 0 ? MAP_FAILED : mmap(NULL, (size_t)st2.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (f2 == MAP_FAILED || ei_parse(f2, (size_t)st2.st_size, &img, err, sizeof err) < 0 ||
		    ei_check_manifest(img.manifest, TC_PLATFORM_NONE, 0, err, sizeof err) < 0)
			die(1, "%s: the image is damaged after packing the tree: %s", image,
			    f2 == MAP_FAILED ? strerror(errno) : err);
	}
	if (do_print || !changing)
		print(&m);
	return 0;
}

/* Host unit tests for the image reader: every malformed image is refused
 * with a reason, and no input crashes it. */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "../tap.h"
#include "../../platforms/kvm/abi.h"
#include "elfimage.h"

#define FSIZE 0x4000

static uint8_t f[FSIZE];
static char err[256];
static struct ei_image img;

static Elf64_Ehdr *eh(void)
{
	return (Elf64_Ehdr *)f;
}
static Elf64_Phdr *ph(int i)
{
	return (Elf64_Phdr *)(f + 64 + 56 * i);
}

/* A small valid image: text, rodata (with the manifest note), data. */
static void build(void)
{
	memset(f, 0, sizeof f);
	memcpy(f, ELFMAG, SELFMAG);
	f[EI_CLASS] = ELFCLASS64;
	f[EI_DATA] = ELFDATA2LSB;
	f[EI_VERSION] = EV_CURRENT;
	eh()->e_type = ET_EXEC;
	eh()->e_machine = EM_X86_64;
	eh()->e_entry = 0x10000;
	eh()->e_phoff = 64;
	eh()->e_phentsize = 56;
	eh()->e_phnum = 4;
	*ph(0) = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0x1000, 0x10000, 0x10000, 0x100, 0x100, 0x1000 };
	*ph(1) = (Elf64_Phdr){ PT_LOAD, PF_R, 0x2000, 0x11000, 0x11000, 0x200, 0x200, 0x1000 };
	*ph(2) = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, 0x3000, 0x12000, 0x12000, 0x10, 0x3000, 0x1000 };
	*ph(3) = (Elf64_Phdr){ PT_NOTE,
			       PF_R,
			       0x2000,
			       0x11000,
			       0x11000,
			       sizeof(struct tc_manifest_note),
			       sizeof(struct tc_manifest_note),
			       4 };
	struct tc_manifest_note n = { TC_NOTE_NAMESZ,
				      sizeof(struct tc_manifest),
				      TC_NOTE_TYPE,
				      TC_NOTE_NAME,
				      { .magic = TC_MANIFEST_MAGIC,
					.version = TC_MANIFEST_VERSION,
					.abi_version = TC_ABI_VERSION,
					.platform = TC_PLATFORM_KVM } };
	memcpy(f + 0x2000, &n, sizeof n);
}

static int parse(size_t size)
{
	return ei_parse(f, size, &img, err, sizeof err);
}

static int refused(const char *want)
{
	int r = parse(FSIZE);
	if (r == 0) {
		printf("# accepted\n");
		return 0;
	}
	if (!strstr(err, want)) {
		printf("# reason was: %s\n", err);
		return 0;
	}
	return 1;
}

static void whole_file_fuzz(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		ok(0, "open %s", path);
		return;
	}
	uint8_t *real = malloc(st.st_size);
	ok(read(fd, real, st.st_size) == st.st_size, "read a real image");
	close(fd);
	ok(ei_parse(real, st.st_size, &img, err, sizeof err) == 0 &&
	       ei_check_manifest(img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) == 0,
	   "the real image parses: %s", err);
	uint64_t off;
	ok(ei_symbolize(&img, img.entry, &off) != NULL, "the entry point has a symbol");

	/* Every truncation is refused or parsed, never a crash; the loadable part must be refused. */
	int refused_all = 1;
	for (size_t n = 0; n < 0x3000 && n < (size_t)st.st_size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, real, n);
		if (ei_parse(copy, n, &img, err, sizeof err) == 0)
			refused_all = 0;
		free(copy);
	}
	ok(refused_all, "every truncation of the first 12 KiB is refused");

	/* Random byte flips: no crash, and anything accepted stays self-consistent. */
	srand(1);
	int consistent = 1;
	for (int k = 0; k < 20000; k++) {
		uint8_t *copy = malloc(st.st_size);
		memcpy(copy, real, st.st_size);
		for (int j = 0; j < 4; j++)
			copy[rand() % (st.st_size < 4096 ? st.st_size : 4096)] = (uint8_t)rand();
		if (ei_parse(copy, st.st_size, &img, err, sizeof err) == 0) {
			for (unsigned s = 0; s < img.nseg; s++)
				if (img.seg[s].offset + img.seg[s].filesz > (uint64_t)st.st_size ||
				    img.seg[s].filesz > img.seg[s].memsz ||
				    ((img.seg[s].perm & EI_W) && (img.seg[s].perm & EI_X)))
					consistent = 0;
			ei_symbolize(&img, img.entry, &off);
		}
		free(copy);
	}
	ok(consistent, "20000 corrupted images: no crash, accepted ones are consistent");
	free(real);
}

int main(int argc, char **argv)
{
	build();
	ok(parse(FSIZE) == 0, "valid image parses: %s", err);
	ok(img.nseg == 3 && img.lo == 0x10000 && img.hi == 0x15000, "segments and span");
	ok(img.manifest && img.manifest->abi_version == TC_ABI_VERSION, "manifest found");
	ok(ei_check_manifest(img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) == 0, "manifest valid");
	ok(ei_check_manifest(img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION + 1, err, sizeof err) < 0 &&
	       strstr(err, "ABI"),
	   "ABI mismatch refused: %s", err);
	ok(ei_check_manifest(img.manifest, TC_PLATFORM_NONE, TC_ABI_VERSION + 1, err, sizeof err) == 0,
	   "platform 0 (tincan-mkimage) accepts any platform's ABI: %s", err);
	ok(ei_check_manifest(img.manifest, TC_PLATFORM_PC, 1, err, sizeof err) < 0 &&
	       strstr(err, "linked for the kvm platform, not pc"),
	   "platform mismatch refused: %s", err);
	((struct tc_manifest_note *)(f + 0x2000))->m.platform = 77;
	ok(parse(FSIZE) == 0 && ei_check_manifest(img.manifest, TC_PLATFORM_NONE, 0, err, sizeof err) < 0 &&
	       strstr(err, "unknown platform 77"),
	   "unknown platform refused, even by tincan-mkimage: %s", err);
	build();
	((struct tc_manifest_note *)(f + 0x2000))->m.flags = 1;
	ok(parse(FSIZE) == 0 && ei_check_manifest(img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0 &&
	       strstr(err, "unknown flags"),
	   "unknown manifest flags refused: %s", err);
	build();
	parse(FSIZE);

	ok(parse(0) < 0 && strstr(err, "empty"), "empty file: %s", err);
	memcpy(f,
	       "\x7f"
	       "ELX",
	       4);
	ok(refused("not an ELF"), "bad magic: %s", err);
	build();
	for (int i = 0; i < FSIZE; i++)
		f[i] = (uint8_t)(i * 7919 + 13);
	ok(refused("not an ELF"), "random bytes: %s", err);
	build();
	ok(parse(30) < 0 && strstr(err, "truncated"), "truncated header: %s", err);
	ok(parse(0x1000) < 0 && strstr(err, "outside"), "truncated segments: %s", err);
	f[EI_CLASS] = ELFCLASS32;
	ok(refused("32-bit"), "32-bit ELF: %s", err);
	build();
	eh()->e_machine = EM_AARCH64;
	ok(refused("not x86-64"), "aarch64 ELF: %s", err);
	build();
	eh()->e_type = ET_DYN;
	ok(refused("not a static executable"), "PIE/shared object: %s", err);
	build();
	ph(3)->p_type = PT_INTERP;
	ok(refused("dynamically linked"), "PT_INTERP: %s", err);
	build();
	eh()->e_phoff = FSIZE - 10;
	ok(refused("program headers"), "program headers outside the file: %s", err);
	build();
	eh()->e_phnum = 0;
	ok(refused("program headers"), "no program headers: %s", err);
	build();
	ph(0)->p_offset = UINT64_MAX - 0x10;
	ok(refused("outside"), "segment offset overflow: %s", err);
	build();
	ph(0)->p_filesz = 0x100000;
	ph(0)->p_memsz = 0x100000;
	ok(refused("outside"), "segment beyond end of file: %s", err);
	build();
	ph(0)->p_filesz = 0x200;
	ph(0)->p_memsz = 0x100;
	ok(refused("exceeds memory size"), "filesz > memsz: %s", err);
	build();
	ph(2)->p_memsz = UINT64_MAX - 0x1000;
	ok(refused("absurd"), "absurd memory size: %s", err);
	build();
	ph(2)->p_vaddr = UINT64_MAX & ~0xfffULL;
	ok(refused("absurd"), "absurd address: %s", err);
	build();
	ph(1)->p_vaddr = 0x10000;
	ok(refused("overlap"), "overlapping segments: %s", err);
	build();
	ph(0)->p_memsz = 0x1001;
	ok(refused("overlap"), "a segment running one byte into the next one's page: %s", err);
	build();
	ph(1)->p_memsz = 0x2800;
	ok(refused("overlap"), "a segment reaching halfway into the next: %s", err);
	build();
	ph(0)->p_memsz = 0x3000;
	ok(refused("overlap"), "a segment covering the next two, from a different start: %s", err);
	build();
	ph(1)->p_vaddr = 0x10800;
	ok(refused("page aligned"), "unaligned segment: %s", err);
	build();
	ph(0)->p_flags = PF_R | PF_W | PF_X;
	ok(refused("W^X"), "writable and executable segment: %s", err);
	build();
	eh()->e_entry = 0x11000;
	ok(refused("entry point"), "entry in rodata: %s", err);
	build();
	ph(3)->p_type = PT_NULL;
	ok(parse(FSIZE) == 0 && img.manifest == NULL, "no manifest note parses");
	ok(ei_check_manifest(img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0 &&
	       strstr(err, "no tincan manifest"),
	   "missing manifest refused: %s", err);
	build();
	((struct tc_manifest_note *)(f + 0x2000))->descsz = 12;
	ph(3)->p_filesz = 0x200;
	ok(refused("manifest note has"), "short manifest note: %s", err);
	build();
	((struct tc_manifest_note *)(f + 0x2000))->m.ndevices = 99;
	ok(parse(FSIZE) == 0 && ei_check_manifest(img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0,
	   "absurd device count refused: %s", err);
	build();
	ph(3)->p_filesz = 0x7000;
	ok(refused("note"), "note segment beyond the file: %s", err);

	/* Mount points: only block devices have one, an absolute path without
	 * empty, . or .. components, NUL-terminated. */
	struct tc_manifest mm = { .magic = TC_MANIFEST_MAGIC,
				  .version = TC_MANIFEST_VERSION,
				  .platform = TC_PLATFORM_KVM,
				  .abi_version = TC_ABI_VERSION,
				  .ndevices = 2 };
	memcpy(mm.devices[0].name, "net0", 5);
	mm.devices[0].type = TC_DEV_NET;
	memcpy(mm.devices[1].name, "disk", 5);
	mm.devices[1].type = TC_DEV_BLOCK;
	static const char *const good[] = { "", "/", "/data", "/var/lib/db", "/a.b/..c/.d" };
	static const char *const bad[] = { "data", "//", "/a/", "/a//b", "/.", "/a/./b", "/..", "/a/.." };
	for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++) {
		memset(mm.mounts[1], 0, sizeof mm.mounts[1]);
		memcpy(mm.mounts[1], good[i], strlen(good[i]));
		ok(ei_check_manifest(&mm, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) == 0,
		   "mount point '%s' accepted", good[i]);
	}
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(mm.mounts[1], 0, sizeof mm.mounts[1]);
		memcpy(mm.mounts[1], bad[i], strlen(bad[i]));
		ok(ei_check_manifest(&mm, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0 &&
		       strstr(err, "is not /PATH"),
		   "mount point '%s' refused: %s", bad[i], err);
	}
	/* Device names: 1 to 15 of [A-Za-z0-9._-] (they go into TINCAN_IP). */
	memset(mm.mounts[1], 0, sizeof mm.mounts[1]);
	static const char *const badname[] = { "a,b", "a@c", "d%e", "f:g", "h i", "x/y", "\xc3\xa9", "a\x01" };
	for (unsigned i = 0; i < sizeof badname / sizeof badname[0]; i++) {
		memset(mm.devices[1].name, 0, sizeof mm.devices[1].name);
		memcpy(mm.devices[1].name, badname[i], strlen(badname[i]));
		ok(ei_check_manifest(&mm, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0 &&
		       strstr(err, "device 1 has no valid name"),
		   "device name '%s' refused: %s", badname[i], err);
	}
	memcpy(mm.devices[1].name, "Ok.dev_0-9Zz", 13);
	ok(ei_check_manifest(&mm, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) == 0,
	   "device name of A-Z a-z 0-9 . _ - accepted");
	memcpy(mm.devices[1].name, "disk", 5);
	memset(mm.mounts[1], 'x', sizeof mm.mounts[1]);
	ok(ei_check_manifest(&mm, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0 && strstr(err, "has no NUL"),
	   "unterminated mount point refused: %s", err);
	memset(mm.mounts[1], 0, sizeof mm.mounts[1]);
	memcpy(mm.mounts[0], "/n", 2);
	ok(ei_check_manifest(&mm, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0 &&
	       strstr(err, "no block device"),
	   "mount point of a net device refused: %s", err);
	memset(mm.mounts[0], 0, sizeof mm.mounts[0]);
	memcpy(mm.mounts[5], "/n", 2);
	ok(ei_check_manifest(&mm, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0 &&
	       strstr(err, "no block device"),
	   "mount point of an unused entry refused: %s", err);

	if (argc > 1)
		whole_file_fuzz(argv[1]);
	return done_testing();
}

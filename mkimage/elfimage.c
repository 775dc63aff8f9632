/* Validating reader for tincan images; see elfimage.h. */
#include "elfimage.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PAGE 4096ULL

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Is [off, off+len) inside a file of `size` bytes, without overflow? */
static int in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static int parse_notes(struct ei_image *img, const Elf64_Phdr *ph, char *err, size_t errlen)
{
	uint64_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

	while (end - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, img->file + off, sizeof nh);
		uint64_t name = off + sizeof nh;
		uint64_t desc = name + ((nh.n_namesz + 3ULL) & ~3ULL);
		uint64_t next = desc + ((nh.n_descsz + 3ULL) & ~3ULL);
		if (next > end)
			return fail(err, errlen, "truncated ELF note at offset %llu", (unsigned long long)off);
		if (nh.n_type == TC_NOTE_TYPE && nh.n_namesz == TC_NOTE_NAMESZ &&
		    memcmp(img->file + name, TC_NOTE_NAME, TC_NOTE_NAMESZ) == 0) {
			if (nh.n_descsz != sizeof(struct tc_manifest))
				return fail(err, errlen, "manifest note has %u bytes, not %zu (another tincan's?)",
					    nh.n_descsz, sizeof(struct tc_manifest));
			if (img->manifest)
				return fail(err, errlen, "image has two manifest notes");
			memcpy(&img->manifest_copy, img->file + desc, sizeof img->manifest_copy);
			img->manifest = &img->manifest_copy;
			img->manifest_off = desc;
		}
		off = next;
	}
	return 0;
}

static int parse_load(struct ei_image *img, const Elf64_Phdr *ph, unsigned idx, char *err, size_t errlen)
{
	struct ei_segment *s;

	if (ph->p_memsz == 0)
		return 0;
	if (img->nseg == EI_SEG_MAX)
		return fail(err, errlen, "more than %d loadable segments", EI_SEG_MAX);
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, errlen, "segment %u: file size %llu exceeds memory size %llu", idx,
			    (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
	if (!in_file(img->size, ph->p_offset, ph->p_filesz))
		return fail(
		    err, errlen, "segment %u: bytes %llu..%llu lie outside the %zu-byte file (truncated image?)", idx,
		    (unsigned long long)ph->p_offset, (unsigned long long)(ph->p_offset + ph->p_filesz), img->size);
	if (ph->p_vaddr % PAGE)
		return fail(err, errlen, "segment %u: address 0x%llx is not page aligned", idx,
			    (unsigned long long)ph->p_vaddr);
	/* Bound addresses far below 2^64 so later sums cannot overflow. */
	if (ph->p_vaddr >= (1ULL << 47) || ph->p_memsz >= (1ULL << 47) - ph->p_vaddr)
		return fail(err, errlen, "segment %u: absurd address range 0x%llx + %llu", idx,
			    (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz);
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return fail(err, errlen, "segment %u at 0x%llx is both writable and executable (W^X)", idx,
			    (unsigned long long)ph->p_vaddr);

	s = &img->seg[img->nseg++];
	s->vaddr = ph->p_vaddr;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->perm =
	    ((ph->p_flags & PF_R) ? EI_R : 0) | ((ph->p_flags & PF_W) ? EI_W : 0) | ((ph->p_flags & PF_X) ? EI_X : 0);
	return 0;
}

static int sort_and_check_overlap(struct ei_image *img, char *err, size_t errlen)
{
	for (unsigned i = 1; i < img->nseg; i++)
		for (unsigned j = i; j > 0 && img->seg[j - 1].vaddr > img->seg[j].vaddr; j--) {
			struct ei_segment t = img->seg[j];
			img->seg[j] = img->seg[j - 1];
			img->seg[j - 1] = t;
		}
	for (unsigned i = 1; i < img->nseg; i++) {
		const struct ei_segment *a = &img->seg[i - 1], *b = &img->seg[i];
		uint64_t a_end = (a->vaddr + a->memsz + PAGE - 1) & ~(PAGE - 1);
		if (a_end > b->vaddr)
			return fail(err, errlen, "segments at 0x%llx and 0x%llx overlap (page granular)",
				    (unsigned long long)a->vaddr, (unsigned long long)b->vaddr);
	}
	img->lo = img->seg[0].vaddr;
	const struct ei_segment *l = &img->seg[img->nseg - 1];
	img->hi = (l->vaddr + l->memsz + PAGE - 1) & ~(PAGE - 1);
	return 0;
}

/* The thread-local storage template: only the guest reads it (each thread's
 * block is a copy), but it must be a sane part of one loaded segment.  The
 * linker script gives images without any an empty one. */
static int check_tls(const struct ei_image *img, const Elf64_Phdr *ph, char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz || ph->p_memsz >= (1ULL << 30) || ph->p_align > PAGE ||
	    (ph->p_align & (ph->p_align - 1)))
		return fail(err, errlen, "thread-local storage segment: absurd size %llu or alignment %llu",
			    (unsigned long long)ph->p_memsz, (unsigned long long)ph->p_align);
	if (ph->p_memsz == 0) /* an empty header (apps with no TLS): nothing to place */
		return 0;
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct ei_segment *s = &img->seg[i];
		uint64_t off = ph->p_vaddr - s->vaddr;
		if (ph->p_vaddr >= s->vaddr && off <= s->memsz &&
		    (ph->p_filesz == 0 || (off <= s->filesz && ph->p_filesz <= s->filesz - off)))
			return 0;
	}
	return fail(err, errlen, "thread-local storage template at 0x%llx is not in a loaded segment",
		    (unsigned long long)ph->p_vaddr);
}

static int parse_symbols(struct ei_image *img, const Elf64_Ehdr *eh, char *err, size_t errlen)
{
	if (eh->e_shoff == 0 || eh->e_shnum == 0)
		return 0;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum >= SHN_LORESERVE ||
	    !in_file(img->size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return fail(err, errlen, "section headers lie outside the file");
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr sh, st;
		memcpy(&sh, img->file + eh->e_shoff + (uint64_t)i * sizeof sh, sizeof sh);
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		if (sh.sh_entsize != sizeof(Elf64_Sym) || !in_file(img->size, sh.sh_offset, sh.sh_size) ||
		    sh.sh_link == 0 || sh.sh_link >= eh->e_shnum)
			return fail(err, errlen, "malformed symbol table");
		memcpy(&st, img->file + eh->e_shoff + (uint64_t)sh.sh_link * sizeof st, sizeof st);
		if (st.sh_type != SHT_STRTAB || !in_file(img->size, st.sh_offset, st.sh_size) || st.sh_size == 0 ||
		    img->file[st.sh_offset + st.sh_size - 1] != '\0')
			return fail(err, errlen, "malformed symbol string table");
		img->syms = img->file + sh.sh_offset;
		img->nsyms = sh.sh_size / sizeof(Elf64_Sym);
		img->strtab = (const char *)img->file + st.sh_offset;
		img->strsz = st.sh_size;
		return 0;
	}
	return 0;
}

int ei_parse(const uint8_t *file, size_t size, struct ei_image *img, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr tls = { 0 };
	unsigned ntls = 0;

	memset(img, 0, sizeof *img);
	img->file = file;
	img->size = size;
	if (size == 0)
		return fail(err, errlen, "empty file");
	if (size < SELFMAG || memcmp(file, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, "not an ELF file");
	if (size < EI_NIDENT)
		return fail(err, errlen, "truncated ELF header");
	if (file[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "%s ELF file; tincan images are 64-bit x86-64",
			    file[EI_CLASS] == ELFCLASS32 ? "32-bit" : "unknown-class");
	if (size < sizeof eh)
		return fail(err, errlen, "truncated ELF header");
	memcpy(&eh, file, sizeof eh);
	if (file[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
		return fail(err, errlen, "ELF file for machine %u, not x86-64", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return fail(err, errlen, "ELF type %u is not a static executable (link it with tincan-cc)", eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64 ||
	    !in_file(size, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
		return fail(err, errlen, "program headers missing or outside the file (truncated image?)");

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, file + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
		switch (ph.p_type) {
		case PT_LOAD:
			if (parse_load(img, &ph, i, err, errlen))
				return -1;
			break;
		case PT_NOTE:
			if (!in_file(size, ph.p_offset, ph.p_filesz))
				return fail(err, errlen, "note segment lies outside the file (truncated image?)");
			if (parse_notes(img, &ph, err, errlen))
				return -1;
			break;
		case PT_INTERP:
		case PT_DYNAMIC: return fail(err, errlen, "dynamically linked ELF (link a static one with tincan-cc)");
		case PT_TLS:
			if (ntls++)
				return fail(err, errlen, "more than one thread-local storage segment");
			tls = ph;
			break;
		default: break;
		}
	}
	if (img->nseg == 0)
		return fail(err, errlen, "no loadable segments");
	if (sort_and_check_overlap(img, err, errlen))
		return -1;
	if (ntls && check_tls(img, &tls, err, errlen))
		return -1;

	img->entry = eh.e_entry;
	unsigned i;
	for (i = 0; i < img->nseg; i++) {
		const struct ei_segment *s = &img->seg[i];
		if (eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->memsz)
			break;
	}
	if (i == img->nseg || !(img->seg[i].perm & EI_X))
		return fail(err, errlen, "entry point 0x%llx is not in an executable segment",
			    (unsigned long long)eh.e_entry);
	return parse_symbols(img, &eh, err, errlen);
}

const char *ei_platform_name(uint32_t platform)
{
	static const char *const names[] = TC_PLATFORM_NAMES;
	return platform && platform < TC_PLATFORM_COUNT ? names[platform] : "unknown";
}

/* A mount point: "/" or "/a/b" without empty, "." or ".." components. */
static int bad_mount(const char *p)
{
	if (p[0] != '/')
		return 1;
	if (p[1] == '\0')
		return 0;
	for (const char *c = p + 1;; c++) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 1;
		if (!e)
			return 0;
		c = e;
	}
}

int ei_check_manifest(const struct tc_manifest *m, uint32_t platform, uint32_t abi_version, char *err, size_t errlen)
{
	if (!m)
		return fail(err, errlen, "no tincan manifest note (link with tincan-cc, or use tincan-mkimage)");
	if (m->magic != TC_MANIFEST_MAGIC || m->version != TC_MANIFEST_VERSION)
		return fail(err, errlen, "manifest version %u is not %u (rebuild the image)", m->version,
			    TC_MANIFEST_VERSION);
	if (!m->platform || m->platform >= TC_PLATFORM_COUNT)
		return fail(err, errlen, "manifest names unknown platform %u (rebuild the image)", m->platform);
	if (platform && m->platform != platform)
		return fail(err, errlen,
			    "image was linked for the %s platform, not %s: rebuild it with tincan-cc --platform=%s",
			    ei_platform_name(m->platform), ei_platform_name(platform), ei_platform_name(platform));
	if (platform && m->abi_version != abi_version)
		return fail(err, errlen,
			    "image was built for guest ABI v%u, this monitor speaks v%u: "
			    "rebuild it with the matching tincan-cc",
			    m->abi_version, abi_version);
	if (m->flags)
		return fail(err, errlen, "manifest has unknown flags 0x%x", m->flags);
	if (memchr(m->name, '\0', sizeof m->name) == NULL)
		return fail(err, errlen, "manifest name has no NUL");
	if (m->ndevices > TC_MFT_DEVICES_MAX)
		return fail(err, errlen, "manifest declares %u devices (at most %d)", m->ndevices, TC_MFT_DEVICES_MAX);
	for (uint32_t i = 0; i < m->ndevices; i++) {
		const struct tc_mft_device *d = &m->devices[i];
		if (memchr(d->name, '\0', sizeof d->name) == NULL || d->name[0] == '\0' ||
		    ei_bad_name(d->name, sizeof d->name))
			return fail(err, errlen, "manifest device %u has no valid name", i);
		if (d->type != TC_DEV_NET && d->type != TC_DEV_BLOCK)
			return fail(err, errlen, "manifest device '%s' has unknown type %u", d->name, d->type);
		if (d->flags)
			return fail(err, errlen, "manifest device '%s' has unknown flags 0x%x", d->name, d->flags);
	}
	for (uint32_t i = 0; i < TC_MFT_DEVICES_MAX; i++) {
		const char *mp = m->mounts[i];
		int block = i < m->ndevices && m->devices[i].type == TC_DEV_BLOCK;
		if (memchr(mp, '\0', TC_MFT_MOUNT_MAX) == NULL)
			return fail(err, errlen, "manifest mount point %u has no NUL", i);
		if (mp[0] && !block)
			return fail(err, errlen, "manifest: a mount point '%s' for entry %u, no block device", mp, i);
		if (mp[0] && bad_mount(mp))
			return fail(err, errlen,
				    "block device '%s': mount point '%s' is not /PATH without empty, . or .. parts",
				    m->devices[i].name, mp);
	}
	return 0;
}

int ei_bad_name(const char *s, size_t n)
{
	/* A bit for each character allowed: - . 0-9 A-Z _ a-z */
	static const unsigned char ok[16] = { 0,    0,	  0,	0,    0,    0x60, 0xff, 0x03,
					      0xfe, 0xff, 0xff, 0x87, 0xfe, 0xff, 0xff, 0x07 };
	for (; n && *s; n--, s++) {
		unsigned c = (unsigned char)*s;
		if (c > 127 || !(ok[c >> 3] >> (c & 7) & 1))
			return 1;
	}
	return 0;
}

const char *ei_symbolize(const struct ei_image *img, uint64_t addr, uint64_t *off)
{
	const char *best = NULL;
	uint64_t best_val = 0;

	for (size_t i = 0; i < img->nsyms; i++) {
		Elf64_Sym s;
		memcpy(&s, img->syms + i * sizeof s, sizeof s);
		if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_name >= img->strsz || s.st_value > addr)
			continue;
		if (s.st_size && addr - s.st_value < s.st_size) {
			*off = addr - s.st_value;
			return img->strtab + s.st_name;
		}
		/* Assembly functions often have no size: take the nearest below. */
		if (!s.st_size && (!best || s.st_value > best_val)) {
			best = img->strtab + s.st_name;
			best_val = s.st_value;
		}
	}
	if (best)
		*off = addr - best_val;
	return best;
}

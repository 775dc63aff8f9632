/*
 * Snapshots (docs/snapshot.md).  --snapshot=FILE: at the guest's ready
 * point (a wait with TC_EV_SNAPSHOT that would block, or one with
 * TC_EV_SNAPSHOT_NOW) write the vCPU's state, the image and the guest
 * memory that is not zero, then exit 0.  --restore=FILE: map that memory
 * copy-on-write (pages no restore writes stay shared through the page
 * cache), set the vCPU's state and run.
 *
 * The file: one header page; the image file as it was (page aligned, so
 * its large read-only segments are mapped from here as at a cold boot);
 * guest memory [0, backed) at its own page offsets, a sparse file (zero
 * pages and pages the image holds are holes); a bitmap of the pages
 * stored.  A 64-bit hash covers the header, the image, the bitmap and
 * every stored page.
 *
 * A snapshot is as untrusted as an image: the layout is planned again
 * from the header's inputs by the same code as a cold boot, every value
 * the header adds is checked against it, and of the vCPU's state only
 * what CPL3 code can set itself is taken (general registers, arithmetic
 * flags, FS/GS bases, x87/SSE state, the TSC); control registers,
 * segments and tables are built as at a cold boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"

#define PAGE TC_PAGE_SIZE
#define SNAP_VERSION 1
#define MSR_IA32_TSC 0x10
/* rflags bits CPL3 code can change: CF PF AF ZF SF TF DF OF AC ID. */
#define RFLAGS_USER 0x250dd5ULL
#define XSAVE_KEEP 576
#define MXCSR 24 /* its offset in the legacy area */

struct snap_head {
	char magic[8]; /* "tincansn" */
	uint32_t version; /* SNAP_VERSION */
	uint32_t abi; /* TC_ABI_VERSION */
	uint64_t hash; /* of the file as below, with this field 0 */
	uint64_t file_size;
	uint64_t tsc_khz; /* where it was taken (the guest re-reads its clock) */
	uint64_t mem, mem_max, stack, info_size; /* layout_plan's inputs */
	uint64_t heap_end, info_end; /* backed heap, end of the argv strings */
	uint64_t image_off, image_size, map_off, mem_off, backed;
	uint64_t tsc, fs_base, gs_base, mono_ns; /* mono_ns: the guest's CLOCK_MONOTONIC at the snapshot */
	struct kvm_regs regs;
	/* KVM_GET_XSAVE's legacy area and header: x87, SSE and which of them
	 * are in use (KVM_SET_FPU alone would leave them marked unused: the
	 * guest would resume with its SSE registers cleared). */
	uint8_t xsave[XSAVE_KEEP];
};
_Static_assert(sizeof(struct snap_head) <= PAGE, "snapshot header fits a page");

static const char magic[8] = "tincansn";
static int dirfd = -1, fd = -1;
static int ask = -1, answer = -1; /* the pipes to and from the finisher (snap_finisher) */
static char tmp[64];
static const char *name, *path;
static struct snap_head head;
static const uint8_t *fmap; /* restore: the file from the image on */

static uint64_t up(uint64_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

/* A 64-bit multiply-xorshift hash over whole 8-byte words (every part
 * hashed is a multiple of 8 bytes). */
static uint64_t hash(uint64_t h, const void *p, uint64_t n)
{
	const uint64_t *w = p;
	for (uint64_t i = 0; i < n / 8; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 31;
	}
	return h;
}

/* The whole file's: the header (hash field 0), the image, then the
 * bitmap's and the stored pages' own hashes. */
static uint64_t hash_all(struct snap_head *h, const uint8_t *image, uint64_t hb, uint64_t hm)
{
	uint64_t tail = 0, n = h->image_size;
	h->hash = 0;
	memcpy(&tail, image + (n & ~7ULL), n % 8);
	return hash(hash(hash(hash(hash(0, h, sizeof *h), image, n), &tail, 8), &hb, 8), &hm, 8);
}

/* The bitmap's bytes for backed bytes of memory: a bit a page, in 8-byte words. */
static uint64_t map_size(uint64_t backed)
{
	return ((backed / PAGE + 7) / 8 + 7) & ~7ULL;
}

static int zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	for (unsigned i = 0; i < PAGE / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

/* The whole pages of segments mapped from the image file (main.c). */
static int from_image(const struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->img.nseg; i++) {
		const struct ei_segment *s = &vm->img.seg[i];
		if (segment_mapped(s) && gpa >= s->vaddr && gpa < s->vaddr + (s->filesz & ~(PAGE - 1)))
			return 1;
	}
	return 0;
}

static void put(const void *p, uint64_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w <= 0)
			die(TC_STATUS_HOST, "%s: cannot write the snapshot: %s", path,
			    w < 0 ? strerror(errno) : "no space");
		p = (const uint8_t *)p + w;
		n -= (uint64_t)w;
		off += (uint64_t)w;
	}
}

void snap_open(const char *file)
{
	const char *slash = strrchr(file, '/');
	char dir[4096];
	size_t dl = slash ? (size_t)(slash - file) + 1 : 2;

	name = slash ? slash + 1 : file;
	path = file;
	if (!*name || strlen(name) > 40 || dl >= sizeof dir)
		die(TC_STATUS_USAGE, "--snapshot=%s: expected a file name of at most 40 bytes", file);
	memcpy(dir, slash ? file : ".", dl - 1);
	dir[dl - 1] = '\0';
	if (slash == file)
		memcpy(dir, "/", 2);
	/* Written under a temporary name and renamed at the end: a snapshot
	 * restores map is never changed under them, a failed one leaves none.
	 * Mode 0600: it holds the guest's memory, secrets and all. */
	snprintf(tmp, sizeof tmp, ".%s.%d", name, (int)getpid());
	if ((dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		die(TC_STATUS_USAGE, "--snapshot=%s: %s", file, strerror(errno));
}

/*
 * The sandboxed monitor neither renames nor removes files: a finisher
 * process, forked after the jail and before the sandbox, does one of the
 * two when asked by one byte down a pipe ('k': rename the finished file
 * into place; anything else, or the monitor gone: remove it) and answers
 * with errno (0: done).  A monitor taken over by its guest can only ask.
 */
void snap_finisher(void)
{
	int c[2], r[2];
	if (fd < 0)
		return;
	if (pipe2(c, O_CLOEXEC) < 0 || pipe2(r, O_CLOEXEC) < 0)
		die(TC_STATUS_HOST, "snapshot: pipe: %s", strerror(errno));
	pid_t pid = (pid_t)syscall(SYS_fork); /* musl's fork would bring its atfork machinery */
	if (pid < 0)
		die(TC_STATUS_HOST, "snapshot: fork: %s", strerror(errno));
	if (pid == 0) {
		char b = 0;
		close(c[1]);
		close(r[0]);
		if (read(c[0], &b, 1) != 1)
			b = 0;
		b = (char)((b == 'k' ? renameat(dirfd, tmp, dirfd, name) : unlinkat(dirfd, tmp, 0)) < 0 ? errno : 0);
		_exit(write(r[1], &b, 1) != 1);
	}
	close(c[0]);
	close(r[1]);
	ask = c[1];
	answer = r[0];
}

/* Ask the finisher (what: 'k' or 'x'); its answer, an errno or 0. */
static int finish(char what)
{
	char b = 5; /* EIO: no answer */
	if (ask < 0)
		return 0;
	if (write(ask, &what, 1) != 1 || read(answer, &b, 1) != 1)
		b = 5;
	ask = -1;
	return b;
}

void snap_abandon(void)
{
	/* Before the finisher exists the monitor is not sandboxed yet. */
	if (ask < 0 && fd >= 0)
		unlinkat(dirfd, tmp, 0);
	finish('x');
}

void snap_sandbox(struct mod_fds *f)
{
	if (ask >= 0) {
		fds_rw(f, ask, 0, 1);
		fds_rw(f, answer, 1, 0);
		f->snap = (unsigned)fd + 1;
	}
}

int snap_dir(void)
{
	return dirfd;
}

void snap_note(uint64_t mem, uint64_t mem_max, uint64_t stack, uint64_t info_size, uint64_t info_end)
{
	head.mem = mem;
	head.mem_max = mem_max;
	head.stack = stack;
	head.info_size = info_size;
	head.info_end = info_end;
}

noreturn void snap_take(struct vm *vm, uint64_t ret_gpa)
{
	struct snap_head *h = &head;
	struct kvm_sregs s;
	struct kvm_xsave x;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_IA32_TSC };

	console_flush(vm);
	memcpy(h->magic, magic, sizeof magic);
	h->version = SNAP_VERSION;
	h->abi = TC_ABI_VERSION;
	h->regs = vm->run->s.regs.regs;
	if (ioctl(vm->vcpu, KVM_GET_SREGS, &s) < 0 || ioctl(vm->vcpu, KVM_GET_XSAVE, &x) < 0 ||
	    ioctl(vm->vcpu, KVM_GET_MSRS, &m) != 1)
		die(TC_STATUS_HOST, "cannot read the vCPU's state: %s", strerror(errno));
	memcpy(h->xsave, x.region, sizeof h->xsave);
	h->fs_base = s.fs.base;
	h->gs_base = s.gs.base;
	h->tsc = m.e.data;
	h->mono_ns = now_ns(CLOCK_MONOTONIC) + vm->mono_off;
	h->tsc_khz = vm->tsc_khz;
	h->heap_end = vm->lay.heap_end;
	h->backed = vm_backed(vm);
	h->image_off = PAGE;
	h->image_size = vm->image_size;
	h->mem_off = up(PAGE + vm->image_size);
	h->map_off = h->mem_off + h->backed;
	uint64_t npages = h->backed / PAGE, mapsz = map_size(h->backed);
	h->file_size = h->map_off + mapsz;

	/* The restored guest's wait returns TC_EV_RESTORED. */
	*(uint64_t *)gm_ptr(&vm->gm, ret_gpa, 8, GM_W) = TC_EV_RESTORED;

	/* The bitmap is hashed and written 4 KiB at a time (the sandbox
	 * allows no mmap): 32,768 pages a piece. */
	uint8_t map[PAGE];
	uint64_t hm = 0, hb = 0;
	for (uint64_t p = 0; p < npages; p++) {
		const uint8_t *page = vm->mem + p * PAGE;
		if (p % (8 * PAGE) == 0)
			memset(map, 0, sizeof map);
		if (!from_image(vm, p * PAGE) && !zero(page)) {
			map[p / 8 % PAGE] |= (uint8_t)(1u << (p % 8));
			hm = hash(hash(hm, &p, 8), page, PAGE);
			put(page, PAGE, h->mem_off + p * PAGE);
		}
		if (p % (8 * PAGE) == 8 * PAGE - 1 || p == npages - 1) {
			uint64_t off = p / (8 * PAGE) * PAGE, len = mapsz - off < PAGE ? mapsz - off : PAGE;
			hb = hash(hb, map, len);
			put(map, len, h->map_off + off);
		}
	}
	put(vm->img.file, vm->image_size, h->image_off);
	h->hash = hash_all(h, vm->img.file, hb, hm);
	put(h, sizeof *h, 0);
	if (fdatasync(fd) < 0)
		die(TC_STATUS_HOST, "%s: %s", path, strerror(errno));
	int e = finish('k');
	if (e)
		die(TC_STATUS_HOST, "%s: cannot rename it into place: %s", path, strerror(e));
	dbg_quit(0); /* not quit(): the file is in place, nothing to abandon */
	_exit(0);
}

/* ---- restore ---------------------------------------------------------------- */

static noreturn void bad(const char *why)
{
	die(TC_STATUS_IMAGE, "%s: %s", path, why);
}

const uint8_t *snap_load(struct vm *vm, const char *file, size_t *size)
{
	struct snap_head *h = &head;
	struct stat *st = &vm->image_st;

	path = file;
	fd = -1;
	vm->image_fd = open(file, O_RDONLY | O_CLOEXEC);
	if (vm->image_fd < 0)
		die(errno == ENOENT || errno == EACCES ? TC_STATUS_IMAGE : TC_STATUS_HOST, "%s: %s", file,
		    strerror(errno));
	if (sys_fstat(vm->image_fd, st) < 0 || !S_ISREG(st->st_mode))
		bad("not a regular file");
	if (pread(vm->image_fd, h, sizeof *h, 0) != (ssize_t)sizeof *h || memcmp(h->magic, magic, sizeof magic))
		bad("not a tincan snapshot");
	if (h->version != SNAP_VERSION || h->abi != TC_ABI_VERSION)
		die(TC_STATUS_IMAGE,
		    "%s: snapshot format %u, guest ABI %u; this tincan-run reads format %u, ABI %u: take it again",
		    file, h->version, h->abi, SNAP_VERSION, TC_ABI_VERSION);
	if ((uint64_t)st->st_size != h->file_size)
		die(TC_STATUS_IMAGE, "%s: %llu bytes, the snapshot says %llu: truncated or damaged", file,
		    (unsigned long long)st->st_size, (unsigned long long)h->file_size);
	/* Offsets in order and page aligned, all inside the file. */
	if (h->image_off != PAGE || h->image_size > h->file_size || up(PAGE + h->image_size) != h->mem_off ||
	    h->backed % PAGE || h->backed <= TC_IMAGE_BASE || h->backed > TC_MEM_MAX ||
	    h->map_off != h->mem_off + h->backed || h->file_size != h->map_off + map_size(h->backed))
		bad("damaged snapshot (its parts do not add up)");
	*size = (size_t)h->image_size;
	vm->image_off = PAGE;
	void *p = mmap(NULL, h->file_size - PAGE, PROT_READ, MAP_PRIVATE, vm->image_fd, PAGE);
	if (p == MAP_FAILED)
		die(TC_STATUS_HOST, "%s: cannot map: %s", file, strerror(errno));
	return fmap = p;
}

void snap_layout(uint64_t *mem, uint64_t *mem_max, uint64_t *stack, uint64_t *info_size)
{
	/* As a cold boot bounds them (main.c), or tighter. */
	if (head.mem % PAGE || head.mem > TC_MEM_MAX || head.mem_max > TC_MEM_MAX || head.stack % PAGE ||
	    head.stack > TC_STACK_MAX || head.info_size > (128ULL << 10))
		bad("damaged snapshot (its header does not fit its layout)");
	*mem = head.mem;
	*mem_max = head.mem_max;
	*stack = head.stack;
	*info_size = head.info_size;
}

/* After layout_plan with the header's inputs: the rest of the header,
 * checked against that layout, and the hash. */
void snap_check(struct vm *vm)
{
	struct snap_head *h = &head;
	struct guest_layout *l = &vm->lay;
	const uint8_t *x = h->xsave;
	uint64_t bv, comp;

	memcpy(&bv, x + 512, 8);
	memcpy(&comp, x + 520, 8);
	if (h->backed != (l->grows ? h->heap_end : l->mem_size) ||
	    (l->grows ? h->heap_end < l->heap_end || h->heap_end > l->heap_max || h->heap_end % (2ULL << 20)
		      : h->heap_end != l->heap_end) ||
	    h->info_end < l->info + sizeof(struct tc_boot_info) || h->info_end > l->info + h->info_size)
		bad("damaged snapshot (its header does not fit its layout)");
	/* Only x87 and SSE state, in the standard format. */
	if (bv & ~3ULL || comp)
		bad("damaged snapshot (its vCPU state)");
	uint64_t want = h->hash, npages = h->backed / PAGE, hm = 0;
	const uint8_t *map = fmap + (h->map_off - PAGE), *mem = fmap + (h->mem_off - PAGE);
	for (uint64_t p = 0; p < npages; p++)
		if (map[p / 8] >> (p % 8) & 1)
			hm = hash(hash(hm, &p, 8), mem + p * PAGE, PAGE);
	uint64_t hb = hash(0, map, h->file_size - h->map_off);
	if (hash_all(h, vm->img.file, hb, hm) != want)
		bad("damaged snapshot (checksum mismatch)");
	/* Only the pages read for the check are dropped from our page tables. */
	madvise((void *)(uintptr_t)fmap, h->file_size - PAGE, MADV_DONTNEED);
	if (l->grows && h->heap_end > l->heap_end)
		layout_grow(l, NULL, h->heap_end);
}

/* After vm_create: the pages the file stores, copy-on-write from it, from
 * TC_IMAGE_BASE up (every other page is zero, or the image's: main.c maps
 * those; the GDT and page tables below are built as at a cold boot). */
void snap_map(struct vm *vm)
{
	struct snap_head *h = &head;
	const uint8_t *map = fmap + (h->map_off - PAGE);
	uint64_t npages = h->backed / PAGE;
	for (uint64_t p = TC_IMAGE_BASE / PAGE, run; p < npages; p += run + 1) {
		for (run = 0; p + run < npages && (map[(p + run) / 8] >> ((p + run) % 8) & 1); run++) {
		}
		if (run && mmap(vm->mem + p * PAGE, run * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
				vm->image_fd, (off_t)(h->mem_off + p * PAGE)) == MAP_FAILED)
			die(TC_STATUS_HOST, "%s: cannot map guest memory: %s", path, strerror(errno));
	}
	vm->fs_base = h->fs_base;
	vm->gs_base = h->gs_base;
}

/* After the tables are built: the guard pages the snapshot's guest had,
 * armed again.  The snapshot's own tables are only read, through the
 * file's mapping and within the monitor's low pages: a heap page its
 * 4 KiB table marks not present becomes a guard page (guard.c), nothing
 * else is taken from them. */
void snap_guards(struct vm *vm)
{
	const struct guest_layout *l = &vm->lay;
	const uint8_t *old = fmap + (head.mem_off - PAGE);
	const uint64_t *pdpt = (const uint64_t *)(vm->mem + l->pml4 + PAGE);
	for (uint64_t c = l->heap_start & ~((2ULL << 20) - 1); c < l->heap_end; c += 2ULL << 20) {
		uint64_t pd = pdpt[c >> 30] & PTE_ADDR, e, t;
		memcpy(&e, old + pd + (c >> 21) % 512 * 8, 8);
		t = e & PTE_ADDR;
		if ((e & PTE_PS) || !(e & PTE_P) || t < PAGE || t >= TC_IMAGE_BASE)
			continue;
		for (unsigned i = 0; i < 512; i++) {
			struct tc_hc_guard g = { c + i * PAGE, 1, 0 };
			uint64_t pte;
			memcpy(&pte, old + t + i * 8, 8);
			if (!(pte & PTE_P) && g.addr >= l->heap_start && g.addr < l->heap_end)
				hc_guard(vm, &g);
		}
	}
}

void snap_vcpu(struct vm *vm)
{
	struct snap_head *h = &head;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_IA32_TSC, .e.data = h->tsc };

	struct kvm_xsave x = { 0 };
	memcpy(x.region, h->xsave, sizeof h->xsave);
	x.region[MXCSR / 4] &= 0xffff;
	h->regs.rflags = (h->regs.rflags & RFLAGS_USER) | 2;
	vm->run->s.regs.regs = h->regs;
	vm->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	if (ioctl(vm->vcpu, KVM_SET_XSAVE, &x) < 0 || ioctl(vm->vcpu, KVM_SET_MSRS, &m) != 1)
		die(TC_STATUS_HOST, "cannot set the vCPU's state: %s", strerror(errno));
}

/* The guest's monotonic clock is the host's, but a host whose clock is
 * behind the snapshot's (another host, a reboot) would take it backwards:
 * then it runs ahead of the host's by the difference, and the wait
 * hypercall takes that off the guest's deadlines (core.c). */
void snap_clock(struct vm *vm, struct tc_boot_info *bi)
{
	if (head.mono_ns > bi->mono_ns_base) {
		vm->mono_off = head.mono_ns - bi->mono_ns_base;
		bi->mono_ns_base += vm->mono_off;
		bi->mono_ns_start += vm->mono_off;
	}
}

uint64_t snap_info_end(void)
{
	return head.info_end;
}

/* A restore attaches the devices the snapshot's guest had, by name (its
 * drivers and file systems hold their state). */
void snap_devices(const struct tc_boot_info *old, const struct tc_boot_info *bi)
{
	static const char *const kind[3] = { "net (--net)", "block (--block)", "host directory (--dir)" };
	unsigned k = 3, have = 0, want = 0;
	if (old->nnet != bi->nnet)
		k = 0;
	for (unsigned i = 0; k == 3 && i < bi->nnet; i++)
		if (strncmp(old->net[i].name, bi->net[i].name, sizeof bi->net[i].name))
			k = 0;
	if (k == 3 && old->nblk != bi->nblk)
		k = 1;
	for (unsigned i = 0; k == 3 && i < bi->nblk; i++)
		if (strncmp(old->blk[i].name, bi->blk[i].name, sizeof bi->blk[i].name))
			k = 1;
	if (k == 3 && old->ndir != bi->ndir)
		k = 2;
	for (unsigned i = 0; k == 3 && i < bi->ndir; i++)
		if (strncmp(old->dir[i].path, bi->dir[i].path, sizeof bi->dir[i].path))
			k = 2;
	if (k == 3)
		return;
	have = k == 0 ? old->nnet : k == 1 ? old->nblk : old->ndir;
	want = k == 0 ? bi->nnet : k == 1 ? bi->nblk : bi->ndir;
	die(TC_STATUS_USAGE, "%s: the snapshot's guest has %u %s device%s, this restore %u%s: attach the same ones",
	    path, have, kind[k], have == 1 ? "" : "s", want, have == want ? " of other names" : "");
}

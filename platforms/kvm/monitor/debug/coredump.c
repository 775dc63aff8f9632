/*
 * --core=FILE (or a directory: core.IMAGE.PID in it) and --core-max=SIZE:
 * an ELF core of a guest that faults, panics or breaks the ABI, which
 * `gdb APP.tc FILE` opens.  Its directory is opened before the jail (which
 * may chroot), a hidden temporary .NAME.tmp made in it before the sandbox
 * (no openat after it), written on the fault and renamed to NAME (never
 * over a file that exists), removed on every other end.  The core holds the registers (NT_PRSTATUS, gdb's
 * x86-64 user_regs_struct order), the process name (NT_PRPSINFO), the
 * image's manifest and the reason ("TINCAN" notes), and the guest memory
 * at the addresses the guest sees (identity mapped): read-only image
 * segments are left to the image file (gdb reads them there), pages all
 * zero are segments without contents (gdb reads zeros), and over the cap
 * the memory furthest from the stack goes first (see cap()).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/procfs.h>
#include <sys/user.h>
#include <time.h>

#include "../module.h"
#include "../monitor.h"
#include "size.h"

#define PAGE 4096ULL
#define SEG_MAX 1024 /* program headers at most (56 KiB) */
#define GAP_PAGES 4 /* zero runs this short stay inside the data around them */
#define CORE_MAX_DEFAULT (256ULL << 20)
#define CORE_MAX_MIN (1ULL << 20) /* room for the headers and notes, and a stack */
#define NOTES_MAX 4096
#define CHUNK (8ULL << 20) /* a pwrite at most */

static const char *path; /* --core */
static uint64_t core_max = CORE_MAX_DEFAULT, max_set;
static int dfd = -1, tfd = -1, busy, keep; /* keep: the file is named, or left for the operator */
static char dir[4096], name[256], tmp[260], shown[4400]; /* shown: dir/name */
static int pid;

static int parse_core(const char *v, char *err, size_t errlen)
{
	if (!*v || strlen(v) >= sizeof dir - 1) {
		snprintf(err, errlen, "--core: a file or directory name");
		return -1;
	}
	path = v;
	return 0;
}

static int parse_max(const char *v, char *err, size_t errlen)
{
	if (parse_size(v, &core_max) < 0 || core_max < CORE_MAX_MIN) {
		snprintf(err, errlen, "--core-max: a size of at least 1M (like 64M, 2G): %s", v);
		return -1;
	}
	max_set = 1;
	return 0;
}

/* The image's file name, made a safe part of a file name. */
static void image_name(const char *img, char *out, size_t len)
{
	const char *b = strrchr(img, '/');
	size_t k = 0;
	for (b = b ? b + 1 : img; *b && k + 1 < len; b++)
		out[k++] = (*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9') ||
				   *b == '.' || *b == '-' || *b == '_'
			       ? *b
			       : '_';
	out[k] = 0;
}

/* Before the jail (it may chroot): the directory and the name. */
static void core_open(struct vm *vm, struct tc_boot_info *bi)
{
	(void)bi;
	struct stat st;
	size_t n;

	if (!path) {
		if (max_set)
			die(TC_STATUS_USAGE, "--core-max needs --core (try tincan-run --help)");
		return;
	}
	pid = getpid();
	n = strlen(path);
	if (path[n - 1] == '/' || (sys_stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		char img[64];
		image_name(vm->image_path, img, sizeof img);
		snprintf(dir, sizeof dir, "%s", path);
		snprintf(name, sizeof name, "core.%s.%d", img, pid);
	} else {
		const char *s = strrchr(path, '/');
		if (s && strlen(s + 1) >= sizeof name - 8)
			die(TC_STATUS_USAGE, "--core: the file name is too long: %s", path);
		if (!s)
			snprintf(dir, sizeof dir, ".");
		else
			snprintf(dir, sizeof dir, "%.*s", s == path ? 1 : (int)(s - path), path);
		snprintf(name, sizeof name, "%s", s ? s + 1 : path);
		if (strlen(name) >= sizeof name - 8)
			die(TC_STATUS_USAGE, "--core: the file name is too long: %s", path);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die(TC_STATUS_HOST, "--core: cannot open the directory %s: %m", dir);
	n = strlen(dir);
	snprintf(shown, sizeof shown, "%s%s%s", strcmp(dir, ".") ? dir : "",
		 strcmp(dir, ".") && dir[n - 1] != '/' ? "/" : "", name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		die(TC_STATUS_HOST, "--core: %s exists: a core never replaces a file (remove it, or give a directory)",
		    shown);
	dbg_owner_dir(dfd);
}

/* After the jail, before the sandbox: the temporary file, made by the
 * jail's user (--user, or the directory's owner when run as root), who
 * must be able to rename or remove it at the end. */
static void core_start(struct vm *vm)
{
	(void)vm;
	if (dfd < 0)
		return;
	snprintf(tmp, sizeof tmp, ".%s.tmp", name);
	/* The run holds a lock on its temporary file: one nobody holds was
	 * left by a run that was killed (SIGKILL), and goes. */
	for (int again = 0; (tfd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 &&
			    errno == EEXIST && !again;
	     again++) {
		int old = openat(dfd, tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (old >= 0 && flock(old, LOCK_EX | LOCK_NB) < 0)
			die(TC_STATUS_HOST, "--core: %s's temporary file %s is in use: another run writes that core",
			    shown, tmp);
		if (old >= 0)
			close(old);
		unlinkat(dfd, tmp, 0);
	}
	if (tfd < 0)
		die(TC_STATUS_HOST,
		    "--core: cannot create a file in %s as uid %u: %m (started as root, the monitor runs as the "
		    "directory's owner, nobody for root's, unless --user)",
		    dir, (unsigned)getuid());
	if (flock(tfd, LOCK_EX | LOCK_NB) < 0)
		die(TC_STATUS_HOST, "--core: cannot lock %s: %m", tmp);
}

static void core_fds(struct mod_fds *f)
{
	if (tfd < 0)
		return;
	fds_file(f, tfd);
	fds_wdir(f, dfd);
}

/* ---- the core ---------------------------------------------------------- */

struct seg {
	uint64_t va, len, off, filesz;
	unsigned perm; /* GM_R/W/X: the same bits as PF_R/W/X */
	int data; /* 0: all zero (no contents) */
	int stack; /* in the region of rsp: kept first under the cap */
};
static struct seg seg[SEG_MAX];
static unsigned nseg;

static int zero_page(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	for (unsigned i = 0; i < PAGE / 8; i += 4)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3])
			return 0;
	return 1;
}

/* Read-only memory the image file holds as it is (gdb reads it there). */
static int from_image(const struct vm *vm, const struct gm_region *r)
{
	if (r->perm & GM_W)
		return 0;
	for (unsigned i = 0; i < vm->img.nseg; i++) {
		const struct ei_segment *s = &vm->img.seg[i];
		uint64_t end = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
		if (!(s->perm & EI_W) && s->vaddr <= r->start && r->end <= end)
			return 1;
	}
	return 0;
}

static void add(uint64_t va, uint64_t len, unsigned perm, int data, int stack)
{
	struct seg *l = nseg ? &seg[nseg - 1] : NULL;
	if (l && l->va + l->len == va && l->perm == perm && l->data == data && l->stack == stack) {
		l->len += len;
		return;
	}
	/* data, a short zero run, data: one segment (its zero pages stay holes in the file) */
	if (data && nseg >= 2 && !l->data && l->len <= GAP_PAGES * PAGE && l->va + l->len == va && l->perm == perm &&
	    l->stack == stack && seg[nseg - 2].data && seg[nseg - 2].perm == perm && seg[nseg - 2].stack == stack &&
	    seg[nseg - 2].va + seg[nseg - 2].len == l->va) {
		seg[nseg - 2].len += l->len + len;
		nseg--;
		return;
	}
	seg[nseg++] = (struct seg){ .va = va, .len = len, .perm = perm, .data = data, .stack = stack };
}

/* The guest's memory as segments: data runs and zero runs, page by page. */
static void segments(const struct vm *vm, uint64_t rsp)
{
	const struct guest_layout *l = &vm->lay;
	nseg = 0;
	for (unsigned i = 0; i < l->nregion; i++) {
		const struct gm_region *r = &l->region[i];
		if (r->perm & GM_SUPER)
			continue;
		int stack = rsp >= r->start && rsp < r->end;
		if (from_image(vm, r) || nseg + (l->nregion - i) + 2 >= SEG_MAX) {
			/* From the image, or too many pieces already: one segment. */
			add(r->start, r->end - r->start, r->perm, !from_image(vm, r), stack);
			continue;
		}
		for (uint64_t a = r->start; a < r->end; a += PAGE) {
			if (nseg + (l->nregion - i) + 2 >= SEG_MAX) {
				add(a, r->end - a, r->perm, 1, stack);
				break;
			}
			int zero = zero_page(vm->mem + a);
			if (zero && guard_at(vm, a))
				continue; /* a thread stack's guard page: not in the core (gdb cannot read it) */
			add(a, PAGE, r->perm, !zero, stack);
		}
	}
}

/* Fit the data in cap bytes from off on: the stack's region first, then
 * the rest by address; what does not fit goes (a segment cut at its tail,
 * the segments after it dropped).  Returns the bytes of memory left out. */
static uint64_t cap(uint64_t off, uint64_t cap_bytes)
{
	uint64_t room = cap_bytes > off ? (cap_bytes - off) & ~(PAGE - 1) : 0, out = 0;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < nseg; i++) {
			struct seg *s = &seg[i];
			if (!s->data || s->stack != !pass)
				continue;
			s->filesz = s->len < room ? s->len : room;
			room -= s->filesz;
			out += s->len - s->filesz;
			s->len = s->filesz; /* a cut segment ends where its contents do */
		}
	unsigned k = 0;
	for (unsigned i = 0; i < nseg; i++)
		if (seg[i].len)
			seg[k++] = seg[i];
	nseg = k;
	return out;
}

static uint8_t notes[NOTES_MAX];
static size_t nlen;

static void note(const char *owner, uint32_t type, const void *desc, size_t len)
{
	Elf64_Nhdr h = { (uint32_t)strlen(owner) + 1, (uint32_t)len, type };
	size_t nsz = (h.n_namesz + 3) & ~3u, dsz = (len + 3) & ~(size_t)3;
	if (nlen + sizeof h + nsz + dsz > sizeof notes)
		return;
	memcpy(notes + nlen, &h, sizeof h);
	memset(notes + nlen + sizeof h, 0, nsz + dsz);
	memcpy(notes + nlen + sizeof h, owner, h.n_namesz);
	memcpy(notes + nlen + sizeof h + nsz, desc, len);
	nlen += sizeof h + nsz + dsz;
}

/* The "TINCAN" notes' types ("TC" and a number: bfd and readelf take
 * small numbers for registers, whatever the owner). */
#define NT_TINCAN_MANIFEST 0x54430001 /* struct tc_manifest, as in the image */
#define NT_TINCAN_REASON 0x54430002 /* the monitor's fault line */
#define NT_TINCAN_CAPPED 0x54430003 /* what --core-max left out */

static int cursig(int status, const char *why)
{
	if (status == TC_STATUS_PANIC)
		return SIGABRT;
	if (status == TC_STATUS_ABI)
		return SIGSYS;
	if (strstr(why, "invalid opcode"))
		return SIGILL;
	if (strstr(why, "breakpoint"))
		return SIGTRAP;
	return SIGSEGV;
}

static void prstatus(const struct vm *vm, int sig, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	struct elf_prstatus p;
	struct user_regs_struct u = {
		.r15 = r->r15,
		.r14 = r->r14,
		.r13 = r->r13,
		.r12 = r->r12,
		.rbp = r->rbp,
		.rbx = r->rbx,
		.r11 = r->r11,
		.r10 = r->r10,
		.r9 = r->r9,
		.r8 = r->r8,
		.rax = r->rax,
		.rcx = r->rcx,
		.rdx = r->rdx,
		.rsi = r->rsi,
		.rdi = r->rdi,
		.orig_rax = ~0ULL,
		.rip = r->rip,
		.cs = s->cs.selector,
		.eflags = r->rflags,
		.rsp = r->rsp,
		.ss = s->ss.selector,
		.fs_base = s->fs.base,
		.gs_base = s->gs.base,
		.ds = s->ds.selector,
		.es = s->es.selector,
		.fs = s->fs.selector,
		.gs = s->gs.selector,
	};
	_Static_assert(sizeof u == sizeof p.pr_reg, "user_regs_struct is elf_gregset_t");
	(void)vm;
	memset(&p, 0, sizeof p);
	p.pr_info.si_signo = p.pr_cursig = (short)sig;
	p.pr_pid = p.pr_pgrp = p.pr_sid = 1;
	memcpy(&p.pr_reg, &u, sizeof u);
	note("CORE", NT_PRSTATUS, &p, sizeof p);
}

static void prpsinfo(const struct vm *vm)
{
	struct elf_prpsinfo p;
	memset(&p, 0, sizeof p);
	p.pr_state = 2;
	p.pr_sname = 'D';
	p.pr_pid = p.pr_pgrp = p.pr_sid = 1;
	char img[64];
	image_name(vm->image_path, img, sizeof img);
	snprintf(p.pr_fname, sizeof p.pr_fname, "%s", img);
	snprintf(p.pr_psargs, sizeof p.pr_psargs, "%s", vm->image_path);
	note("CORE", NT_PRPSINFO, &p, sizeof p);
}

/* Write len bytes at off, all of them. */
static int put(const void *buf, uint64_t len, uint64_t off)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t k = pwrite(tfd, p, len < CHUNK ? len : CHUNK, (off_t)off);
		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			if (!k)
				errno = EIO;
			return -1;
		}
		p += k, len -= (uint64_t)k, off += (uint64_t)k;
	}
	return 0;
}

/* A data segment's pages, its zero pages left as holes. */
static int put_seg(const struct vm *vm, const struct seg *s)
{
	uint64_t a = s->va, end = s->va + s->filesz;
	while (a < end) {
		while (a < end && zero_page(vm->mem + a))
			a += PAGE;
		uint64_t b = a;
		while (b < end && !zero_page(vm->mem + b))
			b += PAGE;
		if (b > a && put(vm->mem + a, b - a, s->off + (a - s->va)) < 0)
			return -1;
		a = b;
	}
	return 0;
}

static uint8_t head[sizeof(Elf64_Ehdr) + (SEG_MAX + 1) * sizeof(Elf64_Phdr)];

static int write_core(struct vm *vm, int status, const char *why, uint64_t *size, uint64_t *dropped)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(vm->vcpu, KVM_GET_REGS, &r) < 0 || ioctl(vm->vcpu, KVM_GET_SREGS, &s) < 0)
		return -1;

	segments(vm, r.rsp);
	nlen = 0;
	prstatus(vm, cursig(status, why), &r, &s);
	prpsinfo(vm);
	if (vm->img.manifest)
		note("TINCAN", NT_TINCAN_MANIFEST, &vm->img.manifest_copy, sizeof vm->img.manifest_copy);
	note("TINCAN", NT_TINCAN_REASON, why, strlen(why) + 1);
	/* Room for the capped note before the cap is known. */
	size_t capped_at = nlen;
	char capmsg[160];
	memset(capmsg, 0, sizeof capmsg);
	note("TINCAN", NT_TINCAN_CAPPED, capmsg, sizeof capmsg);

	uint64_t phoff = sizeof(Elf64_Ehdr), noff = phoff + (uint64_t)(nseg + 1) * sizeof(Elf64_Phdr);
	uint64_t doff = (noff + nlen + PAGE - 1) & ~(PAGE - 1);
	*dropped = cap(doff, core_max);
	uint64_t off = doff;
	for (unsigned i = 0; i < nseg; i++) {
		seg[i].off = seg[i].data ? off : doff;
		if (!seg[i].data)
			seg[i].filesz = 0;
		off += seg[i].filesz;
	}
	*size = off;
	if (!*dropped)
		nlen = capped_at; /* nothing left out: no such note */
	else {
		snprintf(capmsg, sizeof capmsg,
			 "--core-max=%llu: %llu KiB of guest memory left out, furthest from the stack",
			 (unsigned long long)core_max, (unsigned long long)(*dropped >> 10));
		size_t nsz = (sizeof "TINCAN" + 3) & ~3u;
		memcpy(notes + capped_at + sizeof(Elf64_Nhdr) + nsz, capmsg, sizeof capmsg);
	}

	Elf64_Ehdr *e = (Elf64_Ehdr *)head;
	memset(head, 0, sizeof head);
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_ident[EI_OSABI] = ELFOSABI_NONE;
	e->e_type = ET_CORE;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_phoff = phoff;
	e->e_ehsize = sizeof *e;
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = (uint16_t)(nseg + 1);
	Elf64_Phdr *ph = (Elf64_Phdr *)(head + phoff);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = noff, .p_filesz = nlen, .p_align = 4 };
	for (unsigned i = 0; i < nseg; i++)
		ph[i + 1] = (Elf64_Phdr){ .p_type = PT_LOAD,
					  .p_flags = seg[i].perm & (PF_R | PF_W | PF_X),
					  .p_offset = seg[i].off,
					  .p_vaddr = seg[i].va,
					  .p_memsz = seg[i].len,
					  .p_filesz = seg[i].filesz,
					  .p_align = PAGE };
	if (ftruncate(tfd, 0) < 0 || put(head, noff, 0) < 0 || put(notes, nlen, noff) < 0)
		return -1;
	for (unsigned i = 0; i < nseg; i++)
		if (seg[i].filesz && put_seg(vm, &seg[i]) < 0)
			return -1;
	return ftruncate(tfd, (off_t)off);
}

static void core_fatal(struct vm *vm, int status, const char *why)
{
	if (tfd < 0 || busy++)
		return;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), size = 0, dropped = 0;
	if (write_core(vm, status, why, &size, &dropped) < 0) {
		msg("core: cannot write %s: %m (no core)", shown);
		return; /* core_quit removes the file */
	}
	if (syscall(SYS_renameat2, dfd, tmp, dfd, name, 1 /* RENAME_NOREPLACE */) < 0) {
		msg("core: cannot name it %s (%m): it is %s in %s", shown, tmp, dir);
		keep = 1;
		return;
	}
	keep = 1;
	uint64_t ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
	if (dropped)
		msg("core: %s, %llu KiB in %llu ms; --core-max left out %llu KiB of guest memory", shown,
		    (unsigned long long)(size >> 10), (unsigned long long)ms, (unsigned long long)(dropped >> 10));
	else
		msg("core: %s, %llu KiB in %llu ms", shown, (unsigned long long)(size >> 10), (unsigned long long)ms);
}

/* Every end: no temporary file left (a clean end, --timeout, a signal,
 * a core that could not be written or was cut short by a SIGBUS). */
static void core_quit(struct vm *vm, int status)
{
	(void)vm;
	(void)status;
	if (tfd >= 0 && !keep) {
		keep = 1;
		unlinkat(dfd, tmp, 0);
	}
}

static const struct mod_option core_options[] = {
	{ "--core", parse_core },
	{ "--core-max", parse_max },
	{ NULL, NULL },
};

const struct module core_module = {
	.options = core_options,
	.usage =
	    "  --core=FILE|DIR/      on a guest fault, panic or ABI breach write an ELF core there (gdb IMAGE FILE);\n"
	    "                        in a directory: core.IMAGE.PID; a file that exists is refused\n"
	    "  --core-max=SIZE       the core's size at most (default 256M): zero pages are never written, and\n"
	    "                        over the cap the memory furthest from the stack is left out\n",
	.open = core_open,
	.start = core_start,
	.fds = core_fds,
	.on_fatal = core_fatal,
	.on_quit = core_quit,
};

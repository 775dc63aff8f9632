/*
 * tincan-run: boot a tincan image as a KVM guest.
 *
 *   tincan-run [--mem=SIZE] [--mem-max=SIZE] [--env=K=V]... [--stats] [DEVICE OPTIONS] IMAGE [--] [ARGS...]
 *
 * Device options (--net=[NAME:]TAP, --net-mac=[NAME:]MAC, --ip=ADDR/PREFIX,
 * --gw=ADDR) come from the device modules (modules.c); --help lists them.
 *
 * Order: the command line; every host file opened (image, /dev/kvm, the
 * modules'); the jail (jail.c); only then the image is parsed and laid out,
 * and everything that can fail because of it is checked before a VM is
 * created; the guest is loaded; the sandbox (seccomp.c); the run.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"
#include "options.h"

#ifndef TINCAN_VERSION
#define TINCAN_VERSION "dev"
#endif

#define MEM_DEFAULT (8ULL << 20)
#define ARGS_MAX (64ULL << 10)
#define IMAGE_MAX (1LL << 30)

static const char *sigbus_path;

static void on_sigbus(int sig)
{
	(void)sig;
	char m[300];
	int n = snprintf(m, sizeof m, "tincan-run: %s changed while it was being read\n", sigbus_path);
	if (write(2, m, n > 0 ? (size_t)n : 0) < 0) {
		/* nothing more to do */
	}
	quit(TC_STATUS_IMAGE);
}

/* The image file stays open and mapped for the whole run: a fault report
 * reads its symbols from there (fault.c), and only then, so an idle run
 * keeps no copy of them.  st is what the file was when it was read. */
static const uint8_t *map_image(struct vm *vm, const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat *st = &vm->image_st;

	if (fd < 0)
		die(errno == ENOENT || errno == EACCES ? TC_STATUS_IMAGE : TC_STATUS_HOST, "%s: %s", path,
		    strerror(errno));
	if (sys_fstat(fd, st) < 0)
		die(TC_STATUS_HOST, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st->st_mode))
		die(TC_STATUS_IMAGE, "%s: not a regular file", path);
	*size = (size_t)st->st_size;
	if (st->st_size == 0)
		return (const uint8_t *)"";
	if (st->st_size > IMAGE_MAX)
		die(TC_STATUS_IMAGE, "%s: %lld bytes is larger than any image (%llu MiB)", path, (long long)st->st_size,
		    (unsigned long long)(IMAGE_MAX >> 20));
	/* A file mapping is the cheapest way in (reading it all costs ~40 us of
	 * boot).  If the file shrinks under us, touching the mapping raises
	 * SIGBUS: say what happened instead of dying of it (fault.c checks
	 * the file before it reads symbols, so a report meets none).  main
	 * sets the handler, for a snapshot's file too. */
	void *p = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die(TC_STATUS_HOST, "%s: cannot map: %s", path, strerror(errno));
	vm->image_fd = fd;
	return p;
}

/* Bytes the boot info area needs for these arguments and environment. */
static uint64_t info_size(const struct options *o)
{
	uint64_t n = sizeof(struct tc_boot_info) + 8 * ((uint64_t)o->argc + 1 + (uint64_t)o->envc + 1);
	for (int i = 0; i < o->argc; i++)
		n += strlen(o->argv[i]) + 1;
	for (int i = 0; i < o->envc; i++)
		n += strlen(o->envp[i]) + 1;
	return n;
}

/* Copy strings into the boot info area; returns the guest address of the
 * NULL-terminated pointer array. */
static uint64_t put_strings(uint8_t *mem, uint64_t *cursor, uint64_t *strs, char **v, int n)
{
	uint64_t arr = *cursor;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;
		memcpy(mem + *strs, v[i], len);
		memcpy(mem + arr + 8 * (uint64_t)i, strs, 8);
		*strs += len;
	}
	memset(mem + arr + 8 * (uint64_t)n, 0, 8);
	*cursor += 8 * ((uint64_t)n + 1);
	return arr;
}

/* Read-only segments at least this big (an embedded file tree) are mapped
 * from the image file rather than copied: the guest then pays, page by
 * page, only for what it reads, and boot costs no copy. */
#define MAP_SEGMENT_MIN (64ULL << 10)

int segment_mapped(const struct ei_segment *s)
{
	return !(s->perm & EI_W) && (s->filesz & ~(TC_PAGE_SIZE - 1)) >= MAP_SEGMENT_MIN &&
	       s->offset % TC_PAGE_SIZE == 0 && s->vaddr % TC_PAGE_SIZE == 0;
}

/* copy 0: a restore's, whose memory has the rest. */
static void load_segments(struct vm *vm, int copy)
{
	for (unsigned i = 0; i < vm->img.nseg; i++) {
		const struct ei_segment *s = &vm->img.seg[i];
		/* The layout check put every segment inside guest memory. */
		uint64_t whole = s->filesz & ~(TC_PAGE_SIZE - 1), done = 0;
		if (segment_mapped(s)) {
			/* Private: a page the guest could write (it cannot: the
			 * segment is read-only in its page tables) would be its
			 * own copy.  The partial last page is copied, so what
			 * follows the segment in the file never shows. */
			if (mmap(vm->mem + s->vaddr, whole, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
				 vm->image_fd, (off_t)(vm->image_off + s->offset)) == MAP_FAILED)
				die(TC_STATUS_HOST, "%s: cannot map a segment: %s", vm->image_path, strerror(errno));
			done = whole;
		}
		if (copy)
			memcpy(vm->mem + s->vaddr + done, vm->img.file + s->offset + done, s->filesz - done);
	}
	/* The pages read so far are the page cache's: let them go from our
	 * page tables (a fault report maps back what it reads). */
	madvise((void *)(uintptr_t)vm->img.file, vm->image_size, MADV_DONTNEED);
}

/* Room kept in a snapshot's boot info area for a restore's --env. */
#define ENV_ROOM (16ULL << 10)

int main(int argc, char **argv)
{
	uint64_t mono_start = boot_now_ns(CLOCK_MONOTONIC);
	struct options o;
	struct vm vm;
	char err[512];

	host_signals_block();
	argv = binfmt_args(&argc, argv);
	memset(&vm, 0, sizeof vm);
	/* If we were started with fd 0, 1 or 2 closed, /dev/kvm or the image
	 * would land there and the guest's console would reach it: fill the gaps. */
	for (int fd = 0; fd < 3; fd++)
		if (sys_fcntl(fd, F_GETFD, 0) < 0 && open("/dev/null", O_RDWR) != fd)
			die(TC_STATUS_HOST, "cannot open /dev/null for closed fd %d", fd);
	int parsed = options_parse(&o, argc, argv, modules, err, sizeof err);
#ifndef TINCAN_DEBUG
	/* --help's text and the debug options (--stats, --gdb ...) are
	 * tincan-run-debug's: run it, beside this binary, on the same command
	 * line; it gives the same error for an option neither knows. */
	if (parsed == OPT_HELP || (parsed == OPT_ERROR && memcmp(err, "unknown option", 14) == 0)) {
		char p[4096];
		ssize_t k = readlink("/proc/self/exe", p, sizeof p - 8);
		if (k > 0) {
			memcpy(p + k, "-debug", 7);
			execv(p, argv);
		}
	}
#endif
	switch (parsed) {
	case OPT_HELP: options_usage(1, modules); return 0;
	case OPT_VERSION: {
		/* snprintf, not printf: the monitor carries no stdio formatting (format.c). */
		char v[128];
		int n = snprintf(v, sizeof v, "tincan-run %s (guest ABI v%d)\n", TINCAN_VERSION, TC_ABI_VERSION);
		if (write(1, v, (size_t)n) < 0)
			return 1;
		return 0;
	}
	case OPT_ERROR:
		die(TC_STATUS_USAGE, "%s (try tincan-run --help)", err);
	default: break;
	}
	vm.image_path = o.image;
	vm.timeout_ns = o.timeout_ns;
	vm.grace_ns = o.grace_ns;
	vm.console.rate = o.rate[0];
	vm.net_rate = o.rate[1];
	/* A closed pipe or a full file-size limit must show up as an error to
	 * the guest, not kill us. */
	sys_signal(SIGPIPE, SIG_IGN);
	sys_signal(SIGXFSZ, SIG_IGN);

	size_t size;
	const uint8_t *file;
	sys_signal(SIGBUS, on_sigbus);
	if (o.restore) {
		if (o.ignored)
			msg("--restore: the arguments after it are ignored (the guest keeps the snapshot's)");
		vm.image_path = sigbus_path = o.restore;
		file = snap_load(&vm, o.restore, &size);
	} else {
		if ((vm.snap = o.snapshot != NULL))
			snap_open(o.snapshot);
		sigbus_path = o.image;
		file = map_image(&vm, o.image, &size);
	}
	struct tc_boot_info bi = { 0 };
	vm_open(&vm);
	modules_open(&vm, &bi);
	jail_enter(&vm, &o);
	snap_finisher();

	/* The pc platform's images (tincan-mkimage --iso) boot elsewhere. */
	if (size > 0x8006 && memcmp(file + 0x8001, "CD001", 5) == 0)
		die(TC_STATUS_IMAGE, "%s is a bootable ISO: boot it with qemu-system-x86_64 -cdrom %s (or see README)",
		    vm.image_path, vm.image_path);
	if (ei_parse(file, size, &vm.img, err, sizeof err) < 0 ||
	    ei_check_manifest(vm.img.manifest, TC_PLATFORM_KVM, TC_ABI_VERSION, err, sizeof err) < 0) {
		if (vm.img.manifest && vm.img.manifest->platform == TC_PLATFORM_PC)
			die(TC_STATUS_IMAGE,
			    "%s was linked for the pc platform: make it a bootable ISO with tincan-mkimage "
			    "--iso=OUT.iso, or relink it with tincan-cc --platform=kvm",
			    vm.image_path);
		die(TC_STATUS_IMAGE, "%s: %s", vm.image_path, err);
	}

	uint64_t mem = o.mem, mem_max = o.mem_max, stack, isz;
	if (o.restore) {
		snap_layout(&mem, &mem_max, &stack, &isz);
		goto plan;
	}
	const struct tc_manifest *m = vm.img.manifest;
	if (m->mem % TC_PAGE_SIZE || m->mem > TC_MEM_MAX)
		die(TC_STATUS_IMAGE,
		    "%s: manifest memory %llu is not a page multiple up to %llu MiB (fix it with tincan-mkimage --mem)",
		    o.image, (unsigned long long)m->mem, (unsigned long long)(TC_MEM_MAX >> 20));
	if (m->stack % TC_PAGE_SIZE || m->stack > TC_STACK_MAX)
		die(TC_STATUS_IMAGE,
		    "%s: manifest stack %llu is not a page multiple up to %llu MiB (fix it with tincan-mkimage "
		    "--stack)",
		    o.image, (unsigned long long)m->stack, (unsigned long long)(TC_STACK_MAX >> 20));
	/* The manifest chooses memory (and so the stack in it) only within
	 * the operator's cap: --mem-max, or its 1G default. */
	uint64_t cap = o.mem_max ? o.mem_max : MEM_MAX_DEFAULT;
	if (!mem && m->mem > cap)
		die(TC_STATUS_IMAGE, "%s: its manifest asks for %llu MiB, more than --mem-max (%llu MiB)", o.image,
		    (unsigned long long)(m->mem >> 20), (unsigned long long)(cap >> 20));
	if (!mem)
		mem = m->mem > MEM_DEFAULT ? m->mem : MEM_DEFAULT;
	if (m->mem > mem)
		die(TC_STATUS_IMAGE, "%s needs %llu KiB of memory (its manifest says so): pass --mem=%lluK or more",
		    o.image, (unsigned long long)(m->mem >> 10), (unsigned long long)((m->mem + 1023) >> 10));
	if (mem > TC_MEM_MAX)
		die(TC_STATUS_IMAGE, "%s asks for %llu MiB of memory, more than the %llu MiB tincan-run supports",
		    o.image, (unsigned long long)(mem >> 20), (unsigned long long)(TC_MEM_MAX >> 20));
	isz = info_size(&o);
	if (isz > ARGS_MAX)
		die(TC_STATUS_USAGE, "arguments and environment take %llu bytes, more than %llu",
		    (unsigned long long)isz, (unsigned long long)ARGS_MAX);
	stack = m->stack;
	if (vm.snap)
		isz += ENV_ROOM;
plan:;
	uint64_t need;
	if (layout_plan(&vm.lay, &vm.img, mem, mem_max, stack, isz, &need, err, sizeof err) < 0) {
		if (need)
			die(TC_STATUS_IMAGE, "%s: %s: pass --mem=%lluK or more", vm.image_path, err,
			    (unsigned long long)((need + 1023) >> 10));
		die(TC_STATUS_IMAGE, "%s: %s", vm.image_path, err);
	}
	if (o.restore)
		snap_check(&vm);

	modules_configure(&vm, &bi);

	vm_create(&vm);
	vm.image_size = size;
	if (layout_build_tables(&vm.lay, vm.mem, err, sizeof err) < 0)
		die(TC_STATUS_IMAGE, "%s: %s", vm.image_path, err);
	if (o.restore) {
		snap_map(&vm);
		snap_guards(&vm);
	}
	load_segments(&vm, !o.restore);

	/* Boot info, then argv and envp arrays, then their strings (a
	 * restore's envp after the snapshot's strings). */
	uint64_t at = vm.lay.info, cursor = at + sizeof(struct tc_boot_info);
	struct tc_boot_info old;
	if (o.restore) {
		memcpy(&old, vm.mem + at, sizeof old);
		snap_devices(&old, &bi);
		cursor = (snap_info_end() + 7) & ~7ULL;
		o.argc = 0;
		if (cursor + info_size(&o) - sizeof bi > at + isz)
			die(TC_STATUS_USAGE, "--env takes more room than the snapshot keeps for it (%llu KiB)",
			    (unsigned long long)(ENV_ROOM >> 10));
	}
	uint64_t strs = cursor + 8 * ((uint64_t)o.argc + 1 + (uint64_t)o.envc + 1);
	bi.abi_version = TC_ABI_VERSION;
	bi.size = sizeof bi;
	bi.mem_size = vm.lay.mem_size;
	bi.heap_start = vm.lay.heap_start;
	bi.heap_end = vm.lay.heap_end;
	bi.heap_max = vm.lay.heap_max;
	bi.stack_top = vm.lay.stack_top;
	bi.stack_bottom = vm.lay.stack_bottom;
	bi.mono_ns_start = mono_start;
	bi.argc = (uint64_t)o.argc;
	bi.envc = (uint64_t)o.envc;
	if (getrandom(bi.seed, sizeof bi.seed, 0) != (ssize_t)sizeof bi.seed ||
	    getrandom(&bi.canary, sizeof bi.canary, 0) != (ssize_t)sizeof bi.canary)
		die(TC_STATUS_HOST, "getrandom: %s", strerror(errno));
	if (!o.restore)
		bi.argv = put_strings(vm.mem, &cursor, &strs, o.argv, o.argc);
	bi.envp = put_strings(vm.mem, &cursor, &strs, o.envp, o.envc);
	vm_load(&vm, vm.img.entry, at);
	if (o.restore) {
		/* The guest's stacks hold the old canary; argv is the snapshot's. */
		bi.argc = old.argc;
		bi.argv = old.argv;
		bi.canary = old.canary;
		bi.generation = old.generation + 1;
		snap_vcpu(&vm);
	}
	vm_clock(&bi, &vm);
	if (o.restore)
		snap_clock(&vm, &bi);
	if (vm.snap)
		snap_note(mem, mem_max, stack, isz, strs);
	memcpy(vm.mem + at, &bi, sizeof bi);

	modules_start(&vm);
	vm_run(&vm);
}

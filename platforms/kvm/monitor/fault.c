/*
 * Reports for runs the guest ends badly: the reason on one line, then the
 * registers and a backtrace walked along the guest's frame pointers (every
 * read checked against guest memory) and symbolized from the image.
 */
#include <elf.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backtrace.h"
#include "monitor.h"

#define FRAMES_MAX 32
#define READS_MAX 100000

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	if (n > 0 && write(2, buf, n) < 0) {
		/* stderr is gone; nothing to do */
	}
}

/* Symbols come from the image file, read here, not kept from the start
 * (fault reports are rare; an idle run then keeps no copy): only if the file
 * is still the one that was read (same file, size, mtime and ctime: a
 * file rewritten in place would name the wrong functions, and restoring an
 * mtime moves the ctime; the ctime also moves when the file is unlinked,
 * as a rebuild replacing it does, so a file no name leads to any more
 * needs only its size and mtime), only the first SYMS_MAX entries (a report stays quick),
 * each name cut at SYM_NAME_MAX bytes and made printable ('?' for the rest:
 * a name must not drive the terminal).  pread on the image fd into small
 * buffers, not the mapping: a file truncated meanwhile gives a short read
 * (no symbol), never SIGBUS. */
#define SYMS_MAX (1u << 20)
#define SYMS_CHUNK 128
#define SYM_NAME_MAX 64
static int image_same(const struct vm *vm)
{
	struct stat st;
	const struct stat *o = &vm->image_st;
	return sys_fstat(vm->image_fd, &st) == 0 && st.st_size == o->st_size && st.st_ino == o->st_ino &&
	       st.st_dev == o->st_dev && st.st_mtim.tv_sec == o->st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == o->st_mtim.tv_nsec &&
	       ((st.st_ctim.tv_sec == o->st_ctim.tv_sec && st.st_ctim.tv_nsec == o->st_ctim.tv_nsec) || !st.st_nlink);
}

#ifdef TINCAN_DEBUG
int dbg_image_same(const struct vm *vm)
{
	return image_same(vm);
}
#endif

/* As ei_symbolize, over the file: the string table offset of the name of
 * the function containing addr (*off set), or -1. */
static int64_t symbolize(const struct vm *vm, uint64_t addr, uint64_t *off)
{
	const struct ei_image *img = &vm->img;
	Elf64_Sym buf[SYMS_CHUNK];
	size_t n = img->nsyms < SYMS_MAX ? img->nsyms : SYMS_MAX;
	off_t at = (off_t)vm->image_off + (img->syms - img->file);
	int64_t best = -1;
	uint64_t best_val = 0;

	for (size_t i = 0, k; i < n; i += k, at += (off_t)sizeof buf) {
		k = n - i < SYMS_CHUNK ? n - i : SYMS_CHUNK;
		if (pread(vm->image_fd, buf, k * sizeof *buf, at) != (ssize_t)(k * sizeof *buf))
			return -1;
		for (size_t j = 0; j < k; j++) {
			const Elf64_Sym *s = &buf[j];
			if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_name >= img->strsz || s->st_value > addr)
				continue;
			if (s->st_size && addr - s->st_value < s->st_size) {
				*off = addr - s->st_value;
				return s->st_name;
			}
			/* Assembly functions often have no size: take the nearest below. */
			if (!s->st_size && (best < 0 || s->st_value > best_val)) {
				best = s->st_name;
				best_val = s->st_value;
			}
		}
	}
	*off = addr - best_val;
	return best;
}

static void where(const struct vm *vm, uint64_t addr, char *out, size_t len)
{
	uint64_t off;
	int64_t name = image_same(vm) ? symbolize(vm, addr, &off) : -1;
	char buf[SYM_NAME_MAX];
	ssize_t got = 0, k = 0;

	/* Within the string table (whose last byte is a NUL), at most SYM_NAME_MAX. */
	if (name >= 0) {
		size_t room = vm->img.strsz - (size_t)name;
		got = pread(vm->image_fd, buf, room < sizeof buf ? room : sizeof buf,
			    (off_t)vm->image_off + ((const uint8_t *)vm->img.strtab - vm->img.file) + name);
	}
	if (got <= 0) {
		memcpy(out, "?", 2);
		return;
	}
	for (; k < got && buf[k]; k++)
		out[k] = buf[k] > 0x20 && buf[k] < 0x7f ? buf[k] : '?';
	snprintf(out + k, len - (size_t)k, "+0x%llx", (unsigned long long)off);
}

/* The walker reads guest words only through the checked translation. */
static int read_u64(void *ctx, uint64_t gpa, uint64_t *v)
{
	const struct vm *vm = ctx;
	const void *p = gm_ptr(&vm->gm, gpa, 8, GM_R);
	if (!p || gpa % 8)
		return -1;
	memcpy(v, p, 8);
	return 0;
}

static void backtrace(const struct vm *vm, const struct kvm_regs *r)
{
	char w[160];

	where(vm, r->rip, w, sizeof w);
	say("  rip 0x%llx rsp 0x%llx rbp 0x%llx\n  backtrace:\n    #0 0x%llx %s\n", (unsigned long long)r->rip,
	    (unsigned long long)r->rsp, (unsigned long long)r->rbp, (unsigned long long)r->rip, w);
	/* A guest can build any chain: the walker bounds its reads too, so a
	 * loop of repeated frames cannot keep us walking for seconds. */
	struct bt_frame f[FRAMES_MAX - 1];
	unsigned n = bt_walk(r->rbp, read_u64, (void *)vm, f, FRAMES_MAX - 1, READS_MAX);
	for (unsigned i = 0; i < n; i++) {
		/* ret points after the call: name the call itself. */
		where(vm, f[i].ret - 1, w, sizeof w);
		say("    #%u 0x%llx %s\n", i + 1, (unsigned long long)f[i].ret, w);
		if (f[i].repeats)
			say("    ... the frame above %llu more times\n", (unsigned long long)f[i].repeats);
	}
	if (!image_same(vm))
		say("  (no symbols: %s changed since it was read)\n", vm->image_path);
}

static void regs(const struct vm *vm, struct kvm_regs *r, struct kvm_sregs *s)
{
	memset(r, 0, sizeof *r);
	memset(s, 0, sizeof *s);
	if (ioctl(vm->vcpu, KVM_GET_REGS, r) < 0 || ioctl(vm->vcpu, KVM_GET_SREGS, s) < 0)
		die(TC_STATUS_HOST, "cannot read the guest's registers: %m");
}

void guest_fatal(struct vm *vm, int status, const char *fmt, ...)
{
	char buf[600];
	struct kvm_regs r;
	struct kvm_sregs s;
	va_list ap;

	console_flush(vm);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	regs(vm, &r, &s);
	msg("%s (%s)", buf, vm->image_path);
	backtrace(vm, &r);
	dbg_fatal(vm, status, buf);
	quit(status);
}

/* What a page fault at cr2 hit, judged from the layout. */
static const char *pf_reason(const struct vm *vm, uint64_t cr2, uint64_t rip)
{
	const struct guest_layout *l = &vm->lay;
	const struct gm_region *reg = gm_region_of(l, cr2);

	if (cr2 >= l->guard && cr2 < l->guard + TC_PAGE_SIZE)
		return "stack overflow: hit the guard page below the stack";
	/* Page 0 is never mapped, which this host's KVM also relies on: a
	 * `syscall` instruction (EFER.SCE off) ends at rip 0 instead of #UD. */
	if (cr2 < TC_PAGE_SIZE)
		return "null pointer dereference";
	if (cr2 == rip)
		return reg ? "jump to non-executable memory" : "jump to unmapped memory";
	if ((reg && (reg->perm & GM_SUPER)) || cr2 < TC_IMAGE_BASE)
		return "access to monitor-owned memory";
	if (reg && !(reg->perm & GM_W))
		return (reg->perm & GM_X) ? "write to its own code (W^X)" : "write to read-only memory";
	if (cr2 >= l->mem_size)
		return "access beyond guest memory";
	if (guard_at(vm, cr2))
		return "stack overflow: hit a thread stack's guard page";
	if (cr2 >= l->heap_end && cr2 < l->heap_max)
		return "access beyond the heap's end (memory not grown into yet)";
	return "access to unmapped memory";
}

void guest_shutdown(struct vm *vm)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	char w[160], why[300];

	regs(vm, &r, &s);
	where(vm, r.rip, w, sizeof w);
	/* No IDT: the first exception escalates to a triple fault.  CR2 starts
	 * at a sentinel, so any other value means that exception was a page fault. */
	if (s.cr2 != CR2_SENTINEL) {
		snprintf(why, sizeof why, "guest fault: %s at 0x%llx, rip 0x%llx in %s", pf_reason(vm, s.cr2, r.rip),
			 (unsigned long long)s.cr2, (unsigned long long)r.rip, w);
	} else {
		const uint8_t *ip = gm_ptr(&vm->gm, r.rip, 2, GM_R);
		const char *what = "CPU exception (general protection, invalid opcode, divide error ...)";
		if (ip && ip[0] == 0x0f && ip[1] == 0x0b)
			what = "invalid opcode (ud2)";
		else if (ip && ip[0] == 0xf4)
			what = "privileged instruction (hlt)";
		else if (ip && ip[0] == 0xcc)
			what = "breakpoint (int3)";
		snprintf(why, sizeof why, "guest fault: %s at rip 0x%llx in %s", what, (unsigned long long)r.rip, w);
	}
	msg("%s (%s)", why, vm->image_path);
	backtrace(vm, &r);
	dbg_fatal(vm, TC_STATUS_FAULT, why);
	quit(TC_STATUS_FAULT);
}

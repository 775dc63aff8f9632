/*
 * Host unit tests for the hypercall core (platforms/kvm/monitor/hypercall.c),
 * without KVM: a fake guest memory with a real layout, test hypercalls in
 * the table, and guest_fatal()/die() stubbed to jump back here.
 */
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "../tap.h"
#include "hypercall.h"
#include "monitor.h"

static jmp_buf fatal_jmp;
static int fatal_status;
static char fatal_msg[512];

static noreturn void fatal(int status, const char *fmt, va_list ap)
{
	fatal_status = status;
	vsnprintf(fatal_msg, sizeof fatal_msg, fmt, ap);
	longjmp(fatal_jmp, 1);
}

void guest_fatal(struct vm *vm, int status, const char *fmt, ...)
{
	va_list ap;
	(void)vm;
	va_start(ap, fmt);
	fatal(status, fmt, ap);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fatal(status, fmt, ap);
}

/* A call with two IN fields and an OUT field, like the real ones. */
struct t_arg {
	uint64_t a; /* IN */
	uint64_t b; /* IN */
	int64_t ret; /* OUT */
};

static struct t_arg *guest_arg; /* the struct in guest memory, during a call */
static struct t_arg seen, seen_after;
static int calls;

static void t_handler(struct vm *vm, void *arg)
{
	struct t_arg *a = arg;
	(void)vm;
	calls++;
	seen = *a;
	/* The guest changes its struct under the handler (another vCPU could)... */
	guest_arg->a = 1111;
	guest_arg->b = 2222;
	guest_arg->ret = 3333;
	/* ... which the handler never sees: it reads its copy again. */
	seen_after = *a;
	/* Writes to IN fields of the copy stay in the copy. */
	a->a = 999;
	a->b = 998;
	a->ret = (int64_t)(seen.a + seen.b);
}

static uint64_t in_seen;
static void t_in_handler(struct vm *vm, void *arg)
{
	(void)vm;
	calls++;
	in_seen = *(uint64_t *)arg;
	*(uint64_t *)arg = 77; /* no OUT fields: must not reach the guest */
}

static const struct hc_def t_def = HC_ENTRY(1, "test", struct t_arg, ret, t_handler);
static const struct hc_def t_in_def = HC_ENTRY_IN(3, "test_in", struct tc_hc_exit, t_in_handler);

static struct vm vm;
static struct guest_layout lay;
static struct ei_image img;

/* Run a call; returns 0, or 1 if it ended the run (fatal_status, fatal_msg). */
static int call(uint64_t nr, uint64_t gpa)
{
	fatal_status = -1;
	fatal_msg[0] = '\0';
	if (setjmp(fatal_jmp))
		return 1;
	hc_call(&vm, nr, gpa);
	return 0;
}

static int doorbell(struct kvm_run *run, uint64_t addr, int is_write, unsigned len, uint64_t gpa)
{
	run->mmio.phys_addr = addr;
	run->mmio.is_write = (uint8_t)is_write;
	run->mmio.len = len;
	memcpy(run->mmio.data, &gpa, 8);
	fatal_status = -1;
	if (setjmp(fatal_jmp))
		return 1;
	hc_doorbell(&vm);
	return 0;
}

/* A doorbell write at addr by the n instruction bytes ins, just before
 * rip (KVM reports the exit with rip past the store). */
static int ring(const char *ins, size_t n, uint64_t addr, uint64_t gpa)
{
	uint64_t at = 0x10100;
	memcpy(vm.mem + at, ins, n);
	vm.run->s.regs.regs.rip = at + n;
	return doorbell(vm.run, addr, 1, 8, gpa);
}

static int reg(const struct hc_def *d)
{
	fatal_status = -1;
	fatal_msg[0] = '\0';
	if (setjmp(fatal_jmp))
		return 1;
	hc_register(d);
	return 0;
}

/* hc_buf's pointer, or NULL if it ended the run. */
static void *buf(uint64_t gpa, uint64_t len, unsigned perm)
{
	fatal_status = -1;
	fatal_msg[0] = '\0';
	if (setjmp(fatal_jmp))
		return NULL;
	return hc_buf(&vm, 1, gpa, len, perm);
}

static int refused(uint64_t nr, uint64_t gpa, const char *want)
{
	int before = calls;
	return call(nr, gpa) && fatal_status == TC_STATUS_ABI && strstr(fatal_msg, want) && calls == before;
}

int main(void)
{
	uint64_t need, mem_size = 1 << 20;
	char err[256], want[128];

	img.nseg = 3;
	img.seg[0] = (struct ei_segment){ 0x10000, 0x3000, 0, 0, EI_R | EI_X };
	img.seg[1] = (struct ei_segment){ 0x13000, 0x1000, 0, 0, EI_R };
	img.seg[2] = (struct ei_segment){ 0x14000, 0x1800, 0, 0, EI_R | EI_W };
	img.lo = 0x10000;
	img.hi = 0x16000;
	if (layout_plan(&lay, &img, mem_size, 0, 0, 5000, &need, err, sizeof err) < 0) {
		printf("not ok 1 - layout: %s\n", err);
		return 1;
	}
	vm.mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm.gm.base = vm.mem;
	vm.gm.lay = &lay;

	ok(reg(&t_def) == 0 && reg(&t_in_def) == 0, "test hypercalls registered");

	/* A good call: the handler works on a copy; only ret comes back. */
	uint64_t gpa = lay.heap_start + 64;
	guest_arg = (struct t_arg *)(vm.mem + gpa);
	*guest_arg = (struct t_arg){ 5, 6, -1 };
	ok(call(1, gpa) == 0 && calls == 1, "a good call reaches its handler");
	ok(seen.a == 5 && seen.b == 6 && seen.ret == -1, "the handler sees the guest's struct");
	ok(seen_after.a == 5 && seen_after.b == 6 && seen_after.ret == -1,
	   "guest memory changed during the handler does not change what it sees");
	ok(guest_arg->a == 1111 && guest_arg->b == 2222, "IN fields written by the handler do not reach the guest");
	ok(guest_arg->ret == 11, "the OUT field is copied back (%lld)", (long long)guest_arg->ret);

	/* No OUT fields: read-only memory is fine, and nothing is written. */
	uint64_t ro = 0x13000 + 8;
	memcpy(vm.mem + ro, &(uint64_t){ 42 }, 8);
	ok(call(3, ro) == 0 && in_seen == 42, "an IN-only struct may lie in read-only memory");
	ok(*(uint64_t *)(vm.mem + ro) == 42, "an IN-only call writes nothing back");
	ok(call(3, mem_size - 8) == 0 && in_seen == 0, "an IN-only struct may end at the end of RAM");

	/* Bad argument addresses: refused before the handler runs. */
	snprintf(want, sizeof want, "bad argument address 0x%llx to hypercall test", (unsigned long long)(gpa + 4));
	ok(refused(1, gpa + 4, want), "misaligned: %s", fatal_msg);
	ok(refused(1, 0x123456789, "bad argument address 0x123456789 to hypercall test"), "outside RAM: %s", fatal_msg);
	ok(refused(1, mem_size, "bad argument address"), "just past RAM");
	ok(refused(1, 0x13000, "bad argument address 0x13000 to hypercall test"), "read-only when OUT needs write: %s",
	   fatal_msg);
	ok(refused(1, 0x1000, "bad argument address"), "monitor-owned memory (page tables)");
	ok(refused(1, 0, "bad argument address"), "address 0");
	ok(refused(1, lay.heap_end - 16, "bad argument address"), "straddling the end of the heap into the guard page");
	ok(refused(3, mem_size - 4, "bad argument address"), "straddling the end of RAM");
	ok(refused(3, (uint64_t)-8, "bad argument address 0xfffffffffffffff8 to hypercall test_in"),
	   "wrapping around: %s", fatal_msg);

	/* Unknown numbers. */
	ok(refused(2, gpa, "guest made unknown hypercall 2"), "a free slot: %s", fatal_msg);
	ok(refused(0, gpa, "guest made unknown hypercall 0"), "number 0");
	ok(refused(TC_HC_MAX + 1, gpa, "unknown hypercall"), "past the table");
	ok(refused(262143, gpa, "guest made unknown hypercall 262143"), "the last doorbell");

	/* Registration. */
	static const struct hc_def dup = HC_ENTRY(1, "dup", struct t_arg, ret, t_handler);
	ok(reg(&dup) && fatal_status == TC_STATUS_HOST &&
	       strstr(fatal_msg, "hypercall 1 registered twice (test and dup)"),
	   "a duplicate registration is refused: %s", fatal_msg);
	static const struct hc_def big = { 4, "big", HC_ARG_MAX + 8, HC_ARG_MAX + 8, t_in_handler };
	ok(reg(&big) && fatal_status == TC_STATUS_HOST, "an argument struct over HC_ARG_MAX is refused");
	static const struct hc_def odd = { 4, "odd", 12, 12, t_in_handler };
	ok(reg(&odd) && fatal_status == TC_STATUS_HOST, "a size not a multiple of 8 is refused");
	static const struct hc_def far = { TC_HC_MAX + 1, "far", 8, 8, t_in_handler };
	ok(reg(&far) && fatal_status == TC_STATUS_HOST, "a number past TC_HC_MAX is refused");
	ok(refused(4, gpa, "unknown hypercall 4"), "refused entries stay out of the table");

	/* Buffers. */
	ok(buf(lay.heap_start, 100, GM_W) == vm.mem + lay.heap_start, "a good buffer");
	ok(buf(0x13000, 10, GM_R) == vm.mem + 0x13000, "a read-only buffer for reading");
	ok(buf(0x13000, 10, GM_W) == NULL && fatal_status == TC_STATUS_ABI &&
	       strstr(fatal_msg, "bad buffer to hypercall test: 0x13000 + 10 bytes is not writable guest memory"),
	   "a read-only buffer for writing: %s", fatal_msg);
	ok(buf(mem_size - 4, 8, GM_R) == NULL && strstr(fatal_msg, "is not readable guest memory"),
	   "a buffer straddling the end of RAM: %s", fatal_msg);

	/* The doorbell exit. */
	struct kvm_run run;
	memset(&run, 0, sizeof run);
	vm.run = &run;
	struct kvm_regs *g = &run.s.regs.regs;
	const uint64_t db = TC_DOORBELL_BASE + 8;
	*guest_arg = (struct t_arg){ 1, 2, 0 };
	g->rax = gpa, g->rdx = db;
	ok(ring("\x48\x89\x02", 3, db, gpa) == 0 && guest_arg->ret == 3, "a doorbell write by mov %%rax,(%%rdx) calls");
	*guest_arg = (struct t_arg){ 1, 2, 0 };
	ok(ring("\x48\x89\x02", 3, db, gpa) == 0 && guest_arg->ret == 3,
	   "the same store again with the same registers calls again");
	g->r12 = db - 8;
	ok(ring("\x49\x89\x44\x24\x08", 5, db, gpa) == 0, "mov %%rax,8(%%r12): SIB, disp8, REX.B");
	g->rdx = db + 8;
	ok(ring("\x48\x89\x42\xf8", 4, db, gpa) == 0, "mov %%rax,-8(%%rdx): a negative disp8");
	g->rcx = gpa, g->rdx = db - 8 * gpa;
	ok(ring("\x48\x89\x0c\xca", 4, db, gpa) == 0, "mov %%rcx,(%%rdx,%%rcx,8): index and scale");
	g->r9 = gpa, g->rsi = db + 0x100;
	ok(ring("\x4c\x89\x8e\x00\xff\xff\xff", 7, db, gpa) == 0, "mov %%r9,-0x100(%%rsi): disp32, REX.R");
	g->rdx = db;
	int before = calls;
	ok(ring("\xf3\x0f\x7f\x02", 4, db, gpa) && fatal_status == TC_STATUS_ABI && calls == before &&
	       strstr(fatal_msg, "by other than one 8-byte mov"),
	   "a 16-byte movdqu %%xmm0,(%%rdx) is refused at its first piece: %s", fatal_msg);
	ok(ring("\x48\x89\x02", 3, db, gpa + 8) && calls == before, "a mov of another value is refused");
	ok(ring("\x48\x89\x12", 3, db, gpa) && calls == before, "a mov to another address is refused");
	ok(ring("\x89\x02", 2, db, gpa) && calls == before, "no REX.W: refused");
	/* Bytes before rip that decode two ways: mov %rax,(%rdx) for the first
	 * piece of a wide store and mov %rax,0x28948d0(%rbx) for its second.
	 * Between the pieces no register changes: the second is refused. */
	static const struct hc_def t_in2 = HC_ENTRY_IN(2, "test_in2", struct tc_hc_exit, t_in_handler);
	reg(&t_in2);
	g->rbx = db + 8 - 0x28948d0;
	ok(ring("\x48\x89\x83\xd0\x48\x89\x02", 7, db, gpa) == 0 && calls == before + 1, "a crafted first piece calls");
	ok(ring("\x48\x89\x83\xd0\x48\x89\x02", 7, db + 8, gpa) && calls == before + 1 && fatal_status == TC_STATUS_ABI,
	   "its second piece, with the same registers, is refused");
	g->rbx++;
	ok(ring("\x48\x89\x83\xd0\x48\x89\x02", 7, db + 8, gpa) && calls == before + 1,
	   "(and the crafted second decode is exact)");
	g->rbx--, g->rsi++;
	ok(ring("\x48\x89\x83\xd0\x48\x89\x02", 7, db + 8, gpa) == 0 && calls == before + 2,
	   "after any register change the same bytes may call");
	ok(doorbell(&run, TC_DOORBELL_BASE + 8, 0, 8, gpa) && fatal_status == TC_STATUS_ABI &&
	       strstr(fatal_msg, "read from the hypercall doorbells"),
	   "a doorbell read: %s", fatal_msg);
	ok(doorbell(&run, TC_DOORBELL_BASE + 8, 1, 4, gpa) && fatal_status == TC_STATUS_ABI &&
	       strstr(fatal_msg, "4-byte doorbell write"),
	   "a short doorbell write: %s", fatal_msg);
	ok(doorbell(&run, TC_DOORBELL_BASE + 12, 1, 8, gpa) && fatal_status == TC_STATUS_ABI, "a misaligned doorbell");
	ok(doorbell(&run, TC_DOORBELL_BASE + (2 << 20), 1, 8, gpa) && fatal_status == TC_STATUS_FAULT &&
	       strstr(fatal_msg, "unbacked address"),
	   "past the doorbells: %s", fatal_msg);
	return done_testing();
}

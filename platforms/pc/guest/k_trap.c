/*
 * Ring 0's one way in after the start (trap.S): ring 3's calls, the
 * legacy IRQs, and faults.  A fault in ring 3 prints what and where, with
 * the frame-pointer backtrace, and powers off with status 101 (as
 * tincan-run does); a fault in ring 0 is a bug of ours and says so.
 */
#include "backtrace.h"
#include "k.h"

#define EFAULT 14
#define EINVAL 22

static const char *const names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection fault",
	"page fault",
	"reserved",
	"x87 floating-point error",
	"alignment check",
	"machine check",
	"SIMD floating-point error",
	"virtualization",
	"control protection",
};

noreturn void k_fail(const char *what)
{
	k_puts("tincan: ");
	k_puts(what);
	k_puts("\n");
	k_poweroff(105);
}

static int read_word(void *ctx, uint64_t a, uint64_t *v)
{
	(void)ctx;
	if ((a & 7) || !k_user_readable(a, 8))
		return -1;
	*v = *(const uint64_t *)a;
	return 0;
}

static const char *pf_reason(uint64_t cr2, uint64_t err)
{
	const struct pc_boot *b = &pc_boot_info;
	if (cr2 < 0x1000)
		return "null pointer";
	if (cr2 >= b->stack_bottom - 4096 && cr2 < b->stack_bottom)
		return "stack overflow (the guard page under the main stack)";
	/* The heap is all present but for thread stacks' guard pages. */
	if (!(err & 1) && cr2 >= b->heap_start && cr2 < b->heap_end)
		return "stack overflow: hit a thread stack's guard page";
	if (err & 0x10)
		return "execute of non-executable memory";
	if ((err & 1) && (err & 2))
		return "write to read-only memory";
	if (err & 1)
		return "access to ring 0's memory";
	return "access to unmapped memory";
}

static void where(uint64_t addr)
{
	uint64_t off;
	const char *name = k_sym(addr, &off);
	k_puts(" ");
	if (!name) {
		k_puts("?");
		return;
	}
	k_puts(name);
	k_puts("+");
	k_hex(off);
}

/* As tincan-run prints it: rip, then each caller's return address, named
 * (the call just before it), runs of one frame folded. */
static void backtrace(uint64_t rip, uint64_t rbp)
{
	struct bt_frame fr[32];
	unsigned n = bt_walk(rbp, read_word, 0, fr, 32, 256);
	k_puts("  backtrace:\n    #0 ");
	k_hex(rip);
	where(rip);
	k_puts("\n");
	for (unsigned i = 0; i < n; i++) {
		k_puts("    #");
		k_dec(i + 1);
		k_puts(" ");
		k_hex(fr[i].ret);
		where(fr[i].ret - 1);
		k_puts("\n");
		if (fr[i].repeats) {
			k_puts("    ... the frame above ");
			k_dec(fr[i].repeats);
			k_puts(" more times\n");
		}
	}
	uint64_t off;
	if (!k_sym(rip, &off))
		k_puts("  (no symbols loaded: GRUB loads them from an ISO; else addr2line -f -e IMAGE ADDRESS)\n");
}

static noreturn void panic(struct k_frame *f)
{
	k_puts("tincan: guest panic: ");
	if (f->rsi <= 4096 && k_user_readable(f->rdi, f->rsi))
		k_write((const char *)f->rdi, f->rsi);
	k_puts("\n");
	backtrace(f->rip, f->rbp);
	k_poweroff(100);
}

static noreturn void fault(struct k_frame *f)
{
	uint64_t cr2;
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));
	int user = (f->cs & 3) == 3;
	k_puts(user ? "tincan: guest fault: " : "tincan: fault in ring 0 (a bug of the pc platform): ");
	k_puts(f->vec < 32 && names[f->vec] ? names[f->vec] : "exception");
	if (f->vec == 14) {
		k_puts(" (");
		k_puts(pf_reason(cr2, f->err));
		k_puts(") at ");
		k_hex(cr2);
	}
	k_puts(", rip ");
	k_hex(f->rip);
	k_puts(", rsp ");
	k_hex(f->rsp);
	k_puts("\n");
	if (user)
		backtrace(f->rip, f->rbp);
	k_poweroff(101);
}

static int64_t call(struct k_frame *f)
{
	switch (f->rax) {
	case PC_CALL_WRITE:
		if (f->rdi != 1 && f->rdi != 2)
			return -EINVAL;
		if (!k_user_readable(f->rsi, f->rdx))
			return -EFAULT;
		k_write((const char *)f->rsi, f->rdx);
		return (int64_t)f->rdx;
	case PC_CALL_READ:
		if (!k_user_access(f->rdi, f->rsi, 1))
			return -EFAULT;
		return (int64_t)k_serial_read((char *)f->rdi, f->rsi);
	case PC_CALL_WAIT: return k_wait(f->rdi, (unsigned)f->rsi);
	case PC_CALL_EXIT: k_poweroff((int)f->rdi);
	case PC_CALL_PANIC: panic(f);
	case PC_CALL_GUARD: return k_guard(f->rdi, f->rsi);
	default: return -EINVAL;
	}
}

void k_trap(struct k_frame *f)
{
	if (f->vec == PC_TRAP_VEC)
		f->rax = (uint64_t)call(f);
	else if (f->vec >= PC_IRQ_BASE && f->vec < PC_IRQ_BASE + 16)
		k_irq((unsigned)(f->vec - PC_IRQ_BASE));
	else
		fault(f);
}

/*
 * Stack guards: the stack protector's canary in boot info (from the
 * host's getrandom, like the seed), and guard pages on request
 * (TC_HC_GUARD): libos asks for one below each
 * thread stack it takes from the heap, so a thread running over its stack
 * faults at once (101) instead of writing into the heap.
 *
 * The heap is mapped in 2 MiB pages; a guard inside one splits it into a
 * 4 KiB page table, taken from the spare pages of the monitor-owned area
 * above the boot tables (below TC_IMAGE_BASE, mapped for no one): a few,
 * so a guest with guards in many 2 MiB chunks gets -TC_ENOMEM and keeps
 * its canary.  A split chunk stays split.
 *
 * Taking a page away must also drop every translation of it that KVM or
 * the CPU cached (the vCPU is out of KVM_RUN here): madvise(MADV_DONTNEED)
 * on the page's host mapping has the kernel's MMU notifier zap KVM's
 * mappings of it and flush the guest's TLB, with EPT/NPT and with shadow
 * paging (this host's kvm_pvm) alike; its next touch walks the tables in
 * memory again.  The page's contents go (it reads as zeros once given
 * back).  Neither a CR3 reload (KVM_SET_SREGS), which left the old mapping
 * in use under kvm_pvm, nor deleting and re-adding memory slot 0, which
 * worked but cost 2-30 ms, is needed.  Giving a page back needs no flush:
 * nothing caches a page that is not present.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "monitor.h"

#define PAGE TC_PAGE_SIZE
#define CHUNK (2ULL << 20)
#define GIB (1ULL << 30)

static uint64_t spare; /* the next spare page-table page; 0: not known yet */

uint64_t guard_spare(const uint64_t *set)
{
	if (set)
		spare = *set;
	return spare;
}

static uint64_t take(struct vm *vm)
{
	if (!spare)
		spare = vm->lay.tables_end;
	if (spare >= TC_IMAGE_BASE)
		return 0;
	spare += PAGE;
	return spare - PAGE;
}

/* gpa's 4 KiB page-table entry (gpa in the backed heap); with split, a
 * 2 MiB page there becomes a table of 4 KiB pages of the same kind first.
 * NULL: a 2 MiB page, and no spare page to split it with (or !split). */
static uint64_t *entry(const struct vm *vm, uint64_t gpa, int split)
{
	const uint64_t *pdpt = (const uint64_t *)(vm->mem + vm->lay.pml4 + PAGE);
	uint64_t *pde = (uint64_t *)(vm->mem + (pdpt[gpa / GIB] & PTE_ADDR)) + (gpa % GIB) / CHUNK;
	if (*pde & PTE_PS) {
		uint64_t t = split ? take((struct vm *)vm) : 0;
		if (!t)
			return NULL;
		uint64_t *pt = (uint64_t *)(vm->mem + t), base = *pde & PTE_ADDR & ~(CHUNK - 1);
		for (unsigned i = 0; i < 512; i++)
			pt[i] = (base + i * PAGE) | (*pde & (PTE_P | PTE_W | PTE_U | PTE_NX | PTE_A | PTE_D));
		*pde = t | PTE_TABLE;
	}
	return (uint64_t *)(vm->mem + (*pde & PTE_ADDR)) + (gpa % CHUNK) / PAGE;
}

int guard_at(const struct vm *vm, uint64_t gpa)
{
	const struct guest_layout *l = &vm->lay;
	if (gpa < l->heap_start || gpa >= l->heap_end)
		return 0;
	const uint64_t *e = entry(vm, gpa, 0);
	return e && !(*e & PTE_P);
}

void hc_guard(struct vm *vm, void *arg)
{
	struct tc_hc_guard *a = arg;
	const struct guest_layout *l = &vm->lay;

	a->ret = -TC_EINVAL;
	if (a->addr % PAGE || a->addr < l->heap_start || a->addr >= l->heap_end || a->on > 1)
		return;
	a->ret = -TC_ENOMEM;
	uint64_t *e = entry(vm, a->addr, 1);
	if (!e)
		return;
	if (a->on && (*e & PTE_P)) {
		*e &= ~PTE_P;
		if (madvise(vm->mem + a->addr, PAGE, MADV_DONTNEED) < 0)
			die(TC_STATUS_HOST, "madvise: %m");
	} else if (!a->on) {
		*e |= PTE_P;
	}
	a->ret = 0;
}

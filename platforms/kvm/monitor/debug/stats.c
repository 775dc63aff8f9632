/*
 * --stats: what the run did, on stderr when it ends (every end: the
 * guest's exit, a fault, --timeout, a host signal).
 */
#include "../module.h"
#include "../monitor.h"

static int on;

static uint64_t exits(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < DBG_EXITS; i++)
		n += dbg_ctr.exits[i];
	return n;
}

static void stats_quit(struct vm *vm, int status)
{
	(void)status;
	if (!on || !vm)
		return;
	msg("stats: %llu KVM exits, %llu KiB guest memory, %llu forged and %llu over-rate frames dropped",
	    (unsigned long long)exits(), (unsigned long long)(vm_backed(vm) >> 10), (unsigned long long)vm->forged,
	    (unsigned long long)vm->over_rate);
}

const struct module stats_module = {
	.usage = "  --stats      print KVM exits, guest memory and frames dropped when the guest exits\n",
	.flag = "--stats",
	.flag_set = &on,
	.on_quit = stats_quit,
};

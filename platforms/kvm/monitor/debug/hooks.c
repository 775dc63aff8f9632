/* tincan-run-debug: the hooks of debug.h, each handed to the modules that have one. */
#include "../module.h"
#include "../monitor.h"

struct dbg_counters dbg_ctr;
static struct vm *run_vm; /* set once the run starts: before it, a quit has no guest */

#define EACH(m) for (const struct module *const *m = modules; *m; m++)

void dbg_run_start(struct vm *vm)
{
	run_vm = vm;
	EACH(m)
	if ((*m)->run_start)
		(*m)->run_start(vm);
}

int dbg_shutdown(struct vm *vm)
{
	EACH(m)
	if ((*m)->on_shutdown && (*m)->on_shutdown(vm))
		return 1;
	return 0;
}

void dbg_signal(struct vm *vm, int sig)
{
	EACH(m)
	if ((*m)->sig == sig && (*m)->on_signal)
		(*m)->on_signal(vm, sig);
}

void dbg_fatal(struct vm *vm, int status, const char *why)
{
	EACH(m)
	if ((*m)->on_fatal)
		(*m)->on_fatal(vm, status, why);
}

void dbg_quit(int status)
{
	static int done;
	if (done++)
		return;
	EACH(m)
	if ((*m)->on_quit)
		(*m)->on_quit(run_vm, status);
}

void dbg_sigset(sigset_t *s)
{
	EACH(m)
	if ((*m)->sig)
		sigaddset(s, (*m)->sig);
}

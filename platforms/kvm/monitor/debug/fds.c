/* tincan-run-debug: what the debug modules tell the sandbox (module.h, seccomp.c's
 * allow_debug) and the jail (debug.h: their output directory). */
#include "../module.h"
#include "../monitor.h"

static void fds_add(unsigned *n, unsigned *v, unsigned x)
{
	if (*n == FDS_MAX)
		die(TC_STATUS_HOST, "too many fds for the sandbox");
	v[(*n)++] = x;
}
void fds_file(struct mod_fds *f, int fd)
{
	fds_add(&f->nfile, f->file, (unsigned)fd);
}
void fds_wdir(struct mod_fds *f, int fd)
{
	fds_add(&f->nwdir, f->wdir, (unsigned)fd);
}
void fds_sys(struct mod_fds *f, int nr)
{
	fds_add(&f->nsys, f->sys, (unsigned)nr);
}

static int out_dir = -1;

void dbg_owner_dir(int fd)
{
	if (out_dir < 0)
		out_dir = fd;
}

int dbg_out_dir(void)
{
	return out_dir;
}

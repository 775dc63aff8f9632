/*
 * Fuzz target: the block device's ring parser (platforms/kvm/monitor/blk.c)
 * behind the hypercall core, with arbitrary guest memory and arguments.
 * Device 0 is a 64-sector writable file, device 1 an 8-sector read-only one
 * (memory files),
 * both attached the way --block does; the monitor must never touch a byte
 * outside them (checked: both files keep their sizes).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_monitor.h"

#include "../../platforms/kvm/monitor/blk.c"

/* The wait hypercall's call into the module (core.c's hc_wait). */
static void fz_hook(const uint8_t *s)
{
	(void)wait_before(&fz_vm, (uint64_t)s[2] << BLK_EV_SHIFT);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char paths[2][64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	static struct tc_manifest m;
	static struct tc_boot_info bi;
	char err[128];
	const char *names[2] = { "disk", "ro" };

	fz_vm_init();
	fz_register(hc, sizeof hc / sizeof hc[0]);
	m.ndevices = 2;
	for (int i = 0; i < 2; i++) {
		snprintf(m.devices[i].name, sizeof m.devices[i].name, "%s", names[i]);
		m.devices[i].type = TC_DEV_BLOCK;
		/* Memory files: a flush costs nothing. */
		int fd = memfd_create(names[i], 0);
		if (fd < 0 || ftruncate(fd, (i ? 8 : 64) * TC_BLK_SECTOR) < 0 || fchmod(fd, i ? 0444 : 0644) < 0)
			abort();
		snprintf(paths[i], sizeof paths[i], "/proc/self/fd/%d", fd);
		char arg[80];
		snprintf(arg, sizeof arg, "%s:%s", names[i], paths[i]);
		if (opt_block(strdup(arg), err, sizeof err) < 0)
			abort();
	}
	fz_vm.img.manifest = &m;
	fz_vm.image_path = "fuzz.tc";
	open_files(&fz_vm, &bi);
	configure(&fz_vm, &bi);
	if (ndevs != 2 || devs[0].ro || !devs[1].ro)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (unsigned i = 0; i < ndevs; i++)
		devs[i].ring = NULL, devs[i].req_cons = devs[i].done_prod = 0;
	fz_run_input(data, size);
	for (unsigned i = 0; i < ndevs; i++) {
		struct stat st;
		if (fstat(devs[i].fd, &st) < 0 || (uint64_t)st.st_size != devs[i].sectors * TC_BLK_SECTOR)
			abort();
	}
	return 0;
}

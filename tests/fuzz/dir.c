/*
 * Fuzz target: the file hypercalls of --dir (platforms/kvm/monitor/dir.c)
 * behind the hypercall core, with arbitrary guest memory and arguments, on
 * a real host directory.  Two directories are shared, one read-write and
 * one read-only, inside a scratch directory that also holds a file of its
 * own; after each input the harness checks what the monitor promises:
 * nothing outside the shared directories changed, the read-only one is
 * untouched, and no host fd is left open once the guest's handles close.
 * The shared tree is then put back as it was.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_monitor.h"

#include "../../platforms/kvm/monitor/dir.c"

static void fz_hook(const uint8_t *s)
{
	(void)s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char top[64], rw[96], rodir[96], outside[96];
static struct stat out_st, ro_st;

static void put(const char *dir, const char *name, const char *text)
{
	char p[160];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

/* The read-write tree every input starts from. */
static void populate(void)
{
	char p[160];
	put(rw, "a", "alpha\n");
	snprintf(p, sizeof p, "%s/sub", rw);
	mkdir(p, 0755);
	put(p, "b", "bravo\n");
	snprintf(p, sizeof p, "%s/up", rw);
	if (symlink("../outside", p) < 0)
		abort();
	snprintf(p, sizeof p, "%s/sub/loop", rw);
	if (symlink("loop", p) < 0)
		abort();
}

static int rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag;
	return f->level && remove(p) < 0 ? -1 : 0;
}

/* Directories the guest made without search or write permission: open up. */
static int open_up(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(p, 0700);
	else if (S_ISREG(st->st_mode))
		chmod(p, 0600);
	return 0;
}

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);
	close(fd);
	return fd;
}

static int free_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	static struct tc_boot_info bi;

	snprintf(top, sizeof top, "/tmp/tincan-fuzz-dir-XXXXXX");
	if (!mkdtemp(top))
		abort();
	snprintf(rw, sizeof rw, "%s/rw", top);
	snprintf(rodir, sizeof rodir, "%s/ro", top);
	snprintf(outside, sizeof outside, "%s/outside", top);
	if (mkdir(rw, 0755) < 0)
		abort();
	populate();
	if (mkdir(rodir, 0755) < 0)
		abort();
	put(rodir, "r", "romeo\n");
	put(top, "outside", "not the guest's\n");
	if (stat(outside, &out_st) < 0 || stat(rodir, &ro_st) < 0)
		abort();
	char err[64];
	static char a0[128], a1[128];
	snprintf(a0, sizeof a0, "%s:/data", rw);
	snprintf(a1, sizeof a1, "%s:/ro:ro", rodir);
	if (opt_dir(a0, err, sizeof err) || opt_dir(a1, err, sizeof err))
		abort();
	fz_vm_init();
	fz_register(hc, sizeof hc / sizeof hc[0]);
	open_dirs(&fz_vm, &bi);
	if (ndirs != 2)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	free_fd = lowest_free_fd();
	int stopped = fz_run_input(data, size);
	for (unsigned h = 0; h < TC_FS_HANDLE_MAX; h++)
		if (files[h]) {
			close(files[h] - 1);
			files[h] = 0;
		}
	/* No fd leaked: pfd/qfd of the path calls are closed on every path
	 * that returns (a stopped guest ends the monitor: close those here). */
	if (stopped)
		for (int fd = free_fd; fd < free_fd + 8; fd++)
			close(fd);
	if (lowest_free_fd() != free_fd) {
		fprintf(stderr, "dir.c leaked an fd\n");
		abort();
	}
	/* Nothing outside the shared directories, nor the read-only one, changed. */
	struct stat st;
	DIR *d = opendir(top);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n++;
	if (d)
		closedir(d);
	if (n != 5 || stat(outside, &st) < 0 || st.st_size != out_st.st_size ||
	    st.st_mtim.tv_nsec != out_st.st_mtim.tv_nsec || stat(rodir, &st) < 0 ||
	    st.st_mtim.tv_nsec != ro_st.st_mtim.tv_nsec || st.st_mtim.tv_sec != ro_st.st_mtim.tv_sec) {
		fprintf(stderr, "the guest reached outside its directories (%d entries in %s)\n", n, top);
		abort();
	}
	/* Back to the starting tree (the shared directory stays: its fd is open). */
	nftw(rw, open_up, 16, FTW_PHYS);
	nftw(rw, rm, 16, FTW_PHYS | FTW_DEPTH);
	populate();
	return 0;
}

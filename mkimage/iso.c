/*
 * tincan-mkimage --iso; see iso.h.  The image goes in a staging directory
 * as /boot/tincan.elf beside a grub.cfg that boots it at once, and
 * grub-mkrescue (GRUB's own ISO maker, which runs xorriso, and mformat for
 * the UEFI boot image) turns that into an ISO, lean: no locales, fonts or
 * themes, only the GRUB modules booting needs.  Run without a shell; its
 * stderr is kept in a log and only its last line shown when it fails.  The
 * ISO is written under a temporary name beside OUT and renamed, so OUT is
 * either the old file or the whole new one.
 */
#include "iso.h"
#include "mkutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elfimage.h"

extern char **environ;

#define MB2_MAGIC 0xE85250D6u
#define MB2_SEARCH 32768 /* the header lies in the file's first 32 KiB */
#define GRUB_LIB "/usr/lib/grub"
/* GRUB's modules on the disc: booting, the consoles, Shift, and every partition
 * map (GRUB loads them all from a disk; a missing one is an error message). */
#define GRUB_MODULES                                                                                                   \
	"multiboot2 normal serial terminal iso9660 keystatus part_msdos part_gpt part_apple part_acorn part_amiga "    \
	"part_bsd part_dfly part_dvh part_plan part_sun part_sunpc"

/* A multiboot2 header: 8-aligned in the first 32 KiB, magic, architecture
 * 0 (i386), a length that fits, and a checksum making the four words sum
 * to 0. */
static int has_mb2(const uint8_t *f, size_t size)
{
	size_t end = size < MB2_SEARCH ? size : MB2_SEARCH;
	for (size_t off = 0; off + 16 <= end; off += 8) {
		uint32_t h[4];
		memcpy(h, f + off, sizeof h);
		if (h[0] == MB2_MAGIC && h[1] == 0 && h[2] >= 16 && h[2] <= end - off &&
		    (uint32_t)(h[0] + h[1] + h[2] + h[3]) == 0)
			return 1;
	}
	return 0;
}

/* Is name an executable file in a directory of $PATH? */
static int in_path(const char *name)
{
	const char *p = getenv("PATH");
	char buf[PATH_MAX];
	struct stat st;
	if (!p)
		p = "/usr/bin:/bin";
	for (;;) {
		size_t n = strcspn(p, ":");
		if (snprintf(buf, sizeof buf, "%.*s/%s", n ? (int)n : 1, n ? p : ".", name) < (int)sizeof buf &&
		    stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* The tools (and GRUB platform files) an ISO needs; one line naming the
 * Debian packages of those missing. */
static int check_tools(int bios_only)
{
	static const struct {
		const char *thing, *pkg;
		int efi; /* needed only for the UEFI half */
	} need[] = {
		{ "grub-mkrescue", "grub-common", 0 },
		{ "xorriso", "xorriso", 0 },
		{ "mformat", "mtools", 1 },
		{ GRUB_LIB "/i386-pc/multiboot2.mod", "grub-pc-bin", 0 },
		{ GRUB_LIB "/x86_64-efi/multiboot2.mod", "grub-efi-amd64-bin", 1 },
	};
	char names[256] = "", pkgs[256] = "";
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		if (need[i].efi && bios_only)
			continue;
		if (need[i].thing[0] == '/' ? access(need[i].thing, R_OK) == 0 : in_path(need[i].thing))
			continue;
		const char *slash = strrchr(need[i].thing, '/');
		char what[64];
		if (slash) /* a GRUB platform: name its directory */
			snprintf(what, sizeof what, "GRUB's %.*s files",
				 (int)(slash - need[i].thing - strlen(GRUB_LIB) - 1),
				 need[i].thing + strlen(GRUB_LIB) + 1);
		else
			snprintf(what, sizeof what, "%s", need[i].thing);
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "", what);
		snprintf(pkgs + strlen(pkgs), sizeof pkgs - strlen(pkgs), " %s", need[i].pkg);
	}
	if (!names[0])
		return 0;
	return mk_fail(1, "--iso needs %s (not found): install with: sudo apt-get install -y%s", names, pkgs);
}

/* A growing string (the boot configuration). */
struct buf {
	char *p;
	size_t n, cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* s in GRUB script single quotes: all literal, ' itself as '\''. */
static void put_quoted(struct buf *b, const char *s)
{
	put(b, "'", 1);
	for (; *s; s++)
		if (*s == '\'')
			put(b, "'\\''", 4);
		else
			put(b, s, 1);
	put(b, "'", 1);
}

/*
 * The boot configuration.  GRUB re-quotes the arguments it was given into
 * the multiboot2 command line (words with blanks in double quotes, \ ' and "
 * after a backslash), which the pc platform splits back into the same words.
 * timeout=0 boots at once: no wait.  Shift held on the console (keystatus,
 * a check and no wait) shows the menu instead, where e edits the command
 * line.  (timeout_style=hidden would let Esc on the serial line in too, but
 * costs a wait: at least a second, and Debian's GRUB 2.06 turns timeout=0
 * into 3 s there.)
 */
static int write_cfg(const char *path, const char *title, char *const *args, int nargs)
{
	struct buf b = { 0 };
	puts_(&b, "# Written by tincan-mkimage --iso: boots /boot/tincan.elf at once, console on COM1\n"
		  "# (115200 8N1) and the screen.  Hold Shift while GRUB starts for the menu (e edits the\n"
		  "# command line, Ctrl-x boots it).\n"
		  "serial --unit=0 --speed=115200\n"
		  "terminal_input serial console\n"
		  "terminal_output serial console\n"
		  "set default=0\n"
		  "set timeout=0\n"
		  "if keystatus --shift; then set timeout=-1; fi\n"
		  "menuentry ");
	put_quoted(&b, title);
	puts_(&b, " {\n\tmultiboot2 /boot/tincan.elf");
	for (int i = 0; i < nargs; i++) {
		put(&b, " ", 1);
		put_quoted(&b, args[i]);
	}
	puts_(&b, "\n}\n");
	int r = b.oom ? (errno = ENOMEM, -1) : mk_write_file(path, b.p, b.n, O_TRUNC);
	free(b.p);
	return r;
}

/* The last non-empty line of a log (of its last 4 KiB), without its newline. */
static void last_line(const char *log, char *line, size_t len)
{
	char buf[4096];
	ssize_t n = -1;
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	line[0] = '\0';
	if (fd >= 0) {
		off_t end = lseek(fd, 0, SEEK_END);
		n = pread(fd, buf, sizeof buf, end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0);
		close(fd);
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n <= 0)
		return;
	ssize_t start = n;
	while (start > 0 && buf[start - 1] != '\n' && buf[start - 1] != '\r')
		start--;
	size_t k = (size_t)(n - start) < len - 1 ? (size_t)(n - start) : len - 1;
	memcpy(line, buf + start, k);
	line[k] = '\0';
}

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Run grub-mkrescue: 0 on success, else an exit status (message printed). */
static int mkrescue(const char *stage, const char *tmp, int bios_only)
{
	char tree[PATH_MAX], log[PATH_MAX];
	snprintf(tree, sizeof tree, "%s/iso", stage);
	snprintf(log, sizeof log, "%s/grub-mkrescue.log", stage);
	const char *argv[16];
	int n = 0;
	argv[n++] = "grub-mkrescue";
	if (bios_only)
		argv[n++] = "-d", argv[n++] = GRUB_LIB "/i386-pc";
	argv[n++] = "--locales=";
	argv[n++] = "--fonts=";
	argv[n++] = "--themes=";
	argv[n++] = "--install-modules=" GRUB_MODULES;
	argv[n++] = "-o", argv[n++] = tmp, argv[n++] = tree;
	argv[n++] = "--"; /* for xorriso: pad, or GRUB reads past the end of a disc */
	argv[n++] = "-padding", argv[n++] = "32k";
	argv[n] = NULL;

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	int status = 0;
	if (!err)
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR || (stop_signal && kill(pid, SIGTERM) < 0 && errno != ESRCH)) {
				status = -1;
				break;
			}
	if (err)
		return mk_fail(1, "cannot run grub-mkrescue: %s", strerror(err));
	if (stop_signal)
		return mk_fail(1, "interrupted (signal %d): no ISO written", (int)stop_signal);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char line[400];
	last_line(log, line, sizeof line);
	if (WIFSIGNALED(status))
		return mk_fail(1, "grub-mkrescue was killed by signal %d: %s", WTERMSIG(status), line);
	return mk_fail(1, "grub-mkrescue failed (exit %d): %s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       line[0] ? line : "(no output)");
}

/* Stage the tree and make the ISO at tmp. */
static int build(const char *stage, const char *tmp, const struct ei_image *img, const char *image, int bios_only,
		 char *const *args, int nargs)
{
	char path[PATH_MAX], title[64];
	static const char *const dirs[] = { "iso", "iso/boot", "iso/boot/grub" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", stage, dirs[i]);
		if (mkdir(path, 0755) < 0)
			return mk_fail(1, "%s: %s", path, strerror(errno));
	}
	snprintf(path, sizeof path, "%s/iso/boot/tincan.elf", stage);
	if (mk_write_file(path, img->file, img->size, O_TRUNC) < 0)
		return mk_fail(1, "%s: %s", path, strerror(errno));
	const char *name = img->manifest->name;
	const char *base = strrchr(image, '/') ? strrchr(image, '/') + 1 : image;
	snprintf(title, sizeof title, "tincan %.40s", name[0] ? name : base);
	for (char *c = title; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(path, sizeof path, "%s/iso/boot/grub/grub.cfg", stage);
	if (write_cfg(path, title, args, nargs) < 0)
		return mk_fail(1, "%s: %s", path, strerror(errno));
	return mkrescue(stage, tmp, bios_only);
}

int iso_write(const char *out, const char *image, int bios_only, char *const *args, int nargs)
{
	/* GRUB passes words through; it cannot pass an empty one or a
	 * control character (the guest splits at blanks). */
	for (int i = 0; i < nargs; i++) {
		if (!args[i][0])
			return mk_fail(2, "argument %d is empty: GRUB cannot pass an empty word to the kernel", i + 1);
		for (const char *c = args[i]; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return mk_fail(2, "argument %d has a control character (0x%02x): GRUB cannot pass it",
					       i + 1, (unsigned char)*c);
	}

	struct stat st;
	struct ei_image img;
	if (mk_load_image(image, &img, &st))
		return 1;
	if (img.manifest->platform != TC_PLATFORM_PC)
		return mk_fail(
		    1,
		    "%s was linked for the %s platform; an ISO boots a pc image: link it with tincan-cc --platform=pc",
		    image, ei_platform_name(img.manifest->platform));
	if (!has_mb2(img.file, img.size))
		return mk_fail(1,
			       "%s has no multiboot2 header in its first 32 KiB: GRUB cannot boot it (link it with "
			       "tincan-cc --platform=pc)",
			       image);
	int status = check_tools(bios_only);
	if (status)
		return status;

	const char *tmpdir = getenv("TMPDIR");
	char stage[PATH_MAX - 64], tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", out) >= (int)sizeof tmp ||
	    snprintf(stage, sizeof stage, "%s/tincan-iso.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp") >=
		(int)sizeof stage)
		return mk_fail(1, "%s: path too long", out);
	/* Interrupted from here on (staging, grub-mkrescue, the rename), we
	 * stop grub-mkrescue and clean up rather than die and leave files. */
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (!mkdtemp(stage)) {
		for (int i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
		return mk_fail(1, "cannot make a staging directory %s: %s", stage, strerror(errno));
	}
	int tfd = mkstemp(tmp);
	if (tfd < 0) {
		status = mk_fail(1, "cannot create %s: %s", out, strerror(errno));
	} else {
		close(tfd);
		status = build(stage, tmp, &img, image, bios_only, args, nargs);
		if (!status && stop_signal)
			status = mk_fail(1, "interrupted (signal %d): no ISO written", (int)stop_signal);
		status = mk_commit(status, tmp, out);
	}
	/* What build() wrote, and grub-mkrescue's log (it writes nothing else here). */
	static const char *const staged[] = { "iso/boot/tincan.elf",
					      "iso/boot/grub/grub.cfg",
					      "grub-mkrescue.log",
					      "iso/boot/grub",
					      "iso/boot",
					      "iso",
					      "" };
	for (size_t i = 0; i < sizeof staged / sizeof staged[0]; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", stage, staged[i]);
		remove(path);
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	return status;
}

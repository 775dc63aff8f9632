/*
 * Host directories: --dir=HOST[:GUEST][:ro] shares a host directory with the
 * guest, like a WASI preopen, at GUEST (default: HOST's absolute path);
 * --cwd=PATH is the guest's working directory.  Each HOST is opened (O_PATH)
 * before the sandbox, and every path the guest names is resolved by the host
 * kernel beneath it with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS):
 * "..", an absolute path or a symbolic link cannot lead out, even while
 * directories move under the guest.  An operation on a name opens its parent
 * that way and uses the *at call on the last component, never "." or "..".
 * Open files are host fds in a bounded table; the guest sees their indices.
 * Reads and writes go straight between the file and the guest's buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"

struct hdir {
	int fd, ro;
};

static struct hdir dirs[TC_DIR_MAX];
static const char *args[TC_DIR_MAX], *cwd;
static unsigned nargs, ndirs, first_fd;
static int files[TC_FS_HANDLE_MAX]; /* host fd + 1; 0: free */
static unsigned char files_ro[TC_FS_HANDLE_MAX];

static int opt_dir(const char *v, char *err, size_t errlen)
{
	if (nargs == TC_DIR_MAX) {
		snprintf(err, errlen, "more than %d --dir options", TC_DIR_MAX);
		return -1;
	}
	args[nargs++] = v;
	return 0;
}

static int opt_cwd(const char *v, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	cwd = v;
	return 0;
}

/* An absolute, normal guest path: "/a/b", no "." or ".." or empty parts. */
static int normal(const char *p)
{
	if (*p != '/')
		return 0;
	while (*p == '/') {
		const char *s = ++p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - s);
		if (!n || (s[0] == '.' && (n == 1 || (n == 2 && s[1] == '.'))))
			return 0;
	}
	return 1;
}

static int beneath(int dfd, const char *p, uint64_t flags, uint64_t mode)
{
	struct open_how h = { flags | O_CLOEXEC, mode, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	/* With RESOLVE_BENEATH the kernel answers EAGAIN when a rename or mount
	 * anywhere on the host raced a ".." step (it cannot then prove the
	 * step stayed inside): retry, a bounded number of times. */
	int r, tries = 0;
	do
		r = (int)syscall(SYS_openat2, dfd, p, &h, sizeof h);
	while (r < 0 && errno == EAGAIN && ++tries < 64);
	return r;
}

static void add(struct tc_boot_info *bi, const char *arg)
{
	char host[4096], link[32];
	struct tc_boot_dir *b = &bi->dir[ndirs];
	const char *c = strchr(arg, ':'), *g = c ? c + 1 : NULL, *ro = g ? strchr(g, ':') : NULL;
	size_t hl = c ? (size_t)(c - arg) : strlen(arg), gl = 0;

	if (g && !ro && strcmp(g, "ro") == 0)
		ro = c, g = NULL;
	if (g)
		gl = ro ? (size_t)(ro - g) : strlen(g);
	if (!hl || hl >= sizeof host || (ro && strcmp(ro + 1, "ro")))
		die(TC_STATUS_USAGE, "invalid --dir=%s: expected HOST[:GUEST][:ro]", arg);
	memcpy(host, arg, hl);
	host[hl] = '\0';
	int fd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die(TC_STATUS_USAGE, "--dir=%s: %s: %s", arg, host,
		    errno == ENOTDIR ? "not a directory" : strerror(errno));
	if (g) {
		if (gl >= sizeof b->path)
			die(TC_STATUS_USAGE, "--dir=%s: GUEST is longer than %d bytes", arg, TC_DIR_PATH_MAX - 1);
		memcpy(b->path, g, gl);
	} else {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		long n = syscall(SYS_readlink, link, b->path, sizeof b->path);
		if (n < 0 || (size_t)n >= sizeof b->path)
			die(TC_STATUS_USAGE, "--dir=%s: cannot name %s in the guest: pass --dir=HOST:GUEST", arg, host);
	}
	if (!normal(b->path) || strcmp(b->path, "/") == 0)
		die(TC_STATUS_USAGE, "--dir=%s: GUEST '%s' is not an absolute path below / (like /data)", arg, b->path);
	for (unsigned i = 0; i < ndirs; i++)
		if (strcmp(bi->dir[i].path, b->path) == 0)
			die(TC_STATUS_USAGE, "--dir=%s: %s is already shared", arg, b->path);
	if (!ndirs) {
		int t = beneath(fd, ".", O_PATH, 0);
		if (t < 0 && errno == ENOSYS)
			die(TC_STATUS_HOST, "--dir needs openat2(), Linux 5.6 or later");
		close(t);
	}
	b->flags = ro ? TC_DIR_RO : 0;
	dirs[ndirs++] = (struct hdir){ fd, ro != NULL };
}

/* Before the jail: it may leave us without a /proc or a right to HOST's path. */
static void open_dirs(struct vm *vm, struct tc_boot_info *bi)
{
	for (unsigned i = 0; i < nargs; i++)
		add(bi, args[i]);
	bi->ndir = ndirs;
	if (ndirs)
		vm->share_fd = dirs[0].fd + 1;
	if (cwd) {
		if ((!normal(cwd) && strcmp(cwd, "/")) || strlen(cwd) >= sizeof bi->cwd)
			die(TC_STATUS_USAGE, "--cwd=%s: not an absolute normal path under %d bytes", cwd,
			    TC_DIR_PATH_MAX);
		memcpy(bi->cwd, cwd, strlen(cwd) + 1);
	}
}

/* The fds opened from now on must lie above every fd opened before (see
 * seccomp.c): fill the gaps below the highest one with /dev/null. */
static void start(struct vm *vm)
{
	(void)vm;
	int hi = 0, fd;
	if (!ndirs)
		return;
	for (fd = 0; fd < 1024; fd++)
		if (sys_fcntl(fd, F_GETFD, 0) >= 0)
			hi = fd;
	/* dup, not /dev/null: the jail may have left no /dev. */
	while ((fd = sys_fcntl(dirs[0].fd, F_DUPFD_CLOEXEC, 0)) >= 0 && fd < hi)
		;
	if (fd < 0)
		die(TC_STATUS_HOST, "--dir: %m");
	close(fd);
	first_fd = (unsigned)fd;
}

static void fds(struct mod_fds *f)
{
	for (unsigned i = 0; i < ndirs; i++)
		f->dir[f->ndir++] = (unsigned)dirs[i].fd;
	f->dyn_lo = first_fd;
	f->dyn_hi = first_fd + TC_FS_HANDLE_MAX + 4;
}

static int64_t sys(long r)
{
	return r < 0 ? -(int64_t)errno : r;
}

/* Copy the guest's path (len bytes, no NUL) to out; "" is ".". */
static int64_t gpath(struct vm *vm, unsigned nr, uint64_t p, uint64_t len, char *out)
{
	if (len > TC_FS_NAME_MAX)
		return -ENAMETOOLONG;
	if (len)
		memcpy(out, hc_buf(vm, nr, p, len, GM_R), len);
	out[len] = '\0';
	if (strlen(out) != len)
		return -EINVAL;
	if (!len)
		memcpy(out, ".", 2);
	return 0;
}

/* Open the parent of p beneath d; *last is p's last component. */
static int64_t parent(const struct hdir *d, char *p, const char **last)
{
	char *s = NULL;
	for (char *c = p; *c; c++) /* strrchr, without musl's (and its memrchr) */
		if (*c == '/')
			s = c;
	*last = s ? s + 1 : p;
	if (!**last || strcmp(*last, ".") == 0 || strcmp(*last, "..") == 0)
		return -EINVAL;
	if (s)
		*s = '\0';
	return sys(beneath(d->fd, !s ? "." : s == p ? "/" : p, O_PATH | O_DIRECTORY, 0));
}

static uint64_t ino_of(uint64_t ino, uint64_t dev)
{
	return ino + dev * 0x9e3779b97f4a7c15ULL;
}

static int64_t put_stat(struct vm *vm, unsigned nr, int fd, uint64_t buf, uint64_t len)
{
	struct stat st;
	if (len != sizeof(struct tc_stat))
		guest_fatal(vm, TC_STATUS_ABI, "guest passed a stat buffer of %llu bytes", (unsigned long long)len);
	struct tc_stat *t = hc_buf(vm, nr, buf, len, GM_W);
	if (syscall(SYS_fstat, fd, &st) < 0)
		return -errno;
	/* The device folded in: files of two host file systems mounted under
	 * one shared directory must not share an identity (the guest caches by
	 * it; tar and cp take equal numbers for hard links). */
	*t = (struct tc_stat){ ino_of(st.st_ino, st.st_dev),
			       (uint64_t)st.st_size,
			       (uint64_t)st.st_blocks,
			       st.st_atim.tv_sec * 1000000000LL + st.st_atim.tv_nsec,
			       st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
			       st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec,
			       st.st_mode,
			       (uint32_t)st.st_nlink };
	return 0;
}

static struct timespec tspec(uint64_t ns)
{
	if (ns >= TC_UTIME_OMIT)
		return (struct timespec){ 0, ns == TC_UTIME_NOW ? UTIME_NOW : UTIME_OMIT };
	return (struct timespec){ (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
}

static int64_t fs_open(const struct hdir *d, const char *p, uint64_t fl, uint64_t mode)
{
	unsigned h = 0;
	if ((fl & ~(uint64_t)(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_DIRECTORY | O_NOFOLLOW)) ||
	    (fl & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	while (h < TC_FS_HANDLE_MAX && files[h])
		h++;
	if (h == TC_FS_HANDLE_MAX)
		return -EMFILE;
	/* Non-blocking: a FIFO in the directory must not stop the monitor. */
	int fd = beneath(d->fd, p, fl | O_NONBLOCK | O_NOCTTY, fl & O_CREAT ? mode & 07777 : 0);
	if (fd < 0)
		return -errno;
	files[h] = fd + 1;
	files_ro[h] = (unsigned char)d->ro;
	return h;
}

static void hc_fs_path(struct vm *vm, void *arg)
{
	struct tc_hc_fs_path *a = arg;
	char p[TC_FS_NAME_MAX + 1], q[TC_FS_NAME_MAX + 1];
	const char *last, *last2;
	int64_t r, pfd = -1, qfd = -1;

	if (a->op > TC_FS_UTIMENS)
		guest_fatal(vm, TC_STATUS_ABI, "guest asked for unknown path op %u", a->op);
	if (a->dir >= ndirs) {
		a->ret = -EBADF;
		return;
	}
	const struct hdir *d = &dirs[a->dir];
	if ((r = gpath(vm, TC_HC_FS_PATH, a->path, a->len, p)))
		goto out;
	if (d->ro && a->op != TC_FS_LSTAT && a->op != TC_FS_READLINK &&
	    (a->op != TC_FS_OPEN || (a->arg & (O_ACCMODE | O_CREAT | O_TRUNC)))) {
		r = -EROFS;
		goto out;
	}
	if (a->op == TC_FS_OPEN) {
		r = fs_open(d, p, a->arg, a->arg2);
	} else if (a->op == TC_FS_LSTAT) {
		if ((r = pfd = sys(beneath(d->fd, p, O_PATH | O_NOFOLLOW, 0))) >= 0)
			r = put_stat(vm, TC_HC_FS_PATH, (int)pfd, a->buf, a->buflen);
	} else if ((r = pfd = parent(d, p, &last)) >= 0) {
		int fd = (int)pfd;
		switch (a->op) {
		case TC_FS_MKDIR: r = sys(mkdirat(fd, last, a->arg & 07777)); break;
		case TC_FS_UNLINK: r = sys(unlinkat(fd, last, 0)); break;
		case TC_FS_RMDIR: r = sys(unlinkat(fd, last, AT_REMOVEDIR)); break;
		case TC_FS_RENAME:
			if (!(r = gpath(vm, TC_HC_FS_PATH, a->buf, a->buflen, q)) &&
			    (r = qfd = parent(d, q, &last2)) >= 0)
				r = sys(renameat(fd, last, (int)qfd, last2));
			break;
		case TC_FS_SYMLINK:
			if (!(r = gpath(vm, TC_HC_FS_PATH, a->buf, a->buflen, q)))
				r = sys(symlinkat(q, fd, last));
			break;
		case TC_FS_READLINK:
			r = !a->buflen ? -EINVAL
				       : sys(syscall(SYS_readlinkat, fd, last,
						     hc_buf(vm, TC_HC_FS_PATH, a->buf, a->buflen, GM_W), a->buflen));
			break;
		default:
			r = sys(syscall(SYS_utimensat, fd, last, (struct timespec[2]){ tspec(a->arg), tspec(a->arg2) },
					AT_SYMLINK_NOFOLLOW));
		}
	}
	if (pfd >= 0)
		close((int)pfd);
	if (qfd >= 0)
		close((int)qfd);
out:
	a->ret = r;
}

/* Entries from cookie off, "." and ".." left out: Linux's dirent64 layout
 * is the guest's (abi.h). */
static int64_t fs_readdir(struct vm *vm, int fd, const struct tc_hc_fs_file *a)
{
	uint64_t buf[512];
	uint8_t *out = hc_buf(vm, TC_HC_FS_FILE, a->buf, a->len, GM_W);
	size_t len = a->len < sizeof buf ? a->len : sizeof buf;
	int64_t o = 0;
	struct stat st;

	if (lseek(fd, (off_t)a->off, SEEK_SET) < 0 || syscall(SYS_fstat, fd, &st) < 0)
		return -errno;
	while (!o) {
		long n = syscall(SYS_getdents64, fd, buf, len);
		if (n <= 0)
			return n < 0 ? -errno : 0;
		for (long i = 0; i < n;) {
			struct tc_dirent *e = (struct tc_dirent *)((uint8_t *)buf + i);
			const char *s = e->name;
			if (!(s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2])))) {
				e->ino = ino_of(e->ino, st.st_dev); /* as a stat's (put_stat) */
				memcpy(out + o, e, e->reclen);
				o += e->reclen;
			}
			i += e->reclen;
		}
	}
	return o;
}

static void hc_fs_file(struct vm *vm, void *arg)
{
	struct tc_hc_fs_file *a = arg;
	unsigned h = a->handle;
	int64_t r = -EBADF;

	if (a->op > TC_FS_FSYNC)
		guest_fatal(vm, TC_STATUS_ABI, "guest asked for unknown file op %u", a->op);
	if (h >= TC_FS_HANDLE_MAX || !files[h])
		goto out;
	int fd = files[h] - 1;
	if (files_ro[h] && (a->op == TC_FS_PWRITE || a->op == TC_FS_TRUNCATE)) {
		r = -EROFS;
		goto out;
	}
	if (a->off > INT64_MAX) {
		r = -EINVAL;
		goto out;
	}
	switch (a->op) {
	case TC_FS_CLOSE:
		files[h] = 0;
		r = sys(close(fd));
		break;
	case TC_FS_PREAD:
	case TC_FS_PWRITE:
		r = 0;
		if (a->len) {
			void *b = hc_buf(vm, TC_HC_FS_FILE, a->buf, a->len, a->op == TC_FS_PREAD ? GM_W : GM_R);
			r = sys(a->op == TC_FS_PREAD ? pread(fd, b, a->len, (off_t)a->off)
						     : pwrite(fd, b, a->len, (off_t)a->off));
		}
		break;
	case TC_FS_FSTAT: r = put_stat(vm, TC_HC_FS_FILE, fd, a->buf, a->len); break;
	case TC_FS_READDIR: r = a->len ? fs_readdir(vm, fd, a) : -EINVAL; break;
	case TC_FS_TRUNCATE: r = sys(ftruncate(fd, (off_t)a->off)); break;
	default: r = sys(fsync(fd));
	}
out:
	a->ret = r;
}

static const struct mod_option options[] = { { "--dir", opt_dir }, { "--cwd", opt_cwd }, { NULL, NULL } };

static const struct hc_def hc[] = {
	HC_ENTRY(TC_HC_FS_PATH, "fs_path", struct tc_hc_fs_path, ret, hc_fs_path),
	HC_ENTRY(TC_HC_FS_FILE, "fs_file", struct tc_hc_fs_file, ret, hc_fs_file),
};

const struct module dir_module = {
	.options = options,
	.usage = USAGE("  --dir=HOST[:GUEST][:ro]\n"
		 "                        share the host directory HOST at GUEST (default: its own path),\n"
		 "                        read-only with :ro; nothing outside it is reachable (repeatable)\n"
		 "  --cwd=PATH            the guest's working directory (default /)\n"),
	.open = open_dirs,
	.start = start,
	.fds = fds,
	.hc = hc,
	.nhc = sizeof hc / sizeof hc[0],
};

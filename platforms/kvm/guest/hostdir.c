/*
 * The KVM platform's host directories: plat_dir_* as tincan-run's file
 * hypercalls (TC_HC_FS_PATH on a path, TC_HC_FS_FILE on a handle, see
 * platforms/kvm/abi.h).  Buffers go to the monitor as they are: one exit
 * per call.  The monitor answers with Linux's errno numbers; libos wants
 * newlib's.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hypercall.h"
#include <tincan/platform.h>

_Static_assert(PLAT_DIR_MAX == TC_DIR_MAX && sizeof(struct plat_stat) == sizeof(struct tc_stat) &&
		   offsetof(struct plat_dirent, name) == offsetof(struct tc_dirent, name) &&
		   offsetof(struct plat_dirent, type) == offsetof(struct tc_dirent, type),
	       "host directory layouts differ");

extern const struct tc_boot_info *tc_kvm_boot_info;
static struct plat_dir_info infos[PLAT_DIR_MAX];

int plat_dir_count(void)
{
	const struct tc_boot_info *bi = tc_kvm_boot_info;
	return bi->ndir < PLAT_DIR_MAX ? (int)bi->ndir : PLAT_DIR_MAX;
}

const struct plat_dir_info *plat_dir_info(int dir)
{
	if (dir < 0 || dir >= plat_dir_count())
		return NULL;
	const struct tc_boot_dir *d = &tc_kvm_boot_info->dir[dir];
	infos[dir].path = d->path;
	infos[dir].read_only = (d->flags & TC_DIR_RO) != 0;
	return &infos[dir];
}

const char *plat_dir_cwd(void)
{
	const char *c = tc_kvm_boot_info->cwd;
	return c[0] == '/' ? c : NULL;
}

/* Linux's errno (the monitor's) as newlib's: 1..34 agree. */
static long err(int64_t r)
{
	if (r >= 0 || r >= -34)
		return (long)r;
	switch (-r) {
	case 36: return -ENAMETOOLONG;
	case 39: return -ENOTEMPTY;
	case 40: return -ELOOP;
	case 122: return -EDQUOT;
	default: return -EIO;
	}
}

static long path_op(unsigned op, int dir, const char *path, const void *buf, size_t buflen, uint64_t arg, uint64_t arg2)
{
	struct tc_hc_fs_path a = {
		op, (uint32_t)dir, (uint64_t)(uintptr_t)path, strlen(path), (uint64_t)(uintptr_t)buf, buflen, arg, arg2,
		0
	};
	tc_hypercall(TC_HC_FS_PATH, &a);
	return err(a.ret);
}

/*
 * Handles are the monitor's plus TC_FS_HANDLE_MAX times boot info's
 * generation: a guest restored from a snapshot (generation + 1) runs on a
 * new monitor that knows none of the old one's handles and hands out the
 * same numbers again, so a file opened before the snapshot answers EBADF
 * (closing it succeeds) and never reaches the new monitor's files.
 */
static int generation(void)
{
	const struct tc_boot_info *bi = tc_kvm_boot_info;
	return bi->size >= offsetof(struct tc_boot_info, generation) + sizeof bi->generation &&
		       (bi->caps & TC_CAP_SNAPSHOT)
		   ? (int)(bi->generation & 0xffffff)
		   : 0;
}

static long file_op(unsigned op, int h, const void *buf, size_t len, uint64_t off)
{
	if (h < 0 || h / TC_FS_HANDLE_MAX != generation())
		return op == TC_FS_CLOSE ? 0 : -EBADF;
	struct tc_hc_fs_file a = { op, (uint32_t)(h % TC_FS_HANDLE_MAX), (uint64_t)(uintptr_t)buf, len, off, 0 };
	tc_hypercall(TC_HC_FS_FILE, &a);
	return err(a.ret);
}

int plat_dir_open(int dir, const char *path, int how, unsigned mode)
{
	uint64_t fl = (how & PLAT_DIR_WRITE) ? ((how & PLAT_DIR_READ) ? TC_O_RDWR : TC_O_WRONLY) : TC_O_RDONLY;
	if (how & PLAT_DIR_CREATE)
		fl |= TC_O_CREAT | TC_O_EXCL;
	if (how & PLAT_DIR_DIRECTORY)
		fl |= TC_O_DIRECTORY;
	long h = path_op(TC_FS_OPEN, dir, path, NULL, 0, fl, mode);
	return h < 0 ? (int)h : (int)h + generation() * TC_FS_HANDLE_MAX;
}

int plat_dir_lstat(int dir, const char *path, struct plat_stat *st)
{
	return (int)path_op(TC_FS_LSTAT, dir, path, st, sizeof *st, 0, 0);
}

int plat_dir_mkdir(int dir, const char *path, unsigned mode)
{
	return (int)path_op(TC_FS_MKDIR, dir, path, NULL, 0, mode, 0);
}

int plat_dir_unlink(int dir, const char *path)
{
	return (int)path_op(TC_FS_UNLINK, dir, path, NULL, 0, 0, 0);
}

int plat_dir_rmdir(int dir, const char *path)
{
	return (int)path_op(TC_FS_RMDIR, dir, path, NULL, 0, 0, 0);
}

int plat_dir_rename(int dir, const char *from, const char *to)
{
	return (int)path_op(TC_FS_RENAME, dir, from, to, strlen(to), 0, 0);
}

int plat_dir_symlink(int dir, const char *target, const char *path)
{
	return (int)path_op(TC_FS_SYMLINK, dir, path, target, strlen(target), 0, 0);
}

long plat_dir_readlink(int dir, const char *path, char *buf, size_t size)
{
	return path_op(TC_FS_READLINK, dir, path, buf, size, 0, 0);
}

int plat_dir_utimens(int dir, const char *path, uint64_t atime_ns, uint64_t mtime_ns)
{
	return (int)path_op(TC_FS_UTIMENS, dir, path, NULL, 0, atime_ns, mtime_ns);
}

int plat_dir_close(int h)
{
	return (int)file_op(TC_FS_CLOSE, h, NULL, 0, 0);
}

long plat_dir_pread(int h, void *buf, size_t len, uint64_t off)
{
	return file_op(TC_FS_PREAD, h, buf, len, off);
}

long plat_dir_pwrite(int h, const void *buf, size_t len, uint64_t off)
{
	return file_op(TC_FS_PWRITE, h, buf, len, off);
}

int plat_dir_fstat(int h, struct plat_stat *st)
{
	return (int)file_op(TC_FS_FSTAT, h, st, sizeof *st, 0);
}

long plat_dir_readdir(int h, uint64_t cookie, void *buf, size_t len)
{
	return file_op(TC_FS_READDIR, h, buf, len, cookie);
}

int plat_dir_truncate(int h, uint64_t size)
{
	return (int)file_op(TC_FS_TRUNCATE, h, NULL, 0, size);
}

int plat_dir_fsync(int h)
{
	return (int)file_op(TC_FS_FSYNC, h, NULL, 0, 0);
}

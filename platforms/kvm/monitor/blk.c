/*
 * Block devices: --block=[NAME:]FILE attaches a host file to a block device
 * the image's manifest declares; the guest's requests move through one ring
 * per device (see abi.h) in batches, on TC_HC_BLK_IO or any wait, and are
 * carried out at once with pread64/pwrite64/fdatasync.  The monitor keeps
 * its own copies of the ring's address and of the indices it owns, copies
 * each request once, and checks every index, op, sector range and buffer:
 * a lie stops the guest (TC_STATUS_ABI) before any byte reaches the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"

#define BLK_EV_SHIFT 16 /* TC_EV_BLK(dev) */
#define BLK_EV_MASK ((1ULL << TC_BLK_DEV_MAX) - 1)

_Static_assert(TC_MFT_MOUNT_MAX == sizeof(((struct tc_boot_blk *)0)->mount), "mount point sizes differ");
_Static_assert(TC_EV_BLK(0) > TC_EV_NET(TC_NET_DEV_MAX - 1), "event bits overlap");

struct blk_dev {
	const char *path;
	int fd;
	int ro;
	uint64_t sectors;
	struct tc_blk_ring *ring; /* host address, checked at setup; NULL until then */
	uint32_t req_cons, done_prod;
};

static struct blk_dev devs[TC_BLK_DEV_MAX];
static unsigned ndevs;
static const char *args[TC_BLK_DEV_MAX]; /* --block=[NAME:]FILE */
static int nargs;

static int opt_block(const char *v, char *err, size_t errlen)
{
	if (nargs == TC_BLK_DEV_MAX) {
		snprintf(err, errlen, "more than %d --block options", TC_BLK_DEV_MAX);
		return -1;
	}
	args[nargs++] = v;
	return 0;
}

/* The manifest's index of block device name (NULL: the only one), or -1;
 * list gets the names it declares. */
static int declared(const struct tc_manifest *m, const char *name, int *count, char *list, size_t len)
{
	int found = -1;
	size_t at = 0;
	*count = 0;
	list[0] = '\0';
	for (uint32_t i = 0; i < m->ndevices; i++) {
		if (m->devices[i].type != TC_DEV_BLOCK)
			continue;
		++*count;
		at += (size_t)snprintf(list + at, at < len ? len - at : 0, "%s%s", at ? ", " : "", m->devices[i].name);
		if (!name || strcmp(m->devices[i].name, name) == 0)
			found = (int)i;
	}
	if (!list[0])
		memcpy(list, "none", 5);
	return found;
}

/* Before the jail, before the manifest is known: open, check and lock FILE. */
static void open_file(struct vm *vm, const char *arg)
{
	const char *colon = strchr(arg, ':'), *path = colon ? colon + 1 : arg;
	if (colon && (colon == arg || colon - arg >= TC_MFT_DEVNAME_MAX || !colon[1]))
		die(TC_STATUS_USAGE, "invalid --block=%s: expected NAME:FILE or FILE", arg);

	struct blk_dev *d = &devs[ndevs];
	struct stat st;
	d->path = path;
	/* A file nobody may write is a read-only device, even for root. */
	d->ro = sys_stat(path, &st) == 0 && !(st.st_mode & 0222);
	d->fd = open(path, (d->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		d->fd = open(path, O_RDONLY | O_CLOEXEC);
		d->ro = 1;
	}
	if (d->fd < 0)
		die(errno == ENOENT || errno == EACCES || errno == EISDIR || errno == ENOTDIR ? TC_STATUS_USAGE
											      : TC_STATUS_HOST,
		    "--block=%s: %s: %m", arg, path);
	if (sys_fstat(d->fd, &st) < 0)
		die(TC_STATUS_HOST, "--block=%s: %s: %m", arg, path);
	if (!S_ISREG(st.st_mode))
		die(TC_STATUS_USAGE, "--block=%s: %s is not a regular file", arg, path);
	if (st.st_size == 0 || st.st_size % TC_BLK_SECTOR)
		die(TC_STATUS_USAGE,
		    "--block=%s: %s has %lld bytes, not a positive multiple of %d (make one with: "
		    "truncate -s 64M %s)",
		    arg, path, (long long)st.st_size, TC_BLK_SECTOR, path);
	d->sectors = (uint64_t)st.st_size / TC_BLK_SECTOR;
	/* The jail's file-size limit must let every disk be written to its end. */
	if ((uint64_t)st.st_size > vm->write_max)
		vm->write_max = (uint64_t)st.st_size;
	ndevs++;
}

static void open_files(struct vm *vm, struct tc_boot_info *bi)
{
	(void)bi;
	for (int i = 0; i < nargs; i++)
		open_file(vm, args[i]);
}

/* Match the i-th --block with a block device the manifest declares. */
static void attach(struct vm *vm, struct tc_boot_info *bi, unsigned i)
{
	const struct tc_manifest *m = vm->img.manifest;
	char list[TC_MFT_DEVICES_MAX * (TC_MFT_DEVNAME_MAX + 2) + 8], name[TC_MFT_DEVNAME_MAX];
	const char *arg = args[i], *colon = strchr(arg, ':');
	int count, idx;

	if (colon) {
		memcpy(name, arg, (size_t)(colon - arg));
		name[colon - arg] = '\0';
		idx = declared(m, name, &count, list, sizeof list);
		if (idx < 0)
			die(TC_STATUS_USAGE, "--block=%s: %s declares no block device '%s' (it declares: %s)", arg,
			    vm->image_path, name, list);
	} else {
		idx = declared(m, NULL, &count, list, sizeof list);
		if (count != 1)
			die(TC_STATUS_USAGE, "--block=%s: %s declares %d block devices (%s): pass --block=NAME:FILE",
			    arg, vm->image_path, count, list);
	}
	for (unsigned j = 0; j < i; j++)
		if (strcmp(bi->blk[j].name, m->devices[idx].name) == 0)
			die(TC_STATUS_USAGE, "--block=%s: block device '%s' given twice", arg, m->devices[idx].name);
	struct stat st, o;
	if (sys_fstat(devs[i].fd, &st) < 0)
		die(TC_STATUS_HOST, "--block=%s: %m", arg);
	for (unsigned j = 0; j < i; j++)
		if (sys_fstat(devs[j].fd, &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino)
			die(TC_STATUS_USAGE, "--block=%s: %s is already attached as '%s'", arg, devs[i].path,
			    bi->blk[j].name);
	/* Two monitors writing one disk would corrupt it. */
	if (flock(devs[i].fd, LOCK_EX | LOCK_NB) < 0)
		die(errno == EWOULDBLOCK ? TC_STATUS_USAGE : TC_STATUS_HOST, "--block=%s: %s is busy (%s)", arg,
		    devs[i].path, errno == EWOULDBLOCK ? "another tincan-run has it attached" : strerror(errno));

	struct tc_boot_blk *b = &bi->blk[i];
	snprintf(b->name, sizeof b->name, "%s", m->devices[idx].name);
	memcpy(b->mount, m->mounts[idx], sizeof b->mount);
	b->mount[sizeof b->mount - 1] = '\0';
	b->sectors = devs[i].sectors;
	b->sector_size = TC_BLK_SECTOR;
	b->flags = devs[i].ro ? TC_BLK_RO : 0;
}

static void configure(struct vm *vm, struct tc_boot_info *bi)
{
	for (unsigned i = 0; i < ndevs; i++)
		attach(vm, bi, i);
	bi->nblk = ndevs;
}

static void lie(struct vm *vm, unsigned dev, const char *what, uint64_t v)
{
	guest_fatal(vm, TC_STATUS_ABI, "guest's block ring %u: %s (0x%llx)", dev, what, (unsigned long long)v);
}

static void hc_blk_setup(struct vm *vm, void *arg)
{
	struct tc_hc_blk_setup *a = arg;
	if (a->dev >= ndevs) {
		a->ret = -TC_EINVAL;
		return;
	}
	struct tc_blk_ring *r = (a->ring % 8) ? NULL : gm_ptr(&vm->gm, a->ring, sizeof *r, GM_R | GM_W);
	if (!r)
		guest_fatal(vm, TC_STATUS_ABI,
			    "guest passed a bad block ring address 0x%llx (must be %zu writable bytes)",
			    (unsigned long long)a->ring, sizeof *r);
	struct blk_dev *d = &devs[a->dev];
	d->ring = r;
	d->req_cons = r->req_prod;
	d->done_prod = r->done_cons;
	r->req_cons = d->req_cons;
	r->done_prod = d->done_prod;
	a->ret = 0;
}

static int32_t io_status(int e)
{
	return e == ENOSPC || e == EDQUOT ? -TC_ENOSPC : -TC_EIO;
}

/* Carry out one request, already copied out of the ring and checked. */
static int32_t perform(struct blk_dev *d, const struct tc_blk_req *q, uint8_t *p)
{
	if (q->op == TC_BLK_FLUSH) {
		if (d->ro)
			return 0;
		return fdatasync(d->fd) < 0 ? io_status(errno) : 0;
	}
	if (q->op == TC_BLK_WRITE && d->ro)
		return -TC_EROFS;
	uint64_t len = (uint64_t)q->count * TC_BLK_SECTOR, off = q->sector * TC_BLK_SECTOR;
	while (len) {
		ssize_t n = q->op == TC_BLK_READ ? pread(d->fd, p, len, (off_t)off) : pwrite(d->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_status(errno);
		if (n == 0) /* the file shrank under us */
			return -TC_EIO;
		p += n, off += (uint64_t)n, len -= (uint64_t)n;
	}
	return 0;
}

static uint8_t *check(struct vm *vm, unsigned i, const struct tc_blk_req *q)
{
	const struct blk_dev *d = &devs[i];
	if (q->op == TC_BLK_FLUSH) {
		if (q->count || q->sector || q->buf)
			lie(vm, i, "flush with a sector, count or buffer", q->count);
		return NULL;
	}
	if (q->op != TC_BLK_READ && q->op != TC_BLK_WRITE)
		lie(vm, i, "unknown request op", q->op);
	if (q->count == 0)
		lie(vm, i, "request for 0 sectors", 0);
	if (q->sector >= d->sectors || q->count > d->sectors - q->sector)
		lie(vm, i, "request past the end of the device", q->sector);
	uint8_t *p = gm_ptr(&vm->gm, q->buf, (uint64_t)q->count * TC_BLK_SECTOR, q->op == TC_BLK_READ ? GM_W : GM_R);
	if (!p)
		lie(vm, i,
		    q->op == TC_BLK_READ ? "read buffer outside writable guest memory"
					 : "write buffer outside readable guest memory",
		    q->buf);
	return p;
}

/* Carry out what device i queued, as far as its completion slots allow;
 * returns whether it has completions the guest has not collected. */
static int blk_run(struct vm *vm, unsigned i)
{
	struct blk_dev *d = &devs[i];
	struct tc_blk_ring *r = d->ring;
	uint32_t prod = __atomic_load_n(&r->req_prod, __ATOMIC_ACQUIRE);
	uint32_t seen = __atomic_load_n(&r->done_cons, __ATOMIC_ACQUIRE);

	if (prod - d->req_cons > TC_BLK_RING)
		lie(vm, i, "more requests queued than the ring holds", prod - d->req_cons);
	if (d->done_prod - seen > TC_BLK_RING)
		lie(vm, i, "completion index beyond those written", seen);
	for (; d->req_cons != prod && d->done_prod - seen < TC_BLK_RING; d->req_cons++) {
		struct tc_blk_req q = r->req[d->req_cons % TC_BLK_RING];
		uint8_t *p = check(vm, i, &q);
		int32_t st = perform(d, &q, p);
		/* --stats, --metrics: requests carried out; bytes of those that succeeded. */
		DBG_COUNT(blk_reads, q.op == TC_BLK_READ);
		DBG_COUNT(blk_writes, q.op == TC_BLK_WRITE);
		DBG_COUNT(blk_flushes, q.op == TC_BLK_FLUSH);
		DBG_COUNT(blk_read_bytes, q.op == TC_BLK_READ && !st ? (uint64_t)q.count * TC_BLK_SECTOR : 0);
		DBG_COUNT(blk_write_bytes, q.op == TC_BLK_WRITE && !st ? (uint64_t)q.count * TC_BLK_SECTOR : 0);
		r->done[d->done_prod % TC_BLK_RING] = (struct tc_blk_done){ q.tag, st, 0 };
		d->done_prod++;
	}
	r->req_cons = d->req_cons;
	__atomic_store_n(&r->done_prod, d->done_prod, __ATOMIC_RELEASE);
	return d->done_prod != seen;
}

static uint64_t blk_io(struct vm *vm, uint64_t mask)
{
	uint64_t pending = 0;
	for (unsigned i = 0; i < ndevs; i++)
		if ((mask & (1ULL << i)) && devs[i].ring && blk_run(vm, i))
			pending |= 1ULL << i;
	return pending;
}

static void hc_blk_io(struct vm *vm, void *arg)
{
	struct tc_hc_blk_io *a = arg;
	if (a->devs >> ndevs)
		guest_fatal(vm, TC_STATUS_ABI, "guest asked blk_io for devices it has not got (0x%llx)",
			    (unsigned long long)a->devs);
	a->ret = (int64_t)blk_io(vm, a->devs);
}

/* Every wait hands queued requests to their devices; one that wants a
 * device's event returns at once when it has completions to collect. */
static uint64_t wait_before(struct vm *vm, uint64_t wanted)
{
	uint64_t pending = blk_io(vm, BLK_EV_MASK);
	return (pending << BLK_EV_SHIFT) & wanted;
}

static void fds(struct mod_fds *f)
{
	for (unsigned i = 0; i < ndevs; i++) {
		fds_pio(f, devs[i].fd);
		/* No fd to poll (requests complete during the exit): ppoll ignores
		 * a negative fd, and the event becomes one a guest may wait for. */
		fds_wait(f, -1, TC_EV_BLK(i), NULL);
	}
}

static const struct mod_option options[] = { { "--block", opt_block }, { NULL, NULL } };

static const struct hc_def hc[] = {
	HC_ENTRY(TC_HC_BLK_SETUP, "blk_setup", struct tc_hc_blk_setup, ret, hc_blk_setup),
	HC_ENTRY(TC_HC_BLK_IO, "blk_io", struct tc_hc_blk_io, ret, hc_blk_io),
};

const struct module blk_module = {
	.options = options,
	.usage = USAGE("  --block=[NAME:]FILE   attach a disk file (its size a multiple of 512) to the image's block\n"
		 "                        device NAME (NAME may be left out when the image declares one);\n"
		 "                        a read-only file makes a read-only device\n"),
	.open = open_files,
	.configure = configure,
	.fds = fds,
	.wait_before = wait_before,
	.hc = hc,
	.nhc = sizeof hc / sizeof hc[0],
};

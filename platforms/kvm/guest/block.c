/*
 * The KVM platform's block devices: one ring per device shared with
 * tincan-run (platforms/kvm/abi.h), in the memory libos hands
 * plat_block_open.  Requests point at the caller's buffers (no copy); they
 * wait in the ring until plat_block_kick() or the next wait, and the
 * monitor carries out a whole batch in that one exit.
 */
#include <errno.h>
#include <string.h>

#include "hypercall.h"
#include <tincan/platform.h>

#define MEM ((sizeof(struct tc_blk_ring) + 63) & ~(size_t)63)

_Static_assert(PLAT_BLOCK_MAX == TC_BLK_DEV_MAX && PLAT_EV_BLOCK(1) == TC_EV_BLK(1), "block numbering differs");
_Static_assert((int)PLAT_BLOCK_READ == (int)TC_BLK_READ && (int)PLAT_BLOCK_WRITE == (int)TC_BLK_WRITE &&
		   (int)PLAT_BLOCK_FLUSH == (int)TC_BLK_FLUSH,
	       "block ops differ");

struct dev {
	struct tc_blk_ring *ring;
	struct plat_block_info info;
	uint32_t nkept, kept_at; /* in kept[]: completions from before a restore */
};

static struct dev blk_devs[PLAT_BLOCK_MAX];
static int blk_ndevs = -1;
extern const struct tc_boot_info *tc_kvm_boot_info;
extern void (*tc_kvm_blk_restored)(void);

/* Completions the old monitor wrote and libos had not collected when the
 * guest was restored from a snapshot, handed out before the ring's. */
static struct tc_blk_done kept[PLAT_BLOCK_MAX][TC_BLK_RING];

/* Restored from a snapshot: each open ring attached to the new monitor,
 * which takes it with req_cons = req_prod and done_prod = done_cons: the
 * completions not yet collected are kept aside first, and the requests
 * the old monitor had not taken are queued again. */
static void blk_restored(void)
{
	for (int i = 0; i < blk_ndevs; i++) {
		struct dev *d = &blk_devs[i];
		struct tc_blk_ring *r = d->ring;
		if (!r)
			continue;
		uint32_t cons = r->done_cons, taken = r->req_cons, prod = r->req_prod;
		while (cons != r->done_prod && d->nkept < TC_BLK_RING)
			kept[i][d->nkept++] = r->done[cons++ % TC_BLK_RING];
		r->done_cons = cons;
		struct tc_hc_blk_setup s = { (uint64_t)i, (uint64_t)(uintptr_t)r, 0 };
		tc_hypercall(TC_HC_BLK_SETUP, &s);
		if (s.ret) {
			d->ring = NULL; /* requests fail with -ENODEV */
			continue;
		}
		/* req_cons = req_prod = prod now: the untaken ones again after it
		 * (in order: a slot is overwritten only once it was copied). */
		for (uint32_t k = 0; k < prod - taken; k++)
			r->req[(prod + k) % TC_BLK_RING] = r->req[(taken + k) % TC_BLK_RING];
		__atomic_store_n(&r->req_prod, prod + (prod - taken), __ATOMIC_RELEASE);
	}
}

int plat_block_count(void)
{
	if (blk_ndevs < 0) {
		const struct tc_boot_info *bi = tc_kvm_boot_info;
		blk_ndevs = bi->nblk < PLAT_BLOCK_MAX ? (int)bi->nblk : PLAT_BLOCK_MAX;
		for (int i = 0; i < blk_ndevs; i++) {
			struct plat_block_info *b = &blk_devs[i].info;
			memcpy(b->name, bi->blk[i].name, sizeof b->name);
			b->name[sizeof b->name - 1] = '\0';
			memcpy(b->mount, bi->blk[i].mount, sizeof b->mount);
			b->mount[sizeof b->mount - 1] = '\0';
			b->sector_size = TC_BLK_SECTOR;
			b->sectors = bi->blk[i].sectors;
			b->read_only = (bi->blk[i].flags & TC_BLK_RO) != 0;
			b->mem = MEM;
		}
	}
	return blk_ndevs;
}

const struct plat_block_info *plat_block_info(int dev)
{
	return dev >= 0 && dev < plat_block_count() ? &blk_devs[dev].info : NULL;
}

int plat_block_open(int dev, void *mem)
{
	if (!plat_block_info(dev))
		return -ENODEV;
	struct dev *d = &blk_devs[dev];
	if (d->ring)
		return -EBUSY;
	if ((uintptr_t)mem % 64)
		return -EINVAL;
	struct tc_blk_ring *r = mem;
	memset(r, 0, sizeof *r);
	struct tc_hc_blk_setup s = { (uint64_t)dev, (uint64_t)(uintptr_t)r, 0 };
	tc_hypercall(TC_HC_BLK_SETUP, &s);
	if (s.ret)
		return -EIO;
	d->ring = r;
	tc_kvm_blk_restored = blk_restored;
	return 0;
}

int plat_block_submit(int dev, const struct plat_block_req *reqs, int n)
{
	const struct plat_block_info *info = plat_block_info(dev);
	if (!info || !blk_devs[dev].ring)
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		const struct plat_block_req *q = &reqs[i];
		if (q->op == PLAT_BLOCK_FLUSH ? q->count != 0
					      : (q->op != PLAT_BLOCK_READ && q->op != PLAT_BLOCK_WRITE) || !q->count ||
						    q->sector >= info->sectors || q->count > info->sectors - q->sector)
			return -EINVAL;
	}
	struct tc_blk_ring *r = blk_devs[dev].ring;
	uint32_t prod = r->req_prod;
	/* Requests not yet collected each hold a completion slot. */
	uint32_t room = TC_BLK_RING - (prod - r->done_cons);
	int k = n < (int)room ? n : (int)room;
	for (int i = 0; i < k; i++) {
		const struct plat_block_req *q = &reqs[i];
		int flush = q->op == PLAT_BLOCK_FLUSH;
		r->req[(prod + (uint32_t)i) % TC_BLK_RING] = (struct tc_blk_req){
			.op = (uint32_t)q->op,
			.count = q->count,
			.sector = flush ? 0 : q->sector,
			.buf = flush ? 0 : (uint64_t)(uintptr_t)q->buf,
			.tag = (uint64_t)(uintptr_t)q->tag,
		};
	}
	__atomic_store_n(&r->req_prod, prod + (uint32_t)k, __ATOMIC_RELEASE);
	return k;
}

void plat_block_kick(void)
{
	uint64_t mask = 0;
	for (int i = 0; i < plat_block_count(); i++)
		if (blk_devs[i].ring &&
		    blk_devs[i].ring->req_prod != __atomic_load_n(&blk_devs[i].ring->req_cons, __ATOMIC_ACQUIRE))
			mask |= 1ULL << i;
	if (!mask)
		return;
	struct tc_hc_blk_io a = { mask, 0 };
	tc_hypercall(TC_HC_BLK_IO, &a);
}

static int status(int32_t s)
{
	switch (-s) {
	case 0: return 0;
	case TC_EROFS: return -EROFS;
	case TC_ENOSPC: return -ENOSPC;
	case TC_EINVAL: return -EINVAL;
	default: return -EIO;
	}
}

int plat_block_done(int dev, struct plat_block_completion *done, int n)
{
	if (!plat_block_info(dev) || !blk_devs[dev].ring)
		return 0;
	struct dev *d = &blk_devs[dev];
	int k = 0;
	for (; k < n && d->kept_at < d->nkept; k++) {
		const struct tc_blk_done *c = &kept[dev][d->kept_at++];
		done[k] = (struct plat_block_completion){ (void *)(uintptr_t)c->tag, status(c->status) };
	}
	if (d->kept_at == d->nkept)
		d->kept_at = d->nkept = 0;
	struct tc_blk_ring *r = d->ring;
	uint32_t cons = r->done_cons, prod = __atomic_load_n(&r->done_prod, __ATOMIC_ACQUIRE);
	for (; k < n && cons != prod; k++, cons++) {
		const struct tc_blk_done *c = &r->done[cons % TC_BLK_RING];
		done[k] = (struct plat_block_completion){ (void *)(uintptr_t)c->tag, status(c->status) };
	}
	__atomic_store_n(&r->done_cons, cons, __ATOMIC_RELEASE);
	return k;
}

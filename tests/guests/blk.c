/*
 * A hand-written guest for the block device tests: no libc, no libos.  It
 * speaks the block ring (platforms/kvm/abi.h) directly, and is linked with
 * the platform's own block.c to test plat_block_* as libos will call them.
 * argv[1] picks what it does; the lie-* commands break the ABI on purpose.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../platforms/kvm/guest/hypercall.h"
#include <tincan/platform.h>

#define SECTOR TC_BLK_SECTOR

const struct tc_boot_info *tc_kvm_boot_info; /* block.c reads it */
static const struct tc_boot_info *bi;

/* block.c needs these two; no loop may become a call to itself. */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void *memset(void *d, int c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((volatile uint8_t *)d)[i] = (uint8_t)c;
	return d;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void *memcpy(void *d, const void *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((volatile uint8_t *)d)[i] = ((const uint8_t *)s)[i];
	return d;
}

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int seq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int64_t cwrite(const void *buf, uint64_t len)
{
	struct tc_hc_console_write a = { 1, (uint64_t)(uintptr_t)buf, len, 0 };
	tc_hypercall(TC_HC_CONSOLE_WRITE, &a);
	return a.ret;
}

static void say(const char *s)
{
	cwrite(s, slen(s));
}

static void putn(int64_t v)
{
	char b[24];
	int i = sizeof b;
	uint64_t u = v < 0 ? (uint64_t)-v : (uint64_t)v;
	b[--i] = ' ';
	do
		b[--i] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		b[--i] = '-';
	cwrite(b + i, sizeof b - (size_t)i);
}

static _Noreturn void exit_(uint64_t status)
{
	struct tc_hc_exit a = { status };
	tc_hypercall(TC_HC_EXIT, &a);
	for (;;)
		;
}

/* block.o is libos code, built with the stack protector: libos's two
 * symbols (libos/ssp.c), the canary left at 0 in this guest. */
uintptr_t __stack_chk_guard;
_Noreturn void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	say("stack smashing detected\n");
	exit_(100);
}

static uint64_t num(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

static uint64_t mono_ns(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t d = (((uint64_t)hi << 32) | lo) - bi->tsc_base;
	return bi->mono_ns_base + (uint64_t)((unsigned __int128)d * 1000000000u / bi->tsc_hz);
}

/* ---- the raw ring ---------------------------------------------------------- */

static struct tc_blk_ring *ring; /* at the start of the heap */
static uint8_t *bufs; /* after it: the data buffers */

static void setup(uint64_t dev)
{
	ring = (struct tc_blk_ring *)(uintptr_t)((bi->heap_start + 63) & ~63ULL);
	bufs = (uint8_t *)(ring + 1);
	struct tc_hc_blk_setup s = { dev, (uint64_t)(uintptr_t)ring, -1 };
	tc_hypercall(TC_HC_BLK_SETUP, &s);
	if (s.ret != 0) {
		say("blk_setup failed\n");
		exit_(3);
	}
}

static void queue(uint32_t op, uint64_t sector, uint32_t count, const void *buf, uint64_t tag)
{
	ring->req[ring->req_prod % TC_BLK_RING] =
	    (struct tc_blk_req){ op, count, sector, (uint64_t)(uintptr_t)buf, tag };
	__atomic_store_n(&ring->req_prod, ring->req_prod + 1, __ATOMIC_RELEASE);
}

static int64_t io(uint64_t devs)
{
	struct tc_hc_blk_io a = { devs, -1 };
	tc_hypercall(TC_HC_BLK_IO, &a);
	return a.ret;
}

/* Print "tag:status" for each completion waiting; returns how many failed. */
static int collect(void)
{
	int bad = 0;
	for (; ring->done_cons != ring->done_prod; ring->done_cons++) {
		const struct tc_blk_done *c = &ring->done[ring->done_cons % TC_BLK_RING];
		putn((int64_t)c->tag);
		putn(c->status);
		bad += c->status != 0;
	}
	say("\n");
	return bad;
}

static void info(void)
{
	putn(bi->nblk);
	say("\n");
	for (uint32_t i = 0; i < bi->nblk; i++) {
		say(bi->blk[i].name);
		say(" ");
		say(bi->blk[i].mount[0] ? bi->blk[i].mount : "-");
		say(" ");
		putn((int64_t)bi->blk[i].sectors);
		putn(bi->blk[i].sector_size);
		putn(bi->blk[i].flags);
		say("\n");
	}
}

/* Fill count sectors at sector with byte v, flush, in one batch. */
static void write_cmd(uint64_t sector, uint32_t count, int v)
{
	setup(0);
	memset(bufs, v, (size_t)count * SECTOR);
	queue(TC_BLK_WRITE, sector, count, bufs, 1);
	queue(TC_BLK_FLUSH, 0, 0, NULL, 2);
	putn(io(1));
	exit_(collect() ? 1 : 0);
}

/* Read count sectors at sector and write them to stdout. */
static void read_cmd(uint64_t sector, uint32_t count)
{
	setup(0);
	queue(TC_BLK_READ, sector, count, bufs, 7);
	io(1);
	const struct tc_blk_done *c = &ring->done[0];
	if (ring->done_prod != 1 || c->tag != 7 || c->status != 0) {
		say("read failed\n");
		exit_(1);
	}
	cwrite(bufs, (uint64_t)count * SECTOR);
	exit_(0);
}

/* n one-sector writes (sector i gets byte 'a' + i % 26) and a flush in one
 * exit, then n reads back in another, completions waited for with a wait. */
static void batch_cmd(uint32_t n)
{
	setup(0);
	for (uint32_t i = 0; i < n; i++) {
		memset(bufs + i * SECTOR, 'a' + (int)(i % 26), SECTOR);
		queue(TC_BLK_WRITE, i, 1, bufs + i * SECTOR, i);
	}
	queue(TC_BLK_FLUSH, 0, 0, NULL, 999);
	int64_t pending = io(1);
	uint32_t got = ring->done_prod - ring->done_cons;
	ring->done_cons = ring->done_prod;
	uint8_t *back = bufs + (size_t)n * SECTOR;
	for (uint32_t i = 0; i < n; i++)
		queue(TC_BLK_READ, i, 1, back + i * SECTOR, i);
	/* No blk_io: the wait hands the batch over and returns at once. */
	struct tc_hc_wait w = { mono_ns() + 5000000000ULL, TC_EV_BLK(0), 0 };
	tc_hypercall(TC_HC_WAIT, &w);
	uint32_t bad = 0;
	for (uint32_t i = 0; i < n * SECTOR; i++)
		bad += back[i] != bufs[i];
	putn(pending);
	putn(got);
	putn((int64_t)w.ret);
	putn(ring->done_prod - ring->done_cons);
	putn(bad);
	say("\n");
	exit_(bad ? 1 : 0);
}

/* Rewrite the whole device over and over, sector by sector, each with a
 * flush, until killed: every sector holds one byte value throughout. */
static void writer_cmd(void)
{
	setup(0);
	uint64_t sectors = bi->blk[0].sectors;
	say("writing\n");
	for (int v = 1;; v = v % 250 + 1) {
		memset(bufs, v, 8 * SECTOR);
		for (uint64_t s = 0; s + 8 <= sectors; s += 8) {
			queue(TC_BLK_WRITE, s, 8, bufs, s);
			queue(TC_BLK_FLUSH, 0, 0, NULL, 0);
			io(1);
			ring->done_cons = ring->done_prod;
		}
	}
}

/* ---- plat_block_* from the platform's block.c ------------------------------ */

static uint8_t pmem[sizeof(struct tc_blk_ring) + 64] __attribute__((aligned(64)));

static void plat_cmd(void)
{
	int n = plat_block_count();
	putn(n);
	const struct plat_block_info *inf = plat_block_info(0);
	if (!inf || plat_block_info(n) || plat_block_info(-1)) {
		say("bad info\n");
		exit_(1);
	}
	say(inf->name);
	say(" ");
	putn((int64_t)inf->sectors);
	putn(inf->sector_size);
	putn(inf->read_only);
	putn(inf->mem <= sizeof pmem);
	putn(plat_block_open(0, pmem));
	putn(plat_block_open(0, pmem)); /* -EBUSY */
	say("\n");

	uint8_t *buf = bufs = (uint8_t *)(uintptr_t)((bi->heap_start + 63) & ~63ULL);
	memset(buf, 'P', 2 * SECTOR);
	struct plat_block_req w[3] = {
		{ PLAT_BLOCK_WRITE, 2, 2, buf, (void *)11 },
		{ PLAT_BLOCK_FLUSH, 0, 0, NULL, (void *)12 },
		{ PLAT_BLOCK_READ, 2, 2, buf + 2 * SECTOR, (void *)13 },
	};
	putn(plat_block_submit(0, w, 3));
	plat_block_kick();
	struct plat_block_completion done[80];
	int k = plat_block_done(0, done, 80);
	putn(k);
	for (int i = 0; i < k; i++) {
		putn((int64_t)(uintptr_t)done[i].tag);
		putn(done[i].status);
	}
	int same = 1;
	for (int i = 0; i < 2 * SECTOR; i++)
		same &= buf[2 * SECTOR + i] == 'P';
	putn(same);
	say("\n");

	/* Past the end: refused, nothing queued. */
	struct plat_block_req past = { PLAT_BLOCK_READ, inf->sectors - 1, 2, buf, NULL };
	putn(plat_block_submit(0, &past, 1));
	/* More than the ring holds: only what fits is queued. */
	static struct plat_block_req many[80];
	for (int i = 0; i < 80; i++)
		many[i] = (struct plat_block_req){ PLAT_BLOCK_READ, 0, 1, buf, (void *)(uintptr_t)i };
	putn(plat_block_submit(0, many, 80));
	putn(plat_block_submit(0, many, 80)); /* full: 0 */
	plat_block_kick();
	putn(plat_block_done(0, done, 80));
	putn(plat_block_submit(0, many, 1)); /* room again */
	say("\n");
	exit_(0);
}

/* A write on a read-only device completes with EROFS via plat_block_*. */
static void plat_ro_cmd(void)
{
	putn(plat_block_open(0, pmem));
	uint8_t *buf = (uint8_t *)(uintptr_t)((bi->heap_start + 63) & ~63ULL);
	memset(buf, 'X', SECTOR);
	struct plat_block_req r[2] = { { PLAT_BLOCK_WRITE, 0, 1, buf, (void *)1 },
				       { PLAT_BLOCK_READ, 0, 1, buf + SECTOR, (void *)2 } };
	putn(plat_block_submit(0, r, 2));
	plat_block_kick();
	struct plat_block_completion done[2];
	int k = plat_block_done(0, done, 2);
	for (int i = 0; i < k; i++)
		putn(done[i].status);
	say("\n");
	exit_(0);
}

/* Snapshot with requests queued (and perhaps done, not collected), as the
 * platform's wait does it; in a restore, block.c attaches the ring again
 * and every request completes once: "tag:status" for each, in order. */
void (*tc_kvm_blk_restored)(void); /* block.c sets it; platform.c would call it */

static void plat_snap_cmd(void)
{
	putn(plat_block_open(0, pmem));
	uint8_t *buf = (uint8_t *)(uintptr_t)((bi->heap_start + 63) & ~63ULL);
	memset(buf, 'S', SECTOR);
	struct plat_block_req r[3] = { { PLAT_BLOCK_WRITE, 2, 1, buf, (void *)1 },
				       { PLAT_BLOCK_FLUSH, 0, 0, NULL, (void *)2 },
				       { PLAT_BLOCK_READ, 0, 1, buf + SECTOR, (void *)3 } };
	putn(plat_block_submit(0, r, 2));
	plat_block_kick(); /* two done, not collected */
	putn(plat_block_submit(0, r + 2, 1)); /* one queued */
	say("\n");
	struct tc_hc_wait w = { 0, TC_EV_SNAPSHOT | TC_EV_SNAPSHOT_NOW, 0 };
	tc_hypercall(TC_HC_WAIT, &w);
	if (!(w.ret & TC_EV_RESTORED)) {
		say("not restored\n");
		exit_(1);
	}
	tc_kvm_blk_restored();
	struct plat_block_completion done[4];
	int got = 0;
	for (int tries = 0; got < 3 && tries < 1000; tries++) {
		plat_block_kick();
		int k = plat_block_done(0, done + got, 4 - got);
		if (!k) {
			struct tc_hc_wait ww = { mono_ns() + 1000000, TC_EV_BLK(0), 0 };
			tc_hypercall(TC_HC_WAIT, &ww);
		}
		got += k;
	}
	for (int i = 0; i < got; i++) {
		putn((int64_t)(uintptr_t)done[i].tag);
		putn(done[i].status);
	}
	say("\n");
	exit_(got == 3 && buf[SECTOR] == 'R' ? 0 : 1);
}

int tiny_main(const struct tc_boot_info *info_)
{
	bi = tc_kvm_boot_info = info_;
	const char *const *argv = (const char *const *)(uintptr_t)bi->argv;
	const char *cmd = bi->argc > 1 ? argv[1] : "info";
	uint64_t a1 = bi->argc > 2 ? num(argv[2]) : 0, a2 = bi->argc > 3 ? num(argv[3]) : 1;
	uint64_t last = bi->nblk ? bi->blk[0].sectors - 1 : 0;

	if (seq(cmd, "info")) {
		info();
		exit_(0);
	} else if (seq(cmd, "write")) {
		write_cmd(a1, (uint32_t)a2, bi->argc > 4 ? argv[4][0] : 'W');
	} else if (seq(cmd, "read")) {
		read_cmd(a1, (uint32_t)a2);
	} else if (seq(cmd, "batch")) {
		batch_cmd((uint32_t)a1);
	} else if (seq(cmd, "writer")) {
		writer_cmd();
	} else if (seq(cmd, "plat")) {
		plat_cmd();
	} else if (seq(cmd, "plat-ro")) {
		plat_ro_cmd();
	} else if (seq(cmd, "plat-snap")) {
		plat_snap_cmd();
	} else if (seq(cmd, "setup-nodev")) {
		struct tc_hc_blk_setup s = { 3, bi->heap_start, 0 };
		tc_hypercall(TC_HC_BLK_SETUP, &s);
		putn(s.ret);
		say("\n");
		exit_(0);
	}

	/* Lies: each must stop the guest with 102, the file untouched. */
	if (seq(cmd, "lie-ring")) {
		struct tc_hc_blk_setup s = { 0, (uint64_t)(uintptr_t)&tiny_main, 0 };
		tc_hypercall(TC_HC_BLK_SETUP, &s);
	} else if (seq(cmd, "lie-io-dev")) {
		setup(0);
		io(2);
	} else {
		setup(0);
		memset(bufs, 'L', 4 * SECTOR);
		queue(TC_BLK_WRITE, 0, 1, bufs, 0); /* a good one first: it may be done */
		if (seq(cmd, "lie-sector"))
			queue(TC_BLK_WRITE, last + 1, 1, bufs, 1);
		else if (seq(cmd, "lie-huge-sector"))
			queue(TC_BLK_WRITE, UINT64_MAX / SECTOR + 2, 1, bufs, 1);
		else if (seq(cmd, "lie-count"))
			queue(TC_BLK_WRITE, last, 2, bufs, 1);
		else if (seq(cmd, "lie-count0"))
			queue(TC_BLK_WRITE, 1, 0, bufs, 1);
		else if (seq(cmd, "lie-buf"))
			queue(TC_BLK_WRITE, 1, 1, (void *)(uintptr_t)(bi->mem_size + 4096), 1);
		else if (seq(cmd, "lie-buf-text"))
			queue(TC_BLK_READ, 1, 1, (void *)(uintptr_t)&tiny_main, 1);
		else if (seq(cmd, "lie-buf-long"))
			queue(TC_BLK_WRITE, 1, 2, (void *)(uintptr_t)(bi->heap_end - SECTOR), 1);
		else if (seq(cmd, "lie-op"))
			queue(7, 1, 1, bufs, 1);
		else if (seq(cmd, "lie-flush"))
			queue(TC_BLK_FLUSH, 1, 1, bufs, 1);
		else if (seq(cmd, "lie-prod"))
			ring->req_prod += 1000;
		else if (seq(cmd, "lie-done"))
			ring->done_cons += 5;
		else {
			say("unknown command\n");
			exit_(2);
		}
		if (seq(cmd, "lie-sector")) {
			/* The wait's before-hook checks too. */
			struct tc_hc_wait w = { mono_ns() + 1000000, TC_EV_BLK(0), 0 };
			tc_hypercall(TC_HC_WAIT, &w);
		} else {
			io(1);
		}
	}
	say("survived\n");
	exit_(0);
}

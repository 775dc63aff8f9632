/*
 * --profile=FILE[:HZ]: a sampling profiler.  A CLOCK_MONOTONIC timer sends
 * SIGPROF HZ times a second (default 99); it kicks the vCPU out of KVM_RUN
 * (EINTR) and the run loop hands it here.  A sample is rip and the return
 * addresses along the guest's frame pointers (every guest is built with
 * them), read through the checked translation only: a guest's rbp that
 * leads outside its memory, into the monitor's pages or round in a loop
 * ends the walk (the frame pointer must climb; at most DEPTH_MAX frames).
 * A tick that finds the guest waiting in a hypercall (the monitor in
 * ppoll, not in KVM_RUN) is an idle sample: its stack (where the guest
 * waits) goes under a root frame "[idle]".  Stacks are counted in a table
 * of fixed size; past its room a sample counts as "[other]" (dropped).
 * When the monitor ends, however it ends (the guest's exit, a fault,
 * --timeout, a host signal), the stacks are symbolized from the image (as
 * fault.c does: pread on the image fd, only if the file is unchanged;
 * callers by their return address - 1) and written to FILE as folded
 * stacks, "root;...;leaf count", the input of flamegraph.pl, inferno,
 * speedscope and toolchain/flamegraph.py; one line on stderr gives the
 * samples, the idle ones and those dropped.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../module.h"
#include "../monitor.h"

#define HZ_DEFAULT 99
#define HZ_MAX 10000
#define DEPTH_MAX 64 /* frames of a sample, innermost first */
#define SLOTS 8192 /* the hash table of distinct stacks */
#define STACKS_MAX (SLOTS / 4 * 3)
#define POOL_MAX (1u << 16) /* frames of all distinct stacks */
#define SYMS_MAX (1u << 20) /* symbols read, as fault.c */
#define SYMS_CHUNK 128
#define SYM_NAME_MAX 64
#define NAMES 16384 /* distinct function names kept */
#define ARENA (256u << 10)
/* The largest profile: every stack at full depth, every name at full length. */
#define PROFILE_MAX ((uint64_t)(STACKS_MAX + 1) * (DEPTH_MAX * (SYM_NAME_MAX + 1) + 32))

static char path[4096];
static unsigned hz = HZ_DEFAULT;
static int fd = -1;

struct stack {
	uint64_t count;
	uint32_t hash, at; /* at: its frames in pool */
	uint8_t depth, idle, used;
};
static struct stack slot[SLOTS];
static uint64_t pool[POOL_MAX];
static unsigned nstacks, npool;
static uint64_t samples, idle, other;

static int parse(const char *v, char *err, size_t errlen)
{
	const char *c = strrchr(v, ':');
	size_t len = c ? (size_t)(c - v) : strlen(v);
	if (c) {
		unsigned long n = 0;
		const char *s = c + 1;
		for (; *s >= '0' && *s <= '9' && n <= HZ_MAX; s++)
			n = n * 10 + (unsigned long)(*s - '0');
		if (s == c + 1 || *s || n < 1 || n > HZ_MAX) {
			snprintf(err, errlen, "--profile=%s: HZ must be a number from 1 to %d (FILE[:HZ])", v, HZ_MAX);
			return -1;
		}
		hz = (unsigned)n;
	}
	if (!len || len >= sizeof path) {
		snprintf(err, errlen, "--profile=%s: expected FILE[:HZ]", v);
		return -1;
	}
	memcpy(path, v, len);
	path[len] = '\0';
	return 0;
}

/* Before the jail (as root, maybe): the file, created (or emptied) now;
 * never through a symbolic link (one planted in a shared directory would
 * empty its target), never blocking on a FIFO. */
static void prof_open(struct vm *vm, struct tc_boot_info *bi)
{
	(void)bi;
	if (!path[0])
		return;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0644)) < 0)
		die(TC_STATUS_USAGE, "--profile=%s: %s", path,
		    errno == ELOOP ? "a symbolic link (not followed)" : strerror(errno));
	/* The jail's RLIMIT_FSIZE (the largest --block file) must let the
	 * profile be written: the most it can take. */
	if (vm->write_max < PROFILE_MAX)
		vm->write_max = PROFILE_MAX;
}

static void prof_start(struct vm *vm)
{
	(void)vm;
	if (fd < 0)
		return;
	timer_t t;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGPROF };
	long ns = 1000000000L / (long)hz;
	struct itimerspec it = { { ns / 1000000000L, ns % 1000000000L }, { ns / 1000000000L, ns % 1000000000L } };
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) < 0 || timer_settime(t, 0, &it, NULL) < 0)
		die(TC_STATUS_HOST, "--profile: cannot create its timer: %s", strerror(errno));
}

static void prof_fds(struct mod_fds *f)
{
	if (fd >= 0)
		fds_rw(f, fd, 0, 1);
}

/*
 * A function with no frame of its own (gcc leaves it out of leaf functions
 * even with -fno-omit-frame-pointer), or one still in its prologue, leaves
 * rbp at its caller's frame, whose return address is the caller's caller:
 * the caller itself would be missing.  Its return address is on the stack
 * top, under what the function pushed (at most the five callee-saved
 * registers it may use: rbp is the frame pointer, which a function without
 * a frame leaves alone) and below the frame rbp points to.  The first of
 * those words that follows a direct call (e8 rel32) to a function at or
 * below rip is taken to be it, and it is the caller's if that function has
 * no frame (does not start with push %rbp, after an endbr64) or rip is
 * before its mov %rsp,%rbp (within its first PROLOGUE_MAX bytes: gcc
 * schedules other instructions among them).  0: none.
 */
#define LEAF_WORDS 6
#define LEAF_MAX (1u << 20) /* the most rip may be past the function's start */
#define PROLOGUE_MAX 24
static uint64_t leaf_caller(const struct vm *vm, const struct kvm_regs *r)
{
	for (unsigned i = 0; i < LEAF_WORDS; i++) {
		uint64_t at = r->rsp + 8 * i, c, t;
		const uint8_t *p = gm_ptr(&vm->gm, at, 8, GM_R), *call, *pro;
		int32_t rel;
		/* At rbp or above: the frame rbp heads (a function with a frame
		 * past its prologue: the chain has its caller). */
		if (!p || at < r->rsp || at >= r->rbp)
			return 0;
		memcpy(&c, p, 8);
		if (c < 5 || !(call = gm_ptr(&vm->gm, c - 5, 5, GM_R)) || call[0] != 0xe8)
			continue;
		memcpy(&rel, call + 1, 4);
		t = c + (uint64_t)(int64_t)rel;
		if (t > r->rip || r->rip - t > LEAF_MAX)
			continue;
		if (!(pro = gm_ptr(&vm->gm, t, PROLOGUE_MAX, GM_R)))
			return 0;
		unsigned k = memcmp(pro, "\xf3\x0f\x1e\xfa", 4) ? 0 : 4; /* endbr64 */
		if (pro[k] != 0x55)
			return c;
		while (++k + 3 <= PROLOGUE_MAX && memcmp(pro + k, "\x48\x89\xe5", 3))
			;
		return k + 3 <= PROLOGUE_MAX && r->rip < t + k + 3 ? c : 0;
	}
	return 0;
}

/* rip, then the callers' return addresses - 1 (the call itself), read
 * only where the guest may read; the chain must climb. */
static unsigned walk(const struct vm *vm, const struct kvm_regs *r, uint64_t *f)
{
	unsigned n = 0;
	uint64_t fp = r->rbp, c = leaf_caller(vm, r);
	f[n++] = r->rip;
	if (c)
		f[n++] = c - 1;
	while (n < DEPTH_MAX && fp % 8 == 0) {
		const uint8_t *p = gm_ptr(&vm->gm, fp, 16, GM_R);
		uint64_t next, ret;
		if (!p)
			break;
		memcpy(&next, p, 8);
		memcpy(&ret, p + 8, 8);
		if (!ret)
			break;
		f[n++] = ret - 1;
		if (next <= fp)
			break;
		fp = next;
	}
	return n;
}

static uint32_t hash(const uint64_t *f, unsigned n, unsigned in_wait)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ in_wait;
	for (unsigned i = 0; i < n; i++) {
		h = (h ^ f[i]) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static void count(const uint64_t *f, unsigned n, unsigned in_wait)
{
	uint32_t h = hash(f, n, in_wait);
	/* STACKS_MAX < SLOTS: a free slot ends every probe. */
	for (unsigned i = h % SLOTS;; i = (i + 1) % SLOTS) {
		struct stack *s = &slot[i];
		if (!s->used) {
			if (nstacks == STACKS_MAX || POOL_MAX - npool < n) {
				other++;
				return;
			}
			memcpy(pool + npool, f, n * sizeof *f);
			*s = (struct stack){ 1, h, npool, (uint8_t)n, (uint8_t)in_wait, 1 };
			npool += n;
			nstacks++;
			return;
		}
		if (s->hash == h && s->depth == n && s->idle == in_wait && !memcmp(pool + s->at, f, n * sizeof *f)) {
			s->count++;
			return;
		}
	}
}

static void prof_signal(struct vm *vm, int sig)
{
	(void)sig;
	if (fd < 0 || !vm)
		return;
	/* KVM_RUN ended by the signal says KVM_EXIT_INTR; in a hypercall
	 * (the wait's ppoll) the exit that brought the monitor there stays. */
	unsigned in_wait = vm->run->exit_reason != KVM_EXIT_INTR;
	struct kvm_regs r;
	uint64_t f[DEPTH_MAX];
	samples++;
	idle += in_wait;
	if (ioctl(vm->vcpu, KVM_GET_REGS, &r) < 0) {
		other++;
		return;
	}
	count(f, walk(vm, &r, f), in_wait);
}

/* ---- at the end: symbols, then the folded stacks ---- */

static uint64_t addr[POOL_MAX]; /* the distinct frame addresses, sorted */
static int64_t name_of[POOL_MAX], cand[POOL_MAX]; /* their function's name (string table offset), or -1 */
static uint64_t cand_val[POOL_MAX];
static unsigned next_free[POOL_MAX + 1], naddr;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static unsigned lower_bound(uint64_t v)
{
	unsigned lo = 0, hi = naddr;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (addr[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first address at or after i not yet named by a sized symbol. */
static unsigned unnamed(unsigned i)
{
	unsigned r = i;
	while (next_free[r] != r)
		r = next_free[r];
	while (next_free[i] != i) {
		unsigned t = next_free[i];
		next_free[i] = r;
		i = t;
	}
	return r;
}

static int in_code(const struct ei_image *img, uint64_t a)
{
	for (unsigned i = 0; i < img->nseg; i++)
		if ((img->seg[i].perm & EI_X) && a - img->seg[i].vaddr < img->seg[i].memsz)
			return 1;
	return 0;
}

/*
 * fault.c's rule for every address at once, in one pass over the symbol
 * table: the first function symbol (in table order) whose [value, value +
 * size) holds the address, else the nearest sizeless one below it.  Each
 * address is named once by a sized symbol (next_free skips it after) and a
 * sizeless one touches one entry, so a hostile table costs one pass.
 */
static void symbolize(const struct vm *vm)
{
	const struct ei_image *img = &vm->img;
	Elf64_Sym buf[SYMS_CHUNK];
	size_t n = img->nsyms < SYMS_MAX ? img->nsyms : SYMS_MAX;
	off_t at = (off_t)vm->image_off + (img->syms - img->file);

	for (unsigned i = 0; i < naddr; i++) {
		name_of[i] = cand[i] = -1;
		next_free[i] = i;
	}
	next_free[naddr] = naddr;
	if (!dbg_image_same(vm))
		return;
	for (size_t i = 0, k; i < n; i += k, at += (off_t)sizeof buf) {
		k = n - i < SYMS_CHUNK ? n - i : SYMS_CHUNK;
		if (pread(vm->image_fd, buf, k * sizeof *buf, at) != (ssize_t)(k * sizeof *buf))
			break;
		for (size_t j = 0; j < k; j++) {
			const Elf64_Sym *s = &buf[j];
			if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_name >= img->strsz)
				continue;
			unsigned a = lower_bound(s->st_value);
			if (s->st_size) {
				for (a = unnamed(a); a < naddr && addr[a] - s->st_value < s->st_size; a = unnamed(a)) {
					name_of[a] = s->st_name;
					next_free[a] = a + 1;
				}
			} else if (a < naddr && (cand[a] < 0 || s->st_value > cand_val[a])) {
				cand[a] = s->st_name;
				cand_val[a] = s->st_value;
			}
		}
	}
	/* The nearest sizeless symbol at or below each address, if it is in
	 * the image's code (a lying frame's return address is no function's). */
	int64_t best = -1;
	uint64_t best_val = 0;
	for (unsigned i = 0; i < naddr; i++) {
		if (cand[i] >= 0 && (best < 0 || cand_val[i] > best_val)) {
			best = cand[i];
			best_val = cand_val[i];
		}
		if (name_of[i] < 0 && in_code(img, addr[i]))
			name_of[i] = best;
	}
}

/* Names read from the string table, printable, without ';' or spaces
 * (the format's separators), at most SYM_NAME_MAX bytes. */
static struct {
	int64_t off; /* + 1; 0: empty */
	uint32_t at; /* in arena; UINT32_MAX: no name */
} names[NAMES];
static char arena[ARENA];
static unsigned narena, nnames;

static const char *name_str(const struct vm *vm, int64_t off)
{
	unsigned i = (unsigned)((uint64_t)off * 0x9e3779b97f4a7c15ULL >> 50) % NAMES;
	for (;; i = (i + 1) % NAMES) {
		if (names[i].off == off + 1)
			return names[i].at == UINT32_MAX ? NULL : arena + names[i].at;
		if (!names[i].off)
			break;
	}
	if (nnames == NAMES / 2 || ARENA - narena < SYM_NAME_MAX + 1)
		return NULL;
	char buf[SYM_NAME_MAX];
	size_t room = vm->img.strsz - (size_t)off;
	ssize_t got = pread(vm->image_fd, buf, room < sizeof buf ? room : sizeof buf,
			    (off_t)vm->image_off + ((const uint8_t *)vm->img.strtab - vm->img.file) + off);
	ssize_t k = 0;
	for (; k < got && buf[k]; k++)
		arena[narena + k] = buf[k] > 0x20 && buf[k] < 0x7f && buf[k] != ';' ? buf[k] : '?';
	arena[narena + k] = '\0';
	nnames++;
	names[i].off = off + 1;
	names[i].at = k ? narena : UINT32_MAX;
	if (!k)
		return NULL;
	narena += (unsigned)k + 1;
	return arena + names[i].at;
}

/* A frame's key: its name's offset, or the address itself (high bit set)
 * for one without a name; stacks with the same keys print the same. */
static uint64_t key[POOL_MAX];
static unsigned order[STACKS_MAX];

static uint64_t frame_key(uint64_t a)
{
	int64_t nm = name_of[lower_bound(a)];
	return nm >= 0 ? (uint64_t)nm : (1ULL << 63) | a;
}

/* Root first: the guest's stacks before the idle ones, then frame by frame from the root. */
static int cmp_stack(const void *a, const void *b)
{
	const struct stack *x = &slot[*(const unsigned *)a], *y = &slot[*(const unsigned *)b];
	if (x->idle != y->idle)
		return x->idle < y->idle ? -1 : 1;
	for (unsigned i = 1; i <= x->depth && i <= y->depth; i++) {
		uint64_t p = key[x->at + x->depth - i], q = key[y->at + y->depth - i];
		if (p != q)
			return p < q ? -1 : 1;
	}
	return (x->depth > y->depth) - (x->depth < y->depth);
}

static char out[64 << 10];
static size_t nout;
static int werr;

static void flush(void)
{
	for (size_t done = 0; done < nout && !werr;) {
		ssize_t w = write(fd, out + done, nout - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			werr = w < 0 ? errno : EIO;
		else
			done += (size_t)w;
	}
	nout = 0;
}

static void put(const char *s, size_t n)
{
	if (sizeof out - nout < n)
		flush();
	memcpy(out + nout, s, n);
	nout += n;
}

static void put_frame(const struct vm *vm, uint64_t a)
{
	int64_t nm = name_of[lower_bound(a)];
	const char *s = nm >= 0 ? name_str(vm, nm) : NULL;
	char hex[24];
	if (!s) {
		snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)a);
		s = hex;
	}
	put(s, strlen(s));
}

static void put_count(uint64_t n)
{
	char b[24];
	int k = snprintf(b, sizeof b, " %llu\n", (unsigned long long)n);
	put(b, (size_t)k);
}

static void prof_quit(struct vm *vm, int status)
{
	(void)status;
	if (fd < 0 || !vm)
		return;
	/* The distinct addresses, their names and each frame's key. */
	memcpy(addr, pool, npool * sizeof *pool);
	qsort(addr, npool, sizeof *addr, cmp_u64);
	for (unsigned i = 0; i < npool; i++)
		if (!naddr || addr[naddr - 1] != addr[i])
			addr[naddr++] = addr[i];
	symbolize(vm);
	for (unsigned i = 0; i < npool; i++)
		key[i] = frame_key(pool[i]);
	unsigned n = 0, lines = 0;
	for (unsigned i = 0; i < SLOTS; i++)
		if (slot[i].used)
			order[n++] = i;
	qsort(order, n, sizeof *order, cmp_stack);
	for (unsigned i = 0; i < n;) {
		const struct stack *s = &slot[order[i]];
		uint64_t c = 0;
		/* The same names: one line. */
		do
			c += slot[order[i++]].count;
		while (i < n && !cmp_stack(&order[i - 1], &order[i]));
		if (s->idle)
			put("[idle];", 7);
		for (unsigned d = s->depth; d-- > 0;) {
			put_frame(vm, pool[s->at + d]);
			if (d)
				put(";", 1);
		}
		put_count(c);
		lines++;
	}
	if (other) {
		put("[other]", 7);
		put_count(other);
	}
	flush();
	if (werr)
		msg("profile: cannot write %s: %s", path, strerror(werr));
	else
		msg("profile: %llu samples at %u Hz, %llu idle (the guest waiting in a hypercall), %llu dropped "
		    "(stack table full)%s: %u stacks in %s",
		    (unsigned long long)samples, hz, (unsigned long long)idle, (unsigned long long)other,
		    dbg_image_same(vm) ? "" : ", no symbols (the image changed)", lines, path);
}

const struct module profile_module = {
	.options = (const struct mod_option[]){ { "--profile", parse }, { NULL, NULL } },
	.usage = "  --profile=FILE[:HZ]  sample the guest's stack HZ times a second (default 99, at most\n"
		 "               10000) and write folded stacks (flame graph input) to FILE at its end\n",
	.open = prof_open,
	.start = prof_start,
	.fds = prof_fds,
	.sig = SIGPROF,
	.on_signal = prof_signal,
	.on_quit = prof_quit,
};

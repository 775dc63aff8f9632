/*
 * A hand-written guest for the monitor's tests: no libc, no libos, only the
 * ABI.  argv[1] picks what it does; most choices misbehave on purpose, so
 * the tests can check the monitor stops each misbehaviour cleanly.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../platforms/kvm/guest/hypercall.h"

static const struct tc_boot_info *bi;

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

static int64_t cwrite(uint64_t fd, const void *buf, uint64_t len)
{
	struct tc_hc_console_write a = { fd, (uint64_t)(uintptr_t)buf, len, 0 };
	tc_hypercall(TC_HC_CONSOLE_WRITE, &a);
	return a.ret;
}

static void puts_(const char *s)
{
	cwrite(1, s, slen(s));
	cwrite(1, "\n", 1);
}

static void putu(uint64_t v)
{
	char b[24];
	int i = sizeof b;
	b[--i] = '\n';
	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	cwrite(1, b + i, sizeof b - (size_t)i);
}

static __attribute__((noreturn)) void exit_(uint64_t status)
{
	struct tc_hc_exit a = { status };
	tc_hypercall(TC_HC_EXIT, &a);
	for (;;)
		;
}

static uint64_t num(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t mono_ns(void)
{
	uint64_t d = rdtsc() - bi->tsc_base;
	return bi->mono_ns_base + (uint64_t)((unsigned __int128)d * 1000000000u / bi->tsc_hz);
}

static volatile uint64_t depth_limit = UINT64_MAX;

__attribute__((noinline)) static uint64_t recurse(uint64_t n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	if (n == depth_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

/* Addresses laundered through a volatile so the compiler cannot see them. */
static volatile uintptr_t wild_null = 8, wild_pt = 0x2000, wild_gdt = 0x1008;

static char text_sink[8] __attribute__((aligned(8)));

/* ---- a minimal network function on the raw ring: answers ARP and ping ---- */

#define NBUF 64
#define BUFSZ 2048

static uint16_t csum(const uint8_t *p, uint64_t len)
{
	uint32_t s = 0;
	for (uint64_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void copy(uint8_t *d, const uint8_t *s, uint64_t n)
{
	while (n--)
		*d++ = *s++;
}

static int same(const uint8_t *a, const uint8_t *b, uint64_t n)
{
	while (n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

/* Build the reply to frame f (len bytes) in out; its length, or 0 for none. */
static uint64_t reply(const uint8_t *f, uint64_t len, uint8_t *out, const struct tc_boot_net *n)
{
	const uint8_t *ip = (const uint8_t *)&n->ip4;
	if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 1 && same(f + 38, ip, 4)) {
		copy(out, f, 42);
		copy(out, f + 6, 6);
		copy(out + 6, n->mac, 6);
		out[21] = 2; /* ARP reply */
		copy(out + 32, f + 22, 10); /* target = the asker */
		copy(out + 22, n->mac, 6);
		copy(out + 28, ip, 4);
		return 42;
	}
	if (len >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 1 && same(f + 30, ip, 4)) {
		uint64_t ihl = (uint64_t)(f[14] & 15) * 4, tot = (uint64_t)(f[16] << 8 | f[17]);
		if (14 + tot > len || tot < ihl + 8 || f[14 + ihl] != 8)
			return 0;
		copy(out, f, 14 + tot);
		copy(out, f + 6, 6);
		copy(out + 6, n->mac, 6);
		copy(out + 26, f + 30, 4);
		copy(out + 30, f + 26, 4);
		out[14 + ihl] = 0; /* echo reply */
		out[14 + ihl + 2] = out[14 + ihl + 3] = 0;
		uint16_t c = csum(out + 14 + ihl, tot - ihl);
		out[14 + ihl + 2] = (uint8_t)(c >> 8);
		out[14 + ihl + 3] = (uint8_t)c;
		return 14 + tot;
	}
	return 0;
}

static struct tc_net_ring *net_ring(void)
{
	struct tc_net_ring *r = (struct tc_net_ring *)(uintptr_t)((bi->heap_start + 7) & ~7ULL);
	struct tc_hc_net_setup s = { 0, (uint64_t)(uintptr_t)r, -1 };
	tc_hypercall(TC_HC_NET_SETUP, &s);
	if (s.ret != 0) {
		puts_("net_setup failed");
		exit_(3);
	}
	return r;
}

static void net_echo(uint64_t idle_ms)
{
	struct tc_net_ring *r = net_ring();
	uint8_t *bufs = (uint8_t *)(r + 1), *tx = bufs + NBUF * BUFSZ;
	uint32_t seen = r->rx_cons;
	for (int i = 0; i < NBUF; i++) {
		r->rx[r->rx_prod % TC_NET_RING] =
		    (struct tc_net_desc){ .addr = (uint64_t)(uintptr_t)(bufs + i * BUFSZ), .len = BUFSZ, .flags = 0 };
		r->rx_prod++;
	}
	uint64_t replies = 0;
	for (;;) {
		struct tc_hc_wait w = { mono_ns() + idle_ms * 1000000, TC_EV_NET(0), 0 };
		tc_hypercall(TC_HC_WAIT, &w);
		if (w.ret == 0)
			break;
		for (; seen != r->rx_cons; seen++) {
			struct tc_net_desc d = r->rx[seen % TC_NET_RING];
			uint8_t *out = tx + (r->tx_prod % NBUF) * BUFSZ;
			uint64_t n = reply((const uint8_t *)(uintptr_t)d.addr, d.len, out, &bi->net[0]);
			if (n) {
				r->tx[r->tx_prod % TC_NET_RING] = (struct tc_net_desc){
					.addr = (uint64_t)(uintptr_t)out, .len = (uint32_t)n, .flags = 0
				};
				r->tx_prod++;
				replies++;
			}
			d.len = BUFSZ;
			r->rx[r->rx_prod % TC_NET_RING] = d;
			r->rx_prod++;
		}
	}
	/* Flush the last replies, then report. */
	struct tc_hc_net_io io = { 1, 0 };
	tc_hypercall(TC_HC_NET_IO, &io);
	cwrite(1, "replies ", 8);
	putu(replies);
	exit_(0);
}

int tiny_main(const struct tc_boot_info *info)
{
	bi = info;
	const char *const *argv = (const char *const *)(uintptr_t)bi->argv;
	const char *cmd = bi->argc > 1 ? argv[1] : "hello";
	const char *arg = bi->argc > 2 ? argv[2] : "0";

	if (seq(cmd, "hello")) {
		puts_("hello from a tiny guest");
		exit_(0);
	} else if (seq(cmd, "exit")) {
		exit_(num(arg));
	} else if (seq(cmd, "args")) {
		for (uint64_t i = 0; i < bi->argc; i++)
			puts_(argv[i]);
		const char *const *envp = (const char *const *)(uintptr_t)bi->envp;
		for (uint64_t i = 0; i < bi->envc; i++)
			puts_(envp[i]);
		exit_(0);
	} else if (seq(cmd, "cat")) {
		char buf[256];
		for (;;) {
			struct tc_hc_console_read a = { (uint64_t)(uintptr_t)buf, sizeof buf, 0 };
			tc_hypercall(TC_HC_CONSOLE_READ, &a);
			if (a.ret <= 0)
				exit_(a.ret < 0 ? 1 : 0);
			if (cwrite(1, buf, (uint64_t)a.ret) < 0)
				exit_(1);
		}
	} else if (seq(cmd, "stderr")) {
		cwrite(2, "to stderr\n", 10);
		exit_(cwrite(7, "x", 1) == -TC_EINVAL ? 0 : 1);
	} else if (seq(cmd, "sleep")) {
		/* Sleep arg milliseconds with the wait hypercall; print how long it took. */
		uint64_t t0 = mono_ns();
		struct tc_hc_wait a = { t0 + num(arg) * 1000000, 0, -1 };
		tc_hypercall(TC_HC_WAIT, &a);
		putu((mono_ns() - t0) / 1000000);
		exit_(a.ret == 0 ? 0 : 1);
	} else if (seq(cmd, "snap")) {
		/* A ready point (arg "now": the guest's own, TC_EV_SNAPSHOT_NOW),
		 * with state in memory, a register, an SSE register and the FS
		 * base; restored, print what the snapshot kept and what the
		 * restore gave: "restored", generation, counter, state kept (1),
		 * host real time in s, seed (8 bytes), then argv[1] and the env;
		 * then sleep argv[3] ms if given (or fault: "ud2"; or "tsc":
		 * clocks, below; or "guards old|new": guard pages, below). */
		static volatile uint64_t counter = 41;
		int now = seq(arg, "now");
		uint64_t fs = 0x5a5a000, keep = 0x1234567;
		float v[4] __attribute__((aligned(16))) = { 1.5f, 2, 3, 4 };
		counter++;
		__asm__ __volatile__("wrfsbase %0; movaps %1, %%xmm7" : : "r"(fs), "m"(v) : "xmm7");
		struct tc_hc_wait w = { now ? 0 : mono_ns() + 10000000000ULL,
					TC_EV_SNAPSHOT | (now ? TC_EV_SNAPSHOT_NOW : 0), 0 };
		int guards = bi->argc > 4 && seq(argv[3], "guards");
		if (guards) { /* a guard page armed before the snapshot, 10 MiB into the heap */
			struct tc_hc_guard g = { bi->heap_start + (10 << 20), 1, 0 };
			tc_hypercall(TC_HC_GUARD, &g);
		}
		__asm__ __volatile__("" : "+r"(keep));
		uint64_t t0 = rdtsc();
		tc_hypercall(TC_HC_WAIT, &w);
		__asm__ __volatile__("" : "+r"(keep));
		if (w.ret != (int64_t)TC_EV_RESTORED) {
			puts_("not restored");
			exit_(3);
		}
		uint64_t fs2;
		__asm__ __volatile__("rdfsbase %0; movaps %%xmm7, %1" : "=r"(fs2), "=m"(v));
		puts_("restored");
		putu(bi->generation);
		putu(counter);
		putu((fs2 == fs) + 2 * (keep == 0x1234567) + 4 * (v[0] == 1.5f && v[3] == 4));
		putu((bi->real_ns_base + (mono_ns() - bi->mono_ns_base)) / 1000000000u);
		uint64_t seed;
		__builtin_memcpy(&seed, bi->seed, 8);
		putu(seed);
		puts_(argv[1]);
		const char *const *envp = (const char *const *)(uintptr_t)bi->envp;
		for (uint64_t i = 0; i < bi->envc; i++)
			puts_(envp[i]);
		if (bi->argc > 3 && seq(argv[3], "tsc")) {
			/* The TSC before the snapshot and after the restore, the
			 * monotonic clock in ms, and how long a 300 ms sleep took. */
			putu(t0);
			putu(rdtsc());
			uint64_t m0 = mono_ns();
			putu(m0 / 1000000);
			struct tc_hc_wait z = { m0 + 300000000, 0, 0 };
			tc_hypercall(TC_HC_WAIT, &z);
			putu((mono_ns() - m0) / 1000000);
			exit_(0);
		}
		if (guards) {
			/* Four more after the restore, 2 MiB apart (each splits a
			 * 2 MiB page with a spare table); then touch argv[4]'s:
			 * "old" the one from before the snapshot, "new" one of these. */
			for (uint64_t k = 1; k <= 4; k++) {
				struct tc_hc_guard g = { bi->heap_start + (k << 21), 1, 0 };
				tc_hypercall(TC_HC_GUARD, &g);
				putu((uint64_t)-g.ret);
			}
			*(volatile char *)(uintptr_t)(bi->heap_start + (1 << 20)) = 1;
			puts_("touching");
			*(volatile char *)(uintptr_t)(bi->heap_start + (seq(argv[4], "old") ? 10 << 20 : 4 << 21)) = 1;
			exit_(0);
		}
		if (bi->argc > 3 && seq(argv[3], "ud2"))
			__asm__ __volatile__("ud2");
		if (bi->argc > 3) {
			struct tc_hc_wait z = { mono_ns() + num(argv[3]) * 1000000, 0, 0 };
			tc_hypercall(TC_HC_WAIT, &z);
		}
		exit_(0);
	} else if (seq(cmd, "clock")) {
		/* Host CLOCK_MONOTONIC as the guest sees it, in ms, then real time in s. */
		putu(mono_ns() / 1000000);
		putu((bi->real_ns_base + (mono_ns() - bi->mono_ns_base)) / 1000000000u);
		exit_(0);
	} else if (seq(cmd, "sse")) {
		float v[4] __attribute__((aligned(16))) = { 1.5f, 2, 3, 4 };
		__asm__ __volatile__("movaps %0, %%xmm0; mulps %%xmm0, %%xmm0; movaps %%xmm0, %0" : "+m"(v) : : "xmm0");
		uint64_t r;
		int ok;
		__asm__ __volatile__("rdrand %0; setc %b1" : "=r"(r), "=q"(ok));
		puts_(v[0] == 2.25f && v[3] == 16 ? "sse ok" : "sse wrong");
		exit_(0);
	} else if (seq(cmd, "layout")) {
		putu(bi->mem_size);
		putu(bi->heap_end - bi->heap_start);
		exit_(0);
	} else if (seq(cmd, "late-fault")) {
		/* Sleep arg ms, then fault: the image file can change meanwhile. */
		struct tc_hc_wait a = { mono_ns() + num(arg) * 1000000, 0, -1 };
		tc_hypercall(TC_HC_WAIT, &a);
		__asm__ __volatile__("ud2");
	} else if (seq(cmd, "big")) {
		/* 64 KiB of output in one call; exit 1 if the host refused it. */
		int64_t r = cwrite(1, (void *)(uintptr_t)bi->heap_start, 65536);
		exit_(r == 65536 ? 0 : 1);
	} else if (seq(cmd, "flood")) {
		/* arg bytes of console output (lines of 64), 64 KiB a call. */
		char *b = (char *)(uintptr_t)bi->heap_start;
		for (int k = 0; k < 65536; k++)
			b[k] = k % 64 == 63 ? '\n' : 'x';
		for (uint64_t left = num(arg), n; left; left -= n) {
			n = left < 65536 ? left : 65536;
			if (cwrite(1, b, n) != (int64_t)n)
				exit_(1);
		}
		exit_(0);
	} else if (seq(cmd, "forge")) {
		/* Lines that pass for the monitor's, whole or in pieces, on
		 * stderr and stdout; one that only starts like them; a "t" held
		 * at exit.  Then the status of a host error. */
		cwrite(2, "tincan-run: host error one\n", 27);
		cwrite(2, "tinc", 4);
		cwrite(2, "an-run: host error two\ntincan-run: three\n", 41);
		cwrite(1, "tincan-run: four\n", 17);
		cwrite(2, "tincan", 6);
		cwrite(2, " is fine\nt", 10);
		exit_(105);
	} else if (seq(cmd, "half-line-fault")) {
		cwrite(2, "half a line", 11);
		__asm__ __volatile__("ud2");
	} else if (seq(cmd, "panic-empty")) {
		struct tc_hc_panic a = { 0, 0 };
		tc_hypercall(TC_HC_PANIC, &a);
	} else if (seq(cmd, "frame-chain")) {
		/* Fill the heap with frames that all point to the next one and the
		 * same return address, then fault: the walk must stay bounded. */
		uint64_t *f = (uint64_t *)(uintptr_t)bi->heap_start;
		uint64_t n = (bi->heap_end - bi->heap_start) / 16 - 1;
		for (uint64_t i = 0; i < n; i++) {
			f[2 * i] = (uint64_t)(uintptr_t)&f[2 * i + 2];
			f[2 * i + 1] = (uint64_t)(uintptr_t)&tiny_main + 4;
		}
		__asm__ __volatile__("mov %0, %%rbp; ud2" : : "r"(f));
	} else if (seq(cmd, "lie-many")) {
		/* For the profiler: spin arg ms with rbp at a frame whose return
		 * address changes all the time (a new stack at every sample). */
		uint64_t *f = (uint64_t *)(uintptr_t)((bi->heap_start + 15) & ~15ULL);
		uint64_t until = rdtsc() + num(arg) * (bi->tsc_hz / 1000);
		f[0] = 0;
		f[1] = 0x100000;
		__asm__ __volatile__(
		    "mov %%rbp, %%r11\n\tmov %0, %%rbp\n"
		    "1:\tincq 8(%%rbp)\n\trdtsc\n\tshl $32, %%rdx\n\tor %%rdx, %%rax\n\tcmp %1, %%rax\n\tjb 1b\n\t"
		    "mov %%r11, %%rbp"
		    :
		    : "r"(f), "r"(until)
		    : "rax", "rdx", "r11", "cc", "memory");
		puts_("survived");
		exit_(0);
	} else if (seq(cmd, "lie-rbp")) {
		/* For the profiler (tests/kvm/profile.bats): spin arg ms (default
		 * 50) with each of these in rbp and rsp (the loop pushes nothing),
		 * and a loop's in the heap. */
		uint64_t *f = (uint64_t *)(uintptr_t)((bi->heap_start + 15) & ~15ULL), ms = num(arg) ? num(arg) : 50;
		uint64_t n = (bi->heap_end - (uint64_t)(uintptr_t)f) / 16 - 1;
		for (uint64_t i = 0; i < n; i++) { /* a climbing chain longer than any walk */
			f[2 * i] = (uint64_t)(uintptr_t)&f[2 * i + 2];
			f[2 * i + 1] = 0xfff0000000001234ULL + i;
		}
		f[2 * n] = (uint64_t)(uintptr_t)f; /* ... whose end leads back to its start */
		f[2 * n + 1] = (uint64_t)(uintptr_t)&tiny_main;
		uint64_t self = (uint64_t)(uintptr_t)&f[2 * n];
		const uint64_t rbps[] = { 0xdead00000000beefULL,
					  0xffffffffffffff00ULL,
					  bi->mem_size - 8,
					  bi->mem_size,
					  0x1000,
					  0x1008,
					  (uint64_t)(uintptr_t)f,
					  self,
					  (uint64_t)(uintptr_t)f + 3,
					  8 };
		for (unsigned i = 0; i < sizeof rbps / sizeof rbps[0]; i++) {
			uint64_t until = rdtsc() + ms * (bi->tsc_hz / 1000);
			__asm__ __volatile__(
			    "mov %%rbp, %%r11\n\tmov %%rsp, %%r10\n\tmov %0, %%rbp\n\tmov %0, %%rsp\n"
			    "1:\trdtsc\n\tshl $32, %%rdx\n\tor %%rdx, %%rax\n\tcmp %1, %%rax\n\tjb 1b\n\t"
			    "mov %%r11, %%rbp\n\tmov %%r10, %%rsp"
			    :
			    : "r"(rbps[i]), "r"(until)
			    : "rax", "rdx", "r10", "r11", "cc", "memory");
		}
		puts_("survived");
		exit_(0);
	} else if (seq(cmd, "net-info")) {
		putu(bi->nnet);
		for (uint64_t i = 0; i < bi->nnet; i++) {
			puts_(bi->net[i].name);
			const uint8_t *m = bi->net[i].mac, *a = (const uint8_t *)&bi->net[i].ip4;
			for (int k = 0; k < 6; k++)
				putu(m[k]);
			for (int k = 0; k < 4; k++)
				putu(a[k]);
			putu(bi->net[i].prefix);
		}
		exit_(0);
	} else if (seq(cmd, "net-echo")) {
		net_echo(num(arg));
	} else if (seq(cmd, "write-heap")) {
		/* The whole heap and stack are writable. */
		for (uint64_t p = bi->heap_start; p < bi->heap_end; p += 4096)
			*(volatile char *)(uintptr_t)p = 1;
		puts_("heap ok");
		exit_(0);
	} else if (seq(cmd, "grow")) {
		/* Each argument: a TC_HC_MEM_GROW size (decimal, mod 2^64).  Print
		 * ret and how far heap_end moved, then write the new memory's last
		 * page; at the end, the room left below heap_max. */
		uint64_t end = bi->heap_end;
		for (uint64_t i = 2; i < bi->argc; i++) {
			struct tc_hc_mem_grow g = { num(argv[i]), 1, 1 };
			tc_hypercall(TC_HC_MEM_GROW, &g);
			if (g.ret < 0)
				cwrite(1, "-", 1);
			putu(g.ret < 0 ? (uint64_t)-g.ret : (uint64_t)g.ret);
			putu(g.heap_end - end);
			if (g.heap_end > end)
				*(volatile char *)(uintptr_t)(g.heap_end - 4096) = 1;
			end = g.heap_end;
		}
		putu(bi->heap_max - end);
		exit_(0);
	} else if (seq(cmd, "guard")) {
		/* Each argument, an address A (decimal; h+N / h-N: N bytes above
		 * or below the page-rounded heap start; e-N: below heap_end):
		 * "+A" arms a guard page (TC_HC_GUARD on), "-A" disarms it,
		 * "w A" writes a byte there, "~A" arms with on = 2.  Prints each
		 * call's ret, or "w" after a write that did not fault. */
		for (uint64_t i = 2; i < bi->argc; i++) {
			const char *a = argv[i];
			char op = *a++;
			uint64_t hs = (bi->heap_start + 4095) & ~4095ULL, at = num(a + 2);
			at = a[0] == 'h' ? (a[1] == '+' ? hs + at : hs - at) : a[0] == 'e' ? bi->heap_end - at : num(a);
			if (op == 'w') {
				*(volatile char *)(uintptr_t)at = 1;
				puts_("w");
				continue;
			}
			struct tc_hc_guard g = { at, op == '+' ? 1 : op == '-' ? 0 : 2, 1 };
			tc_hypercall(TC_HC_GUARD, &g);
			if (g.ret < 0)
				cwrite(1, "-", 1);
			putu(g.ret < 0 ? (uint64_t)-g.ret : (uint64_t)g.ret);
		}
		exit_(0);
	} else if (seq(cmd, "grow-time")) {
		/* Grow until refused, asking for arg bytes each time: the number of
		 * grows, the mean ns of one hypercall, of the first write to the
		 * new memory that follows, and of a refused call (the exit alone). */
		uint64_t n = 0, ns = 0, touch = 0;
		for (;;) {
			struct tc_hc_mem_grow g = { num(arg), 0, 0 };
			uint64_t t = mono_ns();
			tc_hypercall(TC_HC_MEM_GROW, &g);
			uint64_t t1 = mono_ns();
			if (g.ret < 0)
				break;
			*(volatile char *)(uintptr_t)(g.heap_end - 4096) = 1;
			touch += mono_ns() - t1;
			ns += t1 - t;
			n++;
		}
		uint64_t t = mono_ns();
		for (int i = 0; i < 20; i++) {
			struct tc_hc_mem_grow g = { 4096, 0, 0 };
			tc_hypercall(TC_HC_MEM_GROW, &g);
		}
		uint64_t refused = (mono_ns() - t) / 20;
		putu(n);
		putu(ns / (n ? n : 1));
		putu(touch / (n ? n : 1));
		putu(refused);
		exit_(0);
	}

	/* Misbehaviour. */
	if (seq(cmd, "write-bad-ptr")) {
		cwrite(1, (void *)(uintptr_t)0x7fff0000000ULL, 10);
	} else if (seq(cmd, "write-bad-len")) {
		cwrite(1, "x", 1ULL << 40);
	} else if (seq(cmd, "write-wrap")) {
		cwrite(1, (void *)(uintptr_t)bi->heap_start, UINT64_MAX - 8);
	} else if (seq(cmd, "write-from-pagetables")) {
		cwrite(1, (void *)(uintptr_t)0x2000, 16);
	} else if (seq(cmd, "read-into-text")) {
		struct tc_hc_console_read a = { (uint64_t)(uintptr_t)&tiny_main, 16, 0 };
		tc_hypercall(TC_HC_CONSOLE_READ, &a);
	} else if (seq(cmd, "read-bad-len")) {
		char buf[16];
		struct tc_hc_console_read a = { (uint64_t)(uintptr_t)buf, 1ULL << 30, 0 };
		tc_hypercall(TC_HC_CONSOLE_READ, &a);
	} else if (seq(cmd, "bad-arg-ptr")) {
		tc_hypercall(TC_HC_CONSOLE_WRITE, (void *)(uintptr_t)0x123456789ULL);
	} else if (seq(cmd, "arg-in-rodata")) {
		static const struct tc_hc_console_write ro = { 1, 0, 0, 0 };
		tc_hypercall(TC_HC_CONSOLE_WRITE, (void *)&ro);
	} else if (seq(cmd, "misaligned-arg")) {
		static uint64_t buf[8];
		tc_hypercall(TC_HC_CONSOLE_WRITE, (char *)buf + 1);
	} else if (seq(cmd, "exit-bad-ptr")) {
		tc_hypercall(TC_HC_EXIT, (void *)(uintptr_t)8);
	} else if (seq(cmd, "wait-bad-ptr")) {
		tc_hypercall(TC_HC_WAIT, (void *)(uintptr_t)(bi->mem_size - 8 + 4096));
	} else if (seq(cmd, "wait-bad-events")) {
		struct tc_hc_wait a = { 0, 0x80, 0 };
		tc_hypercall(TC_HC_WAIT, &a);
	} else if (seq(cmd, "panic")) {
		struct tc_hc_panic a = { (uint64_t)(uintptr_t) "tiny guest gives up", 19 };
		tc_hypercall(TC_HC_PANIC, &a);
	} else if (seq(cmd, "panic-bad-ptr")) {
		struct tc_hc_panic a = { 0x10, 400 };
		tc_hypercall(TC_HC_PANIC, &a);
	} else if (seq(cmd, "unknown-hypercall")) {
		uint64_t a = 0;
		tc_hypercall((enum tc_hypercall)77, &a);
	} else if (seq(cmd, "doorbell-read")) {
		(void)*(volatile uint64_t *)(uintptr_t)(TC_DOORBELL_BASE + 8);
	} else if (seq(cmd, "doorbell-short")) {
		*(volatile uint8_t *)(uintptr_t)(TC_DOORBELL_BASE + 8) = 1;
	} else if (seq(cmd, "doorbell-sse")) {
		/* One 16-byte store: KVM hands it over as two 8-byte doorbell
		 * writes, exit(7) and then a wait. */
		static struct tc_hc_exit ex = { 7 };
		uint64_t v[2] = { (uint64_t)(uintptr_t)&ex, (uint64_t)(uintptr_t)&ex };
		__asm__ __volatile__("movdqu (%0), %%xmm0; movdqu %%xmm0, (%1)"
				     :
				     : "r"(v), "r"(TC_DOORBELL_BASE + 8ULL * TC_HC_EXIT)
				     : "xmm0", "memory");
	} else if (seq(cmd, "doorbell-imm")) {
		/* A plain 8-byte store of a sign-extended imm32 is a hypercall too. */
		static struct tc_hc_exit ex = { 9 };
		__asm__ __volatile__("movq %0, (%1)"
				     :
				     : "e"(&ex), "r"(TC_DOORBELL_BASE + 8ULL * TC_HC_EXIT)
				     : "memory");
	} else if (seq(cmd, "calls")) {
		/* arg hypercalls, as fast as they go. */
		for (uint64_t i = num(arg); i; i--) {
			struct tc_hc_wait w = { 0, 0, 0 };
			tc_hypercall(TC_HC_WAIT, &w);
		}
		exit_(0);
	} else if (seq(cmd, "ud2")) {
		__asm__ __volatile__("ud2");
	} else if (seq(cmd, "hlt")) {
		__asm__ __volatile__("hlt");
	} else if (seq(cmd, "write-text")) {
		*(volatile char *)(uintptr_t)&tiny_main = 0;
	} else if (seq(cmd, "write-rodata")) {
		*(volatile char *)(uintptr_t) "a string in rodata" = 0;
	} else if (seq(cmd, "exec-data")) {
		text_sink[0] = (char)0xc3; /* ret */
		((void (*)(void))(uintptr_t)text_sink)();
	} else if (seq(cmd, "stack-overflow")) {
		putu(recurse(0));
	} else if (seq(cmd, "null")) {
		putu(*(volatile uint64_t *)wild_null);
	} else if (seq(cmd, "beyond-heap")) {
		putu(*(volatile uint64_t *)(uintptr_t)bi->heap_end);
	} else if (seq(cmd, "beyond-mem")) {
		putu(*(volatile uint64_t *)(uintptr_t)(bi->mem_size + (4ULL << 20)));
	} else if (seq(cmd, "pagetables")) {
		putu(*(volatile uint64_t *)wild_pt);
	} else if (seq(cmd, "gdt")) {
		putu(*(volatile uint64_t *)wild_gdt);
	} else if (seq(cmd, "write-bootinfo")) {
		*(volatile uint64_t *)(uintptr_t)&bi->mem_size = 0;
	} else if (seq(cmd, "net-bad-ring")) {
		struct tc_hc_net_setup s = { 0, (uint64_t)(uintptr_t)&tiny_main, 0 };
		tc_hypercall(TC_HC_NET_SETUP, &s);
	} else if (seq(cmd, "net-raw-loop")) {
		/* Raw frames asked for 100 times: each call succeeds, and the
		 * monitor turns the tap's offloads off once (net.bats counts). */
		struct tc_net_ring *r = (struct tc_net_ring *)(uintptr_t)((bi->heap_start + 7) & ~7ULL);
		for (int i = 0; i < 100; i++) {
			struct tc_hc_net_setup s = { TC_NET_SETUP_RAW, (uint64_t)(uintptr_t)r, -1 };
			tc_hypercall(TC_HC_NET_SETUP, &s);
			if (s.ret != 0) {
				puts_("raw net_setup failed");
				exit_(3);
			}
		}
		puts_("raw ok");
	} else if (seq(cmd, "net-lie-prod")) {
		struct tc_net_ring *r = net_ring();
		r->tx_prod += 1000;
		struct tc_hc_net_io io = { 1, 0 };
		tc_hypercall(TC_HC_NET_IO, &io);
	} else if (seq(cmd, "net-lie-len")) {
		struct tc_net_ring *r = net_ring();
		r->tx[r->tx_prod % TC_NET_RING] =
		    (struct tc_net_desc){ .addr = (uint64_t)(uintptr_t)(r + 1), .len = 5, .flags = 0 };
		r->tx_prod++;
		struct tc_hc_net_io io = { 1, 0 };
		tc_hypercall(TC_HC_NET_IO, &io);
	} else if (seq(cmd, "net-lie-txaddr")) {
		struct tc_net_ring *r = net_ring();
		r->tx[r->tx_prod % TC_NET_RING] =
		    (struct tc_net_desc){ .addr = 0x7ff00000000ULL, .len = 60, .flags = 0 };
		r->tx_prod++;
		struct tc_hc_wait w = { mono_ns() + 1000000, TC_EV_NET(0), 0 };
		tc_hypercall(TC_HC_WAIT, &w);
	} else if (seq(cmd, "net-lie-rxaddr")) {
		struct tc_net_ring *r = net_ring();
		/* As many as a frame may take (the monitor checks them before
		 * it reads one). */
		for (int i = 0; i < TC_NET_CHAIN_MAX; i++)
			r->rx[r->rx_prod++ % TC_NET_RING] =
			    (struct tc_net_desc){ .addr = (uint64_t)(uintptr_t)&tiny_main, .len = 2048, .flags = 0 };
		struct tc_hc_net_io io = { 1, 0 };
		tc_hypercall(TC_HC_NET_IO, &io);
	} else if (seq(cmd, "net-small-rx")) {
		struct tc_net_ring *r = net_ring();
		for (int i = 0; i < TC_NET_CHAIN_MAX; i++)
			r->rx[r->rx_prod++ % TC_NET_RING] =
			    (struct tc_net_desc){ .addr = (uint64_t)(uintptr_t)(r + 1), .len = 100, .flags = 0 };
		struct tc_hc_net_io io = { 1, 0 };
		tc_hypercall(TC_HC_NET_IO, &io);
	} else if (seq(cmd, "net-fill")) {
		/* Queue arg valid tx frames and post argv[3] valid rx buffers (all
		 * on the same memory), then one net_io: the ring holds TC_NET_RING
		 * of each, so one more is a lie. */
		struct tc_net_ring *r = net_ring();
		uint64_t ntx = num(arg), nrx = bi->argc > 3 ? num(argv[3]) : 0;
		uint64_t buf = (uint64_t)(uintptr_t)(r + 1);
		for (uint64_t i = 0; i < ntx; i++)
			r->tx[r->tx_prod++ % TC_NET_RING] =
			    (struct tc_net_desc){ .addr = buf, .len = TC_NET_FRAME_MIN, .flags = 0 };
		for (uint64_t i = 0; i < nrx; i++)
			r->rx[r->rx_prod++ % TC_NET_RING] =
			    (struct tc_net_desc){ .addr = buf, .len = TC_NET_FRAME_MAX, .flags = 0 };
		struct tc_hc_net_io io = { 1, 0 };
		tc_hypercall(TC_HC_NET_IO, &io);
	} else if (seq(cmd, "net-wait-noring") || seq(cmd, "net-wait-nobufs")) {
		/* Wait on net0 for arg ms while unable to take a frame (no ring,
		 * or one with no rx buffers); print how many waits that took. */
		if (seq(cmd, "net-wait-nobufs"))
			net_ring();
		uint64_t end = mono_ns() + num(arg) * 1000000, n = 0;
		while (mono_ns() < end && n < 1000000) {
			struct tc_hc_wait w = { end, TC_EV_NET(0), 0 };
			tc_hypercall(TC_HC_WAIT, &w);
			n++;
		}
		putu(n);
		exit_(0);
	} else if (seq(cmd, "net-send")) {
		/* Send arg broadcast frames from argv[3]: "own" (the guest's MAC),
		 * "bcast" (ff:ff:ff:ff:ff:ff) or "other" (another station's), up
		 * to 200 per net_io; print how many the monitor dropped. */
		struct tc_net_ring *r = net_ring();
		uint8_t *f = (uint8_t *)(r + 1);
		const char *src = bi->argc > 3 ? argv[3] : "own";
		for (int k = 0; k < 60; k++)
			f[k] = k < 6	? 0xff
			       : k < 12 ? (seq(src, "own")     ? bi->net[0].mac[k - 6]
					   : seq(src, "bcast") ? 0xff
							       : (uint8_t)k)
					: 0;
		f[12] = 0x88, f[13] = 0xb5; /* a local experimental ethertype */
		for (uint64_t left = num(arg), n; left; left -= n) {
			n = left < 200 ? left : 200;
			for (uint64_t k = 0; k < n; k++)
				r->tx[r->tx_prod++ % TC_NET_RING] =
				    (struct tc_net_desc){ .addr = (uint64_t)(uintptr_t)f, .len = 60, .flags = 0 };
			struct tc_hc_net_io io = { 1, 0 };
			tc_hypercall(TC_HC_NET_IO, &io);
		}
		putu(r->tx_dropped);
		exit_(0);
	} else if (seq(cmd, "net-gso")) {
		/* One TCP/IPv4 frame of 3,054 bytes with offloads as arg says:
		 * "ok" (checksum and segmentation left to the host, segments of
		 * 1,460), or one lie: "csum" (a checksum offset not TCP's), "udp"
		 * (not a TCP frame), "mss" (segments over the MTU), "hdrlen" (a
		 * header length not the frame's), "more" (a tx frame in several
		 * slots), "big" (no segmentation, over the MTU).
		 * Print the monitor's drop count. */
		struct tc_net_ring *r = net_ring();
		uint8_t *f = (uint8_t *)(r + 1);
		for (int k = 0; k < 3054; k++)
			f[k] = k < 6 ? 0xff : k < 12 ? bi->net[0].mac[k - 6] : 0;
		f[12] = 8;
		f[14] = 0x45, f[16] = (3040 >> 8), f[17] = 3040 & 0xff, f[22] = 64, f[23] = seq(arg, "udp") ? 17 : 6;
		f[26] = 10, f[29] = 2, f[30] = 10, f[33] = 1; /* 10.0.0.2 to 10.0.0.1 */
		f[46] = 0x50, f[47] = 0x10; /* a 20-byte TCP header, ACK */
		struct tc_net_desc d = { .addr = (uint64_t)(uintptr_t)f,
					 .len = 3054,
					 .flags = seq(arg, "more") ? TC_NET_MORE : 0 };
		d.csum_flags = TC_NET_NEEDS_CSUM, d.csum_start = 34, d.csum_offset = seq(arg, "csum") ? 6 : 16;
		d.gso_type = seq(arg, "big") ? 0 : TC_NET_GSO_TCPV4;
		d.hdr_len = seq(arg, "hdrlen") ? 60 : 54, d.gso_size = seq(arg, "mss") ? 1461 : 1460;
		if (!d.gso_type)
			d.hdr_len = d.gso_size = 0;
		r->tx[r->tx_prod++ % TC_NET_RING] = d;
		struct tc_hc_net_io io = { 1, 0 };
		tc_hypercall(TC_HC_NET_IO, &io);
		putu(r->tx_dropped);
		exit_(0);
	} else if (seq(cmd, "net-wait-nodev")) {
		struct tc_hc_wait w = { mono_ns() + 1000000, TC_EV_NET(3), 0 };
		tc_hypercall(TC_HC_WAIT, &w);
	} else if (seq(cmd, "cli")) {
		__asm__ __volatile__("cli");
	} else if (seq(cmd, "spin")) {
		for (;;)
			__asm__ __volatile__("pause");
	} else {
		puts_("unknown command");
		exit_(2);
	}
	puts_("survived");
	exit_(0);
}

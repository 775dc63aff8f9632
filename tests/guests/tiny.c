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
			cwrite(1, buf, (uint64_t)a.ret);
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
	} else if (seq(cmd, "write-heap")) {
		/* The whole heap and stack are writable. */
		for (uint64_t p = bi->heap_start; p < bi->heap_end; p += 4096)
			*(volatile char *)(uintptr_t)p = 1;
		puts_("heap ok");
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
	} else if (seq(cmd, "beyond-mem")) {
		putu(*(volatile uint64_t *)(uintptr_t)(bi->mem_size + (4ULL << 20)));
	} else if (seq(cmd, "pagetables")) {
		putu(*(volatile uint64_t *)wild_pt);
	} else if (seq(cmd, "gdt")) {
		putu(*(volatile uint64_t *)wild_gdt);
	} else if (seq(cmd, "write-bootinfo")) {
		*(volatile uint64_t *)(uintptr_t)&bi->mem_size = 0;
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

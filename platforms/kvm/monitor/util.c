/* Messages and clocks for the monitor. */
#include <elf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

/* One write per message: stderr may be shared with the guest's output. */
static void vmsg(const char *fmt, va_list ap)
{
	char buf[1024];
	/* Only the monitor starts a line with "tincan-run:" (console.c). */
	int n = snprintf(buf, sizeof buf, "%stincan-run: ", console_midline() ? "\n" : "");
	int m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0) {
		/* Nothing more we can do. */
	}
}

void msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	quit(status);
}

void quit(int status)
{
	dbg_quit(status);
	snap_abandon();
	_exit(status);
}

void sys_signal(int sig, void (*handler)(int))
{
	/* The kernel's struct sigaction: handler, flags, restorer, mask.
	 * x86-64 wants a restorer for a handler; ours never returns (it ends
	 * the process), so none is ever used. */
	unsigned long sa[4] = { (unsigned long)handler, 0x04000000 /* SA_RESTORER */, 0, 0 };
	syscall(SYS_rt_sigaction, sig, sa, NULL, 8);
}

/* The vDSO's clock_gettime, found by name in its dynamic symbols (its
 * DT_HASH gives their number), or NULL.  Not musl's clock_gettime: its
 * general vDSO lookup (versions too) is ~0.6 KiB more of the budget. */
static void *vdso_clock_gettime(void)
{
	const char *at = (const char *)getauxval(AT_SYSINFO_EHDR), *str = NULL;
	if (!at)
		return NULL;
	const Elf64_Ehdr *eh = (const void *)at;
	const Elf64_Phdr *ph = (const void *)(at + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const uint32_t *hash = NULL;
	uintptr_t base = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++, ph++)
		if (ph->p_type == PT_LOAD)
			base = (uintptr_t)at + ph->p_offset - ph->p_vaddr;
		else if (ph->p_type == PT_DYNAMIC)
			dyn = (const void *)(at + ph->p_offset);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++)
		if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(base + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_SYMTAB)
			sym = (const void *)(base + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const void *)(base + dyn->d_un.d_ptr);
	for (uint32_t i = 0; str && sym && hash && i < hash[1]; i++)
		if (ELF64_ST_TYPE(sym[i].st_info) == STT_FUNC && sym[i].st_shndx != SHN_UNDEF &&
		    strcmp(str + sym[i].st_name, "__vdso_clock_gettime") == 0)
			return (void *)(base + sym[i].st_value);
	return NULL;
}

uint64_t now_ns(int clock)
{
	static int looked;
	static int (*vdso)(int, struct timespec *);
	struct timespec ts;
	if (!looked) {
		looked = 1;
		vdso = (int (*)(int, struct timespec *))vdso_clock_gettime();
	}
	/* The system call if there is no vDSO, or it cannot read this clock. */
	if (!vdso || vdso(clock, &ts) != 0)
		syscall(SYS_clock_gettime, clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t boot_now_ns(int clock)
{
	struct timespec ts;
	syscall(SYS_clock_gettime, clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t bucket_fill(struct bucket *b)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC), dt = now - b->at, add = dt * b->rate / 1000000000ULL;
	/* rate <= 2^32 (options.c): dt * rate cannot overflow below 4 s. */
	if (dt > 4000000000ULL || b->tokens + add >= b->rate) {
		b->tokens = b->rate;
		b->at = now;
	} else {
		b->tokens += add;
		b->at += add * 1000000000ULL / b->rate;
	}
	return b->tokens;
}

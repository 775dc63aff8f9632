/*
 * Ring 0's devices: the 16550 serial port COM1 (the console), the legacy
 * PICs and the PIT (a one-shot timer for waits, and the TSC's frequency
 * when the hypervisor does not say it), the CMOS real-time clock.
 */
#include "k.h"

#define COM1 0x3f8
#define PIT_HZ 1193182u

/* ---- serial ---- */

void k_serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts while we set it up */
	outb(COM1 + 3, 0x80); /* divisor latch */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8 bits, no parity, one stop bit */
	outb(COM1 + 2, 0x07); /* FIFOs on and cleared */
	outb(COM1 + 4, 0x0b); /* DTR, RTS, OUT2 (the IRQ line) */
	outb(COM1 + 1, 0x01); /* an interrupt when a byte arrives: wakes a wait */
}

static void putc_(char c)
{
	for (unsigned spin = 0; !(inb(COM1 + 5) & 0x20) && spin < 1000000; spin++)
		;
	outb(COM1, (uint8_t)c);
}

void k_write(const char *s, size_t n)
{
	while (n--)
		putc_(*s++);
}

void k_puts(const char *s)
{
	while (*s)
		putc_(*s++);
}

void k_hex(uint64_t v)
{
	char b[18] = "0x";
	for (int i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	int skip = 0;
	while (skip < 15 && b[2 + skip] == '0')
		skip++;
	k_write("0x", 2);
	k_write(b + 2 + skip, 16 - (size_t)skip);
}

void k_dec(uint64_t v)
{
	char b[20];
	int n = 0;
	do
		b[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 20);
	while (n)
		putc_(b[--n]);
}

int k_serial_ready(void)
{
	return inb(COM1 + 5) & 1;
}

size_t k_serial_read(char *buf, size_t len)
{
	size_t n = 0;
	while (n < len && k_serial_ready())
		buf[n++] = (char)inb(COM1);
	return n;
}

/* ---- PICs, PIT, TSC ---- */

static uint64_t tsc_hz K_PRIVATE;
static volatile unsigned ticked K_PRIVATE;

uint64_t k_tsc_hz(void)
{
	return tsc_hz;
}

/* The TSC's frequency from the hypervisor's CPUID leaf 0x40000010 (kHz),
 * which KVM and VMware fill when the TSC is invariant; 0 when absent. */
static uint64_t tsc_from_cpuid(void)
{
	uint32_t a = 0x40000000, b, c = 0, d;
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (a < 0x40000010 || a > 0x4000ffff)
		return 0;
	a = 0x40000010;
	c = 0;
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (uint64_t)a * 1000;
}

/* PIT channel 0's count, latched. */
static uint16_t pit_count(void)
{
	outb(0x43, 0x00);
	uint8_t lo = inb(0x40);
	return (uint16_t)(lo | inb(0x40) << 8);
}

/* Count TSC ticks over 10 ms of PIT channel 0 counting down from 0xffff
 * (read back, so no speaker gate is needed: microvm has none); 0 when the
 * count does not move (no PIT). */
static uint64_t tsc_from_pit(void)
{
	outb(0x43, 0x30); /* channel 0, lobyte/hibyte, mode 0 */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	uint16_t first = pit_count(), c = first;
	uint64_t t0 = k_rdtsc();
	for (uint64_t spin = 0; (uint16_t)(first - c) < PIT_HZ / 100; spin++) {
		c = pit_count();
		if (spin > 100000000 || (c == first && spin > 10000000))
			return 0;
	}
	return (k_rdtsc() - t0) * PIT_HZ / (uint16_t)(first - c);
}

void k_timers_init(void)
{
	/* The PICs: vectors PC_IRQ_BASE.., everything masked but the PIT
	 * (IRQ 0), the cascade (2) and COM1 (4). */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, PC_IRQ_BASE);
	outb(0xa1, PC_IRQ_BASE + 8);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, (uint8_t) ~((1 << 0) | (1 << 2) | (1 << 4)));
	outb(0xa1, 0xff);
	tsc_hz = tsc_from_cpuid();
	if (!tsc_hz)
		tsc_hz = tsc_from_pit();
	if (tsc_hz < 1000000)
		k_fail("could not measure the TSC's frequency");
}

void k_irq(unsigned irq)
{
	if (irq == 0)
		ticked = 1;
	k_pci_irq(irq);
	if (irq >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
}

/* Halt until the TSC reaches deadline or a wanted event (console input, a
 * virtio device's interrupt) is ready; the PIT wakes us at most every
 * 50 ms in between. */
unsigned k_wait(uint64_t deadline, unsigned wanted)
{
	for (;;) {
		unsigned ev = k_pci_take(wanted) | ((wanted & 1) && k_serial_ready());
		if (ev)
			return ev;
		uint64_t now = k_rdtsc();
		if (now >= deadline)
			return 0;
		uint64_t left = deadline - now, ticks = PIT_HZ / 20;
		if (left < tsc_hz / 20)
			ticks = left * PIT_HZ / tsc_hz + 1;
		outb(0x43, 0x30); /* channel 0, lobyte/hibyte, mode 0: one shot */
		outb(0x40, ticks & 0xff);
		outb(0x40, (ticks >> 8) & 0xff);
		ticked = 0;
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	}
}

/* ---- the real-time clock ---- */

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t k_rtc_seconds(void)
{
	for (unsigned spin = 0; (cmos(0x0a) & 0x80) && spin < 1000000; spin++)
		; /* an update in progress */
	uint8_t s = cmos(0), mi = cmos(2), h = cmos(4), d = cmos(7), mo = cmos(8), y = cmos(9), b = cmos(0x0b);
	if (s == 0xff && mi == 0xff && mo == 0xff)
		return -1; /* nothing there */
	if (!(b & 0x04)) { /* BCD */
#define BCD(x) ((uint8_t)(((x)&0x0f) + ((x) >> 4) * 10))
		s = BCD(s);
		mi = BCD(mi);
		h = (uint8_t)(BCD(h & 0x7f) | (h & 0x80));
		d = BCD(d);
		mo = BCD(mo);
		y = BCD(y);
	}
	if (!(b & 0x02) && (h & 0x80)) /* 12-hour clock, PM */
		h = (uint8_t)(((h & 0x7f) + 12) % 24);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	return days_from_civil(2000 + y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

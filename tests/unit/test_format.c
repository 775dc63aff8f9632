/* tincan-run's own snprintf (platforms/kvm/monitor/format.c), checked on
 * the host against the C library's for every conversion, flag, width,
 * precision and length it claims, and for truncation. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define vsnprintf tc_vsnprintf
#define snprintf tc_snprintf
#include "../../platforms/kvm/monitor/format.c"
#undef vsnprintf
#undef snprintf

#include "../tap.h"

static int same(size_t n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int same(size_t n, const char *fmt, ...)
{
	char a[256], b[256];
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	memset(a, 'x', sizeof a);
	memset(b, 'x', sizeof b);
	int ra = tc_vsnprintf(a, n, fmt, ap);
	int rb = vsnprintf(b, n, fmt, aq);
	va_end(ap);
	va_end(aq);
	if (ra == rb && memcmp(a, b, sizeof a) == 0)
		return 1;
	printf("#   \"%s\" (n %zu): ours %d [%.*s], libc %d [%.*s]\n", fmt, n, ra, (int)(n ? n : 1), a, rb,
	       (int)(n ? n : 1), b);
	return 0;
}

#define N 256

int main(void)
{
	ok(same(N, "plain text, 100%% sure") && same(N, "%s|%s|%10s|%-10s|%.3s|%10.2s|%*s|%-*s|", "abc", "", "right",
						     "left", "truncate", "xy", 6, "st", 6, "ar"),
	   "strings: width, precision, left, star");
	ok(same(N, "%d %d %d %i %5d %-5d| %05d %+d % d %.3d %8.3d %-8.3d| %.0d|", 0, -1, 2147483647, -2147483647 - 1,
		42, 42, -42, 7, 7, 5, -5, 5, 0),
	   "signed int: width, zero, plus, space, precision");
	ok(same(N, "%u %x %X %o %#x %#X %#o %#x %#o %08x %-8x| %.5u", 0u, 0xdeadbeefu, 0xabcu, 8u, 255u, 255u, 8u, 0u,
		0u, 0x1fu, 0x1fu, 42u),
	   "unsigned, hex, octal, alternate forms");
	ok(same(N, "%ld %lu %lx %lld %llu %llx %llX %lld", -1L, ~0UL, 0x123456789aUL, -9223372036854775807LL - 1,
		18446744073709551615ULL, 0xfedcba9876543210ULL, 0xabcdefULL, 0LL),
	   "long and long long, extremes");
	ok(same(N, "%zu %zx %jd %ju %td %hd %hu %hhd %hhu %hx", (size_t)123456789, (size_t)0xfff, (intmax_t)-5,
		(uintmax_t)5, (ptrdiff_t)-7, (short)-3, (unsigned short)65535, (signed char)-128, (unsigned char)255,
		(unsigned short)0xbeef),
	   "size_t, intmax_t, ptrdiff_t, short and char lengths");
	ok(same(N, "%c%c%3c%-3c|", 'a', 'b', 'c', 'd'), "chars with width");
	errno = ENOENT;
	ok(same(N, "open x: %m|%30m|%-30m|%.5m|%s", "after"), "%%m: strerror(errno), with width and precision");
	ok(same(N, "%p %p", (void *)0x1234, (void *)0xffffffffffffULL), "pointers");
	ok(same(N, "tincan-run: guest fault: write to its own code (W^X) at 0x%llx, rip 0x%llx in %s+0x%llx (%s)",
		0x101a0ULL, 0x10d44ULL, "tiny_main", 0xba4ULL, "build/tests/tiny.tc"),
	   "a real fault report");
	ok(same(5, "%s", "truncated") && same(1, "%d", 12345) && same(0, "%s", "nothing") &&
	       same(8, "%llu-%s", 1234567ULL, "xyz"),
	   "truncation: NUL-terminated inside n, the full length returned");
	char b[16];
	ok(tc_snprintf(b, sizeof b, "%k%") == 3 && strcmp(b, "%k%") == 0,
	   "an unknown conversion is copied as written (%s)", b);
	ok(tc_snprintf(b, sizeof b, "%s", (char *)NULL) == 6 && strcmp(b, "(null)") == 0, "a NULL string");
	return done_testing();
}

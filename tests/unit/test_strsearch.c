/* tincan-run's own strchr, strchrnul, strrchr and memchr
 * (platforms/kvm/monitor/strings.c), checked against the C library's on
 * the host: found and not, first and last, the terminator, bytes above 127
 * and values above 255. */
#include <stddef.h>
#include <string.h>

#define strchrnul tc_strchrnul
#define strchr tc_strchr
#define strrchr tc_strrchr
#define memchr tc_memchr
#include "../../platforms/kvm/monitor/strings.c"
#undef strchrnul
#undef strchr
#undef strrchr
#undef memchr

#include "../tap.h"

static const char *const strs[] = { "", "a", "abc", "a:b:c", "::", "tap0,tap1,", "\xe9t\xe9", "x/y/z/" };
static const int cs[] = { 'a', 'c', ':', ',', '/', 'z', 0, 0xe9, 0x100 + ':', -1, '\xe9' };

int main(void)
{
	int chr = 1, chrnul = 1, rchr = 1, mem = 1;
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		for (size_t j = 0; j < sizeof cs / sizeof cs[0]; j++) {
			const char *s = strs[i];
			int c = cs[j];
			chr &= tc_strchr(s, c) == strchr(s, c);
			chrnul &= tc_strchrnul(s, c) == strchrnul(s, c);
			rchr &= tc_strrchr(s, c) == strrchr(s, c);
			for (size_t n = 0; n <= strlen(s) + 1; n++)
				mem &= tc_memchr(s, c, n) == memchr(s, c, n);
		}
	ok(chr, "strchr as the C library's");
	ok(chrnul, "strchrnul as the C library's");
	ok(rchr, "strrchr as the C library's");
	ok(mem, "memchr as the C library's, every length");
	return done_testing();
}

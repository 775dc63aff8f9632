/* Platform-neutral code in platforms/common, checked on the host: the
 * frame-pointer walker against hostile chains, and the kernel command line
 * splitter. */
#include <stdint.h>
#include <string.h>

#include "../../platforms/common/backtrace.h"
#include "../../platforms/common/guest/cmdline.h"
#include "../tap.h"

/* A fake guest stack: words at addresses [BASE, BASE + 8 * WORDS). */
#define BASE 0x1000u
#define WORDS 64
static uint64_t mem[WORDS];
static unsigned reads;

static int rd(void *ctx, uint64_t addr, uint64_t *v)
{
	(void)ctx;
	reads++;
	if (addr < BASE || addr - BASE >= sizeof mem || addr % 8)
		return -1;
	*v = mem[(addr - BASE) / 8];
	return 0;
}

/* Frame i at word 4 * i: saved fp, then return address. */
static uint64_t frame(unsigned i, uint64_t next, uint64_t ret)
{
	mem[4 * i] = next;
	mem[4 * i + 1] = ret;
	return BASE + 32 * i;
}

static void test_backtrace(void)
{
	struct bt_frame f[8];

	memset(mem, 0, sizeof mem);
	uint64_t fp = frame(0, BASE + 32, 0x10100);
	frame(1, BASE + 64, 0x10200);
	frame(2, 0, 0x10300);
	unsigned n = bt_walk(fp, rd, NULL, f, 8, 100);
	ok(n == 3 && f[0].ret == 0x10100 && f[1].ret == 0x10200 && f[2].ret == 0x10300 && !f[0].repeats,
	   "a three-frame chain ending in a null frame pointer (%u)", n);

	for (unsigned i = 0; i < 10; i++)
		frame(i, BASE + 32 * (i + 1), i < 9 ? 0x20000 : 0x30000);
	n = bt_walk(BASE, rd, NULL, f, 8, 100);
	ok(n >= 2 && f[0].ret == 0x20000 && f[0].repeats == 8 && f[1].ret == 0x30000,
	   "recursion folds into one frame with a repeat count (%llu)", (unsigned long long)f[0].repeats);

	memset(mem, 0, sizeof mem);
	frame(0, BASE + 32, 0x1);
	frame(1, BASE, 0x2); /* points back down: a loop */
	n = bt_walk(BASE, rd, NULL, f, 8, 100);
	ok(n == 2, "a frame pointer that does not climb ends the walk (%u)", n);

	frame(0, BASE + 5, 0x1);
	n = bt_walk(BASE, rd, NULL, f, 8, 100);
	ok(n == 1, "a misaligned frame pointer ends the walk (%u)", n);
	frame(0, UINT64_MAX - 7, 0x1);
	n = bt_walk(BASE, rd, NULL, f, 8, 100);
	ok(n == 1, "an unreadable or wrapping frame pointer ends the walk (%u)", n);
	frame(0, BASE + 32, 0);
	ok(bt_walk(BASE, rd, NULL, f, 8, 100) == 0, "a zero return address ends the walk");

	for (unsigned i = 0; i < 15; i++)
		frame(i, BASE + 32 * (i + 1), 0x100 + i);
	ok(bt_walk(BASE, rd, NULL, f, 4, 100) == 4, "at most max frames");
	reads = 0;
	ok(bt_walk(BASE, rd, NULL, f, 8, 3) == 3 && reads <= 6, "at most reads_max frames read (%u reads)", reads);
	ok(bt_walk(0, rd, NULL, f, 8, 100) == 0, "no frame pointer, no frames");
}

static int split(const char *line, char **argv, int max, char *buf)
{
	strcpy(buf, line);
	return cmdline_split(buf, argv, max);
}

static void test_cmdline(void)
{
	char buf[256], *v[8];

	ok(split("app.elf --ip=10.0.0.2/24 -- a b", v, 8, buf) == 5 && strcmp(v[0], "app.elf") == 0 &&
	       strcmp(v[1], "--ip=10.0.0.2/24") == 0 && strcmp(v[2], "--") == 0 && strcmp(v[4], "b") == 0 &&
	       v[5] == NULL,
	   "plain words");
	ok(split("  \t lead  trail \n", v, 8, buf) == 2 && strcmp(v[0], "lead") == 0 && strcmp(v[1], "trail") == 0,
	   "blanks around and between words");
	ok(split("", v, 8, buf) == 0 && v[0] == NULL, "an empty line has no words");
	ok(split("a 'two words' \"say \\\"hi\\\" \\\\ \\n\" x\\ y", v, 8, buf) == 4 && strcmp(v[1], "two words") == 0 &&
	       strcmp(v[2], "say \"hi\" \\ \\n") == 0 && strcmp(v[3], "x y") == 0,
	   "single and double quotes, escapes: [%s] [%s] [%s]", v[1], v[2], v[3]);
	ok(split("pre'mid'post '' \"\"", v, 8, buf) == 3 && strcmp(v[0], "premidpost") == 0 && v[1][0] == '\0' &&
	       v[2][0] == '\0',
	   "quotes inside a word, and empty words");
	ok(split("\"it\\'s here\" c\\\"d", v, 8, buf) == 2 && strcmp(v[0], "it's here") == 0 &&
	       strcmp(v[1], "c\"d") == 0,
	   "GRUB's quoting of multiboot arguments: [%s] [%s]", v[0], v[1]);
	ok(split("a 'open", v, 8, buf) == -1, "an unterminated single quote is refused");
	ok(split("a \"open", v, 8, buf) == -1, "an unterminated double quote is refused");
	ok(split("a b c", v, 3, buf) == -1, "more words than argv holds is refused");
	ok(split("a b", v, 3, buf) == 2 && v[2] == NULL, "exactly as many words as fit");
	ok(split("a", v, 0, buf) == -1, "no room at all is refused");
}

int main(void)
{
	test_backtrace();
	test_cmdline();
	return done_testing();
}

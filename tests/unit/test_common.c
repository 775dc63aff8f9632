/* Platform-neutral code in platforms/common, checked on the host: the
 * frame-pointer walker against hostile chains, the kernel command line
 * splitter, and the per-NIC options (netopt.c). */
#include <stdint.h>
#include <endian.h>
#include <string.h>

#include "../../platforms/common/backtrace.h"
#include "../../platforms/common/guest/cmdline.h"
#include "../../platforms/common/netopt.h"
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

/* One option against devices net0 and net1: its entry, or "BAD". */
static struct netopt_dev devs[2];
static const char *opt(int kind, const char *v)
{
	static char out[NETOPT_RT_ROOM + 8];
	memset(out, 0x55, sizeof out);
	int n = netopt_parse(kind, v, devs, 2, out, 0);
	if (n >= 0 && ((size_t)n != strlen(out) || n >= (kind == NETOPT_IP ? NETOPT_IP_ROOM : NETOPT_RT_ROOM)))
		return "OVERRUN";
	return n < 0 ? "BAD" : out;
}

static void test_netopt(void)
{
	static const struct {
		int kind;
		const char *v, *want;
	} cases[] = {
		{ NETOPT_IP, "10.0.0.2/24", "net0:10.0.0.2/24" },
		{ NETOPT_IP, "net1:10.0.1.2", "net1:10.0.1.2/24" },
		{ NETOPT_IP, "fe80::1/64", "net0:fe80::1/64" },
		{ NETOPT_IP, "net1:fd00::2", "net1:fd00::2/64" },
		{ NETOPT_IP, "net1:1:2:3:4:5:6:7:8/128", "net1:1:2:3:4:5:6:7:8/128" },
		{ NETOPT_IP, "::ffff/96", "net0:::ffff/96" },
		{ NETOPT_IP, "10.0.0.2/33", "BAD" },
		{ NETOPT_IP, "fd00::1/129", "BAD" },
		{ NETOPT_IP, "0.0.0.0/8", "BAD" },
		{ NETOPT_IP, "::/0", "BAD" },
		{ NETOPT_IP, "net9:10.0.0.1/24", "BAD" },
		{ NETOPT_IP, "net1:", "BAD" },
		{ NETOPT_IP, "10.0.0.2/", "BAD" },
		{ NETOPT_IP, "10.0.0.2/2x", "BAD" },
		{ NETOPT_IP, "10.0.0.2/0024", "BAD" },
		{ NETOPT_IP, "010.0.0.2/24", "BAD" },
		{ NETOPT_IP, "1:2:3/64", "BAD" },
		{ NETOPT_IP, "1::2::3/64", "BAD" },
		{ NETOPT_IP, "1:::2/64", "BAD" },
		{ NETOPT_IP, "12345::1/64", "BAD" },
		{ NETOPT_IP, "1:2:3:4:5:6:7:8:9/64", "BAD" },
		{ NETOPT_IP, "::1:2:3:4:5:6:7:8/64", "BAD" },
		{ NETOPT_IP, "1:/64", "BAD" },
		{ NETOPT_IP, "", "BAD" },
		{ NETOPT_IP, "10.0.0.2/0", "BAD" },
		{ NETOPT_IP, "fd00::1/0", "BAD" },
		{ NETOPT_IP, "10.0.0.0/8", "BAD" },
		{ NETOPT_IP, "10.255.255.255/8", "BAD" },
		{ NETOPT_IP, "10.0.0.255/24", "BAD" },
		{ NETOPT_IP, "10.0.0.4/30", "BAD" },
		{ NETOPT_IP, "10.0.0.5/30", "net0:10.0.0.5/30" },
		{ NETOPT_IP, "10.0.0.4/31", "net0:10.0.0.4/31" },
		{ NETOPT_IP, "10.0.0.5/31", "net0:10.0.0.5/31" },
		{ NETOPT_IP, "10.0.0.255/32", "net0:10.0.0.255/32" },
		{ NETOPT_IP, "10.0.0.0/32", "net0:10.0.0.0/32" },
		{ NETOPT_IP, "255.255.255.255/32", "BAD" },
		{ NETOPT_IP, "net1:255.255.255.255/31", "BAD" },
		{ NETOPT_IP, "fd00::/64", "net0:fd00::/64" },
		{ NETOPT_GW, "10.0.0.1", "0.0.0.0/0@10.0.0.1%net0" },
		{ NETOPT_GW, "net1:fe80::1", "::/0@fe80::1%net1" },
		{ NETOPT_GW, "10.0.0.1/24", "BAD" },
		{ NETOPT_GW, "net1:0.0.0.0", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.0/16:via=10.0.0.1", "10.9.0.0/16@10.0.0.1" },
		{ NETOPT_ROUTE, "10.9.0.0/16:dev=net1", "10.9.0.0/16%net1" },
		{ NETOPT_ROUTE, "10.9.0.0/16:via=10.0.0.1:dev=net1", "10.9.0.0/16@10.0.0.1%net1" },
		{ NETOPT_ROUTE, "10.9.0.0/16:dev=net1:via=10.0.0.1", "10.9.0.0/16@10.0.0.1%net1" },
		{ NETOPT_ROUTE, "fd01::/64:via=fd00::1", "fd01::/64@fd00::1" },
		{ NETOPT_ROUTE, "0.0.0.0/0:via=10.0.0.1", "0.0.0.0/0@10.0.0.1" },
		{ NETOPT_ROUTE, "10.9.0.0/16", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.1/16:via=10.0.0.1", "BAD" },
		{ NETOPT_ROUTE, "fd01::1/64:via=fd00::1", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.0/16:via=fd00::1", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.0:via=10.0.0.1", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.0/16:dev=net2", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.0/16:via=10.0.0.1/8", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.0/16:via=", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.0/16:dev=", "BAD" },
		{ NETOPT_ROUTE, "10.9.0.0/16:via=10.0.0.1:via=10.0.0.2", "BAD" },
		{ NETOPT_ROUTE, ":via=10.0.0.1", "BAD" },
	};
	devs[0].name = "net0";
	devs[1].name = "net1";
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = opt(cases[i].kind, cases[i].v);
		ok(strcmp(got, cases[i].want) == 0, "netopt %d '%s': '%s'", cases[i].kind, cases[i].v, got);
	}
	/* A device named like a hex group: its prefix when the rest is an
	 * address, else the whole value is the first device's; the first
	 * device's name given puts any address there. */
	static const struct {
		int kind;
		const char *v, *want;
	} hex[] = {
		{ NETOPT_IP, "fd00::5/64", "net0:fd00::5/64" },
		{ NETOPT_IP, "fd00:1::5/64", "fd00:1::5/64" },
		{ NETOPT_IP, "net0:fd00:1::5/64", "net0:fd00:1::5/64" },
		{ NETOPT_IP, "fd00:10.0.0.2/24", "fd00:10.0.0.2/24" },
		{ NETOPT_IP, "fd00::", "net0:fd00::/64" },
		{ NETOPT_IP, "fd00:zz", "BAD" },
		{ NETOPT_GW, "fd00::1", "::/0@fd00::1%net0" },
		{ NETOPT_GW, "fd00:fe80::1", "::/0@fe80::1%fd00" },
		{ NETOPT_GW, "fd00:10.0.0.1", "0.0.0.0/0@10.0.0.1%fd00" },
	};
	devs[1].name = "fd00";
	for (size_t i = 0; i < sizeof hex / sizeof hex[0]; i++) {
		const char *got = opt(hex[i].kind, hex[i].v);
		ok(strcmp(got, hex[i].want) == 0, "netopt beside a device fd00: %d '%s': '%s'", hex[i].kind, hex[i].v,
		   got);
	}
	/* Longest valid entries fit their room; a value too long for any is bad. */
	devs[0].name = "abcdefghijklmno";
	ok(strcmp(opt(NETOPT_IP, "abcdefghijklmno:1111:2222:3333:4444:5555:6666:7777:8888/128"),
		  "abcdefghijklmno:1111:2222:3333:4444:5555:6666:7777:8888/128") == 0,
	   "the longest --ip fits");
	ok(strcmp(opt(NETOPT_ROUTE, "1111:2222:3333:4444:5555:6666:7777:0/128:via=1111:2222:3333:4444:5555:6666:7777:"
				    "8888:dev=abcdefghijklmno"),
		  "1111:2222:3333:4444:5555:6666:7777:0/128@1111:2222:3333:4444:5555:6666:7777:8888%abcdefghijklmno") ==
	       0,
	   "the longest --route fits");
	char big[400];
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ok(strcmp(opt(NETOPT_ROUTE, big), "BAD") == 0 && strcmp(opt(NETOPT_IP, big), "BAD") == 0,
	   "a value longer than any entry is bad");
	/* The boot info: each device's first IPv4 address and gateway. */
	struct netopt_dev d[2] = { { "net0", 0, 0, 0 }, { "net1", 0, 0, 0 } };
	char out[NETOPT_RT_ROOM];
	netopt_parse(NETOPT_IP, "fd00::2/64", d, 2, out, 0);
	netopt_parse(NETOPT_IP, "net1:10.0.1.2/16", d, 2, out, 0);
	netopt_parse(NETOPT_IP, "net1:10.0.2.2/24", d, 2, out, 1);
	netopt_parse(NETOPT_GW, "net1:10.0.1.1", d, 2, out, 0);
	netopt_parse(NETOPT_GW, "net1:10.0.1.9", d, 2, out, 0);
	ok(d[0].ip4 == 0 && d[1].ip4 == htobe32(0x0a000102) && d[1].prefix == 16 && d[1].gw4 == htobe32(0x0a000101),
	   "first IPv4 address and gateway per device");
	ok(netopt_parse(NETOPT_IP, "net1:10.0.2.2/24", d, 2, out, 1) == 17 && strcmp(out, ",net1:10.0.2.2/24") == 0,
	   "a comma before a later entry");
	ok(netopt_parse(NETOPT_IP, "10.0.0.2/24", d, 0, out, 0) == -1, "no device: bad");
}

/* netopt_addr: a whole, non-zero address of either family (--dns,
 * --host-entry). */
static void test_netopt_addr(void)
{
	static const struct {
		const char *s;
		int len;
	} cases[] = {
		{ "10.0.0.1", 4 },	  { "fd00::1", 16 },
		{ "::ffff:10.0.0.1", 0 }, /* a dotted IPv4 tail is not taken (hex groups only) */
		{ "fe80::1", 16 },	  { "1:2:3:4:5:6:7:8", 16 },
		{ "0.0.0.0", 0 },	  { "::", 0 },
		{ "10.0.0.1/24", 0 },	  { "fd00::1/64", 0 },
		{ "10.0.0.256", 0 },	  { "10.0.0", 0 },
		{ "fd00:::1", 0 },	  { "1:2:3:4:5:6:7:8:9", 0 },
		{ "fd00::g", 0 },	  { " 10.0.0.1", 0 },
		{ "10.0.0.1 ", 0 },	  { "", 0 },
	};
	uint8_t a[16];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ok(netopt_addr(cases[i].s, a) == cases[i].len, "netopt_addr '%s': %d", cases[i].s, cases[i].len);
	netopt_addr("fd00::1", a);
	ok(a[0] == 0xfd && a[15] == 1, "netopt_addr fd00::1: its bytes");
}

int main(void)
{
	test_backtrace();
	test_cmdline();
	test_netopt();
	test_netopt_addr();
	return done_testing();
}

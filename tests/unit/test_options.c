/* Host unit tests for tincan-run's command line. */
#include <string.h>

#include "../tap.h"
#include "module.h"
#include "options.h"
#include "size.h"

/* A fake device module: takes --dev and --dev-x, refuses the value "no". */
static const char *dev, *dev_x;
static int opt_dev(const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "no") == 0) {
		snprintf(err, errlen, "--dev refuses '%s'", v);
		return -1;
	}
	dev = v;
	return 0;
}
static int opt_dev_x(const char *v, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	dev_x = v;
	return 0;
}
static const struct mod_option dev_options[] = { { "--dev", opt_dev }, { "--dev-x", opt_dev_x }, { NULL, NULL } };
static const struct module fake_console = { 0 },
			   fake_dev = { .options = dev_options, .usage = "  --dev=X  a device\n" };
static const struct module *const mods[] = { &fake_console, &fake_dev, NULL };

#include <stdarg.h>
static int parse(struct options *o, char *err, ...)
{
	static char *v[32];
	int n = 0;
	va_list ap;
	va_start(ap, err);
	v[n++] = "tincan-run";
	for (char *a; (a = va_arg(ap, char *));)
		v[n++] = a;
	va_end(ap);
	v[n] = NULL;
	return options_parse(o, n, v, mods, err, 256);
}

int main(void)
{
	uint64_t s;
	struct options o;
	char err[256];

	ok(parse_size("4096", &s) == 0 && s == 4096, "plain bytes");
	ok(parse_size("1M", &s) == 0 && s == 1 << 20, "1M");
	ok(parse_size("512k", &s) == 0 && s == 512 << 10, "512k");
	ok(parse_size("2GiB", &s) == 0 && s == 2ULL << 30, "2GiB");
	ok(parse_size("3MB", &s) == 0 && s == 3 << 20, "3MB");
	ok(parse_size("", &s) < 0, "empty size");
	ok(parse_size("M", &s) < 0, "unit without number");
	ok(parse_size("12x", &s) < 0, "bad unit");
	ok(parse_size("-1M", &s) < 0, "negative");
	ok(parse_size("99999999999999999999", &s) < 0, "overflowing digits");
	ok(parse_size("99999999999G", &s) < 0, "overflowing unit");

	ok(parse(&o, err, "img", NULL) == OPT_RUN && strcmp(o.image, "img") == 0 && o.argc == 1 && o.mem == 0,
	   "image only");
	ok(parse(&o, err, "--mem=1M", "--env=A=1", "--env", "B=x=y", "img", "--", "a", "--b", NULL) == OPT_RUN &&
	       o.mem == 1 << 20 && o.envc == 2 && strcmp(o.envp[1], "B=x=y") == 0 && o.argc == 3 &&
	       strcmp(o.argv[0], "img") == 0 && strcmp(o.argv[1], "a") == 0 && strcmp(o.argv[2], "--b") == 0,
	   "options, env and args after --");
	ok(parse(&o, err, "--mem", "2M", "img", "x", NULL) == OPT_RUN && o.mem == 2 << 20 && o.argc == 2,
	   "--mem SIZE and args without --");
	ok(parse(&o, err, "--mem=300001", "img", NULL) == OPT_RUN && o.mem == 303104, "--mem rounded up to pages");
	ok(parse(&o, err, "--help", NULL) == OPT_HELP, "--help");
	ok(parse(&o, err, "--version", NULL) == OPT_VERSION, "--version");
	ok(parse(&o, err, "--bogus", "img", NULL) == OPT_ERROR && strstr(err, "unknown option '--bogus'"),
	   "unknown option: %s", err);
	ok(parse(&o, err, "--memory=1M", "img", NULL) == OPT_ERROR, "--memory is not --mem");
	ok(parse(&o, err, "img", NULL) == OPT_RUN && o.mem_max == MEM_MAX_DEFAULT, "--mem-max defaults to 1G");
	ok(parse(&o, err, "--mem-max=0", "--mem=2M", "img", NULL) == OPT_RUN && o.mem_max == 0 && o.mem == 2 << 20,
	   "--mem-max=0 and --mem together");
	ok(parse(&o, err, "--mem-max", "100001", "img", NULL) == OPT_RUN && o.mem_max == 102400,
	   "--mem-max SIZE rounded up to pages");
	ok(parse(&o, err, "--timeout=500ms", "img", NULL) == OPT_RUN && o.timeout_ns == 500000000ULL,
	   "--timeout=500ms");
	ok(parse(&o, err, "--timeout", "2m", "img", NULL) == OPT_RUN && o.timeout_ns == 120000000000ULL,
	   "--timeout 2m");
	ok(parse(&o, err, "--timeout=10", "img", NULL) == OPT_RUN && o.timeout_ns == 10000000000ULL,
	   "--timeout without a unit is seconds");
	ok(parse(&o, err, "img", NULL) == OPT_RUN && o.timeout_ns == 0, "no --timeout: none");
	ok(parse(&o, err, "img", NULL) == OPT_RUN && o.grace_ns == 5000000000ULL, "--grace: 5 s by default");
	{
		uint32_t a = 0;
		const char *e = parse_ipv4("10.0.200.255/24", &a);
		ok(e && strcmp(e, "/24") == 0 && memcmp(&a, "\x0a\x00\xc8\xff", 4) == 0,
		   "parse_ipv4: address and the rest");
		static const char *bad[] = { "",	 "1.2.3",      "1.2.3.",  "1..2.3",   "256.1.1.1",
					     "01.2.3.4", "1.2.3.4444", "a.b.c.d", " 1.2.3.4", "1.2.3.-4" };
		int refused = 0;
		for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
			refused += !(e = parse_ipv4(bad[i], &a)) || *e;
		ok(refused == (int)(sizeof bad / sizeof bad[0]), "parse_ipv4 refuses what inet_pton refuses (%d of %d)",
		   refused, (int)(sizeof bad / sizeof bad[0]));
	}
	ok(parse(&o, err, "--grace=250ms", "img", NULL) == OPT_RUN && o.grace_ns == 250000000ULL, "--grace=250ms");
	ok(parse(&o, err, "--grace=0", "img", NULL) == OPT_RUN && o.grace_ns == 0, "--grace=0: at once");
	ok(parse(&o, err, "--grace=2x", "img", NULL) == OPT_ERROR && strstr(err, "invalid --grace value '2x'"),
	   "--grace=2x: %s", err);
	ok(parse(&o, err, "--timeout=0s", "img", NULL) == OPT_ERROR && strstr(err, "invalid --timeout value '0s'"),
	   "--timeout=0s: %s", err);
	ok(parse(&o, err, "--timeout=367d", "img", NULL) == OPT_ERROR, "--timeout with an unknown unit");
	ok(parse(&o, err, "--console-rate=1M", "--net-rate", "500", "img", NULL) == OPT_RUN && o.rate[0] == 1 << 20 &&
	       o.rate[1] == 500,
	   "--console-rate and --net-rate");
	ok(parse(&o, err, "img", NULL) == OPT_RUN && !o.rate[0] && !o.rate[1], "no rates: no limits");
	ok(parse(&o, err, "--net-rate=0", "img", NULL) == OPT_ERROR && strstr(err, "invalid rate '0'"),
	   "a rate of 0: %s", err);
	ok(parse(&o, err, "--console-rate=4G", "img", NULL) == OPT_RUN &&
	       parse(&o, err, "--console-rate=5G", "img", NULL) == OPT_ERROR,
	   "rates up to 4G a second");
	ok(parse(&o, err, "--timeout=8785h", "img", NULL) == OPT_ERROR, "--timeout over a year");
	ok(parse(&o, err, "--timeout=18446744073709551617ms", "img", NULL) == OPT_ERROR, "--timeout that overflows");
	ok(parse(&o, err, "--mem-max=4G", "img", NULL) == OPT_ERROR && strstr(err, "invalid --mem-max"),
	   "--mem-max beyond 3G: %s", err);
	ok(parse(&o, err, "--mem-max=-1", "img", NULL) == OPT_ERROR && strstr(err, "invalid --mem-max"),
	   "--mem-max negative: %s", err);
	ok(parse(&o, err, "--mem=lots", "img", NULL) == OPT_ERROR && strstr(err, "invalid --mem"), "bad size: %s", err);
	ok(parse(&o, err, "--mem=1K", "img", NULL) == OPT_ERROR && strstr(err, "outside"), "too small: %s", err);
	ok(parse(&o, err, "--mem=64G", "img", NULL) == OPT_ERROR && strstr(err, "outside"), "too large: %s", err);
	ok(parse(&o, err, "--mem", NULL) == OPT_ERROR && strstr(err, "needs a value"), "missing value: %s", err);
	ok(parse(&o, err, "--env=NOVALUE", "img", NULL) == OPT_ERROR && strstr(err, "NAME=VALUE"), "env without =: %s",
	   err);
	ok(parse(&o, err, "--env==x", "img", NULL) == OPT_ERROR, "env with empty name");
	ok(parse(&o, err, NULL) == OPT_ERROR && strstr(err, "no image"), "no image: %s", err);
	ok(parse(&o, err, "--mem=1M", NULL) == OPT_ERROR && strstr(err, "no image"), "options but no image");

	ok(parse(&o, err, "--dev=a", "--dev-x", "b", "--mem=1M", "img", NULL) == OPT_RUN && dev &&
	       strcmp(dev, "a") == 0 && dev_x && strcmp(dev_x, "b") == 0 && o.mem == 1 << 20 && o.argc == 1,
	   "module options, both forms, among generic ones");
	ok(parse(&o, err, "--dev=no", "img", NULL) == OPT_ERROR && strcmp(err, "--dev refuses 'no'") == 0,
	   "a module refuses a value: %s", err);
	ok(parse(&o, err, "--dev", NULL) == OPT_ERROR && strstr(err, "option '--dev' needs a value"),
	   "module option without a value: %s", err);
	ok(parse(&o, err, "--devx=1", "img", NULL) == OPT_ERROR && strstr(err, "unknown option '--devx=1'"),
	   "a prefix of a module option is not it: %s", err);

	ok(parse(&o, err, "img", NULL) == OPT_RUN && o.jail == JAIL_ON && !o.user, "the jail is on by default");
	ok(parse(&o, err, "--user=1234:5678", "--jail=ns", "img", NULL) == OPT_RUN && o.user && o.uid == 1234 &&
	       o.gid == 5678 && o.jail == JAIL_NS,
	   "--user=UID:GID --jail=ns");
	ok(parse(&o, err, "--user", "42", "--jail", "off", "img", NULL) == OPT_RUN && o.uid == 42 && o.gid == 42 &&
	       o.jail == JAIL_OFF,
	   "--user UID: GID the same; --jail off");
	ok(parse(&o, err, "--user=4294967294:0", "img", NULL) == OPT_RUN && o.uid == 4294967294u && o.gid == 0,
	   "the largest uid");
	ok(parse(&o, err, "--user=4294967295", "img", NULL) == OPT_ERROR &&
	       strcmp(err, "invalid --user value '4294967295': expected UID or UID:GID") == 0,
	   "uid -1 is refused: %s", err);
	ok(parse(&o, err, "--user=1:", "img", NULL) == OPT_ERROR &&
	       parse(&o, err, "--user=+1", "img", NULL) == OPT_ERROR &&
	       parse(&o, err, "--user=1:2:3", "img", NULL) == OPT_ERROR,
	   "--user: no empty GID, no sign, no third part");
	ok(parse(&o, err, "--jail=yes", "img", NULL) == OPT_ERROR && strstr(err, "expected ns or off"),
	   "--jail=yes: %s", err);

	char text[4096] = "";
	FILE *f = tmpfile();
	options_usage(fileno(f), mods);
	rewind(f);
	if (fread(text, 1, sizeof text - 1, f) == 0)
		text[0] = '\0';
	fclose(f);
	/* The lean build's text: the list is tincan-run-debug's (its exact
	 * text, module lines in place, is tests/kvm/monitor.bats's). */
	ok(strncmp(text, "usage: tincan-run", 17) == 0, "usage starts with the synopsis");
	ok(strstr(text, "tincan-run-debug --help") && !strstr(text, "--dev=X"),
	   "without tincan-run-debug: where the list is, and no module's lines");
	return done_testing();
}

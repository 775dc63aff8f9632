# glob, fnmatch and regex from newlib's libc/posix (tests/guests/patterns.c).
load helpers

@test "glob, fnmatch, regcomp/regexec: TAP from the guest" {
	need_platform
	boot "$B/tests/patterns.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "glob.h, fnmatch.h and regex.h compile under -std=c89 -pedantic -Werror" {
	printf '#include <glob.h>\n#include <fnmatch.h>\n#include <regex.h>\nint f(void) { return GLOB_NOMATCH + FNM_NOMATCH + REG_NOMATCH; }\n' > "$BATS_TEST_TMPDIR/p.c"
	run "$B/bin/tincan-cc" -std=c89 -pedantic -Werror -c "$BATS_TEST_TMPDIR/p.c" -o "$BATS_TEST_TMPDIR/p.o"
	echo "$output"
	[ "$status" -eq 0 ]
}

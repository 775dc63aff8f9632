# long double math and the chown family (tests/guests/ldmath.c).
load helpers

@test "long double math on the x87 and chown: TAP from the guest" {
	need_platform
	boot "$B/tests/ldmath.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "math.h declares the long double functions under -std=c99 -pedantic, and C89 still compiles" {
	printf '#include <math.h>\nlong double f(long double x) { return ceill(x) + llroundl(x) + powl(x, x); }\n' > "$BATS_TEST_TMPDIR/m.c"
	run "$B/bin/tincan-cc" -std=c99 -pedantic -Werror -c "$BATS_TEST_TMPDIR/m.c" -o "$BATS_TEST_TMPDIR/m.o"
	echo "$output"
	[ "$status" -eq 0 ]
	printf '#include <math.h>\ndouble g(double x) { return floor(x); }\n' > "$BATS_TEST_TMPDIR/c.c"
	run "$B/bin/tincan-cc" -ansi -pedantic -Werror -c "$BATS_TEST_TMPDIR/c.c" -o "$BATS_TEST_TMPDIR/c.o"
	echo "$output"
	[ "$status" -eq 0 ]
}

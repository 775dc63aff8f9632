#!/bin/sh
# The host unit tests (tests/unit.t) again, built with ASan+UBSan into
# $B/asan (make asan-units): any out-of-bounds access, use after free or
# undefined behaviour in the host-side code they reach fails its test.
# Leaks are not checked here (the tests, like tincan-mkfs, exit without
# freeing); the fuzz targets (tests/fuzz.t) free everything and check them.
B=${B:-build}
cd "$(dirname "$0")/.." || exit 1
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
n=0
for t in elfimage layout options chacha common path hccore format rootfs logfs virtio seccomp router; do
	n=$((n + 1))
	bin=$B/asan/tests/unit/test_$t
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $t: $bin not built (make asan-units)"
		continue
	fi
	out=$("$bin" "$B/tests/tiny.tc" 2>&1) && st=0 || st=$?
	printf '%s\n' "$out" | sed 's/^/# /' | grep -v '^# ok ' || true
	checks=$(printf '%s\n' "$out" | grep -c '^ok ')
	if [ $st -eq 0 ] && ! printf '%s\n' "$out" | grep -qE 'runtime error|ERROR: (Address|Undefined)'; then
		echo "ok $n - ASan+UBSan unit tests: $t ($checks checks)"
	else
		echo "not ok $n - ASan+UBSan unit tests: $t (exit $st)"
	fi
done
echo "1..$n"

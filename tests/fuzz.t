#!/bin/sh
# Each libFuzzer target (tests/fuzz/*.c, docs/fuzzing.md) for a few seconds
# with ASan+UBSan, from its committed seeds and reproducers
# (tests/fuzz/corpus/TARGET): a crash, leak, hang or sanitizer report fails
# the target and leaves the reproducer in $B/fuzz/test-crashes/TARGET/.
# FUZZ_TEST_SECONDS (default 8) per target; `make fuzz` runs them longer.
B=${B:-build}
cd "$(dirname "$0")/.." || exit 1
secs=${FUZZ_TEST_SECONDS:-8}
if ! command -v clang >/dev/null 2>&1; then
	echo "1..0 # SKIP clang is not installed (apt-get install clang libclang-rt-14-dev)"
	exit 0
fi
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	echo "1..0 # SKIP clang has no libFuzzer (apt-get install libclang-rt-14-dev)"
	exit 0
fi
n=0
for src in tests/fuzz/*.c; do
	t=$(basename "$src" .c)
	n=$((n + 1))
	bin=$B/fuzz/bin/$t
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz $t: $bin not built (make $bin)"
		continue
	fi
	corpus=$B/fuzz/test-corpus/$t crashes=$B/fuzz/test-crashes/$t
	rm -rf "$corpus" && mkdir -p "$corpus" "$crashes"
	out=$("$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 -dict="tests/fuzz/$t.dict" \
		-artifact_prefix="$crashes/" "$corpus" "tests/fuzz/corpus/$t" 2>&1) && st=0 || st=$?
	execs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
	cov=$(printf '%s\n' "$out" | grep -E '^#[0-9]+.*cov: ' | tail -1 | sed -n 's/.*\(cov: [0-9]* ft: [0-9]*\).*/\1/p')
	if [ $st -eq 0 ]; then
		echo "ok $n - fuzz $t: ${execs:-?} runs, $cov, no crash"
	else
		printf '%s\n' "$out" | grep -E 'ERROR|runtime error|SUMMARY|Test unit written' | head -5 | sed 's/^/# /'
		echo "not ok $n - fuzz $t crashed (exit $st): reproducer in $crashes/"
	fi
done
echo "1..$n"

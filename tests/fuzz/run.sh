#!/bin/sh
# Run libFuzzer targets one after another: tests/fuzz/run.sh BUILD SECONDS TARGET=SRC,SRC...
# (make fuzz passes each target with the sources whose line coverage it
# reports).  Each starts from its committed seeds (tests/fuzz/corpus/TARGET)
# and the corpus earlier runs grew (BUILD/fuzz/corpus/TARGET); a crash, leak
# or timeout leaves its reproducer in BUILD/fuzz/crashes/TARGET/.  Prints one
# line per target: executions, seconds, libFuzzer's final cov and ft, the
# line coverage of the sources over the corpus (with llvm-cov), crashes.
# Exits 1 if any target crashed.  FUZZ_NOCOV=1 skips the line coverage.
set -u
B=$1 secs=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
profdata=$(command -v llvm-profdata || command -v llvm-profdata-14 || true)
llvmcov=$(command -v llvm-cov || command -v llvm-cov-14 || true)
status=0
printf '%-8s %12s %6s %6s %7s %7s  %s\n' target execs secs cov ft lines crashes
for spec; do
	t=${spec%%=*} srcs=$(echo "${spec#*=}" | tr , ' ')
	corpus=$B/fuzz/corpus/$t crashes=$B/fuzz/crashes/$t log=$B/fuzz/$t.log
	mkdir -p "$corpus" "$crashes"
	dict=
	[ -f tests/fuzz/$t.dict ] && dict=-dict=tests/fuzz/$t.dict
	before=$(ls "$crashes" | wc -l)
	start=$(date +%s)
	# -timeout: an input taking 10 s is a hang; the rest are libFuzzer's defaults.
	"$B/fuzz/bin/$t" -max_total_time="$secs" -timeout=10 -print_final_stats=1 $dict \
		-artifact_prefix="$crashes/" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
	st=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: [0-9]+' | tail -1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	found=$(($(ls "$crashes" | wc -l) - before))
	[ $st -ne 0 ] && [ $found -eq 0 ] && found=1
	lines=-
	if [ "${FUZZ_NOCOV:-0}" != 1 ] && [ -x "$B/fuzz/cov/$t" ] && [ -n "$profdata" ] && [ -n "$llvmcov" ]; then
		raw=$B/fuzz/cov/$t.profraw
		LLVM_PROFILE_FILE=$raw "$B/fuzz/cov/$t" -runs=0 "$corpus" "tests/fuzz/corpus/$t" >/dev/null 2>&1
		if "$profdata" merge -o "$B/fuzz/cov/$t.profdata" "$raw" 2>/dev/null; then
			lines=$("$llvmcov" report "$B/fuzz/cov/$t" -instr-profile="$B/fuzz/cov/$t.profdata" $srcs 2>/dev/null |
				awk '$1 == "TOTAL" { print $10 }')
		fi
	fi
	printf '%-8s %12s %6s %6s %7s %7s  %s\n' "$t" "${execs:-?}" "$took" "${cov:-?}" "${ft:-?}" "${lines:--}" "$found"
	if [ $st -ne 0 ]; then
		status=1
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -3 | sed 's/^/    /'
		ls -t "$crashes" | head -1 | sed "s|^|    reproducer: $crashes/|"
		echo "    log: $log; rerun: $B/fuzz/bin/$t REPRODUCER"
	fi
done
exit $status

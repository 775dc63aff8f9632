# The sampling profiler, tincan-run --profile=FILE[:HZ] (debug/profile.c),
# on tests/guests/profile.c (3 ms in heavy() for every 1 ms in light()) and
# the hand-written tiny guest (idle waits, a lying frame-pointer chain), and
# the flame graph renderer make profile uses (toolchain/flamegraph.py).
load ../helpers

PROF=$B/tests/profile.tc
FG=$TESTS/../toolchain/flamegraph.py

setup() {
	F=$BATS_TEST_TMPDIR/p.folded
}

# Every line is "frames count": frames joined by ';', none empty, no spaces.
well_formed() {
	[ -s "$1" ] || { echo "$1 is empty"; return 1; }
	local bad
	bad=$(grep -Evc '^[^; ]+(;[^; ]+)* [0-9]+$' "$1") || true
	[ "$bad" -eq 0 ] || { echo "$bad malformed lines:"; grep -Ev '^[^; ]+(;[^; ]+)* [0-9]+$' "$1"; return 1; }
}

# The samples of stacks holding frame $2 (anywhere), in folded file $1.
samples_in() {
	awk -v f="$2" '{ n = split($1, a, ";"); for (i = 1; i <= n; i++) if (a[i] == f) { s += $2; break } } END { print s + 0 }' "$1"
}

@test "profile: 3x as long in heavy() as in light() gives a ratio between 2 and 4, main the caller of both" {
	need_kvm
	boot --profile="$F:997" "$PROF" spin 30 5
	[ "$status" -eq 0 ]
	well_formed "$F"
	heavy=$(samples_in "$F" heavy) light=$(samples_in "$F" light)
	echo "heavy $heavy light $light"
	cat "$F"
	[ "$light" -ge 20 ]
	[ $((heavy)) -ge $((2 * light)) ] && [ $((heavy)) -le $((4 * light)) ]
	# main is right below (root-side of) both, wherever they appear; both
	# call work(), a leaf without a frame of its own (leaf_caller).
	! grep -Ev ';main;(heavy|light)(;| )' "$F" | grep -E ';(heavy|light)(;| )'
	grep -q ';main;heavy;work ' "$F" && grep -q ';main;light;work ' "$F"
}

@test "profile: the stderr line adds up to the file; HZ defaults to 99" {
	need_kvm
	boot --profile="$F" "$PROF" spin 20 5
	[ "$status" -eq 0 ]
	well_formed "$F"
	line=$(grep '^tincan-run: profile: ' <<< "$output")
	[[ $line =~ ^tincan-run:\ profile:\ ([0-9]+)\ samples\ at\ 99\ Hz,\ ([0-9]+)\ idle\ .*,\ 0\ dropped\ .*:\ ([0-9]+)\ stacks\ in\ (.*)$ ]]
	[ "${BASH_REMATCH[4]}" = "$F" ]
	[ "${BASH_REMATCH[3]}" -eq "$(wc -l < "$F")" ]
	[ "${BASH_REMATCH[1]}" -eq "$(awk '{ s += $NF } END { print s }' "$F")" ]
	# A sample may land in the final console write (a hypercall): rarely.
	[ "${BASH_REMATCH[2]}" -le 1 ]
	# ~40 in 400 ms: the default is neither 997 nor a handful.
	[ "${BASH_REMATCH[1]}" -ge 5 ] && [ "${BASH_REMATCH[1]}" -le 80 ]
}

@test "profile: a guest that faults still writes its profile, after the fault report" {
	need_kvm
	boot --profile="$F:997" "$PROF" fault
	[ "$status" -eq 101 ]
	first_line_has "null pointer dereference"
	[[ $output == *"tincan-run: profile: "*" samples at 997 Hz"* ]]
	well_formed "$F"
	grep -q ';main;heavy;work ' "$F"
}

@test "profile: --timeout's end writes the profile too" {
	need_kvm
	boot --profile="$F:997" --timeout=300ms "$TINY" spin
	[ "$status" -eq 106 ]
	well_formed "$F"
	grep -q 'tiny_main [0-9]*$' "$F"
}

@test "profile: a guest waiting in a hypercall is sampled under [idle]" {
	need_kvm
	boot --profile="$F:997" "$TINY" sleep 300
	[ "$status" -eq 0 ]
	well_formed "$F"
	! grep -v '^\[idle\];' "$F"
	[[ $output =~ profile:\ ([0-9]+)\ samples\ at\ 997\ Hz,\ ([0-9]+)\ idle ]]
	[ "${BASH_REMATCH[1]}" -ge 100 ] && [ "${BASH_REMATCH[1]}" -eq "${BASH_REMATCH[2]}" ]
	grep -q '^\[idle\];.*tiny_main [0-9]*$' "$F"
}

@test "profile: a lying frame-pointer chain (outside memory, monitor pages, misaligned, a loop, too deep) is cut short" {
	need_kvm
	boot --profile="$F:997" "$TINY" lie-rbp 40
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = survived ]
	well_formed "$F"
	# At most 64 frames a stack; the made-up return addresses stay numbers.
	[ "$(awk '{ n = split($1, a, ";"); if (n > m) m = n } END { print m }' "$F")" -eq 64 ]
	grep -q ';0xfff000000000123[0-9a-f];' "$F"
	# No lie passes for idle: a sample may land in the final console write or
	# exit (a hypercall, ~1 in 20 runs), never one in each phase.
	[[ $output =~ profile:\ [0-9]+\ samples\ at\ 997\ Hz,\ ([0-9]+)\ idle.*,\ 0\ dropped ]]
	[ "${BASH_REMATCH[1]}" -le 2 ]
}

@test "profile: the table of stacks is bounded: past 6144 distinct ones, samples count as [other]" {
	need_kvm
	boot --profile="$F:10000" "$TINY" lie-many 1500
	[ "$status" -eq 0 ]
	well_formed "$F"
	# 6144 stacks kept (a few may print alike: rips in the same function), then [other].
	n=$(wc -l < "$F")
	[ "$n" -le 6145 ] && [ "$n" -ge 6000 ]
	[[ $(tail -n1 "$F") =~ ^\[other\]\ ([0-9]+)$ ]]
	other=${BASH_REMATCH[1]}
	[ "$other" -gt 0 ]
	[[ $output == *" idle (the guest waiting in a hypercall), $other dropped (stack table full): $((n - 1)) stacks in $F" ]]
}

@test "profile: bad --profile values are one-line usage errors, and no file is made" {
	need_kvm
	cd "$BATS_TEST_TMPDIR"
	for v in "" ":" "p:" "p:0" "p:10001" "p:99999999999999999999" "p:abc" "p:-1" "p:99x" "p: 9" ":99"; do
		boot --profile="$v" "$TINY" exit 0
		echo "--profile=$v: $status: $output"
		[ "$status" -eq 104 ] && [ "${#lines[@]}" -eq 1 ]
		[[ ${lines[0]} == "tincan-run: --profile="* ]]
	done
	[ -z "$(ls)" ]
	boot --profile="p:1" "$TINY" exit 0
	[ "$status" -eq 0 ] && [ -f p ]
}

@test "profile: an unwritable FILE is one line and a usage error; the guest does not run" {
	need_kvm
	local paths=("$BATS_TEST_TMPDIR/no/such/dir/p.folded" "$BATS_TEST_TMPDIR")
	# A read-only file (root writes it anyway: then not tried).
	touch "$BATS_TEST_TMPDIR/ro" && chmod 444 "$BATS_TEST_TMPDIR/ro"
	[ "$(id -u)" = 0 ] || paths+=("$BATS_TEST_TMPDIR/ro")
	for p in "${paths[@]}"; do
		boot --profile="$p" "$TINY" hello
		echo "$p: $status: $output"
		[ "$status" -eq 104 ] && [ "${#lines[@]}" -eq 1 ]
		[[ ${lines[0]} == "tincan-run: --profile=$p: "* ]]
	done
}

@test "profile: a symbolic link is not followed (its target is not emptied)" {
	need_kvm
	echo precious > "$BATS_TEST_TMPDIR/victim"
	ln -s victim "$BATS_TEST_TMPDIR/p.folded"
	boot --profile="$BATS_TEST_TMPDIR/p.folded" "$PROF" spin 5 5
	[ "$status" -eq 104 ]
	[ "$output" = "tincan-run: --profile=$BATS_TEST_TMPDIR/p.folded: a symbolic link (not followed)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = precious ]
}

@test "profile: a FILE that fails at the end is one line; the guest's status stays" {
	need_kvm
	[ -w /dev/full ] || skip "no writable /dev/full"
	boot --profile=/dev/full:997 "$PROF" spin 5 5
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "tincan-run: profile: cannot write /dev/full: No space left on device" ]
	[ "$(grep -c 'profile:' <<< "$output")" -eq 1 ]
}

@test "flamegraph.py: folded stacks become a well-formed SVG naming every frame" {
	command -v python3 > /dev/null || skip "python3 is not installed"
	printf '%s\n' 'main;heavy 30' 'main;light 10' 'main;a<b>&"c" 5' '[idle];main;wait 2' 'not a line' > "$F"
	run "$FG" --title 'x & y' -o "$BATS_TEST_TMPDIR/p.svg" "$F"
	[ "$status" -eq 0 ]
	[ "$output" = "flamegraph: $F: 1 lines skipped (not \"frames count\")" ]
	python3 - "$BATS_TEST_TMPDIR/p.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
titles = [t.text for t in root.iter(ns + "title")]
for want in ["all (47 samples", "main (45 samples", "heavy (30 samples, 63.83%)", "light (10 samples",
             'a<b>&"c" (5 samples', "[idle] (2 samples", "wait (2 samples"]:
    assert any(t.startswith(want) for t in titles), (want, titles)
# heavy is 3 times as wide as light.
w = {g.find(ns + "title").text.split(" ")[0]: float(g.find(ns + "rect").get("width")) for g in root.iter(ns + "g")}
assert abs(w["heavy"] / w["light"] - 3) < 0.01, w
PY
	# Nothing to draw, a missing file: one line, non-zero.
	printf 'garbage\n' > "$F"
	run "$FG" "$F"
	[ "$status" -ne 0 ] && [[ ${lines[-1]} == "flamegraph: $F: no samples"* ]]
	run "$FG" "$BATS_TEST_TMPDIR/none"
	[ "$status" -ne 0 ] && [ "${#lines[@]}" -eq 1 ]
}

@test "make profile: a guest's run becomes folded stacks and an SVG flame graph" {
	need_kvm
	command -v python3 > /dev/null || skip "python3 is not installed"
	run make -s -C "$TESTS/.." B="$B" profile APP="$PROF" ARGS="spin 10 5" HZ=997
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"PROFILE  $B/profile/profile.svg"* ]]
	grep -q ';main;heavy;work ' "$B/profile/profile.folded"
	python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$B/profile/profile.svg"
	grep -q '<title>heavy (' "$B/profile/profile.svg"
}

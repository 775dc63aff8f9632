# Snapshots, the monitor's side (platforms/kvm/monitor/snapshot.c,
# docs/snapshot.md), with the hand-written guest (tests/guests/tiny.c
# "snap"): what a restore keeps and what it renews, the file's checks, the
# device set, the sandbox, sharing between restores, and a file replaced
# while restores run.  The libos side (tincan_ready, re-seeding, new
# addresses, httpd) is tests/kvm/snapshot-guest.bats.
load ../helpers

setup() {
	need_kvm
	D=$BATS_TEST_TMPDIR
}

# snap FILE [now] [MS]: take a snapshot of tiny's "snap" (MS: sleep after a restore).
snap() {
	local f=$1
	shift
	run timeout 20 "$RUN" --snapshot="$f" "$TINY" snap "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -s "$f" ]
}

@test "a restore resumes the guest's own ready point with its memory, registers, SSE state and FS base" {
	snap "$D/s" now
	boot --restore="$D/s"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = restored ]
	[ "${lines[1]}" = 1 ] # generation
	[ "${lines[2]}" = 42 ] # the counter the guest bumped before its snapshot
	[ "${lines[3]}" = 7 ] # FS base, a general register and xmm7 as they were
	[ "${lines[6]}" = snap ] # argv[1], the snapshot's
	[ "$(stat -c %a "$D/s")" = 600 ] # it holds the guest's memory
}

@test "the automatic point is the first wait that would block: the snapshot does not wait its 10 s" {
	start=$(date +%s)
	snap "$D/s"
	[ $(($(date +%s) - start)) -lt 8 ]
	boot --restore="$D/s"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = restored ]
}

@test "each restore has its own seed; --env reaches the restored guest; arguments are ignored with a warning" {
	snap "$D/s" now
	run timeout 20 "$RUN" --restore="$D/s" --env=A=1 --env=B=two
	[ "$status" -eq 0 ]
	one=${lines[5]}
	[ "${lines[7]}" = A=1 ]
	[ "${lines[8]}" = B=two ]
	[ "${#lines[@]}" -eq 9 ]
	run timeout 20 "$RUN" --restore="$D/s" -- x y
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "tincan-run: --restore: the arguments after it are ignored"* ]]
	[ "${lines[7]}" = snap ]
	[ "${lines[6]}" != "$one" ]
}

@test "a restored guest's clock is the host's, restored seconds after its snapshot" {
	snap "$D/s" now
	sleep 3
	boot --restore="$D/s"
	[ "$status" -eq 0 ]
	now=$(date +%s)
	echo "guest ${lines[4]} host $now"
	[ $((now - lines[4])) -le 1 ] && [ $((lines[4] - now)) -le 1 ]
}

@test "the guest TSC does not run backwards across a restore" {
	snap "$D/s" now tsc
	sleep 1
	boot --restore="$D/s"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[8]}" -ge "${lines[7]}" ]
}

@test "a snapshot from a host whose clock is ahead: the guest's monotonic clock does not run backwards, its sleeps last what they say" {
	snap "$D/s" now tsc
	python3 "$TESTS/tools/snapfile.py" check "$D/s"
	ahead=$(($(python3 "$TESTS/tools/snapfile.py" get "$D/s" mono_ns) + 1000000000000))
	python3 "$TESTS/tools/snapfile.py" set "$D/s" mono_ns "$ahead"
	start=$(date +%s%N)
	boot --restore="$D/s"
	took=$((($(date +%s%N) - start) / 1000000))
	echo "$output (took $took ms)"
	[ "$status" -eq 0 ]
	[ "${lines[9]}" -ge $((ahead / 1000000)) ]
	[ "${lines[10]}" -ge 300 ]
	[ "${lines[10]}" -lt 3000 ]
	[ "$took" -lt 5000 ]
}

@test "a forged header with a valid hash is refused by its layout checks (103), never run" {
	snap "$D/s" now
	backed=$(python3 "$TESTS/tools/snapfile.py" get "$D/s" backed)
	for f in "heap_end 0x40000000" "xstate_bv 4" "mem 0x12345" "info_end 16" "info_end 0xffffffffffff0000" \
		"backed $((backed + 4096))" "image_size 1" "mem_off 0" "mem 0" "stack 0x7fffffff0000"; do
		cp "$D/s" "$D/f"
		python3 "$TESTS/tools/snapfile.py" set "$D/f" $f
		boot --restore="$D/f"
		echo "$f: $output"
		[ "$status" -eq 103 ]
		[ "${#lines[@]}" -eq 1 ]
	done
}

@test "guard pages: one armed before the snapshot still guards; ones armed after a restore take fresh page tables" {
	for which in old new; do
		run timeout 20 "$RUN" --snapshot="$D/s" --mem=16M "$TINY" snap now guards "$which"
		[ "$status" -eq 0 ]
		boot --restore="$D/s"
		echo "$output"
		[ "$status" -eq 101 ]
		[ "${lines[*]:0:11}" = "restored 1 42 7 ${lines[4]} ${lines[5]} snap 0 0 0 0" ]
		[ "${lines[11]}" = touching ]
		[[ ${lines[12]} == *"hit a thread stack's guard page at 0x"* ]]
	done
}

@test "a guest that exits before its ready point: one line, exit 1, no file and no temporary left" {
	boot --snapshot="$D/s" "$TINY" exit 0
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-run: no snapshot: the guest exited (status 0) before it was ready" ]
	[ -z "$(ls -A "$D")" ]
	boot --snapshot="$D/s" "$TINY" exit 9
	[ "$status" -eq 9 ]
	boot --snapshot="$D/s" "$TINY" ud2
	[ "$status" -eq 101 ]
	[ -z "$(ls -A "$D")" ]
	# An image refused before the guest exists (the file was already opened).
	boot --snapshot="$D/s" "$D/no-such-image.tc"
	[ "$status" -eq 103 ]
	boot --snapshot="$D/s" --mem=1K "$TINY" snap now
	[ "$status" -eq 104 ]
	[ -z "$(ls -A "$D")" ]
}

@test "a damaged, truncated or foreign snapshot is refused with one line (103), never run" {
	snap "$D/s" now
	size=$(stat -c %s "$D/s")
	# A byte of stored memory (the last page holds the bitmap), of the image, of the header.
	for off in $((size - 4096 - 8192 + 100)) 5000 100; do
		cp "$D/s" "$D/bad"
		# Find a stored (non-zero) byte at or after off and flip it.
		at=$(od -A d -t u1 -v -j "$off" -N 65536 "$D/bad" | awk '{ for (i = 2; i <= NF; i++) if ($i != 0) { print $1 + i - 2; exit } }')
		printf '\xff' | dd of="$D/bad" bs=1 seek="$at" conv=notrunc status=none
		cmp -s "$D/s" "$D/bad" && { echo "byte at $at unchanged"; return 1; }
		boot --restore="$D/bad"
		echo "offset $at: $output"
		[ "$status" -eq 103 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ $output == "tincan-run: $D/bad: damaged snapshot"* ]]
	done
	head -c $((size - 4096)) "$D/s" > "$D/short"
	boot --restore="$D/short"
	[ "$status" -eq 103 ]
	[[ $output == *"truncated or damaged" ]]
	boot --restore="$TINY"
	[ "$status" -eq 103 ]
	[ "$output" = "tincan-run: $TINY: not a tincan snapshot" ]
	# Another format version (the header's fifth word), then another guest ABI.
	boot --restore="$(patch_copy "$D/s" 8 '\x07')"
	[ "$status" -eq 103 ]
	[[ $output == *"snapshot format 7, guest ABI 1; this tincan-run reads format 1, ABI 1: take it again" ]]
	boot --restore="$(patch_copy "$D/s" 12 '\x09')"
	[ "$status" -eq 103 ]
	[[ $output == *"guest ABI 9"* ]]
	boot --restore="$D/none"
	[ "$status" -eq 103 ]
}

@test "--restore takes no --mem, --mem-max or --snapshot (104)" {
	snap "$D/s" now
	for o in --mem=16M --mem-max=0 --snapshot="$D/t"; do
		boot --restore="$D/s" "$o"
		echo "$output"
		[ "$status" -eq 104 ]
		[[ $output == "tincan-run: --restore takes no "* ]]
	done
}

@test "a restore attaches the devices its snapshot had, or is refused (104)" {
	snap "$D/s" now
	mkdir "$D/d"
	boot --restore="$D/s" --dir="$D/d:/data"
	echo "$output"
	[ "$status" -eq 104 ]
	[ "$output" = "tincan-run: $D/s: the snapshot's guest has 0 host directory (--dir) devices, this restore 1: attach the same ones" ]
	run timeout 20 "$RUN" --snapshot="$D/s2" --dir="$D/d:/data" "$TINY" snap now
	[ "$status" -eq 0 ]
	mkdir "$D/e"
	boot --restore="$D/s2" --dir="$D/e:/other"
	[ "$status" -eq 104 ]
	[[ $output == *"1 host directory (--dir) device, this restore 1 of other names: attach the same ones" ]]
	boot --restore="$D/s2" --dir="$D/e:/data"
	[ "$status" -eq 0 ]
}

@test "--snapshot: a directory that cannot take the file is a usage error at once" {
	boot --snapshot=/nonexistent/dir/s "$TINY" snap now
	[ "$status" -eq 104 ]
	[[ $output == "tincan-run: --snapshot=/nonexistent/dir/s: No such file or directory" ]]
}

@test "a fault in a restored guest is reported with the function's name, from the image the snapshot carries" {
	snap "$D/s" now ud2
	boot --restore="$D/s"
	echo "$output"
	[ "$status" -eq 101 ]
	[[ $output == *"tincan-run: guest fault: invalid opcode (ud2) at rip 0x"*" in tiny_main+0x"*"($D/s)"* ]]
}

@test "a restored guest runs jailed and sandboxed as a cold one does" {
	[ "$(id -u)" -eq 0 ] || skip "needs root (the monitor drops from root)"
	snap "$D/s" now 3000
	"$RUN" --restore="$D/s" > /dev/null 2> "$D/err" &
	pid=$!
	for i in $(seq 1 150); do
		grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status 2> /dev/null && break
		sleep 0.02
	done
	cp /proc/$pid/status "$D/status"
	kill $pid
	wait $pid || true
	grep -q '^Seccomp:[[:space:]]*2' "$D/status"
	grep -q '^NoNewPrivs:[[:space:]]*1' "$D/status"
	grep -q '^Uid:[[:space:]]*65534' "$D/status"
	grep -q '^CapEff:[[:space:]]*0000000000000000' "$D/status"
}

@test "restores share the snapshot's pages: two running restores map its unwritten pages shared" {
	snap "$D/s" now 3000
	"$RUN" --restore="$D/s" > /dev/null &
	p1=$!
	"$RUN" --restore="$D/s" > /dev/null &
	p2=$!
	sleep 1
	shared() { awk -v f="$D/s" '$NF == f { m = 1; next } /^[0-9a-f]+-/ { m = 0 } m && $1 == "Shared_Clean:" { s += $2 } END { print s + 0 }' /proc/$1/smaps; }
	s1=$(shared $p1) s2=$(shared $p2)
	kill $p1 $p2
	wait $p1 $p2 || true
	echo "shared $s1 KiB and $s2 KiB"
	[ "$s1" -ge 16 ] && [ "$s2" -ge 16 ]
}

@test "a snapshot taken again over the file leaves running restores untouched" {
	snap "$D/s" now 2000
	"$RUN" --restore="$D/s" > "$D/out" &
	pid=$!
	sleep 0.5
	ino=$(stat -c %i "$D/s")
	snap "$D/s" now
	[ "$(stat -c %i "$D/s")" != "$ino" ]
	wait $pid
	[ "$(head -1 "$D/out")" = restored ]
	boot --restore="$D/s"
	[ "$status" -eq 0 ]
}

# Shared by the bats tests.  B is the build directory.
B=${B:-$BATS_TEST_DIRNAME/../build}
RUN=$B/bin/tincan-run
TINY=$B/tests/tiny.tc

# Skip (never pass) when /dev/kvm cannot run a guest here.
need_kvm() {
	if [ ! -e /dev/kvm ]; then skip "/dev/kvm does not exist"; fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then skip "/dev/kvm is not readable and writable by $(id -un)"; fi
	# /dev/kvm may open but refuse VMs (no virtualization, limits): a host
	# error (105) from the smallest guest means skip, not fail.
	local out st=0
	out=$(timeout 20 "$RUN" "$TINY" exit 0 2>&1) || st=$?
	if [ "$st" -eq 105 ]; then skip "KVM cannot run guests here: $out"; fi
}

# Run the monitor with a time limit, stdin from /dev/null unless redirected.
boot() {
	run timeout 20 "$RUN" "$@"
}

# A copy of FILE with bytes at OFFSET replaced: patch FILE OFFSET '\xNN...'
patch_copy() {
	local out=$BATS_TEST_TMPDIR/patched.tc
	cp "$1" "$out"
	printf "$3" | dd of="$out" bs=1 seek="$2" conv=notrunc status=none
	echo "$out"
}

# The first line of output must contain $1; no host signal (status < 128).
first_line_has() {
	[ "$status" -lt 128 ] || { echo "status $status: killed by a signal"; return 1; }
	local first=${lines[0]}
	[[ $first == *"$1"* ]] || { echo "first line: $first"; echo "wanted: $1"; return 1; }
}

# File offset of the manifest descriptor in an image (the note header is 20 bytes).
manifest_off() {
	local note
	note=$(readelf -lW "$1" | awk '$1 == "NOTE" { print $2; exit }')
	echo $((note + 20))
}

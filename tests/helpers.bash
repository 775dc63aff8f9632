# Shared by the bats tests.  B is the build directory, TINCAN_PLATFORM the
# platform the images were built for (make test passes it; default kvm):
# tests/platforms/$PLATFORM.bash says how to boot
# them (need_platform, boot, boot_cmd, IMG).  Tests in tests/ hold for every
# platform; tests/$PLATFORM/ holds a platform's own.
TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=${B:-$TESTS/../build}
PLATFORM=${TINCAN_PLATFORM:-kvm}
. "$TESTS/platforms/$PLATFORM.bash"

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

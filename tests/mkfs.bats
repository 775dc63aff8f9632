# tincan-mkfs --check on hostile disks (no KVM needed): the checker runs the
# same replay code (libos/fs/logfs.c) as a guest mounting the disk, so a
# quick, clear refusal here is a quick, clear EIO there.
load helpers

hostile() {
	perl "$TESTS/tools/hostile-disk.pl" "$1" "$BATS_TEST_TMPDIR/$1.img"
	run timeout 10 "$B/bin/tincan-mkfs" --check "$BATS_TEST_TMPDIR/$1.img"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == *"corrupt tincan file system"* ]]
}

@test "a checkpoint naming an inode near 2^63 is refused at once, not looped on or allocated for" {
	hostile hugeino
}

@test "an unlink whose name has a NUL inside is refused, not read past" {
	hostile nulname
}

# The fsync'ed-append bench program (tests/bench/append.c, run by
# tests/bench/blk.sh) on a block device: each fsync sends its WRITE and
# FLUSH in one batch (libos/fs/blocklog.c), so one exit.
load ../helpers

setup() {
	D=$BATS_TEST_TMPDIR
	G=$D/append.tc
}

@test "fsync'ed 4 KiB appends on a block device: one KVM exit each; all of them on the disk, which checks clean" {
	need_kvm
	cp "$B/tests/append.tc" "$G"
	"$B/bin/tincan-mkimage" --block=disk:/data "$G" > /dev/null
	"$B/bin/tincan-mkfs" "$D/d.img" 8M
	boot --stats --block="$D/d.img" "$G" /data/log 200 1
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "append 200 "* ]]
	exits=$(sed -n 's/.*stats: \([0-9]*\) KVM exits.*/\1/p' <<< "$output")
	[ "$exits" -ge 200 ]
	[ "$exits" -le 215 ]
	run "$B/bin/tincan-mkfs" --check "$D/d.img"
	[ "$status" -eq 0 ]
	[[ $output == *": clean: 201 records, 1 files, 1 directories, 0 symbolic links; "* ]]
}

@test "append: usage errors are one line" {
	run "$B/host/append"
	[ "$status" -eq 2 ]
	[ "$output" = "usage: append FILE [COUNT (1 to 100000) [PASSES (1 to 15)]]" ]
	run "$B/host/append" "$BATS_TEST_TMPDIR/log" 0
	[ "$status" -eq 2 ]
	run "$B/host/append" "$BATS_TEST_TMPDIR/nodir/log" 1 1
	[ "$status" -eq 1 ]
	[ "$output" = "$BATS_TEST_TMPDIR/nodir/log: No such file or directory" ]
}

# Block devices on the monitor: tincan-mkimage --block, tincan-run --block,
# the batched request ring, plat_block_* (the platform's block.c), option
# errors, and guests that lie in the ring.  The guest is the hand-written
# tests/guests/blk.c.
load ../helpers

BLK=$B/tests/blk.tc
MKIMAGE=$B/bin/tincan-mkimage

setup() {
	need_kvm
	D=$BATS_TEST_TMPDIR
	G=$D/blk.tc
	cp "$BLK" "$G"
	"$MKIMAGE" --block=disk:/data "$G" > /dev/null
	truncate -s 64K "$D/disk.img"
}

sum_from() { # FILE OFFSET: sha256 of the file from OFFSET on
	tail -c +$(($2 + 1)) "$1" | sha256sum
}

@test "tincan-mkimage --block declares a block device with its mount point; --print shows it" {
	cp "$BLK" "$D/p.tc"
	run "$MKIMAGE" --net=net0 --block=disk:/var/lib/db --block=raw --print "$D/p.tc"
	[ "$status" -eq 0 ]
	[[ $output == *"devices: 3"* ]]
	[[ $output == *"  net0 (net)"* ]]
	[[ $output == *"  disk (block, /var/lib/db)"* ]]
	[[ $output == *"  raw (block, not mounted)"* ]]
	run "$MKIMAGE" --no-devices --block=d:/ "$D/p.tc"
	[ "$status" -eq 0 ]
	run "$MKIMAGE" "$D/p.tc"
	[[ $output == *"devices: 1"* ]]
	[[ $output == *"  d (block, /)"* ]]
}

@test "tincan-mkimage --block errors: bad mount points, names, duplicates" {
	cp "$BLK" "$D/p.tc"
	for mp in rel /a/../b /a/ /a//b /./a; do
		run "$MKIMAGE" --block=c:$mp "$D/p.tc"
		[ "$status" -eq 2 ]
		[ "$output" = "tincan-mkimage: block device 'c': mount point '$mp' is not /PATH without empty, . or .. parts" ]
	done
	run "$MKIMAGE" --block=:/x "$D/p.tc"
	[ "$status" -eq 2 ]
	[[ $output == *"the name must be 1 to 15 of A-Z a-z 0-9 . _ -"* ]]
	for name in a,b a@c d%e 'h i' 'é'; do
		run "$MKIMAGE" --block="$name" "$D/p.tc"
		[ "$status" -eq 2 ]
		[ "$output" = "tincan-mkimage: --block=$name: the name must be 1 to 15 of A-Z a-z 0-9 . _ -" ]
	done
	run "$MKIMAGE" --block=abcdefghijklmnop:/x "$D/p.tc"
	[ "$status" -eq 2 ]
	run "$MKIMAGE" --block=c:/$(printf %060d 0) "$D/p.tc"
	[ "$status" -eq 2 ]
	[[ $output == *"mount point is longer than 47 bytes"* ]]
	run "$MKIMAGE" --block=a --block=a:/x "$D/p.tc"
	[ "$status" -eq 2 ]
	[[ $output == *"already declares a device 'a'"* ]]
	# Nothing was written by the refused calls.
	cmp "$BLK" "$D/p.tc"
}

@test "--block=FILE and --block=NAME:FILE attach; the guest sees name, mount, size" {
	boot --block="$D/disk.img" "$G" info
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1 \ndisk /data 128 512 0 ')" ]
	boot --block=disk:"$D/disk.img" "$G" info
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "disk /data 128 512 0 " ]
	run "$RUN" --help
	[[ $output == *"--block=[NAME:]FILE"* ]]
}

@test "a write and a flush reach the host file, in one exit" {
	head -c 65536 /dev/urandom > "$D/disk.img"
	cp "$D/disk.img" "$D/before"
	boot --block="$D/disk.img" "$G" write 3 2 Q
	[ "$status" -eq 0 ]
	# blk_io's result: device 0 has completions; write (tag 1) and flush (tag 2) both 0.
	[ "${lines[0]}" = "1 1 0 2 0 " ]
	# Sectors 3 and 4 are Q, every other byte as before.
	cmp <(head -c 1536 "$D/disk.img") <(head -c 1536 "$D/before")
	[ "$(tail -c +1537 "$D/disk.img" | head -c 1024 | tr -d Q | wc -c)" -eq 0 ]
	cmp <(tail -c +2561 "$D/disk.img") <(tail -c +2561 "$D/before")
	[ "$(stat -c %s "$D/disk.img")" -eq 65536 ]
}

@test "a read brings the host file's bytes into the guest" {
	head -c 65536 /dev/urandom > "$D/disk.img"
	run bash -c "cmp <(timeout 20 '$RUN' --block='$D/disk.img' '$G' read 5 7) <(dd if='$D/disk.img' bs=512 skip=5 count=7 status=none) && echo same"
	[ "$output" = same ]
	# The last sector is in reach.
	run bash -c "cmp <(timeout 20 '$RUN' --block='$D/disk.img' '$G' read 127 1) <(tail -c 512 '$D/disk.img') && echo same"
	[ "$output" = same ]
}

@test "a batch of 64 requests moves in one exit; a wait hands over the next batch" {
	boot --stats --block="$D/disk.img" "$G" batch 63
	[ "$status" -eq 0 ]
	# pending mask, completions after one blk_io, the wait's events (TC_EV_BLK(0)),
	# completions after the wait, mismatching bytes.
	[ "${lines[0]}" = "1 64 65536 63 0 " ]
	exits=$(sed -n 's/.*stats: \([0-9]*\) KVM exits.*/\1/p' <<< "$output")
	[ "$exits" -lt 20 ]
	for i in 0 25 62; do
		c=$(printf "\\$(printf %03o $((97 + i % 26)))")
		[ "$(dd if="$D/disk.img" bs=512 skip=$i count=1 status=none | tr -d "$c" | wc -c)" -eq 0 ]
	done
}

@test "plat_block_*: info, open, submit, kick, done, past the end, a full queue" {
	boot --block="$D/disk.img" "$G" plat
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 disk 128 512 0 1 0 -16 " ]
	# 3 queued; 3 completions in order (tags 11, 12, 13), all 0; read back what was written.
	[ "${lines[1]}" = "3 3 11 0 12 0 13 0 1 " ]
	# -EINVAL past the end; 64 of 80 queued, then 0; 64 collected; room again.
	[ "${lines[2]}" = "-22 64 0 64 1 " ]
	[ "$(dd if="$D/disk.img" bs=512 skip=2 count=2 status=none | tr -d P | wc -c)" -eq 0 ]
}

@test "a read-only file is a read-only device: writes complete with EROFS" {
	head -c 65536 /dev/urandom > "$D/ro.img"
	chmod 444 "$D/ro.img"
	before=$(sha256sum < "$D/ro.img")
	boot --block="$D/ro.img" "$G" info
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "disk /data 128 512 1 " ]
	boot --block="$D/ro.img" "$G" plat-ro
	[ "$status" -eq 0 ]
	# open 0, 2 queued, the write -EROFS, the read 0.
	[ "$output" = "0 2 -30 0 " ]
	[ "$(sha256sum < "$D/ro.img")" = "$before" ]
}

bad_block() { # WANT ARGS...
	local want=$1
	shift
	boot "$@"
	[ "$status" -eq 104 ] || { echo "status $status: $output"; return 1; }
	[ "${#lines[@]}" -eq 1 ] || { echo "more than one line: $output"; return 1; }
	first_line_has "$want"
}

@test "--block errors: missing, not a multiple of 512, empty, a directory, bad syntax" {
	bad_block "--block=$D/nope.img: $D/nope.img: No such file or directory" --block="$D/nope.img" "$G" info
	truncate -s 1000 "$D/odd.img"
	bad_block "$D/odd.img has 1000 bytes, not a positive multiple of 512" --block="$D/odd.img" "$G" info
	: > "$D/empty.img"
	bad_block "$D/empty.img has 0 bytes, not a positive multiple of 512" --block="$D/empty.img" "$G" info
	bad_block "Is a directory" --block="$D" "$G" info
	bad_block "invalid --block=disk:: expected NAME:FILE or FILE" --block=disk: "$G" info
	bad_block "invalid --block=:x: expected NAME:FILE or FILE" --block=:x "$G" info
}

@test "--block errors: undeclared name, an image declaring none, several declared" {
	bad_block "--block=other:$D/disk.img: $G declares no block device 'other' (it declares: disk)" \
		--block=other:"$D/disk.img" "$G" info
	bad_block "$BLK declares 0 block devices (none): pass --block=NAME:FILE" --block="$D/disk.img" "$BLK" info
	bad_block "declares no block device 'disk' (it declares: none)" --block=disk:"$D/disk.img" "$BLK" info
	"$MKIMAGE" --block=second "$G" > /dev/null
	bad_block "$G declares 2 block devices (disk, second): pass --block=NAME:FILE" --block="$D/disk.img" "$G" info
	truncate -s 4K "$D/two.img"
	boot --block=second:"$D/two.img" --block=disk:"$D/disk.img" "$G" info
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '2 \nsecond - 8 512 0 \ndisk /data 128 512 0 ')" ]
}

@test "--block errors: a device given twice, one file twice, a file another monitor has" {
	bad_block "block device 'disk' given twice" --block="$D/disk.img" --block=disk:"$D/disk.img" "$G" info
	"$MKIMAGE" --block=second "$G" > /dev/null
	ln -s disk.img "$D/link.img"
	bad_block "$D/link.img is already attached as 'disk'" --block=disk:"$D/disk.img" --block=second:"$D/link.img" "$G" info
	"$RUN" --block=disk:"$D/disk.img" "$G" writer > "$D/out" 2>&1 &
	pid=$!
	for _ in $(seq 400); do grep -q writing "$D/out" && break; sleep 0.05; done
	bad_block "$D/disk.img is busy (another tincan-run has it attached)" --block=disk:"$D/disk.img" "$G" info
	kill -9 $pid
	wait $pid || true
}

@test "SIGKILL of the monitor mid-write leaves the file whole and attachable" {
	"$RUN" --block="$D/disk.img" "$G" writer > "$D/out" 2>&1 &
	pid=$!
	for _ in $(seq 400); do grep -q writing "$D/out" && break; sleep 0.05; done
	sleep 0.3
	kill -9 $pid
	wait $pid || true
	[ "$(stat -c %s "$D/disk.img")" -eq 65536 ]
	# Each 4 KiB write landed whole or not at all: every chunk holds one byte value.
	od -An -v -tu1 -w4096 "$D/disk.img" | awk '{ for (i = 2; i <= NF; i++) if ($i != $1) bad++ } END { exit bad > 0 }'
	[ "$(od -An -v -tu1 -w4096 "$D/disk.img" | awk '{ print $1 }' | sort -u | grep -vc '^0$')" -ge 1 ]
	boot --block="$D/disk.img" "$G" read 0 1
	[ "$status" -eq 0 ]
}

lie() { # COMMAND WANT: status 102, one line, the file untouched after sector 0
	head -c 65536 /dev/urandom > "$D/disk.img"
	local before
	before=$(sum_from "$D/disk.img" 512)
	boot --block="$D/disk.img" "$G" "$1"
	[ "$status" -eq 102 ] || { echo "$1: status $status: $output"; return 1; }
	first_line_has "$2"
	[[ $output != *survived* ]]
	[ "$(sum_from "$D/disk.img" 512)" = "$before" ]
	[ "$(stat -c %s "$D/disk.img")" -eq 65536 ]
}

@test "a guest that lies in the block ring is stopped with 102, the file untouched" {
	lie lie-ring "guest passed a bad block ring address"
	lie lie-io-dev "guest asked blk_io for devices it has not got (0x2)"
	lie lie-sector "guest's block ring 0: request past the end of the device (0x80)"
	lie lie-huge-sector "request past the end of the device (0x80000000000001)"
	lie lie-count "request past the end of the device (0x7f)"
	lie lie-count0 "request for 0 sectors"
	lie lie-buf "write buffer outside readable guest memory"
	lie lie-buf-text "read buffer outside writable guest memory"
	lie lie-buf-long "write buffer outside readable guest memory"
	lie lie-op "unknown request op (0x7)"
	lie lie-flush "flush with a sector, count or buffer"
	lie lie-prod "more requests queued than the ring holds (0x3e9)"
	lie lie-done "completion index beyond those written (0x5)"
}

@test "blk_setup for a device that is not attached is EINVAL, not fatal" {
	boot --block="$D/disk.img" "$G" setup-nodev
	[ "$status" -eq 0 ]
	[ "$output" = "-22 " ]
}

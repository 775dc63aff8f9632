# The persistent file system on a block device (libos/fs/blockfs.c, the
# format in libos/fs/logfs.c, docs/blockfs-format.md) and tincan-mkfs.  The
# guest is tests/guests/blockfs.c, its image declaring disk:/data.
load ../helpers

MKFS=$B/bin/tincan-mkfs

setup() {
	D=$BATS_TEST_TMPDIR
	G=$D/blockfs.tc
}

# The guest image; only tests that boot call it (need_kvm skips without KVM).
guest() {
	need_kvm
	cp "$B/tests/blockfs.tc" "$G"
	"$B/bin/tincan-mkimage" --block=disk:/data "$G" > /dev/null
}

@test "tincan-mkfs: a new disk checks clean; usage and size errors are one line" {
	run "$MKFS" "$D/d.img" 1M
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(stat -c %s "$D/d.img")" -eq 1048576 ]
	run "$MKFS" --check "$D/d.img"
	[ "$status" -eq 0 ]
	[ "$output" = "$D/d.img: clean: 0 records, 0 files, 1 directories, 0 symbolic links; 2 of 2048 sectors used" ]
	run "$MKFS" "$D/e.img" 1000
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: size '1000' is not a multiple of 512 bytes of at least 2K" ]
	run "$MKFS" "$D/e.img" 1M --from="$D/nothere"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: --from=$D/nothere: No such file or directory" ]
	[ ! -e "$D/e.img" ]
	run "$MKFS" "$D/e.img"
	[ "$status" -eq 2 ]
	[[ $output == usage:* ]]
	run "$MKFS" --check "$D/nothere"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: $D/nothere: No such file or directory" ]
}

@test "tincan-mkfs --from=DIR: refuses what it cannot store, and a tree too big for the disk" {
	mkdir -p "$D/src"
	mkfifo "$D/src/fifo"
	run "$MKFS" "$D/d.img" 1M --from="$D/src"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: $D/src/fifo: a fifo cannot be stored (regular files, directories and symbolic links only)" ]
	rm "$D/src/fifo"
	head -c 100000 /dev/urandom > "$D/src/big"
	run "$MKFS" "$D/d.img" 64K --from="$D/src"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: $D/d.img: the disk is full ($D/src/big does not fit)" ]
}

@test "--check: zeroes, random bytes, an ext2 disk and a damaged superblock are refused with one line" {
	truncate -s 1M "$D/z.img"
	run "$MKFS" --check "$D/z.img"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: $D/z.img: no tincan file system (the disk starts with 4096 zero bytes)" ]
	head -c 1M /dev/urandom > "$D/r.img"
	run "$MKFS" --check "$D/r.img"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: $D/r.img: not a tincan file system (foreign or corrupt)" ]
	"$MKFS" "$D/c.img" 1M
	printf 'X' | dd of="$D/c.img" bs=1 seek=20 conv=notrunc status=none
	run "$MKFS" --check "$D/c.img"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: $D/c.img: corrupt tincan file system (bad superblock checksum)" ]
	"$MKFS" "$D/s.img" 1M
	truncate -s 512K "$D/s.img"
	run "$MKFS" --check "$D/s.img"
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-mkfs: $D/s.img: corrupt tincan file system (made for 2048 sectors, the disk has 1024)" ]
	if command -v mke2fs > /dev/null || [ -x /usr/sbin/mke2fs ]; then
		truncate -s 1M "$D/e2.img"
		PATH=$PATH:/usr/sbin mke2fs -q -F -t ext2 "$D/e2.img"
		run "$MKFS" --check "$D/e2.img"
		[ "$status" -eq 1 ]
		[ "$output" = "tincan-mkfs: $D/e2.img: not a tincan file system (foreign or corrupt)" ]
	fi
}

@test "files, directories, links and attributes written in the guest survive a reboot; the disk checks clean" {
	guest
	"$MKFS" "$D/d.img" 1M
	boot --block="$D/d.img" "$G" make
	[ "$status" -eq 0 ]
	[ "$output" = made ]
	boot --block="$D/d.img" "$G" show
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ". .. d pieces sl top" ]
	[ "${lines[1]}" = ". .. e new top2" ]
	[ "${lines[2]}" = deep ]
	[ "${lines[3]}" = deep ]
	[ "${lines[4]}" = "top file" ]
	[ "${lines[5]}" = renamed ]
	[ "${lines[6]}" = "link d/e/f" ]
	[ "${lines[7]}" = "top mode 600 nlink 2" ]
	[ "${lines[8]}" = "e mode 700" ]
	[ "${lines[9]}" = "pieces 200002 ok" ]
	run "$MKFS" --check "$D/d.img"
	[ "$status" -eq 0 ]
	[[ $output == *": clean: "*", 4 files, 3 directories, 1 symbolic links;"* ]]
}

@test "overwritten pieces read back right from the append buffer, from the device, and after a reboot" {
	guest
	"$MKFS" "$D/d.img" 4M
	boot --block="$D/d.img" "$G" rw 7
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'before fsync same\nafter fsync same')" ]
	boot --block="$D/d.img" "$G" rwcheck 7
	[ "$status" -eq 0 ]
	[ "$output" = "after reboot same" ]
	run "$MKFS" --check "$D/d.img"
	[ "$status" -eq 0 ]
}

@test "tincan-mkfs --from=DIR: the tree reads back byte for byte in the guest" {
	guest
	mkdir -p "$D/src/a/b/c" "$D/src/empty dir"
	head -c 300000 /dev/urandom > "$D/src/a/b/c/blob"
	echo hello > "$D/src/a/f"
	: > "$D/src/zero"
	ln -s a/f "$D/src/sl"
	ln "$D/src/a/f" "$D/src/hard"
	printf 'odd' > "$D/src/na me!"
	"$MKFS" "$D/d.img" 2M --from="$D/src"
	run "$MKFS" --check "$D/d.img"
	[ "$status" -eq 0 ]
	[[ $output == *"4 files, 5 directories, 1 symbolic links"* ]]
	run bash -c "timeout 20 '$RUN' --block='$D/d.img' '$G' cat /data/a/b/c/blob | cmp - '$D/src/a/b/c/blob' && echo same"
	[ "$output" = same ]
	boot --block="$D/d.img" "$G" ls /data
	[ "$output" = ". .. a empty dir hard na me! sl zero" ]
	boot --block="$D/d.img" "$G" cat /data/sl
	[ "$output" = hello ]
	boot --block="$D/d.img" "$G" cat "/data/na me!"
	[ "$output" = odd ]
	boot --block="$D/d.img" "$G" cat /data/zero
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a disk without a tincan file system: one line at boot, EIO beneath the mount point, the guest runs on" {
	guest
	truncate -s 1M "$D/z.img"
	boot --block="$D/z.img" "$G" stat /data/x
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "tincan: /data: no tincan file system on block device disk (make one with tincan-mkfs)" ]
	[ "${lines[1]}" = "I/O error" ]
	[ "${#lines[@]}" -eq 2 ]
	cmp "$D/z.img" <(head -c 1M /dev/zero)
	head -c 1M /dev/urandom > "$D/r.img"
	boot --block="$D/r.img" "$G" stat /data
	[ "${lines[0]}" = "tincan: /data: block device disk: not a tincan file system (foreign or corrupt)" ]
	[ "${lines[1]}" = "I/O error" ]
	boot --block="$D/r.img" "$G" tmp
	[[ $output == *"in tmp"* ]]
}

@test "ENOSPC on a small disk: every fsync'ed block is kept, metadata fails cleanly, the disk checks clean" {
	guest
	"$MKFS" "$D/d.img" 64K
	boot --block="$D/d.img" "$G" fill /data/f
	[ "$status" -eq 0 ]
	[ "$output" = "blocks 13 dirs 8 then No space left on device bfree 0" ]
	boot --block="$D/d.img" "$G" checkfill /data/f
	[ "$output" = "blocks 13 dirs 8 intact" ]
	run "$MKFS" --check "$D/d.img"
	[ "$status" -eq 0 ]
	[[ $output == *"128 of 128 sectors used" ]]
}

@test "compaction: 500 fsync'ed rewrites of a 4 KiB file fit on a 256 KiB disk; everything survives a reboot" {
	guest
	"$MKFS" "$D/d.img" 256K
	boot --block="$D/d.img" "$G" rewrite /data/c 500
	[ "$status" -eq 0 ]
	[ "$output" = "rewrote 500" ]
	run "$MKFS" --check "$D/d.img"
	[ "$status" -eq 0 ]
	[[ $output == *"2 files, 1 directories"* ]]
	boot --block="$D/d.img" "$G" value /data/c
	[ "$output" = "value 499" ]
	run bash -c "timeout 20 '$RUN' --block='$D/d.img' '$G' cat /data/keep | md5sum"
	[ "$output" = "$(for i in $(seq 400 499); do printf 'value %09d\n' "$i"; done | md5sum)" ]
}

@test "/tmp files beside a block mount: both work, rename between them is EXDEV" {
	guest
	"$MKFS" "$D/d.img" 1M
	boot --block="$D/d.img" "$G" tmp
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'ok exdev Cross-device link\nin tmp\non disk')" ]
	boot --block="$D/d.img" "$G" ls /
	[[ $output == *" data "* && $output == *" tmp"* ]]
}

# The last acknowledged record in FILE (-1: none).
last_ack() {
	local n
	n=$(grep '^ack ' "$1" | tail -1 | cut -d' ' -f2)
	echo "${n:--1}"
}

@test "crash safety: SIGKILL of the monitor at random moments loses no acknowledged record (25 rounds)" {
	guest
	"$MKFS" "$D/d.img" 256M
	local start=$SECONDS
	for round in $(seq 25); do
		"$RUN" --block="$D/d.img" "$G" append /data/log > "$D/out" 2>&1 &
		local pid=$!
		sleep "0.$((RANDOM % 40 + 5))"
		kill -9 "$pid" 2> /dev/null || { cat "$D/out"; false; } # it ended by itself
		wait "$pid" 2> /dev/null || true
		local acked
		acked=$(last_ack "$D/out")
		run "$MKFS" --check "$D/d.img"
		[ "$status" -eq 0 ] || { echo "round $round: $output"; false; }
		boot --block="$D/d.img" "$G" verify /data/log
		[ "$status" -eq 0 ] || { echo "round $round: $output"; false; }
		local have=${output#records }
		[ "$have" -gt "$acked" ] || { echo "round $round: acked $acked, have $have records"; false; }
		# Every round appends to what earlier rounds left.
		[ "$round" -eq 1 ] || [ "$have" -ge "$prev" ] || { echo "round $round: $have < $prev"; false; }
		prev=$have
	done
	[ "$prev" -gt 25 ]
	echo "# $prev records in $((SECONDS - start)) s" >&3
}

@test "crash safety while compacting: SIGKILL during fsync'ed rewrites on a small disk (20 rounds)" {
	guest
	"$MKFS" "$D/d.img" 256K
	local start=$SECONDS prev=-1
	for round in $(seq 20); do
		"$RUN" --block="$D/d.img" "$G" rewrite /data/c > "$D/out" 2>&1 &
		local pid=$!
		sleep "0.$((RANDOM % 30 + 5))"
		kill -9 "$pid" 2> /dev/null || { cat "$D/out"; false; }
		wait "$pid" 2> /dev/null || true
		local acked
		acked=$(last_ack "$D/out")
		run "$MKFS" --check "$D/d.img"
		[ "$status" -eq 0 ] || { echo "round $round: $output"; false; }
		boot --block="$D/d.img" "$G" value /data/c
		[ "$status" -eq 0 ] || { echo "round $round: $output"; false; }
		local v=${output#value }
		# Each run counts from 0 again: the file holds this run's last
		# acknowledged value or the one after it.
		[ "$v" -eq "$acked" ] || [ "$v" -eq $((acked + 1)) ] || { echo "round $round: acked $acked, file holds $v"; false; }
	done
	echo "# $((SECONDS - start)) s" >&3
}

@test "a torn last record is the end of the log: the volume mounts clean, earlier records intact, appends go on" {
	guest
	"$MKFS" "$D/d.img" 1M
	boot --block="$D/d.img" "$G" make
	run "$MKFS" --check "$D/d.img"
	local used=${output##*; }
	used=${used%% of*}
	# Tear the last record: its last sector never reached the disk.
	dd if=/dev/urandom of="$D/d.img" bs=512 seek=$((used - 1)) count=1 conv=notrunc status=none
	run "$MKFS" --check "$D/d.img"
	[ "$status" -eq 0 ]
	[[ $output == *"$((used - 2)) of 2048 sectors used"* || $output == *"of 2048 sectors used"* ]]
	boot --block="$D/d.img" "$G" show
	[ "${lines[2]}" = deep ]
	[ "${lines[9]}" = "pieces 200002 ok" ]
	boot --block="$D/d.img" "$G" tmp
	[[ $output == *"on disk"* ]]
	boot --block="$D/d.img" "$G" cat /data/p
	[ "$output" = "on disk" ]
	run "$MKFS" --check "$D/d.img"
	[ "$status" -eq 0 ]
}

@test "the read cache never serves bytes a later write replaced" {
	guest
	"$MKFS" "$D/d.img" 8M
	boot --block="$D/d.img" "$G" cache
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "cache coherent" ]
}

@test "the cache knows only the written part of a piece: older data beside a new write comes from the device" {
	guest
	"$MKFS" "$D/d.img" 8M
	boot --block="$D/d.img" "$G" tail 1
	[ "$status" -eq 0 ]
	boot --block="$D/d.img" "$G" tail 2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "first file intact" ]
}

# Host directories on the monitor: tincan-run --dir and --cwd, the file
# hypercalls (platforms/kvm/monitor/dir.c), hostfs on the VFS, images run as
# programs sharing their current directory.  The guest is tests/guests/dirs.c;
# its raw-* and lie-* commands speak the hypercalls past the VFS.
load ../helpers

G=$B/tests/dirs.tc

setup() {
	need_kvm
	D=$BATS_TEST_TMPDIR
	H=$D/host
	mkdir -p "$H"
	echo secret > "$D/secret"
}

# A 64 KiB tmpfs at $H/small (SMALL), for a full host file system.
small_tmpfs() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small tmpfs"
	SMALL=$H/small
	mkdir "$SMALL"
	mount -t tmpfs -o size=64k tmpfs "$SMALL" || skip "cannot mount a tmpfs here"
	chown "$(stat -c %u "$H")" "$SMALL"
}

# Has the monitor (under co_start's timeout) directory $1 open?  (A guest
# blocked reading stdin alone never waits, so --ready-fd says nothing.)
holds() {
	local m
	m=$(pgrep -P "$CO_PID" tincan-run) || return 1
	[ "$(readlink "/proc/$m/fd/"* 2> /dev/null | grep -cx "$1")" -ge 1 ]
}

run_g() { # monitor options..., then -- and the guest's arguments
	local o=()
	while [ "$1" != "--" ]; do o+=("$1"); shift; done
	shift
	run timeout 20 "$RUN" "${o[@]}" "$G" "$@"
}

@test "a generated tree reads back byte for byte from --dir: deep dirs, 5 MiB, empty files, odd names, links" {
	mkdir -p "$H/a/b/c/d/e/f/g/h"
	head -c 5242880 /dev/urandom > "$H/big"
	: > "$H/empty"
	: > "$H/a/b/c/d/e/f/g/h/empty2"
	echo deep > "$H/a/b/c/d/e/f/g/h/deep.txt"
	printf 'odd\n' > "$H/sp ace & 'q' é"
	ln -s big "$H/link-to-big"
	ln -s a/b "$H/dirlink"
	run_g --dir="$H:/data" -- cat /data/big
	[ "$status" -eq 0 ]
	[ "$(timeout 20 "$RUN" --dir="$H:/data" "$G" cat /data/big | sha256sum)" = "$(sha256sum < "$H/big")" ]
	[ "$(timeout 20 "$RUN" --dir="$H:/data" "$G" cat /data/link-to-big | sha256sum)" = "$(sha256sum < "$H/big")" ]
	run_g --dir="$H:/data" -- cat /data/dirlink/c/d/e/f/g/h/deep.txt
	[ "$output" = deep ]
	run_g --dir="$H:/data" -- cat "/data/sp ace & 'q' é"
	[ "$output" = odd ]
	run_g --dir="$H:/data" -- cat /data/empty
	[ "$status" -eq 0 ] && [ -z "$output" ]
	run_g --dir="$H:/data" -- ls /data
	[ "$(echo "$output" | sort)" = "$(ls -A "$H" | LC_ALL=C sort)" ] || [ "$(echo "$output" | sort)" = "$(ls -A "$H" | sort)" ]
	run_g --dir="$H:/data" -- stat /data/link-to-big
	[ "$output" = "link 3" ]
	run_g --dir="$H:/data" -- readlink /data/dirlink
	[ "$output" = a/b ]
	run_g --dir="$H:/data" -- stat /data/a/b/c/d/e/f/g/h/empty2
	[ "$output" = "file 0" ]
}

@test "reads ahead through --dir, yet a write through another descriptor is seen at once" {
	head -c $((64 * 4096)) /dev/zero | tr '\0' a > "$H/big"
	run_g --dir="$H:/h" -- ahead /h/big
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = coherent ]
	[ "$(head -c $((4 * 4096)) "$H/big" | tr -d a | wc -c)" -eq 0 ]
	[ "$(tail -c +$((4 * 4096 + 1)) "$H/big" | head -c 4096 | tr -d W | wc -c)" -eq 0 ]
}

@test "a directory of many entries lists every name once" {
	for i in $(seq 1 500); do : > "$H/file-with-a-long-name-number-$i"; done
	run_g --dir="$H:/data" -- ls /data
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort)" = "$(ls -A "$H" | sort)" ]
}

@test "writes, mkdir, rename, unlink, rmdir, symlink, truncate reach the host" {
	run_g --dir="$H:/w" -- write /w/f.txt hello
	[ "$status" -eq 0 ] && [ "$(cat "$H/f.txt")" = hello ]
	run_g --dir="$H:/w" -- append /w/f.txt " world"
	[ "$(cat "$H/f.txt")" = "hello world" ]
	run_g --dir="$H:/w" -- mkdir /w/newdir
	[ -d "$H/newdir" ]
	run_g --dir="$H:/w" -- rename /w/f.txt /w/newdir/g.txt
	[ "$status" -eq 0 ] && [ ! -e "$H/f.txt" ] && [ "$(cat "$H/newdir/g.txt")" = "hello world" ]
	run_g --dir="$H:/w" -- truncate /w/newdir/g.txt 5
	[ "$(cat "$H/newdir/g.txt")" = hello ]
	run_g --dir="$H:/w" -- symlink newdir/g.txt /w/l
	[ "$(readlink "$H/l")" = newdir/g.txt ]
	run_g --dir="$H:/w" -- unlink /w/l
	[ ! -L "$H/l" ]
	run_g --dir="$H:/w" -- rmdir /w/newdir
	[ "$output" = "rmdir /w/newdir: Directory not empty" ]
	rm "$H/newdir/g.txt"
	run_g --dir="$H:/w" -- rmdir /w/newdir
	[ "$status" -eq 0 ] && [ ! -e "$H/newdir" ]
	run_g --dir="$H:/w" -- cat /w/missing
	[ "$output" = "open /w/missing: No such file or directory" ]
}

@test "GUEST defaults to HOST's absolute path, made in the RAM tree; --cwd sets the working directory" {
	echo here > "$H/x"
	cd "$D"
	run_g --dir=host --cwd="$H" -- cat x
	[ "$status" -eq 0 ] && [ "$output" = here ]
	run_g --dir=host --cwd="$H" -- cwd
	[ "$output" = "$H" ]
	run_g --dir="$H:/deep/er/mnt" -- cat /deep/er/mnt/x
	[ "$output" = here ]
	run_g --dir="$H:/tmp" -- cat /tmp/x
	[ "$output" = here ]
}

@test "a :ro directory refuses every change with EROFS and reads" {
	echo keep > "$H/k"
	run_g --dir="$H:/r:ro" -- cat /r/k
	[ "$output" = keep ]
	run_g --dir="$H:/r:ro" -- write /r/k x
	[ "$output" = "write /r/k: Read-only file system" ]
	run_g --dir="$H:/r:ro" -- write /r/new x
	[ "$output" = "write /r/new: Read-only file system" ]
	run_g --dir="$H:/r:ro" -- mkdir /r/d
	[ "$output" = "mkdir /r/d: Read-only file system" ]
	run_g --dir="$H:/r:ro" -- unlink /r/k
	[ "$output" = "unlink /r/k: Read-only file system" ]
	run_g --dir="$H:/r:ro" -- raw-mkdir d
	[ "$output" = -30 ]
	[ "$(cat "$H/k")" = keep ] && [ ! -e "$H/new" ] && [ ! -e "$H/d" ]
}

@test "--dir and --cwd errors: one line each, status 104" {
	: > "$D/file"
	for a in "$D/nope" "$D/file" "" ":/x" "$H:rel" "$H:/" "$H:/a/../b" "$H:/a:rw" "$H:/a:ro:x"; do
		run timeout 20 "$RUN" --dir="$a" "$G" cwd
		[ "$status" -eq 104 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ ${lines[0]} == "tincan-run: "* ]]
	done
	run timeout 20 "$RUN" --dir="$D/nope" "$G" cwd
	[ "$output" = "tincan-run: --dir=$D/nope: $D/nope: No such file or directory" ]
	run timeout 20 "$RUN" --dir="$D/file" "$G" cwd
	[ "$output" = "tincan-run: --dir=$D/file: $D/file: not a directory" ]
	run timeout 20 "$RUN" --dir="$H:/a" --dir="$D:/a" "$G" cwd
	[ "$output" = "tincan-run: --dir=$D:/a: /a is already shared" ]
	run timeout 20 "$RUN" --dir="$H:/a" --dir="$H:/b" --dir="$H:/c" --dir="$H:/d" --dir="$H:/e" "$G" cwd
	[ "$status" -eq 104 ]
	run timeout 20 "$RUN" --cwd=rel "$G" cwd
	[ "$status" -eq 104 ]
}

@test "no escape: .., absolute paths, symbolic links out (absolute and relative)" {
	mkdir "$H/sub"
	ln -s ../secret "$H/up"
	ln -s "$D/secret" "$H/abs"
	ln -s ../../secret "$H/sub/up2"
	for p in ../secret sub/../../secret "$D/secret" /etc/passwd up abs sub/up2; do
		run_g --dir="$H:/d" -- raw-open "$p"
		[ "$status" -eq 0 ]
		[ "$output" = -18 ] # EXDEV: the kernel refused to leave the directory
	done
	for p in /d/up /d/abs /d/sub/up2 /d/../secret; do
		run_g --dir="$H:/d" -- cat "$p"
		[ "$status" -ne 0 ] && [[ $output == "open $p: "* ]]
	done
	run_g --dir="$H:/d" -- raw-mkdir ../escaped
	[ "$output" = -18 ] && [ ! -e "$D/escaped" ]
}

@test "no escape when a directory is renamed during the run" {
	mkdir -p "$H/sub"
	echo inner > "$H/sub/f"
	co_start timeout 20 "$RUN" --dir="$H:/d" "$G" wait /d/sub/../../secret
	wait_until 10 holds "$H"
	mv "$H/sub" "$D/moved"
	echo go >&"$CO_W"
	out=$(cat <&"$CO_R")
	[ "$out" = "open /d/sub/../../secret: No such file or directory" ]
	# A moved shared root keeps serving its own files, nothing above it.
	mkdir "$D/r"
	echo mine > "$D/r/f"
	co_start timeout 20 "$RUN" --dir="$D/r:/d" "$G" wait /d/f
	wait_until 10 holds "$D/r"
	mv "$D/r" "$D/r2"
	echo go >&"$CO_W"
	out=$(cat <&"$CO_R")
	[ "$out" = mine ]
}

@test "a lying guest: a bad handle is EBADF; a wild buffer, stat length or op stops it with 102" {
	echo x > "$H/f"
	run_g --dir="$H:/d" -- raw-handle
	[ "$output" = -9 ]
	run_g --dir="$H:/d" -- lie-buf f
	[ "$status" -eq 102 ]
	[[ $output == *"bad buffer to hypercall fs_file"* ]]
	run_g --dir="$H:/d" -- lie-stat f
	[ "$status" -eq 102 ]
	run_g --dir="$H:/d" -- lie-op f
	[ "$status" -eq 102 ]
	run_g -- raw-open f
	[ "$output" = -9 ]
}

@test "an image run as a program shares its current directory read-write as its cwd" {
	cd "$D"
	cat > p.c <<'C'
#include <stdio.h>
int main(void)
{
	char line[64] = "";
	FILE *f = fopen("in.txt", "r");
	if (!f || !fgets(line, sizeof line, f))
		return 1;
	fclose(f);
	f = fopen("out.txt", "w");
	fprintf(f, "got %s", line);
	return fclose(f) != 0;
}
C
	echo data > in.txt
	"$B/bin/tincan-cc" -o prog p.c
	run timeout 20 ./prog
	[ "$status" -eq 0 ]
	[ "$(cat out.txt)" = "got data" ]
}

@test "--dir beside --block: both kinds of file reach the host under one sandbox" {
	cp "$G" "$D/both.tc"
	"$B/bin/tincan-mkimage" --block=disk:/data "$D/both.tc" >/dev/null
	"$B/bin/tincan-mkfs" "$D/disk.img" 1M >/dev/null
	echo hello > "$H/f"
	run timeout 20 "$RUN" --block="$D/disk.img" --dir="$H:/h" "$D/both.tc" cat /h/f
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	run timeout 20 "$RUN" --block="$D/disk.img" --dir="$H:/h" "$D/both.tc" write /h/g written
	[ "$status" -eq 0 ]
	[ "$(cat "$H/g")" = written ]
}

# The guest caches what it reads from --dir (fs/hostfs.c; docs/design.md,
# "Host directories: what the guest caches"): exits counted with --stats.
exits() { sed -n 's/.*stats: \([0-9]*\) KVM exits.*/\1/p' <<< "$1"; }
exits_for() { # command args...: the exits 2,000 repeats add to 10
	local few many
	few=$(timeout 20 "$RUN" --stats --dir="$H:/h" "$G" "$@" 10 2>&1)
	many=$(timeout 20 "$RUN" --stats --dir="$H:/h" "$G" "$@" 2000 2>&1)
	[[ $few == *"$1 10"* && $many == *"$1 2000"* ]] || return 1
	echo $(($(exits "$many") - $(exits "$few")))
}

@test "--dir: repeated small preads, fstats and lookups of a missing name cost no exits" {
	head -c 65536 /dev/urandom > "$H/f"
	n=$(exits_for preads /h/f)
	echo "preads: $n"
	[ "$n" -lt 20 ]
	n=$(exits_for fstats /h/f)
	echo "fstats: $n"
	[ "$n" -lt 20 ]
	n=$(exits_for missing /h/nope)
	echo "missing: $n"
	[ "$n" -lt 20 ]
}

@test "--dir: cached pages, sizes and O_APPEND agree across descriptors; the host gets every byte" {
	head -c $((3 * 4096)) /dev/zero | tr '\0' a > "$H/f"
	run_g --dir="$H:/h" -- coherent /h/f
	echo "$output"
	[ "$status" -eq 0 ] && [ "$output" = coherent ]
	[ "$(stat -c %s "$H/f")" -eq 8195 ]
	[ "$(head -c 4096 "$H/f" | tr -d a | wc -c)" -eq 0 ]
	[ "$(tail -c +4097 "$H/f" | head -c 2)" = aa ]
	[ "$(tail -c +4099 "$H/f" | head -c 4094 | tr -d '\0' | wc -c)" -eq 0 ]
	[ "$(tail -c 3 "$H/f")" = Cxy ]
}

@test "--dir: names the guest makes and removes are seen at once; the host's within a second or so" {
	run_g --dir="$H:/h" -- names /h/n
	echo "$output"
	[ "$status" -eq 0 ] && [ "$output" = names ]
	co_start timeout 20 "$RUN" --dir="$H:/h" "$G" poll /h/later
	sleep 1.5
	: > "$H/later"
	start=$(date +%s%N)
	read -r -t 10 out <&"$CO_R"
	[ "$out" = seen ]
	[ $(($(date +%s%N) - start)) -lt 3000000000 ]
}

@test "--dir: open(O_CREAT) of a name the host made while the guest had it as missing opens the host's file" {
	co_start timeout 20 "$RUN" --dir="$H:/h" "$G" create-after /h/late
	read -r -t 10 out <&"$CO_R"
	[ "$out" = missed ]
	echo made-by-host > "$H/late"
	echo go >&"$CO_W"
	read -r -t 10 out <&"$CO_R"
	[ "$out" = made-by-host ]
}

@test "--dir: a file's cached data is dropped when the guest closes it (close-to-open)" {
	echo first-contents > "$H/f"
	co_start timeout 20 "$RUN" --dir="$H:/h" "$G" reopen /h/f
	read -r -t 10 one <&"$CO_R"
	echo second-contents > "$H/f"
	echo go >&"$CO_W"
	read -r -t 10 two <&"$CO_R"
	[ "$one" = first-contents ]
	[ "$two" = second-contents ]
}

# Write-behind: small writes to a --dir file are held in the guest and sent
# in one piece (fs/hostfs.c), on fsync, close, a read of those bytes, a wait
# (the console, sleep, poll) and the guest's end.
teardown() {
	if [ -n "${SMALL:-}" ] && mountpoint -q "$SMALL"; then umount "$SMALL"; fi
}

@test "--dir: 2,000 small sequential writes cost a handful of exits, and every byte reaches the host" {
	n=$(exits_for behind /h/b count)
	echo "writes: $n"
	[ "$n" -lt 20 ]
	[ "$(stat -c %s "$H/b")" -eq 200000 ]
	[ "$(sed -n 2000p "$H/b")" = "$(printf '%099d' 1999)" ]
	n=$(exits_for pages /h/p)
	echo "pages written then read: $n"
	[ "$n" -lt 100 ]
	[ "$(stat -c %s "$H/p")" -eq $((2000 * 4096)) ]
	[ "$(tail -c 4096 "$H/p" | tr -d "$(printf "\\$(printf %o $((97 + 1999 % 26)))")" | wc -c)" -eq 0 ]
}

@test "--dir: what fsync returned for is on the host when the monitor is killed; close and waits send too" {
	co_start timeout 20 "$RUN" --dir="$H:/h" "$G" behind /h/s fsync-spin 500
	read -r -t 10 out <&"$CO_R"
	[ "$out" = synced ]
	kill -9 "$(pgrep -P "$CO_PID" tincan-run || echo "$CO_PID")" 2> /dev/null || true
	wait "$CO_PID" 2> /dev/null || true
	[ "$(head -c 50000 "$H/s" | wc -c)" -eq 50000 ]
	[ "$(sed -n 500p "$H/s")" = "$(printf '%099d' 499)" ]
	co_start timeout 20 "$RUN" --dir="$H:/h" "$G" behind /h/c close-spin 500
	read -r -t 10 out <&"$CO_R"
	[ "$out" = closed ]
	[ "$(stat -c %s "$H/c")" -eq 50000 ]
	kill -9 "$(pgrep -P "$CO_PID" tincan-run || echo "$CO_PID")" 2> /dev/null || true
	wait "$CO_PID" 2> /dev/null || true
	co_start timeout 20 "$RUN" --dir="$H:/h" "$G" behind /h/w wait 500
	read -r -t 10 out <&"$CO_R"
	[ "$out" = written ]
	for _ in $(seq 50); do [ "$(stat -c %s "$H/w")" -eq 50000 ] && break; sleep 0.1; done
	[ "$(stat -c %s "$H/w")" -eq 50000 ]
	echo go >&"$CO_W"
	wait "$CO_PID"
	run_g --dir="$H:/h" -- behind /h/e exit 500
	[ "$status" -eq 0 ] && [ "$(stat -c %s "$H/e")" -eq 50000 ]
}

@test "--dir: a full host file system is reported at a write or at fsync (ENOSPC)" {
	small_tmpfs
	run_g --dir="$H:/h" -- fill /h/small/f 1024
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == "write /h/small/f: No space left on device" || $output == "fsync /h/small/f: No space left on device" ]]
	rm "$SMALL/f"
	run_g --dir="$H:/h" -- fill /h/small/g 16
	[ "$status" -eq 0 ] && [ "$(stat -c %s "$SMALL/g")" -eq 16384 ]
}

# close() reports what the host refused of the writes held back (ENOSPC), as
# NFS does, instead of dropping them silently.
@test "--dir: writes held back and refused by a full host file system fail close() (ENOSPC)" {
	small_tmpfs
	run_g --dir="$H:/h" -- fill /h/small/f 128 close
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "close /h/small/f: No space left on device" ]
}

# The buffer that holds small writes back goes with the file: a guest that
# writes and closes many files does not run out of memory.
@test "--dir: files written in small pieces and closed leave no memory behind" {
	mkdir "$H/many"
	run_g --mem=32M --dir="$H:/h" -- manyfiles /h/many 300
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "manyfiles 300, then 8 MiB: ok" ]
}

# A panic (abort) sends what was held back: write() said it was written.
@test "--dir: writes held back reach the host when the guest aborts" {
	run_g --dir="$H:/h" -- writeabort /h/a
	[ "$status" -eq 100 ]
	[ "$(cat "$H/a")" = "before abort" ]
}

# Inode numbers carry the host device (abi.md), the same in stat and readdir.
@test "--dir: readdir's inode numbers are stat's" {
	mkdir "$H/d"
	touch "$H/d/x" "$H/d/y"
	mkdir "$H/d/z"
	run_g --dir="$H:/h" -- inos /h/d
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "inos 3, 0 differ" ]
}

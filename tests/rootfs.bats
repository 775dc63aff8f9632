# The embedded read-only tree (tincan-mkimage --rootfs): a generated tree
# read back byte for byte in the guest, EROFS for writes with /tmp writable,
# every tree mkimage refuses, and httpd serving its document root from it.
load helpers

MKIMAGE=$B/bin/tincan-mkimage
GUEST=10.79.0.2

setup() {
	T=$BATS_TEST_TMPDIR
	IMAGE=$T/rootfs$IMG
	cp "$B/tests/rootfs$IMG" "$IMAGE"
}

# A tree with deep directories, a 5 MiB file, empty files, odd names and
# symbolic links, in $T/tree.
make_tree() {
	local d=$T/tree
	mkdir -p "$d/www/css"
	local deep=$d/deep
	for i in $(seq 1 40); do deep=$deep/level$i; done
	mkdir -p "$deep"
	echo "at the bottom" > "$deep/bottom.txt"
	head -c 5242880 /dev/urandom > "$d/big.bin"
	: > "$d/empty"
	: > "$d/www/empty.txt"
	printf 'spaces\n' > "$d/a name with spaces"
	printf 'utf-8\n' > "$d/caf$(printf '\303\251') $(printf '\342\230\203')"
	printf 'dash\n' > "$d/-leading-dash"
	printf 'dots\n' > "$d/...three dots"
	printf '%0255d' 0 > "$d/$(printf '%0255d' 0)"
	head -c 10000 /dev/urandom > "$d/www/css/site.css"
	printf '<h1>from the tree</h1>\n' > "$d/www/index.html"
	ln -s www/index.html "$d/index-link"
	ln -s /www/css "$d/abs-dir-link"
	ln -s ../../big.bin "$d/www/css/up-link"
	ln -s missing "$d/dangling"
	ln -s /tmp/note "$d/tmp-note"
	ln "$d/www/index.html" "$d/hardlink.html"
	chmod 0600 "$d/empty"
	touch -d '2001-02-03 04:05:06.789' "$d/big.bin"
}

@test "mkimage --rootfs: the tree is a read-only segment above the program, in the manifest" {
	make_tree
	run "$MKIMAGE" --rootfs="$T/tree" --print "$IMAGE"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"rootfs:  "*"K at 0x"* ]]
	# One more R-- PT_LOAD, the highest; the PT_NULL slot is used.
	readelf -lW "$IMAGE" | awk '$1 == "LOAD"' | tail -1 | grep -q ' R   0x1000$'
	! readelf -lW "$IMAGE" | grep -q '^ *NULL'
	# Packing again replaces the tree: the image does not grow.
	size1=$(stat -c %s "$IMAGE")
	"$MKIMAGE" --rootfs="$T/tree" "$IMAGE" >/dev/null
	[ "$(stat -c %s "$IMAGE")" = "$size1" ]
	# --no-rootfs takes it out again: the image as linked.
	"$MKIMAGE" --no-rootfs "$IMAGE" >/dev/null
	cmp "$IMAGE" "$B/tests/rootfs$IMG"
}

@test "a generated tree reads back byte for byte in the guest" {
	need_platform
	make_tree
	"$MKIMAGE" --rootfs="$T/tree" "$IMAGE" >/dev/null
	local files=()
	while IFS= read -r -d '' f; do files+=("/${f#./}"); done < <(cd "$T/tree" && find . -type f -print0 | sort -z)
	[ "${#files[@]}" -ge 12 ]
	want=$(cd "$T/tree" && for f in "${files[@]}"; do cat ".$f"; done | sha256sum)
	run sh -c "timeout 20 \"\$@\" | sha256sum" sh "$RUN" "$IMAGE" cat "${files[@]}"
	[ "$output" = "$want" ]
	# Through symbolic links: relative, absolute, with "..", to a directory.
	want=$(cat "$T/tree/www/index.html" "$T/tree/big.bin" "$T/tree/www/index.html" | sha256sum)
	run sh -c "timeout 20 \"\$@\" | sha256sum" sh "$RUN" "$IMAGE" cat /index-link /abs-dir-link/up-link \
		/www/css/../index.html
	[ "$output" = "$want" ]
}

@test "stat in the guest: modes, sizes, links and mtimes as on the host" {
	need_platform
	make_tree
	"$MKIMAGE" --rootfs="$T/tree" "$IMAGE" >/dev/null
	boot "$IMAGE" stat /big.bin /empty /www /www/index.html /hardlink.html /index-link /dangling /nope /big.bin/x
	echo "$output"
	[ "$status" -eq 0 ]
	host() { stat -c "%a %s %h %.9Y" "$T/tree/$1"; }
	[ "${lines[0]}" = "/big.bin file $(host big.bin)" ]
	[ "${lines[1]}" = "/empty file $(host empty)" ]
	[ "${lines[1]}" = "/empty file 600 0 1 $(stat -c %.9Y "$T/tree/empty")" ]
	[[ ${lines[2]} == "/www dir 755 0 3 "* ]]
	[ "${lines[3]}" = "/www/index.html file $(host www/index.html)" ]
	[[ ${lines[3]} == *" 2 "* ]] # two names: a hard link
	[ "${lines[4]}" = "/hardlink.html file $(host www/index.html)" ]
	[ "${lines[5]}" = "/index-link file $(host www/index.html)" ]
	[ "${lines[6]}" = "/dangling ENOENT" ]
	[ "${lines[7]}" = "/nope ENOENT" ]
	[ "${lines[8]}" = "/big.bin/x ENOTDIR" ]
	[[ ${lines[0]} == *" 981173106.789000000" ]]
}

@test "the tree is read-only (EROFS), /tmp below it is writable" {
	need_platform
	make_tree
	"$MKIMAGE" --rootfs="$T/tree" "$IMAGE" >/dev/null
	for op in "openw /empty" "openw /www/index.html" "write /empty" "trunc /empty" "creat /new" "unlink /empty" "rename /empty" "mkdir /newdir" \
		"creat /www/new" "mkdir /www/x"; do
		boot "$IMAGE" try $op
		echo "$op: $output"
		[ "$output" = EROFS ]
	done
	boot "$IMAGE" try mkdir /www
	[ "$output" = EEXIST ]
	boot "$IMAGE" try creat /nodir/new
	[ "$output" = ENOENT ]
	boot "$IMAGE" try unlink /nope
	[ "$output" = ENOENT ]
	boot "$IMAGE" try read /empty
	[ "$output" = ok ]
	boot "$IMAGE" tmp
	[ "$status" -eq 0 ]
	[ "$output" = "written in /tmp" ]
	# A link in the tree into /tmp is followed across the mount.
	boot "$IMAGE" tmp /tmp-note
	[ "$output" = "$(printf 'written in /tmp\nwritten in /tmp')" ]
	boot "$IMAGE" statvfs /
	[ "$output" = "ro 255 sized" ]
	boot "$IMAGE" statvfs /www/index.html
	[ "$output" = "ro 255 sized" ]
	boot "$IMAGE" statvfs /tmp
	[[ $output == "rw "* ]]
}

@test "readdir of the tree: its entries, then /tmp and /dev it lacks; links are links" {
	need_platform
	make_tree
	"$MKIMAGE" --rootfs="$T/tree" "$IMAGE" >/dev/null
	boot "$IMAGE" ls /
	echo "$output"
	[ "$status" -eq 0 ]
	want=$(printf 'dir .\ndir ..\n'; cd "$T/tree" && LC_ALL=C ls -A | while IFS= read -r f; do
		if [ -L "$f" ]; then echo "link $f"; elif [ -d "$f" ]; then echo "dir $f"; else echo "file $f"; fi
	done; printf 'dir tmp\ndir dev\n')
	[ "$output" = "$want" ]
	boot "$IMAGE" ls /www
	[ "$output" = "$(printf 'dir .\ndir ..\nfile empty.txt\nfile index.html\ndir css')" ] ||
		[ "$output" = "$(printf 'dir .\ndir ..\ndir css\nfile empty.txt\nfile index.html')" ]
	boot "$IMAGE" ls /big.bin
	[ "$output" = "/big.bin: ENOTDIR" ]
	# lstat and readlink see the link itself; the VFS follows it.
	boot "$IMAGE" link /index-link
	[ "$output" = "link www/index.html" ]
	boot "$IMAGE" link /abs-dir-link/up-link
	[ "$output" = "link ../../big.bin" ]
	boot "$IMAGE" link /big.bin
	[ "$output" = "/big.bin: EINVAL" ]
	# st_dev tells the tree from /tmp and /dev; a hard link is one inode.
	boot "$IMAGE" ids / /www/index.html /hardlink.html /index-link /tmp /dev /dev/null /missing
	echo "$output"
	read -r _ d1 i1 <<< "${lines[0]}"
	read -r _ d2 i2 <<< "${lines[1]}"
	read -r _ d3 i3 <<< "${lines[2]}"
	read -r _ d4 i4 <<< "${lines[3]}"
	read -r _ d5 _ <<< "${lines[4]}"
	read -r _ d6 _ <<< "${lines[5]}"
	[ "$d1" = "$d2" ] && [ "$d2" = "$d3" ] && [ "$d3" = "$d4" ]
	[ "$i2" = "$i3" ] && [ "$i3" = "$i4" ] && [ "$i1" != "$i2" ]
	[ "$d5" != "$d1" ] && [ "$d6" != "$d1" ] && [ "$d5" != "$d6" ]
	[ "${lines[7]}" = "/missing ENOENT" ]
	boot "$IMAGE" stat /tmp /dev
	[[ ${lines[0]} == "/tmp dir 1777 "* ]]
	[[ ${lines[1]} == "/dev dir "* ]]
}

@test "a tree with its own tmp/: the mount hides what is below, readdir lists tmp once" {
	need_platform
	mkdir -p "$T/t2/tmp" "$T/t2/etc"
	echo hidden > "$T/t2/tmp/below"
	echo conf > "$T/t2/etc/conf"
	"$MKIMAGE" --rootfs="$T/t2" "$IMAGE" >/dev/null
	boot "$IMAGE" ls /
	echo "$output"
	[ "$output" = "$(printf 'dir .\ndir ..\ndir etc\ndir tmp\ndir dev')" ]
	boot "$IMAGE" stat /tmp/below /etc/conf
	[ "${lines[0]}" = "/tmp/below ENOENT" ]
	[[ ${lines[1]} == "/etc/conf file "* ]]
}

@test "without a tree nothing changes: RAM at /, and hello links no rofs" {
	need_platform
	boot "$IMAGE" tmp
	[ "$output" = "written in /tmp" ]
	boot "$IMAGE" try creat /new
	[ "$output" = ok ]
	boot "$IMAGE" ls /
	[ "$output" = "$(printf 'dir .\ndir ..\ndir tmp\ndir dev')" ]
	boot "$IMAGE" statvfs /
	[[ $output == "rw "* ]]
	! nm "$B/apps/hello$IMG" | grep -qi rofs
	nm "$IMAGE" | grep -q rofs_mount_root
}

# mkimage refuses a tree it cannot represent: one line, status 1, image untouched.
refuses() {
	run "$MKIMAGE" --rootfs="$1" "$IMAGE"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "tincan-mkimage: --rootfs: "*"$2"* ]]
	cmp "$IMAGE" "$B/tests/rootfs$IMG"
}

@test "mkimage refuses FIFOs, sockets and devices" {
	mkdir -p "$T/fifo/sub" "$T/sock" "$T/dev"
	mkfifo "$T/fifo/sub/f"
	refuses "$T/fifo" "fifo/sub/f is a FIFO: a tree holds only regular files, directories and symbolic links"
	perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 1) or die' \
		"$T/sock/s"
	refuses "$T/sock" "sock/s is a socket"
	if mknod "$T/dev/null" c 1 3 2>/dev/null; then
		refuses "$T/dev" "dev/null is a character device"
	elif unshare -rm true 2>/dev/null; then
		: > "$T/dev/null"
		run unshare -rm sh -c "mount --bind /dev/null '$T/dev/null' && '$MKIMAGE' --rootfs='$T/dev' '$IMAGE'"
		[ "$status" -eq 1 ]
		[[ $output == *"dev/null is a character device"* ]]
	else
		skip "cannot make a device node here (no root, no user namespaces)"
	fi
}

@test "mkimage refuses a directory loop (bind mount), a path over the limit, a tree over 2 GiB" {
	mkdir -p "$T/long"
	p=$T/long
	for i in 1 2 3 4 5 6 7 8 9; do p=$p/$(printf "%0120d" $i); done
	mkdir -p "$p"
	refuses "$T/long" "a path in the tree is longer than 1023 bytes"
	mkdir -p "$T/huge"
	truncate -s 3G "$T/huge/sparse"
	refuses "$T/huge" "more than an image can (2048 MiB)"
	refuses "$T/nosuch" "No such file or directory"
	: > "$T/file"
	refuses "$T/file" "not a directory"
	mkdir -p "$T/loop/a/b/back"
	if [ "$(id -u)" = 0 ] && mount --bind "$T/loop/a" "$T/loop/a/b/back" 2>/dev/null; then
		run "$MKIMAGE" --rootfs="$T/loop" "$IMAGE"
		umount "$T/loop/a/b/back"
	elif unshare -rm true 2>/dev/null; then
		run unshare -rm sh -c "mount --bind '$T/loop/a' '$T/loop/a/b/back' && '$MKIMAGE' --rootfs='$T/loop' '$IMAGE'"
	else
		skip "cannot bind-mount here (no root, no user namespaces)"
	fi
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"loop/a/b/back is the directory $T/loop/a again (a bind mount or hard-link loop)"* ]]
}

@test "mkimage refuses an image with no program header reserved for a tree" {
	# The reserved slot is the last program header: make it a GNU_STACK.
	n=$(readelf -hW "$IMAGE" | awk '/Number of program headers/ { print $5 }')
	off=$((64 + (n - 1) * 56))
	img=$(patch_copy "$IMAGE" $off '\x51\xe5\x74\x64')
	mkdir -p "$T/t"
	run "$MKIMAGE" --rootfs="$T/t" "$img"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"no program header reserved for a tree: relink it with this tincan-cc"* ]]
}

@test "httpd serves its document root from the embedded tree" {
	need_platform
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	make_tree
	cp "$B/apps/httpd$IMG" "$T/httpd$IMG"
	"$MKIMAGE" --rootfs="$T/tree" "$T/httpd$IMG" >/dev/null
	NS=tincan-r$$
	ip netns add "$NS" || skip "could not create a network namespace"
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.79.0.1/24 dev tap0
	ip netns exec "$NS" timeout 60 "$RUN" --net=tap0 --ip=$GUEST/24 "$T/httpd$IMG" -- -d /www \
		> "$T/app.out" 2>&1 &
	pid=$!
	for i in $(seq 1 400); do grep -q listening "$T/app.out" && break; sleep 0.05; done
	ns() { run timeout 20 ip netns exec "$NS" "$@"; }
	ns curl -s http://$GUEST/
	r1=$output
	ns curl -s -o "$T/css" -w '%{http_code} %{content_type} %{size_download}' http://$GUEST/css/site.css
	r2=$output
	ns curl -s -o /dev/null -w '%{http_code}' http://$GUEST/css/../../big.bin
	r3=$output
	ns curl -s -o /dev/null -w '%{http_code}' http://$GUEST/missing
	r4=$output
	ns curl -s -o /dev/null -w '%{http_code} %{size_download}' http://$GUEST/empty.txt
	r5=$output
	ns curl -s -o "$T/up" http://$GUEST/css/up-link
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	echo "$r1 | $r2 | $r3 | $r4 | $r5"
	[ "$r1" = "<h1>from the tree</h1>" ]
	[ "$r2" = "200 text/css 10000" ]
	cmp "$T/css" "$T/tree/www/css/site.css"
	[ "$r3" = 404 ] # no ".." out of the document root
	[ "$r4" = 404 ]
	[ "$r5" = "200 0" ]
	cmp "$T/up" "$T/tree/big.bin" # 5 MiB through a symlink
}

@test "the file-read bench program reads the tree in the guest as on the host" {
	need_platform
	mkdir -p "$T/b"
	head -c 1048576 /dev/urandom > "$T/b/data"
	cp "$B/tests/fsread.tc" "$T/fsread$IMG"
	"$MKIMAGE" --rootfs="$T/b" "$T/fsread$IMG" >/dev/null
	want=$("$B/host/fsread" "$T/b/data" 1 2>&1 >/dev/null)
	run timeout 20 "$RUN" "$T/fsread$IMG" /data 1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $want == "(checksum "* ]]
	[[ $output == *"$want"* ]]
	[[ $output == *"cat 1048576 "* ]]
	[[ $output == *"rand 65536 "* ]]
}

# tincan-run refuses bad images and bad command lines with one clear line.
load ../helpers

setup() { need_kvm; }

bad_image() { # FILE WANT
	boot "$1"
	[ "$status" -eq 103 ] || { echo "status $status: $output"; return 1; }
	first_line_has "$2"
}

@test "an empty file" {
	: > "$BATS_TEST_TMPDIR/empty.tc"
	bad_image "$BATS_TEST_TMPDIR/empty.tc" "empty file"
}
@test "random bytes" {
	head -c 65536 /dev/urandom > "$BATS_TEST_TMPDIR/random.tc"
	bad_image "$BATS_TEST_TMPDIR/random.tc" "not an ELF file"
}
@test "a truncated ELF" {
	head -c 3000 "$TINY" > "$BATS_TEST_TMPDIR/trunc.tc"
	bad_image "$BATS_TEST_TMPDIR/trunc.tc" "outside the"
	head -c 40 "$TINY" > "$BATS_TEST_TMPDIR/trunc.tc"
	bad_image "$BATS_TEST_TMPDIR/trunc.tc" "truncated ELF header"
}
@test "a 32-bit ELF" {
	bad_image "$(patch_copy "$TINY" 4 '\x01')" "32-bit ELF"
}
@test "a non-x86 ELF" {
	bad_image "$(patch_copy "$TINY" 18 '\xb7\x00')" "not x86-64"
}
@test "a host program is not an image" {
	bad_image /bin/true "not a static executable"
}
@test "a segment outside guest memory" {
	# Third program header's p_vaddr (offset 64 + 112 + 16) moved to 2 GiB.
	boot --mem=8M "$(patch_copy "$TINY" 192 '\x00\x00\x00\x80\x00\x00\x00\x00')"
	[ "$status" -eq 103 ]
	first_line_has "pass --mem="
}
@test "overlapping segments" {
	# Second program header's p_vaddr (64 + 56 + 16) onto the first.
	bad_image "$(patch_copy "$TINY" 136 '\x00\x00\x01\x00\x00\x00\x00\x00')" "overlap"
}
@test "absurd sizes" {
	# Third program header's p_memsz (64 + 112 + 40) = 2^60.
	bad_image "$(patch_copy "$TINY" 216 '\x00\x00\x00\x00\x00\x00\x00\x10')" "absurd"
}
@test "an image needing more memory than --mem" {
	# Third program header's p_memsz = 2 MiB of bss.
	boot --mem=1M "$(patch_copy "$TINY" 216 '\x00\x00\x20\x00\x00\x00\x00\x00')"
	[ "$status" -eq 103 ]
	first_line_has "more than the 1024 KiB given: pass --mem="
}
@test "no manifest" {
	# The note's type field, 8 bytes into the note.
	bad_image "$(patch_copy "$TINY" $(($(manifest_off "$TINY") - 12)) '\x00\x00\x00\x00')" "no tincan manifest"
}
@test "a manifest for another ABI version" {
	# struct tc_manifest: magic, version, abi_version.
	bad_image "$(patch_copy "$TINY" $(($(manifest_off "$TINY") + 8)) '\x63\x00\x00\x00')" "guest ABI v99"
}
@test "a missing image file and a directory" {
	bad_image "$BATS_TEST_TMPDIR/nonexistent.tc" "No such file"
	bad_image "$BATS_TEST_TMPDIR" "not a regular file"
}

@test "command line errors: status 104 and a pointer to --help" {
	boot --bogus "$TINY"
	[ "$status" -eq 104 ]
	first_line_has "unknown option '--bogus' (try tincan-run --help)"
	boot --mem=lots "$TINY"
	[ "$status" -eq 104 ]
	first_line_has "invalid --mem value 'lots'"
	boot --mem=16G "$TINY"
	[ "$status" -eq 104 ]
	boot
	[ "$status" -eq 104 ]
	first_line_has "no image given"
	boot --env=oops "$TINY"
	[ "$status" -eq 104 ]
}
@test "--help and --version" {
	boot --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "usage: tincan-run"* ]]
	[[ $output == *"101 guest CPU fault"* ]]
	boot --version
	[ "$status" -eq 0 ]
	[[ $output == "tincan-run "*"(guest ABI v1)" ]]
}

# Device names go into TINCAN_IP and the like: tincan-mkimage refuses any
# but [A-Za-z0-9._-], and so does the monitor in an image made elsewhere.
@test "net device names with other characters: tincan-mkimage refuses them, tincan-run too (103)" {
	for name in a,b a@c d%e f:g 'h i' 'x/y' 'é'; do
		cp "$TINY" "$BATS_TEST_TMPDIR/n.tc"
		run "$B/bin/tincan-mkimage" --net="$name" "$BATS_TEST_TMPDIR/n.tc"
		[ "$status" -eq 2 ]
		[ "$output" = "tincan-mkimage: --net name '$name' must be 1 to 15 of A-Z a-z 0-9 . _ -" ]
	done
	cp "$TINY" "$BATS_TEST_TMPDIR/n.tc"
	"$B/bin/tincan-mkimage" --net=Ok.net_0-9 --net=qzxnet "$BATS_TEST_TMPDIR/n.tc"
	boot "$BATS_TEST_TMPDIR/n.tc"
	[ "$status" -eq 0 ]
	off=$(grep -obUa qzxnet "$BATS_TEST_TMPDIR/n.tc" | head -1 | cut -d: -f1)
	[ -n "$off" ]
	bad_image "$(patch_copy "$BATS_TEST_TMPDIR/n.tc" $((off + 1)) ',')" "manifest device 1 has no valid name"
	bad_image "$(patch_copy "$BATS_TEST_TMPDIR/n.tc" $((off + 1)) '@')" "manifest device 1 has no valid name"
}

@test "a manifest with memory that is not a page multiple" {
	# tc_manifest.mem is at descriptor offset 16.
	bad_image "$(patch_copy "$TINY" $(($(manifest_off "$TINY") + 16)) '\x01\x00\x80\x00\x00\x00\x00\x00')" "manifest memory"
}
@test "a manifest with an absurd stack" {
	bad_image "$(patch_copy "$TINY" $(($(manifest_off "$TINY") + 24)) '\x01\xf0\xff\xff\xff\xff\xff\xff')" "manifest stack"
}

# Issue 11 item 3: limits the image cannot choose.  A manifest alone once
# took 3 GiB and a 1 GiB stack; now it gets at most --mem-max (default 1G).
@test "a manifest asking for 3 GiB or a 1 GiB stack needs the operator's --mem or --mem-max (103)" {
	local off=$(manifest_off "$TINY")
	img=$(patch_copy "$TINY" $((off + 16)) '\x00\x00\x00\xc0\x00\x00\x00\x00')
	bad_image "$img" "its manifest asks for 3072 MiB, more than --mem-max (1024 MiB)"
	[ "${#lines[@]}" -eq 1 ]
	boot --mem-max=2G "$img" layout
	[ "$status" -eq 103 ]
	first_line_has "more than --mem-max (2048 MiB)"
	boot --mem-max=3G "$img" layout
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq $((3 << 30)) ]
	# A 1 GiB stack lives inside guest memory, which the manifest cannot raise.
	img=$(patch_copy "$TINY" $((off + 24)) '\x00\x00\x00\x40\x00\x00\x00\x00')
	bad_image "$img" "1048576 KiB stack), more than the 8192 KiB given"
}

@test "a huge symbol table costs the monitor a few MiB, not twice the image" {
	# 1 M function symbols (24 MB) named by one 64 MB string.
	perl "$TESTS/tools/bigsyms.pl" "$TINY" "$BATS_TEST_TMPDIR/big.tc" 1000000 67108864
	ready_fd
	"$RUN" --ready-fd="$READY" --timeout=20s "$BATS_TEST_TMPDIR/big.tc" sleep 1500 > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	ready_wait
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)
	[ -n "$rss" ]
	wait $pid
	echo "RSS $rss KiB"
	[ "$rss" -lt 20000 ]
	# The names that are kept still name functions in a fault report.
	boot "$BATS_TEST_TMPDIR/big.tc" ud2
	[ "$status" -eq 101 ]
	first_line_has "in AAAAAAAA"
}

@test "symbol names in a fault report are printable and short (no terminal escapes from the image)" {
	# tiny_main (9 bytes, once in the string table) becomes ESC ]0;pwnd BEL.
	img=$(patch_copy "$TINY" "$(grep -obUa tiny_main "$TINY" | cut -d: -f1)" '\033]0;pwnd\007')
	boot "$img" panic
	[ "$status" -eq 100 ]
	[[ $output == *"#0 0x"*" ?]0;pwnd?+0x"* ]]
	! grep -q $'[\001-\010\016-\037\177]' <<< "$output"
}

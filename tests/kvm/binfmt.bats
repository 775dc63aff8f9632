# Issue 11 item 7: images run as programs go to tincan-run through the
# kernel's binfmt_misc (toolchain/binfmt.sh, `make install` as root), so
# a hostile image's own code never runs as a Linux process.  The entry is
# registered under a name of this run's and removed again; while it exists
# any tincan image run as a program on this host boots under $B's monitor
# (the same thing its own re-execution does).
load ../helpers

BINFMT=/proc/sys/fs/binfmt_misc

setup_file() {
	export NAME=tincan-test-$$ MOUNTED=
	[ "$(id -u)" = 0 ] || return 0
	if [ ! -w $BINFMT/register ] && mount -t binfmt_misc binfmt_misc $BINFMT 2>/dev/null; then
		MOUNTED=1
	fi
}

teardown_file() {
	[ -e "$BINFMT/$NAME" ] && echo -1 > "$BINFMT/$NAME"
	[ -n "$MOUNTED" ] && umount $BINFMT 2>/dev/null
	return 0
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "binfmt_misc registration needs root"
	[ -w $BINFMT/register ] || skip "binfmt_misc is not available here ($BINFMT/register)"
	cd "$BATS_TEST_TMPDIR"
	# An image whose own code, run by Linux, says so and exits 42; under
	# tincan-run it is no image at all (no manifest).
	printf '%s\n' '.globl _start' '_start: mov $1, %eax' 'mov $2, %edi' 'lea m(%rip), %rsi' \
		'mov $16, %edx' 'syscall' 'mov $231, %eax' 'mov $42, %edi' 'syscall' 'm: .ascii "NATIVE CODE RAN\n"' > h.S
	gcc -nostdlib -static -no-pie -Wl,-Ttext=0x10000 -Wl,-e,_start -Wl,--build-id=none -o hostile h.S
	cp "$B/tests/dirs.tc" "$B/apps/hello.tc" .
}

register() { "$TESTS/../toolchain/binfmt.sh" register "$(cd "$B/bin" && pwd)/tincan-binfmt" "$NAME"; }
unregister() { "$TESTS/../toolchain/binfmt.sh" unregister "$NAME"; }

@test "binfmt: a hostile image run as a program is handed to tincan-run, its code never runs natively" {
	unregister
	run ./hostile
	[ "$status" -eq 42 ] && [[ $output == *"NATIVE CODE RAN"* ]] # what it does without binfmt
	register
	grep -q '^enabled$' "$BINFMT/$NAME"
	run ./hostile
	unregister
	echo "$output"
	[ "$status" -eq 103 ]
	[[ $output == "tincan-run: "* ]]
	[[ $output != *"NATIVE CODE RAN"* ]]
}

@test "binfmt: an image run as a program gets its arguments and the current directory, shared" {
	register
	run ./hello.tc one "two three"
	r1=$status o1=$output
	run ./dirs.tc cwd
	r2=$status o2=$output
	run ./dirs.tc write made-by-guest.txt hello
	r3=$status
	run ./dirs.tc cat /etc/hostname
	r4=$status
	unregister
	[ "$r1" -eq 0 ] && [[ $o1 == *"one"* ]] && [[ $o1 == *"two three"* ]]
	[ "$r2" -eq 0 ] && [ "$o2" = "$BATS_TEST_TMPDIR" ]
	[ "$r3" -eq 0 ] && [ "$(cat made-by-guest.txt)" = hello ]
	[ "$r4" -ne 0 ] # nothing but the current directory
}

@test "binfmt: options cannot be smuggled in as the image's arguments" {
	register
	run ./hello.tc --mem=1G --version
	unregister
	[ "$status" -eq 0 ]
	[[ $output == *"--mem=1G"* ]] && [[ $output == *"--version"* ]]
	[[ $output != *"guest ABI"* ]]
}

@test "binfmt.sh: the registration line, and bad interpreters refused" {
	run "$TESTS/../toolchain/binfmt.sh" line /opt/t/bin/tincan-binfmt
	[ "$status" -eq 0 ]
	[[ $output == ":tincan:M:0:\\x7f\\x45\\x4c\\x46"*":/opt/t/bin/tincan-binfmt:F" ]]
	run "$TESTS/../toolchain/binfmt.sh" line relative/tincan-binfmt
	[ "$status" -eq 2 ]
	run "$TESTS/../toolchain/binfmt.sh" line /opt/a:b/tincan-binfmt
	[ "$status" -eq 2 ]
}

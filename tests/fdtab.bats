# The growing descriptor table, select up to FD_SETSIZE, the main stack's
# default and limit, umask and small POSIX gaps (tests/guests/fdtab.c).
load helpers
FDTAB=$B/tests/fdtab.tc

setup() { need_platform; }

@test "65,536 descriptors, select, stack, umask, pathconf (TAP from the guest)" {
	boot --mem=64M "$FDTAB" $((1024 * 1024))
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "tincan-mkimage --stack changes what getrlimit(RLIMIT_STACK) says" {
	cp "$FDTAB" "$BATS_TEST_TMPDIR/f.tc"
	"$B/bin/tincan-mkimage" --stack=256K "$BATS_TEST_TMPDIR/f.tc"
	boot --mem=64M "$BATS_TEST_TMPDIR/f.tc" $((256 * 1024))
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok "*" - RLIMIT_STACK 262144 is the image's stack"* ]]
	! [[ $output == *"not ok"* ]]
}

@test "a small guest's default stack is an eighth of its memory" {
	boot --mem=2M "$FDTAB" $((256 * 1024))
	[[ $output == *"ok "*" - RLIMIT_STACK 262144 is the image's stack"* ]]
}

@test "hello's main stack is 1 MiB by default and hello grows no descriptor table" {
	run "$B/bin/tincan-mkimage" --print "$B/apps/hello.tc"
	[[ $output == *"stack:   1024K (default"* ]]
	[ "$(nm "$B/apps/hello.tc" | grep -c -e getdtablesize -e pathconf -e dirname)" -eq 0 ]
}

@test "1,000 TCP clients at once over 127.0.0.1 in a default-sized guest" {
	boot "$FDTAB" conns 1000
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[[ $output == *"ok 2 - 1000 of 1000 clients connected"* ]]
	! [[ $output == *"not ok"* ]]
}

# The router bench's harness (tests/bench/router.sh, make bench): its
# --check mode runs one short round through the router guest and through
# Linux forwarding and one idle router, and must see frames arrive through
# both and memory measured; it asserts behaviour, never speed.  Its frame
# sender (tests/bench/frameblast.c) refuses bad arguments.  Everything
# happens in network namespaces of the bench's own.
load ../helpers

BENCH=$TESTS/bench/router.sh
BLAST=$B/bench/frameblast

setup() {
	[ -x "$BLAST" ] || skip "$BLAST is not built (make test builds it)"
}

need_net() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "the router bench needs root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	[ -f "$B/apps/router.tc" ] || skip "apps/router is not built"
	[ "$(nproc)" -ge 2 ] || skip "the router bench needs 2 CPUs"
}

@test "router bench --check: frames go through the router guest and Linux; an idle router's memory is measured" {
	need_net
	out=$BATS_TEST_TMPDIR/results.md
	before=$(ip netns list | grep -c '^tincan-rb' || true)
	run timeout 120 "$BENCH" "$B" "$out" --check
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^| router: ' "$out")" -eq 3 ]
	# The guest's 64-byte rate: a whole number of kpps, not 0.
	grep '^| router: forwarding rate, 64-byte' "$out" | grep -Eq '\| [1-9][0-9]* kpps vs [1-9][0-9]* kpps = '
	grep '^| router: throughput, 1,514-byte' "$out" | grep -Eq '\| [0-9.]+ Gbit/s vs [0-9.]+ Gbit/s = '
	grep '^| router: host memory per idle router' "$out" | grep -Eq 'PSS [1-9][0-9]* KiB, RSS [1-9][0-9]* KiB'
	# Nothing left behind: the bench's namespaces are gone.
	[ "$(ip netns list | grep -c '^tincan-rb' || true)" -eq "$before" ]
}

@test "router bench: a bad argument, a missing image are one-line errors" {
	run "$BENCH" "$B" "$BATS_TEST_TMPDIR/r.md" --bogus
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "usage: tests/bench/router.sh BUILD_DIR OUT_FILE [--check]" ]]
	if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && [ -w /dev/kvm ]; then
		BENCH_ROUTER_IMAGE=$BATS_TEST_TMPDIR/none.tc run "$BENCH" "$B" "$BATS_TEST_TMPDIR/r.md"
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ $output == "router bench: $BATS_TEST_TMPDIR/none.tc is missing (make bench builds it)" ]]
	fi
	[ ! -e "$BATS_TEST_TMPDIR/r.md" ]
}

@test "frameblast refuses bad arguments with one line and status 2" {
	run "$BLAST" lo 02:00:00:00:00:01 10.0.0.1 10.0.0.2 60
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "frameblast: wrong number of arguments" ]
	run "$BLAST" no-such-if0 02:00:00:00:00:01 10.0.0.1 10.0.0.2 60 1
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "frameblast: no such interface" ]
	run "$BLAST" lo 02:00:00:00:00 10.0.0.1 10.0.0.2 60 1
	[ "${lines[0]}" = "frameblast: bad DST_MAC" ]
	run "$BLAST" lo 02:00:00:00:00:01 10.0.0.1 10.0.0.300 60 1
	[ "${lines[0]}" = "frameblast: bad SRC_IP or DST_IP" ]
	for s in 59 1515 60x; do
		run "$BLAST" lo 02:00:00:00:00:01 10.0.0.1 10.0.0.2 "$s" 1
		[ "$status" -eq 2 ]
		[ "${lines[0]}" = "frameblast: SIZE must be 60 to 1514" ]
	done
	run "$BLAST" lo 02:00:00:00:00:01 10.0.0.1 10.0.0.2 60 0
	[ "${lines[0]}" = "frameblast: bad SECONDS" ]
	run "$BLAST" lo 02:00:00:00:00:01 10.0.0.1 10.0.0.2 60 1 0
	[ "${lines[0]}" = "frameblast: FLOWS must be 1 to 1024" ]
}

# The guard-page hypercall (TC_HC_GUARD, monitor/guard.c) from a hand-written
# guest (tests/guests/tiny.c "guard"): only heap pages, refusals are error
# codes (never a stop), an armed page faults even right after a write (the
# cached translations are dropped), a disarmed one is memory again.
load ../helpers

setup() { need_kvm; }

@test "guard: unaligned, below the heap, the image, page tables, heap_end and on=2 are refused" {
	for mem in "" --mem-max=0; do
		boot $mem --mem=16M "$TINY" guard +h+100 +h-4096 +65536 +12288 +e-0 '~h+0' +h+0
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = "$(printf -- '-22\n%.0s' 1 2 3 4 5 6)"$'\n0' ]
	done
}

@test "guard: an armed page faults at once, even one just written; disarmed it is memory again" {
	for mem in "" --mem-max=0; do
		boot $mem --mem=16M "$TINY" guard wh+4194304 +h+4194304 -h+4194304 wh+4194304 +h+4194304 wh+4194304
		echo "$output"
		[ "$status" -eq 101 ]
		[ "${lines[*]:0:5}" = "w 0 0 w 0" ]
		[[ ${lines[5]} == *"hit a thread stack's guard page at 0x"* ]]
	done
}

@test "guard: out of spare page tables, -ENOMEM and the page unchanged" {
	args=()
	for i in $(seq 1 20); do args+=("+h+$((i * 2097152))"); done
	boot --mem=64M "$TINY" guard "${args[@]}" wh+41943040
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ] && [ "${lines[3]}" = 0 ]
	[ "${lines[19]}" = -12 ] && [ "${lines[20]}" = w ]
}

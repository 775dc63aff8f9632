# The memory-growth hypercall from a hand-written guest (tests/guests/tiny.c
# "grow"): every size the guest can send is checked, a refusal is an error
# code (never a stop), and the memory granted is mapped and writable.
load ../helpers

setup() { need_kvm; }

@test "grow: a page is granted as at least 2 MiB, written, and counted" {
	boot --stats "$TINY" grow 4096
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ $((lines[1] % 2097152)) -eq 0 ] && [ "${lines[1]}" -ge 2097152 ]
	[[ $output == *"stats: "*" KVM exits, "*" KiB guest memory"* ]]
}

@test "grow: zero, misaligned, huge and negative sizes are refused, the heap unmoved" {
	# 0, 100, 2^64-1 (-1), 2^40, 2^64-4096 (a negative page), then 4 MiB still works.
	boot "$TINY" grow 0 100 18446744073709551615 1099511627776 18446744073709547520 4194304
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[@]:0:10})" = "-22 0 -22 0 -22 0 -12 0 -12 0" ]
	[ "${lines[10]}" = 0 ] && [ "${lines[11]}" -ge 4194304 ]
}

@test "grow: up to --mem-max exactly, then ENOMEM; --mem-max=0 grants nothing" {
	boot --mem=8M --mem-max=16M "$TINY" grow 4096 4096 4096
	[ "$status" -eq 0 ]
	# All the room below the stack in one step (the heap is bigger than it), then refusals.
	[ "$(echo ${lines[@]})" = "0 8388608 -12 0 -12 0 0" ]
	boot --mem-max=0 "$TINY" grow 4096
	[ "$(echo ${lines[@]})" = "-12 0 0" ]
}

@test "grow: the slots stay bounded when a guest grows until refused" {
	boot --mem=2M --mem-max=3G --stats "$TINY" grow-time 4096
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -le 62 ]
	[[ $output == *"KVM exits, 314"*" KiB guest memory"* ]]
}

@test "memory past the backed heap is unmapped: a fault, not host memory" {
	boot "$TINY" beyond-heap
	[ "$status" -eq 101 ]
	first_line_has "guest fault: access beyond the heap's end (memory not grown into yet) at 0x800000"
}

@test "--mem alone is a limit (no growth); --mem-max below --mem is refused" {
	run timeout 20 "$RUN" --mem=16M --stats "$B/tests/memgrow.tc" alloc 100 64
	echo "$output"
	[ "$status" -ne 0 ] # 100 MiB do not fit in 16
	[[ $output == *"16384 KiB guest memory"* ]]
	run "$RUN" --mem=64M --mem-max=32M "$B/apps/hello.tc"
	[ "$status" -eq 104 ]
	[ "$output" = "tincan-run: --mem-max (32768K) is below --mem (65536K) (try tincan-run --help)" ]
	run "$RUN" --host-entry=db:0.0.0.0 "$B/apps/hello.tc"
	[ "$status" -eq 104 ]
}

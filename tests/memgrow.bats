# Guest memory that grows on demand (tests/guests/memgrow.c): malloc, mmap
# and sbrk past the initial memory, up to --mem-max, and a clean ENOMEM there.
load helpers
MG=$B/tests/memgrow$IMG

setup() { need_platform; }

@test "malloc of 100 MiB in 64 KiB pieces, every page written, with no flags" {
	boot --stats "$MG" alloc 100 64
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "allocated 100 MiB" ]
	# Grown, but by no more than the heap doubling would give.
	kib=$(sed -n 's/.*stats: [0-9]* KVM exits, \([0-9]*\) KiB guest memory.*/\1/p' <<< "$output")
	[ "$kib" -gt 102400 ] && [ "$kib" -le 204800 ]
}

@test "one 200 MiB anonymous mmap grows the heap" {
	boot "$MG" mmap 200
	[ "$status" -eq 0 ]
	[ "$output" = "mapped 200 MiB" ]
}

@test "--mem-max=16M: malloc returns NULL with ENOMEM and the guest exits with its own status" {
	boot --mem-max=16M "$MG" alloc 100 64
	[ "$status" -eq 3 ]
	[[ ${lines[0]} =~ ^"malloc: NULL after "[0-9]+" KiB, ENOMEM"$ ]]
	kib=$(sed -n 's/.* after \([0-9]*\) KiB.*/\1/p' <<< "${lines[0]}")
	[ "$kib" -gt 8192 ] && [ "$kib" -le 16384 ]
	boot --mem-max=16M "$MG" mmap 20
	[ "$status" -eq 3 ]
	[ "$output" = "mmap: ENOMEM" ]
}

@test "--mem-max=0: fixed memory as before, ENOMEM within --mem" {
	boot --mem-max=0 --stats "$MG" alloc 100 64
	[ "$status" -eq 3 ]
	[[ ${lines[0]} =~ ^"malloc: NULL after "[0-9]+" KiB, ENOMEM"$ ]]
	[[ $output == *"stats: "*" KVM exits, 8192 KiB guest memory"* ]]
	boot --mem=128M --mem-max=0 "$MG" alloc 100 64
	[ "$status" -eq 0 ]
}

@test "sbrk: huge, wrapping and below-start requests fail with ENOMEM; growth and shrink across the end" {
	boot "$MG" sbrk
	[ "$status" -eq 0 ]
	[ "$output" = "huge 1 below 1 wrap 1 grew 1 same 1" ]
	boot --mem-max=0 "$MG" sbrk
	[ "$output" = "huge 1 below 1 wrap 1 grew 0 same 1" ]
}

@test "an idle guest registers no more memory than --mem with growth on" {
	boot --stats "$MG" time 0
	[ "$status" -eq 0 ]
	kib=$(sed -n 's/.*stats: [0-9]* KVM exits, \([0-9]*\) KiB guest memory.*/\1/p' <<< "$output")
	[ "$kib" -le $((8192 + 256)) ]
}

# Thread-local storage and per-thread newlib state in real guests
# (tests/guests/tls.c, with tls_extern.c compiled -fPIC).
load helpers
TLS=$B/tests/tls.tc

setup() { need_platform; }

@test "__thread, _Thread_local and errno per thread (TAP from the guest)" {
	boot --mem=32M "$TLS"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "only zeroed thread-local variables (.tbss, empty template)" {
	boot "$B/tests/tls_bss.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	! [[ $output == *"not ok"* ]]
	[[ $output == *"1..2"* ]]
}

@test "a template under 16 bytes with 4-byte alignment" {
	boot "$B/tests/tls_small.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	! [[ $output == *"not ok"* ]]
	[[ $output == *"1..2"* ]]
}

@test "an app without thread-local variables keeps %fs at 0 across switches" {
	boot "$B/tests/tls_none.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	! [[ $output == *"not ok"* ]]
	[[ $output == *"1..2"* ]]
}

@test "PT_TLS: the template in the data segment; empty for an app without TLS" {
	run bash -c "readelf -lW '$TLS' | awk '\$1 == \"TLS\" { print \$5, \$6 }'"
	[ "$status" -eq 0 ]
	[[ $output =~ ^0x0*[1-9a-f][0-9a-f]*\ 0x0*[1-9a-f][0-9a-f]*$ ]]
	run bash -c "readelf -lW '$B/apps/hello.tc' | awk '\$1 == \"TLS\" { print \$6 }'"
	[ "$output" = "0x000000" ]
}

@test "the linker script's TLS symbols say what PT_TLS says" {
	for f in tls tls_bss tls_small; do
		img=$B/tests/$f.tc
		read -r vaddr filesz memsz align < <(readelf -lW "$img" | awk '$1 == "TLS" { print $3, $5, $6, $NF }')
		want="$((vaddr)) $((filesz)) $((memsz)) $((align))"
		got=""
		for sym in start filesz memsz align; do
			v=$(nm "$img" | awk -v s="__tincan_tls_$sym" '$3 == s { print $1 }')
			got="$got$((16#${v:-0})) "
		done
		echo "$f: PT_TLS $want, symbols $got"
		[ "$want " = "$got" ]
	done
}

@test "the loader refuses a TLS segment outside the loaded ones" {
	bad=$BATS_TEST_TMPDIR/bad.tc
	cp "$TLS" "$bad"
	# Move the PT_TLS header's p_vaddr far away.
	python3 - "$bad" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b'); d = f.read()
phoff, = struct.unpack_from('<Q', d, 32); phnum, = struct.unpack_from('<H', d, 56)
for i in range(phnum):
    o = phoff + 56 * i
    if struct.unpack_from('<I', d, o)[0] == 7:
        f.seek(o + 16); f.write(struct.pack('<Q', 0x7000000))
PY
	boot "$bad"
	[ "$status" -ne 0 ]
	first_line_has "thread-local storage template at 0x7000000 is not in a loaded segment"
}

@test "a fault in a thread with its own %fs is still reported" {
	boot "$TLS" fault
	[ "$status" -eq 101 ]
	first_line_has "null pointer dereference"
	[[ $output == *"crash"* ]]
}

@test "a thread switch costs little with TLS (ping-pong bench)" {
	boot "$TLS" bench 100000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^switch:\ [0-9.]+\ ns ]]
}

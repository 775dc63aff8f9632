# The stack protector in guests (tests/guests/ssp.c, libos/ssp.c).
load helpers
SSP=$B/tests/ssp.tc

setup() { need_platform; }

@test "stack protector: a write past a local array ends the guest with 100 and says so" {
	boot "$SSP" smash 64
	echo "$output"
	[ "$status" -eq 100 ]
	first_line_has "stack smashing detected"
	[[ $output == *" smash+0x"* ]]
}

@test "stack protector: a write within the array passes" {
	boot "$SSP" smash 16
	[ "$status" -eq 0 ]
	[ "$output" = "survived 65" ]
}

@test "stack protector: a thread's overflow is caught too" {
	boot "$SSP" thread 64
	echo "$output"
	[ "$status" -eq 100 ]
	first_line_has "stack smashing detected"
}

@test "stack protector: the canary comes from boot entropy, a new one each boot, low byte 0" {
	boot "$SSP" canary
	[ "$status" -eq 0 ]
	a=${output#canary }
	boot "$SSP" canary
	[ "$status" -eq 0 ]
	b=${output#canary }
	echo "$a $b"
	[[ $a =~ ^[0-9a-f]{14}00$ ]]
	[ "$a" != "$b" ]
	[ "$a" != 0000000000000000 ]
}

@test "stack protector: guest code is built with it (apps, libos, lwIP)" {
	objdump -d "$SSP" | grep -q "call.*<__stack_chk_fail>"
	for f in "$B/lib/tincan/lwip/lib/liblwip.a" "$B/lib/tincan/kvm/libos.o"; do
		nm "$f" | grep -q "U __stack_chk_guard" || nm "$f" | grep -q "B __stack_chk_guard" || { echo "$f"; return 1; }
	done
}

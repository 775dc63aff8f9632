# The default app, as `make run` boots it.
load helpers
HELLO=$B/apps/$([ "$PLATFORM" = kvm ] || echo "$PLATFORM/")hello$IMG

setup() { need_platform; }

@test "hello boots and prints its greeting, argv, a float and its boot time" {
	boot "$HELLO" -- one "two three"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Hello from tincan!" ]
	[ "${lines[1]}" = "argv[0] = \"$(argv0 "$HELLO")\"" ]
	[ "${lines[2]}" = 'argv[1] = "one"' ]
	[ "${lines[3]}" = 'argv[2] = "two three"' ]
	[ "${lines[4]}" = "sqrt(2) = 1.414214" ]
	[[ ${lines[5]} =~ ^boot\ to\ main:\ [0-9]+\.[0-9]{3}\ ms$ ]]
}

@test "hello runs in 1 MiB of guest memory" {
	[ "$PLATFORM" = kvm ] || skip "on $PLATFORM the machine's memory is QEMU's -m"
	boot --mem=1M "$HELLO"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Hello from tincan!" ]
}

@test "hello's image fits the budgets it is built for (64 KiB loaded, 128 KiB file)" {
	[ "$PLATFORM" = kvm ] || skip "the budget is the kvm image's; $PLATFORM's images carry ring 0 too (its ISO budget: tests/iso.bats)"
	loaded=0
	for m in $(readelf -lW "$HELLO" | awk '$1 == "LOAD" { print $6 }'); do loaded=$((loaded + m)); done
	file=$(stat -c %s "$HELLO")
	echo "loaded $loaded file $file"
	[ "$loaded" -le 65536 ]
	[ "$file" -le 131072 ]
}

# Boot at the floor (issue 12 item 2): what hello's boot costs, counted
# rather than timed (tests assert behaviour; tests/bench/run.sh times it).
load ../helpers
HELLO=$B/apps/hello$IMG

setup() { need_kvm; }

@test "boot: hello takes few guest page faults (entries made accessed and dirty, so KVM maps neighbours too)" {
	[ "$(id -u)" = 0 ] || skip "counting KVM's page-table walks needs root (perf tracepoints)"
	command -v perf > /dev/null || skip "perf is not installed"
	run perf stat -x, -e kvmmmu:kvm_mmu_pagetable_walk "$RUN" "$HELLO"
	[ "$status" -eq 0 ] || skip "perf cannot count kvmmmu:kvm_mmu_pagetable_walk here: $output"
	walks=$(awk -F, '$3 == "kvmmmu:kvm_mmu_pagetable_walk" { print $1 }' <<< "$output")
	echo "walks: $walks"
	[[ $walks =~ ^[0-9]+$ ]]
	# 25 with clean entries (one fault per page, two for a page read then
	# written); 11 with them accessed and dirty on this host's shadow paging.
	[ "$walks" -le 16 ]
}

@test "boot: no heap in the monitor (symbols read only by a fault report), registers set once, with the first KVM_RUN" {
	command -v strace > /dev/null || skip "strace is not installed"
	run strace -f -e trace=brk,ioctl "$RUN" "$HELLO"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Hello from tincan!"* ]]
	[[ $output == *"KVM_RUN"* ]]
	! grep -q '^\(\[pid *[0-9]*\] \)\?brk(' <<< "$output"
	! grep -q 'KVM_SET_REGS\|KVM_GET_SREGS' <<< "$output"
}

@test "boot: the run loop reads its clocks from the vDSO (no clock_gettime system call after the first KVM_RUN)" {
	command -v strace > /dev/null || skip "strace is not installed"
	run strace -f -e trace=clock_gettime,ioctl "$RUN" "$TINY" sleep 30
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"KVM_RUN"* ]]
	after=$(sed -n '/KVM_RUN/,$p' <<< "$output" | grep -c 'clock_gettime(' || true)
	[ "$after" -eq 0 ]
}

@test "boot: tincan-run fits its budget (at most 64 KiB stripped, static, musl's functions packed, no .comment)" {
	size=$(stat -c %s "$RUN")
	echo "tincan-run: $size bytes"
	[ "$size" -le 65536 ]
	run readelf -lSW "$RUN"
	[ "$status" -eq 0 ]
	! grep -q 'INTERP\|\.comment\|\.symtab' <<< "$output"
	grep -q '\.text\.libc' <<< "$output"
}

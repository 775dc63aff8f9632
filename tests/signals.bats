# Signals inside one guest (tests/guests/signals.c).
load helpers
SIG=$B/tests/signals.tc

setup() { need_platform; }

@test "sigaction, masks, sigsetjmp, timers, EINTR, SIGPIPE (TAP from the guest)" {
	boot "$SIG"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "SIGPIPE's default action ends the guest with status 141" {
	boot "$SIG" pipe
	echo "$output"
	[ "$status" -eq 141 ]
	[[ $output == *"killed by signal 13 (SIGPIPE)"* ]]
	! [[ $output == *"write returned"* ]]
}

@test "alarm() wakes a guest that only pauses: SIGALRM's default action, status 142" {
	boot "$SIG" alarm
	echo "$output"
	[ "$status" -eq 142 ]
	[[ $output == *"killed by signal 14 (SIGALRM)"* ]]
	! [[ $output == *"pause returned"* ]]
}

@test "<signal.h> and <setjmp.h> with sigjmp_buf are clean under -std=c89 -pedantic and -ansi" {
	printf '#include <signal.h>\n#include <setjmp.h>\nint main(void) { return 0; }\n' > "$BATS_TEST_TMPDIR/a.c"
	printf '#define _POSIX_C_SOURCE 200809L\n#include <signal.h>\n#include <setjmp.h>\nstatic sigjmp_buf j;\nint main(void) { struct sigaction a; siginfo_t si; a.sa_flags = SA_SIGINFO | SA_RESTART; si.si_pid = 0; if (sigsetjmp(j, 1)) return a.sa_flags + si.si_pid; siglongjmp(j, 1); }\n' > "$BATS_TEST_TMPDIR/b.c"
	for std in -std=c89 -ansi; do
		"$B/bin/tincan-cc" $std -pedantic -Wall -Wextra -Werror -c "$BATS_TEST_TMPDIR/a.c" -o "$BATS_TEST_TMPDIR/a.o"
		"$B/bin/tincan-cc" $std -pedantic -Wall -Wextra -Werror -c "$BATS_TEST_TMPDIR/b.c" -o "$BATS_TEST_TMPDIR/b.o"
	done
}

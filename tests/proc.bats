# The process calls (tests/guests/proc.c): uname, limits and usage, ids of
# the one process, no children, no loader, time zones, flock, syslog.
load helpers
PROC=$B/tests/proc.tc

setup() { need_platform; }

@test "the process calls: every call and errno (TAP from the guest)" {
	boot "$PROC"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "syslog writes ident[pid]: message lines to stderr, masked and with %m" {
	run sh -c "timeout 20 $(boot_cmd) '$PROC' 2>&1 >/dev/null </dev/null"
	echo "$output"
	[ "${lines[0]}" = "proctest[1]: hello 42" ]
	[ "${lines[1]}" = "proctest[1]: open failed: No such file or directory (100%)" ]
	[ "${lines[2]}" = "proctest[1]: shown" ]
	[ "${lines[3]}" = "tincan[1]: after closelog" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "the new headers compile under -std=c89 -pedantic and -ansi" {
	src=$BATS_TEST_TMPDIR/h.c
	printf '#include <%s>\n' sys/utsname.h sys/resource.h sys/file.h syslog.h dlfcn.h time.h >"$src"
	echo 'int main(void) { struct rlimit r; struct utsname u; Dl_info d; (void)r; (void)u; (void)d; return LOG_UPTO(LOG_ERR) + LOCK_EX; }' >>"$src"
	run "$B/bin/tincan-cc" -std=c89 -pedantic -Werror -Wall -fsyntax-only "$src"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$B/bin/tincan-cc" -ansi -pedantic -Werror -Wall -fsyntax-only "$src"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "hello links none of the process calls" {
	[ "$(nm "$B/apps/hello.tc" | grep -c -w -e uname -e getrlimit -e syslog -e dlopen -e timegm -e flock)" -eq 0 ]
}

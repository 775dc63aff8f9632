# The directory tree in libos (tests/guests/files.c): directories, links,
# the *at calls, /tmp, /dev, the user database, each errno as on Linux.
load helpers
FILES=$B/tests/files.tc

setup() { need_platform; }

@test "the directory tree: every call and errno (TAP from the guest)" {
	boot --mem=64M "$FILES"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
	[[ $output == *"# via /dev/stdout"* ]]
}

@test "hello links none of the VFS" {
	[ "$(nm "$B/apps/hello.tc" | grep -c -e vfs -e ramfs -e devfs)" -eq 0 ]
}

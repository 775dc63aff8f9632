# Memory mappings inside one guest (tests/guests/mman.c): anonymous and
# private file mappings over the heap, and every refusal.
load helpers
MMAN=$B/tests/mman.tc

setup() { need_platform; }

@test "mmap and friends: every call and errno (TAP from the guest)" {
	boot --mem=64M "$MMAN"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "<sys/mman.h> compiles under -std=c89 -pedantic and gives Linux's values" {
	src=$BATS_TEST_TMPDIR/h.c
	cat >"$src" <<'C'
#include <sys/mman.h>
typedef char c1[MAP_ANONYMOUS == 0x20 && MAP_PRIVATE == 2 && MAP_SHARED == 1 && MAP_FIXED == 0x10 ? 1 : -1];
typedef char c2[PROT_READ == 1 && PROT_WRITE == 2 && PROT_EXEC == 4 && MS_SYNC == 4 && MS_ASYNC == 1 ? 1 : -1];
int main(void) { return MAP_FAILED == (void *)-1 ? 0 : 1; }
C
	run "$B/bin/tincan-cc" -std=c89 -pedantic -Werror -Wall -fsyntax-only "$src"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "hello does not link mmap" {
	run nm "$B/apps/hello.tc"
	[ "$status" -eq 0 ]
	! [[ $output == *" mmap"* ]]
}

@test "a shared file mapping reaches its host file at exit, without munmap" {
	[ "$PLATFORM" = kvm ] || skip "host directories are a kvm option"
	mkdir -p "$BATS_TEST_TMPDIR/d"
	run timeout 20 "$RUN" --dir="$BATS_TEST_TMPDIR/d:/d" "$MMAN" exit-write /d/f
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(head -c 15 "$BATS_TEST_TMPDIR/d/f")" = "written at exit" ]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/d/f")" -eq 4096 ]
}

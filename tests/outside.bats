# Projects from outside the tree, built with an installed prefix's tincan-cc.
load helpers

setup_file() {
	export PFX=$BATS_FILE_TMPDIR/prefix
	make -s -C "$BATS_TEST_DIRNAME/.." install PREFIX="$PFX" B="$B" BINFMT=0 >/dev/null
}

setup() { need_platform; }

@test "make CC=tincan-cc builds an ordinary multi-file project that boots with stdin piped in" {
	cp -R "$BATS_TEST_DIRNAME/outside/stats" "$BATS_TEST_TMPDIR/guest"
	cp -R "$BATS_TEST_DIRNAME/outside/stats" "$BATS_TEST_TMPDIR/host"
	cd "$BATS_TEST_TMPDIR/guest"
	# From a directory that is not the tree, with nothing but the prefix.
	run make CC="$PFX/bin/tincan-cc"
	echo "$output"
	[ "$status" -eq 0 ]
	make -s -C "$BATS_TEST_TMPDIR/host" CC=gcc >/dev/null
	input() { for i in $(seq 1 3000); do echo "$((i * 7919 % 1000)).$((i % 10)) $((i * 31 % 97))"; done; }
	input | "$BATS_TEST_TMPDIR/host/stats" > want
	input | timeout 20 "$PFX/bin/tincan-run" stats > got
	diff want got
	# The image also runs when exec'd directly, through the installed tincan-run.
	input | timeout 20 ./stats > got2
	diff want got2
}

@test "CC=tincan-cc ./configure && make: compile, link and run probes pass" {
	command -v autoconf >/dev/null || skip "autoconf is not installed"
	cp -R "$BATS_TEST_DIRNAME/outside/confproj" "$BATS_TEST_TMPDIR/c"
	cd "$BATS_TEST_TMPDIR/c"
	autoconf && autoheader
	run env CC="$PFX/bin/tincan-cc" ./configure
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"checking whether we are cross compiling... no"* ]]
	[[ $output == *"checking for clock_gettime... yes"* ]]
	[[ $output == *"checking for getentropy... yes"* ]]
	[[ $output == *"checking size of long... 8"* ]]
	[[ $output == *"checking size of void *... 8"* ]]
	run make
	[ "$status" -eq 0 ]
	run timeout 20 "$PFX/bin/tincan-run" confproj
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "configured: clock_gettime nanosleep getentropy sys/random.h, run probes in a guest" ]
	[ "${lines[1]}" = "sqrt(16) = 4" ]
}

@test "tincan-cc passes compile-only and preprocess modes through, and refuses -shared" {
	cd "$BATS_TEST_TMPDIR"
	printf '#include <stdio.h>\nint f(void) { return __tincan__; }\n' > f.c
	run "$PFX/bin/tincan-cc" -c -O2 -g -DX=1 -I. f.c -o f.o
	[ "$status" -eq 0 ]
	[ -f f.o ]
	run "$PFX/bin/tincan-cc" -E f.c
	[ "$status" -eq 0 ]
	[[ $output == *"newlib"* ]]
	run "$PFX/bin/tincan-cc" -shared -o f.so f.o
	[ "$status" -ne 0 ]
	[[ $output == *"-shared is not supported"* ]]
	run "$PFX/bin/tincan-cc" --version
	[ "$status" -eq 0 ]
}

@test "tincan-mkimage rewrites the manifest and tincan-run honours it" {
	cp "$B/apps/hello.tc" "$BATS_TEST_TMPDIR/h.tc"
	run "$PFX/bin/tincan-mkimage" --mem=2M --stack=128K --name=hello --print "$BATS_TEST_TMPDIR/h.tc"
	[ "$status" -eq 0 ]
	[[ $output == *"mem:     2048K"* ]]
	[[ $output == *"name:    hello"* ]]
	boot --mem=1M "$BATS_TEST_TMPDIR/h.tc"
	[ "$status" -eq 103 ]
	first_line_has "needs 2048 KiB of memory (its manifest says so): pass --mem=2048K or more"
	boot "$BATS_TEST_TMPDIR/h.tc"
	[ "$status" -eq 0 ]
	run "$PFX/bin/tincan-mkimage" --mem=lots "$BATS_TEST_TMPDIR/h.tc"
	[ "$status" -eq 2 ]
	run "$PFX/bin/tincan-mkimage" /bin/true
	[ "$status" -eq 1 ]
	[[ $output == *"not a static executable"* ]]
}

@test "libos names do not leak into the app's namespace" {
	cd "$BATS_TEST_TMPDIR"
	# Names libos and the platform use internally; an app may define them all.
	cat > names.c <<'C'
#include <stdio.h>
int libos = 1, fds = 2, files = 3, nodes = 4, console_init = 5, fd_install = 6, libos_main = 7;
int plat_exit = 8, plat_panic = 9, tc_kvm_start = 10, tc_hostexec = 11, libos_heap_init = 12;
void panic(const char *fmt, ...) { printf("my own panic: %s\n", fmt); }
int main(void)
{
	panic("works");
	printf("%d\n", libos + fds + files + nodes + console_init + fd_install + libos_main + plat_exit +
		       plat_panic + tc_kvm_start + tc_hostexec + libos_heap_init);
	return 0;
}
C
	run "$PFX/bin/tincan-cc" -o names names.c
	echo "$output"
	[ "$status" -eq 0 ]
	run timeout 20 "$PFX/bin/tincan-run" names
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "my own panic: works" ]
	[ "${lines[1]}" = "78" ]
}

@test "an app may define its own poll and select, and the VFS's and sched's names" {
	cd "$BATS_TEST_TMPDIR"
	cat > own.c <<'C'
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
int vfs_mount = 1, mount_of = 2, path_normalize = 3, fd_activity = 4, ramfs_ops = 5, sock_get = 6;
int poll(struct pollfd *p, nfds_t n, int t) { (void)p; (void)n; return t + 1; }
int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) { (void)r, (void)w, (void)e, (void)tv; return n * 2; }
int main(void)
{
	FILE *f = fopen("x", "w");
	printf("%d %d %d %d\n", poll(NULL, 0, 41), select(21, NULL, NULL, NULL, NULL), f != NULL,
	       vfs_mount + mount_of + path_normalize + fd_activity + ramfs_ops + sock_get);
	return 0;
}
C
	run "$PFX/bin/tincan-cc" -o own own.c
	echo "$output"
	[ "$status" -eq 0 ]
	run timeout 20 "$PFX/bin/tincan-run" own
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "42 42 1 21" ]
}

@test "tincan-cc links from a prefix whose path has a space, and refuses an unbuilt platform" {
	cp -R "$PFX" "$BATS_TEST_TMPDIR/with space"
	echo 'int main(void) { return 7; }' > "$BATS_TEST_TMPDIR/seven.c"
	run "$BATS_TEST_TMPDIR/with space/bin/tincan-cc" -o "$BATS_TEST_TMPDIR/seven" "$BATS_TEST_TMPDIR/seven.c"
	echo "$output"
	[ "$status" -eq 0 ]
	run timeout 20 "$PFX/bin/tincan-run" "$BATS_TEST_TMPDIR/seven"
	[ "$status" -eq 7 ]
	run "$PFX/bin/tincan-cc" --platform=nosuch -c "$BATS_TEST_TMPDIR/seven.c"
	[ "$status" -eq 1 ]
	[[ $output == *"platform 'nosuch' is not built"*"(built: kvm)"* ]]
	run "$PFX/bin/tincan-cc" --platform=kvm -c -o "$BATS_TEST_TMPDIR/seven.o" "$BATS_TEST_TMPDIR/seven.c"
	[ "$status" -eq 0 ]
}

@test "tincan-cc accepts -rdynamic, -Wl,-E, -pthread and -fPIC objects, and still refuses -shared and PIE" {
	cd "$BATS_TEST_TMPDIR"
	cat > lib.c <<'C'
int counter = 40;
static int add(int a) { return counter + a; }
int (*fp)(int) = add;
int bump(void) { return fp(2); }
C
	cat > main.c <<'C'
#include <pthread.h>
#include <stdio.h>
int bump(void);
int main(void)
{
#ifdef _REENTRANT
	printf("reentrant %d\n", bump());
#endif
	return 0;
}
C
	run "$PFX/bin/tincan-cc" -fPIC -O2 -c lib.c -o lib.o
	[ "$status" -eq 0 ]
	run "$PFX/bin/tincan-cc" -fpic -c lib.c -o lib2.o
	[ "$status" -eq 0 ]
	run "$PFX/bin/tincan-cc" -pthread -c main.c -o main.o
	[ "$status" -eq 0 ]
	run "$PFX/bin/tincan-cc" -pthread -rdynamic -export-dynamic -Wl,-E -Wl,--export-dynamic,-O1 \
		-Xlinker -E -Xlinker --export-dynamic -o app main.o lib.o
	echo "$output"
	[ "$status" -eq 0 ]
	# A static image: no dynamic symbol table.
	run readelf -S app
	[[ $output != *".dynsym"* ]]
	run timeout 20 "$PFX/bin/tincan-run" app
	[ "$status" -eq 0 ]
	[ "$output" = "reentrant 42" ]
	run "$PFX/bin/tincan-cc" -o app2 main.o lib2.o -Wl,-E
	[ "$status" -eq 0 ]
	run timeout 20 ./app2
	[ "$output" = "reentrant 42" ]
	for f in -shared -pie -static-pie; do
		run "$PFX/bin/tincan-cc" "$f" -o x.so lib.o
		[ "$status" -eq 1 ]
		[[ $output == *"tincan-cc: $f is not supported: tincan images are static executables"* ]]
	done
	[ ! -e x.so ]
}

@test "tincan-cc answers gcc's -print and -dump queries for the tincan target" {
	T=$PFX/lib/tincan
	run "$PFX/bin/tincan-cc" -dumpmachine
	[ "$status" -eq 0 ]
	[ "$output" = "x86_64-tincan-elf" ]
	run "$PFX/bin/tincan-cc" -dumpversion
	[ "$status" -eq 0 ]
	[ "$output" = "$(gcc -dumpversion)" ]
	run "$PFX/bin/tincan-cc" --version
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "gcc "* ]]
	run "$PFX/bin/tincan-cc" -v
	[ "$status" -eq 0 ]
	[[ $output == *"gcc version"* ]]
	run "$PFX/bin/tincan-cc" -print-search-dirs
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "install: /"* ]]
	[[ ${lines[1]} == "programs: ="* ]]
	[ "${lines[2]}" = "libraries: =$T/kvm/:$T/lib/:$T/newlib/lib/:${lines[0]#install: }" ]
	[[ $output != *"x86_64-linux-gnu/lib"* && $output != *":/usr/lib/:"* ]]
	run "$PFX/bin/tincan-cc" -print-file-name=libc.a
	[ "$output" = "$T/newlib/lib/libc.a" ]
	[ -f "$output" ]
	run "$PFX/bin/tincan-cc" -print-file-name=libpthread.a
	[ "$output" = "$T/lib/libpthread.a" ]
	run "$PFX/bin/tincan-cc" -print-file-name=libos.o
	[ "$output" = "$T/kvm/libos.o" ]
	run "$PFX/bin/tincan-cc" -print-file-name=libgcc.a
	[ -f "$output" ]
	run "$PFX/bin/tincan-cc" -print-file-name=include
	[ -f "$output/stddef.h" ]
	# Not the host's: a name tincan does not have is echoed back, as gcc does.
	run "$PFX/bin/tincan-cc" -print-file-name=libstdc++.so.6
	[ "$output" = "libstdc++.so.6" ]
	run "$PFX/bin/tincan-cc" -print-libgcc-file-name
	[ -f "$output" ]
	run "$PFX/bin/tincan-cc" -print-prog-name=ld
	[ "$status" -eq 0 ]
	command -v "$output"
	run "$PFX/bin/tincan-cc" -print-multiarch
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run "$PFX/bin/tincan-cc" -print-multi-os-directory
	[ "$output" = "." ]
	run "$PFX/bin/tincan-cc" -print-multi-lib
	[ "$output" = ".;" ]
	run "$PFX/bin/tincan-cc" -print-sysroot
	[ "$output" = "$T/sysroot" ]
	[ -d "$output" ]
	# Several at once, in order, with other arguments ignored like gcc does.
	run "$PFX/bin/tincan-cc" -dumpmachine -print-file-name=libm.a -c nosuch.c
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "x86_64-tincan-elf" ]
	[ "${lines[1]}" = "$T/newlib/lib/libm.a" ]
}

@test "CC=tincan-cc cmake: a minimal C project with threads, libm and exports builds an image that runs" {
	command -v cmake >/dev/null || skip "cmake is not installed"
	cd "$BATS_TEST_TMPDIR"
	cat > CMakeLists.txt <<'C'
cmake_minimum_required(VERSION 3.10)
project(hi C)
find_package(Threads REQUIRED)
add_executable(hi main.c)
set_target_properties(hi PROPERTIES ENABLE_EXPORTS ON)
target_link_libraries(hi Threads::Threads m)
C
	cat > main.c <<'C'
#include <math.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	printf("cmake %s %d\n", argc > 1 ? argv[1] : "-", (int)sqrt(49.0));
	return 0;
}
C
	run env CC="$PFX/bin/tincan-cc" cmake -S . -B b
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"The C compiler identification is GNU"* ]]
	run cmake --build b
	echo "$output"
	[ "$status" -eq 0 ]
	run timeout 20 "$PFX/bin/tincan-run" b/hi -- arg
	[ "$status" -eq 0 ]
	[ "$output" = "cmake arg 7" ]
}

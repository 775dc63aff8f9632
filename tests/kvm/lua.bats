# Lua from Debian's lua5.4 source (make generic CC=tincan-cc; tests/yard/
# build.sh, no edits) runs the bench's scripts (tests/bench/lua) from a host
# directory, at small sizes, and prints what Lua prints on Linux.
load ../helpers

LUA=$B/yard/tincan/lua

setup() {
	need_kvm
	[ -x "$LUA" ] || { echo "$LUA was not built (make test builds it)"; return 1; }
}

lua() {
	run timeout 60 "$RUN" --dir="$TESTS/bench/lua:/lua" "$LUA" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "Lua: the bench's scripts print Linux's results" {
	lua /lua/fib.lua 20
	[ "$output" = "fib(20) = 6765" ]
	lua /lua/table.lua 1
	[ "$output" = "$(printf 'table\t60000250000')" ]
	lua /lua/string.lua 1
	[ "$output" = "$(printf 'string\t1271944')" ]
	lua /lua/grow.lua 1
	[ "$output" = "$(printf 'grow\t2320000')" ]
}

@test "Lua: errors, closures, coroutines, string.format of floats, os.time" {
	lua -e 'local ok, e = pcall(error, "boom"); print(ok, e)
		local function counter() local n = 0; return function() n = n + 1; return n end end
		local c = counter(); c(); print(c())
		local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); print("got", b) end)
		print(co(1)); co(7)
		print(string.format("%.3f %g %5.1e", math.pi, 2^53, 12345.678))
		print(os.time() > 1600000000, #tostring({}) > 0)'
	[ "${lines[0]}" = "$(printf 'false\tboom')" ]
	[ "${lines[1]}" = 2 ]
	[ "${lines[2]}" = 2 ]
	[ "${lines[3]}" = "$(printf 'got\t7')" ]
	[ "${lines[4]}" = "3.142 9.0072e+15 1.2e+04" ]
	[ "${lines[5]}" = "$(printf 'true\ttrue')" ]
}

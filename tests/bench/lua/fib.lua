-- Calls and integer arithmetic in the VM: no allocation, no library.
local function fib(n)
	if n < 2 then return n end
	return fib(n - 1) + fib(n - 2)
end
local n = tonumber(arg and arg[1]) or 35
local r = fib(n)
assert(n ~= 35 or r == 9227465)
print(string.format("fib(%d) = %d", n, r))

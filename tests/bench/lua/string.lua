-- String work: building with .. and table.concat, string.format,
-- gsub with a pattern and a function, find, byte/char, rep, upper.
local rounds = tonumber(arg and arg[1]) or 12
local total = 0
for r = 1, rounds do
	local parts = {}
	for i = 1, 50000 do
		parts[#parts + 1] = string.format("%d:%s;", i, ("x"):rep(i % 17))
	end
	local s = table.concat(parts)
	local t = s:gsub("(%d+):(x*)", function(n, x) return #x .. "=" .. n end)
	local u = t:gsub("x", "y"):upper()
	local n = 0
	for w in u:gmatch("%d+=") do n = n + #w end
	local acc = ""
	for i = 1, 3000 do acc = acc .. string.char(65 + i % 26) end
	total = total + #s + #t + n + #acc + (u:find("49999=", 1, true) or 0)
end
print("string", total)

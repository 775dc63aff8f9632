-- Growth: many tables and buffers grown one element at a time, so the
-- allocator reallocates as they double (the array parts and the hash
-- parts), and long strings built up in a buffer (table.concat, rep).
local rounds = tonumber(arg and arg[1]) or 12
local total = 0
for r = 1, rounds do
	local ts = {}
	for j = 1, 200 do
		local t = {}
		for i = 1, 5000 do t[i] = i end
		local h = {}
		for i = 1, 2000 do h[i * 7919] = i end
		ts[j] = t
		total = total + #t
	end
	local big = {}
	for i = 1, 1000000 do big[i] = i end
	total = total + #big
	local s = {}
	for i = 1, 2000 do s[i] = ("%08d"):format(i):rep(20) end
	total = total + #table.concat(s)
end
print("grow", total)

-- Table inserts and lookups: integer keys (the array part), string keys
-- (the hash part, interned strings), and float keys; tables dropped and
-- collected as it goes.
local rounds = tonumber(arg and arg[1]) or 4
local sum = 0
for r = 1, rounds do
	local a, h = {}, {}
	for i = 1, 200000 do
		a[i] = i * r
		h["k" .. (i % 50000)] = i
	end
	for i = 1, 200000 do
		sum = sum + a[i] + (h["k" .. (i % 50000)] or 0)
	end
	local f = {}
	for i = 1, 100000 do f[i + 0.5] = i end
	for i = 1, 100000 do sum = sum + f[i + 0.5] end
end
print("table", sum)

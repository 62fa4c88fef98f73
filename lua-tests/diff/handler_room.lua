-- A message handler for a stack overflow has extra room for its calls and for natives'
-- results (table.unpack, string.unpack count against the same limit).
local function rec(n) return rec(n + 1) + 1 end
print(xpcall(rec, function(m) return table.unpack({1, 2, 3}) end, 1))
print(xpcall(rec, function(m) return string.unpack("i4i4", string.pack("i4i4", 7, 8)) end, 1))
print(xpcall(rec, function(m) return select('#', table.unpack({}, 1, 100)) end, 1))
print(pcall(table.unpack, {}, 1, 1e7))
-- select's count form: any string starting with '#'.
print(select('#x', 1, 2), select('#', 1), pcall(select, 'x#', 1))

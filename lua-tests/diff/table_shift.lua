-- table.insert / table.remove shifting elements, in and past the array part.
local function dump(t, n) local o = {} for i = 1, n do o[i] = tostring(t[i]) end return table.concat(o, ",") end
local t = {}
for i = 1, 10 do table.insert(t, i) end
table.insert(t, 1, "a") table.insert(t, 5, "b") table.insert(t, #t + 1, "c")
print(#t, dump(t, 14))
print(table.remove(t, 1), table.remove(t, 3), table.remove(t), #t, dump(t, 12))
local h = {} h[1] = 1 h[2] = 2 h[3] = 3 h[5] = 5 h.x = 1
for i = 6, 9 do h[i] = i end
print(#h, dump(h, 10))
table.insert(h, 2, "z") print(#h, dump(h, 11))
print(table.remove(h, 1), #h, dump(h, 11))
local q = {}
for round = 1, 200 do
  table.insert(q, round)
  if round % 3 == 0 then table.remove(q, 1) end
  if round % 7 == 0 then table.insert(q, (round % #q) + 1, -round) end
  if round % 11 == 0 then table.remove(q, (round % #q) + 1) end
end
print(#q, dump(q, #q))
local e = {} print(table.remove(e), #e, table.remove(e, 1), #e)
local s = {n = 1} table.insert(s, "x") table.insert(s, 1, "y") print(#s, dump(s, 3), table.remove(s, 1), dump(s, 3))

-- The collector keeps up with programs whose garbage is long strings: `s = s .. x` on a
-- growing string makes each result a new string one byte longer than the last, so 6,000
-- steps make about 18 MB of dead strings in well under one execution slice. The heap must
-- stay near the live data, not hold them all.
collectgarbage()
local base = collectgarbage("count")
local s = ""
for i = 1, 6000 do
  s = s .. "x"
end
assert(#s == 6000)
local grown = collectgarbage("count") - base
assert(grown < 4096, "heap grew by " .. grown .. " KB")

-- The same with table.concat results joined with `..`, each kept only until the next step.
local parts = {}
for i = 1, 200 do parts[i] = "abcdefghij" end
local t
for i = 1, 6000 do
  t = table.concat(parts, "", 1, 1 + i % 200) .. i
end
grown = collectgarbage("count") - base
assert(grown < 4096, "heap grew by " .. grown .. " KB")

print("gc_garbage_strings OK")

-- The cache of recent short strings (`State::string_cache`, 1,024 slots) does not keep
-- garbage alive across a collection: it is emptied as each cycle begins
-- (`Runtime::forget_cached_strings`). Before, a loop's last 1,024 temporary strings stayed
-- in the heap for one more cycle, and that raised the next cycle's threshold with them:
-- strings.lua peaked 200 KB higher.
collectgarbage()
local base = collectgarbage("count")

-- Distinct short strings, all garbage once made.
local n = 0
for i = 1, 20000 do
  local word = "w" .. i .. "_" .. (i % 7)
  n = n + #word
end
assert(n > 0)

collectgarbage()
local after = collectgarbage("count")
-- 1,024 cached strings would count 64 KB; what remains is the loop's own bookkeeping.
assert(after - base < 16, string.format("%.1f KB of strings outlived a full collection", after - base))

-- Strings the program still holds are unaffected, and equal strings made afterwards
-- still compare and index equal to them.
local keep = {}
for i = 1, 100 do keep[i] = "k" .. i end
collectgarbage()
local t = {}
for i = 1, 100 do t["k" .. i] = i end
for i = 1, 100 do
  assert(keep[i] == "k" .. i)
  assert(t[keep[i]] == i)
end

print("gc string cache OK")

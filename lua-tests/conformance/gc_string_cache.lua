-- The cache of recent short strings (`State::string_cache`, 1,024 slots) does not keep
-- garbage alive across a collection: as each cycle begins it drops the strings no lookup
-- found since the last one (`State::forget_cached_strings`). Before, a loop's last 1,024
-- temporary strings stayed in the heap for one more cycle, and raised the next cycle's
-- threshold with them. Strings found again stay cached, so a name met again and again is
-- still one object (emptying the whole cache made compiler.lua's heap 5 MB larger).
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

-- A string found again stays for the next cycle; found no more, it goes at the one after,
-- even when the program makes no strings in between.
collectgarbage()
local base2 = collectgarbage("count")
for _ = 1, 2 do
  for i = 1, 500 do
    local w = "h" .. i -- the second round finds each in the cache
    assert(#w > 1)
  end
end
collectgarbage()
collectgarbage()
local after2 = collectgarbage("count")
assert(after2 - base2 < 16, string.format("%.1f KB of found strings outlived two collections", after2 - base2))

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

-- A program keeping 20,000 copies of 100 names made at run time holds 100 strings whether
-- or not collections run meanwhile: with the cache emptied at each cycle, every
-- collection below would have left 100 new duplicates behind (58 KB more).
local function keep_names(collect)
  collectgarbage()
  local before = collectgarbage("count")
  local names = {}
  for i = 1, 20000 do
    names[i] = "name" .. (i % 100)
    if collect and i % 2000 == 0 then collectgarbage() end
  end
  collectgarbage()
  return collectgarbage("count") - before, names
end
local quiet = keep_names(false)
local collected = keep_names(true)
assert(math.abs(collected - quiet) < 16,
  string.format("%.1f KB without collections, %.1f KB with them", quiet, collected))

print("gc string cache OK")

-- os.clock is the processor time of the process, with microsecond resolution (C's clock()).
local c0 = os.clock()
assert(math.type(c0) == "float" and c0 >= 0)

-- Resolution: the next distinct reading is well under a 10 ms scheduler tick away.
local smallest = math.huge
for _ = 1, 5 do
  local a = os.clock()
  local b
  repeat b = os.clock() until b ~= a
  smallest = math.min(smallest, b - a)
end
assert(smallest < 0.002, "os.clock moves in steps of " .. smallest)

-- Readings are whole microseconds.
for _ = 1, 20 do
  local c = os.clock() * 1e6
  assert(math.abs(c - math.floor(c + 0.5)) < 1e-3, c)
end

-- Processor time, not wall time: busy work makes it advance, and it never goes back.
local start = os.clock()
local x = 0
for i = 1, 2e6 do x = x + i % 7 end
local spent = os.clock() - start
assert(spent > 0 and spent < 60, spent)

-- Waiting for a child process costs this process next to no processor time.
local before = os.clock()
assert(os.execute("sleep 0.5"))
assert(os.clock() - before < 0.25, "os.clock counted time spent waiting")

print("os_clock OK")

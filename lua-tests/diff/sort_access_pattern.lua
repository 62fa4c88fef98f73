-- table.sort through __index/__newindex/__len: the reads, writes and comparisons it makes,
-- in order, are lua5.4's (each element read once per scan step, swaps writing the values
-- the scans read). Ranges below 100 elements and balanced partitions, where lua5.4's pivot
-- choice is not random.

local function lcg(seed)
  return function()
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed // 256
  end
end

local function proxy(data, n, log)
  return setmetatable({}, {
    __index = function(_, k) log[#log + 1] = 'r' .. k return data[k] end,
    __newindex = function(_, k, v) log[#log + 1] = 'w' .. k data[k] = v end,
    __len = function() return n end,
  })
end

local function checksum(log)
  local h = 0
  for i = 1, #log do
    local s = log[i]
    for j = 1, #s do h = (h * 31 + s:byte(j)) % 1000000007 end
  end
  return h
end

for _, n in ipairs({2, 3, 5, 17, 60, 99}) do
  local rand = lcg(n)
  local data = {}
  for i = 1, n do data[i] = rand() % 50 end
  local log = {}
  local ncmp = 0
  table.sort(proxy(data, n, log), function(a, b) ncmp = ncmp + 1 log[#log + 1] = 'c' return a < b end)
  local reads, writes = 0, 0
  for _, e in ipairs(log) do
    if e:sub(1, 1) == 'r' then reads = reads + 1 elseif e:sub(1, 1) == 'w' then writes = writes + 1 end
  end
  for i = 2, n do assert(data[i - 1] <= data[i]) end
  print(n, 'reads', reads, 'writes', writes, 'compares', ncmp, 'trace', checksum(log))
  if n <= 5 then print(table.concat(log, ' ')) end
end

-- Without a comparator, through __lt on the elements.
local mt = {__lt = function(a, b) return a.v < b.v end}
local rand = lcg(7)
local data = {}
for i = 1, 40 do data[i] = setmetatable({v = rand() % 30}, mt) end
local log = {}
table.sort(proxy(data, 40, log))
print('__lt', #log, checksum(log))

print('sort_access_pattern OK')

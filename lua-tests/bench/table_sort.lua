-- table_sort.lua: table.sort as applications use it: integers and strings in natural order,
-- records by a comparator on several fields, descending order, and re-sorting an already
-- sorted array; checks the order and folds it into a checksum.
-- (piccolo lacks table.sort: n/a.)

local function lcg(seed)
  return function()
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed // 256
  end
end

local function by_score_then_name(a, b)
  if a.score ~= b.score then return a.score > b.score end
  if a.name ~= b.name then return a.name < b.name end
  return a.id < b.id
end

local checksum = 0
for round = 1, 10 do
  local rand = lcg(round)

  local ints = {}
  for i = 1, 20000 do ints[i] = rand() % 100000 end
  table.sort(ints)
  for i = 2, #ints do assert(ints[i - 1] <= ints[i]) end
  checksum = (checksum + ints[1] + ints[#ints // 2] * 3 + ints[#ints]) % 1000000007

  local names = {}
  for i = 1, 8000 do names[i] = "item" .. (rand() % 50000) .. "_" .. (i % 7) end
  table.sort(names)
  checksum = checksum + #names[1] + #names[#names]

  local records = {}
  for i = 1, 8000 do
    records[i] = { id = i, name = names[rand() % #names + 1], score = rand() % 100 }
  end
  table.sort(records, by_score_then_name)
  for i = 1, #records, 97 do
    checksum = (checksum * 31 + records[i].id) % 1000000007
  end

  table.sort(ints, function(a, b) return a > b end)
  checksum = (checksum + ints[1] - ints[#ints]) % 1000000007
  table.sort(ints, function(a, b) return a > b end)
  checksum = (checksum + ints[100]) % 1000000007
end

print("table_sort", checksum)

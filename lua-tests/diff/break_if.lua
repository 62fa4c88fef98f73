-- `if <condition> then break end` in every kind of loop, with conditions of every shape
-- (comparisons, and/or chains, constants, nil, values kept by `or`), in `elseif` branches,
-- next to to-be-closed variables, and with line hooks watching.

local function run(name, f)
  local ok, a, b = pcall(f)
  print(name, ok, a, b)
end

run("while", function()
  local i = 0
  while true do
    i = i + 1
    if i >= 5 then break end
  end
  return i
end)

run("numeric for and/or", function()
  local n, hits = 0, 0
  for i = 1, 100 do
    n = i
    if i > 3 and i % 7 == 0 or i == 50 then break end
    hits = hits + 1
  end
  return n, hits
end)

run("generic for", function()
  local last
  for k, v in ipairs({ 10, 20, 30, 40 }) do
    last = v
    if v == 30 then break end
  end
  return last
end)

run("repeat", function()
  local i = 0
  repeat
    local j = i * 2
    i = i + 1
    if j > 10 then break end
  until i > 100
  return i
end)

run("constants", function()
  local count = 0
  for _ = 1, 3 do
    if nil then break end
    if false then break end
    count = count + 1
  end
  for _ = 1, 3 do
    count = count + 10
    if true then break end
  end
  for _ = 1, 3 do
    count = count + 100
    if 0 then break end
  end
  return count
end)

run("elseif and else", function()
  local log = {}
  for i = 1, 10 do
    if i == 2 then
      log[#log + 1] = "two"
    elseif i == 4 then
      break
    elseif i == 1 then
      log[#log + 1] = "one"
    else
      log[#log + 1] = tostring(i)
    end
  end
  return table.concat(log, ",")
end)

run("not and values", function()
  local t = { a = false, b = nil, c = 1 }
  local seen = 0
  for _, key in ipairs({ "a", "b", "c", "d" }) do
    seen = seen + 1
    if not (t[key] == false or t[key] == nil) then break end
  end
  local x
  for i = 1, 5 do
    x = i
    if (x > 2 and "yes") or nil then break end
  end
  return seen, x
end)

run("nested", function()
  local out = {}
  for i = 1, 3 do
    for j = 1, 3 do
      if j > i then break end
      out[#out + 1] = i .. j
    end
  end
  return table.concat(out, " ")
end)

run("to-be-closed", function()
  local log = {}
  for i = 1, 3 do
    local c <close> = setmetatable({}, { __close = function() log[#log + 1] = "close" .. i end })
    log[#log + 1] = "body" .. i
    if i == 2 then break end
  end
  return table.concat(log, ",")
end)

run("captured", function()
  local fs = {}
  for i = 1, 5 do
    fs[#fs + 1] = function() return i end
    if i == 3 then break end
  end
  return #fs, fs[3]()
end)

run("metamethod condition", function()
  local mt = { __lt = function(a, b) return a.v < b.v end }
  local lim = setmetatable({ v = 3 }, mt)
  local i = 0
  while true do
    i = i + 1
    if lim < setmetatable({ v = i }, mt) then break end
  end
  return i
end)

run("error in condition", function()
  for i = 1, 3 do
    if i > nil then break end
  end
end)

-- line events around the breaks (the condition's jump is on the `then` line)
local lines = {}
local function traced()
  local i = 0
  while true do
    i = i + 1
    if i == 2
    then break end
  end
  for k = 1, 3 do
    if k == 2 then break end
  end
  return i
end
debug.sethook(function(_, line) lines[#lines + 1] = line end, "l")
traced()
debug.sethook()
print("lines", table.concat(lines, " "))

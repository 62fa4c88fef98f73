-- Calls of vararg Lua functions from every place that enters a Lua callee directly: a
-- call, a tail call, a generic `for` iterator and a metamethod. The extra arguments stay
-- below the frame as its varargs and the fixed parameters move above them.

local function show(...)
  local parts = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    parts[i] = type(v) == "table" and "tbl" or tostring(v)
  end
  return "[" .. table.concat(parts, ",") .. "]"
end

local function fixed_and_rest(a, b, ...)
  return show(a, b) .. show(...) .. select("#", ...)
end

print(fixed_and_rest())
print(fixed_and_rest(1))
print(fixed_and_rest(1, 2))
print(fixed_and_rest(1, 2, 3))
print(fixed_and_rest(1, 2, nil, nil))
print(fixed_and_rest(table.unpack({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 1, 10)))

-- Locals declared after the parameters start as nil, whatever the stack held before.
local function locals_after(a, ...)
  local x, y
  local n = select("#", ...)
  return a, x, y, n
end
do
  local junk1, junk2, junk3 = "j1", "j2", "j3"
  print(junk1, junk2, junk3, locals_after("a", "b", "c"))
  print(locals_after())
end

-- Results: none, one, several, all.
local function many(...) return ... end
local function count(...) return select("#", ...) end
print(count(many()), count(many(1)), count(many(1, nil, 3)), count(many(nil, nil)))
local a, b, c, d = many(1, 2, 3)
print(a, b, c, d)
local t = {many(4, 5, 6)}
print(#t, t[1], t[3])

-- Tail calls into a vararg function, with more and fewer arguments than the caller had.
local function tail_more(x) return fixed_and_rest(x, x + 1, x + 2, x + 3) end
local function tail_fewer(...) return fixed_and_rest(...) end
print(tail_more(10))
print(tail_fewer(7))
print(tail_fewer(7, 8, 9))
local function countdown(n, ...)
  if n == 0 then return select("#", ...), ... end
  return countdown(n - 1, n, ...)
end
print(countdown(5))

-- Recursion through a vararg function, deep enough to move the stack.
local function depth(n, ...)
  if n == 0 then return select("#", ...) end
  return 1 + depth(n - 1, n, ...)
end
print(depth(150))

-- A vararg iterator in a generic `for`.
local function iter(state, i, ...)
  assert(select("#", ...) == 0)
  if i < state then return i + 1, i * i end
end
for i, sq in iter, 3, 0 do io.write(i, ":", sq, " ") end
print()

-- Vararg metamethods.
local mt = {
  __index = function(...) return select("#", ...) .. ":" .. tostring((select(2, ...))) end,
  __add = function(...) return show(...) end,
  __call = function(self, ...) return show(...) end,
  __lt = function(...) return select("#", ...) == 2 end,
}
local obj = setmetatable({}, mt)
print(obj.field, obj[42])
print(obj + 1, 2 + obj)
print(obj(1, 2, 3), obj())
print(obj < obj)

-- A closure over a vararg function's fixed parameter and upvalues.
local function make(prefix, ...)
  local n = select("#", ...)
  return function(...) return prefix .. n .. show(...) end
end
print(make("p", 1, 2)(3, 4))

-- Errors name the right function and line, and recursion without end overflows.
local function bad(a, ...)
  local x = nil
  return x.field
end
print(pcall(bad, 1, 2, 3))
local function forever(...) return 1 + forever(...) end
local ok, err = pcall(forever, 1, 2)
print(ok, (tostring(err):gsub("^.-:%d+: ", "")))

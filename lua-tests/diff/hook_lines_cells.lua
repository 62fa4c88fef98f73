-- Line events around captured locals (kept in cells here, in registers in lua5.4) and
-- multi-line return values: a recursive local function, methods defined on a captured
-- table, a returned closure, a return whose values span lines.
local lines = {}
local function hook(e, l) lines[#lines + 1] = l end
debug.sethook(hook, "l")
local function fact(n)
  if n <= 1 then return 1 end
  return n * fact(n - 1)
end
local Obj = {}
Obj.__index = Obj
function Obj.new(v)
  return setmetatable({ v = v }, Obj)
end
function Obj:get()
  return self.v
end
local function counter()
  local n = 0
  return function()
    n = n + 1
    return n
  end
end
local function pair(a,
                    b)
  return a,
         b
end
local c = counter()
c()
local o = Obj.new(fact(3))
local x, y = pair(o:get(),
                  c())
debug.sethook()
print(table.concat(lines, " "))
print(x, y)

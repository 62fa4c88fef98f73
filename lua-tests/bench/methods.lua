-- methods.lua: OO style code: metatables with __index classes, inheritance, obj:m() calls.
local Point = {}
Point.__index = Point

function Point.new(x, y)
  return setmetatable({ x = x, y = y }, Point)
end

function Point:add(other)
  return Point.new(self.x + other.x, self.y + other.y)
end

function Point:dot(other)
  return self.x * other.x + self.y * other.y
end

function Point:move(dx, dy)
  self.x = self.x + dx
  self.y = self.y + dy
end

-- Inheritance: Point3 looks up missing methods in Point through a metatable chain.
local Point3 = setmetatable({}, { __index = Point })
Point3.__index = Point3

function Point3.new(x, y, z)
  local p = setmetatable({ x = x, y = y, z = z }, Point3)
  return p
end

function Point3:dot(other)
  return self.x * other.x + self.y * other.y + self.z * other.z
end

local Counter = {}
Counter.__index = Counter
function Counter.new()
  return setmetatable({ n = 0 }, Counter)
end
function Counter:incr(by)
  self.n = self.n + by
  return self
end
function Counter:get()
  return self.n
end

local checksum = 0
local c = Counter.new()
local origin = Point.new(1, 2)
for i = 1, 600000 do
  local p = Point.new(i, i % 17)
  local q = p:add(origin)
  checksum = (checksum + q:dot(p)) % 1000000007
  p:move(1, -1)
  local r = Point3.new(i % 5, p.y, 3)
  -- move is inherited from Point, dot is overridden by Point3.
  r:move(2, 2)
  checksum = (checksum + r:dot(r)) % 1000000007
  c:incr(1):incr(i % 3)
end

print("methods", checksum, c:get())

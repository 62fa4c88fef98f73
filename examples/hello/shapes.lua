-- A tiny class module: one metatable shared by every shape.
local M = {}
local Shape = {}
Shape.__index = Shape

function Shape:describe()
  return string.format("%s with area %.2f", self.kind, self:area())
end

function Shape:area()
  if self.kind == "square" then return self.size * self.size end
  return math.pi * self.size ^ 2
end

function M.square(size) return setmetatable({ kind = "square", size = size }, Shape) end
function M.circle(radius) return setmetatable({ kind = "circle", size = radius }, Shape) end

return M

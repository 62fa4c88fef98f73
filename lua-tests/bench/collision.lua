-- collision.lua: a 2D physics step with small vector objects created per operation
-- (Vec:add/sub/scale return new vectors), circles in a box, a uniform-grid broad phase,
-- pairwise narrow phase and impulse resolution. Checksums are integers made from the
-- final state. (piccolo 0.3.3 panics part-way with "map slot must be pre-reserved".)

local Vec = {}
Vec.__index = Vec

local function vec(x, y)
  return setmetatable({ x = x, y = y }, Vec)
end

function Vec:add(o) return vec(self.x + o.x, self.y + o.y) end
function Vec:sub(o) return vec(self.x - o.x, self.y - o.y) end
function Vec:scale(k) return vec(self.x * k, self.y * k) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end
function Vec:len2() return self.x * self.x + self.y * self.y end

local Body = {}
Body.__index = Body

function Body.new(id, pos, vel, radius)
  return setmetatable({ id = id, pos = pos, vel = vel, radius = radius, mass = radius * radius, hits = 0 }, Body)
end

function Body:integrate(dt, gravity)
  self.vel = self.vel:add(gravity:scale(dt))
  self.pos = self.pos:add(self.vel:scale(dt))
end

function Body:bounce(w, h)
  local p, v, r = self.pos, self.vel, self.radius
  if p.x < r then
    self.pos = vec(r, p.y)
    self.vel = vec(-v.x * 0.9, v.y)
  elseif p.x > w - r then
    self.pos = vec(w - r, p.y)
    self.vel = vec(-v.x * 0.9, v.y)
  end
  p, v = self.pos, self.vel
  if p.y < r then
    self.pos = vec(p.x, r)
    self.vel = vec(v.x, -v.y * 0.9)
  elseif p.y > h - r then
    self.pos = vec(p.x, h - r)
    self.vel = vec(v.x, -v.y * 0.9)
  end
end

local World = {}
World.__index = World

function World.new(w, h, cell)
  return setmetatable({ w = w, h = h, cell = cell, bodies = {}, gravity = vec(0, -9.8), contacts = 0 }, World)
end

function World:add(body)
  self.bodies[#self.bodies + 1] = body
end

function World:resolve(a, b)
  local delta = b.pos:sub(a.pos)
  local dist2 = delta:len2()
  local rsum = a.radius + b.radius
  if dist2 >= rsum * rsum or dist2 == 0 then return end
  self.contacts = self.contacts + 1
  a.hits = a.hits + 1
  b.hits = b.hits + 1
  local dist = math.sqrt(dist2)
  local normal = delta:scale(1 / dist)
  local rel = b.vel:sub(a.vel):dot(normal)
  local total = a.mass + b.mass
  -- Push apart along the normal, in proportion to the other body's mass.
  local overlap = rsum - dist
  a.pos = a.pos:sub(normal:scale(overlap * b.mass / total))
  b.pos = b.pos:add(normal:scale(overlap * a.mass / total))
  if rel < 0 then
    local impulse = -1.8 * rel / total
    a.vel = a.vel:sub(normal:scale(impulse * b.mass))
    b.vel = b.vel:add(normal:scale(impulse * a.mass))
  end
end

function World:step(dt)
  local bodies = self.bodies
  local cell = self.cell
  local cols = self.w // cell + 1
  local grid = {}
  for i = 1, #bodies do
    local b = bodies[i]
    b:integrate(dt, self.gravity)
    b:bounce(self.w, self.h)
    local key = math.floor(b.pos.y / cell) * cols + math.floor(b.pos.x / cell) + 1
    local bucket = grid[key]
    if bucket == nil then
      bucket = {}
      grid[key] = bucket
    end
    bucket[#bucket + 1] = b
  end
  -- Each body against bodies in its own and neighbouring cells with a higher id.
  for i = 1, #bodies do
    local a = bodies[i]
    local cx, cy = math.floor(a.pos.x / cell), math.floor(a.pos.y / cell)
    for dy = -1, 1 do
      for dx = -1, 1 do
        local x, y = cx + dx, cy + dy
        local bucket = x >= 0 and x < cols and y >= 0 and grid[y * cols + x + 1]
        if bucket then
          for k = 1, #bucket do
            local b = bucket[k]
            if b.id > a.id then self:resolve(a, b) end
          end
        end
      end
    end
  end
end

local world = World.new(200, 200, 8)
local seed = 7
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return (seed // 256) % n
end
for id = 1, 400 do
  local r = 1.5 + rand(4) * 0.5
  world:add(Body.new(id, vec(5 + rand(190), 5 + rand(190)), vec(rand(21) - 10, rand(21) - 10), r))
end

for _ = 1, 250 do
  world:step(0.02)
end

local sx, sy, hits = 0, 0, 0
for i = 1, #world.bodies do
  local b = world.bodies[i]
  sx = sx + math.floor(b.pos.x * 100)
  sy = sy + math.floor(b.pos.y * 100)
  hits = hits + b.hits
end

print("collision", world.contacts, hits, sx, sy)

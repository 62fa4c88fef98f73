-- field_update.lua: float-heavy updates of table fields written as multiple assignment
-- (`p.x, p.y = p.x + dx, p.y + dy`) on tables held in upvalues, the way game and animation
-- code often looks: a camera, particles and a spring, stepped by closures.

local function make_camera()
  local cam = { x = 0.0, y = 0.0, vx = 0.0, vy = 0.0, zoom = 1.0 }
  local function follow(tx, ty, dt)
    local ax, ay = (tx - cam.x) * 4.0, (ty - cam.y) * 4.0
    cam.vx, cam.vy = cam.vx * 0.9 + ax * dt, cam.vy * 0.9 + ay * dt
    cam.x, cam.y = cam.x + cam.vx * dt, cam.y + cam.vy * dt
    cam.zoom = cam.zoom + (1.5 - cam.zoom) * dt
  end
  return cam, follow
end

local function make_particle(i)
  local p = { x = i * 0.5, y = 0.0, vx = (i % 7) - 3.0, vy = (i % 5) * 1.5, life = 0.0 }
  local function step(dt, gx, gy)
    p.vx, p.vy = p.vx + gx * dt, p.vy + gy * dt
    p.x, p.y = p.x + p.vx * dt, p.y + p.vy * dt
    if p.y < 0.0 then
      p.y, p.vy = -p.y, -p.vy * 0.8
    end
    p.life = p.life + dt
  end
  return p, step
end

local function make_spring(k, damping)
  local s = { a = 0.0, b = 1.0, va = 0.0, vb = 0.0 }
  local function step(dt)
    local force = (s.b - s.a - 1.0) * k
    s.va, s.vb = (s.va + force * dt) * damping, (s.vb - force * dt) * damping
    s.a, s.b = s.a + s.va * dt, s.b + s.vb * dt
  end
  return s, step
end

local cam, follow = make_camera()
local particles, steppers = {}, {}
for i = 1, 64 do
  particles[i], steppers[i] = make_particle(i)
end
local spring, spring_step = make_spring(30.0, 0.999)
spring.b = 1.7

local dt = 1 / 120
for frame = 1, 60000 do
  for i = 1, #steppers do
    steppers[i](dt, 0.0, -9.8)
  end
  local p = particles[frame % #particles + 1]
  follow(p.x, p.y, dt)
  for _ = 1, 8 do
    spring_step(dt)
  end
end

local sum = 0
for i = 1, #particles do
  local p = particles[i]
  sum = sum + math.floor(p.x * 1000) + math.floor(p.y * 1000)
end
print("field_update", sum, math.floor(cam.x * 1e6), math.floor(cam.y * 1e6),
  math.floor(spring.a * 1e9), math.floor(spring.b * 1e9))

-- mandelbrot.lua: escape-time iteration over a grid of complex points (float multiply/add
-- in a tight loop), packing 8 pixels per byte as a bitmap writer would, summing the bytes.

local size = 900
local max_iter = 50
local checksum, inside = 0, 0

for y = 0, size - 1 do
  local ci = 2.0 * y / size - 1.0
  local byte, bit = 0, 0
  for x = 0, size - 1 do
    local cr = 2.0 * x / size - 1.5
    local zr, zi, zr2, zi2 = 0.0, 0.0, 0.0, 0.0
    local escaped = false
    for _ = 1, max_iter do
      zi = 2.0 * zr * zi + ci
      zr = zr2 - zi2 + cr
      zr2 = zr * zr
      zi2 = zi * zi
      if zr2 + zi2 > 4.0 then
        escaped = true
        break
      end
    end
    byte = byte * 2
    if not escaped then
      byte = byte + 1
      inside = inside + 1
    end
    bit = bit + 1
    if bit == 8 or x == size - 1 then
      checksum = (checksum * 31 + byte) % 1000000007
      byte, bit = 0, 0
    end
  end
end

print("mandelbrot", checksum, inside)

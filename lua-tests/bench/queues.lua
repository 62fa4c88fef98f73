-- queues.lua: table.insert / table.remove used as stacks and queues: breadth-first search
-- on a grid maze with a FIFO queue (insert at the end, remove from the front of a short
-- queue), a work stack, an ordered insert into a sorted list, and undo history trimming.
-- (piccolo lacks table.insert/remove: n/a.)

local W, H = 60, 60

local function make_maze(seed)
  local wall = {}
  for i = 1, W * H do
    seed = (seed * 1103515245 + 12345) % 2147483648
    wall[i] = (seed // 256) % 100 < 28
  end
  wall[1], wall[W * H] = false, false
  return wall
end

-- BFS with a FIFO queue: table.insert at the end, table.remove from the front.
local function bfs(wall, start)
  local dist = { [start] = 0 }
  local queue = { start }
  local visited = 1
  while #queue > 0 do
    local cell = table.remove(queue, 1)
    local d = dist[cell]
    local x, y = (cell - 1) % W, (cell - 1) // W
    local function try(nx, ny)
      if nx >= 0 and nx < W and ny >= 0 and ny < H then
        local n = ny * W + nx + 1
        if not wall[n] and dist[n] == nil then
          dist[n] = d + 1
          visited = visited + 1
          table.insert(queue, n)
        end
      end
    end
    try(x + 1, y)
    try(x - 1, y)
    try(x, y + 1)
    try(x, y - 1)
  end
  return dist, visited
end

local function dfs_count(wall)
  local seen, stack, regions = {}, {}, 0
  for i = 1, W * H do
    if not wall[i] and not seen[i] then
      regions = regions + 1
      table.insert(stack, i)
      seen[i] = true
      while #stack > 0 do
        local cell = table.remove(stack)
        local x = (cell - 1) % W
        local neighbours = { cell - W, cell + W }
        if x > 0 then neighbours[#neighbours + 1] = cell - 1 end
        if x < W - 1 then neighbours[#neighbours + 1] = cell + 1 end
        for _, n in ipairs(neighbours) do
          if n >= 1 and n <= W * H and not wall[n] and not seen[n] then
            seen[n] = true
            table.insert(stack, n)
          end
        end
      end
    end
  end
  return regions
end

local function sorted_insert(list, v)
  local lo, hi = 1, #list + 1
  while lo < hi do
    local mid = (lo + hi) // 2
    if list[mid] < v then lo = mid + 1 else hi = mid end
  end
  table.insert(list, lo, v)
end

local checksum = 0
for round = 1, 56 do
  local wall = make_maze(round)
  local dist, visited = bfs(wall, 1)
  checksum = checksum + visited + (dist[W * H] or -1)
  checksum = checksum + dfs_count(wall)

  local sorted, seed = {}, round
  for _ = 1, 1500 do
    seed = (seed * 1103515245 + 12345) % 2147483648
    sorted_insert(sorted, seed % 10000)
  end
  for i = 1, #sorted, 50 do checksum = (checksum + sorted[i] * i) % 1000000007 end

  local history = {}
  for step = 1, 3000 do
    table.insert(history, { step = step, value = step * round })
    if #history > 100 then table.remove(history, 1) end
    if step % 7 == 0 then table.remove(history) end
  end
  checksum = checksum + #history + history[1].step
end

print("queues", checksum)

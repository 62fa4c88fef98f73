-- dijkstra.lua: shortest paths on a generated road grid with Dijkstra's algorithm and a
-- binary heap class (push/pop with sift up/down, lazy deletion of stale entries), then path
-- reconstruction through predecessor links. (piccolo 0.3.3 panics part-way with "map slot
-- must be pre-reserved".)

local Heap = {}
Heap.__index = Heap

function Heap.new()
  return setmetatable({ keys = {}, vals = {}, n = 0 }, Heap)
end

function Heap:push(key, val)
  local keys, vals = self.keys, self.vals
  local i = self.n + 1
  self.n = i
  while i > 1 do
    local parent = i // 2
    if keys[parent] <= key then break end
    keys[i] = keys[parent]
    vals[i] = vals[parent]
    i = parent
  end
  keys[i] = key
  vals[i] = val
end

function Heap:pop()
  local keys, vals = self.keys, self.vals
  local n = self.n
  local top_key, top_val = keys[1], vals[1]
  local key, val = keys[n], vals[n]
  keys[n] = nil
  vals[n] = nil
  n = n - 1
  self.n = n
  if n > 0 then
    local i = 1
    while true do
      local child = i * 2
      if child > n then break end
      if child < n and keys[child + 1] < keys[child] then child = child + 1 end
      if key <= keys[child] then break end
      keys[i] = keys[child]
      vals[i] = vals[child]
      i = child
    end
    keys[i] = key
    vals[i] = val
  end
  return top_key, top_val
end

function Heap:empty()
  return self.n == 0
end

-- A w x h grid of intersections; each has edges to its neighbours with generated weights,
-- plus a few long "highway" edges.
local function make_graph(w, h, seed)
  local adj = {}
  local function rand(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return (seed // 256) % n
  end
  local function edge(a, b, cost)
    local list = adj[a]
    list[#list + 1] = { to = b, cost = cost }
  end
  for i = 1, w * h do adj[i] = {} end
  for y = 0, h - 1 do
    for x = 0, w - 1 do
      local id = y * w + x + 1
      if x + 1 < w then
        local c = 1 + rand(20)
        edge(id, id + 1, c)
        edge(id + 1, id, c + rand(3))
      end
      if y + 1 < h then
        local c = 1 + rand(20)
        edge(id, id + w, c)
        edge(id + w, id, c + rand(3))
      end
      if rand(50) == 0 then
        edge(id, rand(w * h) + 1, 15 + rand(40))
      end
    end
  end
  return adj
end

local function shortest(adj, source)
  local dist, prev = {}, {}
  for i = 1, #adj do dist[i] = math.huge end
  dist[source] = 0
  local heap = Heap.new()
  heap:push(0, source)
  local pops = 0
  while not heap:empty() do
    local d, u = heap:pop()
    pops = pops + 1
    if d <= dist[u] then
      local edges = adj[u]
      for i = 1, #edges do
        local e = edges[i]
        local nd = d + e.cost
        local v = e.to
        if nd < dist[v] then
          dist[v] = nd
          prev[v] = u
          heap:push(nd, v)
        end
      end
    end
  end
  return dist, prev, pops
end

local total, hops, pops_total = 0, 0, 0
local adj = make_graph(120, 120, 42)
for round = 1, 24 do
  local source = (round * 1777) % #adj + 1
  local dist, prev, pops = shortest(adj, source)
  pops_total = pops_total + pops
  for i = 1, #adj, 7 do
    total = total + dist[i]
  end
  -- Walk back from a few targets to the source.
  for t = 1, #adj, 997 do
    local v = t
    while v ~= source and prev[v] do
      v = prev[v]
      hops = hops + 1
    end
  end
end

print("dijkstra", total, hops, pops_total)

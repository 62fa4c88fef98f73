-- graph_scc.lua: graph algorithms on node objects: Tarjan's strongly connected components
-- (recursive, with per-node index/lowlink fields) and natural-loop finding on a generated
-- control-flow graph (dominators by iteration, back edges, loop bodies by reverse walk).

local Node = {}
Node.__index = Node

function Node.new(id)
  return setmetatable({ id = id, succ = {}, pred = {}, index = -1, low = 0, on_stack = false, comp = 0 }, Node)
end

function Node:connect(other)
  self.succ[#self.succ + 1] = other
  other.pred[#other.pred + 1] = self
end

local Graph = {}
Graph.__index = Graph

function Graph.new(n, seed, extra)
  local g = setmetatable({ nodes = {}, seed = seed }, Graph)
  for i = 1, n do g.nodes[i] = Node.new(i) end
  -- A chain with forward skips and some backward edges (loops), like a control-flow graph.
  for i = 1, n - 1 do
    g.nodes[i]:connect(g.nodes[i + 1])
  end
  for k = 1, extra do
    local a = g:next_int(n)
    local b
    if k % 3 == 0 then
      b = a - g:next_int(12) -- a short back edge: a loop
    elseif k % 3 == 1 then
      b = a + 1 + g:next_int(6) -- a forward skip: an if/else
    elseif k % 40 == 2 then
      b = g:next_int(n) -- anywhere (a goto, or a call graph edge)
    else
      b = a + 2
    end
    if a ~= b and b >= 1 and b <= n then g.nodes[a]:connect(g.nodes[b]) end
  end
  return g
end

function Graph:next_int(n)
  self.seed = (self.seed * 1103515245 + 12345) % 2147483648
  return (self.seed // 256) % n + 1
end

-- Tarjan -----------------------------------------------------------------------------------
function Graph:scc()
  local index = 0
  local stack, sp = {}, 0
  local count = 0
  local largest = 0

  local function connect(v)
    v.index = index
    v.low = index
    index = index + 1
    sp = sp + 1
    stack[sp] = v
    v.on_stack = true
    local succ = v.succ
    for i = 1, #succ do
      local w = succ[i]
      if w.index < 0 then
        connect(w)
        if w.low < v.low then v.low = w.low end
      elseif w.on_stack and w.index < v.low then
        v.low = w.index
      end
    end
    if v.low == v.index then
      count = count + 1
      local size = 0
      repeat
        local w = stack[sp]
        stack[sp] = nil
        sp = sp - 1
        w.on_stack = false
        w.comp = count
        size = size + 1
      until w == v
      if size > largest then largest = size end
    end
  end

  for i = 1, #self.nodes do
    local v = self.nodes[i]
    if v.index < 0 then connect(v) end
  end
  return count, largest
end

-- Dominators (iterative, on reverse postorder) and natural loops ----------------------------
function Graph:reverse_postorder()
  local order, seen = {}, {}
  local function visit(v)
    seen[v] = true
    for i = 1, #v.succ do
      local w = v.succ[i]
      if not seen[w] then visit(w) end
    end
    order[#order + 1] = v
  end
  visit(self.nodes[1])
  local rpo = {}
  for i = #order, 1, -1 do
    rpo[#rpo + 1] = order[i]
    order[i].rpo = #rpo
  end
  return rpo
end

function Graph:dominators(rpo)
  local root = rpo[1]
  root.idom = root
  for i = 2, #rpo do rpo[i].idom = nil end
  local function intersect(a, b)
    while a ~= b do
      while a.rpo > b.rpo do a = a.idom end
      while b.rpo > a.rpo do b = b.idom end
    end
    return a
  end
  local changed = true
  local passes = 0
  while changed do
    changed = false
    passes = passes + 1
    for i = 2, #rpo do
      local v = rpo[i]
      local new = nil
      for k = 1, #v.pred do
        local p = v.pred[k]
        if p.idom then
          if new == nil then new = p else new = intersect(p, new) end
        end
      end
      if v.idom ~= new then
        v.idom = new
        changed = true
      end
    end
  end
  return passes
end

local function dominates(a, b)
  while true do
    if a == b then return true end
    if b.idom == b then return false end
    b = b.idom
  end
end

function Graph:loops(rpo)
  local loops, body_total = 0, 0
  for i = 1, #rpo do
    local v = rpo[i]
    for k = 1, #v.succ do
      local h = v.succ[k]
      if h.rpo and dominates(h, v) then
        -- Back edge v -> h: the loop body is everything reaching v without passing h.
        loops = loops + 1
        local body, work, n = { [h] = true }, { v }, 1
        local size = 1
        while n > 0 do
          local x = work[n]
          work[n] = nil
          n = n - 1
          if not body[x] then
            body[x] = true
            size = size + 1
            for j = 1, #x.pred do
              local p = x.pred[j]
              if p.rpo and not body[p] then
                n = n + 1
                work[n] = p
              end
            end
          end
        end
        body_total = body_total + size
      end
    end
  end
  return loops, body_total
end

local comps, largest_sum, loop_count, body_sum, passes = 0, 0, 0, 0, 0
for round = 1, 12 do
  local g = Graph.new(3000, round * 17, 1200)
  local count, largest = g:scc()
  comps = comps + count
  largest_sum = largest_sum + largest
  local rpo = g:reverse_postorder()
  passes = passes + g:dominators(rpo)
  local loops, bodies = g:loops(rpo)
  loop_count = loop_count + loops
  body_sum = body_sum + bodies
end

print("graph_scc", comps, largest_sum, loop_count, body_sum, passes)

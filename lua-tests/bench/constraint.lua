-- constraint.lua: a small constraint solver in class style. Variables with domains,
-- constraints as a class hierarchy (Constraint -> AllDifferent -> Row/Column/Box, and
-- Constraint -> Given), propagation through `obj:method()` calls, and backtracking search
-- with domain snapshots. It solves sudoku grids derived from a deterministic pattern.

local function class(parent)
  local c = {}
  c.__index = c
  if parent then
    setmetatable(c, { __index = parent })
  end
  return c
end

-- Variable ---------------------------------------------------------------------------------
local Variable = class()

function Variable.new(index)
  local v = setmetatable({ index = index, size = 9, constraints = {}, value = 0 }, Variable)
  for d = 1, 9 do v[d] = true end
  return v
end

function Variable:has(d)
  return self[d]
end

function Variable:remove(d)
  if self[d] then
    self[d] = false
    self.size = self.size - 1
    return true
  end
  return false
end

function Variable:only()
  for d = 1, 9 do
    if self[d] then return d end
  end
  return 0
end

function Variable:snapshot()
  local s = { size = self.size }
  for d = 1, 9 do s[d] = self[d] end
  return s
end

function Variable:restore(s)
  self.size = s.size
  for d = 1, 9 do self[d] = s[d] end
end

-- Constraints ------------------------------------------------------------------------------
local Constraint = class()

function Constraint.init(self, vars)
  self.vars = vars
  self.checks = 0
  for i = 1, #vars do
    local cs = vars[i].constraints
    cs[#cs + 1] = self
  end
  return self
end

function Constraint:name()
  return "constraint"
end

local AllDifferent = class(Constraint)

function AllDifferent.new(vars)
  return Constraint.init(setmetatable({}, AllDifferent), vars)
end

-- Removes a fixed variable's value from the others; returns false on a wipe-out.
function AllDifferent:propagate(solver, var)
  self.checks = self.checks + 1
  local d = var:only()
  local vars = self.vars
  for i = 1, #vars do
    local other = vars[i]
    if other ~= var and other:remove(d) then
      if other.size == 0 then return false end
      if other.size == 1 then solver:enqueue(other) end
    end
  end
  return true
end

-- Hidden singles: a digit with one place left in the unit.
function AllDifferent:singles(solver)
  local vars = self.vars
  for d = 1, 9 do
    local place, count = nil, 0
    for i = 1, #vars do
      if vars[i]:has(d) then
        count = count + 1
        place = vars[i]
      end
    end
    if count == 0 then return false end
    if count == 1 and place.size > 1 then
      for e = 1, 9 do
        if e ~= d then place:remove(e) end
      end
      solver:enqueue(place)
    end
  end
  return true
end

local Row = class(AllDifferent)
function Row.new(vars) return setmetatable(AllDifferent.new(vars), Row) end
function Row:name() return "row" end

local Column = class(AllDifferent)
function Column.new(vars) return setmetatable(AllDifferent.new(vars), Column) end
function Column:name() return "column" end

local Box = class(AllDifferent)
function Box.new(vars) return setmetatable(AllDifferent.new(vars), Box) end
function Box:name() return "box" end

-- Solver -----------------------------------------------------------------------------------
local Solver = class()

function Solver.new()
  local s = setmetatable({ vars = {}, units = {}, queue = {}, qn = 0, nodes = 0 }, Solver)
  for i = 1, 81 do s.vars[i] = Variable.new(i) end
  for r = 0, 8 do
    local row, col = {}, {}
    for c = 0, 8 do
      row[#row + 1] = s.vars[r * 9 + c + 1]
      col[#col + 1] = s.vars[c * 9 + r + 1]
    end
    s.units[#s.units + 1] = Row.new(row)
    s.units[#s.units + 1] = Column.new(col)
  end
  for br = 0, 2 do
    for bc = 0, 2 do
      local box = {}
      for r = 0, 2 do
        for c = 0, 2 do
          box[#box + 1] = s.vars[(br * 3 + r) * 9 + bc * 3 + c + 1]
        end
      end
      s.units[#s.units + 1] = Box.new(box)
    end
  end
  return s
end

function Solver:enqueue(var)
  self.qn = self.qn + 1
  self.queue[self.qn] = var
end

function Solver:propagate()
  while self.qn > 0 do
    local var = self.queue[self.qn]
    self.queue[self.qn] = nil
    self.qn = self.qn - 1
    if var.size == 0 then return false end
    local cs = var.constraints
    for i = 1, #cs do
      if not cs[i]:propagate(self, var) then
        self.qn = 0
        self.queue = {}
        return false
      end
    end
  end
  local units = self.units
  for i = 1, #units do
    if not units[i]:singles(self) then return false end
  end
  if self.qn > 0 then return self:propagate() end
  return true
end

function Solver:assign(var, d)
  for e = 1, 9 do
    if e ~= d then var:remove(e) end
  end
  self:enqueue(var)
  return self:propagate()
end

function Solver:choose()
  local best, best_size = nil, 10
  local vars = self.vars
  for i = 1, 81 do
    local v = vars[i]
    if v.size > 1 and v.size < best_size then
      best, best_size = v, v.size
    end
  end
  return best
end

function Solver:save()
  local saved = {}
  for i = 1, 81 do saved[i] = self.vars[i]:snapshot() end
  return saved
end

function Solver:load(saved)
  for i = 1, 81 do self.vars[i]:restore(saved[i]) end
end

function Solver:search()
  self.nodes = self.nodes + 1
  local var = self:choose()
  if var == nil then return true end
  local saved = self:save()
  for d = 1, 9 do
    if saved[var.index][d] then
      if self:assign(var, d) and self:search() then return true end
      self:load(saved)
    end
  end
  return false
end

function Solver:solve(givens)
  for i = 1, 81 do
    if givens[i] > 0 then
      if not self:assign(self.vars[i], givens[i]) then return false end
    end
  end
  return self:search()
end

-- Puzzles: a valid grid from a pattern, digits permuted, most cells blanked -----------------
local function puzzle(seed)
  local perm = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }
  for i = 9, 2, -1 do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local j = seed % i + 1
    local tmp = perm[i]
    perm[i] = perm[j]
    perm[j] = tmp
  end
  local grid = {}
  for r = 0, 8 do
    for c = 0, 8 do
      local v = (r * 3 + r // 3 + c) % 9
      grid[r * 9 + c + 1] = perm[v + 1]
    end
  end
  local blanks = 0
  while blanks < 58 do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local i = (seed // 65536) % 81 + 1
    if grid[i] ~= 0 then
      grid[i] = 0
      blanks = blanks + 1
    end
  end
  return grid
end

local checksum, nodes, checks = 0, 0, 0
for p = 1, 90 do
  local solver = Solver.new()
  local ok = solver:solve(puzzle(p * 7919))
  if ok then
    for i = 1, 81 do
      checksum = (checksum * 31 + solver.vars[i]:only() * i) % 1000000007
    end
  end
  nodes = nodes + solver.nodes
  for i = 1, #solver.units do
    checks = checks + solver.units[i].checks
  end
end

print("constraint", checksum, nodes, checks)

-- scheduler.lua: a task scheduler simulation written as class hierarchies.
-- Task -> CpuTask / IoTask -> NetTask (three levels), a Scheduler with a ready queue (a ring
-- buffer class) and a timer heap (a binary heap class); every step is a method call found
-- through an `__index` chain, with `self.field` reads and writes on small objects.

local function class(parent)
  local c = {}
  c.__index = c
  if parent then
    setmetatable(c, { __index = parent })
  end
  return c
end

-- Ring buffer queue ---------------------------------------------------------------------
local Queue = class()

function Queue.new()
  return setmetatable({ items = {}, head = 1, tail = 0, size = 0 }, Queue)
end

function Queue:push(v)
  self.tail = self.tail + 1
  self.items[self.tail] = v
  self.size = self.size + 1
end

function Queue:pop()
  if self.size == 0 then return nil end
  local v = self.items[self.head]
  self.items[self.head] = nil
  self.head = self.head + 1
  self.size = self.size - 1
  return v
end

function Queue:empty()
  return self.size == 0
end

-- Timer heap ordered by (wake time, sequence number) -------------------------------------
local TimerHeap = class()

function TimerHeap.new()
  return setmetatable({ n = 0, seq = 0 }, TimerHeap)
end

local function before(a, b)
  if a.wake ~= b.wake then return a.wake < b.wake end
  return a.seq < b.seq
end

function TimerHeap:insert(task, wake)
  self.seq = self.seq + 1
  local entry = { task = task, wake = wake, seq = self.seq }
  local n = self.n + 1
  self.n = n
  self[n] = entry
  while n > 1 do
    local parent = n // 2
    local p = self[parent]
    if before(entry, p) then
      self[n] = p
      n = parent
    else
      break
    end
  end
  self[n] = entry
end

function TimerHeap:peek()
  return self[1]
end

function TimerHeap:pop()
  local top = self[1]
  local last = self[self.n]
  self[self.n] = nil
  self.n = self.n - 1
  local n = self.n
  if n > 0 then
    local i = 1
    while true do
      local l = i * 2
      if l > n then break end
      local child = self[l]
      local r = l + 1
      if r <= n and before(self[r], child) then
        l = r
        child = self[r]
      end
      if before(child, last) then
        self[i] = child
        i = l
      else
        break
      end
    end
    self[i] = last
  end
  return top
end

-- Tasks ------------------------------------------------------------------------------------
local Task = class()

function Task.init(self, id, work)
  self.id = id
  self.work = work
  self.done = 0
  self.steps = 0
  self.finished_at = -1
  return self
end

function Task:remaining()
  return self.work - self.done
end

function Task:finish(now)
  self.finished_at = now
end

function Task:weight()
  return 1
end

-- A CPU-bound task: runs for up to `quantum` units each time it is scheduled.
local CpuTask = class(Task)

function CpuTask.new(id, work, quantum)
  local t = Task.init(setmetatable({}, CpuTask), id, work)
  t.quantum = quantum
  return t
end

function CpuTask:step(sched)
  self.steps = self.steps + 1
  local slice = self.quantum
  if slice > self:remaining() then slice = self:remaining() end
  self.done = self.done + slice
  sched:advance(slice)
  if self:remaining() <= 0 then
    self:finish(sched.now)
    return "done"
  end
  return "yield"
end

function CpuTask:weight()
  return 2
end

-- An I/O task: a unit of work, then sleeps for `latency`.
local IoTask = class(Task)

function IoTask.new(id, work, latency)
  local t = Task.init(setmetatable({}, IoTask), id, work)
  t.latency = latency
  return t
end

function IoTask:step(sched)
  self.steps = self.steps + 1
  self.done = self.done + 1
  sched:advance(1)
  if self:remaining() <= 0 then
    self:finish(sched.now)
    return "done"
  end
  return "sleep", self:delay()
end

function IoTask:delay()
  return self.latency
end

-- A network task: an I/O task whose latency varies with a retry counter.
local NetTask = class(IoTask)

function NetTask.new(id, work, latency)
  local t = IoTask.new(id, work, latency)
  setmetatable(t, NetTask)
  t.retries = 0
  return t
end

function NetTask:delay()
  self.retries = self.retries + 1
  return self.latency + (self.retries * 7 + self.id) % 13
end

function NetTask:weight()
  return 3
end

-- Scheduler --------------------------------------------------------------------------------
local Scheduler = class()

function Scheduler.new()
  return setmetatable({
    now = 0,
    ready = Queue.new(),
    timers = TimerHeap.new(),
    switches = 0,
    finished = 0,
    score = 0,
  }, Scheduler)
end

function Scheduler:advance(dt)
  self.now = self.now + dt
end

function Scheduler:spawn(task)
  self.ready:push(task)
end

function Scheduler:wake_due()
  local timers = self.timers
  local top = timers:peek()
  while top and top.wake <= self.now do
    timers:pop()
    self.ready:push(top.task)
    top = timers:peek()
  end
end

function Scheduler:run()
  while true do
    self:wake_due()
    local task = self.ready:pop()
    if task == nil then
      local top = self.timers:peek()
      if top == nil then break end
      self.now = top.wake
    else
      self.switches = self.switches + 1
      local action, arg = task:step(self)
      if action == "yield" then
        self.ready:push(task)
      elseif action == "sleep" then
        self.timers:insert(task, self.now + arg)
      else
        self.finished = self.finished + 1
        self.score = (self.score + task.finished_at * task:weight() + task.steps) % 1000000007
      end
    end
  end
end

local total = 0
local switches = 0
for round = 1, 20 do
  local sched = Scheduler.new()
  local seed = round
  for id = 1, 1200 do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local kind = seed % 3
    local work = 5 + seed % 40
    if kind == 0 then
      sched:spawn(CpuTask.new(id, work * 4, 3 + id % 5))
    elseif kind == 1 then
      sched:spawn(IoTask.new(id, work, 10 + id % 17))
    else
      sched:spawn(NetTask.new(id, work, 20 + id % 11))
    end
  end
  sched:run()
  total = (total + sched.score + sched.now) % 1000000007
  switches = switches + sched.switches
end

print("scheduler", total, switches)

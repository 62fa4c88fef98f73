-- linked_list.lua: singly and doubly linked lists of small node tables: building, reversing,
-- filtering, merge sort by relinking, and an LRU cache (hash table + doubly linked list) with
-- unlinking and moving nodes to the front.

local function from_range(n, seed)
  local head = nil
  for _ = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    head = { value = seed % 100000, next = head }
  end
  return head
end

local function length(list)
  local n = 0
  while list do
    n = n + 1
    list = list.next
  end
  return n
end

local function reverse(list)
  local prev = nil
  while list do
    local nxt = list.next
    list.next = prev
    prev = list
    list = nxt
  end
  return prev
end

local function filter(list, keep)
  local head, tail = nil, nil
  while list do
    if keep(list.value) then
      local node = { value = list.value, next = nil }
      if tail then tail.next = node else head = node end
      tail = node
    end
    list = list.next
  end
  return head
end

local function merge(a, b)
  local dummy = { next = nil }
  local tail = dummy
  while a and b do
    if a.value <= b.value then
      tail.next = a
      a = a.next
    else
      tail.next = b
      b = b.next
    end
    tail = tail.next
  end
  tail.next = a or b
  return dummy.next
end

local function sort(list)
  if list == nil or list.next == nil then return list end
  -- Split in the middle with slow/fast pointers.
  local slow, fast = list, list.next
  while fast and fast.next do
    slow = slow.next
    fast = fast.next.next
  end
  local second = slow.next
  slow.next = nil
  return merge(sort(list), sort(second))
end

-- LRU cache ---------------------------------------------------------------------------------
local LRU = {}
LRU.__index = LRU

function LRU.new(capacity)
  local head = { key = nil }
  local tail = { key = nil }
  head.next, tail.prev = tail, head
  return setmetatable({ capacity = capacity, size = 0, map = {}, head = head, tail = tail, hits = 0, misses = 0 }, LRU)
end

function LRU:unlink(node)
  node.prev.next = node.next
  node.next.prev = node.prev
end

function LRU:push_front(node)
  local first = self.head.next
  node.next = first
  node.prev = self.head
  first.prev = node
  self.head.next = node
end

function LRU:get(key)
  local node = self.map[key]
  if node then
    self.hits = self.hits + 1
    self:unlink(node)
    self:push_front(node)
    return node.value
  end
  self.misses = self.misses + 1
  return nil
end

function LRU:put(key, value)
  local node = self.map[key]
  if node then
    node.value = value
    self:unlink(node)
    self:push_front(node)
    return
  end
  if self.size == self.capacity then
    local last = self.tail.prev
    self:unlink(last)
    self.map[last.key] = nil
    self.size = self.size - 1
  end
  node = { key = key, value = value }
  self.map[key] = node
  self:push_front(node)
  self.size = self.size + 1
end

local checksum = 0
for round = 1, 10 do
  local list = from_range(20000, round)
  list = reverse(list)
  local evens = filter(list, function(v) return v % 2 == 0 end)
  local sorted = sort(evens)
  local prev, ordered = -1, true
  local node, i = sorted, 0
  while node do
    i = i + 1
    if node.value < prev then ordered = false end
    prev = node.value
    if i % 100 == 0 then checksum = (checksum + node.value * i) % 1000000007 end
    node = node.next
  end
  checksum = checksum + length(list) + length(sorted) + (ordered and 1 or 0)
end

local cache = LRU.new(500)
local seed = 99
for _ = 1, 300000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  local key = (seed // 1024) % 1500
  if cache:get(key) == nil then
    cache:put(key, key * 2)
  end
end

print("linked_list", checksum, cache.hits, cache.misses, cache.size)

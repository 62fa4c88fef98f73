-- binary_trees.lua: allocation-heavy: many short-lived binary trees of small tables built
-- recursively and walked, next to one long-lived tree that survives every collection.

local function build(depth)
  if depth == 0 then
    return { false, false }
  end
  depth = depth - 1
  return { build(depth), build(depth) }
end

local function count(node)
  local left = node[1]
  if not left then
    return 1
  end
  return 1 + count(left) + count(node[2])
end

local min_depth, max_depth = 4, 14

local long_lived = build(max_depth)
local total = count(build(max_depth + 1))

for depth = min_depth, max_depth, 2 do
  local iterations = 1 << (max_depth - depth + min_depth)
  local checked = 0
  for _ = 1, iterations do
    checked = checked + count(build(depth))
  end
  total = total + checked
end

print("binary_trees", total, count(long_lived))

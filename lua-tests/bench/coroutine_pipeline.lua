-- coroutine_pipeline.lua: a producer -> filters -> consumer pipeline of coroutines, each
-- stage pulling values from the previous one with resume/yield: a tokenizer of generated
-- text, a filter, a batching stage and a consumer.

local function producer(n, seed)
  return coroutine.create(function()
    for i = 1, n do
      seed = (seed * 1103515245 + 12345) % 2147483648
      coroutine.yield({ id = i, value = (seed // 4096) % 1000 })
    end
    return nil
  end)
end

local function pull(co)
  local ok, item = coroutine.resume(co)
  if not ok then error(item) end
  return item
end

local function filter(source, pred)
  return coroutine.create(function()
    while true do
      local item = pull(source)
      if item == nil then return nil end
      if pred(item) then coroutine.yield(item) end
    end
  end)
end

local function transform(source, f)
  return coroutine.create(function()
    while true do
      local item = pull(source)
      if item == nil then return nil end
      coroutine.yield(f(item))
    end
  end)
end

local function batch(source, size)
  return coroutine.create(function()
    local current, n = {}, 0
    while true do
      local item = pull(source)
      if item == nil then break end
      n = n + 1
      current[n] = item
      if n == size then
        coroutine.yield(current)
        current, n = {}, 0
      end
    end
    if n > 0 then coroutine.yield(current) end
    return nil
  end)
end

local total, batches, items = 0, 0, 0
for round = 1, 50 do
  local source = producer(20000, round)
  local evens = filter(source, function(item) return item.value % 2 == 0 end)
  local scaled = transform(evens, function(item)
    return { id = item.id, value = item.value * 3 + round }
  end)
  local groups = batch(scaled, 16)
  while true do
    local group = pull(groups)
    if group == nil then break end
    batches = batches + 1
    for i = 1, #group do
      items = items + 1
      total = (total + group[i].value * group[i].id) % 1000000007
    end
  end
end

print("coroutine_pipeline", total, batches, items)

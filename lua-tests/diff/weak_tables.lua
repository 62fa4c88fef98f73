-- Weak tables: entries whose weak part is collected disappear; strings and numbers are
-- never removed; ephemerons (weak keys) keep a value only while its key is reachable.
local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- weak values
local wv = setmetatable({}, { __mode = "v" })
local keep = {}
wv[1] = keep
wv[2] = {}
wv[3] = "a string"
wv[4] = 42
wv.f = function() end
wv.g = print
collectgarbage()
print("weak values:", wv[1] == keep, wv[2], wv[3], wv[4], wv.f, wv.g == print, count(wv))

-- weak keys
local wk = setmetatable({}, { __mode = "k" })
local k1 = {}
wk[k1] = "kept"
wk[{}] = "dropped"
wk["str"] = {}
wk[7] = {}
collectgarbage()
print("weak keys:", wk[k1], count(wk), type(wk.str), type(wk[7]))

-- ephemeron: the value refers to its own key; only the key's reachability counts
local eph = setmetatable({}, { __mode = "k" })
do
  local a = {}
  eph[a] = { back = a }
end
local b = {}
eph[b] = { back = b }
collectgarbage()
print("ephemeron:", count(eph), eph[b].back == b)

-- chains of ephemerons: a value keeps the next key alive only while its own key lives
local chain = setmetatable({}, { __mode = "k" })
local first = {}
do
  local x = first
  for i = 1, 10 do
    local y = {}
    chain[x] = y
    x = y
  end
end
collectgarbage()
print("chain:", count(chain))
first = nil
collectgarbage()
print("chain after:", count(chain))

-- weak keys and values
local kv = setmetatable({}, { __mode = "kv" })
local kk, vv = {}, {}
kv[kk] = vv
kv[{}] = vv
kv[kk] = vv
kv.x = {}
collectgarbage()
print("kv:", count(kv), kv[kk] == vv)

-- next stays valid while entries are cleared during a traversal
collectgarbage("stop")
local t = setmetatable({}, { __mode = "v" })
local held = {}
for i = 1, 100 do
  local v = {}
  t[i] = v
  if i % 10 == 1 then held[#held + 1] = v end
end
local seen = 0
for k, v in pairs(t) do
  seen = seen + 1
  if seen == 5 then collectgarbage() end
end
collectgarbage("restart")
collectgarbage()
print("traversal ok", seen >= 10, count(t), #held)

-- a table that stops being weak keeps what it has
local w = setmetatable({}, { __mode = "v" })
w[1] = {}
setmetatable(w, nil)
collectgarbage()
print("no longer weak:", type(w[1]))
print("weak tables OK")

-- The count hook keeps counting while a hook runs (its count events are lost), and
-- debug.sethook/gethook on a thread that resumed the running coroutine (the main thread,
-- or a coroutine further down) take effect when that thread runs again.
-- (The count test depends on running as many instructions as lua5.4 does: a plain loop and
-- a hook whose count of instructions matches lua5.4's modulo 10.)
local n = 0
local function hk(e) n = n + 1; local x = 0; for i = 1, 50 do x = x + i end end
debug.sethook(hk, '', 10)
local s = 0
for i = 1, 1000 do s = s + i end
debug.sethook()
print('count events', n)

local ev = {}
debug.sethook(function(e, l) ev[#ev+1] = e .. (l and (' ' .. l) or '') end, 'l', 3)
local a = 1
local b = 2
local c = a + b
debug.sethook()
print(table.concat(ev, ','))

local main = coroutine.running()
local got = {}
local function rec(e, l)
  got[#got + 1] = e .. ' ' .. tostring(l or debug.getinfo(2, 'n').name)
end
local co = coroutine.create(function()
  print('before', debug.gethook(main))
  debug.sethook(main, rec, 'crl', 1000)
  local f, m, k = debug.gethook(main)
  print('inside', f == rec, m, k, debug.gethook())
  coroutine.yield()
  print('again', debug.gethook(main) == rec)
  debug.sethook(main)
  print('removed', debug.gethook(main))
end)
print(coroutine.resume(co))
local x = 1
print(coroutine.resume(co))
local y = 2
print(#got)
for _, l in ipairs(got) do print(l) end

-- three levels: main resumes A, A resumes B; B sets hooks on main and on A
local gotA, gotM = {}, {}
local A
A = coroutine.create(function()
  local B = coroutine.create(function()
    debug.sethook(A, function(e) gotA[#gotA + 1] = e end, 'r')
    debug.sethook(main, function(e) gotM[#gotM + 1] = e end, 'r')
    print('B', debug.gethook(A) ~= nil, debug.gethook(main) ~= nil)
  end)
  print(coroutine.resume(B))
  debug.sethook()
  return 'A done'
end)
print(coroutine.resume(A))
debug.sethook()
print('A events', table.concat(gotA, ','))
print('main events', table.concat(gotM, ','))

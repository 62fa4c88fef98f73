-- `require` running a module's loader: results, errors, tracebacks, yields, coroutines,
-- nested requires and hooks, as lua5.4 reports them.

local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  print(table.concat(t, " | "))
end

-- loaders returning nothing, nil, false, a value, several values
package.preload.r_none = function() end
package.preload.r_nil = function() return nil end
package.preload.r_false = function() return false end
package.preload.r_value = function(...) return {args = table.pack(...)} end
package.preload.r_many = function() return "first", "second", "third" end
show("none", require("r_none"))
show("nil", require("r_nil"))
show("false", require("r_false"))
local v, extra = require("r_value")
show("value", type(v), v.args.n, v.args[1], v.args[2], extra, package.loaded.r_value == v)
show("many", require("r_many"))
show("cached", require("r_many"))
-- a loader that sets package.loaded itself and returns nothing
package.preload.r_self = function(name) package.loaded[name] = "set by loader" end
show("self", require("r_self"))
-- a loader that sets package.loaded and also returns a value: the value wins
package.preload.r_both = function(name) package.loaded[name] = "set" return "returned" end
show("both", require("r_both"))

-- errors in a loader
package.preload.r_err = function() error("boom") end
show("pcall", pcall(require, "r_err"))
show("loaded after error", package.loaded.r_err)
package.preload.r_errtable = function() error({code = 7}) end
local ok, e = pcall(require, "r_errtable")
show("error object", ok, type(e), e.code)
package.preload.r_errnil = function() error() end
show("error nil", pcall(require, "r_errnil"))
-- the error's traceback runs through require
package.preload.r_trace = load("local x = ...\nerror('deep ' .. x)", "=r_trace")
print(select(2, xpcall(require, debug.traceback, "r_trace")))
-- an error in a nested module
package.preload.r_outer = function() local m = require("r_err") return m end
show("nested error", pcall(require, "r_outer"))
show("nested loaded", package.loaded.r_outer, package.loaded.r_err)
-- the failed module loads fine once fixed
package.preload.r_err = function() return "fixed" end
show("fixed", require("r_err"))

-- nested modules: each sees the other's progress
local order = {}
package.preload.r_a = function() order[#order + 1] = "a start"; local b = require("r_b"); order[#order + 1] = "a end"; return "A" .. b end
package.preload.r_b = function() order[#order + 1] = "b start"; local c = require("r_c"); order[#order + 1] = "b end"; return "B" .. c end
package.preload.r_c = function() order[#order + 1] = "c"; return "C" end
show("nested", require("r_a"))
print(table.concat(order, ", "))
-- a module requiring itself while loading: recursion until the stack overflows
package.preload.r_loop = function() return require("r_loop") end
local ok2, e2 = pcall(require, "r_loop")
show("self require", ok2, e2 and (string.find(e2, "stack overflow", 1, true) ~= nil))

-- yields
package.preload.r_yield = function() coroutine.yield("from loader") return 1 end
local co = coroutine.create(function() return require("r_yield") end)
show("yield", coroutine.resume(co))
show("status", coroutine.status(co), package.loaded.r_yield)
package.preload.r_yieldable = function() return coroutine.isyieldable() end
show("isyieldable", coroutine.wrap(function() return require("r_yieldable") end)())
-- require from a coroutine that yields before and after
package.preload.r_co = function(name) return name .. "!" end
co = coroutine.wrap(function(a)
  local b = coroutine.yield(a + 1)
  local m = require("r_co")
  local c = coroutine.yield(m)
  return b + c
end)
show("coroutine", co(1), co(10), co(20))
-- a loader resuming a coroutine of its own, which yields
package.preload.r_inner_co = function()
  local g = coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end)
  return g() + g()
end
show("inner coroutine", require("r_inner_co"))
-- a coroutine that dies in a loader, then a require on the main thread
package.preload.r_codie = function() error("died") end
co = coroutine.create(function() return require("r_codie") end)
show("coroutine error", coroutine.resume(co))
package.preload.r_after = function() return "after" end
show("after", require("r_after"))

-- hooks: call and return events around require and its loader
do
  package.preload.r_hook = function() return "hooked" end
  local t = {}
  local function hook(e)
    local info = debug.getinfo(2, "nS")
    t[#t + 1] = e .. ":" .. tostring(info.name) .. ":" .. info.what
  end
  debug.sethook(hook, "cr")
  local m = require("r_hook")
  debug.sethook()
  print(m, table.concat(t, " "))
end

-- loader level in debug.getinfo / traceback from inside the loader
package.preload.r_where = function()
  local t = {}
  for level = 1, 3 do
    local info = debug.getinfo(level, "nS")
    t[#t + 1] = tostring(info.name) .. "/" .. info.what
  end
  return table.concat(t, " ")
end
show("levels", require("r_where"))

-- require called by natives and coroutines
package.preload.r_m = function(n) return {n = n} end
show("wrap(require)", coroutine.wrap(require)("r_m").n)
package.loaded.r_m = nil
show("gsub callback", string.gsub("r_m", ".+", function(s) return require(s).n end))
package.preload.r_meta = function()
  local t = setmetatable({}, {__index = function(_, k) package.loaded[k] = nil return require(k) end})
  return t.r_m.n
end
show("__index in loader", require("r_meta"))
-- a coroutine that dies in a loader keeps the loader's frame for debug.traceback
package.preload.r_dead = function() error("x") end
co = coroutine.create(function() local a = 1; require("r_dead") end)
show("dead", coroutine.resume(co))
print(debug.traceback(co))
-- to-be-closed variables of a loader: closed on return and on error
package.preload.r_close = function()
  local x <close> = setmetatable({}, {__close = function(_, e) print("closing r_close", e) end})
  return "r_close value"
end
show("close", require("r_close"))
package.preload.r_close_err = function()
  local x <close> = setmetatable({}, {__close = function(_, e)
    print("closing r_close_err", e, require("r_close"))
  end})
  error("err in r_close_err")
end
show("close on error", pcall(require, "r_close_err"))
-- a native loader
package.preload.r_native = tostring
show("native loader", require("r_native"))
package.preload.r_native_err = select
show("native loader error", pcall(require, "r_native_err"))
package.preload.r_tail = function(n) return select(2, "x", n .. "!") end
show("tail call", require("r_tail"))

-- require and the package library.
local dir = arg and arg[0] and arg[0]:match("^(.*)[/\\]") or "."
local modules = dir .. "/modules/"
package.path = modules .. "?.lua;" .. modules .. "?/init.lua;" .. package.path
local function err(fn)
  local ok, e = pcall(fn)
  assert(not ok, "expected error")
  return e
end

-- package fields
assert(type(package.path) == "string" and type(package.cpath) == "string", "path strings")
assert(type(package.loaded) == "table" and type(package.preload) == "table", "loaded/preload tables")
assert(type(package.searchers) == "table" and #package.searchers == 4, "four searchers in 5.4")
for i = 1, 4 do assert(type(package.searchers[i]) == "function", "searcher " .. i) end
assert(type(package.searchpath) == "function", "searchpath")
assert(package.config:sub(1, 1) == "/" or package.config:sub(1, 1) == "\\", "config directory separator")
local cfg = {}
for line in package.config:gmatch("[^\n]+") do cfg[#cfg + 1] = line end
assert(#cfg == 5 and cfg[2] == ";" and cfg[3] == "?" and cfg[4] == "!" and cfg[5] == "-", "package.config lines")
assert(package.loaded.package == package, "package is loaded")

-- require a module from the script's directory
simple_mod_loads = nil
local m, where = require("simple_mod")
assert(type(m) == "table" and m.greet("x") == "hello x", "module loaded")
assert(m.name == "simple_mod", "module receives its name as first argument")
assert(where == modules .. "simple_mod.lua" and m.path == where, "loader data (the file name) is the 2nd value and 2nd argument: " .. tostring(where))
assert(package.loaded.simple_mod == m, "stored in package.loaded")
local again, where2 = require("simple_mod")
assert(again == m and simple_mod_loads == 1, "second require uses the cache")
assert(where2 == nil, "no loader data for cached modules")

-- module returning nothing stores true
local nr = require("noreturn_mod")
assert(nr == true and package.loaded.noreturn_mod == true and noreturn_mod_ran, "no return value gives true")
-- module returning false
local fm = require("false_mod")
assert(fm == false and package.loaded.false_mod == false, "false is stored as is")

-- dotted names
local sub = require("pkg.sub")
assert(sub.dotted and sub.name == "pkg.sub", "dotted module")
local init = require("pkg")
assert(init.init, "?/init.lua")

-- modules requiring modules
local other = require("uses_other")
assert(other.other == "hello nested", "nested require")

-- errors
local e = err(function() require("no_such_module_anywhere") end)
assert(string.find(e, "module 'no_such_module_anywhere' not found:", 1, true), e)
assert(string.find(e, "no field package.preload['no_such_module_anywhere']", 1, true), "preload mentioned: " .. e)
assert(string.find(e, "no file '" .. modules .. "no_such_module_anywhere.lua'", 1, true), "tried files listed: " .. e)
e = err(function() require("error_mod") end)
assert(string.find(e, "module failed to load", 1, true), e)
assert(package.loaded.error_mod == nil, "failed module not cached")
e = err(function() require() end)
assert(string.find(e, "bad argument #1 to 'require' (string expected, got no value)", 1, true), e)

-- preload
local preload_args
package.preload["virtual.mod"] = function(...)
  preload_args = table.pack(...)
  return {virtual = true}
end
local v, vdata = require("virtual.mod")
assert(v.virtual and package.loaded["virtual.mod"] == v, "preload")
assert(preload_args[1] == "virtual.mod" and preload_args[2] == ":preload:", "preload loader args")
assert(vdata == ":preload:", "preload loader data")

-- package.loaded can be set directly
package.loaded["fake"] = {fake = 1}
assert(require("fake").fake == 1, "pre-populated package.loaded")
package.loaded["fake"] = nil

-- searchpath
local found = package.searchpath("simple_mod", modules .. "?.lua")
assert(found == modules .. "simple_mod.lua", "searchpath finds the file")
local nf, tried = package.searchpath("nope", modules .. "?.lua;" .. modules .. "?.luac")
assert(nf == nil and string.find(tried, "no file '" .. modules .. "nope.lua'", 1, true)
  and string.find(tried, "no file '" .. modules .. "nope.luac'", 1, true), "searchpath reports tried files: " .. tostring(tried))
assert(package.searchpath("pkg.sub", modules .. "?.lua") == modules .. "pkg/sub.lua", "dots become directory separators")
assert(package.searchpath("pkg_sub", modules .. "?.lua", "_", "/") == modules .. "pkg/sub.lua", "custom separator")

-- custom searcher
table.insert(package.searchers, 2, function(name)
  if name == "from_searcher" then
    return function(n, data) return {n = n, data = data} end, "searcher-data"
  end
  return "\n\tno custom match"
end)
local fs = require("from_searcher")
assert(fs.n == "from_searcher" and fs.data == "searcher-data", "custom searcher")
e = err(function() require("also_missing") end)
assert(string.find(e, "no custom match", 1, true), "searcher messages concatenated: " .. e)
table.remove(package.searchers, 2)

-- package.path errors
local saved = package.path
package.path = nil
e = err(function() require("something_new") end)
assert(string.find(e, "'package.path' must be a string", 1, true), e)
package.path = saved
-- the exact "not found" message: one line per searcher, each template tried listed
do
  local path, cpath = package.path, package.cpath
  package.path, package.cpath = "?.lua;?/?", "?.so;?/init"
  local _, msg = pcall(require, "XXX")
  assert(msg == "module 'XXX' not found:\n\tno field package.preload['XXX']\n\tno file 'XXX.lua'"
    .. "\n\tno file 'XXX/XXX'\n\tno file 'XXX.so'\n\tno file 'XXX/init'", msg)
  -- a dotted name: the C root searcher looks for the root name as well
  _, msg = pcall(require, "XXX.y")
  assert(msg == "module 'XXX.y' not found:\n\tno field package.preload['XXX.y']\n\tno file 'XXX/y.lua'"
    .. "\n\tno file 'XXX/y/XXX/y'\n\tno file 'XXX/y.so'\n\tno file 'XXX/y/init'"
    .. "\n\tno file 'XXX.so'\n\tno file 'XXX/init'", msg)
  package.path, package.cpath = path, cpath
  local nf, tried = package.searchpath("a.b", "?.x;;?/y", ".", "_")
  assert(nf == nil and tried == "no file 'a_b.x'\n\tno file ''\n\tno file 'a_b/y'", tried)
  assert(select(2, package.searchpath("a", "")) == "no file ''", "searchpath with an empty path")
end
print("require OK")

-- Shared by the reload scenarios: writes module versions to temporary files that
-- `require` finds, reloads them with debug.reloadModule, and cleans up.
local H = {}

local prefix = os.tmpname()
local written = {}
package.path = prefix .. "_?.lua;" .. package.path

-- Write (or rewrite) the source of module `name`.
function H.write(name, source)
  local path = prefix .. "_" .. name .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(source)
  f:close()
  written[path] = true
  return path
end

-- Reload `name`; fail the scenario if the reload is refused.
function H.reload(name, options)
  local ok, report = debug.reloadModule(name, options)
  assert(ok, report)
  return report
end

-- Reload `name` expecting a refusal; return its message.
function H.refused(name, options)
  local ok, message = debug.reloadModule(name, options)
  assert(not ok, "reload of " .. tostring(name) .. " was expected to fail")
  assert(type(message) == "string")
  return message
end

function H.has(list, item)
  for _, x in ipairs(list) do
    if x == item then return true end
  end
  return false
end

function H.done(topic)
  for path in pairs(written) do os.remove(path) end
  os.remove(prefix)
  print(topic .. " OK")
end

return H

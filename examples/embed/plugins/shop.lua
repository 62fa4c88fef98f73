-- Uses the host's Rust struct (userdata) passed as an argument.
local M = {}

function M.on_event(name, inventory)
  inventory:add("apple", 3)
  inventory:add(name .. "'s badge", 1)
  log(("%s shopped: %d apples, %d kinds of item, capacity %d"):format(
    name, inventory:count("apple"), #inventory:items(), inventory.capacity))
  -- Trying to escape the sandbox fails quietly.
  local ok, err = pcall(function() string.rep = nil end)
  log("tampering with string: " .. tostring(err))
end

return M

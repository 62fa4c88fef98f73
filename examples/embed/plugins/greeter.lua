-- A well-behaved plugin: keeps state in a local, talks to the host through `log`.
local M = {}
local greeted = 0

function M.on_event(name)
  greeted = greeted + 1
  log(("hello, %s (greeting #%d)"):format(name, greeted))
end

return M

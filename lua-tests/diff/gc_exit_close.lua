-- os.exit(code, true) closes the state first: pending finalizers run, newest first;
-- objects marked during closing are not finalized.
local mt = {}
mt.__gc = function(o)
  print("finalized", o.name)
  setmetatable({name = "made while closing"}, mt)
end
local keep = setmetatable({name = "kept"}, mt)
setmetatable({name = "garbage"}, mt)
do
  local later = setmetatable({name = "later"}, mt)
end
print("exiting")
os.exit(0, true)
print("not reached")

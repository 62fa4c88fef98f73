-- main.lua
local math = require("math")

while true do
    local result = math.add(5, 3)  -- ← This will use updated code after reload
    print("Result:", result)
    socket.sleep(1)  -- Wait 1 second
end

-- A module requiring another module.
local simple = require("simple_mod")
return {other = simple.greet("nested")}

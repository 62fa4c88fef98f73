-- math.pow, cosh, sinh, tanh, log10, frexp, ldexp, atan2: kept by Lua 5.4's standard build
-- (LUA_COMPAT_5_3); libraries written for 5.3 (Moses's M.call spec uses math.pow) call them.
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    if type(v) == "number" then
      if v ~= v then v = "NaN"
      else v = math.type(v) .. ":" .. string.format("%.17g", v) end
    end
    t[i] = tostring(v)
  end
  print(table.concat(t, "  "))
end

show(math.pow(2, 3), math.pow(2, 0.5), math.pow(-8, 1/3), math.pow(0, -1), math.pow("3", 2))
show(math.cosh(0), math.cosh(1), math.sinh(-1), math.sinh(0.5), math.tanh(2), math.tanh(-1000))
show(math.log10(1000), math.log10(2), math.log10(0), math.log10(-1))

for _, x in ipairs{8, 1, 0.75, -3.5, 1e300, -1e-300, 5e-324, 2.5e-310, 2^53, 3} do
  local m, e = math.frexp(x)
  show(x, m, e, math.ldexp(m, e) == x)
end
show(math.frexp(0.0))
show(math.frexp(-0.0))
show(math.frexp(math.huge))
show(math.frexp(-math.huge))
show(math.frexp(0/0))

show(math.ldexp(1, 0), math.ldexp(0.5, 4), math.ldexp(3, -2), math.ldexp(1, 1023), math.ldexp(1, 1024))
show(math.ldexp(1, -1074), math.ldexp(1, -1075), math.ldexp(3, -1075), math.ldexp(1, -1076))
show(math.ldexp(0.75, -1073), math.ldexp(1e-310, 2000), math.ldexp(1e308, -2000))
show(math.ldexp(1.5, 2^32 + 1), math.ldexp(-2, "3"), math.ldexp(1, 3.0))
show(math.ldexp(5e-324, 1074), math.ldexp(2^-1074, 2097), math.ldexp(2^1023, -2098))

show(pcall(math.pow, 2))
show(pcall(math.pow, "x", 2))
show(pcall(math.cosh))
show(pcall(math.frexp, {}))
show(pcall(math.ldexp, 1, 1.5))
show(pcall(math.ldexp, 1))
show(pcall(math.log10, "a"))

-- atan2 is atan itself (the same function value in lua5.4).
show(math.atan2 == math.atan, math.atan2(1, 2), math.atan2(1), math.atan2(-0.0, -1), math.atan2(0, -0.0))
print(pcall(math.atan2))

-- Table constructors size the array part as lua5.4 does: `#` over constructors with nil
-- holes, `{...}`, `{f()}`, and `pairs` order over the positional items.
local function f(...) return ... end
local function show(name, t)
  local n, keys = 0, {}
  for k in pairs(t) do
    n = n + 1
    if math.type(k) == "integer" then keys[#keys + 1] = k end
  end
  print(name, #t, n, table.concat(keys, ","))
end

show("{1,nil,3}", {1, nil, 3})
show("{1,nil}", {1, nil})
show("{nil,nil,3}", {nil, nil, 3})
show("{1,2,nil}", {1, 2, nil})
show("{nil}", {nil})
show("{nil,2}", {nil, 2})
show("{1,nil,3,nil}", {1, nil, 3, nil})
show("{1,nil,nil,4}", {1, nil, nil, 4})
show("{nil,nil,nil,nil,5}", {nil, nil, nil, nil, 5})
show("{1,2,3,nil,nil}", {1, 2, 3, nil, nil})
show("{f(1,nil,3)}", {f(1, nil, 3)})
show("{f(1,nil)}", {f(1, nil)})
show("{f(nil,nil,3)}", {f(nil, nil, 3)})
show("{f()}", {f()})
show("{0,f(1,nil,3)}", {0, f(1, nil, 3)})
show("{f(nil),f(nil,nil,5)}", {f(nil), f(nil, nil, 5)})
show("{(f(1,2,3))}", {(f(1, 2, 3))})
show("{1,nil,3,x=1}", {1, nil, 3, x = 1})
show("{x=1,1,nil,3,y=2}", {x = 1, 1, nil, 3, y = 2})
show("{1,[2]=2,nil,4}", {1, [2] = 2, nil, 4})
show("{[3]=3,1,nil}", {[3] = 3, 1, nil})

local function pack(...)
  local t = {...}
  local out = {}
  for i = 1, #t do out[#out + 1] = tostring(t[i]) end
  return #t .. ":" .. table.concat(out, " ")
end
print(pack(1, nil, 3))
print(pack(nil, nil, nil, 4))
print(pack(1, 2, nil))
print(pack(nil))
print(pack())
print(pack(1, nil, nil, nil, nil, nil, nil, 8))
print(pack("a", nil, "c", nil, "e"))

-- More than one SetList batch, holes across the batch boundary.
local big = {}
for i = 1, 120 do big[i] = (i % 7 == 0) and "nil" or tostring(i) end
local t = load("return {" .. table.concat(big, ",") .. "}")()
print(#t, t[119], t[120])
local u = load("return {" .. table.concat(big, ",") .. ", nil, nil}")()
print(#u)
local v = load("local f = ... return {" .. table.concat(big, ",") .. ", f(nil, nil, 1)}")(f)
print(#v)

-- pairs visits the constructor's positional items first, in order.
for k, val in pairs({1, nil, 3, x = 5, nil, 6}) do io.write(k, "=", val, " ") end
print()
for k, val in pairs({f(1, nil, 3, nil, 5)}) do io.write(k, "=", val, " ") end
print()
print(select("#", table.unpack({1, nil, 3})))
print(select("#", table.unpack({f(nil, nil, 3)})))

-- Later writes keep lua5.4's borders.
local w = {nil, nil}
w[1] = 1
print(#w)
local z = {1, 2, 3}
z[3] = nil
print(#z)

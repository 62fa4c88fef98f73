-- Which metamethods are called, with which arguments, in which order.
local function name(v) return type(v) == "table" and (rawget(v, "name") or "?") or tostring(v) end
local mt = {}
for _, ev in ipairs({"add", "sub", "mul", "div", "mod", "pow", "unm", "idiv", "band", "bor", "bxor", "shl", "shr", "bnot", "concat", "len", "eq", "lt", "le", "call", "index", "newindex"}) do
  mt["__" .. ev] = function(a, b, c)
    print("__" .. ev, name(a), name(b), c)
    if ev == "eq" or ev == "lt" or ev == "le" then return true end
    return ev
  end
end
local A = setmetatable({name = "A"}, mt)
local B = setmetatable({name = "B"}, mt)
print(A + B, A - 1, 2 * A, A / B, A % B, A ^ 2, -A, A // B)
print(A & 1, 1 | A, A ~ B, A << 1, A >> 1, ~A)
print(A .. "s", "s" .. A, 1 .. A, #A)
print(A == B, A ~= B, A < B, A <= B, A > B, A >= B)
print(A(1, 2))
print(A.missing)
A.newkey = 5
print(rawget(A, "newkey"))
print(A == A, A == {}, rawequal(A, B))

-- math.max/min with two numbers of one kind (answered inline) and otherwise, with NaN,
-- signed zeros and errors; type's interned names, against lua5.4.
print(math.max(1, 2), math.max(2, 1), math.max(1.5, 2.5), math.max(1, 2.5), math.max(2.5, 1))
print(math.min(1, 2), math.min(2, 1), math.min(1.5, 2.5), math.min(1, 2.5), math.min(2.5, 1))
print(math.max(0/0, 1), math.max(1, 0/0), math.min(0/0, 1), math.min(1, 0/0))
print(math.max(-0.0, 0.0), math.max(0.0, -0.0), math.min(-0.0, 0.0), math.min(0.0, -0.0))
print(math.max(3), math.min(3), math.max(1, 5, 3), math.min(4, 2, 8))
print(math.type(math.max(1, 2)), math.type(math.max(1.0, 2.0)), math.type(math.max(2, 1.0)))
print(pcall(math.max), pcall(math.min))
print(pcall(math.max, 1, "x"), pcall(math.max, "a", "b"))
print(type(nil), type(true), type(1), type(1.5), type("s"), type({}), type(print), type(type), type(coroutine.create(print)), type(io.stdout))
print(type(1) == "number", rawequal(type({}), "table"), pcall(type))
local t = {} t[type(t)] = 1 print(t.table)

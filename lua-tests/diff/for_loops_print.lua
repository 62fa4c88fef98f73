-- Numeric for loops with float and integer steps, printed.
for i = 1, 3 do io.write(i, " ") end print()
for i = 1.0, 3 do io.write(i, " ") end print()
for i = 1, 2, 0.5 do io.write(i, " ") end print()
for i = 3, 1, -1 do io.write(i, " ") end print()
for i = 0.1, 0.5, 0.1 do io.write(i, " ") end print()
for i = 1, 3.7 do io.write(i, " ") end print()
for i = math.maxinteger - 1, math.maxinteger do io.write(i, " ") end print()
for i = math.mininteger, math.mininteger + 1 do io.write(i, " ") end print()
for i = math.mininteger + 1, math.mininteger, -1 do io.write(i, " ") end print()
for i = 1, 0 do io.write("never") end print("empty loop")
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() for i = 1, "x" do end end))
print(pcall(function() for i = nil, 1 do end end))
print(pcall(function() for i = 1, 2, {} do end end))

-- NaN limits and steps behave as lua5.4's tests have them: a float loop with a NaN limit
-- runs its body once, a NaN step skips the loop, an integer loop with a NaN limit runs
-- toward mininteger for a negative step.
for i=0,0/0,0.5 do print("A",i) end
for i=0,1,0/0 do print("B",i) end
for i=0,-(0/0),-0.5 do print("A2",i) end
local n=0; for i=0,0/0,-1 do n=n+1; if n==3 then break end end; print("C",n)
n=0; for i=0,0/0,1 do n=n+1; if n==3 then break end end; print("D",n)
n=0; for i=5,-math.huge,-2 do n=n+1; if n==4 then break end end; print("E",n)
n=0; for i=5,math.huge,2 do n=n+1; if n==4 then break end end; print("F",n)
n=0; for i=1.0,3,0/0 do n=n+1; if n==4 then break end end; print("G",n)
for i=1,0 do print("never") end
for i=1.0,0.5 do print("never2") end

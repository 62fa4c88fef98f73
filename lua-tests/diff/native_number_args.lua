-- Number arguments of natives (check_integer, check_float): integers and floats inline,
-- integral floats and numeric strings converted, the rest errors with lua5.4's messages.
print(select(2.0, "a", "b", "c"), select("2", "a", "b"), select(" 0x2 ", "a", "b"))
print(pcall(select, 1.5, "a"))
print(pcall(select, {}, "a"))
print(pcall(select, "x", "a"))
print(string.sub("hello", 2.0, "3"), string.rep("ab", 2.0))
print(pcall(string.sub, "hello", 1.5))
print(math.abs(-3), math.abs(-3.5), math.abs("-2"), pcall(math.abs, "x"))
print(math.sqrt(4), math.sqrt("9"), pcall(math.sqrt, nil))
print(math.fmod(7, 3), math.fmod(7.5, "2"), math.exp(0), math.log(8, 2))
print(string.format("%5.1f", "2.25"), ("x"):rep(3, ","))

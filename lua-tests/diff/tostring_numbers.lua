-- tostring / print of integers and floats.
print(1, -1, 0, -0, 1.0, -1.0, 0.0, -0.0)
print(100.0, 1e15, 1e16, 1e100, 2^63, -2^63, 2^53, 2^24)
print(0.1, 0.2, 0.1 + 0.2, 1/3, -1/3, 2/3)
print(1e-5, 1e-4, 123.456, 1e300 * 1e10, -1e300 * 1e10)
print(math.maxinteger, math.mininteger, math.maxinteger + 0.0, math.mininteger + 0.0)
print(3 / 2, 4 / 2, 7 // 2, 7.0 // 2, 7 % 3, 7.5 % 2)
print(255, 0xff, 0x7fffffffffffffff, 0xffffffffffffffff, 1e2, 0x1p4)
print(9007199254740993, 2^53 + 1, 123456789012345678)
print(5 // 0.0, -5 // 0.0, 3 % math.huge, -3 % math.huge)
print(math.pi, -math.pi, math.huge, -math.huge)
print(12345678901234567890, 1e15 + 0.5, 314.16e-2, 0.31416E1, 34e1)
print(0x0.1E, 0xA23p-4, 0X1.921FB54442D18P+1)
print(tostring(10 // 3), tostring(10.0 / 2), 10 .. "", 2^31 .. "")
for _, v in ipairs({1, 1.5, -2, 1e10, 2^63, "10", "0x10", "1e1", " 5 "}) do
  print(v, math.type(v), tonumber(v), math.type(tonumber(v)))
end

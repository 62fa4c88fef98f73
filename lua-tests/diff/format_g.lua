-- %g and related float formatting.
local values = {0, 1, -1, 0.5, 100, 1e5, 1e6, 123456, 1234567, 0.0001, 0.00001, 1/3, 2^63, 1e300, -0.0, 1e-300, 3.14159265358979}
for _, v in ipairs(values) do
  print(string.format("%g|%.3g|%.14g|%10.4g|%-10g|%e|%.2f", v, v, v, v, v, v, v))
end
print(string.format("%g %g", math.huge, -math.huge))
print(string.format("%5.2s|%-5d|%+.1e|%#o|%#X", "abc", 7, 12345.6789, 8, 255))

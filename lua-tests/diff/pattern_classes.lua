-- Character classes over every byte, alone, in sets and complemented, and gmatch's
-- iteration rules (empty matches, a `^` that is not an anchor, captures, init).
local letters = "acdglpsuwxz"
for i = 1, #letters do
  local l = letters:sub(i, i)
  for _, cl in ipairs({l, l:upper()}) do
    local bits = {}
    for b = 0, 255 do
      local c = string.char(b)
      local alone = c:find("%" .. cl) and "1" or "0"
      local set = c:find("[%" .. cl .. "]") and "1" or "0"
      local negset = c:find("[^%" .. cl .. "]") and "1" or "0"
      bits[#bits + 1] = alone .. set .. negset
    end
    print(cl, table.concat(bits))
  end
end
-- An escaped non-class letter or symbol stands for itself.
for _, p in ipairs({"%b()", "%.", "%%", "%q", "%e", "%]"}) do
  print(p, pcall(string.find, "a.b%c(q)e]", p))
end

local function all(s, p, init)
  local out = {}
  for a, b in string.gmatch(s, p, init) do
    out[#out + 1] = tostring(a) .. (b ~= nil and ("/" .. tostring(b)) or "")
  end
  return table.concat(out, " ")
end
print(all("hello world from Lua", "%a+"))
print(all("one two  three", "%a*"))
print(all("abc", ""))
print(all("a,b,,c", "([^,]*)"))
print(all("key=val, k2=v2", "(%w+)=(%w+)"))
print(all("^a^b", "^%a"))
print(all("xaxbxc", "()x"))
print(all("THE (quick) fox", "%f[%a]%a+"))
print(all("hello world", "%a+", 4))
print(all("hello world", "%a+", -5))
print(all("hello", "l*"))
print(all(string.rep("ab", 10), "ab-b"))
print(pcall(string.gmatch("abc", "%"), nil))

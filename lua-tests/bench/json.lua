-- json.lua: a JSON encoder and decoder of the hand-written kind: the decoder walks its input
-- one character at a time with `s:sub(i, i)`, and both build strings with `..`. Documents
-- are generated deterministically, encoded, decoded and encoded again.
-- (piccolo has no string metatable, so `s:sub` makes it n/a.)

local Decoder = {}
Decoder.__index = Decoder

function Decoder.new(text)
  return setmetatable({ text = text, pos = 1 }, Decoder)
end

function Decoder:peek()
  return self.text:sub(self.pos, self.pos)
end

function Decoder:skip_space()
  local c = self.text:sub(self.pos, self.pos)
  while c == " " or c == "\n" or c == "\t" or c == "\r" do
    self.pos = self.pos + 1
    c = self.text:sub(self.pos, self.pos)
  end
  return c
end

function Decoder:expect(c)
  if self.text:sub(self.pos, self.pos) ~= c then
    error("expected " .. c .. " at " .. self.pos)
  end
  self.pos = self.pos + 1
end

local escapes = { n = "\n", t = "\t", r = "\r", b = "\b", f = "\f", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }

function Decoder:string()
  self:expect('"')
  local out = ""
  local text = self.text
  local i = self.pos
  while true do
    local c = text:sub(i, i)
    if c == '"' then
      break
    elseif c == "\\" then
      local e = text:sub(i + 1, i + 1)
      if e == "u" then
        local code = tonumber(text:sub(i + 2, i + 5), 16)
        out = out .. string.char(code % 256)
        i = i + 6
      else
        out = out .. escapes[e]
        i = i + 2
      end
    elseif c == "" then
      error("unterminated string")
    else
      out = out .. c
      i = i + 1
    end
  end
  self.pos = i + 1
  return out
end

function Decoder:number()
  local text = self.text
  local start = self.pos
  local i = start
  local c = text:sub(i, i)
  while c == "-" or c == "+" or c == "." or c == "e" or c == "E" or (c >= "0" and c <= "9") do
    i = i + 1
    c = text:sub(i, i)
  end
  self.pos = i
  return tonumber(text:sub(start, i - 1))
end

function Decoder:literal(word, value)
  for k = 1, #word do
    self:expect(word:sub(k, k))
  end
  return value
end

function Decoder:value()
  local c = self:skip_space()
  if c == "{" then
    return self:object()
  elseif c == "[" then
    return self:array()
  elseif c == '"' then
    return self:string()
  elseif c == "t" then
    return self:literal("true", true)
  elseif c == "f" then
    return self:literal("false", false)
  elseif c == "n" then
    return self:literal("null", nil)
  else
    return self:number()
  end
end

function Decoder:array()
  self:expect("[")
  local arr = {}
  if self:skip_space() == "]" then
    self.pos = self.pos + 1
    return arr
  end
  while true do
    arr[#arr + 1] = self:value()
    local c = self:skip_space()
    self.pos = self.pos + 1
    if c == "]" then return arr end
    if c ~= "," then error("bad array at " .. self.pos) end
  end
end

function Decoder:object()
  self:expect("{")
  local obj = {}
  if self:skip_space() == "}" then
    self.pos = self.pos + 1
    return obj
  end
  while true do
    self:skip_space()
    local key = self:string()
    self:skip_space()
    self:expect(":")
    obj[key] = self:value()
    local c = self:skip_space()
    self.pos = self.pos + 1
    if c == "}" then return obj end
    if c ~= "," then error("bad object at " .. self.pos) end
  end
end

-- Encoder ----------------------------------------------------------------------------------
local encode

local function encode_string(s)
  local out = '"'
  for i = 1, #s do
    local c = s:sub(i, i)
    if c == '"' then
      out = out .. '\\"'
    elseif c == "\\" then
      out = out .. "\\\\"
    elseif c == "\n" then
      out = out .. "\\n"
    elseif c == "\t" then
      out = out .. "\\t"
    elseif c < " " then
      out = out .. "\\u00" .. (c:byte() < 16 and "0" or "") .. string.format("%x", c:byte())
    else
      out = out .. c
    end
  end
  return out .. '"'
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

function encode(v, indent)
  local t = type(v)
  if t == "string" then
    return encode_string(v)
  elseif t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return string.format("%.14g", v)
  elseif t == "boolean" then
    return v and "true" or "false"
  elseif t == "nil" then
    return "null"
  end
  local inner = indent .. "  "
  if #v > 0 then
    local out = "["
    for i = 1, #v do
      if i > 1 then out = out .. "," end
      out = out .. "\n" .. inner .. encode(v[i], inner)
    end
    return out .. "\n" .. indent .. "]"
  end
  local out = "{"
  local keys = sorted_keys(v)
  for i = 1, #keys do
    if i > 1 then out = out .. "," end
    out = out .. "\n" .. inner .. encode_string(keys[i]) .. ": " .. encode(v[keys[i]], inner)
  end
  return out .. "\n" .. indent .. "}"
end

-- Documents --------------------------------------------------------------------------------
local words = { "alpha", "beta", "gamma", "delta", "line\nbreak", 'say "hi"', "tab\there", "path\\to", "omega" }

local function make_doc(seed, depth)
  local doc = { id = seed, name = words[seed % #words + 1] .. seed, active = seed % 3 == 0 }
  doc.score = (seed % 1000) / 8
  doc.tags = {}
  for i = 1, 3 + seed % 4 do
    doc.tags[i] = words[(seed + i) % #words + 1]
  end
  if depth > 0 then
    doc.children = {}
    for i = 1, 3 do
      doc.children[i] = make_doc(seed * 3 + i, depth - 1)
    end
  end
  return doc
end

local function walk(v)
  local t = type(v)
  if t == "table" then
    local n = 0
    local keys = sorted_keys(v)
    for i = 1, #keys do
      n = n + #tostring(keys[i]) + walk(v[keys[i]])
    end
    return n
  elseif t == "string" then
    return #v
  elseif t == "number" then
    return math.floor(v)
  end
  return v and 1 or 0
end

local total_len, total_walk = 0, 0
for round = 1, 70 do
  local doc = make_doc(round, 4)
  local text = encode(doc, "")
  local back = Decoder.new(text):value()
  local again = encode(back, "")
  assert(again == text, "round trip changed the document")
  total_len = total_len + #text
  total_walk = total_walk + walk(back)
end

print("json", total_len, total_walk)

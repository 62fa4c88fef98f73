-- text_processing.lua: pattern-based text processing: word frequencies with gmatch,
-- normalising with gsub (pattern, table and function replacements), extracting key=value
-- pairs with captures, and string.find with patterns, over generated log lines.
-- (piccolo lacks gsub/gmatch/find: n/a.)

local words = { "error", "warning", "info", "disk", "network", "timeout", "user", "login",
  "Failed", "Retry", "cache", "miss", "hit", "latency", "request", "response" }

local function make_log(n, seed)
  local lines = {}
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local a = words[seed % #words + 1]
    local b = words[(seed // 16) % #words + 1]
    local c = words[(seed // 256) % #words + 1]
    lines[i] = "[" .. (1000 + i) .. "] " .. a .. ": " .. b .. " " .. c ..
      " user=u" .. (seed // 4096) % 300 .. " ms=" .. (seed // 65536) % 2000 .. "  "
  end
  return table.concat(lines, "\n")
end

local abbreviations = { error = "ERR", warning = "WRN", info = "INF" }

local checksum, distinct = 0, 0
for round = 1, 24 do
  local log = make_log(4000, round)

  local freq = {}
  for word in log:gmatch("%a+") do
    local w = word:lower()
    freq[w] = (freq[w] or 0) + 1
  end
  local n = 0
  for _, w in ipairs(words) do
    n = n + (freq[w:lower()] or 0) * #w
  end
  checksum = checksum + n

  local compact = log:gsub("%s+", " ")
  local tagged, tags = compact:gsub("(%a+):", abbreviations)
  local masked = tagged:gsub("user=(%w+)", function(u) return "user=<" .. #u .. ">" end)
  checksum = checksum + #compact + tags + #masked

  local slow, total_ms = 0, 0
  for user, ms in log:gmatch("user=(%w+) ms=(%d+)") do
    local v = tonumber(ms)
    total_ms = total_ms + v
    if v > 1500 then slow = slow + #user end
  end
  checksum = (checksum + total_ms + slow) % 1000000007

  local pos, found = 1, 0
  while true do
    local s, e = log:find("timeout: %a+", pos)
    if not s then break end
    found = found + 1
    pos = e + 1
  end
  checksum = checksum + found
  distinct = 0
  for _ in pairs(freq) do distinct = distinct + 1 end
end

print("text_processing", checksum, distinct)

-- report.lua: building a text report the usual ways: string.format for aligned columns and
-- numbers, table.concat of line buffers, `..` for small pieces, tostring, string.rep for
-- rules; per-region and per-product aggregation over generated sales records.
-- (piccolo lacks string.format/rep and table.concat: n/a.)

local regions = { "north", "south", "east", "west", "central" }
local products = { "widget", "gadget", "doohickey", "gizmo", "thingamajig", "whatsit" }

local function make_sales(n, seed)
  local sales = {}
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    sales[i] = {
      region = regions[seed % #regions + 1],
      product = products[(seed // 8) % #products + 1],
      units = (seed // 64) % 50 + 1,
      cents = (seed // 4096) % 10000 + 99,
    }
  end
  return sales
end

local function render(sales, title)
  local lines = {}
  local rule = string.rep("-", 60)
  lines[#lines + 1] = "== " .. title .. " =="
  lines[#lines + 1] = string.format("%-12s %-14s %8s %12s", "region", "product", "units", "amount")
  lines[#lines + 1] = rule
  local by_region = {}
  for i = 1, #sales do
    local s = sales[i]
    local amount = s.units * s.cents
    lines[#lines + 1] = string.format("%-12s %-14s %8d %9d.%02d", s.region, s.product, s.units,
      amount // 100, amount % 100)
    by_region[s.region] = (by_region[s.region] or 0) + amount
  end
  lines[#lines + 1] = rule
  for r = 1, #regions do
    local name = regions[r]
    local total = by_region[name] or 0
    lines[#lines + 1] = "total " .. name .. ": " .. tostring(total // 100) .. "." ..
      string.format("%02d", total % 100) .. " (" .. string.format("%5.1f", total / 1e6) .. "M)"
  end
  return table.concat(lines, "\n")
end

local checksum, longest = 0, 0
for round = 1, 180 do
  local text = render(make_sales(3000, round), "report " .. round)
  if #text > longest then longest = #text end
  for i = 1, #text, 61 do
    checksum = (checksum * 7 + text:byte(i)) % 1000000007
  end
end

print("report", checksum, longest)

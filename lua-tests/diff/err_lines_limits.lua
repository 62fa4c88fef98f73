-- Error positions and parse-time limits as lua5.4 reports them.

local function report(src)
  local f, msg = load(src, "=src")
  if not f then
    print("load:", msg)
    return
  end
  local ok, err = pcall(f)
  print("run:", ok, err)
end

-- A call is on the line where its prefix expression starts.
report("a\n(\n23)\n")
report("local a = {x = 13}\na\n.\nx\n(\n23\n)")
report("local t = {}\nt\n:m\n(\n)")
-- A generic for's iterator call is on the line of the first token after 'in'.
report("\n\n for k,v in \n 3 \n do \n print(k) \n end")
report("for k in\n\n nil do end")

-- Too many local variables is found while parsing, before a later syntax error.
local function names(n, prefix)
  local t = {}
  for i = 1, n do t[i] = prefix .. i end
  return table.concat(t, ", ")
end
report("\nfunction foo ()\n  local " .. names(300, "a") .. "\n")
report("local " .. names(200, "a"))
report("local " .. names(201, "a"))
report("local " .. names(197, "a") .. " for i = 1, 2 do end")
report("local " .. names(196, "a") .. " for i = 1, 2 do end")
report("local " .. names(196, "a") .. " for k in next, {} do end")
report("local " .. names(195, "a") .. " for k in next, {} do end")
report("local t = {} function t:m(" .. names(200, "p") .. ") end")
report("local t = {} local function f(" .. names(201, "p") .. ") end")
report("do local " .. names(199, "a") .. " end local " .. names(199, "b"))
report("local " .. names(199, "a") .. " local function f() end local x")

-- Bad arguments that must be reported.
print(pcall(getmetatable(io.stdin).__gc))
print(pcall(debug.setuservalue, debug.upvalueid(report, 1), {}))

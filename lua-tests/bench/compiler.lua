-- A toy compiler shaped like real ones (teal, Fennel, luacheck): it keeps a large tree of
-- node tables with several fields alive while passes over it make short-lived garbage,
-- and, like a command-line tool whose script does `require("app.main")`, all of its work
-- runs in a module's main chunk loaded by `require`.

package.preload["toyc.main"] = function()
  local seed = 12345
  local function rand(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  end

  -- Source text: functions of statements over a few variables.
  local names = {"alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"}
  local ops = {"+", "-", "*", "<", "=="}
  local function gen_expr(depth)
    if depth == 0 or rand(3) == 0 then
      if rand(2) == 0 then return names[rand(#names) + 1] end
      return tostring(rand(100))
    end
    return "(" .. gen_expr(depth - 1) .. " " .. ops[rand(#ops) + 1] .. " " .. gen_expr(depth - 1) .. ")"
  end
  local lines = {}
  for f = 1, 260 do
    lines[#lines + 1] = "fn f" .. f .. "(alpha, beta) {"
    for _ = 1, 12 do
      local target = names[rand(#names) + 1]
      if rand(4) == 0 then
        lines[#lines + 1] = "  if " .. gen_expr(2) .. " { " .. target .. " = " .. gen_expr(3) .. "; }"
      else
        lines[#lines + 1] = "  let " .. target .. " = " .. gen_expr(4) .. ";"
      end
    end
    lines[#lines + 1] = "  return " .. gen_expr(3) .. ";"
    lines[#lines + 1] = "}"
  end
  local source = table.concat(lines, "\n")

  -- Lexer: one table per token, walking the text with string.find and sub.
  local function lex(src)
    local tokens, pos, line, line_start = {}, 1, 1, 1
    while pos <= #src do
      local c = src:sub(pos, pos)
      if c == "\n" then
        line, line_start, pos = line + 1, pos + 1, pos + 1
      elseif c == " " then
        pos = pos + 1
      else
        local s, e = src:find("^[%a_][%w_]*", pos)
        local kind = "name"
        if not s then s, e = src:find("^%d+", pos); kind = "number" end
        if not s then s, e = src:find("^==", pos); kind = "op" end
        if not s then s, e = pos, pos; kind = "op" end
        local text = src:sub(s, e)
        if text == "fn" or text == "let" or text == "if" or text == "return" then kind = text end
        tokens[#tokens + 1] = {kind = kind, text = text, line = line, col = s - line_start + 1}
        pos = e + 1
      end
    end
    tokens[#tokens + 1] = {kind = "eof", text = "", line = line, col = 1}
    return tokens
  end

  -- Parser: a node table per construct, with its position.
  local Parser = {}
  Parser.__index = Parser
  function Parser.new(tokens) return setmetatable({tokens = tokens, i = 1}, Parser) end
  function Parser:peek() return self.tokens[self.i] end
  function Parser:next() local t = self.tokens[self.i]; self.i = self.i + 1; return t end
  function Parser:expect(text)
    local t = self:next()
    if t.text ~= text then error("line " .. t.line .. ": expected " .. text .. ", got " .. t.text) end
    return t
  end
  local precedence = {["=="] = 1, ["<"] = 2, ["+"] = 3, ["-"] = 3, ["*"] = 4}
  function Parser:primary()
    local t = self:next()
    if t.text == "(" then
      local e = self:expr(0)
      self:expect(")")
      return e
    elseif t.kind == "number" then
      return {kind = "num", value = tonumber(t.text), line = t.line, col = t.col}
    end
    return {kind = "var", name = t.text, line = t.line, col = t.col}
  end
  function Parser:expr(min)
    local left = self:primary()
    while true do
      local op = self:peek()
      local p = precedence[op.text]
      if not p or p <= min then return left end
      self:next()
      local right = self:expr(p)
      left = {kind = "binop", op = op.text, left = left, right = right, line = op.line, col = op.col}
    end
  end
  function Parser:statement()
    local t = self:next()
    if t.kind == "let" then
      local name = self:next().text
      self:expect("=")
      local value = self:expr(0)
      self:expect(";")
      return {kind = "let", name = name, value = value, line = t.line, col = t.col}
    elseif t.kind == "if" then
      local cond = self:expr(0)
      self:expect("{")
      local name = self:next().text
      self:expect("=")
      local value = self:expr(0)
      self:expect(";")
      self:expect("}")
      local body = {kind = "assign", name = name, value = value, line = t.line, col = t.col}
      return {kind = "if", cond = cond, body = body, line = t.line, col = t.col}
    end
    local value = self:expr(0)
    self:expect(";")
    return {kind = "return", value = value, line = t.line, col = t.col}
  end
  function Parser:func()
    local t = self:expect("fn")
    local name = self:next().text
    self:expect("(")
    local params = {}
    while self:peek().text ~= ")" do
      params[#params + 1] = self:next().text
      if self:peek().text == "," then self:next() end
    end
    self:expect(")")
    self:expect("{")
    local body = {}
    while self:peek().text ~= "}" do body[#body + 1] = self:statement() end
    self:expect("}")
    return {kind = "func", name = name, params = params, body = body, line = t.line, col = t.col}
  end

  -- Passes: constant folding makes new nodes, checking walks scopes, emitting builds text.
  local fold_ops = {
    ["+"] = function(a, b) return a + b end,
    ["-"] = function(a, b) return a - b end,
    ["*"] = function(a, b) return a * b end,
  }
  local function fold(e)
    if e.kind ~= "binop" then return e end
    local l, r = fold(e.left), fold(e.right)
    local f = fold_ops[e.op]
    if f and l.kind == "num" and r.kind == "num" then
      return {kind = "num", value = f(l.value, r.value) % 1000003, line = e.line, col = e.col}
    end
    return {kind = "binop", op = e.op, left = l, right = r, line = e.line, col = e.col}
  end
  local function check(e, scope, problems)
    if e.kind == "var" then
      if not scope[e.name] then
        problems[#problems + 1] = string.format("%d:%d: %s used before set", e.line, e.col, e.name)
        scope[e.name] = true
      end
    elseif e.kind == "binop" then
      check(e.left, scope, problems); check(e.right, scope, problems)
    end
  end
  local function emit(e, out)
    if e.kind == "num" then out[#out + 1] = tostring(e.value)
    elseif e.kind == "var" then out[#out + 1] = e.name
    else
      out[#out + 1] = "("; emit(e.left, out); out[#out + 1] = " " .. e.op .. " "
      emit(e.right, out); out[#out + 1] = ")"
    end
  end

  local nodes, problems, digest, out_len = 0, 0, 0, 0
  local function count(e)
    nodes = nodes + 1
    if e.kind == "binop" then count(e.left); count(e.right) end
  end
  local programs = {}
  for round = 1, 3 do
    local program = {}
    local parser = Parser.new(lex(source))
    while parser:peek().kind ~= "eof" do program[#program + 1] = parser:func() end
    programs[round] = program -- all three trees stay alive
    for _, fn in ipairs(program) do
      local scope, found = {}, {}
      for _, p in ipairs(fn.params) do scope[p] = true end
      local out = {}
      for _, st in ipairs(fn.body) do
        local target = st.body or st
        if st.cond then st.cond = fold(st.cond); check(st.cond, scope, found) end
        target.value = fold(target.value)
        check(target.value, scope, found)
        count(target.value)
        if target.name then scope[target.name] = true end
        emit(target.value, out)
        out[#out + 1] = "\n"
      end
      local text = table.concat(out)
      out_len = out_len + #text
      for i = 1, #text, 7 do digest = (digest * 31 + text:byte(i)) % 1000000007 end
      problems = problems + #found
    end
  end
  return {nodes = nodes, problems = problems, digest = digest, out_len = out_len,
    functions = #programs[1] + #programs[2] + #programs[3]}
end

local r = require("toyc.main")
print(string.format("compiler: %d functions, %d nodes, %d problems, %d bytes, digest %d",
  r.functions, r.nodes, r.problems, r.out_len, r.digest))

-- Compile error messages returned by load.
local sources = {
  "x = ",
  "x = = 1",
  "local 1 = 2",
  "if x then",
  "for i = 1 do end",
  "f(",
  "return return",
  "x = }",
  "local t = {1, 2",
  "goto nowhere",
  "::l:: ::l::",
  "break",
  "local x <const> = 1; x = 2",
  "local x <what> = 1",
  "x = 'unfinished",
  "x = [[unfinished",
  "x = '\\q'",
  "x = 0x",
  "x = 1e",
  "a.b:c = 1",
  "(f)",
  "x = function(a, ...) return ... end; function g(..., a) end",
  "local function f() return 1 end end",
  "x = 3 .. 4 ..",
  "\n\n\n  x = @",
  "--[[ unfinished comment",
  "x = '\\300'",
  "x = '\\u{110000000}'",
}
for _, src in ipairs(sources) do
  print(select(2, load(src, "=src")))
end
print(load("x =", "@file.lua"))
print(load("x =", "chunkname"))

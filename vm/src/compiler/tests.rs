//! Compiler tests: structural validation over a corpus, instruction selection, identity
//! paths and Lua-worded compile errors.

use super::validate::validate;
use super::{compile, disassemble};
use crate::bytecode::{FunctionProto, Instr};
use crate::syntax::parse;

fn compile_src(src: &str) -> FunctionProto {
    let chunk = parse(src.as_bytes()).unwrap_or_else(|e| panic!("parse error {e:?} in {src}"));
    let proto = compile(chunk, src.as_bytes(), "=test")
        .unwrap_or_else(|e| panic!("compile error {e:?} in {src}"));
    if let Err(e) = validate(&proto) {
        panic!("invalid bytecode for {src}: {e}\n{}", disassemble(&proto));
    }
    proto
}

#[test]
fn dump() {
    let src = std::env::var("WF_DUMP").unwrap_or_default();
    if !src.is_empty() {
        println!("{}", disassemble(&compile_src(&src)));
    }
    // WF_FILES: whitespace-separated Lua files to compile and validate (manual stress run).
    for path in std::env::var("WF_FILES")
        .unwrap_or_default()
        .split_whitespace()
    {
        let Ok(text) = std::fs::read(path) else {
            continue;
        };
        let Ok(chunk) = parse(&text) else {
            println!("skip (parse error): {path}");
            continue;
        };
        match compile(chunk, &text, path) {
            Ok(p) => {
                if let Err(e) = validate(&p) {
                    println!("INVALID {path}: {e}");
                }
            }
            Err(e) => println!("compile error {path}: {e:?}"),
        }
    }
}

/// Varied snippets; each must compile to structurally valid bytecode.
const CORPUS: &[&str] = &[
    "",
    "return",
    "return 1, 2, ...",
    "local a, b, c = 1 print(a, b, c)",
    "local a, b = f() local c, d, e = ... return a, b, c, d, e",
    "local a = 1, f(), g()",
    "a, b, c = f()",
    "a, b = 1, 2, 3, f()",
    "local t = {1, 2, 3, x = 1, [f()] = g(), ...}",
    "local t = {f()} local u = {(f())} local v = {f(), nil}",
    "local t = {} t[1] = 2 t[300] = 3 t[-1] = t t[1.5] = 'x' t.y = t.x t[t] = nil",
    "local a, b = 1, 2 a, b = b, a",
    "local t, i = {}, 1 t[i], i = i, t[i]",
    "local t = {} t.x, t = 1, 2",
    "x, _ENV = 1, {}",
    "local x = -1 local y = - x local z = not x local w = #x local v = ~x",
    "local a = 1 + 2 * 3 - 4 / 5 // 6 % 7 ^ 8",
    "local a = 1 // 0 local b = 1 % 0 local c = 0.0 / 0 local d = -0.0 local e = 3 & 1.5",
    "local a = x .. y .. z local b = 'a' .. 1 .. x",
    "local a = x == 1 local b = x ~= 'a' local c = x < 1 local d = 1 < x local e = x >= y",
    "local a = x > 1.5 local b = 1000 <= x local c = nil == x local d = x == true",
    "local a = x and y or z local b = not (x and y) local c = (x or y) and z",
    "if x then f() elseif y then g() else h() end",
    "if x and y or z then f() end if not x then g() end if x == nil then end",
    "if a < b and c >= d or not e then return 1 else return 2 end",
    "while x do x = x - 1 end",
    "while true do if x then break end end",
    "repeat local y = f() until y",
    "repeat local y = f() local g = function() return y end until y",
    "for i = 1, 10 do print(i) end",
    "for i = 10, 1, -1 do local f = function() return i end end",
    "for i = 1.0, 2 do break end",
    "for k, v in pairs(t) do print(k, v) end",
    "for k, v in next, t do if v then break end end",
    "for a, b, c, d, e in f() do local g = function() return a, e end end",
    "local function f(n) if n < 2 then return n end return f(n - 1) + f(n - 2) end",
    "local function f(...) local a, b = ... return select('#', ...) end",
    "function M.a.b:c(x, y) return self, x, y end",
    "function f() end function t.g() end function t:h() return self end",
    "local x = 1 local function g() x = x + 1 return x end",
    "local a = 1 local function f() local b = 2 return function() return a + b end end",
    "local _ENV = {} x = 1 print(y)",
    "local function f() local _ENV = {print = print} print(z) end",
    "goto done do local x end ::done::",
    "for i = 1, 3 do if i == 2 then goto continue end print(i) ::continue:: end",
    "::top:: local x = f() if x then goto top end",
    "do local x <close> = f() end",
    "do local x <close> = f() if y then return x end end",
    "local x <close> = f() return g()",
    "while x do local y <close> = f() if z then break end end",
    "for i = 1, 2 do local y <close> = f() if z then goto out end end ::out::",
    "repeat local c <close> = f() until c",
    "for k in pairs(t) do return k end",
    "local x <const> = 5 local y = x + 1",
    "local a <const>, b <close> = 1, f()",
    "local t = {} t.x.y.z = 1 t:m(1, 2) t.a:b(...)",
    "f{1, 2} f'str' f[[long]] t:m{}",
    "return (f())",
    "return f(), g()",
    "return x.y(...)",
    "local a = (...)",
    "local s = 'a' .. 'b' .. ('c' .. 'd')",
    "local t = {x = function() end, y = {z = function() end}}",
    "local x = a.b.c.d.e[f][g]",
    "x = y == z",
    "x = not not y",
    "x = y and 1 or 2",
    "x = (a and b) == c",
    "local a = {} a[#a + 1] = 1",
    "local a = 2^53 local b = 1 << 63 local c = 1 >> 1 local d = x << 2 local e = x >> 2 local f = 3 << x",
    "local a = x + 1 local b = x - 1 local c = x * 2.5 local d = x & 0xff local e = x | y",
    "local a = 127 + x local b = x + 128 local c = x - 128",
    "local function f() return end local function g() return 1 end",
    "local x local function f() return x end x = 3",
    "local a, b = f(), g() local h = function() return a end b = 2",
    "local function f(a, b) local g = function() return a end return b end",
    "function obj:method() local function helper() return self end return helper end",
];

#[test]
fn corpus_compiles_to_valid_bytecode() {
    for src in CORPUS {
        compile_src(src);
    }
}

fn compile_err(src: &str) -> String {
    let chunk = parse(src.as_bytes()).unwrap_or_else(|e| panic!("parse error {e:?} in {src}"));
    match compile(chunk, src.as_bytes(), "=test") {
        Ok(_) => panic!("expected a compile error for {src}"),
        Err(e) => {
            let lines = crate::syntax::LineIndex::new(src.as_bytes());
            e.lua_message("test", &lines)
        }
    }
}

/// Messages checked against `lua5.4 -e 'print(load(src, "=test"))'`.
#[test]
fn errors_match_lua() {
    let cases: &[(&str, &str)] = &[
        (
            "goto x",
            "test:1: no visible label 'x' for <goto> at line 1",
        ),
        (
            "goto x\nprint(1)\n\nprint(2)",
            "test:4: no visible label 'x' for <goto> at line 1",
        ),
        (
            "local function f()\n  goto x\nend\n\nprint(1)",
            "test:5: no visible label 'x' for <goto> at line 2",
        ),
        (
            "do ::x:: end ::x:: ::x::",
            "test:1: label 'x' already defined on line 1",
        ),
        (
            "::a:: ::b::\n::a::",
            "test:2: label 'a' already defined on line 2",
        ),
        ("break", "test:1: break outside loop at line 1"),
        (
            "while true do\n break\nend\nif true then\nbreak\nend\nprint(1)",
            "test:7: break outside loop at line 5",
        ),
        (
            "local x <const> = 1; x = 2",
            "test:1: attempt to assign to const variable 'x'",
        ),
        (
            "local x <const> = 1\nprint(2)\nx = 2",
            "test:3: attempt to assign to const variable 'x'",
        ),
        (
            "local function f() local x <const> = 1; return function() x = 3 end end",
            "test:1: attempt to assign to const variable 'x'",
        ),
        (
            "local x <close> = nil; function x() end",
            "test:1: attempt to assign to const variable 'x'",
        ),
        (
            "goto f; local a; ::f:: print(a)",
            "test:1: <goto f> at line 1 jumps into the scope of local 'a'",
        ),
        (
            "repeat goto x; local a ::x:: until a",
            "test:1: <goto x> at line 1 jumps into the scope of local 'a'",
        ),
    ];
    for (src, expected) in cases {
        assert_eq!(&compile_err(src), expected, "for {src:?}");
    }
    // Allowed: a label at the end of its block is outside the block's locals' scope.
    compile_src("do goto f; local a ::f:: end");
    compile_src("for i = 1, 2 do if i then goto continue end local x = 1 ::continue:: end");
    compile_src("local x <const> = 1 local function f() local x = 2 x = 3 end");
}

#[test]
fn too_many_registers() {
    let many: Vec<String> = (0..300).map(|i| format!("a{i}")).collect();
    let src = format!("f({})", many.join(", "));
    assert_eq!(
        compile_err(&src),
        "test:1: function or expression needs too many registers"
    );
    // 200 locals are fine; registers and max_registers are counted exactly.
    let src = format!("local {} = 1", many[..200].join(", "));
    assert_eq!(compile_src(&src).max_registers, 200);
}

fn main_code(src: &str) -> Vec<Instr> {
    compile_src(src).code
}

fn contains(code: &[Instr], pred: impl Fn(&Instr) -> bool) -> bool {
    code.iter().any(pred)
}

#[test]
fn instruction_selection() {
    use Instr::*;
    let code = main_code("local t = {} t.x = 1");
    assert!(matches!(code[1], SetFieldK { a: 0, .. }), "{code:?}");
    let code = main_code("local a = ... local b = a + 1");
    assert!(contains(&code, |i| matches!(i, AddI { i: 1, .. })));
    // `a - 1` keeps subtraction (the executor must call `__sub`, not `__add`).
    let code = main_code("local a = ... local b = a - 1 local c = a - 1000");
    assert!(contains(&code, |i| matches!(i, SubI { i: 1, .. })));
    assert!(contains(&code, |i| matches!(i, SubK { .. })));
    // A constant on the left of `+`/`*` keeps its place (metamethods see source order).
    let code = main_code("local a = ... local b, c, d = 1 + a, 2.0 * a, 1000 + a");
    assert!(contains(&code, |i| matches!(i, IAdd { i: 1, b: 0, .. })));
    assert!(contains(&code, |i| matches!(i, KMul { b: 0, .. })));
    assert!(contains(&code, |i| matches!(i, KAdd { b: 0, .. })));
    assert!(!contains(&code, |i| matches!(
        i,
        LoadF { .. } | LoadI { .. }
    )));
    // Integral float constants in order comparisons are immediates marked as floats.
    let code = main_code("local a = ... if a > 4.0 or 2.0 <= a or a < 0.5 or a < -3 then end");
    assert!(contains(&code, |i| matches!(i, GtF { i: 4, .. })));
    assert!(contains(&code, |i| matches!(i, GeF { i: 2, .. })));
    assert!(contains(&code, |i| matches!(i, LtI { i: -3, .. })));
    assert!(contains(&code, |i| matches!(i, Lt { .. })));
    let code = main_code("local a = ... local b = a * 2.5 local c = a & 3");
    assert!(contains(&code, |i| matches!(i, MulK { .. })));
    assert!(contains(&code, |i| matches!(i, BAndK { .. })));
    let code = main_code("return f(x)");
    assert!(
        matches!(code[code.len() - 3], TailCall { a: 0, b: 2 }),
        "{code:?}"
    );
    let code = main_code("local c <close> = nil return f(x)");
    assert!(!contains(&code, |i| matches!(i, TailCall { .. })));
    let code = main_code("local t = {} t[1] = x t[1] = 2 local y = t[2] t.k = t.j");
    assert!(contains(&code, |i| matches!(i, SetI { i: 1, .. })));
    assert!(contains(&code, |i| matches!(i, SetIK { i: 1, .. })));
    assert!(contains(&code, |i| matches!(i, GetI { i: 2, .. })));
    assert!(contains(&code, |i| matches!(i, GetField { .. })));
    assert!(contains(&code, |i| matches!(i, SetField { .. })));
    let code = main_code("x = 1 y = z");
    assert!(matches!(code[0], SetTabUpK { up: 0, .. }));
    assert!(matches!(code[1], GetTabUp { up: 0, .. }));
    assert!(matches!(code[2], SetTabUp { up: 0, .. }));
    let code = main_code("local a = x .. y .. z");
    assert!(contains(&code, |i| matches!(i, Concat { a: 0, n: 3 })));
    let code = main_code("local a = ... if a == 'x' or a == 3 or a < 2 or 5 <= a then end");
    assert!(contains(&code, |i| matches!(i, EqK { .. })));
    assert!(contains(&code, |i| matches!(i, EqI { i: 3, .. })));
    assert!(contains(&code, |i| matches!(i, LtI { i: 2, .. })));
    assert!(contains(&code, |i| matches!(i, GeI { i: 5, .. })));
    let code = main_code("local a, b, c, d");
    assert_eq!(code[0], LoadNil { a: 0, n: 3 });
    let code = main_code("local a = 5 local b = 2.0 local c = 1e100 local d = 'str'");
    assert_eq!(code[0], LoadI { a: 0, i: 5 });
    assert_eq!(code[1], LoadF { a: 1, i: 2 });
    assert!(matches!(code[2], LoadK { a: 2, .. }));
    assert!(matches!(code[3], LoadK { a: 3, .. }));
    let code = main_code("t:m(1)");
    assert!(contains(&code, |i| matches!(i, SelfK { .. })));
    let code = main_code("return");
    assert_eq!(code, vec![Return0, Return0]);
    let code = main_code("local x = ... return x");
    assert!(contains(&code, |i| matches!(i, Return1 { a: 0 })));
    // `(f())` keeps one value; `f()` as the last value keeps all.
    let code = main_code("return (f())");
    assert!(contains(&code, |i| matches!(i, Call { c: 2, .. })));
    assert!(contains(&code, |i| matches!(i, Return1 { .. })));
    let code = main_code("return 1, f()");
    assert!(contains(&code, |i| matches!(i, Call { c: 0, .. })));
    assert!(contains(&code, |i| matches!(i, Return { b: 0, .. })));
}

#[test]
fn constant_folding() {
    use crate::bytecode::Constant;
    let p = compile_src("local a = 2 * 3 + 1 local b = 1 / 2 local c = 2^10 local d = -(3)");
    assert_eq!(p.code[0], Instr::LoadI { a: 0, i: 7 });
    assert!(p.constants.contains(&Constant::Float(0.5)));
    assert_eq!(p.code[2], Instr::LoadF { a: 2, i: 1024 });
    assert_eq!(p.code[3], Instr::LoadI { a: 3, i: -3 });
    // Not folded: errors at run time, NaN, -0.0, strings.
    for src in [
        "return 1 // 0",
        "return 1 % 0",
        "return 0/0",
        "return -0.0",
        "return '1' + 1",
    ] {
        let p = compile_src(src);
        let arith = p.code.iter().any(|i| {
            matches!(
                i,
                Instr::IDivK { .. }
                    | Instr::ModK { .. }
                    | Instr::DivK { .. }
                    | Instr::Unm { .. }
                    | Instr::AddI { .. }
            )
        });
        assert!(arith, "{src} should not fold:\n{}", disassemble(&p));
    }
}

#[test]
fn cells_for_captured_locals() {
    use crate::bytecode::LocalSlot;
    let p = compile_src("local a, b = 1, 2 local function f() return a end local c = b");
    // `a` lives in a cell; `b` is packed into the first register.
    assert_eq!(p.num_cells, 1);
    let slot = |name: &str| p.locals.iter().find(|l| l.name == name).map(|l| l.slot);
    assert_eq!(slot("a"), Some(LocalSlot::Cell(0)));
    assert_eq!(slot("b"), Some(LocalSlot::Register(0)));
    let f = &p.protos[0];
    assert_eq!(f.upvalues[0].name, "a");
    assert!(f.upvalues[0].from_parent_cell);
    // A recursive local function sees its own cell; loop variables get a cell per iteration.
    let p = compile_src("local function f(n) return f(n) end");
    assert!(matches!(p.code[1], Instr::NewCell { cell: 0, .. }));
    assert_eq!(p.protos[0].upvalues[0].name, "f");
    let p = compile_src("for i = 1, 3 do g = function() return i end end");
    let prep = p
        .code
        .iter()
        .position(|i| matches!(i, Instr::ForPrep { .. }))
        .unwrap_or(0);
    assert!(matches!(p.code[prep + 1], Instr::NewCell { a: 3, .. }));
    // Parameters captured by a nested function get a cell at entry; an upvalue of an
    // upvalue comes from the parent's upvalue list.
    let p = compile_src("local x function f(a) return function() return a, x end end");
    let f = &p.protos[0];
    assert!(matches!(f.code[0], Instr::NewCell { cell: 0, a: 0 }));
    let inner = &f.protos[0];
    assert_eq!(inner.upvalues.len(), 2);
    assert!(inner.upvalues[0].from_parent_cell);
    assert!(!inner.upvalues[1].from_parent_cell);
    // Cell slots are reused once a scope ends.
    let p = compile_src(
        "do local a local f = function() return a end end do local b local g = function() return b end end",
    );
    assert_eq!(p.num_cells, 1);
}

#[test]
fn every_instruction_has_a_line() {
    let src = "local t = {}\nfunction t.f(a,\n b)\n  return a +\n b\nend\nprint(\n t.f(1, 2))\n";
    let p = compile_src(src);
    assert_eq!(p.protos[0].line_defined, 2);
    assert_eq!(p.protos[0].last_line_defined, 6);
    let add = p.protos[0]
        .code
        .iter()
        .position(|i| matches!(i, Instr::Add { .. }))
        .unwrap_or(0);
    assert_eq!(p.protos[0].lines.get(add), Some(4));
    // The outer call is on the line of its argument list's `(`.
    let calls: Vec<u32> = p
        .code
        .iter()
        .zip(p.lines.iter())
        .filter(|(i, _)| matches!(i, Instr::Call { .. }))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(calls, vec![8, 7]);
}

/// All identities of `proto` and its descendants, in prototype order.
fn identities(proto: &FunctionProto) -> Vec<String> {
    let mut out = Vec::new();
    for child in &proto.protos {
        out.push(child.identity.clone());
        out.extend(identities(child));
    }
    out
}

#[test]
fn identity_paths() {
    let cases: &[(&str, &[&str])] = &[
        ("function M.add() end", &["M.add"]),
        ("function a.b.c() end", &["a.b.c"]),
        ("function M:draw() end", &["M:draw"]),
        ("function foo() end", &["foo"]),
        ("local function helper() end", &["helper"]),
        ("local f = function() end", &["f"]),
        ("local f, g = function() end, function() end", &["f", "g"]),
        ("t.x = function() end t.a.b = function() end", &["t.x", "t.a.b"]),
        ("x = function() end", &["x"]),
        ("local ui = { on_click = function() end }", &["ui.on_click"]),
        ("ui = { on_click = function() end }", &["ui.on_click"]),
        ("return { f = function() end }", &["f"]),
        ("local ui = { btn = { click = function() end } }", &["ui.btn.click"]),
        ("t.cfg = { go = function() end }", &["t.cfg.go"]),
        ("f(function() end, function() end)", &["<anonymous#1>", "<anonymous#2>"]),
        ("local t = { function() end }", &["<anonymous#1>"]),
        ("t[1] = function() end", &["<anonymous#1>"]),
        (
            "function M.add() local function helper() end return function() end end",
            &["M.add", "M.add/helper", "M.add/<anonymous#1>"],
        ),
        (
            "local function f() end local function f() end local function f() end",
            &["f", "f#2", "f#3"],
        ),
        (
            "function M:draw() local x = function() end end function M.other() local x = function() end end",
            &["M:draw", "M:draw/x", "M.other", "M.other/x"],
        ),
        ("local f = (function() end)", &["<anonymous#1>"]),
    ];
    for (src, expected) in cases {
        let got = identities(&compile_src(src));
        assert_eq!(&got, expected, "for {src}");
    }
}

#[test]
fn methods_get_self() {
    let p = compile_src("function t:m(a) return self, a end");
    let m = &p.protos[0];
    assert_eq!(m.num_params, 2);
    assert_eq!(m.locals[0].name, "self");
    assert!(!m.is_vararg);
    let main = compile_src("");
    assert!(main.is_vararg);
    assert_eq!(main.num_params, 0);
    assert_eq!(main.upvalues.len(), 1);
    assert_eq!(main.upvalues[0].name, "_ENV");
    assert_eq!(&*main.source, "=test");
}

#[test]
fn large_functions_fall_back_to_register_forms() {
    use Instr::*;
    // 120 positional items: SetList batches of 50 with the right start offsets.
    let items: Vec<String> = (0..120).map(|i| i.to_string()).collect();
    let p = compile_src(&format!("local t = {{{}}}", items.join(", ")));
    let starts: Vec<u32> = p
        .code
        .windows(2)
        .filter_map(|w| match (w[0], w[1]) {
            (SetList { n, .. }, ExtraArg { hi, lo }) => {
                Some(n as u32 * 1000 + Instr::extra_arg_value(hi, lo))
            }
            _ => None,
        })
        .collect();
    assert_eq!(starts, vec![50_000, 50_050, 20_100]);
    assert!(matches!(p.code[0], NewTable { array: 120, .. }));

    // Past 255 constants: string keys, globals and methods need register forms.
    let mut src = String::from("local t = {}\n");
    for i in 0..300 {
        src.push_str(&format!("t.f{i} = 1.5\n"));
    }
    src.push_str("local a = t.late g_late = a t:m_late() t.x_late = t.y_late\n");
    let p = compile_src(&src);
    let tail: Vec<Instr> = p.code[p.code.len() - 20..].to_vec();
    assert!(
        contains(&tail, |i| matches!(i, GetTable { .. })),
        "{tail:?}"
    );
    assert!(
        contains(&tail, |i| matches!(i, SetTable { .. })),
        "{tail:?}"
    );
    assert!(!contains(&tail, |i| matches!(i, SelfK { .. })), "{tail:?}");
}

#[test]
fn closing_and_loops() {
    use Instr::*;
    // `repeat` with a to-be-closed body local closes on both exit and repetition.
    let p = compile_src("repeat local c <close> = f() until c");
    let closes = p.code.iter().filter(|i| matches!(i, Close { .. })).count();
    assert_eq!(closes, 2, "{}", disassemble(&p));
    // A generic for closes its state after the loop; `break` jumps to that `Close`.
    let p = compile_src("for k in pairs(t) do if k then break end end");
    let close = p.code.iter().position(|i| matches!(i, Close { .. }));
    let tforloop = p.code.iter().position(|i| matches!(i, TForLoop { .. }));
    assert_eq!(close, tforloop.map(|t| t + 1));
    // `return` inside a generic for closes it and is not a tail call.
    let p = compile_src("for k in pairs(t) do return f(k) end");
    assert!(!contains(&p.code, |i| matches!(i, TailCall { .. })));
    let ret = p.code.iter().position(|i| matches!(i, Return { .. }));
    assert!(matches!(ret.map(|r| p.code[r - 1]), Some(Close { .. })));
    // A backward goto out of a tbc scope closes it.
    let p = compile_src("::top:: do local c <close> = f() if c then goto top end end");
    let jmp_back = p.code.iter().enumerate().position(|(pc, i)| match *i {
        Jmp { hi, lo } => pc as i32 + 1 + Instr::jump_offset(hi, lo) == 0,
        _ => false,
    });
    assert!(matches!(
        jmp_back.map(|j| p.code[j - 1]),
        Some(Close { a: 0 })
    ));
}

#[test]
fn validation_rejects_a_test_without_its_jump() {
    let mut p = compile_src("local x = ... if x then x = 1 end return x");
    validate(&p).expect("compiled code is valid");
    let test = p
        .code
        .iter()
        .position(|i| matches!(i, Instr::Test { .. }))
        .expect("a Test instruction");
    // A crafted chunk: the jump after the test replaced by another instruction.
    p.code[test + 1] = Instr::LoadNil { a: 0, n: 0 };
    let err = validate(&p).expect_err("must be refused");
    assert!(err.contains("test not followed by a jump"), "{err}");
}

/// The executor reads registers, constants and instructions without bounds checks
/// (`runtime::exec::{reg, konst, fetch}`), relying on validation to refuse operands
/// outside the function's frame, its constants or its code.
#[test]
fn validation_rejects_operands_the_executor_reads_unchecked() {
    let base = compile_src("local a, b = ... return a + b * 2");
    validate(&base).expect("compiled code is valid");
    let add = base
        .code
        .iter()
        .position(|i| matches!(i, Instr::Add { .. }))
        .expect("an Add instruction");
    let refused = |instr: Instr| {
        let mut p = base.clone();
        p.code[add] = instr;
        validate(&p).expect_err("must be refused")
    };
    let max = base.max_registers;
    for instr in [
        Instr::Add { a: max, b: 0, c: 1 },
        Instr::Add { a: 0, b: max, c: 1 },
        Instr::Add { a: 0, b: 0, c: max },
        Instr::Move { a: 0, b: max },
    ] {
        let err = refused(instr);
        assert!(err.contains("register"), "{err}");
    }
    let nk = base.constants.len() as u8;
    let err = refused(Instr::AddK { a: 0, b: 0, k: nk });
    assert!(err.contains("constant"), "{err}");
    let err = refused(Instr::LoadK { a: 0, k: nk as u16 });
    assert!(err.contains("constant"), "{err}");
    let err = refused(Instr::jmp(base.code.len() as i32));
    assert!(err.contains("jump target"), "{err}");
    let err = refused(Instr::jmp(-(add as i32) - 2));
    assert!(err.contains("jump target"), "{err}");
}

/// Packed constructors (all-literal ones, see `syntax::packed`) compile to exactly the code,
/// constants and line info of the same constructors parsed as ordinary field lists.
#[test]
fn packed_constructors_compile_like_field_lists() {
    let mut src = String::from("local t = {\n");
    for i in 0..260 {
        src.push_str(&format!(
            "  {{id = {i}, name = \"item{i}\", p = {i}.5, neg = -{i}, tags = {{'a', 'b',\n 'c{i}'}}, [{i}] = {{x = {i}, y = true}}}},\n"
        ));
    }
    src.push_str("}\nlocal u = {1, 2, 'x', {y = 2}, ...}\nreturn t, u, {f = function() return {1, {2}} end}\n");
    let packed = compile(parse(src.as_bytes()).unwrap(), src.as_bytes(), "=t").unwrap();
    let plain = compile(
        crate::syntax::parse_unpacked(src.as_bytes()).unwrap(),
        src.as_bytes(),
        "=t",
    )
    .unwrap();
    assert!(
        packed == plain,
        "packed and unpacked constructors compile differently"
    );
    validate(&packed).unwrap();
}

//! Lua errors, variable descriptions for messages ("(global 'x')") and tracebacks.

use gc_arena::{Collect, Gc, Mutation};

use crate::bytecode::{FunctionProto, Instr, LocalSlot};
use crate::runtime::callsite::call_site_name;
use crate::string::LuaString;
use crate::thread::{Frame, ThreadState};
use crate::value::Value;

/// An error travelling through Lua code: any Lua value, plus the traceback once known.
#[derive(Clone, Collect)]
#[collect(no_drop)]
pub struct LuaError<'gc> {
    pub value: Value<'gc>,
    #[collect(require_static)]
    pub traceback: Option<String>,
}

impl<'gc> LuaError<'gc> {
    pub fn new(value: Value<'gc>) -> LuaError<'gc> {
        LuaError {
            value,
            traceback: None,
        }
    }

    pub fn from_str(mc: &Mutation<'gc>, msg: &str) -> LuaError<'gc> {
        LuaError::new(Value::String(LuaString::new(mc, msg.as_bytes())))
    }
}

impl std::fmt::Debug for LuaError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LuaError({:?})", self.value)
    }
}

/// An error as the host sees it, after it left the arena.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeError {
    /// The error value rendered as Lua's standalone interpreter would print it.
    pub message: String,
    pub traceback: Option<String>,
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}

/// The display name of a chunk for messages, as lua5.4's `luaO_chunkid` with its
/// 60-byte `LUA_IDSIZE`: `@file.lua` → `file.lua` (long names keep their end after
/// `...`), `=name` → `name` (cut to 59 bytes), source text → `[string "first line..."]`.
pub fn chunk_display_name(source: &str) -> String {
    const ID_SIZE: usize = 60;
    const DOTS: &str = "...";
    let bytes = source.as_bytes();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if let Some(rest) = bytes.strip_prefix(b"=") {
        return text(&rest[..rest.len().min(ID_SIZE - 1)]);
    }
    if let Some(rest) = bytes.strip_prefix(b"@") {
        if bytes.len() <= ID_SIZE {
            return text(rest);
        }
        let keep = ID_SIZE - DOTS.len() - 1;
        return format!("{DOTS}{}", text(&rest[rest.len() - keep..]));
    }
    // Room left inside `[string "..."]` and the terminating NUL of the C buffer.
    let room = ID_SIZE - "[string \"".len() - DOTS.len() - "\"]".len() - 1;
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(bytes);
    if first_line.len() == bytes.len() && bytes.len() < room {
        format!("[string \"{}\"]", text(bytes))
    } else {
        let cut = &first_line[..first_line.len().min(room)];
        format!("[string \"{}{DOTS}\"]", text(cut))
    }
}

/// The source line executing at `pc` (the instruction *before* `pc`, which is the one
/// being executed since `pc` points past it).
///
/// A function loaded from a stripped binary chunk has no line information: -1, as lua5.4.
pub fn current_line(proto: &FunctionProto, pc: usize) -> i64 {
    if proto.lines.is_empty() && !proto.code.is_empty() {
        return -1;
    }
    let i = pc.saturating_sub(1);
    i64::from(proto.lines.get(i).unwrap_or(proto.line_defined))
}

fn constant_str(consts: &[Value<'_>], k: usize) -> Option<String> {
    match consts.get(k) {
        Some(Value::String(s)) => Some(s.to_str_lossy().into_owned()),
        _ => None,
    }
}

fn local_name_at(proto: &FunctionProto, slot: LocalSlot, pc: usize) -> Option<&str> {
    proto
        .locals
        .iter()
        .rev()
        .find(|l| l.slot == slot && (l.start_pc as usize) <= pc && pc < l.end_pc as usize)
        .map(|l| l.name.as_str())
}

/// Does `ins` write register `reg`?
fn writes_register(ins: Instr, reg: u8) -> bool {
    use Instr::*;
    let mut ins = ins;
    if let Some(a) = ins.single_dest_mut() {
        return *a == reg;
    }
    match ins {
        LoadFalseSkip { a } | Concat { a, .. } | TestSet { a, .. } => a == reg,
        SelfK { a, .. } => reg == a || reg == a.wrapping_add(1),
        LoadNil { a, n } => reg >= a && reg <= a.saturating_add(n),
        Call { a, .. } | Vararg { a, .. } => reg >= a,
        TForCall { a, .. } => reg >= a.saturating_add(4),
        _ => false,
    }
}

/// Describe what register `reg` held at `pc` for an error message: `global 'x'`,
/// `local 't'`, `field 'add'`, `upvalue 'u'`, `method 'm'`, `constant 'abc'`.
pub fn describe_register(
    proto: &FunctionProto,
    consts: &[Value<'_>],
    pc: usize,
    reg: u8,
) -> Option<String> {
    let (kind, name) = register_name(proto, consts, pc, reg)?;
    Some(format!("{kind} '{name}'"))
}

/// What register `reg` held at `pc` (which points past the executing instruction), as
/// lua5.4's `getobjname` tells it: the kind (`global`, `local`, `field`, `upvalue`,
/// `method`, `constant`) and the name.
pub fn register_name(
    proto: &FunctionProto,
    consts: &[Value<'_>],
    pc: usize,
    reg: u8,
) -> Option<(&'static str, String)> {
    let at = pc.saturating_sub(1);
    if let Some(name) = local_name_at(proto, LocalSlot::Register(reg), at) {
        return Some(("local", name.to_string()));
    }
    let writer = find_writer(proto, at, reg)?;
    describe_writer(proto, consts, writer, reg)
}

/// The instruction before `last` that last wrote `reg`, as lua5.4's `findsetreg` finds it:
/// a write inside code a forward jump may skip (`a or b`, `if` branches) gives no answer,
/// since which value the register holds is unknown.
fn find_writer(proto: &FunctionProto, last: usize, reg: u8) -> Option<usize> {
    let mut writer = None;
    // Code before this index is conditional.
    let mut jump_target = 0;
    for (pc, &ins) in proto.code.iter().enumerate().take(last) {
        if let Instr::Jmp { hi, lo } = ins {
            let dest = pc as i64 + 1 + i64::from(Instr::jump_offset(hi, lo));
            if dest <= last as i64 && dest > jump_target as i64 {
                jump_target = dest as usize;
            }
        } else if writes_register(ins, reg) {
            writer = (pc >= jump_target).then_some(pc);
        }
    }
    writer
}

fn describe_writer(
    proto: &FunctionProto,
    consts: &[Value<'_>],
    writer: usize,
    reg: u8,
) -> Option<(&'static str, String)> {
    match proto.code[writer] {
        Instr::Move { b, a } if b < a => register_name(proto, consts, writer + 1, b),
        Instr::GetTabUp { up, k, .. } => {
            let key = constant_str(consts, k as usize)?;
            let is_env = proto
                .upvalues
                .get(up as usize)
                .is_some_and(|u| u.name == "_ENV");
            Some((if is_env { "global" } else { "field" }, key))
        }
        // lua5.4.4 names every integer-keyed field access this way.
        Instr::GetI { .. } => Some(("field", "integer index".into())),
        Instr::GetTable { a, b, c } => {
            // Only a key loaded from a string constant has a name to show.
            let key = match register_name(proto, consts, writer + 1, c) {
                Some(("constant", name)) => name,
                _ => "?".into(),
            };
            if is_long_self(proto, writer, a, b, c) {
                return Some(("method", key));
            }
            Some((global_or_field(proto, consts, writer, b), key))
        }
        Instr::GetField { b, k, .. } => {
            let key = constant_str(consts, k as usize)?;
            Some((global_or_field(proto, consts, writer, b), key))
        }
        Instr::GetUpval { up, .. } => {
            let name = &proto.upvalues.get(up as usize)?.name;
            Some(("upvalue", name.clone()))
        }
        Instr::GetCell { cell, .. } => {
            let name = local_name_at(proto, LocalSlot::Cell(cell), writer)?;
            Some(("local", name.to_string()))
        }
        Instr::LoadK { k, .. } => Some(("constant", constant_str(consts, k as usize)?)),
        Instr::SelfK { a, k, .. } if a == reg => {
            Some(("method", constant_str(consts, k as usize)?))
        }
        _ => None,
    }
}

/// Is the `GetTable` at `at` the last of the three steps the compiler emits for `obj:m()`
/// when `m`'s constant index is too large for `SelfK` (Move self, LoadK key, GetTable)?
fn is_long_self(proto: &FunctionProto, at: usize, a: u8, b: u8, c: u8) -> bool {
    let step = |back: usize| {
        at.checked_sub(back)
            .and_then(|i| proto.code.get(i))
            .copied()
    };
    matches!(step(2), Some(Instr::Move { a: m, b: o }) if m == a.wrapping_add(1) && o == b)
        && matches!(step(1), Some(Instr::LoadK { a: k, .. }) if k == c)
}

/// "global" when the table indexed by the instruction at `at` (in register `table`) is
/// `_ENV` (a local or an upvalue of that name, as lua5.4's `isEnv`), else "field".
fn global_or_field(
    proto: &FunctionProto,
    consts: &[Value<'_>],
    at: usize,
    table: u8,
) -> &'static str {
    match register_name(proto, consts, at + 1, table) {
        Some(("local" | "upvalue", name)) if name == "_ENV" => "global",
        _ => "field",
    }
}

/// Describe upvalue `up` of a function: `upvalue 'name'` (or `global` for `_ENV` lookups).
pub fn describe_upvalue(proto: &FunctionProto, up: u8) -> Option<String> {
    let name = &proto.upvalues.get(up as usize)?.name;
    Some(format!("upvalue '{name}'"))
}

/// How a traceback names the function running in frame `index` (from its caller's
/// instruction), e.g. `function 'f'`, `local 'f'`, `method 'm'`, `metamethod 'index'`.
fn frame_function_name(th: &ThreadState<'_>, index: usize) -> Option<String> {
    let Frame::Lua(frame) = &th.frames[index] else {
        return None;
    };
    if frame.is_tail {
        return None;
    }
    let (kind, name) = call_site_name(th, index.checked_sub(1)?)?;
    Some(match kind {
        "global" => format!("function '{name}'"),
        _ => format!("{kind} '{name}'"),
    })
}

/// A traceback of the Lua frames of `th`, innermost first, in lua5.4's format.
pub fn traceback(th: &ThreadState<'_>, message: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(m) = message {
        out.push_str(m);
        out.push('\n');
    }
    out.push_str("stack traceback:");
    for (i, frame) in th.frames.iter().enumerate().rev() {
        if matches!(frame, Frame::Lua(_)) {
            out.push_str(&traceback_frame_line(th, i, None));
        }
    }
    out.push_str("\n\t[C]: in ?");
    out
}

/// The traceback line of the Lua frame `th.frames[index]` (`"\n\tchunk:line: in what"`, plus
/// the tail-call marker); empty for other frames. `global_name` is a name found for the
/// function in the loaded modules, which lua5.4 prefers to the call site's name.
pub fn traceback_frame_line(
    th: &ThreadState<'_>,
    index: usize,
    global_name: Option<&str>,
) -> String {
    let Some(Frame::Lua(lf)) = th.frames.get(index) else {
        return String::new();
    };
    let proto = &Gc::as_ref(lf.proto).info;
    let chunk = chunk_display_name(&proto.source);
    let line = current_line(proto, lf.pc);
    let what = if let Some(name) = global_name {
        format!("function '{name}'")
    } else if proto.line_defined == 0 {
        "main chunk".to_string()
    } else if let Some(name) = frame_function_name(th, index) {
        name
    } else {
        format!("function <{}:{}>", chunk, proto.line_defined)
    };
    let mut out = format!("\n\t{chunk}:{line}: in {what}");
    if lf.is_tail {
        out.push_str("\n\t(...tail calls...)");
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::stdlib::test_support::run;

    /// The error message of `src` run inside `pcall`.
    fn message_of(src: &str) -> String {
        run(&format!(
            "local ok, e = pcall(function() {src} end) return e"
        ))[0]
            .clone()
    }

    #[test]
    fn comparisons_name_types_with_name_fields() {
        assert_eq!(
            message_of("local a = setmetatable({}, {__name = 'A'}); return a < {}"),
            "test:1: attempt to compare A with table"
        );
        assert_eq!(
            message_of("local a = setmetatable({}, {__name = 'A'}); return a <= a"),
            "test:1: attempt to compare two A values"
        );
        assert_eq!(
            message_of("local a = setmetatable({}, {__name = 'A'}); table.sort({a, a, 1})"),
            "attempt to compare number with A"
        );
    }

    #[test]
    fn integer_conversions_name_the_variable() {
        assert_eq!(
            message_of("local f = 1.5; return f | 1"),
            "test:1: number (local 'f') has no integer representation"
        );
        assert_eq!(
            message_of("local f = 1.5; return 1 & f"),
            "test:1: number (local 'f') has no integer representation"
        );
        assert_eq!(
            message_of("return 1.5 | 1"),
            "test:1: number has no integer representation"
        );
        assert_eq!(
            message_of("local a, b = 1.5, 2.5; return a | b"),
            "test:1: number (local 'a') has no integer representation"
        );
    }

    #[test]
    fn len_metamethod_gets_the_operand_twice() {
        assert_eq!(
            run("local t = setmetatable({}, {__len = function(a, b) \
                 return select('#', a, b) .. tostring(rawequal(a, b)) end}) return #t")[0],
            "2true"
        );
    }

    #[test]
    fn assert_raises_string_messages_like_error() {
        assert_eq!(message_of("assert(nil, 'msg')"), "test:1: msg");
        assert_eq!(message_of("assert(false)"), "test:1: assertion failed!");
        assert_eq!(message_of("assert(false, 12)"), "12");
        assert_eq!(run("return select(2, pcall(assert, false, 'm'))")[0], "m");
    }

    #[test]
    fn numeric_for_errors_and_string_operands() {
        assert_eq!(
            message_of("for i = 1, 'x' do end"),
            "test:1: bad 'for' limit (number expected, got string)"
        );
        assert_eq!(
            message_of("for i = nil, 1 do end"),
            "test:1: bad 'for' initial value (number expected, got nil)"
        );
        assert_eq!(
            message_of("for i = 1, 2, setmetatable({}, {__name = 'N'}) do end"),
            "test:1: bad 'for' step (number expected, got N)"
        );
        assert_eq!(
            run(
                "local r = {} for i = '1', 2 do r[#r + 1] = math.type(i) end \
                 for i = 1, '2.5' do r[#r + 1] = math.type(i) end return table.concat(r, ' ')"
            )[0],
            "float float integer integer"
        );
    }

    #[test]
    fn tracebacks_name_frames_from_their_call_sites() {
        let e = crate::runtime::Runtime::new()
            .run_chunk(
                b"local t = setmetatable({}, {__index = function() error('boom') end})\n\
                  local obj = {}\nfunction obj:m() return t.x + 1 end\nobj:m()",
                "=test",
                &[],
            )
            .err()
            .map(|e| match e {
                crate::runtime::RunError::Runtime(r) => r.traceback.unwrap_or_default(),
                other => other.to_string(),
            })
            .unwrap_or_default();
        assert!(e.contains("test:1: in metamethod 'index'"), "{e}");
        assert!(e.contains("test:3: in method 'm'"), "{e}");
    }

    #[test]
    fn names_survive_constant_indices_beyond_the_instruction_operands() {
        let prefix: String = (1..=300).map(|i| format!("a = x{i}; ")).collect();
        let global = run(&format!(
            "return select(2, pcall(load('{prefix} a = bbb + 1')))"
        ));
        assert!(global[0].ends_with("(global 'bbb')"), "{global:?}");
        let method = run(&format!(
            "return select(2, pcall(load('{prefix} local t = {{}}; t:bbb()')))"
        ));
        assert!(method[0].ends_with("(method 'bbb')"), "{method:?}");
    }

    #[test]
    fn chunk_names_are_cut_like_lua_chunkid() {
        use super::chunk_display_name as id;
        assert_eq!(id("@short.lua"), "short.lua");
        let long = format!("@{}end.lua", "d/".repeat(40));
        assert_eq!(id(&long), format!("...{}", &long[long.len() - 56..]));
        assert_eq!(id(&format!("={}", "n".repeat(70))), "n".repeat(59));
        assert_eq!(
            id(&"y".repeat(44)),
            format!("[string \"{}\"]", "y".repeat(44))
        );
        assert_eq!(
            id(&"y".repeat(45)),
            format!("[string \"{}...\"]", "y".repeat(45))
        );
        assert_eq!(id("line one\nline two"), "[string \"line one...\"]");
    }
}

//! Lua errors, variable descriptions for messages ("(global 'x')") and tracebacks.

use gc_arena::{Collect, Gc, Mutation};

use crate::bytecode::{FunctionProto, Instr, LocalSlot};
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

/// The display name of a chunk for messages: `@file.lua` → `file.lua`, `=name` → `name`,
/// source text → `[string "first line..."]`.
pub fn chunk_display_name(source: &str) -> String {
    if let Some(rest) = source.strip_prefix('@') {
        return rest.to_string();
    }
    if let Some(rest) = source.strip_prefix('=') {
        return rest.chars().take(59).collect();
    }
    let first_line = source.split(['\n', '\r']).next().unwrap_or("");
    const MAX: usize = 45;
    let truncated = first_line.len() < source.len() || first_line.chars().count() > MAX;
    if truncated {
        let short: String = first_line.chars().take(MAX).collect();
        format!("[string \"{short}...\"]")
    } else {
        format!("[string \"{first_line}\"]")
    }
}

/// The source line executing at `pc` (the instruction *before* `pc`, which is the one
/// being executed since `pc` points past it).
pub fn current_line(proto: &FunctionProto, pc: usize) -> u32 {
    let i = pc.saturating_sub(1);
    proto.lines.get(i).copied().unwrap_or(proto.line_defined)
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
    let at = pc.saturating_sub(1);
    if let Some(name) = local_name_at(proto, LocalSlot::Register(reg), at) {
        return Some(format!("local '{name}'"));
    }
    let writer = (0..at.min(proto.code.len()))
        .rev()
        .find(|&i| writes_register(proto.code[i], reg))?;
    describe_writer(proto, consts, writer, reg)
}

fn describe_writer(
    proto: &FunctionProto,
    consts: &[Value<'_>],
    writer: usize,
    reg: u8,
) -> Option<String> {
    match proto.code[writer] {
        Instr::Move { b, a } if b < a => describe_register(proto, consts, writer + 1, b),
        Instr::GetTabUp { up, k, .. } => {
            let key = constant_str(consts, k as usize)?;
            let is_env = proto
                .upvalues
                .get(up as usize)
                .is_some_and(|u| u.name == "_ENV");
            Some(if is_env {
                format!("global '{key}'")
            } else {
                format!("field '{key}'")
            })
        }
        Instr::GetField { b, k, .. } => {
            let key = constant_str(consts, k as usize)?;
            let is_env = local_name_at(proto, LocalSlot::Register(b), writer) == Some("_ENV");
            Some(if is_env {
                format!("global '{key}'")
            } else {
                format!("field '{key}'")
            })
        }
        Instr::GetUpval { up, .. } => {
            let name = &proto.upvalues.get(up as usize)?.name;
            Some(format!("upvalue '{name}'"))
        }
        Instr::GetCell { cell, .. } => {
            let name = local_name_at(proto, LocalSlot::Cell(cell), writer)?;
            Some(format!("local '{name}'"))
        }
        Instr::LoadK { k, .. } => {
            let s = constant_str(consts, k as usize)?;
            Some(format!("constant '{s}'"))
        }
        Instr::SelfK { a, k, .. } if a == reg => {
            let key = constant_str(consts, k as usize)?;
            Some(format!("method '{key}'"))
        }
        _ => None,
    }
}

/// Describe upvalue `up` of a function: `upvalue 'name'` (or `global` for `_ENV` lookups).
pub fn describe_upvalue(proto: &FunctionProto, up: u8) -> Option<String> {
    let name = &proto.upvalues.get(up as usize)?.name;
    Some(format!("upvalue '{name}'"))
}

/// How a traceback names the function running in frame `index` (from its caller's call
/// instruction), e.g. `function 'f'`, `local 'f'`, `method 'm'`.
fn frame_function_name(th: &ThreadState<'_>, index: usize) -> Option<String> {
    let Frame::Lua(frame) = &th.frames[index] else {
        return None;
    };
    if frame.is_tail {
        return None;
    }
    let caller = th.frames[..index].iter().rev().find_map(|f| match f {
        Frame::Lua(l) => Some(l),
        _ => None,
    })?;
    if !matches!(th.frames[index - 1], Frame::Lua(_)) {
        return None;
    }
    let proto = Gc::as_ref(caller.proto);
    let ins = *proto.info.code.get(caller.pc.checked_sub(1)?)?;
    let reg = match ins {
        Instr::Call { a, .. } | Instr::TailCall { a, .. } => a,
        Instr::TForCall { .. } => return Some("for iterator 'for iterator'".into()),
        _ => return None,
    };
    let desc = describe_register(&proto.info, &proto.constants, caller.pc, reg)?;
    Some(match desc.split_once(' ') {
        Some(("global", name)) => format!("function {name}"),
        _ => desc,
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

//! The base library: `print`, `type`, `pairs`, `pcall`, `load`, ...

use std::io::Write;

use gc_arena::Mutation;

use crate::function::{new_cell, new_closure, new_native, Builtin, FastIter, NativeKind, Proto};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::exec::metatable_of;
use crate::runtime::load::{compile_chunk, LoadError};
use crate::runtime::ops;
use crate::runtime::state::{GcMode, GcRequest, MetaName, State};
use crate::string::LuaString;
use crate::value::Value;

use super::{set_builtin, set_fn, set_native, set_quick, set_value};

type R<'gc> = Result<usize, LuaError<'gc>>;

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let g = state.globals;
    set_value(mc, state, g, "_G", Value::Table(g));
    set_value(
        mc,
        state,
        g,
        "_VERSION",
        Value::String(LuaString::new(mc, b"Lua 5.4")),
    );
    set_fn(mc, state, g, "print", print);
    set_quick(mc, state, g, "type", quick::type_, type_);
    set_quick(mc, state, g, "tostring", quick::tostring, tostring);
    set_quick(mc, state, g, "tonumber", quick::tonumber, tonumber);
    // `ipairs` returns one shared iterator, so `ipairs{} == ipairs{}` as in Lua.
    let ipairs_iterator = new_native(
        mc,
        "ipairs_iterator",
        NativeKind::Iter(FastIter::Ipairs, ipairs_iter),
        Vec::new(),
    );
    let ipairs_fn = new_native(
        mc,
        "ipairs",
        NativeKind::Fn(ipairs),
        vec![Value::NativeFunction(ipairs_iterator)],
    );
    set_value(mc, state, g, "ipairs", Value::NativeFunction(ipairs_fn));
    // `pairs` returns the real `next` even when the global is replaced, as in Lua.
    let next_fn = new_native(
        mc,
        "next",
        NativeKind::Iter(FastIter::Next, next),
        Vec::new(),
    );
    set_value(mc, state, g, "next", Value::NativeFunction(next_fn));
    let pairs_fn = new_native(
        mc,
        "pairs",
        NativeKind::Builtin(Builtin::Pairs),
        vec![Value::NativeFunction(next_fn)],
    );
    set_value(mc, state, g, "pairs", Value::NativeFunction(pairs_fn));
    set_quick(mc, state, g, "select", quick::select, select);
    set_quick(mc, state, g, "rawget", quick::rawget, rawget);
    set_fn(mc, state, g, "rawset", rawset);
    set_quick(mc, state, g, "rawequal", quick::rawequal, rawequal);
    set_fn(mc, state, g, "rawlen", rawlen);
    set_fn(mc, state, g, "setmetatable", setmetatable);
    set_quick(
        mc,
        state,
        g,
        "getmetatable",
        quick::getmetatable,
        getmetatable,
    );
    set_native(mc, state, g, "assert", NativeKind::Assert(assert));
    set_fn(mc, state, g, "load", load);
    set_fn(mc, state, g, "loadfile", loadfile);
    set_builtin(mc, state, g, "dofile", Builtin::Dofile);
    set_fn(mc, state, g, "collectgarbage", collectgarbage);
    set_fn(mc, state, g, "warn", warn);
    set_builtin(mc, state, g, "error", Builtin::Error);
    set_builtin(mc, state, g, "pcall", Builtin::Pcall);
    set_builtin(mc, state, g, "xpcall", Builtin::Xpcall);
}

fn print<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let mut line = Vec::new();
    for i in 0..ctx.nargs() {
        if i > 0 {
            line.push(b'\t');
        }
        let s = ctx.to_display_string(ctx.arg(i))?;
        line.extend_from_slice(s.as_bytes());
    }
    line.push(b'\n');
    super::io::write_stdout(ctx.state, &line);
    Ok(0)
}

fn type_<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = ctx.check_any(0)?;
    ctx.ret1(Value::String(ctx.state.type_name(v)))
}

fn tostring<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = ctx.check_any(0)?;
    let s = ctx.to_display_string(v)?;
    ctx.ret1(Value::String(s))
}

fn tonumber<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    if ctx.arg(1).is_nil() {
        let v = ctx.check_any(0)?;
        return ctx.ret1(number_of(v));
    }
    let base = ctx.check_integer(1)?;
    let s = match ctx.arg(0) {
        Value::String(s) => s,
        _ => return Err(ctx.type_error(0, "string")),
    };
    if !(2..=36).contains(&base) {
        return Err(ctx.arg_error(1, "base out of range"));
    }
    let v = match crate::number::parse_int_base(s.as_bytes(), base as u32) {
        Some(i) => Value::Integer(i),
        None => Value::Nil,
    };
    ctx.ret1(v)
}

/// `tonumber(v)` without a base: the number `v` is or spells, else nil.
fn number_of(v: Value<'_>) -> Value<'_> {
    match v {
        Value::Integer(_) | Value::Number(_) => v,
        Value::String(s) => ops::str_to_value(s.as_bytes()).unwrap_or(Value::Nil),
        _ => Value::Nil,
    }
}

fn ipairs_iter<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let i = ctx.check_integer(1)?.wrapping_add(1);
    let v = ctx.index(ctx.arg(0), Value::Integer(i))?;
    if v.is_nil() {
        return ctx.ret1(Value::Nil);
    }
    ctx.push(Value::Integer(i));
    ctx.push(v);
    Ok(2)
}

fn ipairs<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = ctx.check_any(0)?;
    // The shared iterator made by `open`.
    let iter = ctx.upvalue(0);
    ctx.push(iter);
    ctx.push(t);
    ctx.push(Value::Integer(0));
    Ok(3)
}

fn next<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = ctx.check_table(0)?;
    match t.next(ctx.arg(1)) {
        Ok(Some((k, v))) => {
            ctx.push(k);
            ctx.push(v);
            Ok(2)
        }
        Ok(None) => ctx.ret1(Value::Nil),
        Err(()) => Err(ctx.core_error("invalid key to 'next'")),
    }
}

fn select<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let n = ctx.nargs() as i64 - 1;
    if asks_count(ctx.arg(0)) {
        return ctx.ret1(Value::Integer(n));
    }
    let i = ctx.check_integer(0)?;
    let start = if i < 0 {
        // `i < -n` rather than `-i > n`: negating math.mininteger overflows.
        if i < -n {
            return Err(ctx.arg_error(0, "index out of range"));
        }
        n + i
    } else if i == 0 {
        return Err(ctx.arg_error(0, "index out of range"));
    } else {
        (i - 1).min(n)
    };
    // Arguments `start + 1..`: `start` is in `0..=n` here.
    Ok(ctx.push_args_from(start as usize + 1))
}

/// `select`'s count form: as lua5.4, any string starting with '#'.
fn asks_count(v: Value<'_>) -> bool {
    matches!(v, Value::String(s) if s.as_bytes().first() == Some(&b'#'))
}

fn rawget<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = ctx.check_table(0)?;
    let k = ctx.check_any(1)?;
    ctx.ret1(t.get(k))
}

fn rawset<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = ctx.check_table(0)?;
    ctx.check_any(1)?;
    ctx.check_any(2)?;
    ctx.state
        .journaled_set(ctx.mc, t, ctx.arg(1), ctx.arg(2))
        .map_err(|e| ctx.core_error(e.message()))?;
    ctx.ret1(Value::Table(t))
}

fn rawequal<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let a = ctx.check_any(0)?;
    let b = ctx.check_any(1)?;
    ctx.ret1(Value::Boolean(a.raw_eq(b)))
}

fn rawlen<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let n = match ctx.arg(0) {
        Value::Table(t) => t.length(),
        Value::String(s) => s.len() as i64,
        _ => return Err(ctx.type_error(0, "table or string")),
    };
    ctx.ret1(Value::Integer(n))
}

fn setmetatable<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = ctx.check_table(0)?;
    let mt = match ctx.arg(1) {
        Value::Nil => None,
        Value::Table(m) => Some(m),
        _ => return Err(ctx.type_error(1, "nil or table")),
    };
    if ctx.nargs() < 2 {
        return Err(ctx.type_error(1, "nil or table"));
    }
    if let Some(old) = t.metatable() {
        if !old
            .get_str(ctx.state.meta_name(MetaName::Metatable))
            .is_nil()
        {
            return Err(ctx.error("cannot change a protected metatable"));
        }
    }
    (ctx.state.before_table_write(ctx.mc, t)).map_err(|e| ctx.core_error(e.message()))?;
    crate::weak::set_metatable(ctx.mc, ctx.state, t, mt);
    ctx.ret1(Value::Table(t))
}

fn getmetatable<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = ctx.check_any(0)?;
    ctx.ret1(metatable_field(ctx.state, v))
}

/// `getmetatable(v)`: the metatable, or its `__metatable` field when it has one.
fn metatable_field<'gc>(state: &State<'gc>, v: Value<'gc>) -> Value<'gc> {
    match metatable_of(state, v) {
        None => Value::Nil,
        Some(mt) => {
            let protected = mt.get_str(state.meta_name(MetaName::Metatable));
            if protected.is_nil() {
                Value::Table(mt)
            } else {
                protected
            }
        }
    }
}

fn assert<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = ctx.check_any(0)?;
    if v.is_truthy() {
        // One copy within the stack: pushing the values one by one copied each through a
        // temporary whose halves the loads could not take from the stores (a stall per
        // value, a fifth of LuaJIT's array3d benchmark, which asserts three times a call).
        return Ok(ctx.push_args_from(0));
    }
    // As lua5.4, the message is raised like `error(msg)`: a string gets the caller's
    // position, other values go unchanged.
    match ctx.arg(1) {
        Value::String(s) if ctx.nargs() >= 2 => {
            let mut bytes = ctx.where_prefix().into_bytes();
            bytes.extend_from_slice(s.as_bytes());
            Err(LuaError::new(ctx.new_string(&bytes)))
        }
        _ if ctx.nargs() >= 2 => Err(LuaError::new(ctx.arg(1))),
        _ => Err(ctx.error("assertion failed!")),
    }
}

/// Build a Lua function from `source`, with `_ENV` = `env` (globals when `None`); results
/// as `load` returns them (the function, or nil and the message).
fn load_source<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    source: Vec<u8>,
    chunk_name: &str,
    mode: &[u8],
    env: Option<Value<'gc>>,
) -> R<'gc> {
    match build_chunk(ctx, source, chunk_name, mode, env) {
        Ok(f) => ctx.ret1(f),
        Err(msg) => {
            ctx.push(Value::Nil);
            let m = ctx.new_string(msg.as_bytes());
            ctx.push(m);
            Ok(2)
        }
    }
}

/// The function for chunk `source` (binary or text, as `mode` allows), or the message
/// saying why not. The source is dropped once compiled, before the prototype is loaded (a
/// large data file's text need not stay alive alongside its constants).
pub(crate) fn build_chunk<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    source: Vec<u8>,
    chunk_name: &str,
    mode: &[u8],
    env: Option<Value<'gc>>,
) -> Result<Value<'gc>, String> {
    let env = env.unwrap_or(Value::Table(ctx.state.globals));
    if source.starts_with(&crate::compiler::SIGNATURE[..1]) {
        if !mode.contains(&b'b') {
            return Err(format!(
                "attempt to load a binary chunk (mode is '{}')",
                String::from_utf8_lossy(mode)
            ));
        }
        let proto = crate::compiler::undump(&source, chunk_name)?;
        drop(source);
        // As lua5.4: fresh upvalues, the first one set to the environment.
        let proto = Proto::load(ctx.mc, ctx.state.strings, proto);
        let ups: Vec<_> = (0..proto.info.upvalues.len())
            .map(|i| new_cell(ctx.mc, if i == 0 { env } else { Value::Nil }))
            .collect();
        return Ok(Value::Function(new_closure(
            ctx.mc,
            proto,
            ups.into_boxed_slice(),
        )));
    }
    if !mode.contains(&b't') {
        return Err(format!(
            "attempt to load a text chunk (mode is '{}')",
            String::from_utf8_lossy(mode)
        ));
    }
    let proto = compile_chunk(&source, chunk_name).map_err(|e| match e {
        LoadError::Syntax { message, .. } => message,
        LoadError::Io(m) => m,
    })?;
    drop(source);
    let proto = Proto::load(ctx.mc, ctx.state.strings, proto);
    let ups = if proto.info.upvalues.is_empty() {
        vec![]
    } else {
        vec![new_cell(ctx.mc, env)]
    };
    Ok(Value::Function(new_closure(
        ctx.mc,
        proto,
        ups.into_boxed_slice(),
    )))
}

/// How many steps a native loop (`load`'s reader calls, `table.move`'s elements) makes
/// between two checks of the runtime's limits.
pub(crate) const NATIVE_LOOP_CHECK_EVERY: u64 = 1024;

/// The limit a native loop has run into, if any (`spent` steps since the last check, each
/// counted as one instruction), so a loop with no Lua code in it still stops at
/// `--max-time` / `--max-instructions` like any other.
pub(crate) fn native_loop_limit(
    ctx: &mut Ctx<'_, '_>,
    spent: u64,
) -> Option<crate::limits::LimitKind> {
    let mut host = ctx.state.host.borrow_mut();
    if !host.limits.active() {
        return None;
    }
    match host.limits.check(ctx.mc, spent, 0, 0) {
        crate::limits::Verdict::Continue => None,
        crate::limits::Verdict::Raise(kind) | crate::limits::Verdict::Stop(kind) => Some(kind),
    }
}

fn load<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let chunk = ctx.arg(0);
    let mode = match ctx.opt_string(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"bt".to_vec(),
    };
    let env = if ctx.nargs() >= 4 {
        Some(ctx.arg(3))
    } else {
        None
    };
    // Checked before a reader runs, as lua5.4 does.
    let given_name = ctx.opt_string(1)?.map(|n| n.to_str_lossy().into_owned());
    let (source, name) = match chunk {
        // A number is a chunk too, as its string form (lua_tolstring).
        Value::String(_) | Value::Integer(_) | Value::Number(_) => {
            let s = ctx.check_string(0)?;
            // Without a given name, the chunk's own text names it (copied only then).
            let name =
                given_name.unwrap_or_else(|| String::from_utf8_lossy(s.as_bytes()).into_owned());
            (s.as_bytes().to_vec(), name)
        }
        Value::Function(_) | Value::NativeFunction(_) => {
            let mut buf = Vec::new();
            let mut calls: u64 = 0;
            loop {
                // A reader that never ends is stopped by the runtime's limits like any loop:
                // each call counts as one instruction, checked every so often.
                calls += 1;
                if calls.is_multiple_of(NATIVE_LOOP_CHECK_EVERY) {
                    if let Some(kind) = native_loop_limit(ctx, NATIVE_LOOP_CHECK_EVERY) {
                        return Err(ctx.core_error(kind.message()));
                    }
                }
                // As lua5.4, a failing reader fails the load: nil plus the error value.
                let piece = match ctx.call(chunk, &[]) {
                    Ok(r) => r.first().copied().unwrap_or(Value::Nil),
                    Err(e) => {
                        ctx.push(Value::Nil);
                        ctx.push(e.value);
                        return Ok(2);
                    }
                };
                match piece {
                    Value::Nil => break,
                    Value::String(s) if s.is_empty() => break,
                    Value::String(s) => {
                        crate::limits::check_external(buf.len() + s.len())
                            .map_err(|e| ctx.core_error(e.message()))?;
                        buf.extend_from_slice(s.as_bytes())
                    }
                    Value::Integer(_) | Value::Number(_) => {
                        let text = crate::runtime::ops::number_to_string(piece);
                        buf.extend_from_slice(text.unwrap_or_default().as_bytes());
                    }
                    _ => {
                        ctx.push(Value::Nil);
                        let msg = ctx.error("reader function must return a string").value;
                        ctx.push(msg);
                        return Ok(2);
                    }
                }
            }
            (buf, given_name.unwrap_or_else(|| "=(load)".to_string()))
        }
        _ => return Err(ctx.type_error(0, "function")),
    };
    load_source(ctx, source, &name, &mode, env)
}

/// The source of a chunk file and its chunk name; `None` is the standard input, as in
/// lua5.4's `luaL_loadfilex`. `Err` is the message for a file that cannot be read.
fn read_chunk_file(path: Option<&str>) -> Result<(Vec<u8>, String), String> {
    let (bytes, name) = match path {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                let reason = crate::runtime::io_reason(&e);
                // A directory opens (as with C's `fopen`) and fails when read.
                let what = if e.kind() == std::io::ErrorKind::IsADirectory {
                    "read"
                } else {
                    "open"
                };
                format!("cannot {what} {path}: {reason}")
            })?;
            (bytes, format!("@{path}"))
        }
        None => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            (bytes, "=stdin".to_string())
        }
    };
    Ok((crate::runtime::load::file_source(bytes), name))
}

fn loadfile<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let path = ctx.opt_string(0)?.map(|p| p.to_str_lossy().into_owned());
    let mode = match ctx.opt_string(1)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"bt".to_vec(),
    };
    let env = if ctx.nargs() >= 3 {
        Some(ctx.arg(2))
    } else {
        None
    };
    match read_chunk_file(path.as_deref()) {
        Ok((src, name)) => load_source(ctx, src, &name, &mode, env),
        Err(m) => {
            ctx.push(Value::Nil);
            let m = ctx.new_string(m.as_bytes());
            ctx.push(m);
            Ok(2)
        }
    }
}

/// The chunk `dofile(name)` runs (the executor's `Dofile` builtin calls it through a frame,
/// so the chunk can yield).
pub(crate) fn load_dofile_chunk<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<Value<'gc>, LuaError<'gc>> {
    let path = ctx.opt_string(0)?.map(|p| p.to_str_lossy().into_owned());
    // lua5.4 raises the load failure message as it is, without a position.
    let (src, name) = read_chunk_file(path.as_deref()).map_err(|m| ctx.core_error(m))?;
    build_chunk(ctx, src, &name, b"bt", None).map_err(|m| LuaError::from_str(ctx.mc, &m))
}

/// Registers above this call belong to no live local (a call takes the caller's first free
/// register), and slots past them are left over from finished calls: clear them so stale
/// values do not keep objects alive, as Lua's collector ignores the stack above its top.
fn clear_dead_registers(ctx: &mut Ctx<'_, '_>) {
    let from = (ctx.args_start + ctx.nargs).min(ctx.th.stack.len());
    for v in ctx.th.stack[from..].iter_mut() {
        *v = Value::Nil;
    }
}

/// Emit a warning as the standalone `lua` does: "Lua warning: " and the message on
/// stderr, when warnings are on (`warn("@on")`; off at start).
pub(crate) fn warning(state: &State<'_>, msg: &[u8]) {
    if !state.host.borrow().warnings_on {
        return;
    }
    let mut line = b"Lua warning: ".to_vec();
    line.extend_from_slice(msg);
    line.push(b'\n');
    super::io::flush_stdout(state);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(&line);
    let _ = err.flush();
}

/// `warn(msg1, ...)`: the pieces make one message. A single piece starting with `@` is a
/// control message: `@on` and `@off` switch warnings on and off, others are ignored.
fn warn<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let n = ctx.nargs().max(1);
    let mut msg = Vec::new();
    for i in 0..n {
        msg.extend_from_slice(ctx.check_string(i)?.as_bytes());
    }
    if n == 1 && msg.first() == Some(&b'@') {
        match &msg[..] {
            b"@on" => ctx.state.host.borrow_mut().warnings_on = true,
            b"@off" => ctx.state.host.borrow_mut().warnings_on = false,
            _ => {}
        }
        return Ok(0);
    }
    warning(ctx.state, &msg);
    Ok(0)
}

/// A collector parameter as Lua 5.4 keeps it: a quarter of the value in one byte.
fn gc_param(value: i64) -> i64 {
    i64::from((value as i32 / 4) as u8) * 4
}

/// `collectgarbage`. A collection cannot run while Lua code is running on the gc-arena heap,
/// so "collect" and "step" ask the runtime for one (`GcRequest`), which it runs (with the
/// finalizers it makes due) as soon as the executor hands control back, before the next
/// instruction. In incremental mode a step does a bounded amount of work and returns
/// whether it finished a cycle; in generational mode (where lua5.4 does a young
/// collection, which never ends at the pause, and returns false) a step runs a whole
/// cycle and returns false. Inside a finalizer every option does nothing and returns fail,
/// as in lua5.4.
fn collectgarbage<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    const OPTIONS: [&str; 10] = [
        "collect",
        "stop",
        "restart",
        "count",
        "step",
        "setpause",
        "setstepmul",
        "isrunning",
        "generational",
        "incremental",
    ];
    let opt = match ctx.opt_string(0)? {
        Some(s) => s.to_str_lossy().into_owned(),
        None => "collect".into(),
    };
    if !OPTIONS.contains(&opt.as_str()) {
        return Err(ctx.arg_error(0, format!("invalid option '{opt}'")));
    }
    // Optional integer arguments, 0 meaning "keep the current value" (as in lua_gc).
    let param = |ctx: &mut Ctx<'gc, '_>, i: usize| ctx.opt_integer(i, 0);
    let state = ctx.state;
    if state.host.borrow().in_finalizer {
        return ctx.ret1(Value::Nil);
    }
    let mode_name = |mode: GcMode| match mode {
        GcMode::Incremental => &b"incremental"[..],
        GcMode::Generational => &b"generational"[..],
    };
    match opt.as_str() {
        "collect" => {
            state.host.borrow_mut().gc.request = GcRequest::Full;
            clear_dead_registers(ctx);
            ctx.ret1(Value::Integer(0))
        }
        "step" => {
            let kb = param(ctx, 1)?.max(0);
            let mut host = state.host.borrow_mut();
            let incremental = host.gc.mode == GcMode::Incremental;
            if host.gc.request != GcRequest::Full {
                host.gc.request = if incremental {
                    GcRequest::Step {
                        kb,
                        slot: ctx.args_start - 1,
                        placed: false,
                    }
                } else {
                    GcRequest::Full
                };
            }
            drop(host);
            clear_dead_registers(ctx);
            ctx.ret1(Value::Boolean(incremental))
        }
        "stop" | "restart" => {
            state.host.borrow_mut().gc.running = opt == "restart";
            ctx.ret1(Value::Integer(0))
        }
        "isrunning" => {
            let running = state.host.borrow().gc.running;
            ctx.ret1(Value::Boolean(running))
        }
        "count" => {
            // Strings and table parts exactly, other objects at a fixed size
            // (`crate::limits`).
            let bytes = crate::limits::heap_bytes(ctx.mc) as f64;
            ctx.ret1(Value::Number(bytes / 1024.0))
        }
        "setpause" | "setstepmul" => {
            let value = param(ctx, 1)?;
            let mut host = state.host.borrow_mut();
            let slot = if opt == "setpause" {
                &mut host.gc.pause
            } else {
                &mut host.gc.step_mul
            };
            let previous = std::mem::replace(slot, gc_param(value));
            ctx.mc.metrics().set_pacing(host.gc.pacing());
            drop(host);
            ctx.ret1(Value::Integer(previous))
        }
        _ => {
            let mode = if opt == "incremental" {
                GcMode::Incremental
            } else {
                GcMode::Generational
            };
            // incremental: pause, stepmul, stepsize; generational: minormul, majormul.
            let count = if mode == GcMode::Incremental { 3 } else { 2 };
            let mut args = Vec::with_capacity(count);
            for i in 1..=count {
                args.push(param(ctx, i)?);
            }
            let mut host = state.host.borrow_mut();
            let gc = &mut host.gc;
            let slots = match mode {
                GcMode::Incremental => vec![&mut gc.pause, &mut gc.step_mul, &mut gc.step_size],
                GcMode::Generational => vec![&mut gc.minor_mul, &mut gc.major_mul],
            };
            for (i, (slot, value)) in slots.into_iter().zip(args).enumerate() {
                if value != 0 {
                    // The step size is kept as it is; the others in Lua's units.
                    let stepsize = mode == GcMode::Incremental && i == 2;
                    *slot = if stepsize { value } else { gc_param(value) };
                }
            }
            let previous = std::mem::replace(&mut gc.mode, mode);
            ctx.mc.metrics().set_pacing(gc.pacing());
            drop(host);
            let v = ctx.new_string(mode_name(previous));
            ctx.ret1(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::stdlib::test_support::run;

    #[test]
    fn a_failing_load_reader_makes_load_fail() {
        assert_eq!(
            run("return load(function() error('reader failed') end)"),
            ["nil", "test:1: reader failed"]
        );
        assert_eq!(
            run("local e = {} local f, m = load(function() error(e) end) return f, m == e"),
            ["nil", "true"]
        );
        assert_eq!(
            run("return load(function() return {} end)"),
            ["nil", "test:1: reader function must return a string"]
        );
    }

    #[test]
    fn pairs_accepts_any_value_without_pairs_metamethod() {
        assert_eq!(run("return select('#', pairs(nil))")[0], "3");
        assert_eq!(
            run("return select(2, pcall(function() for k in pairs(nil) do end end))")[0],
            "test:1: bad argument #1 to 'for iterator' (table expected, got nil)"
        );
    }

    #[test]
    fn pairs_metamethod_may_yield_and_gives_exactly_three_results() {
        let src = "local t = setmetatable({}, {__pairs = function(t) \
                     local x = coroutine.yield('paused') return x, t, 1, 'dropped' end}) \
                   local co = coroutine.wrap(function() return select('#', pairs(t)), pairs(t) end) \
                   local a = co() local b = co(next) local n, f, s, c, d = co(print) \
                   return a, b, n, f == print, s == t, c, d";
        assert_eq!(
            run(src),
            ["paused", "paused", "3", "true", "true", "1", "nil"]
        );
    }

    #[test]
    fn close_handlers_run_from_pcall_after_the_failing_frames_are_gone() {
        let src = "local seen = {} \
                   local function f() \
                     local v <close> = setmetatable({}, {__close = function(_, e) \
                       seen[#seen + 1] = debug.getinfo(2, 'n').name .. ':' .. e end}) \
                     error('boom', 0) \
                   end \
                   local ok, e = pcall(f) \
                   return ok, e, seen[1]";
        assert_eq!(run(src), ["false", "boom", "pcall:boom"]);
    }

    #[test]
    fn messages_of_rawlen_dofile_and_numeric_chunks() {
        assert_eq!(
            run("return select(2, pcall(function() return rawlen(1) end))")[0],
            "test:1: bad argument #1 to 'rawlen' (table or string expected, got number)"
        );
        assert_eq!(
            run("return select(2, pcall(function() dofile('/nonexistent/x.lua') end))")[0],
            "cannot open /nonexistent/x.lua: No such file or directory"
        );
        assert_eq!(
            run("return load(1)"),
            ["nil", "[string \"1\"]:1: unexpected symbol near '1'"]
        );
    }
}

/// The `QuickFn`s of the library (see `NativeKind::Quick`).
mod quick {
    use gc_arena::Mutation;

    use crate::runtime::exec::{metamethod, tostring_plain};
    use crate::runtime::state::{MetaName, State};
    use crate::value::Value;

    type Quick<'gc> = Option<Value<'gc>>;

    /// `tostring(v)` unless `v` has `__tostring` (a call, left to the native).
    pub fn tostring<'gc>(
        mc: &'gc Mutation<'gc>,
        state: &State<'gc>,
        args: &[Value<'gc>],
    ) -> Quick<'gc> {
        let v = *args.first()?;
        if !metamethod(state, v, MetaName::ToString).is_nil() {
            return None;
        }
        Some(Value::String(tostring_plain(mc, state, v)))
    }

    pub fn getmetatable<'gc>(
        _: &'gc Mutation<'gc>,
        state: &State<'gc>,
        args: &[Value<'gc>],
    ) -> Quick<'gc> {
        Some(super::metatable_field(state, *args.first()?))
    }

    pub fn type_<'gc>(
        _: &'gc Mutation<'gc>,
        state: &State<'gc>,
        args: &[Value<'gc>],
    ) -> Quick<'gc> {
        Some(Value::String(state.type_name(*args.first()?)))
    }

    /// `select('#', ...)`; other forms give several results, from the native.
    pub fn select<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        if !super::asks_count(*args.first()?) {
            return None;
        }
        Some(Value::Integer(args.len() as i64 - 1))
    }

    /// `tonumber(v)` (a nil base too); with a base, the native.
    pub fn tonumber<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match args {
            &[v] | &[v, Value::Nil] => Some(super::number_of(v)),
            _ => None,
        }
    }

    pub fn rawget<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match args {
            &[Value::Table(t), k, ..] => Some(t.get(k)),
            _ => None,
        }
    }

    pub fn rawequal<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match args {
            &[a, b, ..] => Some(Value::Boolean(a.raw_eq(b))),
            _ => None,
        }
    }
}

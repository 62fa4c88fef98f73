//! The `debug` library (Lua 5.4 manual §6.10). Hooks are run by `runtime::hook`; `sethook`
//! is a builtin (`Builtin::Sethook`) because the running loop must switch modes.
//!
//! Stack levels are counted as lua5.4 counts them: level 0 is the running debug function,
//! level 1 its caller, and every native function on the way (`pcall`, `table.sort`, the
//! host below the main chunk) is a level of its own.

use gc_arena::{Gc, Mutation};

use crate::bytecode::{FunctionProto, Instr, LocalInfo, LocalSlot};
use crate::function::{new_native, set_native_upvalue, Builtin, ClosureData, NativeKind};
use crate::runtime::callsite::{call_site_name, loaded_function_name};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::{chunk_display_name, current_line, traceback_frame_line, LuaError};
use crate::runtime::exec::metatable_of;
use crate::runtime::state::{LentHook, State};
use crate::table::Table;
use crate::thread::{
    CoStatus, Frame, HookState, Thread, ThreadState, Transfer, HOOK_CALL, HOOK_COUNT, HOOK_LINE,
    HOOK_RETURN,
};
use crate::userdata::{new_userdata, set_userdata_metatable};
use crate::value::Value;

use super::{new_library, set_builtin, set_fn, set_value};

type R<'gc> = Result<usize, LuaError<'gc>>;

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let d = new_library(mc, state, "debug");
    set_fn(mc, state, d, "traceback", traceback);
    set_fn(mc, state, d, "getinfo", getinfo);
    set_fn(mc, state, d, "getlocal", getlocal);
    set_fn(mc, state, d, "setlocal", setlocal);
    set_fn(mc, state, d, "getupvalue", getupvalue);
    set_fn(mc, state, d, "setupvalue", setupvalue);
    set_fn(mc, state, d, "upvaluejoin", upvaluejoin);
    set_fn(mc, state, d, "setcstacklimit", setcstacklimit);
    set_fn(mc, state, d, "getmetatable", getmetatable);
    set_fn(mc, state, d, "setmetatable", setmetatable);
    set_fn(mc, state, d, "getuservalue", getuservalue);
    set_fn(mc, state, d, "setuservalue", setuservalue);
    set_fn(mc, state, d, "getregistry", getregistry);
    set_builtin(mc, state, d, "sethook", Builtin::Sethook);
    set_fn(mc, state, d, "gethook", gethook);
    set_fn(mc, state, d, "debug", debug_debug);
    // upvalueid keeps the ids it handed out (upvalue 0), so the same upvalue always gives
    // the same (equal) userdata.
    let ids = Value::Table(Table::new(mc));
    let f = new_native(mc, "upvalueid", NativeKind::Fn(upvalueid), vec![ids]);
    set_value(mc, state, d, "upvalueid", Value::NativeFunction(f));
}

// ---------------------------------------------------------------------------------------
// Stack levels

/// One level of a thread's call stack.
#[derive(Clone, Copy)]
enum Level<'gc> {
    /// The Lua function running in `frames[i]`.
    Lua(usize),
    /// A native function (its value, or nil when it cannot be found, like the host below
    /// the main chunk), and the frame that called it (which names it).
    Native(Value<'gc>, Option<usize>),
}

/// The stack levels of `th`, innermost (level 0) first. `running` is the native running on
/// `th` right now (the debug function itself when `th` is the current thread, the pending
/// `coroutine.yield` of a suspended coroutine).
fn stack_levels<'gc>(
    th: &ThreadState<'gc>,
    running: Option<Value<'gc>>,
    is_main: bool,
) -> Vec<Level<'gc>> {
    let mut levels = Vec::with_capacity(th.frames.len() + 2);
    let top = th.frames.len().checked_sub(1);
    levels.extend(running.map(|f| Level::Native(f, top)));
    for (i, frame) in th.frames.iter().enumerate().rev() {
        match frame {
            Frame::Lua(_) => levels.push(Level::Lua(i)),
            Frame::Protected { ret, .. }
            | Frame::Resume { ret, .. }
            | Frame::Forward { ret, .. } => levels.push(Level::Native(
                native_at(th, ret.func_slot),
                i.checked_sub(1),
            )),
            Frame::Boundary => {
                if let Some(f) = boundary_native(th, i) {
                    levels.push(Level::Native(f, i.checked_sub(1)));
                }
            }
            // A hook for an event of a native function shows that function below it.
            Frame::Hook { native, .. } if !native.is_nil() => {
                levels.push(Level::Native(*native, i.checked_sub(1)))
            }
            Frame::Hook { .. } | Frame::Finalizer => {}
        }
    }
    if is_main {
        // The host called the main chunk, as lua.c's C function does in lua5.4.
        levels.push(Level::Native(Value::Nil, None));
    }
    levels
}

fn native_at<'gc>(th: &ThreadState<'gc>, slot: usize) -> Value<'gc> {
    match th.stack.get(slot) {
        Some(v @ Value::NativeFunction(_)) => *v,
        _ => Value::Nil,
    }
}

/// The stack slot of the function that the Lua frame `lf` is calling (its current
/// instruction is a call), if any.
fn callee_slot(lf: &crate::thread::LuaFrame<'_>) -> Option<usize> {
    let proto = &Gc::as_ref(lf.proto).info;
    match *proto.code.get(lf.pc.checked_sub(1)?)? {
        Instr::Call { a, .. } | Instr::TailCall { a, .. } => Some(lf.base + a as usize),
        Instr::TForCall { a, .. } => Some(lf.base + a as usize + 4),
        _ => None,
    }
}

/// The native function that called back into Lua through the `Boundary` frame at `i`.
/// `None` when the boundary belongs to no native function: the VM also enters Lua through
/// a boundary to run an `xpcall` message handler at the point of a Lua error, where lua5.4
/// shows no extra level.
fn boundary_native<'gc>(th: &ThreadState<'gc>, i: usize) -> Option<Value<'gc>> {
    match i.checked_sub(1).map(|below| &th.frames[below]) {
        Some(Frame::Lua(lf)) => match th.stack.get(callee_slot(lf)?) {
            Some(v @ Value::NativeFunction(_)) => Some(*v),
            _ => None,
        },
        // A native called by `pcall` sits just above pcall's own slot.
        Some(Frame::Protected { ret, .. } | Frame::Forward { ret, .. }) => {
            Some(native_at(th, ret.func_slot + 1))
        }
        _ => Some(Value::Nil),
    }
}

/// The thread a debug function inspects: its optional first argument. Returns the other
/// thread (`None`: the running one) and how many arguments it took.
fn thread_arg<'gc>(ctx: &Ctx<'gc, '_>) -> (Option<Thread<'gc>>, usize) {
    match ctx.arg(0) {
        Value::Thread(t) if t.ptr_eq(ctx.thread) => (None, 1),
        Value::Thread(t) => (Some(t), 1),
        _ => (None, 0),
    }
}

/// What a function needs to look at a thread's stack.
struct StackView<'gc, 'a> {
    th: &'a mut ThreadState<'gc>,
    levels: Vec<Level<'gc>>,
    /// The slot just above the innermost Lua frame's registers in use (the function slot
    /// of the native it is calling), which bounds its temporaries.
    top_slot: Option<usize>,
    /// The stack slots of the running debug function's arguments (level 0 of the running
    /// thread), which lua5.4 shows as "(C temporary)" locals.
    native_args: Option<std::ops::Range<usize>>,
}

/// Run `f` on the stack of `other` (`None`: the running thread).
fn with_stack<'gc, T>(
    ctx: &mut Ctx<'gc, '_>,
    other: Option<Thread<'gc>>,
    f: impl FnOnce(&mut StackView<'gc, '_>) -> T,
) -> Result<T, LuaError<'gc>> {
    match other {
        None => {
            let is_main = ctx.thread.ptr_eq(ctx.state.main_thread);
            let running = Value::NativeFunction(ctx.func);
            let levels = stack_levels(&*ctx.th, Some(running), is_main);
            let top_slot = ctx.args_start.checked_sub(1);
            let native_args = Some(ctx.args_start..ctx.args_start + ctx.nargs);
            Ok(f(&mut StackView {
                th: &mut *ctx.th,
                levels,
                top_slot,
                native_args,
            }))
        }
        Some(t) => {
            let is_main = t.ptr_eq(ctx.state.main_thread);
            let Ok(mut th) = t.gc().try_borrow_mut(ctx.mc) else {
                return Err(ctx.error("cannot inspect a thread that is running"));
            };
            let (running, top_slot) = match (th.yield_ret, th.frames.last()) {
                (Some(ret), Some(_)) if th.status == CoStatus::Suspended => {
                    (Some(native_at(&th, ret.func_slot)), Some(ret.func_slot))
                }
                // A coroutine that died in a native function (`error`) shows it on top.
                (_, Some(Frame::Lua(lf))) if th.status == CoStatus::Dead => {
                    match callee_slot(lf).map(|slot| (slot, native_at(&th, slot))) {
                        Some((slot, f @ Value::NativeFunction(_))) => (Some(f), Some(slot)),
                        _ => (None, None),
                    }
                }
                _ => (None, None),
            };
            let levels = stack_levels(&th, running, is_main);
            Ok(f(&mut StackView {
                th: &mut th,
                levels,
                top_slot,
                native_args: None,
            }))
        }
    }
}

/// The function running at a level (nil for an unknown native).
fn level_function<'gc>(th: &ThreadState<'gc>, level: Level<'gc>) -> Value<'gc> {
    match level {
        Level::Lua(i) => match &th.frames[i] {
            Frame::Lua(lf) => Value::Function(lf.closure),
            _ => Value::Nil,
        },
        Level::Native(f, _) => f,
    }
}

/// A level number argument as an index into the levels (`None`: out of range).
fn level_index(levels: &[Level<'_>], level: i64) -> Option<usize> {
    usize::try_from(level).ok().filter(|&l| l < levels.len())
}

// ---------------------------------------------------------------------------------------
// traceback

/// Name a function by where it is in the loaded modules (`print`, `string.format`), as
/// lua5.4's tracebacks do first.
fn global_function_name<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    f: Value<'gc>,
) -> Option<String> {
    if f.is_nil() {
        return None;
    }
    loaded_function_name(mc, state, f)
}

/// lua5.4 shows the first `FIRST_LEVELS` and the last `LAST_LEVELS` levels of a deep stack.
const FIRST_LEVELS: i64 = 10;
const LAST_LEVELS: i64 = 11;

fn traceback_text<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    view: &StackView<'gc, '_>,
    level: i64,
) -> String {
    render_traceback(view.levels.len(), level, |out, l| {
        let lv = view.levels[l];
        let name = global_function_name(mc, state, level_function(view.th, lv));
        match lv {
            Level::Lua(i) => out.push_str(&traceback_frame_line(view.th, i, name.as_deref())),
            Level::Native(..) => {
                out.push_str("\n\t[C]: in ");
                match (name, level_name(view.th, lv)) {
                    (Some(n), _) => out.push_str(&format!("function '{n}'")),
                    (None, Some((what, n))) => out.push_str(&format!("{what} '{n}'")),
                    (None, None) => out.push('?'),
                }
            }
        }
    })
}

/// "stack traceback:" and the lines of `count` levels from `level` on, as lua5.4 shows them
/// (the middle of a deep stack skipped); `line` appends the line of one level.
fn render_traceback(count: usize, level: i64, mut line: impl FnMut(&mut String, usize)) -> String {
    let mut out = String::from("stack traceback:");
    let last = count as i64 - 1;
    // A negative level shows nothing, as in lua5.4.
    let mut level = level;
    let mut to_show = if last.saturating_sub(level) > FIRST_LEVELS + LAST_LEVELS {
        FIRST_LEVELS
    } else {
        -1
    };
    while let Some(l) = usize::try_from(level).ok().filter(|&l| l < count) {
        level += 1;
        if to_show == 0 {
            let skip = last - level - LAST_LEVELS + 1;
            out.push_str(&format!("\n\t...\t(skipping {skip} levels)"));
            level += skip;
        } else {
            line(&mut out, l);
        }
        to_show -= 1;
    }
    out
}

/// A dying coroutine's stack longer than this keeps no traceback lines (see
/// `ThreadState::kept_traceback`).
const KEPT_LEVELS_MAX: usize = 64;

/// The traceback line of each level of `th` (a coroutine an error is leaving through a
/// nested call's boundary, nothing below able to catch it), from the native that raised
/// the error if one did; `None` for a deep stack.
pub(crate) fn kept_traceback_lines<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    th: &mut ThreadState<'gc>,
    raised_by: Option<Value<'gc>>,
) -> Option<Vec<String>> {
    let levels = stack_levels(th, raised_by, false);
    if levels.len() > KEPT_LEVELS_MAX {
        return None;
    }
    let count = levels.len();
    let view = StackView {
        th,
        levels,
        top_slot: None,
        native_args: None,
    };
    let all = traceback_text(mc, state, &view, 0);
    // One line per level (the header dropped): no level was skipped at this depth.
    let lines: Vec<String> = all.split('\n').skip(1).map(str::to_owned).collect();
    (lines.len() == count).then_some(lines)
}

/// The traceback of an error nobody caught, as lua.c's message handler makes it where the
/// error happened: from the native that raised it (`raised_by`, if one did) through every
/// level of `th`, the host's call last on the main thread.
pub(crate) fn error_traceback<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    th: &mut ThreadState<'gc>,
    raised_by: Option<Value<'gc>>,
    is_main: bool,
) -> String {
    let levels = stack_levels(th, raised_by, is_main);
    let view = StackView {
        th,
        levels,
        top_slot: None,
        native_args: None,
    };
    traceback_text(mc, state, &view, 0)
}

fn traceback<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (other, a) = thread_arg(ctx);
    let message = match ctx.arg(a) {
        Value::Nil => None,
        Value::String(_) | Value::Integer(_) | Value::Number(_) => Some(ctx.check_string(a)?),
        // A non-string message is returned untouched.
        v => return ctx.ret1(v),
    };
    let level = ctx.opt_integer(a + 1, if other.is_none() { 1 } else { 0 })?;
    let (mc, state) = (ctx.mc, ctx.state);
    // A coroutine that died inside a nested call shows the levels it had at the error.
    let kept = other.and_then(|t| {
        let ts = t.gc().try_borrow().ok()?;
        let lines = ts.kept_traceback.as_ref()?;
        (ts.status == CoStatus::Dead).then(|| {
            render_traceback(lines.len(), level, |out, l| {
                out.push('\n');
                out.push_str(&lines[l]);
            })
        })
    });
    let text = match kept {
        Some(text) => text,
        None => with_stack(ctx, other, |view| traceback_text(mc, state, view, level))?,
    };
    let mut bytes = Vec::new();
    if let Some(m) = message {
        // lua5.4 takes the message as a C string: it ends at the first zero byte.
        let m = m.as_bytes();
        let end = m.iter().position(|&b| b == 0).unwrap_or(m.len());
        bytes.extend_from_slice(&m[..end]);
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(text.as_bytes());
    let s = ctx.new_string(&bytes);
    ctx.ret1(s)
}

// ---------------------------------------------------------------------------------------
// getinfo

/// What `getinfo` knows about the activation at a level (absent for a function argument).
struct Activation {
    current_line: i64,
    is_tail: bool,
    /// getinfo's `ftransfer` and `ntransfer`: set while a call or return hook runs.
    transfer: (i64, i64),
    /// `namewhat` and `name`, from the instruction that called the function.
    name: Option<(&'static str, String)>,
}

/// The hook frame right above level `lv`, when a hook for an event of `lv` is running.
fn hook_above(th: &ThreadState<'_>, lv: Level<'_>) -> Option<Transfer> {
    let above = match lv {
        Level::Lua(i) => i + 1,
        Level::Native(f, Some(c)) if !f.is_nil() => c + 1,
        Level::Native(..) => return None,
    };
    match th.frames.get(above) {
        Some(Frame::Hook { transfer, .. }) => Some(*transfer),
        _ => None,
    }
}

/// getinfo's `ftransfer` and `ntransfer` for level `lv`: the local index of the first value
/// a call or return event transfers, and how many.
fn level_transfer(th: &ThreadState<'_>, lv: Level<'_>) -> (i64, i64) {
    let Some(t) = hook_above(th, lv) else {
        return (0, 0);
    };
    let count = t.count as i64;
    // lua5.4 records the transfer only when it moves values: otherwise both are 0.
    if count == 0 {
        return (0, 0);
    }
    if t.call {
        return (1, count);
    }
    match lv {
        Level::Lua(i) => match &th.frames[i] {
            Frame::Lua(lf) => {
                // Locals number registers from the base, after the captured locals.
                let proto = &Gc::as_ref(lf.proto).info;
                let in_cells = active_locals(proto, lf.pc.saturating_sub(1))
                    .filter(|l| matches!(l.slot, LocalSlot::Cell(_)))
                    .count();
                let first = t.first as i64 - lf.base as i64 + 1 + in_cells as i64;
                (first, count)
            }
            _ => (0, 0),
        },
        Level::Native(..) => (t.first as i64 - t.func_slot as i64, count),
    }
}

/// How the caller of level `lv` named the function running there (getinfo's 'n').
fn level_name(th: &ThreadState<'_>, lv: Level<'_>) -> Option<(&'static str, String)> {
    let caller = match lv {
        Level::Lua(i) => match &th.frames[i] {
            // A tail call leaves no caller to ask.
            Frame::Lua(lf) if !lf.is_tail => i.checked_sub(1),
            _ => None,
        },
        Level::Native(_, caller) => caller,
    };
    call_site_name(th, caller?)
}

const INFO_OPTIONS: &[u8] = b"SlnrutfL";

fn getinfo<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (other, a) = thread_arg(ctx);
    let options = match ctx.opt_string(a + 1)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"flnSrtu".to_vec(),
    };
    if options.first() == Some(&b'>') {
        return Err(ctx.arg_error(a + 1, "invalid option '>'"));
    }
    let target = ctx.arg(a);
    let (func, activation) = match target {
        Value::Function(_) | Value::NativeFunction(_) => (target, None),
        _ => {
            let level = ctx.check_integer(a)?;
            let found = with_stack(ctx, other, |view| {
                let lv = *view.levels.get(level_index(&view.levels, level)?)?;
                let func = level_function(view.th, lv);
                let name = level_name(view.th, lv);
                let transfer = level_transfer(view.th, lv);
                let activation = match lv {
                    Level::Lua(i) => match &view.th.frames[i] {
                        Frame::Lua(lf) => {
                            let proto = &Gc::as_ref(lf.proto).info;
                            Activation {
                                current_line: current_line(proto, lf.pc),
                                is_tail: lf.is_tail,
                                transfer,
                                name,
                            }
                        }
                        _ => Activation {
                            current_line: -1,
                            is_tail: false,
                            transfer,
                            name: None,
                        },
                    },
                    Level::Native(..) => Activation {
                        current_line: -1,
                        is_tail: false,
                        transfer,
                        name,
                    },
                };
                Some((func, Some(activation)))
            })?;
            match found {
                Some((func, activation)) if func.is_nil() => (host_function(ctx), activation),
                Some(f) => f,
                None => return ctx.ret1(Value::Nil),
            }
        }
    };
    if options.iter().any(|c| !INFO_OPTIONS.contains(c)) {
        return Err(ctx.arg_error(a + 1, "invalid option"));
    }
    let t = info_table(ctx, func, activation.as_ref(), &options);
    ctx.ret1(Value::Table(t))
}

/// The function of a native level whose function value is not known, such as the host
/// below the main chunk (lua.c's C function in lua5.4): a native without upvalues that
/// returns nothing, so that `getinfo(level, "f").func` is a function at every level.
fn host_function<'gc>(ctx: &Ctx<'gc, '_>) -> Value<'gc> {
    fn host<'gc>(_: &mut Ctx<'gc, '_>) -> Result<usize, LuaError<'gc>> {
        Ok(0)
    }
    Value::NativeFunction(new_native(ctx.mc, "?", NativeKind::Fn(host), Vec::new()))
}

/// `debug.setcstacklimit(limit)`: deprecated in Lua 5.4, where it changes nothing and
/// returns the fixed limit of nested C calls (200); kept so that code calling it runs.
fn setcstacklimit<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<usize, LuaError<'gc>> {
    ctx.check_integer(0)?;
    ctx.ret1(Value::Integer(200))
}

fn info_table<'gc>(
    ctx: &Ctx<'gc, '_>,
    func: Value<'gc>,
    activation: Option<&Activation>,
    options: &[u8],
) -> Table<'gc> {
    let mc = ctx.mc;
    let t = ctx.new_table();
    let set = |name: &str, v: Value<'gc>| set_value(mc, ctx.state, t, name, v);
    let str_value = |s: &str| ctx.new_string(s.as_bytes());
    let closure = match func {
        Value::Function(c) => Some(c),
        _ => None,
    };
    let proto = closure.map(|c| Gc::as_ref(c.proto.get()).info.clone());
    let has = |c: u8| options.contains(&c);
    if has(b'S') {
        match &proto {
            Some(p) => {
                set("source", str_value(&p.source));
                set("short_src", str_value(&chunk_display_name(&p.source)));
                set("linedefined", Value::Integer(p.line_defined as i64));
                set(
                    "lastlinedefined",
                    Value::Integer(p.last_line_defined as i64),
                );
                let what = if p.line_defined == 0 { "main" } else { "Lua" };
                set("what", str_value(what));
            }
            None => {
                set("source", str_value("=[C]"));
                set("short_src", str_value("[C]"));
                set("linedefined", Value::Integer(-1));
                set("lastlinedefined", Value::Integer(-1));
                set("what", str_value("C"));
            }
        }
    }
    if has(b'l') {
        let line = activation.map_or(-1, |a| a.current_line);
        set("currentline", Value::Integer(line));
    }
    if has(b'u') {
        let nups = match func {
            Value::Function(c) => c.upvalues.borrow().len(),
            Value::NativeFunction(n) => n.upvalues.borrow().len(),
            _ => 0,
        };
        set("nups", Value::Integer(nups as i64));
        let (nparams, vararg) = match &proto {
            // A main chunk is always vararg in Lua, whether or not it uses `...`.
            Some(p) => (p.num_params as i64, p.is_vararg || p.line_defined == 0),
            None => (0, true),
        };
        set("nparams", Value::Integer(nparams));
        set("isvararg", Value::Boolean(vararg));
    }
    if has(b'n') {
        match activation.and_then(|a| a.name.as_ref()) {
            Some((what, name)) => {
                set("name", str_value(name));
                set("namewhat", str_value(what));
            }
            None => set("namewhat", str_value("")),
        }
    }
    if has(b'r') {
        let (first, count) = activation.map_or((0, 0), |a| a.transfer);
        set("ftransfer", Value::Integer(first));
        set("ntransfer", Value::Integer(count));
    }
    if has(b't') {
        set(
            "istailcall",
            Value::Boolean(activation.is_some_and(|a| a.is_tail)),
        );
    }
    if has(b'L') {
        if let Some(p) = &proto {
            let lines = ctx.new_table();
            // The prologue that moves captured parameters into cells is no source line
            // (lua5.4 has no instruction for parameters).
            let prologue = p
                .code
                .iter()
                .take_while(|ins| matches!(ins, Instr::NewCell { a, .. } if *a < p.num_params))
                .count();
            for line in p.lines.iter().skip(prologue) {
                lines.set_int_internal(mc, line as i64, Value::Boolean(true));
            }
            set("activelines", Value::Table(lines));
        }
    }
    if has(b'f') {
        set("func", func);
    }
    t
}

// ---------------------------------------------------------------------------------------
// getlocal / setlocal

/// The local variables of `proto` in scope at instruction `pc`, in declaration order.
fn active_locals(proto: &FunctionProto, pc: usize) -> impl Iterator<Item = &LocalInfo> {
    proto
        .locals
        .iter()
        .filter(move |l| (l.start_pc as usize) <= pc && pc < l.end_pc as usize)
}

/// Where a local's value lives.
#[derive(Clone, Copy)]
enum Place {
    Stack(usize),
    Cell(usize),
}

/// Find local `n` of the level `view.levels[index]`. Of native levels only the running
/// debug function's own arguments are visible.
fn find_level_local(view: &StackView<'_, '_>, index: usize, n: i64) -> Option<(String, Place)> {
    match view.levels[index] {
        Level::Lua(i) => find_local(view, i, n),
        Level::Native(..) if index == 0 => {
            let args = view.native_args.clone()?;
            let slot = args.start + usize::try_from(n).ok()?.checked_sub(1)?;
            args.contains(&slot)
                .then(|| ("(C temporary)".into(), Place::Stack(slot)))
        }
        // A native whose call or return event a hook reports: its arguments and results.
        lv @ Level::Native(..) => {
            let t = hook_above(view.th, lv)?;
            let slot = t.func_slot + usize::try_from(n).ok().filter(|&n| n > 0)?;
            (slot < t.end).then(|| ("(C temporary)".into(), Place::Stack(slot)))
        }
    }
}

/// Find local `n` of the Lua frame `frames[i]`: its name and where its value is.
fn find_local(view: &StackView<'_, '_>, i: usize, n: i64) -> Option<(String, Place)> {
    let Frame::Lua(lf) = &view.th.frames[i] else {
        return None;
    };
    let proto = &Gc::as_ref(lf.proto).info;
    if n < 0 {
        // Extra arguments of a vararg function: `-1` is the first.
        let k = usize::try_from(n.unsigned_abs()).ok()?;
        if !proto.is_vararg || k > lf.nvarargs {
            return None;
        }
        return Some((
            "(vararg)".into(),
            Place::Stack(lf.base - lf.nvarargs + k - 1),
        ));
    }
    let n = usize::try_from(n).ok()?.checked_sub(1)?;
    let pc = lf.pc.saturating_sub(1);
    if let Some(local) = active_locals(proto, pc).nth(n) {
        let place = match local.slot {
            LocalSlot::Register(r) => Place::Stack(lf.base + r as usize),
            LocalSlot::Cell(c) => Place::Cell(lf.cell_base + c as usize),
        };
        return Some((local.name.clone(), place));
    }
    // Registers in use above the locals are temporaries. Captured locals live in cells, not
    // registers, so they shift the numbering down.
    let in_cells = active_locals(proto, pc)
        .filter(|l| matches!(l.slot, LocalSlot::Cell(_)))
        .count();
    let slot = lf.base + n.checked_sub(in_cells)?;
    (slot < frame_limit(view, i, lf)).then(|| ("(temporary)".into(), Place::Stack(slot)))
}

/// The end of the registers the Lua frame `frames[i]` uses: the function slot of whatever
/// it is calling.
fn frame_limit(view: &StackView<'_, '_>, i: usize, lf: &crate::thread::LuaFrame<'_>) -> usize {
    let registers_end = lf.base + Gc::as_ref(lf.proto).info.max_registers as usize;
    let callee = match view.th.frames.get(i + 1) {
        Some(Frame::Lua(next)) => Some(next.ret.func_slot),
        Some(
            Frame::Protected { ret, .. } | Frame::Resume { ret, .. } | Frame::Forward { ret, .. },
        ) => Some(ret.func_slot),
        Some(Frame::Boundary) => callee_slot(lf),
        // A finalizer runs at a safe point, where no call is under way.
        Some(Frame::Finalizer) => None,
        // Under a hook the whole register window is visible, as lua5.4 protects it, and
        // so are the results a return event reports.
        Some(Frame::Hook { transfer, .. }) => return registers_end.max(transfer.end),
        None => view.top_slot,
    };
    callee.map_or(registers_end, |c| c.min(registers_end))
}

fn read_place<'gc>(th: &ThreadState<'gc>, place: Place) -> Value<'gc> {
    match place {
        Place::Stack(s) => th.stack.get(s).copied().unwrap_or(Value::Nil),
        Place::Cell(c) => match th.cells.get(c) {
            Some(Some(cell)) => cell.get(),
            _ => Value::Nil,
        },
    }
}

fn write_place<'gc>(mc: &Mutation<'gc>, th: &mut ThreadState<'gc>, place: Place, v: Value<'gc>) {
    match place {
        Place::Stack(s) => {
            if let Some(slot) = th.stack.get_mut(s) {
                *slot = v;
            }
        }
        Place::Cell(c) => {
            if let Some(Some(cell)) = th.cells.get(c) {
                cell.set(mc, v);
            }
        }
    }
}

fn getlocal<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (other, a) = thread_arg(ctx);
    let n = ctx.check_integer(a + 1)?;
    match ctx.arg(a) {
        Value::Function(c) => {
            // Parameter names: the locals in scope when the function starts.
            let proto = &Gc::as_ref(c.proto.get()).info;
            let name = usize::try_from(n)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .filter(|&k| k < proto.num_params as usize)
                .and_then(|k| proto.locals.get(k));
            let v = match name {
                Some(l) => ctx.new_string(l.name.as_bytes()),
                None => Value::Nil,
            };
            return ctx.ret1(v);
        }
        Value::NativeFunction(_) => return ctx.ret1(Value::Nil),
        _ => {}
    }
    let level = ctx.check_integer(a)?;
    let found = with_stack(ctx, other, |view| {
        let index = level_index(&view.levels, level)?;
        let found = find_level_local(view, index, n);
        Some(found.map(|(name, place)| (name, read_place(view.th, place))))
    })?;
    match found {
        None => Err(ctx.arg_error(a, "level out of range")),
        Some(None) => ctx.ret1(Value::Nil),
        Some(Some((name, v))) => {
            let name = ctx.new_string(name.as_bytes());
            ctx.push(name);
            ctx.push(v);
            Ok(2)
        }
    }
}

fn setlocal<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (other, a) = thread_arg(ctx);
    let level = ctx.check_integer(a)?;
    let n = ctx.check_integer(a + 1)?;
    let in_range = with_stack(ctx, other, |view| {
        level_index(&view.levels, level).is_some()
    })?;
    if !in_range {
        return Err(ctx.arg_error(a, "level out of range"));
    }
    let value = ctx.check_any(a + 2)?;
    let mc = ctx.mc;
    let name = with_stack(ctx, other, |view| {
        let index = level_index(&view.levels, level)?;
        let (name, place) = find_level_local(view, index, n)?;
        write_place(mc, view.th, place, value);
        Some(name)
    })?;
    let v = match name {
        Some(n) => ctx.new_string(n.as_bytes()),
        None => Value::Nil,
    };
    ctx.ret1(v)
}

// ---------------------------------------------------------------------------------------
// Upvalues

/// The function argument `i` (after the upvalue index `n` at `i + 1` was checked, as
/// lua5.4 checks them in that order) and the 0-based upvalue index if it exists.
fn upvalue_args<'gc>(
    ctx: &Ctx<'gc, '_>,
    i: usize,
) -> Result<(Value<'gc>, Option<usize>), LuaError<'gc>> {
    let n = ctx.check_integer(i + 1)?;
    let f = ctx.arg(i);
    let count = match f {
        Value::Function(c) => c.upvalues.borrow().len(),
        Value::NativeFunction(nf) => nf.upvalues.borrow().len(),
        _ => return Err(ctx.type_error(i, "function")),
    };
    let index = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|&k| k < count);
    Ok((f, index))
}

/// The name of upvalue `k` of `f`: from the prototype for Lua functions, "" for natives.
fn upvalue_name(f: Value<'_>, k: usize) -> String {
    match f {
        Value::Function(c) => match Gc::as_ref(c.proto.get()).info.upvalues.get(k) {
            Some(desc) if !desc.name.is_empty() => desc.name.clone(),
            _ => "(no name)".into(),
        },
        _ => String::new(),
    }
}

fn getupvalue<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (f, index) = upvalue_args(ctx, 0)?;
    let Some(k) = index else {
        return Ok(0);
    };
    let value = match f {
        Value::Function(c) => c.upvalues.borrow()[k].get(),
        Value::NativeFunction(nf) => nf.upvalues.borrow()[k],
        _ => Value::Nil,
    };
    let name = ctx.new_string(upvalue_name(f, k).as_bytes());
    ctx.push(name);
    ctx.push(value);
    Ok(2)
}

fn setupvalue<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let value = ctx.check_any(2)?;
    let (f, index) = upvalue_args(ctx, 0)?;
    let Some(k) = index else {
        return Ok(0);
    };
    match f {
        Value::Function(c) => {
            let cell = c.upvalues.borrow()[k];
            ctx.state.before_cell_write(ctx.mc, cell);
            cell.set(ctx.mc, value)
        }
        Value::NativeFunction(nf) => set_native_upvalue(ctx.mc, nf, k, value),
        _ => {}
    }
    let name = ctx.new_string(upvalue_name(f, k).as_bytes());
    ctx.ret1(name)
}

/// An address identifying upvalue `k` of `f`: its cell for Lua functions, its slot in the
/// function object for natives.
fn upvalue_address(f: Value<'_>, k: usize) -> Option<usize> {
    match f {
        Value::Function(c) => c
            .upvalues
            .borrow()
            .get(k)
            .map(|cell| Gc::as_ptr(*cell) as usize),
        Value::NativeFunction(nf) => Some(Gc::as_ptr(nf) as usize + k),
        _ => None,
    }
}

/// The payload of an upvalue id userdata (the userdata's identity is the id).
struct UpvalueId;

fn upvalueid<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (f, index) = upvalue_args(ctx, 0)?;
    let Some(addr) = index.and_then(|k| upvalue_address(f, k)) else {
        return ctx.ret1(Value::Nil);
    };
    // lua5.4 returns a light userdata (the address). Ids are kept by address so that equal
    // upvalues give equal ids; the table grows with the number of upvalues asked about.
    let Value::Table(ids) = ctx.upvalue(0) else {
        return Err(ctx.error("upvalueid: id table is missing"));
    };
    let key = Value::Integer(addr as i64);
    let id = match ids.get(key) {
        v @ Value::UserData(_) => v,
        _ => {
            let u = Value::UserData(new_userdata(ctx.mc, Box::new(UpvalueId), None));
            ids.set_int_internal(ctx.mc, addr as i64, u);
            u
        }
    };
    ctx.ret1(id)
}

fn upvaluejoin<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (f1, n1) = upvalue_args(ctx, 0)?;
    let n1 = n1.ok_or_else(|| ctx.arg_error(1, "invalid upvalue index"))?;
    let (f2, n2) = upvalue_args(ctx, 2)?;
    let n2 = n2.ok_or_else(|| ctx.arg_error(3, "invalid upvalue index"))?;
    let Value::Function(c1) = f1 else {
        return Err(ctx.arg_error(0, "Lua function expected"));
    };
    let Value::Function(c2) = f2 else {
        return Err(ctx.arg_error(2, "Lua function expected"));
    };
    let cell = c2.upvalues.borrow()[n2];
    ctx.state.before_closure_write(ctx.mc, c1);
    gc_arena::barrier::unlock!(Gc::write(ctx.mc, c1), ClosureData, upvalues).borrow_mut()[n1] =
        cell;
    Ok(0)
}

// ---------------------------------------------------------------------------------------
// Metatables, user values, registry

fn getmetatable<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = ctx.check_any(0)?;
    let mt = metatable_of(ctx.state, v).map_or(Value::Nil, Value::Table);
    ctx.ret1(mt)
}

fn setmetatable<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let mt = match ctx.arg(1) {
        Value::Nil if ctx.nargs() >= 2 => None,
        Value::Table(t) => Some(t),
        _ => return Err(ctx.type_error(1, "nil or table")),
    };
    let v = ctx.arg(0);
    match v {
        Value::Table(t) => {
            (ctx.state.before_table_write(ctx.mc, t)).map_err(|e| ctx.core_error(e.message()))?;
            crate::weak::set_metatable(ctx.mc, ctx.state, t, mt)
        }
        Value::UserData(u) => {
            set_userdata_metatable(ctx.mc, u, mt);
            crate::weak::mark_userdata(ctx.mc, ctx.state, u, mt);
        }
        Value::String(_) => *ctx.state.string_metatable.borrow_mut(ctx.mc) = mt,
        // Every other type shares one metatable among all its values.
        other => {
            let mut shared = ctx.state.type_metatables.borrow_mut(ctx.mc);
            if let Some(slot) = shared.slot_mut(other) {
                *slot = mt;
            }
        }
    }
    ctx.ret1(v)
}

/// Userdata here has no user values (like a lua5.4 userdata created with none), so every
/// index is out of range.
fn getuservalue<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    ctx.opt_integer(1, 1)?;
    ctx.ret1(Value::Nil)
}

fn setuservalue<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    ctx.opt_integer(2, 1)?;
    match ctx.arg(0) {
        // Upvalue ids stand in for lua5.4's light userdata, which cannot hold user values.
        Value::UserData(u) if u.data.borrow().is::<UpvalueId>() => {
            return Err(ctx.arg_error(0, "userdata expected, got light userdata"));
        }
        Value::UserData(_) => {}
        _ => return Err(ctx.type_error(0, "userdata")),
    }
    ctx.check_any(1)?;
    ctx.ret1(Value::Nil)
}

fn getregistry<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    ctx.ret1(Value::Table(ctx.state.registry))
}

// ---------------------------------------------------------------------------------------
// Hooks

/// `debug.sethook([thread,] hook, mask [, count])`, run by `Builtin::Sethook`.
pub(crate) fn sethook<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (other, a) = thread_arg(ctx);
    let hook = if ctx.arg(a).is_nil() {
        None
    } else {
        let smask = ctx.check_string(a + 1)?;
        if !matches!(ctx.arg(a), Value::Function(_) | Value::NativeFunction(_)) {
            return Err(ctx.type_error(a, "function"));
        }
        let count = ctx.opt_integer(a + 2, 0)?;
        let mut mask = 0;
        for &c in smask.as_bytes() {
            mask |= match c {
                b'c' => HOOK_CALL,
                b'r' => HOOK_RETURN,
                b'l' => HOOK_LINE,
                _ => 0,
            };
        }
        // lua5.4 keeps the count in an int.
        let count = u32::try_from(count.clamp(0, i64::from(i32::MAX))).unwrap_or(0);
        if count > 0 {
            mask |= HOOK_COUNT;
        }
        (mask != 0).then(|| {
            Box::new(HookState {
                func: ctx.arg(a),
                mask,
                count,
                count_left: count,
                old_pc: 0,
                old_frame: (usize::MAX, 0),
                pending_return: Value::Nil,
            })
        })
    };
    let func = hook.as_ref().map_or(Value::Nil, |h| h.func);
    let key = match other {
        Some(t) => {
            match t.gc().try_borrow_mut(ctx.mc) {
                Ok(mut th) => th.hook = hook,
                Err(_) => {
                    if !in_chain(ctx, t) {
                        return Err(ctx.error("cannot set the hook of a running thread"));
                    }
                    // A resumer whose state a `drive` holds: it takes this hook back when
                    // it runs again (`exec::take_back_hook`).
                    let mut lent = ctx.state.lent_hooks.borrow_mut(ctx.mc);
                    match lent.iter_mut().find(|l| l.thread.ptr_eq(t)) {
                        Some(l) => l.hook = hook,
                        None => lent.push(LentHook { thread: t, hook }),
                    }
                }
            }
            t
        }
        None => {
            ctx.th.hook = hook;
            ctx.thread
        }
    };
    // As lua5.4, the registry's `_HOOKKEY` maps threads (weak keys) to their hooks. It is
    // made by the first `sethook`: while no weak table exists the collector takes its
    // faster path (see `weak.rs`), which a table made at startup cost every program.
    let (mc, state) = (ctx.mc, ctx.state);
    let name = Value::String(state.intern(mc, b"_HOOKKEY"));
    let hooks = match state.registry.get(name) {
        Value::Table(t) => t,
        _ => {
            let t = Table::new(mc);
            let mt = Table::new(mc);
            set_value(
                mc,
                state,
                mt,
                "__mode",
                Value::String(state.intern(mc, b"k")),
            );
            crate::weak::set_metatable(mc, state, t, Some(mt));
            (state.before_table_write(mc, state.registry))
                .map_err(|e| ctx.core_error(e.message()))?;
            set_value(mc, state, state.registry, "_HOOKKEY", Value::Table(t));
            t
        }
    };
    state
        .journaled_set(mc, hooks, Value::Thread(key), func)
        .map_err(|e| ctx.core_error(e.message()))?;
    Ok(0)
}

/// Is `t` among the running threads (the running one or a resumer of it)?
fn in_chain<'gc>(ctx: &Ctx<'gc, '_>, t: Thread<'gc>) -> bool {
    ctx.state.chain.borrow().iter().any(|c| c.ptr_eq(t))
}

/// `debug.gethook([thread])`: the hook, its mask and its count, or fail.
fn gethook<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (other, _) = thread_arg(ctx);
    let found = match other {
        None => ctx.th.hook.as_ref().map(|h| (h.func, h.mask, h.count)),
        Some(t) => match t.gc().try_borrow() {
            Ok(th) => th.hook.as_ref().map(|h| (h.func, h.mask, h.count)),
            // A resumer whose state a `drive` holds: its hook is lent (none if not listed).
            Err(_) if in_chain(ctx, t) => {
                let lent = ctx.state.lent_hooks.borrow();
                lent.iter()
                    .find(|l| l.thread.ptr_eq(t))
                    .and_then(|l| l.hook.as_ref())
                    .map(|h| (h.func, h.mask, h.count))
            }
            Err(_) => return Err(ctx.error("cannot inspect a thread that is running")),
        },
    };
    let Some((func, mask, count)) = found else {
        return ctx.ret1(Value::Nil);
    };
    let mut smask = Vec::new();
    for (bit, c) in [(HOOK_CALL, b'c'), (HOOK_RETURN, b'r'), (HOOK_LINE, b'l')] {
        if mask & bit != 0 {
            smask.push(c);
        }
    }
    let smask = ctx.new_string(&smask);
    ctx.push(func);
    ctx.push(smask);
    ctx.push(Value::Integer(i64::from(count)));
    Ok(3)
}

/// `debug.debug()`: runs each line read from the standard input as a chunk, until a line
/// `cont` or the end of the input, printing errors to the standard error (as lua5.4).
fn debug_debug<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    use std::io::{BufRead, Write};
    loop {
        let mut err = std::io::stderr();
        let _ = err.write_all(b"lua_debug> ");
        let _ = err.flush();
        let mut line = Vec::new();
        match std::io::stdin().lock().read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Ok(0),
            Ok(_) => {}
        }
        if line == b"cont\n" || line == b"cont" {
            return Ok(0);
        }
        let chunk = super::base::build_chunk(ctx, line, "=(debug command)", b"bt", None);
        let message = match chunk {
            Ok(f) => match ctx.call(f, &[]) {
                Ok(_) => continue,
                Err(e) => match ctx.to_display_string(e.value) {
                    Ok(s) => s.as_bytes().to_vec(),
                    Err(_) => b"(error object is not a string)".to_vec(),
                },
            },
            Err(msg) => msg.into_bytes(),
        };
        let _ = err.write_all(&message);
        let _ = err.write_all(b"\n");
    }
}

#[cfg(test)]
mod tests {
    use crate::stdlib::test_support::{run, run_err};

    #[test]
    fn traceback_lists_lua_and_native_levels() {
        let r = run(r##"
            local function inner() return debug.traceback("msg") end
            local _, tb = pcall(inner)
            return tb, debug.traceback("lvl0", 0), debug.traceback(7), debug.traceback({}) ~= nil
        "##);
        assert_eq!(
            r[0],
            "msg\nstack traceback:\n\ttest:2: in function <test:2>\n\t[C]: in function 'pcall'\
             \n\ttest:3: in main chunk\n\t[C]: in ?"
        );
        assert_eq!(
            r[1],
            "lvl0\nstack traceback:\n\t[C]: in function 'debug.traceback'\
             \n\ttest:4: in main chunk\n\t[C]: in ?"
        );
        assert!(r[2].starts_with("7\nstack traceback:"), "{}", r[2]);
        assert_eq!(
            run(r#"return (debug.traceback("a\0b"):match("^[^\n]*"))"#),
            vec!["a"]
        );
        let out_of_range = run(
            r##"return debug.traceback("x", -1), debug.traceback("x", math.mininteger),
            debug.traceback("x", 100), debug.getinfo(math.mininteger)"##,
        );
        assert_eq!(
            out_of_range,
            vec!["x\nstack traceback:"; 3]
                .into_iter()
                .chain(["nil"])
                .collect::<Vec<_>>()
        );
        assert_eq!(r[3], "true");
    }

    #[test]
    fn traceback_skips_the_middle_of_deep_stacks() {
        let r = run(r##"
            local function deep(n)
              if n == 0 then return debug.traceback() end
              return (deep(n - 1))
            end
            local tb = deep(40)
            local n = select(2, tb:gsub("\n", ""))
            return n, tb:match("\t%.%.%.\t%(skipping %d+ levels%)")
        "##);
        assert_eq!(r, vec!["22", "\t...\t(skipping 21 levels)"]);
    }

    #[test]
    fn traceback_of_a_suspended_coroutine_starts_at_yield() {
        let r = run(r##"
            local co = coroutine.create(function() coroutine.yield() end)
            local before = debug.traceback(co)
            coroutine.resume(co)
            return before, debug.traceback(co)
        "##);
        assert_eq!(r[0], "stack traceback:");
        assert_eq!(
            r[1],
            "stack traceback:\n\t[C]: in function 'coroutine.yield'\n\ttest:2: in function <test:2>"
        );
    }

    #[test]
    fn getinfo_describes_functions_and_levels() {
        let r = run(r##"
            local function f(a, b, ...)
              return a
            end
            local i = debug.getinfo(f)
            local p = debug.getinfo(print)
            local m = debug.getinfo(1)
            return i.source, i.short_src, i.what, i.linedefined, i.lastlinedefined,
              i.nparams, i.isvararg, i.nups, i.currentline, i.func == f, i.namewhat,
              p.what, p.short_src, p.currentline, m.what, m.currentline,
              debug.getinfo(2, "S").what, debug.getinfo(3) == nil, debug.getinfo(0, "f").func == debug.getinfo
        "##);
        assert_eq!(
            r,
            vec![
                "=test", "test", "Lua", "2", "4", "2", "true", "0", "-1", "true", "", "C", "[C]",
                "-1", "main", "7", "C", "true", "true"
            ]
        );
    }

    #[test]
    fn getinfo_activelines_skip_the_parameter_prologue() {
        let r = run(r##"
            local function f(p)
              local g = function() return p end
              return g
            end
            local t = {}
            for l in pairs(debug.getinfo(f, "L").activelines) do t[#t + 1] = l end
            table.sort(t)
            return table.concat(t, ",")
        "##);
        assert_eq!(r, vec!["3,4,5"]);
    }

    #[test]
    fn getinfo_rejects_invalid_options() {
        let e = run_err("debug.getinfo(1, 'X')");
        assert!(
            e.contains("bad argument #2 to 'getinfo' (invalid option)"),
            "{e}"
        );
        let e = run_err("debug.getinfo(print, '>S')");
        assert!(e.contains("(invalid option '>')"), "{e}");
    }

    #[test]
    fn getlocal_and_setlocal_reach_registers_cells_and_varargs() {
        let r = run(r##"
            local function f(a, ...)
              local x = 10
              local keep = function() return x end
              local n1, v1 = debug.getlocal(1, 1)
              local n2, v2 = debug.getlocal(1, 2)
              local n3, v3 = debug.getlocal(1, -2)
              debug.setlocal(1, 2, 5)
              debug.setlocal(1, -1, "changed")
              return n1, v1, n2, v2, n3, v3, keep(), (...), debug.getlocal(1, -3) == nil
            end
            return f(1, "p", "q")
        "##);
        assert_eq!(
            r,
            vec!["a", "1", "x", "10", "(vararg)", "q", "5", "changed", "true"]
        );
    }

    #[test]
    fn getlocal_at_level_zero_sees_its_own_arguments() {
        let r = run(r##"
            local n, v = debug.getlocal(0, 1)
            return n, v, debug.getlocal(0, 3) == nil, debug.setlocal(0, 3, 0)
        "##);
        assert_eq!(r, vec!["(C temporary)", "0", "true", "(C temporary)"]);
    }

    #[test]
    fn getlocal_of_a_function_gives_parameter_names() {
        let r = run(r##"
            local function f(p, q) local r = p; return function() return p end end
            return debug.getlocal(f, 1), debug.getlocal(f, 2), debug.getlocal(f, 3), debug.getlocal(print, 1)
        "##);
        assert_eq!(r, vec!["p", "q", "nil", "nil"]);
        let e = run_err("debug.getlocal(40, 1)");
        assert!(
            e.contains("bad argument #1 to 'getlocal' (level out of range)"),
            "{e}"
        );
    }

    #[test]
    fn upvalues_can_be_read_written_identified_and_joined() {
        let r = run(r##"
            local a, b = 1, 2
            local function f() return a + b end
            local function g() return b end
            local n, v = debug.getupvalue(f, 1)
            local set = debug.setupvalue(f, 1, 10)
            local same = debug.upvalueid(f, 2) == debug.upvalueid(g, 1)
            local diff = debug.upvalueid(f, 1) ~= debug.upvalueid(g, 1)
            debug.upvaluejoin(g, 1, f, 1)
            return n, v, set, a, f(), same, diff, g(), select("#", debug.getupvalue(f, 3)),
              type(debug.upvalueid(f, 1))
        "##);
        assert_eq!(
            r,
            vec!["a", "1", "a", "10", "12", "true", "true", "10", "0", "userdata"]
        );
        let e = run_err("debug.upvaluejoin(string.gmatch('x', 'x'), 1, print, 1)");
        assert!(
            e.contains("bad argument #4 to 'upvaluejoin' (invalid upvalue index)"),
            "{e}"
        );
    }

    #[test]
    fn metatables_registry_and_user_values() {
        let r = run(r##"
            local mt = {__metatable = false}
            local t = setmetatable({}, mt)
            local got = debug.getmetatable(t) == mt
            debug.setmetatable(t, nil)
            return got, getmetatable(t) == nil, debug.getmetatable("").__index == string,
              debug.getregistry()._LOADED.debug == debug, debug.getuservalue(io.stdout),
              debug.setuservalue(io.stdout, 1)
        "##);
        assert_eq!(r, vec!["true", "true", "true", "true", "nil", "nil"]);
        let e = run_err("debug.setmetatable(1, 2)");
        assert!(e.contains("(nil or table expected, got number)"), "{e}");
        // Upvalue ids stand in for light userdata, which has no user values.
        let e = run_err("debug.setuservalue(debug.upvalueid(function() return print end, 1), {})");
        assert!(e.contains("userdata expected, got light userdata"), "{e}");
    }

    #[test]
    fn basic_types_share_one_metatable_each() {
        let r = run(r##"
            local mt = {__index = function(n, k) return k .. n end}
            local same = debug.setmetatable(1, mt) == 1
            local shared = getmetatable(2.5) == mt and getmetatable(7) == mt
            local field = (3).x
            debug.setmetatable(print, {__index = {tag = "f"}})
            local fn_tag = (function() end).tag
            debug.setmetatable(1, nil)
            debug.setmetatable(print, nil)
            return same, shared, field, fn_tag, getmetatable(1) == nil, getmetatable(true)
        "##);
        assert_eq!(r, vec!["true", "true", "x3", "f", "true", "nil"]);
    }

    #[test]
    fn getinfo_names_functions_from_their_call_site() {
        let out = run("local function n(l) local i = debug.getinfo(l, 'n')
               return i.namewhat .. ':' .. tostring(i.name) end
             local t = {m = function(self) local r = n(2) return r end}
             local mt = setmetatable({}, {__index = function() local r = n(2) return r end})
             local function lf() local r = n(2) return r end
             local function tail() return n(2) end
             return t:m(), mt.x, lf(), n(1), select(2, pcall(n, 2)), tail()");
        assert_eq!(
            out,
            [
                "method:m",
                "metamethod:index",
                "local:lf",
                "local:n",
                "global:pcall",
                ":nil"
            ]
        );
    }
}

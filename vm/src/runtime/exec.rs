//! The stackless executor: the dispatch loop, calls and returns, metamethod frames,
//! `pcall`/coroutine builtins, error unwinding, and the driver that switches threads.
//!
//! Lua→Lua calls, returns and metamethod calls push and pop entries of the thread's frame
//! vector and stay inside the dispatch loop. The loop leaves only for *events*: a coroutine
//! switch, the end of a nested Rust→Lua call, the end of the program, or exhausted fuel
//! (the safe point where the host can collect garbage and apply reloads).

use gc_arena::{Gc, Mutation};

use crate::arith;
use crate::bytecode::Instr;
use crate::function::{
    new_cell, new_closure, Builtin, FastIter, NativeFunction, NativeKind, Proto, UpvalueCell,
};
use crate::runtime::callsite::{arg_error_text, call_site_name};
use crate::runtime::ctx::{Ctx, QuickFn, QuickProc};
use crate::runtime::error::{
    chunk_display_name, current_line, describe_register, describe_upvalue, LuaError,
};
use crate::runtime::hook::{self, HookEvent};
use crate::runtime::ops::{self, ArithError, ArithOp};
use crate::runtime::state::{GcRequest, MetaName, State};
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::{
    CoStatus, Frame, LuaFrame, Pending, Ret, RetKind, Thread, ThreadState, Transfer, REQUIRE_LOADER,
};
use crate::value::{copy_slot, copy_slot_raw, copy_slot_unchecked, Value};

/// Lua's LUAI_MAXSTACK: the most stack slots one thread may use.
const MAX_STACK: usize = 1_000_000;
/// Extra stack slots an `xpcall` message handler may use (Lua allows 200 more slots; frames
/// here are counted in slots too, so leave room for a few hundred calls).
const HANDLER_EXTRA_STACK: usize = 50_000;
/// Nesting limit for Rust→Lua calls (Lua's LUAI_MAXCCALLS).
const MAX_NATIVE_DEPTH: usize = 200;
/// Longest `__index`/`__newindex` chain followed (Lua's MAXTAGLOOP).
const MAX_META_CHAIN: usize = 2000;

type LResult<'gc, T> = Result<T, LuaError<'gc>>;

/// Why the dispatch loop stopped.
///
/// A bare tag the size of a word: what an event is about is in the thread's state, so an
/// event moves as one 8-byte value, written and read whole. An event with fields was copied
/// by wide loads (from the natives' results into `dispatch`'s, from there into `drive`'s)
/// that had to wait for the narrower stores that had just written it, twice per switch.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Event {
    /// The callee of a nested Rust→Lua call returned (results at `stack[..top]`).
    BoundaryReturn,
    /// Fuel ran out at a safe point.
    OutOfFuel,
    /// Resume the coroutine named by the `Frame::Resume` on top of this thread, with the
    /// values from that frame's arguments (`Frame::Resume::args_start`) to `top`.
    Resume,
    /// This coroutine yields `stack[start..top]`, `start` just after the `coroutine.yield`
    /// call's function slot (`ThreadState::yield_ret`).
    Yield,
    /// The thread's outermost function returned `stack[..top]`.
    Finished,
    /// `debug.sethook` changed the running thread's hook: `run` enters the dispatch loop
    /// again, in the mode the hook now asks for.
    Redispatch,
}

/// How a driver run ended.
pub(crate) enum DriveEnd {
    Boundary,
    OutOfFuel,
    /// The base thread's outermost function returned `stack[..top]`.
    Finished,
}

pub fn metatable_of<'gc>(state: &State<'gc>, v: Value<'gc>) -> Option<Table<'gc>> {
    match v {
        Value::Table(t) => t.metatable(),
        Value::UserData(u) => u.metatable.get(),
        Value::String(_) => *state.string_metatable.borrow(),
        other => state.type_metatables.borrow().get(other),
    }
}

#[inline]
pub fn metamethod<'gc>(state: &State<'gc>, v: Value<'gc>, m: MetaName) -> Value<'gc> {
    match metatable_of(state, v) {
        Some(mt) => mt.meta_get(state.meta_name(m), m as u32),
        None => Value::Nil,
    }
}

/// Whether `==` between the table `t` and another table cannot call `__eq` from `t`'s
/// metatable: none, or one known to lack `__eq`. `false` when unknown (`eq_slow` finds out
/// and remembers).
#[inline(always)]
fn no_eq_meta(t: Table<'_>) -> bool {
    match t.metatable() {
        None => true,
        Some(mt) => mt.meta_known_absent(MetaName::Eq as u32),
    }
}

/// `obj.key` when `obj`'s own field is nil and it has a metatable: follows `__index`
/// while it is a table (class and inheritance chains), writing the value to `dest`.
/// `false` (nothing written) when a handler is a function or anything but a table, or
/// the chain is too long: `index_slow` then handles it.
#[inline(never)]
fn index_chain_str<'gc>(
    state: &State<'gc>,
    t: Table<'gc>,
    key: crate::string::LuaString<'gc>,
    dest: &mut Value<'gc>,
) -> bool {
    let name = state.meta_name(MetaName::Index);
    let mut t = t;
    for _ in 0..MAX_META_CHAIN {
        let handler = t.index_handler(name, MetaName::Index as u32);
        match handler {
            Value::Table(h) => {
                if h.get_str_into(key, dest) {
                    return true;
                }
                t = h;
            }
            Value::Nil => {
                *dest = Value::Nil;
                return true;
            }
            _ => return false,
        }
    }
    false
}

/// `s:name(...)`'s lookup of `name` when `s` is a string: the string metatable's
/// `__index` when it is a table (the `string` library, unless a program replaced it),
/// followed as `index_chain_str` does, writing the value to `dest`. `false` (nothing
/// written) in every other case (no string metatable, a function handler): `index_slow`
/// then handles it, errors included.
#[inline(always)]
fn string_method<'gc>(
    state: &State<'gc>,
    key: crate::string::LuaString<'gc>,
    dest: &mut Value<'gc>,
) -> bool {
    let Some(mt) = *state.string_metatable.borrow() else {
        return false;
    };
    match mt.meta_get_inline(state.meta_name(MetaName::Index), MetaName::Index as u32) {
        Value::Table(h) => h.get_str_into(key, dest) || index_chain_str(state, h, key, dest),
        _ => false,
    }
}

fn is_callable(v: Value<'_>) -> bool {
    matches!(v, Value::Function(_) | Value::NativeFunction(_))
}

/// Debug builds: stacks up to this many slots move on every growth (see `ensure_len`).
const DEBUG_MOVE_BELOW: usize = 4096;

#[inline]
fn ensure_len<'gc>(th: &mut ThreadState<'gc>, len: usize) {
    if th.stack.len() < len {
        // Debug builds (all the test suites) move the stack to a fresh allocation whenever
        // it outgrows its capacity (never growing it in place) and on every growth while it
        // is small, so a register pointer of the dispatch loop left stale by a growth fails
        // its check (see `reg`) even where release builds would find room in place.
        if cfg!(debug_assertions) && (len > th.stack.capacity() || len <= DEBUG_MOVE_BELOW) {
            let cap = th.stack.capacity();
            let mut moved = Vec::with_capacity(if len > cap { len.max(2 * cap) } else { cap });
            moved.extend_from_slice(&th.stack);
            th.stack = moved;
        }
        th.stack.resize(len, Value::Nil);
    }
}

fn lua_frame_end(f: &LuaFrame<'_>) -> usize {
    f.base + f.proto.max_registers as usize
}

/// A runtime error message with the position of the innermost Lua frame.
fn runtime_error<'gc>(mc: &Mutation<'gc>, th: &ThreadState<'gc>, msg: &str) -> LuaError<'gc> {
    let prefix = match th.frames.last() {
        Some(Frame::Lua(f)) => {
            let proto = &Gc::as_ref(f.proto).info;
            format!(
                "{}:{}: ",
                chunk_display_name(&proto.source),
                current_line(proto, f.pc)
            )
        }
        _ => String::new(),
    };
    LuaError::from_str(mc, &format!("{prefix}{msg}"))
}

/// An error the core raises while a native runs (the nested helpers below serve `Ctx`):
/// lua5.4 gives it no position, since the running function is not Lua.
fn core_error<'gc>(mc: &Mutation<'gc>, msg: &str) -> LuaError<'gc> {
    LuaError::from_str(mc, msg)
}

/// The type name used in error messages: a string `__name` in the metatable of a table or
/// userdata wins (Lua's `luaT_objtypename`).
fn obj_type_name<'gc>(state: &State<'gc>, v: Value<'gc>) -> String {
    if matches!(v, Value::Table(_) | Value::UserData(_)) {
        if let Value::String(s) = metamethod(state, v, MetaName::Name) {
            return s.to_str_lossy().into_owned();
        }
    }
    v.type_name().to_string()
}

/// "attempt to compare A with table", naming types as `luaT_objtypename` does.
fn compare_error_text<'gc>(state: &State<'gc>, a: Value<'gc>, b: Value<'gc>) -> String {
    ops::compare_error_message(&obj_type_name(state, a), &obj_type_name(state, b))
}

fn with_info(msg: String, info: Option<String>) -> String {
    match info {
        Some(i) => format!("{msg} ({i})"),
        None => msg,
    }
}

/// Call `stack[func_slot]` with the `nargs` values after it; results go as `ret` says.
/// Returns an event when the call ended in one (a native finishing into a boundary, a
/// coroutine switch).
#[allow(clippy::too_many_arguments)]
pub(crate) fn setup_call<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
    is_tail: bool,
) -> LResult<'gc, Option<Event>> {
    setup_call_body(mc, state, thread, th, func_slot, nargs, ret, is_tail)
}

/// `setup_call` for the `Call` instruction: the results go to `func_slot..` of the Lua
/// frame on top (`nresults` of them, `-1`: all). The `Ret` is built here, so its fields
/// stay in registers: passed from the loop, a `Ret` written field by field just before
/// the call was read back as a whole by the callee (its copy of the argument), whose wide
/// loads waited for those narrower stores, on every call of a native function.
#[inline(never)]
fn call_from_lua<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    func_slot: usize,
    nargs: usize,
    nresults: i32,
) -> LResult<'gc, Option<Event>> {
    let ret = Ret {
        func_slot,
        nresults,
        kind: RetKind::Normal,
    };
    setup_call_body(mc, state, thread, th, func_slot, nargs, ret, false)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn setup_call_body<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
    is_tail: bool,
) -> LResult<'gc, Option<Event>> {
    // A callable object goes through `call_via_meta` (out of line: no loop here).
    match th.stack[func_slot] {
        Value::Function(closure) => {
            let proto = closure.proto.get();
            let info = &proto.info;
            let np = info.num_params as usize;
            let (base, nvarargs) = if info.is_vararg && nargs > np {
                // Fixed parameters move above the extra arguments.
                let base = func_slot + 1 + nargs;
                ensure_len(th, base + np);
                th.stack
                    .copy_within(func_slot + 1..func_slot + 1 + np, base);
                (base, nargs - np)
            } else {
                (func_slot + 1, 0)
            };
            let end = base + info.max_registers as usize;
            if end > stack_limit(th) {
                return Err(runtime_error(mc, th, "stack overflow"));
            }
            ensure_len(th, end);
            let given = if nvarargs > 0 { np } else { nargs };
            for slot in &mut th.stack[base + given.min(np)..base + np] {
                *slot = Value::Nil;
            }
            let meta_depth = parent_meta_depth(th) + u32::from(ret.kind != RetKind::Normal);
            if meta_depth as usize > MAX_NATIVE_DEPTH {
                return Err(runtime_error(mc, th, "C stack overflow"));
            }
            let simple = ret.kind == RetKind::Normal
                && matches!(ret.nresults, -1..=1)
                && matches!(th.frames.last(), Some(Frame::Lua(_)));
            push_frame(
                th, closure, proto, base, nvarargs, ret, is_tail, simple, meta_depth,
            );
            if th.hook.is_some() {
                lua_call_hook(mc, state, thread, th, is_tail, func_slot, base, np)?;
            }
            Ok(None)
        }
        Value::NativeFunction(nf) => call_native(mc, state, thread, th, nf, func_slot, nargs, ret),
        _ => call_via_meta(mc, state, thread, th, func_slot, nargs, ret, is_tail),
    }
}

/// `setup_call` of a value that is not a function: its `__call` metamethod goes before it
/// ([`insert_call_meta`]), then the function found is called.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn call_via_meta<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
    is_tail: bool,
) -> LResult<'gc, Option<Event>> {
    let nargs = insert_call_meta(mc, state, th, func_slot, nargs)?;
    setup_call(mc, state, thread, th, func_slot, nargs, ret, is_tail)
}

/// What [`tail_call_via_meta`] did.
enum MetaTailCall {
    /// The Lua function found was called in place of the frame (`setup_call`'s result).
    Called(Option<Event>),
    /// The function found is a native, now at the call's slot with this many arguments: it
    /// is called from the frame, as lua5.4 runs a C function in a tail call (its errors
    /// name the caller's line and call site).
    Native(usize),
}

/// The `TailCall` of a value that is not a function, from a frame without to-be-closed
/// variables: its `__call` metamethod is inserted ([`insert_call_meta`]); a Lua function
/// found replaces the calling frame and is called with the frame's result destination.
#[cold]
#[inline(never)]
fn tail_call_via_meta<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    func_slot: usize,
    nargs: usize,
) -> LResult<'gc, MetaTailCall> {
    let nargs = insert_call_meta(mc, state, th, func_slot, nargs)?;
    if !matches!(th.stack[func_slot], Value::Function(_)) {
        return Ok(MetaTailCall::Native(nargs));
    }
    // The same frame exchange as the `TailCall` arm's inline path. Shared through an
    // `#[inline(always)]` helper, the dispatch loop's code came out different (closures
    // +2.9%, methods +2.6% instructions), so the few lines stand twice.
    let Some(Frame::Lua(old)) = th.frames.pop() else {
        unreachable!("a tail call runs in a Lua frame")
    };
    th.cells.truncate(old.cell_base);
    let dest = old.ret.func_slot;
    for i in 0..=nargs {
        copy_slot(&mut th.stack, dest + i, func_slot + i);
    }
    setup_call(mc, state, thread, th, dest, nargs, old.ret, true).map(MetaTailCall::Called)
}

/// Make `stack[func_slot]` callable: while it is not a function, insert its `__call`
/// metamethod before it (`mm(obj, args...)`), up to `MAX_META_CHAIN` times. Returns the
/// argument count after the insertions. The stack may be reallocated.
#[cold]
#[inline(never)]
fn insert_call_meta<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    th: &mut ThreadState<'gc>,
    func_slot: usize,
    nargs: usize,
) -> LResult<'gc, usize> {
    for inserted in 0..MAX_META_CHAIN {
        // Each metamethod inserted so far became the first argument of the next.
        let nargs = nargs + inserted;
        let callee = th.stack[func_slot];
        if matches!(callee, Value::Function(_) | Value::NativeFunction(_)) {
            return Ok(nargs);
        }
        let mm = metamethod(state, callee, MetaName::Call);
        if mm.is_nil() {
            return Err(call_error(mc, state, th, callee, func_slot));
        }
        ensure_len(th, func_slot + nargs + 2);
        th.stack
            .copy_within(func_slot..func_slot + nargs + 1, func_slot + 1);
        th.stack[func_slot] = mm;
    }
    Err(runtime_error(
        mc,
        th,
        "'__call' chain too long; possible loop",
    ))
}

/// The call event of a Lua function `setup_call` just entered (kept out of `setup_call`,
/// which the dispatch loop inlines).
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn lua_call_hook<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    is_tail: bool,
    func_slot: usize,
    base: usize,
    np: usize,
) -> LResult<'gc, ()> {
    let event = if is_tail {
        HookEvent::TailCall
    } else {
        HookEvent::Call
    };
    let transfer = Transfer {
        call: true,
        func_slot,
        first: base,
        count: np,
        end: base + np,
    };
    hook::call_hook(mc, state, thread, th, event, None, Value::Nil, transfer)
}

fn call_error<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    th: &ThreadState<'gc>,
    v: Value<'gc>,
    func_slot: usize,
) -> LuaError<'gc> {
    // As lua5.4's luaG_callerror: the callee is named by the calling instruction, when
    // the call is that instruction's own (not, say, the function `pcall` was given).
    let caller = th.frames.len().wrapping_sub(1);
    let info = match th.frames.last() {
        Some(Frame::Lua(f)) if is_instruction_call(f, func_slot) => {
            call_site_name(th, caller).map(|(kind, name)| format!("{kind} '{name}'"))
        }
        _ => None,
    };
    runtime_error(
        mc,
        th,
        &with_info(
            format!("attempt to call a {} value", obj_type_name(state, v)),
            info,
        ),
    )
}

/// Is the call of `stack[func_slot]` the one the current instruction of `f` makes?
fn is_instruction_call(f: &LuaFrame<'_>, func_slot: usize) -> bool {
    let proto = Gc::as_ref(f.proto);
    let Some(&ins) = f.pc.checked_sub(1).and_then(|i| proto.info.code.get(i)) else {
        return false;
    };
    match ins {
        Instr::Call { a, .. } | Instr::TailCall { a, .. } => func_slot == f.base + a as usize,
        Instr::TForCall { a, .. } => func_slot == f.base + a as usize + 4,
        // Metamethods are called above the frame's registers.
        _ => func_slot >= lua_frame_end(f),
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn call_native<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    if th.hook.is_some() {
        return call_native_hooked(mc, state, thread, th, nf, func_slot, nargs, ret);
    }
    let f = match nf.kind {
        NativeKind::Fn(f) | NativeKind::Iter(_, f) => f,
        NativeKind::Assert(f) => {
            if assert_passes(th, func_slot, nargs, ret) {
                return Ok(None);
            }
            f
        }
        NativeKind::Quick(quick, f) => {
            if quick_done(mc, state, th, quick, func_slot, nargs, ret) {
                return Ok(None);
            }
            f
        }
        NativeKind::QuickProc(quick, f) => {
            if quick_proc_done(mc, state, th, quick, func_slot, nargs, ret) {
                return Ok(None);
            }
            f
        }
        NativeKind::Host => call_host,
        NativeKind::Builtin(b) => {
            return call_builtin(mc, state, thread, th, nf, b, func_slot, nargs, ret)
        }
    };
    let n = run_native::<false>(mc, state, thread, th, nf, f, func_slot, nargs)?;
    let (event, placed_at) = match (ret.kind, th.frames.last()) {
        (RetKind::Normal, Some(Frame::Lua(_))) => {
            place_native_results(th, func_slot, n, ret.nresults);
            (None, Some(func_slot))
        }
        _ => (deliver(mc, state, thread, th, ret, n)?, None),
    };
    Ok(event.or_else(|| full_collection_pause(state, placed_at)))
}

/// `assert` called from Lua with a true first argument: its results are its arguments,
/// moved down over the function's slot, without entering the native (real code asserts
/// in its hot functions: LuaJIT's array3d benchmark asserts three times per store).
/// `false`, nothing done, when the native must run (to raise the error).
#[inline(always)]
fn assert_passes(th: &mut ThreadState<'_>, func_slot: usize, nargs: usize, ret: Ret) -> bool {
    let args = func_slot + 1..func_slot + 1 + nargs;
    let passes = nargs > 0
        && th.stack.get(func_slot + 1).is_some_and(|v| v.is_truthy())
        && results_to_lua(th, ret);
    if !passes || args.end > th.stack.len() {
        return false;
    }
    th.stack.copy_within(args, func_slot);
    place_native_results(th, func_slot, nargs, ret.nresults);
    true
}

/// A native with a [`QuickFn`] called from Lua: its result computed by `quick` and placed
/// as the native's would be. `false`, nothing done, when `quick` leaves it to the native.
#[inline(always)]
fn quick_done<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &State<'gc>,
    th: &mut ThreadState<'gc>,
    quick: QuickFn,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> bool {
    let Some(args) = quick_args(th, func_slot, nargs, ret) else {
        return false;
    };
    let Some(v) = quick(mc, state, args) else {
        return false;
    };
    th.stack[func_slot] = v;
    place_native_results(th, func_slot, 1, ret.nresults);
    true
}

/// A native with a [`QuickProc`] called from Lua: done by `quick` (no results placed as the
/// native's none would be), or `false`, nothing done, when the native must run.
#[inline(always)]
fn quick_proc_done<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &State<'gc>,
    th: &mut ThreadState<'gc>,
    quick: QuickProc,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> bool {
    let Some(args) = quick_args(th, func_slot, nargs, ret) else {
        return false;
    };
    if !quick(mc, state, args) {
        return false;
    }
    place_native_results(th, func_slot, 0, ret.nresults);
    true
}

/// The arguments of a native called from Lua whose results go to the Lua frame on top,
/// the only calls a quick path takes.
#[inline(always)]
fn quick_args<'a, 'gc>(
    th: &'a ThreadState<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> Option<&'a [Value<'gc>]> {
    if !results_to_lua(th, ret) {
        return None;
    }
    th.stack.get(func_slot + 1..func_slot + 1 + nargs)
}

/// Whether a native's results go straight to the Lua frame on top (an ordinary call from
/// Lua), where `place_native_results` puts them.
#[inline(always)]
fn results_to_lua(th: &ThreadState<'_>, ret: Ret) -> bool {
    ret.kind == RetKind::Normal && matches!(th.frames.last(), Some(Frame::Lua(_)))
}

/// How long the stack may grow: `MAX_STACK`, with `HANDLER_EXTRA_STACK` more for a running
/// message handler, counted from where the stack stood when it started if that was past the
/// limit (a huge `...` copy can leave it so).
pub(crate) fn stack_limit(th: &ThreadState<'_>) -> usize {
    if th.in_message_handler > 0 {
        MAX_STACK.max(th.handler_stack_base as usize) + HANDLER_EXTRA_STACK
    } else {
        MAX_STACK
    }
}

/// `call_native` on a thread with a hook: "call" and "return" events around the native.
/// Builtins that return later (`pcall`, `coroutine.resume`, `yield`) report their return
/// where they do (`hook::native_returned`).
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn call_native_hooked<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    let native = Value::NativeFunction(nf);
    let args = Transfer {
        call: true,
        func_slot,
        first: func_slot + 1,
        count: nargs,
        end: func_slot + 1 + nargs,
    };
    hook::call_hook(mc, state, thread, th, HookEvent::Call, None, native, args)?;
    let f = match nf.kind {
        NativeKind::Fn(f)
        | NativeKind::Iter(_, f)
        | NativeKind::Assert(f)
        | NativeKind::Quick(_, f)
        | NativeKind::QuickProc(_, f) => f,
        NativeKind::Host => call_host,
        NativeKind::Builtin(b) => {
            return call_builtin(mc, state, thread, th, nf, b, func_slot, nargs, ret);
        }
    };
    let n = run_native::<true>(mc, state, thread, th, nf, f, func_slot, nargs)?;
    let (event, placed_at) = match (ret.kind, th.frames.last()) {
        (RetKind::Normal, Some(Frame::Lua(_))) => {
            place_for_lua_caller(th, func_slot, n, ret.nresults);
            (None, Some(func_slot))
        }
        _ => (deliver(mc, state, thread, th, ret, n)?, None),
    };
    Ok(event.or_else(|| full_collection_pause(state, placed_at)))
}

/// The native body of a host closure (`NativeKind::Host`): runs the closure it holds.
fn call_host<'gc>(ctx: &mut Ctx<'gc, '_>) -> LResult<'gc, usize> {
    let data: &'gc crate::function::NativeData<'gc> = Gc::as_ref(ctx.func);
    match &data.host {
        Some(f) => f(ctx),
        None => Err(ctx.core_error("host function without a body")),
    }
}

/// Run native `f` on the arguments after `func_slot`; its `n` results end up at `func_slot..`.
/// `HOOKED`: a return event goes between the native's return and the move of its results
/// (the hook sees them where the native left them, as in lua5.4).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn run_native<'gc, const HOOKED: bool>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    f: crate::runtime::ctx::NativeFn,
    func_slot: usize,
    nargs: usize,
) -> LResult<'gc, usize> {
    let args_end = func_slot + 1 + nargs;
    // Results are pushed above everything live; the stack never shrinks below the register
    // windows of the frames under us.
    let old_len = th.stack.len().max(args_end);
    let n = {
        let mut ctx = Ctx::for_call(mc, state, thread, &mut *th, nf, func_slot, nargs);
        f(&mut ctx)
    };
    let n = match n {
        Ok(n) => n,
        Err(e) => return Err(native_raised(th, nf, e)),
    };
    let len = th.stack.len();
    let n = n.min(len - old_len);
    if HOOKED {
        let results = Transfer {
            call: false,
            func_slot,
            first: len - n,
            count: n,
            end: len,
        };
        let native = Value::NativeFunction(nf);
        hook::call_hook(
            mc,
            state,
            thread,
            th,
            HookEvent::Return,
            None,
            native,
            results,
        )?;
    }
    // Usually a handful of results: field-wise copies beat a `memmove` call here.
    if n == 1 {
        // SAFETY: `func_slot < args_end <= old_len <= len - 1`.
        unsafe { copy_slot_unchecked(&mut th.stack, func_slot, len - 1) };
    } else {
        for i in 0..n {
            copy_slot(&mut th.stack, func_slot + i, len - n + i);
        }
    }
    th.stack.truncate(old_len.max(func_slot + n));
    Ok(n)
}

/// Native `nf` failed with `e`: remember it for the traceback (`ThreadState::raised_by`).
#[cold]
#[inline(never)]
fn native_raised<'gc>(
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    e: LuaError<'gc>,
) -> LuaError<'gc> {
    th.raised_by = Some(Value::NativeFunction(nf));
    e
}

/// `place_for_lua_caller` for a native's results (`run_native`'s): it left the stack at
/// least as long as it found it, so the caller's register window, which holds every
/// result the call wants, is still there and needs no `ensure_len` (nor the caller's
/// prototype read to know where its window ends).
#[inline(always)]
fn place_native_results(th: &mut ThreadState<'_>, func_slot: usize, n: usize, nresults: i32) {
    if nresults < 0 {
        th.top = func_slot + n;
        return;
    }
    let want = nresults as usize;
    if n < want {
        match th.stack.get_mut(func_slot + n..func_slot + want) {
            Some(missing) => missing.fill(Value::Nil),
            // Not for bytecode the validator passed; kept safe for any other.
            None => place_for_lua_caller(th, func_slot, n, nresults),
        }
    }
}

/// `n` results at `func_slot..` for an ordinary call from the Lua frame on top: what
/// `deliver` does for that case, inline.
#[inline(always)]
fn place_for_lua_caller(th: &mut ThreadState<'_>, func_slot: usize, n: usize, nresults: i32) {
    let frame_end = match th.frames.last() {
        Some(Frame::Lua(f)) => lua_frame_end(f),
        _ => 0,
    };
    if nresults >= 0 {
        let want = nresults as usize;
        // With enough results the wanted ones are already on the stack.
        if n < want {
            ensure_len(th, func_slot + want);
            for v in &mut th.stack[func_slot + n..func_slot + want] {
                *v = Value::Nil;
            }
        }
    } else {
        th.top = func_slot + n;
    }
    ensure_len(th, frame_end.max(th.top));
}

/// Before a collection at a safe point: if the running thread stopped at a loop's
/// backward jump, only its top frame's local variables are live (no temporary is live
/// across a loop edge), so clear the registers above them and everything above the frame.
/// Lua marks a running frame only up to its live registers; without this a stale copy of
/// an object left in a temporary register would keep it alive (and unfinalized) while the
/// loop runs.
pub(crate) fn clear_dead_registers<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) {
    let Some(edge) = state.host.borrow_mut().loop_edge.take() else {
        return;
    };
    let thread = *state.chain.borrow().last().expect("chain is never empty");
    let mut th = thread.gc().borrow_mut(mc);
    let Some(Frame::Lua(f)) = th.frames.last() else {
        return;
    };
    let pc = f.pc;
    if edge != (th.frames.len(), pc) {
        return;
    }
    let from = (f.base + live_bound_at_loop_edge(f, pc)).min(th.stack.len());
    let end = lua_frame_end(f).max(from).min(th.stack.len());
    for v in &mut th.stack[from..end] {
        *v = Value::Nil;
    }
    // Nothing above the frame is live: drop those slots (left by a deeper call earlier), so
    // this walk stays the size of one frame (after a recursion 190,000 calls deep, clearing
    // the whole old stack at every safe point made a plain loop 2x slower), and give back
    // most of the memory of a stack that was much deeper, as lua5.4 shrinks its stacks.
    th.stack.truncate(end);
    if th.stack.capacity() > STACK_SHRINK_ABOVE && th.stack.capacity() > 4 * end {
        th.stack.shrink_to(2 * end);
    }
}

/// Stack capacity (slots) below which a safe point never shrinks a thread's stack.
const STACK_SHRINK_ABOVE: usize = 1 << 16;

/// One past the highest live register of `f` at a loop edge `pc` (the first instruction of
/// the loop's body): its local variables in scope, and the loop variables the body is about
/// to move into fresh cells. A `for` loop's captured variables are still in their registers
/// there (the body starts with their `NewCell`s, and the register variables declared after
/// them are in scope only from the end of those), so clearing above the locals alone made
/// a captured loop variable nil for the iteration after a safe point.
fn live_bound_at_loop_edge(f: &LuaFrame<'_>, pc: usize) -> usize {
    let code = &f.proto.info.code;
    let mut bound = locals_bound(f, pc);
    let mut at = pc;
    while let Some(&Instr::NewCell { a, .. }) = code.get(at) {
        bound = bound.max(a as usize + 1);
        at += 1;
    }
    if at > pc {
        bound = bound.max(locals_bound(f, at));
    }
    bound
}

/// The running thread stops for a safe point at a loop edge (see `clear_dead_registers`);
/// out of line to keep the dispatch loop's fuel check small.
#[cold]
#[inline(never)]
fn note_loop_edge(state: &State<'_>, th: &ThreadState<'_>, pc: usize) {
    state.host.borrow_mut().loop_edge = Some((th.frames.len(), pc));
}

/// One past the highest register of a local variable of `f` in scope at `pc` (or whose
/// scope ends there: a to-be-closed variable is still closed by the next instruction).
fn locals_bound(f: &LuaFrame<'_>, pc: usize) -> usize {
    f.proto
        .info
        .locals
        .iter()
        .filter(|l| (l.start_pc as usize) <= pc && pc <= l.end_pc as usize)
        .filter_map(|l| match l.slot {
            crate::bytecode::LocalSlot::Register(r) => Some(r as usize + 1),
            crate::bytecode::LocalSlot::Cell(_) => None,
        })
        .max()
        .unwrap_or(0)
}

/// After a native returned: a collection it asked for (`collectgarbage`) runs before any
/// more Lua code, by handing control back to the runtime as if fuel ran out. Not inside a
/// nested Rust->Lua call, whose driver cannot stop early. `placed_at` is where the native's
/// results now are on the running thread's stack, when they went to a Lua caller's
/// registers.
#[inline(always)]
fn full_collection_pause(state: &State<'_>, placed_at: Option<usize>) -> Option<Event> {
    if matches!(state.host.borrow().gc.request, GcRequest::None) {
        return None;
    }
    gc_request_pause(state, placed_at)
}

/// A `collectgarbage` request is pending. A bounded step's result can be corrected by the
/// runtime only where it is sure to be read later (the native's results in its Lua
/// caller's registers, with the collection running before the next instruction);
/// elsewhere the step becomes a whole cycle, for which the provisional result is right.
#[cold]
#[inline(never)]
fn gc_request_pause<'gc>(state: &State<'gc>, placed_at: Option<usize>) -> Option<Event> {
    let mut host = state.host.borrow_mut();
    let at_top = host.native_depth == 0;
    if let GcRequest::Step {
        kb,
        slot,
        placed: false,
    } = host.gc.request
    {
        host.gc.request = if at_top && placed_at == Some(slot) {
            GcRequest::Step {
                kb,
                slot,
                placed: true,
            }
        } else {
            GcRequest::Full
        };
    }
    at_top.then_some(Event::OutOfFuel)
}

/// `bad argument` for argument `arg` (1-based) of a builtin, named as `Ctx::arg_error`
/// names natives.
fn builtin_arg_error<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    th: &ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    arg: usize,
    msg: &str,
) -> LuaError<'gc> {
    let f = Value::NativeFunction(nf);
    runtime_error(mc, th, &arg_error_text(mc, state, th, f, arg, msg))
}

/// The "got ..." part of a type error for argument `arg` (1-based) of a builtin whose
/// arguments start after `func_slot`.
fn builtin_arg_type<'gc>(
    state: &State<'gc>,
    th: &ThreadState<'gc>,
    func_slot: usize,
    nargs: usize,
    arg: usize,
) -> String {
    if arg > nargs {
        "no value".into()
    } else {
        obj_type_name(state, th.stack[func_slot + arg])
    }
}

/// Run a builtin; an error it raises itself (not one a callee raised and a native below
/// it already claimed) starts the traceback at it (`ThreadState::raised_by`).
///
/// The coroutine switches come first, each a small function of its own that marks its own
/// errors: a switch pays neither `run_builtin`'s frame nor its other arms, and this stays
/// a few jumps where the native call path inlines it.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn call_builtin<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    builtin: Builtin,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    match builtin {
        Builtin::CoroutineResume => {
            builtin_resume(mc, state, thread, th, nf, func_slot, nargs, ret)
        }
        Builtin::CoroutineYield => builtin_yield(mc, state, thread, th, nf, func_slot, nargs, ret),
        Builtin::CoroutineWrapCall => {
            builtin_wrap_call(mc, state, thread, th, nf, func_slot, nargs, ret)
        }
        _ => run_builtin_raising(mc, state, thread, th, nf, builtin, func_slot, nargs, ret),
    }
}

/// `run_builtin`, its errors marked as raised by the builtin.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn run_builtin_raising<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    builtin: Builtin,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    match run_builtin(mc, state, thread, th, nf, builtin, func_slot, nargs, ret) {
        Err(e) => Err(builtin_raised(th, nf, e)),
        ok => ok,
    }
}

/// `coroutine.resume(co, ...)`: a `Resume` frame, then the switch (`Event::Resume`, which
/// `drive` does). A coroutine that cannot be resumed gives `false` and the reason.
/// Inline, as `builtin_yield`: in `call_from_lua` the `ret` it stores is still in
/// registers, not a copy of the caller's just-written argument (see `call_from_lua`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn builtin_resume<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    let target = match th.stack.get(func_slot + 1) {
        Some(Value::Thread(t)) if nargs > 0 => *t,
        _ => {
            let e = resume_arg_error(mc, state, th, nf, func_slot, nargs);
            return Err(builtin_raised(th, nf, e));
        }
    };
    if let Some(msg) = resume_refusal(state, target, thread) {
        return match resume_refused(mc, state, thread, th, nf, func_slot, ret, msg) {
            Err(e) => Err(builtin_raised(th, nf, e)),
            ok => ok,
        };
    }
    th.frames.push(Frame::Resume {
        ret: ret_fields(&ret),
        wrap: false,
        target,
    });
    th.top = func_slot + 1 + nargs;
    Ok(Some(Event::Resume))
}

/// `ret` again, an ordinary call's built from its fields: stored where a switch keeps it,
/// it is then written field by field from registers rather than copied from the `Ret`
/// just written (in `call_from_lua`, wide loads waiting for narrower stores).
#[inline(always)]
fn ret_fields(ret: &Ret) -> Ret {
    match ret.kind {
        RetKind::Normal => Ret {
            func_slot: ret.func_slot,
            nresults: ret.nresults,
            kind: RetKind::Normal,
        },
        _ => *ret,
    }
}

#[cold]
#[inline(never)]
fn resume_arg_error<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
) -> LuaError<'gc> {
    let got = builtin_arg_type(state, th, func_slot, nargs, 1);
    let msg = format!("thread expected, got {got}");
    builtin_arg_error(mc, state, th, nf, 1, &msg)
}

/// `coroutine.resume` of a coroutine that cannot run: `false, msg`.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn resume_refused<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    ret: Ret,
    msg: &str,
) -> LResult<'gc, Option<Event>> {
    th.stack.truncate(func_slot);
    th.stack.push(Value::Boolean(false));
    th.stack
        .push(Value::String(LuaString::new(mc, msg.as_bytes())));
    if th.hook.is_some() {
        let native = Value::NativeFunction(nf);
        hook::native_returned(mc, state, thread, th, native, func_slot, 2)?;
    }
    deliver(mc, state, thread, th, ret, 2)
}

/// A wrapped coroutine's function called: as `resume`, but a coroutine that cannot run
/// raises the reason.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn builtin_wrap_call<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    let Some(Value::Thread(target)) = nf.upvalues.borrow().first().copied() else {
        let e = runtime_error(mc, th, "wrapped coroutine is missing");
        return Err(builtin_raised(th, nf, e));
    };
    if let Some(msg) = resume_refusal(state, target, thread) {
        let e = runtime_error(mc, th, msg);
        return Err(builtin_raised(th, nf, e));
    }
    th.frames.push(Frame::Resume {
        ret,
        wrap: true,
        target,
    });
    th.top = func_slot + 1 + nargs;
    Ok(Some(Event::Resume))
}

/// `coroutine.yield(...)`: the switch back to the resumer (`Event::Yield`); the values
/// the thread gets when resumed go where `ret` says.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn builtin_yield<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    // As lua5.4's, these errors carry no position: they are raised by `yield` itself, a
    // native, not by the Lua code calling it.
    if thread.ptr_eq(state.main_thread) {
        let e = LuaError::from_str(mc, "attempt to yield from outside a coroutine");
        return Err(builtin_raised(th, nf, e));
    }
    if th.boundaries > 0 {
        let e = LuaError::from_str(mc, "attempt to yield across a C-call boundary");
        return Err(builtin_raised(th, nf, e));
    }
    th.yield_ret = Some(ret_fields(&ret));
    th.top = func_slot + 1 + nargs;
    Ok(Some(Event::Yield))
}

#[cold]
#[inline(never)]
fn builtin_raised<'gc>(
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    e: LuaError<'gc>,
) -> LuaError<'gc> {
    th.raised_by.get_or_insert(Value::NativeFunction(nf));
    e
}

#[allow(clippy::too_many_arguments)]
fn run_builtin<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    builtin: Builtin,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    let inner = Ret {
        func_slot: func_slot + 1,
        nresults: -1,
        kind: RetKind::Normal,
    };
    match builtin {
        Builtin::Pcall => {
            if nargs == 0 {
                return Err(builtin_arg_error(mc, state, th, nf, 1, "value expected"));
            }
            let depth = protected_depth(th);
            th.frames.push(Frame::Protected {
                ret,
                handler: None,
                closing: None,
                depth,
            });
            if depth > MAX_PROTECTED_DEPTH {
                // Raised inside the new pcall, which returns false and the message.
                return Err(LuaError::from_str(mc, "C stack overflow"));
            }
            setup_call(
                mc,
                state,
                thread,
                th,
                func_slot + 1,
                nargs - 1,
                inner,
                false,
            )
        }
        Builtin::Xpcall => {
            if nargs < 2 || !is_callable(th.stack[func_slot + 2]) {
                let got = builtin_arg_type(state, th, func_slot, nargs, 2);
                let msg = format!("function expected, got {got}");
                return Err(builtin_arg_error(mc, state, th, nf, 2, &msg));
            }
            let handler = th.stack[func_slot + 2];
            th.stack
                .copy_within(func_slot + 3..func_slot + 1 + nargs, func_slot + 2);
            let depth = protected_depth(th);
            th.frames.push(Frame::Protected {
                ret,
                handler: Some(handler),
                closing: None,
                depth,
            });
            if depth > MAX_PROTECTED_DEPTH {
                return Err(LuaError::from_str(mc, "C stack overflow"));
            }
            setup_call(
                mc,
                state,
                thread,
                th,
                func_slot + 1,
                nargs - 2,
                inner,
                false,
            )
        }
        Builtin::Error => {
            let value = if nargs > 0 {
                th.stack[func_slot + 1]
            } else {
                Value::Nil
            };
            let level = if nargs > 1 {
                let arg = th.stack[func_slot + 2];
                match (arg, ops::to_integer(arg)) {
                    (Value::Nil, _) => 1,
                    (_, Some(l)) => l,
                    (_, None) => {
                        let msg = if ops::to_number(arg).is_some() {
                            "number has no integer representation".to_string()
                        } else {
                            let got = builtin_arg_type(state, th, func_slot, nargs, 2);
                            format!("number expected, got {got}")
                        };
                        return Err(builtin_arg_error(mc, state, th, nf, 2, &msg));
                    }
                }
            } else {
                1
            };
            let value = match value {
                Value::String(s) if level > 0 => {
                    let prefix = error_position(th, level as usize);
                    let mut bytes = prefix.into_bytes();
                    bytes.extend_from_slice(s.as_bytes());
                    Value::String(LuaString::from_vec(mc, bytes))
                }
                v => v,
            };
            Err(native_raised(th, nf, LuaError::new(value)))
        }
        // Done by `call_builtin` before it comes here.
        Builtin::CoroutineResume | Builtin::CoroutineWrapCall | Builtin::CoroutineYield => {
            Err(LuaError::from_str(mc, "internal error: coroutine builtin"))
        }
        Builtin::Sethook => builtin_sethook(mc, state, thread, th, nf, func_slot, nargs, ret),
        Builtin::Pairs => builtin_pairs(mc, state, thread, th, nf, func_slot, nargs, ret),
        Builtin::Dofile => builtin_dofile(mc, state, thread, th, nf, func_slot, nargs, ret),
        Builtin::Require => builtin_require(mc, state, thread, th, nf, func_slot, nargs, ret),
    }
}

/// `debug.sethook`: sets the hook, then leaves the running loop (`Event::Redispatch`) so
/// that `run` enters the loop the thread's hook now asks for.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn builtin_sethook<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    {
        {
            let f = crate::stdlib::debug::sethook;
            let n = run_native::<false>(mc, state, thread, th, nf, f, func_slot, nargs)?;
            // A hook just set with "r" reports sethook's own return, as in lua5.4.
            let native = Value::NativeFunction(nf);
            let none = Transfer {
                func_slot,
                first: func_slot,
                end: func_slot,
                ..Transfer::default()
            };
            hook::call_hook(mc, state, thread, th, HookEvent::Return, None, native, none)?;
            let event = match (ret.kind, th.frames.last()) {
                (RetKind::Normal, Some(Frame::Lua(_))) => {
                    place_for_lua_caller(th, func_slot, n, ret.nresults);
                    None
                }
                _ => deliver(mc, state, thread, th, ret, n)?,
            };
            Ok(Some(event.unwrap_or(Event::Redispatch)))
        }
    }
}

/// `pairs(v)`: `next, v, nil`, or the first three results of `__pairs(v)`, called through a
/// `Forward` frame so that the metamethod may yield.
#[allow(clippy::too_many_arguments)]
fn builtin_pairs<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    if nargs == 0 {
        return Err(builtin_arg_error(mc, state, th, nf, 1, "value expected"));
    }
    let v = th.stack[func_slot + 1];
    let mm = metamethod(state, v, MetaName::Pairs);
    ensure_len(th, func_slot + 3);
    if mm.is_nil() {
        // Any value is accepted: `next` rejects a non-table when the loop calls it, as
        // "bad argument #1 to 'for iterator'". `pairs` returns the real `next` even when
        // the global is replaced.
        let next = nf.upvalues.borrow().first().copied().unwrap_or(Value::Nil);
        th.stack[func_slot..func_slot + 3].copy_from_slice(&[next, v, Value::Nil]);
        if th.hook.is_some() {
            let native = Value::NativeFunction(nf);
            hook::native_returned(mc, state, thread, th, native, func_slot, 3)?;
        }
        return deliver(mc, state, thread, th, ret, 3);
    }
    // A native `__pairs` (such as `pairs` itself) is called from here, in Rust: a chain of
    // them is bounded as lua5.4 bounds its C stack (found by fuzzing: a stack overflow).
    let nested = th
        .frames
        .iter()
        .rev()
        .take_while(|f| matches!(f, Frame::Forward { .. }))
        .count();
    if nested >= MAX_PROTECTED_DEPTH as usize {
        return Err(LuaError::from_str(mc, "C stack overflow"));
    }
    th.stack[func_slot + 1] = mm;
    th.stack[func_slot + 2] = v;
    call_forwarded(mc, state, thread, th, func_slot + 1, 1, ret, 3)
}

/// Call the function at `callee` (its `nargs` arguments above it) behind a `Forward` frame
/// that hands `count` of its results (`-1`: all; `REQUIRE_LOADER`: `require`'s finish) to
/// `ret`: how a builtin runs Lua in the thread's own loop rather than in a nested call.
#[allow(clippy::too_many_arguments)]
fn call_forwarded<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    callee: usize,
    nargs: usize,
    ret: Ret,
    count: i32,
) -> LResult<'gc, Option<Event>> {
    th.frames.push(Frame::Forward { ret, count });
    let inner = Ret {
        func_slot: callee,
        nresults: -1,
        kind: RetKind::Normal,
    };
    setup_call(mc, state, thread, th, callee, nargs, inner, false)
}

/// `dofile(name)`: load the file as the `dofile` native always did (same errors), then run
/// the chunk through a `Forward` frame, so that it may yield and all its results are
/// returned.
#[allow(clippy::too_many_arguments)]
fn builtin_dofile<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    let chunk = {
        let mut ctx = Ctx::for_call(mc, state, thread, &mut *th, nf, func_slot, nargs);
        crate::stdlib::base::load_dofile_chunk(&mut ctx)?
    };
    ensure_len(th, func_slot + 2);
    th.stack[func_slot + 1] = chunk;
    call_forwarded(mc, state, thread, th, func_slot + 1, 0, ret, -1)
}

/// `require(name)`: the cached module, or the loader the searchers find (called nested, as
/// the searchers are short) run through a `Forward` frame holding the pending load, so the
/// collector runs while the module's main chunk does. `deliver` finishes the load when the
/// loader returns (`finish_require`), `unwind` abandons it on an error. The frame counts as
/// a boundary: as in lua5.4, a loader cannot yield.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn builtin_require<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    nf: NativeFunction<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
) -> LResult<'gc, Option<Event>> {
    use crate::stdlib::package::{require_start, RequireStart};
    let start = {
        let mut ctx = Ctx::for_call(mc, state, thread, &mut *th, nf, func_slot, nargs);
        require_start(&mut ctx)?
    };
    let load = match start {
        RequireStart::Cached(value) => {
            ensure_len(th, func_slot + 1);
            th.stack[func_slot] = value;
            if th.hook.is_some() {
                let native = Value::NativeFunction(nf);
                hook::native_returned(mc, state, thread, th, native, func_slot, 1)?;
            }
            return deliver(mc, state, thread, th, ret, 1);
        }
        RequireStart::Load(load) => load,
    };
    // Modules loading inside modules count as nested native calls did (lua5.4's loader
    // runs on the C stack): a module requiring itself stops at "C stack overflow".
    let depth = state.modules.borrow().loading.len() + state.host.borrow().native_depth;
    if depth > MAX_NATIVE_DEPTH {
        crate::stdlib::package::require_abandon(mc, state, &load);
        return Err(LuaError::from_str(mc, "C stack overflow"));
    }
    ensure_len(th, func_slot + 4);
    th.stack[func_slot + 1] = load.loader;
    th.stack[func_slot + 2] = Value::String(load.name);
    th.stack[func_slot + 3] = load.extra;
    th.loads.push(*load);
    th.boundaries += 1;
    call_forwarded(mc, state, thread, th, func_slot + 1, 2, ret, REQUIRE_LOADER)
}

/// The loader called by `require` returned (its first result at `ret.func_slot`): pop the
/// `Forward` frame holding the load, finish it, and leave `require`'s two results where the
/// frame's own `ret` says. Returns that `ret` and the count, for `deliver` to go on with.
#[cold]
#[inline(never)]
fn finish_require<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    ret: Ret,
    n: usize,
) -> LResult<'gc, (Ret, usize)> {
    let (Some(Frame::Forward { ret: outer, .. }), Some(load)) = (th.frames.pop(), th.loads.pop())
    else {
        return Err(LuaError::from_str(mc, "internal error: no pending require"));
    };
    th.boundaries -= 1;
    let value = if n > 0 {
        th.stack[ret.func_slot]
    } else {
        Value::Nil
    };
    let nf = load.native;
    let finished = {
        let mut ctx = Ctx::for_call(mc, state, thread, &mut *th, nf, outer.func_slot, 0);
        crate::stdlib::package::require_finish(&mut ctx, load, value)
    };
    let (value, extra) = finished.map_err(|e| builtin_raised(th, nf, e))?;
    ensure_len(th, outer.func_slot + 2);
    th.stack[outer.func_slot] = value;
    th.stack[outer.func_slot + 1] = extra;
    if th.hook.is_some() {
        let native = Value::NativeFunction(nf);
        hook::native_returned(mc, state, thread, th, native, outer.func_slot, 2)?;
    }
    Ok((outer, 2))
}

/// Frames `from..` are being discarded by an error: abandon the loads of the `require`
/// frames among them (innermost first), which no longer count as boundaries.
#[cold]
#[inline(never)]
fn abandon_requires<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    th: &mut ThreadState<'gc>,
    from: usize,
) {
    for i in (from..th.frames.len()).rev() {
        if let Frame::Forward { count, .. } = &mut th.frames[i] {
            if *count == REQUIRE_LOADER {
                // A dead coroutine keeps its frames: this one is a plain forward from now.
                *count = -1;
                th.boundaries -= 1;
                if let Some(load) = th.loads.pop() {
                    crate::stdlib::package::require_abandon(mc, state, &load);
                }
            }
        }
    }
}

/// Why `target` cannot be resumed from `current`, if it cannot.
fn resume_refusal<'gc>(
    state: &State<'gc>,
    target: Thread<'gc>,
    current: Thread<'gc>,
) -> Option<&'static str> {
    if target.ptr_eq(current) {
        return Some("cannot resume non-suspended coroutine");
    }
    match target.status() {
        CoStatus::Suspended => {}
        CoStatus::Dead => return Some("cannot resume dead coroutine"),
        _ => return Some("cannot resume non-suspended coroutine"),
    }
    // Nested resumes count against the same limit as nested native calls, as lua5.4's
    // LUAI_MAXCCALLS does; without it, endless recursion through coroutines exhausts memory.
    let depth = state.chain.borrow().len() + state.host.borrow().native_depth;
    (depth >= MAX_NATIVE_DEPTH).then_some("C stack overflow")
}

/// `chunk:line: ` for `error(msg, level)`: level 1 is the function that called `error`.
fn error_position(th: &ThreadState<'_>, level: usize) -> String {
    let mut remaining = level;
    for frame in th.frames.iter().rev() {
        remaining -= 1;
        if remaining == 0 {
            return match frame {
                Frame::Lua(f) => {
                    let proto = &Gc::as_ref(f.proto).info;
                    format!(
                        "{}:{}: ",
                        chunk_display_name(&proto.source),
                        current_line(proto, f.pc)
                    )
                }
                _ => String::new(),
            };
        }
    }
    String::new()
}

/// Results of a finished call are at `ret.func_slot .. + n`; hand them to the frame below.
pub(crate) fn deliver<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    ret: Ret,
    n: usize,
) -> LResult<'gc, Option<Event>> {
    let (mut ret, mut n) = (ret, n);
    loop {
        match th.frames.last_mut() {
            None => {
                // The outermost call is at slot 0; results that start above it move
                // down, so `Event::Finished` needs no start.
                if ret.func_slot > 0 {
                    th.stack.copy_within(ret.func_slot..ret.func_slot + n, 0);
                }
                th.top = n;
                return Ok(Some(Event::Finished));
            }
            Some(Frame::Boundary | Frame::Finalizer | Frame::Hook { .. }) => {
                th.top = ret.func_slot + n;
                return Ok(Some(Event::BoundaryReturn));
            }
            // A `__close` handler run after an error returned: close the next variable.
            Some(Frame::Protected {
                closing: Some(_), ..
            }) => return close_protected(mc, state, thread, th),
            Some(Frame::Protected { ret: outer, .. }) => {
                let outer = *outer;
                th.frames.pop();
                ensure_len(th, outer.func_slot + 1);
                let native = th.stack[outer.func_slot];
                th.stack[outer.func_slot] = Value::Boolean(true);
                ret = outer;
                n += 1;
                if th.hook.is_some() {
                    hook::native_returned(mc, state, thread, th, native, ret.func_slot, n)?;
                }
            }
            Some(Frame::Resume { .. }) => {
                return Err(LuaError::from_str(
                    mc,
                    "internal error: results delivered to a resume frame",
                ));
            }
            Some(Frame::Forward {
                count: REQUIRE_LOADER,
                ..
            }) => {
                (ret, n) = finish_require(mc, state, thread, th, ret, n)?;
            }
            Some(Frame::Forward { ret: outer, count }) => {
                let (outer, count) = (*outer, *count);
                th.frames.pop();
                let want = usize::try_from(count).unwrap_or(n);
                ensure_len(th, ret.func_slot + want);
                for v in &mut th.stack[ret.func_slot + n.min(want)..ret.func_slot + want] {
                    *v = Value::Nil;
                }
                let native = th.stack[outer.func_slot];
                th.stack
                    .copy_within(ret.func_slot..ret.func_slot + want, outer.func_slot);
                ret = outer;
                n = want;
                if th.hook.is_some() {
                    hook::native_returned(mc, state, thread, th, native, ret.func_slot, n)?;
                }
            }
            Some(Frame::Lua(f)) => {
                let frame_end = lua_frame_end(f);
                let first = if n > 0 {
                    th.stack[ret.func_slot]
                } else {
                    Value::Nil
                };
                match ret.kind {
                    RetKind::Normal => place_for_lua_caller(th, ret.func_slot, n, ret.nresults),
                    RetKind::Register(_) | RetKind::CondJump { .. } | RetKind::Discard => {
                        place_meta_result(&mut th.stack, f, ret.kind, first)
                    }
                    RetKind::Concat {
                        first: lo,
                        end,
                        dest,
                    } => {
                        let (lo, end, dest) = (lo as usize, end as usize, dest as usize);
                        th.stack[end - 2] = first;
                        ensure_len(th, frame_end);
                        return concat_run(mc, state, thread, th, lo, end - 1, dest)
                            .map(Concatenated::event);
                    }
                    RetKind::Close { level, top } => {
                        ensure_len(th, frame_end);
                        return close_run(mc, state, thread, th, level as usize, top as usize);
                    }
                }
                ensure_len(th, frame_end.max(th.top));
                return Ok(None);
            }
        }
    }
}

/// Push a metamethod call `mm(a, b)` above the current Lua frame.
#[allow(clippy::too_many_arguments)]
fn call_meta<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    mm: Value<'gc>,
    args: &[Value<'gc>],
    nresults: i32,
    kind: RetKind,
) -> LResult<'gc, Option<Event>> {
    let slot = meta_slot(th);
    call_meta_at(mc, state, thread, th, slot, mm, args, nresults, kind)
}

/// Where a metamethod call goes: above the current Lua frame's registers.
fn meta_slot(th: &ThreadState<'_>) -> usize {
    match th.frames.last() {
        Some(Frame::Lua(f)) => lua_frame_end(f),
        _ => th.stack.len(),
    }
}

/// `call_meta` with the function placed at `slot`.
#[allow(clippy::too_many_arguments)]
fn call_meta_at<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    slot: usize,
    mm: Value<'gc>,
    args: &[Value<'gc>],
    nresults: i32,
    kind: RetKind,
) -> LResult<'gc, Option<Event>> {
    ensure_len(th, slot + 1 + args.len());
    th.stack[slot] = mm;
    th.stack[slot + 1..slot + 1 + args.len()].copy_from_slice(args);
    let ret = Ret {
        func_slot: slot,
        nresults,
        kind,
    };
    if let (Value::Function(callee), None, Some(Frame::Lua(f))) = (mm, &th.hook, th.frames.last()) {
        let meta_depth = f.meta_depth + u32::from(kind != RetKind::Normal);
        if meta_depth as usize <= MAX_NATIVE_DEPTH {
            let simple = kind == RetKind::Normal && matches!(nresults, -1..=1);
            let shape = (false, simple, meta_depth);
            if push_lua_frame(th, callee, slot, args.len(), ret, shape).is_some() {
                return Ok(None);
            }
        }
    }
    setup_call(mc, state, thread, th, slot, args.len(), ret, false)
}

/// Allocation debt (in gc-arena's object units; a long string adds one per 64 bytes) past
/// which a long concatenation (`concat_op`) or a coroutine's end (`drive`) hands control
/// back to the runtime to collect.
const DEBT_PAUSE: f64 = 4096.0;

/// The `Concat` instruction: `concat_run` into `stack[first]`. The collector runs only
/// between slices, and a slice is up to 20,000 calls or loop iterations, which `s = s .. x`
/// on a growing string (each result a new long string) can fill with megabytes of
/// garbage. So a long result, once the allocation debt is past `DEBT_PAUSE`, ends
/// the slice early as if fuel ran out (not inside a nested Rust->Lua call, whose driver
/// cannot stop early, nor while the collector is stopped).
#[inline(always)]
fn concat_op<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    first: usize,
    end: usize,
) -> LResult<'gc, Concatenated> {
    let r = concat_run(mc, state, thread, th, first, end, first)?;
    if matches!(r, Concatenated::InPlace)
        && matches!(th.stack[first], Value::String(s) if s.len() > 64)
    {
        if let Some(ev) = concat_pause(mc, state) {
            return Ok(Concatenated::Called(Some(ev)));
        }
    }
    Ok(r)
}

/// What `concat_run` did.
enum Concatenated {
    /// The result is in its register, and nothing else changed: no call was made, the
    /// stack was neither resized nor moved (the dispatch loop's register pointer is
    /// still good).
    InPlace,
    /// A `__concat` metamethod was called (a Lua one pushed its frame), or the slice ends
    /// (`concat_op`'s pause): the dispatch loop re-reads its frame.
    Called(Option<Event>),
}

impl Concatenated {
    fn event(self) -> Option<Event> {
        match self {
            Concatenated::InPlace => None,
            Concatenated::Called(ev) => ev,
        }
    }
}

#[cold]
fn concat_pause<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) -> Option<Event> {
    (mc.metrics().allocation_debt() > DEBT_PAUSE && slice_may_end_early(state))
        .then_some(Event::OutOfFuel)
}

/// Whether a slice may end early for the collector: not while it is stopped, nor inside a
/// nested Rust->Lua call (which cannot stop early).
#[cold]
#[inline(never)]
fn slice_may_end_early(state: &State<'_>) -> bool {
    let host = state.host.borrow();
    host.gc.running && host.native_depth == 0
}

/// Longest result `concat_short` builds.
const CONCAT_SHORT_LEN: usize = 64;

/// The concatenation of `values` when all are strings or integers and the result has
/// at most `CONCAT_SHORT_LEN` bytes (the common `a .. "," .. b` and `"k" .. i`): built
/// in a buffer on the stack, then one `State::new_string`. `None` for everything else
/// (floats, metamethods, errors, long results), which `concat_run`'s general loop does.
/// Strings and integers are copied in whole words (`LuaString::padded_bytes`), so the
/// buffer has 24 bytes of slack past the longest result.
#[inline]
fn concat_short<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    values: &[Value<'gc>],
) -> Option<LuaString<'gc>> {
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); CONCAT_SHORT_LEN + 24];
    let out = buf.as_mut_ptr() as *mut u8;
    let mut len = 0;
    for v in values {
        match *v {
            Value::String(s) => {
                let bytes = s.padded_bytes()?;
                if s.len() > CONCAT_SHORT_LEN - len {
                    return None;
                }
                // SAFETY: `bytes.len()` is `s.len()` rounded up to a multiple of 8 (at
                // least 8), so `len + bytes.len()` is at most `CONCAT_SHORT_LEN + 7`,
                // inside `buf`. Up to 16 bytes are copied as words, the rest (rare) by
                // `memcpy`.
                unsafe {
                    let (src, dst) = (bytes.as_ptr(), out.add(len));
                    let word = |at: usize| (src.add(at) as *const u64).read_unaligned();
                    (dst as *mut u64).write_unaligned(word(0));
                    if bytes.len() > 8 {
                        (dst.add(8) as *mut u64).write_unaligned(word(8));
                        if bytes.len() > 16 {
                            std::ptr::copy_nonoverlapping(
                                src.add(16),
                                dst.add(16),
                                bytes.len() - 16,
                            );
                        }
                    }
                }
                len += s.len();
            }
            Value::Integer(i) => {
                // The digits go straight into `buf`: written to a scratch array and copied
                // as words, each word's load waited for the byte stores before it (a
                // failed store-to-load forwarding; `"k" .. i % 100` in a loop is 5% faster
                // without it).
                let n = ops::integer_len(i);
                if n > CONCAT_SHORT_LEN - len {
                    return None;
                }
                // SAFETY: `len + n <= CONCAT_SHORT_LEN`, so the `n` bytes before
                // `out[len + n]` are inside `buf`.
                unsafe { ops::write_integer_digits(i, out.add(len + n)) };
                len += n;
            }
            _ => return None,
        }
    }
    // SAFETY: the first `len` bytes were written above.
    let bytes = unsafe { std::slice::from_raw_parts(out, len) };
    Some(state.new_string(mc, bytes))
}

/// Concatenate `stack[first..end]` right to left (as Lua does), calling `__concat` where
/// needed; the final value goes to `stack[dest]`.
fn concat_run<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    first: usize,
    end: usize,
    dest: usize,
) -> LResult<'gc, Concatenated> {
    // One value left (a `__concat` result, resumed here) is the result as it is: a number
    // returned by the metamethod stays a number.
    if end - first > 1 {
        if let Some(s) = concat_short(mc, state, &th.stack[first..end]) {
            th.stack[dest] = Value::String(s);
            return Ok(Concatenated::InPlace);
        }
    }
    let mut end = end;
    while end - first > 1 {
        let (a, b) = (th.stack[end - 2], th.stack[end - 1]);
        let is_piece =
            |v: Value<'_>| matches!(v, Value::String(_) | Value::Integer(_) | Value::Number(_));
        if is_piece(a) && is_piece(b) {
            // Join the longest run of strings/numbers ending at `end`.
            let mut start = end - 2;
            while start > first && is_piece(th.stack[start - 1]) {
                start -= 1;
            }
            // Exact unless a float is among the pieces (then an upper bound).
            let len: usize = th.stack[start..end]
                .iter()
                .map(|v| match *v {
                    Value::String(s) => s.len(),
                    Value::Integer(i) => ops::integer_len(i),
                    _ => 32,
                })
                .sum();
            let mut buf = if len <= crate::string::MAX_INLINE_LEN {
                // Short results are built in the state's scratch buffer and copied into
                // the string object; the buffer is kept for the next one.
                let mut buf = state.take_scratch();
                buf.reserve(len);
                buf
            } else if len < 1 << 16 {
                // A long string takes its buffer over: allocated at the exact size, it
                // needs no shrinking then.
                Vec::with_capacity(len)
            } else {
                // A large result: within the memory limit, and an error rather than an
                // abort if the system has no room.
                crate::limits::try_buffer(mc, len)
                    .map_err(|e| LuaError::from_str(mc, e.message()))?
            };
            for v in &th.stack[start..end] {
                ops::concat_piece(*v, &mut buf);
            }
            th.stack[start] = Value::String(state.string_from_buffer(mc, buf));
            end = start + 1;
        } else {
            let mut mm = metamethod(state, a, MetaName::Concat);
            if mm.is_nil() {
                mm = metamethod(state, b, MetaName::Concat);
            }
            if mm.is_nil() {
                let culprit = if is_piece(a) { b } else { a };
                let reg_info = concat_culprit_info(th, if is_piece(a) { end - 1 } else { end - 2 });
                return Err(runtime_error(
                    mc,
                    th,
                    &with_info(
                        format!(
                            "attempt to concatenate a {} value",
                            obj_type_name(state, culprit)
                        ),
                        reg_info,
                    ),
                ));
            }
            return call_meta(
                mc,
                state,
                thread,
                th,
                mm,
                &[a, b],
                1,
                RetKind::Concat {
                    first: first as u32,
                    end: end as u32,
                    dest: dest as u32,
                },
            )
            .map(Concatenated::Called);
        }
    }
    th.stack[dest] = th.stack[first];
    Ok(Concatenated::InPlace)
}

fn concat_culprit_info(th: &ThreadState<'_>, slot: usize) -> Option<String> {
    match th.frames.last() {
        Some(Frame::Lua(f)) if slot >= f.base && slot < f.base + 256 => {
            let proto = Gc::as_ref(f.proto);
            describe_register(&proto.info, &proto.constants, f.pc, (slot - f.base) as u8)
        }
        _ => None,
    }
}

/// Close to-be-closed variables at stack index `>= level`, innermost first.
fn close_run<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    level: usize,
    top: usize,
) -> LResult<'gc, Option<Event>> {
    while let Some((_, v)) = pop_to_close(th, level) {
        let mm = metamethod(state, v, MetaName::Close);
        if mm.is_nil() {
            return Err(runtime_error(mc, th, "metamethod 'close' is not callable"));
        }
        let slot = meta_slot(th).max(top);
        if let Some(ev) = call_meta_at(
            mc,
            state,
            thread,
            th,
            slot,
            mm,
            &[v, Value::Nil],
            0,
            RetKind::Close {
                level: level as u32,
                top: top as u32,
            },
        )? {
            return Ok(Some(ev));
        }
        if matches!(th.frames.last(), Some(Frame::Lua(_))) && !is_current_lua_frame_unchanged(th) {
            return Ok(None);
        }
    }
    ensure_len(th, top);
    th.top = top;
    Ok(None)
}

/// After `call_meta`, a native `__close` has already run (the Lua frame on top is still the
/// one that executed `Close`) while a Lua `__close` pushed a new frame. We can tell by the
/// pending `Close` continuation: a pushed Lua frame has `RetKind::Close` as its return kind.
fn is_current_lua_frame_unchanged(th: &ThreadState<'_>) -> bool {
    match th.frames.last() {
        Some(Frame::Lua(f)) => !matches!(f.ret.kind, RetKind::Close { .. }) || f.pc != 0,
        _ => true,
    }
}

/// Pop to-be-closed variables at or above `level` down to the next one holding a value to
/// close (nil and false need no closing): its slot and value.
pub(crate) fn pop_to_close<'gc>(
    th: &mut ThreadState<'gc>,
    level: usize,
) -> Option<(usize, Value<'gc>)> {
    while let Some(&idx) = th.tbc.last() {
        if idx < level {
            return None;
        }
        th.tbc.pop();
        let v = th.stack.get(idx).copied().unwrap_or(Value::Nil);
        if v.is_truthy() {
            return Some((idx, v));
        }
    }
    None
}

/// Close every to-be-closed variable at or above `level` during error unwinding, by nested
/// calls. Returns the error to continue with (a `__close` error replaces the original).
fn close_on_error<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    level: usize,
    mut err: LuaError<'gc>,
) -> LuaError<'gc> {
    while let Some((_, v)) = pop_to_close(th, level) {
        let mm = metamethod(state, v, MetaName::Close);
        if !mm.is_nil() {
            if let Err(e) = call_nested(mc, state, thread, th, mm, &[v, err.value]) {
                err = e;
            }
        }
    }
    err
}

/// Close the pending to-be-closed variables of the coroutine `t` (suspended or dead, so
/// not borrowed), innermost first, each `__close` running on `t` itself with the error `t`
/// died with (or nil); then leave `t` dead and empty. Returns the error to report, as
/// lua5.4's `lua_closethread`: the death error, replaced by any error a handler raises.
pub(crate) fn close_thread<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    t: Thread<'gc>,
) -> Option<Value<'gc>> {
    let mut ts = t.gc().borrow_mut(mc);
    let mut err = ts.error.take();
    if !ts.tbc.is_empty() {
        // The handlers run on `t`, so it is the running thread meanwhile.
        state.chain.borrow_mut(mc).push(t);
        ts.status = CoStatus::Running;
        while let Some((_, v)) = pop_to_close(&mut ts, 0) {
            let mm = metamethod(state, v, MetaName::Close);
            if mm.is_nil() {
                continue;
            }
            let arg = err.unwrap_or(Value::Nil);
            if let Err(e) = call_nested(mc, state, t, &mut ts, mm, &[v, arg]) {
                err = Some(e.value);
            }
        }
        state.chain.borrow_mut(mc).pop();
    }
    ts.status = CoStatus::Dead;
    ts.frames.clear();
    ts.stack.clear();
    ts.cells.clear();
    ts.tbc.clear();
    ts.start = None;
    ts.yield_ret = None;
    ts.kept_traceback = None;
    err
}

/// Handle an error raised while running `th`: find the nearest `pcall` frame (running the
/// `xpcall` handler first) or a boundary. `Err` means the error leaves this thread (or the
/// nested call).
///
/// As in lua5.4, the frames between the error and its catcher are discarded *before* the
/// `__close` handlers of their to-be-closed variables run; at a `pcall` those handlers then
/// run as ordinary calls from it (see `close_protected`), so they may yield.
pub(crate) fn unwind<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    err: LuaError<'gc>,
) -> LResult<'gc, Option<Event>> {
    let mut err = err;
    // A run stopped by a limit (`crate::limits`) unwinds past every `pcall`.
    let stopping = state.host.borrow().limits.stopping;
    loop {
        let catcher = th.frames.iter().rposition(|f| match f {
            Frame::Protected { .. } => !stopping,
            Frame::Boundary | Frame::Finalizer | Frame::Hook { .. } => true,
            _ => false,
        });
        let Some(i) = catcher else {
            let raised_by = th.raised_by.take();
            if err.traceback.is_none() {
                let is_main = thread.ptr_eq(state.main_thread);
                err.traceback = Some(crate::stdlib::debug::error_traceback(
                    mc, state, th, raised_by, is_main,
                ));
            }
            if th.boundaries > 0 {
                abandon_requires(mc, state, th, 0);
            }
            if thread.ptr_eq(state.main_thread) {
                th.frames.clear();
                th.cells.clear();
                err = close_on_error(mc, state, thread, th, 0, err);
                th.tbc.clear();
            }
            // A coroutine that dies keeps its frames (and stack) where the error left them,
            // as lua5.4 does, for `debug.traceback(co)` and `debug.getinfo(co, ...)`, until
            // `coroutine.close` or the collector frees them.
            // A dying coroutine keeps its to-be-closed variables (and their stack slots) for
            // `coroutine.close`, or for a wrapping function to close at once (as lua5.4).
            return Err(err);
        };
        // An error leaving a nested call (a native's call into Lua, `require`'s of a chunk)
        // with no `pcall` below it on the main thread will not be caught: take its traceback
        // now, as lua.c's message handler does where it is raised, while the frames inside
        // the nested call still exist.
        if matches!(th.frames[i], Frame::Boundary) {
            let main = thread.ptr_eq(state.main_thread);
            // Whether a frame below stops the error: a `pcall` always; in a coroutine also
            // a finalizer's or a hook's frame.
            let caught_below = th.frames[..i].iter().any(|f| match f {
                Frame::Protected { .. } => true,
                Frame::Finalizer | Frame::Hook { .. } => !main,
                _ => false,
            });
            if !caught_below && main && err.traceback.is_none() {
                let raised_by = th.raised_by.take();
                err.traceback = Some(crate::stdlib::debug::error_traceback(
                    mc, state, th, raised_by, true,
                ));
            } else if !caught_below && !main && th.kept_traceback.is_none() {
                // A coroutine the error will kill: keep what `debug.traceback(co)` shows of
                // the frames this boundary is about to discard (lua5.4 keeps them).
                let raised_by = th.raised_by.take();
                th.kept_traceback =
                    crate::stdlib::debug::kept_traceback_lines(mc, state, th, raised_by)
                        .map(Box::new);
            }
        }
        th.raised_by = None;
        let cell_level = th.frames[i + 1..]
            .iter()
            .find_map(|f| match f {
                Frame::Lua(l) => Some(l.cell_base),
                _ => None,
            })
            .unwrap_or(th.cells.len());
        match th.frames[i] {
            Frame::Boundary | Frame::Finalizer | Frame::Hook { .. } => {
                let level = th.frames[i + 1..]
                    .iter()
                    .find_map(|f| match f {
                        Frame::Lua(l) => Some(l.ret.func_slot),
                        _ => None,
                    })
                    .unwrap_or(th.stack.len());
                if th.boundaries > 0 {
                    abandon_requires(mc, state, th, i + 1);
                }
                th.frames.truncate(i + 1);
                th.cells.truncate(cell_level);
                // Nothing can yield across the boundary anyway, so nested calls do.
                return Err(close_on_error(mc, state, thread, th, level, err));
            }
            Frame::Protected { handler, .. } => {
                // The message handler runs where the error happened, before unwinding.
                if let Some(h) = handler {
                    err.value = run_message_handler(mc, state, thread, th, h, err.value);
                }
                if th.boundaries > 0 {
                    abandon_requires(mc, state, th, i + 1);
                }
                th.frames.truncate(i + 1);
                th.cells.truncate(cell_level);
                if let Some(Frame::Protected { closing, .. }) = th.frames.last_mut() {
                    // An error from a `__close` handler replaces the one being closed with.
                    *closing = Some(err.value);
                }
                match close_protected(mc, state, thread, th) {
                    // Raised while starting the next handler (say, a `__close` that is not
                    // callable): caught by the same `pcall`.
                    Err(e) => err = e,
                    done => return done,
                }
            }
            _ => unreachable!("catcher is Protected or Boundary"),
        }
    }
}

/// How deeply `pcall`/`xpcall` may nest, as lua5.4's C-call limit (LUAI_MAXCCALLS) bounds
/// them there. Without it, `local function f() return pcall(f) end` would run to the Lua
/// stack limit and spend minutes returning ever longer result lists.
const MAX_PROTECTED_DEPTH: u16 = 200;

/// The nesting depth a new `pcall` frame has: one more than the nearest enclosing one,
/// looked for among the last few frames only (so a pcall deep in a recursion stays O(1);
/// nesting with many frames between pcalls is bounded by the stack limit instead).
fn protected_depth(th: &ThreadState<'_>) -> u16 {
    th.frames
        .iter()
        .rev()
        .take(16)
        .find_map(|f| match f {
            Frame::Protected { depth, .. } => Some(depth.saturating_add(1)),
            _ => None,
        })
        .unwrap_or(1)
}

/// An `xpcall` message handler's result for error value `value`. As in Lua, an error raised
/// by the handler goes to the handler again; when that keeps failing, the result is "error
/// in error handling". The handler may use extra stack (it often handles a stack overflow).
fn run_message_handler<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    handler: Value<'gc>,
    value: Value<'gc>,
) -> Value<'gc> {
    let mut value = value;
    if th.in_message_handler == 0 {
        th.handler_stack_base = u32::try_from(th.stack.len()).unwrap_or(u32::MAX);
    }
    th.in_message_handler += 1;
    let mut result = None;
    for _ in 0..MAX_NATIVE_DEPTH {
        match call_nested(mc, state, thread, th, handler, &[value]) {
            Ok(vals) => {
                result = Some(vals.first().copied().unwrap_or(Value::Nil));
                break;
            }
            Err(e) => value = e.value,
        }
    }
    th.in_message_handler -= 1;
    result.unwrap_or_else(|| Value::String(LuaString::new(mc, b"error in error handling")))
}

/// The `pcall` frame on top of `th` caught an error (its `closing`): start the `__close`
/// handler of the innermost to-be-closed variable above the `pcall`, whose return comes
/// back here through `deliver`; once none is left, `pcall` returns `false` and the error.
fn close_protected<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
) -> LResult<'gc, Option<Event>> {
    let Some(Frame::Protected {
        ret,
        closing: Some(err),
        ..
    }) = th.frames.last()
    else {
        return Err(LuaError::from_str(
            mc,
            "internal error: closing without a failed pcall",
        ));
    };
    let (ret, err) = (*ret, *err);
    if let Some((idx, v)) = pop_to_close(th, ret.func_slot) {
        // The variable's slot is free now (the frames above the `pcall` are gone, and the
        // variables still to close lie below it): call `__close(v, err)` there. A missing
        // metamethod fails as a call of nil, as in lua5.4.
        let mm = metamethod(state, v, MetaName::Close);
        ensure_len(th, idx + 3);
        th.stack[idx..idx + 3].copy_from_slice(&[mm, v, err]);
        let call = Ret {
            func_slot: idx,
            nresults: 0,
            kind: RetKind::Discard,
        };
        return setup_call(mc, state, thread, th, idx, 2, call, false);
    }
    th.frames.pop();
    ensure_len(th, ret.func_slot + 2);
    let native = th.stack[ret.func_slot];
    th.stack[ret.func_slot] = Value::Boolean(false);
    th.stack[ret.func_slot + 1] = err;
    if th.hook.is_some() {
        hook::native_returned(mc, state, thread, th, native, ret.func_slot, 2)?;
    }
    deliver(mc, state, thread, th, ret, 2)
}

/// Run `th` until an event; errors are unwound to `pcall` frames where possible.
// Inlined into `drive`, which then reads the event where `dispatch` wrote it: copying the
// freshly written result as a whole is slow (its wide loads wait for the narrower stores
// that just wrote it). So the common end, an event, is taken from the tags `dispatch` just
// wrote, and the rest (pending work, a redispatch, an error) is out of line.
#[inline(always)]
pub(crate) fn run<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
) -> LResult<'gc, Event> {
    // A reload since this thread last ran may have rebound closures its frames run; most
    // switches deliver their values at once and leave nothing pending.
    if th.reload_generation != state.reload_generation.get() || th.pending.is_some() {
        return run_pending(mc, state, thread, th, fuel);
    }
    let step = dispatch(mc, state, thread, th, fuel);
    match step {
        Ok(ev) if ev != Event::Redispatch => Ok(ev),
        step => run_rest(mc, state, thread, th, fuel, step),
    }
}

/// [`run`] of a thread with a reload to catch up with or work a switch left pending.
#[inline(never)]
fn run_pending<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
) -> LResult<'gc, Event> {
    if th.reload_generation != state.reload_generation.get() {
        th.reload_generation = state.reload_generation.get();
        crate::function::detach_rebound_frames(mc, th);
    }
    let next = if th.pending.is_some() {
        apply_pending(mc, state, thread, th)
    } else {
        Ok(None)
    };
    let step = match next {
        Ok(Some(ev)) => return Ok(ev),
        Ok(None) => dispatch(mc, state, thread, th, fuel),
        Err(e) => Err(e),
    };
    run_from(mc, state, thread, th, fuel, step)
}

/// [`run_from`] out of line: [`run`] after a redispatch or an error.
#[inline(never)]
fn run_rest<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
    step: LResult<'gc, Event>,
) -> LResult<'gc, Event> {
    run_from(mc, state, thread, th, fuel, step)
}

/// The rest of [`run`] after a `dispatch` that gave `step`: dispatch again after a
/// redispatch or a caught error, until an event.
#[inline(always)]
fn run_from<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
    step: LResult<'gc, Event>,
) -> LResult<'gc, Event> {
    let mut step = step;
    loop {
        match step {
            Ok(Event::Redispatch) => step = dispatch(mc, state, thread, th, fuel),
            Ok(ev) => return Ok(ev),
            // An error nobody catches in this thread leaves `run` from inside `unwind`.
            Err(e) => match unwind(mc, state, thread, th, e)? {
                Some(ev) => return Ok(ev),
                None => step = dispatch(mc, state, thread, th, fuel),
            },
        }
    }
}

/// Do the work a thread switch left for `th` (`th.pending`).
#[inline(never)]
fn apply_pending<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
) -> LResult<'gc, Option<Event>> {
    let Some(pending) = th.pending.take() else {
        return Ok(None);
    };
    match pending {
        Pending::Start { nargs } => {
            let ret = Ret {
                func_slot: 0,
                nresults: -1,
                kind: RetKind::Normal,
            };
            setup_call(mc, state, thread, th, 0, nargs, ret, false)
        }
        Pending::Deliver { ret, n } => {
            // The return of the `coroutine.resume`/`yield` these are the results of.
            let native = th.hook.as_mut().map_or(Value::Nil, |h| {
                std::mem::replace(&mut h.pending_return, Value::Nil)
            });
            if !native.is_nil() {
                hook::native_returned(mc, state, thread, th, native, ret.func_slot, n)?;
            }
            deliver(mc, state, thread, th, ret, n)
        }
        Pending::CoroutineFailed(err, coroutine) => {
            let Some(Frame::Resume { ret, wrap, .. }) = th.frames.pop() else {
                return Err(LuaError::from_str(mc, "internal error: no resume frame"));
            };
            if wrap {
                // The wrapping function raises the error (the traceback starts at it).
                th.raised_by = th.stack.get(ret.func_slot).copied();
                let mut err = err;
                // As lua5.4's auxwrap: close the dead coroutine's variables now; an error
                // from a `__close` handler replaces the original one.
                if let Some(v) = close_thread(mc, state, coroutine) {
                    err.value = v;
                }
                if let Value::String(s) = err.value {
                    // As lua5.4's auxwrap: prefix the position of a Lua caller.
                    let mut text = String::new();
                    if let Some(Frame::Lua(f)) = th.frames.last() {
                        let proto = &Gc::as_ref(f.proto).info;
                        text = format!(
                            "{}:{}: ",
                            chunk_display_name(&proto.source),
                            current_line(proto, f.pc)
                        );
                    }
                    let mut bytes = text.into_bytes();
                    bytes.extend_from_slice(s.as_bytes());
                    err.value = Value::String(LuaString::from_vec(mc, bytes));
                }
                err.traceback = None;
                Err(err)
            } else {
                let native = th.stack.get(ret.func_slot).copied().unwrap_or(Value::Nil);
                place_values(th, ret.func_slot, &[Value::Boolean(false), err.value]);
                if th.hook.is_some() {
                    hook::native_returned(mc, state, thread, th, native, ret.func_slot, 2)?;
                }
                deliver(mc, state, thread, th, ret, 2)
            }
        }
        Pending::Raise(err) => Err(err),
    }
}

fn place_values<'gc>(th: &mut ThreadState<'gc>, at: usize, values: &[Value<'gc>]) {
    ensure_len(th, at + values.len());
    th.stack[at..at + values.len()].copy_from_slice(values);
    ensure_frame_window(th);
}

/// Place the results of the call `ret` (`true` if `ok_first`, then `values`) at
/// `ret.func_slot..` of the suspended thread `th`. An ordinary call from the Lua frame on top
/// gets them at once, as `deliver` would; any other receiver is left to `deliver`
/// (`th.pending`).
///
/// The common switch (`local ok, v = coroutine.resume(co)`, `local x = coroutine.yield(v)`:
/// a fixed number of results wanted by the Lua frame on top, inside its register window,
/// no hook) writes the values and the nils in place; everything else takes
/// `give_results_general`.
#[inline(always)]
fn give_results<'gc>(th: &mut ThreadState<'gc>, ret: Ret, ok_first: bool, values: &[Value<'gc>]) {
    let at = ret.func_slot;
    let n = values.len() + usize::from(ok_first);
    if ret.kind == RetKind::Normal && ret.nresults >= 0 && th.hook.is_none() {
        let want = ret.nresults as usize;
        let len = th.stack.len();
        if let Some(Frame::Lua(f)) = th.frames.last() {
            // The window is in the stack while the frame is on top; checked anyway, with
            // the values' end, so a broken invariant takes the general path.
            if lua_frame_end(f) <= len && at + n.max(want) <= len {
                let dest = &mut th.stack[at..at + want];
                let mut i = 0;
                if ok_first && want > 0 {
                    dest[0] = Value::Boolean(true);
                    i = 1;
                }
                for (d, v) in dest[i..].iter_mut().zip(values) {
                    *d = *v;
                }
                for d in dest.iter_mut().skip(n) {
                    *d = Value::Nil;
                }
                return;
            }
        }
    }
    give_results_general(th, ret, ok_first, values);
}

#[inline(never)]
fn give_results_general<'gc>(
    th: &mut ThreadState<'gc>,
    ret: Ret,
    ok_first: bool,
    values: &[Value<'gc>],
) {
    let at = ret.func_slot;
    let n = values.len() + usize::from(ok_first);
    let want = if ret.nresults >= 0 {
        ret.nresults as usize
    } else {
        n
    };
    let mut frame_end = match th.frames.last() {
        Some(Frame::Lua(f)) if ret.kind == RetKind::Normal => Some(lua_frame_end(f)),
        _ => None,
    };
    if th.hook.is_some() && hook::wants(th, HookEvent::Return) {
        // The return event of the native returning these (the `resume` or `yield` at `at`)
        // is reported by `apply_pending`, when this thread runs.
        let native = th.stack.get(at).copied().unwrap_or(Value::Nil);
        if let Some(h) = th.hook.as_mut() {
            h.pending_return = native;
        }
        frame_end = None;
    }
    let need = (at + n.max(want)).max(frame_end.map_or(0, |end| end.max(th.top)));
    ensure_len(th, need);
    let mut dest = at;
    if ok_first {
        th.stack[dest] = Value::Boolean(true);
        dest += 1;
    }
    // The counts are tiny: a `memcpy` call costs more than the copy.
    match values {
        [] => {}
        [v] => th.stack[dest] = *v,
        _ => th.stack[dest..at + n].copy_from_slice(values),
    }
    if frame_end.is_none() {
        th.pending = Some(Pending::Deliver { ret, n });
        return;
    }
    place_for_lua_caller(th, at, n, ret.nresults);
}

/// Run the thread chain until the base thread ends its current call (boundary or finish) or
/// fuel runs out. `base_th` is the base thread's state, already borrowed by the caller.
///
/// A switch copies the values it hands over straight from one thread's stack to the other's
/// (they are distinct threads, borrowed together). A plain Lua call receives them at once;
/// anything more (a first call, a `pcall` frame, a metamethod's result) is left to the
/// receiver as a `Pending`, done when it runs.
pub(crate) fn drive<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    base: Thread<'gc>,
    base_th: &mut ThreadState<'gc>,
    fuel: &mut i64,
    first: Option<Event>,
) -> LResult<'gc, DriveEnd> {
    let mut first = first;
    let mut cur = *state
        .chain
        .borrow()
        .last()
        .expect("the thread chain is never empty");
    loop {
        let result = if cur.ptr_eq(base) {
            let ev = match first.take() {
                Some(ev) => ev,
                None => run(mc, state, base, base_th, fuel)?,
            };
            match ev {
                Event::BoundaryReturn => return Ok(DriveEnd::Boundary),
                Event::OutOfFuel => return Ok(DriveEnd::OutOfFuel),
                Event::Redispatch => continue,
                Event::Finished => return Ok(DriveEnd::Finished),
                Event::Resume => {
                    if base_th.hook.is_some() {
                        lend_hook(mc, state, base, base_th);
                    }
                    cur = begin_resume(mc, state, base_th)?;
                    continue;
                }
                // The base thread is the main thread or runs Rust code that called into Lua:
                // `coroutine.yield` refuses both.
                Event::Yield => {
                    return Err(LuaError::from_str(
                        mc,
                        "internal error: the driving thread yielded",
                    ))
                }
            }
        } else {
            let mut guard = cur.gc().borrow_mut(mc);
            let th = &mut *guard;
            let result = match first.take() {
                Some(ev) => Ok(ev),
                None => run(mc, state, cur, th, fuel),
            };
            match result {
                Ok(Event::BoundaryReturn) => return Ok(DriveEnd::Boundary),
                Ok(Event::OutOfFuel) => return Ok(DriveEnd::OutOfFuel),
                Ok(Event::Redispatch) => continue,
                Ok(Event::Resume) => match begin_resume(mc, state, th) {
                    Ok(target) => {
                        cur = target;
                        continue;
                    }
                    Err(e) => {
                        th.status = CoStatus::Dead;
                        th.error = Some(e.value);
                        e
                    }
                },
                Ok(Event::Yield) => {
                    th.status = CoStatus::Suspended;
                    // The yielded values follow `yield`'s function slot.
                    let start = th.yield_ret.map_or(th.top, |r| r.func_slot + 1);
                    cur = hand_back(mc, state, base, base_th, |to| {
                        return_values(mc, th, start, to)
                    });
                    let bytes = th.buffer_bytes();
                    th.suspended_bytes.set(bytes);
                    continue;
                }
                Ok(Event::Finished) => {
                    cur = hand_back(mc, state, base, base_th, |to| return_values(mc, th, 0, to));
                    // A dead coroutine never runs again: free its buffers now, while they are
                    // hot and the next coroutine's allocations can reuse them.
                    th.status = CoStatus::Dead;
                    th.stack = Vec::new();
                    th.frames = Vec::new();
                    th.cells = Vec::new();
                    // As after a long concatenation (`concat_pause`): a slice of a loop
                    // making short-lived coroutines (each charged as several objects, see
                    // `stdlib::coroutine`) would fill with thousands of dead ones. The
                    // resumer's results are in place (or pending), so the next slice
                    // continues it as after any fuel stop.
                    if mc.metrics().allocation_debt() > DEBT_PAUSE && slice_may_end_early(state) {
                        return Ok(DriveEnd::OutOfFuel);
                    }
                    continue;
                }
                Err(e) => {
                    th.status = CoStatus::Dead;
                    th.error = Some(e.value);
                    e
                }
            }
        };
        // `cur` died with the error `result`; its resumer reports or re-raises it.
        let failed = cur;
        cur = hand_back(mc, state, base, base_th, |to| {
            to.pending = Some(Pending::CoroutineFailed(result, failed));
        });
    }
}

/// Start or continue the suspended coroutine named by the `Frame::Resume` on top of its
/// resumer `from`, with the values of `from` that frame says, and make it the running
/// thread, which this returns.
fn begin_resume<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    from: &mut ThreadState<'gc>,
) -> LResult<'gc, Thread<'gc>> {
    let Some(&Frame::Resume { ret, wrap, target }) = from.frames.last() else {
        return Err(LuaError::from_str(
            mc,
            "internal error: a resume without its frame",
        ));
    };
    // `resume`'s first argument is the coroutine; a wrapped coroutine's are all for it.
    let args_start = ret.func_slot + 2 - usize::from(wrap);
    from.status = CoStatus::Normal;
    let args = &from.stack[args_start..from.top];
    let mut to = target.gc().borrow_mut(mc);
    to.status = CoStatus::Running;
    to.suspended_bytes.set(0);
    if let Some(f) = to.start.take() {
        to.stack.clear();
        to.stack.reserve(first_stack_size(f, args.len()));
        to.stack.push(f);
        to.stack.extend_from_slice(args);
        to.pending = Some(Pending::Start { nargs: args.len() });
    } else if let Some(ret) = to.yield_ret.take() {
        give_results(&mut to, ret, false, args);
    } else {
        to.pending = Some(Pending::Raise(LuaError::from_str(
            mc,
            "internal error: resumed thread has no yield",
        )));
    }
    drop(to);
    state.chain.borrow_mut(mc).push(target);
    Ok(target)
}

/// Stack slots a fresh coroutine needs for its first call of `f` with `nargs` arguments
/// (a vararg function keeps its arguments below its frame), reserved at once so the first
/// call does not grow the stack step by step.
fn first_stack_size(f: Value<'_>, nargs: usize) -> usize {
    match f {
        Value::Function(c) => 2 * (nargs + 1) + c.proto.get().max_registers as usize,
        _ => nargs + 1,
    }
}

/// Copy what the coroutine `from` yielded or returned (`from.stack[start..from.top]`) to its
/// resumer `to`, as the results of the `Resume` frame on top of `to`.
fn return_values<'gc>(
    mc: &'gc Mutation<'gc>,
    from: &ThreadState<'gc>,
    start: usize,
    to: &mut ThreadState<'gc>,
) {
    let values = &from.stack[start..from.top];
    match to.frames.pop() {
        Some(Frame::Resume {
            ret, wrap: true, ..
        }) => give_results(to, ret, false, values),
        Some(Frame::Resume {
            ret, wrap: false, ..
        }) => give_results(to, ret, true, values),
        _ => {
            to.pending = Some(Pending::Raise(LuaError::from_str(
                mc,
                "internal error: no resume frame",
            )))
        }
    }
}

/// The base thread of a `drive` resumes a coroutine: its state stays borrowed while the
/// coroutine runs, so its hook moves to `State::lent_hooks`, where `debug.sethook` and
/// `gethook` find it, until `take_back_hook`.
#[cold]
#[inline(never)]
fn lend_hook<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    base: Thread<'gc>,
    base_th: &mut ThreadState<'gc>,
) {
    let hook = base_th.hook.take();
    let mut lent = state.lent_hooks.borrow_mut(mc);
    lent.retain(|l| !l.thread.ptr_eq(base));
    lent.push(crate::runtime::state::LentHook { thread: base, hook });
}

/// The base thread runs again: it takes back its hook (as set meanwhile, if it was).
#[cold]
#[inline(never)]
fn take_back_hook<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    base: Thread<'gc>,
    base_th: &mut ThreadState<'gc>,
) {
    let mut lent = state.lent_hooks.borrow_mut(mc);
    if let Some(i) = lent.iter().position(|l| l.thread.ptr_eq(base)) {
        base_th.hook = lent.swap_remove(i).hook;
    }
}

/// Pop the finished/yielded coroutine off the chain, make its resumer the running thread,
/// let `give` hand the resumer what it gets, and return the resumer.
fn hand_back<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    base: Thread<'gc>,
    base_th: &mut ThreadState<'gc>,
    give: impl FnOnce(&mut ThreadState<'gc>),
) -> Thread<'gc> {
    let mut chain = state.chain.borrow_mut(mc);
    chain.pop();
    let resumer = *chain.last().expect("a coroutine always has a resumer");
    drop(chain);
    if resumer.ptr_eq(base) {
        base_th.status = CoStatus::Running;
        if !state.lent_hooks.borrow().is_empty() {
            take_back_hook(mc, state, base, base_th);
        }
        give(base_th);
    } else {
        let mut ts = resumer.gc().borrow_mut(mc);
        ts.status = CoStatus::Running;
        give(&mut ts);
    }
    resumer
}

/// Call `f(args)` from Rust code running on `thread` and return all results. The callee
/// runs to completion (it cannot yield across this call).
pub(crate) fn call_nested<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    f: Value<'gc>,
    args: &[Value<'gc>],
) -> LResult<'gc, Vec<Value<'gc>>> {
    call_nested_with(mc, state, thread, th, (f, args), None, |r| r.to_vec())
}

/// `call_nested` behind the given boundary frame (`Boundary`, `Finalizer` or `Hook`).
pub(crate) fn call_nested_behind<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    f: Value<'gc>,
    args: &[Value<'gc>],
    boundary: Frame<'gc>,
) -> LResult<'gc, Vec<Value<'gc>>> {
    call_nested_with(mc, state, thread, th, (f, args), Some(boundary), |r| {
        r.to_vec()
    })
}

/// [`call_nested`] for callers that want only the first result (nil if none): no `Vec`
/// per call (`table.sort`'s comparator).
pub(crate) fn call_nested1<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    f: Value<'gc>,
    args: &[Value<'gc>],
) -> LResult<'gc, Value<'gc>> {
    call_nested_with(mc, state, thread, th, (f, args), None, |r| {
        // Read as the return wrote it (see `Value::set_from`): a whole-value load of the
        // slot just written field by field would wait for the stores.
        let mut v = Value::Nil;
        if let Some(first) = r.first() {
            v.set_from(first);
        }
        v
    })
}

/// A function a native calls many times in a row (`table.sort`'s comparator), prepared
/// once by [`prepare_call`]: the nesting count taken once for the whole series, the meta
/// depth of the caller found once, and one fuel count across the calls (safe points come
/// every slice of calls, as in a Lua loop, so limits and the control port are served during
/// a long sort). Each call of a Lua function with fixed parameters then writes its
/// arguments, pushes the boundary and the callee's frames and runs `dispatch` directly
/// ([`call_prepared2`]); anything else (a native function, a hook, a vararg callee, pending
/// work) takes [`call_nested1`] for that call.
pub struct PreparedCall<'gc> {
    state: &'gc State<'gc>,
    f: Value<'gc>,
    /// The fast path applies: `f` is a Lua function and `native_depth` was counted.
    fast: bool,
    meta_depth: u32,
    fuel: i64,
    slice: i64,
}

impl Drop for PreparedCall<'_> {
    fn drop(&mut self) {
        if self.fast {
            self.state.host.borrow_mut().native_depth -= 1;
        }
    }
}

/// Prepare `f` for [`call_prepared2`] from a native running on `th`.
pub(crate) fn prepare_call<'gc>(
    state: &'gc State<'gc>,
    th: &ThreadState<'gc>,
    f: Value<'gc>,
) -> PreparedCall<'gc> {
    let mut p = PreparedCall {
        state,
        f,
        fast: false,
        meta_depth: 0,
        fuel: 1,
        slice: 1,
    };
    if let Value::Function(_) = f {
        let mut host = state.host.borrow_mut();
        // At the nesting limit every call takes the general path, which raises the error.
        if host.native_depth < MAX_NATIVE_DEPTH {
            host.native_depth += 1;
            p.fast = true;
            p.slice = host.limits.slice_fuel(crate::runtime::DEFAULT_FUEL);
            p.fuel = p.slice;
            // As `setup_call`: an ordinary call keeps the meta depth of the Lua frame below
            // (the frames below the native do not change while it runs).
            p.meta_depth = parent_meta_depth(th);
        }
    }
    p
}

/// `f(a, b)`'s first result (nil if none) for a [`PreparedCall`]: the hot path of
/// `table.sort` with a comparator.
#[inline(always)]
pub(crate) fn call_prepared2<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    p: &mut PreparedCall<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> LResult<'gc, Value<'gc>> {
    let state = p.state;
    let (Value::Function(closure), true) = (p.f, p.fast) else {
        return call_nested1(mc, state, thread, th, p.f, &[a, b]);
    };
    // One fuel unit per call, as a Lua call costs; a safe point at the slice's end.
    p.fuel -= 1;
    if p.fuel <= 0 {
        prepared_safe_point(mc, state, thread, th, &mut p.fuel, &mut p.slice);
    }
    let proto_gc = closure.proto.get();
    let proto = Gc::as_ref(proto_gc);
    let func_slot = th.stack.len();
    let base = func_slot + 1;
    let end = base + proto.max_registers as usize;
    if proto.is_vararg
        || end > MAX_STACK
        || th.hook.is_some()
        || th.in_message_handler > 0
        || th.pending.is_some()
        || th.reload_generation != state.reload_generation.get()
    {
        return call_nested1(mc, state, thread, th, p.f, &[a, b]);
    }
    let saved_top = th.top;
    th.frames.push(Frame::Boundary);
    th.boundaries += 1;
    // The window as `enter_lua_nested` writes it: the function, the arguments its
    // parameters take, nil for the rest.
    // One capacity check, then plain pushes: the counts are tiny, an iterator chain's
    // `extend` was an out-of-line call of ~70 instructions.
    let given = (proto.num_params as usize).min(2);
    let stack = &mut th.stack;
    stack.reserve(end - func_slot);
    stack.push(p.f);
    if given > 0 {
        stack.push(a);
        if given > 1 {
            stack.push(b);
        }
    }
    for _ in base + given..end {
        stack.push(Value::Nil);
    }
    let ret = Ret {
        func_slot,
        nresults: -1,
        kind: RetKind::Normal,
    };
    push_frame(
        th,
        closure,
        proto_gc,
        base,
        0,
        ret,
        false,
        false,
        p.meta_depth,
    );
    let mut error = None;
    run_prepared(mc, state, thread, th, &mut p.fuel, &mut p.slice, &mut error);
    let result = match error {
        None => Ok(()),
        Some(e) => Err(e),
    };
    // The boundary frame is on top again (unwinding stops at it).
    if matches!(th.frames.last(), Some(Frame::Boundary)) {
        th.frames.pop();
    }
    th.boundaries -= 1;
    let value = match result {
        Ok(()) => {
            // Read as the return wrote it (see `Value::set_from`).
            let mut v = Value::Nil;
            if th.top > func_slot {
                if let Some(first) = th.stack.get(func_slot) {
                    v.set_from(first);
                }
            }
            Ok(v)
        }
        Err(e) => Err(e),
    };
    // The stack is as long as on entry, which kept the register window of the frame below
    // inside it: no `ensure_frame_window`.
    th.stack.truncate(func_slot);
    th.top = saved_top;
    value
}

/// The run of [`call_prepared2`]'s callee, its error (if any) left in `error`. Out of line:
/// inlined into the sort, this second way into `dispatch` changed how the dispatch loop
/// itself was compiled (its symbol became global, and every Lua loop ran 2-5% more
/// instructions: mandelbrot at size 200, 431.6M -> 451.7M in callgrind).
#[inline(never)]
fn run_prepared<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
    slice: &mut i64,
    error: &mut Option<LuaError<'gc>>,
) {
    let step = dispatch(mc, state, thread, th, fuel);
    // The common end is seen from the tags `dispatch` just wrote (see `run_nested_to_boundary`).
    if matches!(step, Ok(Event::BoundaryReturn)) {
        return;
    }
    if let Err(e) = run_sliced_rest(mc, state, thread, th, step, fuel, slice) {
        *error = Some(e);
    }
}

/// A nested call in slices after a first `dispatch` that did not end at the boundary: the
/// rest of `run`'s loop, then `drive`, with a safe point each time `fuel` runs out.
#[cold]
#[inline(never)]
fn run_sliced_rest<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    step: LResult<'gc, Event>,
    fuel: &mut i64,
    slice: &mut i64,
) -> LResult<'gc, ()> {
    let mut first = match run_from(mc, state, thread, th, fuel, step)? {
        Event::BoundaryReturn => return Ok(()),
        ev => Some(ev),
    };
    loop {
        match drive(mc, state, thread, th, fuel, first.take())? {
            DriveEnd::Boundary => return Ok(()),
            DriveEnd::OutOfFuel => prepared_safe_point(mc, state, thread, th, fuel, slice),
            DriveEnd::Finished => {
                return Err(LuaError::from_str(
                    mc,
                    "internal error: nested call ended without returning",
                ))
            }
        }
    }
}

/// The end of a slice of a nested call's fuel: the limits checked (a limit's error
/// raised in the running thread), the control port's jobs run, a new slice.
#[cold]
#[inline(never)]
fn prepared_safe_point<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
    slice: &mut i64,
) {
    let spent = (*slice - *fuel).max(0) as u64;
    let (limited, inbox) = {
        let host = state.host.borrow();
        (host.limits.active(), host.inbox.is_some())
    };
    if limited {
        let verdict = check_limits(mc, state, th, spent);
        if let crate::limits::Verdict::Raise(kind) | crate::limits::Verdict::Stop(kind) = verdict {
            raise_in_running_thread(mc, state, thread, th, kind);
        }
    }
    if inbox {
        let mut env = crate::runtime::LuaEnv {
            mc,
            state,
            thread,
            th: &mut *th,
        };
        crate::runtime::safepoint::run_pending(&mut env);
    }
    *slice = state
        .host
        .borrow()
        .limits
        .slice_fuel(crate::runtime::DEFAULT_FUEL);
    *fuel = *slice;
}

/// The nested call; `take` reads the results in place on the stack before they are dropped.
/// `boundary`: the frame the call runs behind (`None`: a plain `Frame::Boundary`).
#[inline(always)]
fn call_nested_with<'gc, T>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    (f, args): (Value<'gc>, &[Value<'gc>]),
    boundary: Option<Frame<'gc>>,
    take: impl FnOnce(&[Value<'gc>]) -> T,
) -> LResult<'gc, T> {
    let saved_top = th.top;
    let func_slot = th.stack.len();
    let mut error = None;
    call_nested_run(mc, state, thread, th, f, args, boundary, &mut error);
    let values = match error {
        None => Ok(take(&th.stack[func_slot..th.top.max(func_slot)])),
        Some(e) => Err(e),
    };
    th.stack.truncate(func_slot);
    th.top = saved_top;
    ensure_frame_window(th);
    values
}

/// The body of [`call_nested`]: runs `f(args)` behind a boundary frame, leaving its results
/// at `stack[func_slot..top]`, where `func_slot` is the stack's length on entry, or its error
/// in `error`. (Not a returned `Result`: the caller would copy the whole enum, most of it
/// unwritten, in wide loads that wait for the stores of the call's last writes.)
#[allow(clippy::too_many_arguments)]
fn call_nested_run<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    f: Value<'gc>,
    args: &[Value<'gc>],
    boundary: Option<Frame<'gc>>,
    error: &mut Option<LuaError<'gc>>,
) {
    let func_slot = th.stack.len();
    // One borrow of the host state: the nesting count and whether the call runs in slices
    // (the slice's fuel).
    let slice = {
        let mut host = state.host.borrow_mut();
        if host.native_depth >= MAX_NATIVE_DEPTH {
            drop(host);
            // The caller is a native (or the host): lua5.4 gives no position.
            *error = Some(core_error(mc, "C stack overflow"));
            return;
        }
        host.native_depth += 1;
        (host.limits.active() || host.inbox.is_some())
            .then(|| host.limits.slice_fuel(crate::runtime::DEFAULT_FUEL))
    };
    match boundary {
        // Built in place: copying a frame the caller just wrote would wait for its stores.
        None => th.frames.push(Frame::Boundary),
        Some(b) => push_frame_cold(th, b),
    }
    th.boundaries += 1;
    let result = if enter_lua_nested(th, f, args, func_slot) {
        run_nested_to_boundary(mc, state, thread, th, None, slice)
    } else {
        th.stack.push(f);
        th.stack.extend_from_slice(args);
        let ret = Ret {
            func_slot,
            nresults: -1,
            kind: RetKind::Normal,
        };
        match setup_call(mc, state, thread, th, func_slot, args.len(), ret, false) {
            Ok(Some(Event::BoundaryReturn)) => Ok(()),
            Ok(first) => run_nested_to_boundary(mc, state, thread, th, first, slice),
            Err(e) => match unwind(mc, state, thread, th, e) {
                Ok(Some(Event::BoundaryReturn)) => Ok(()),
                Ok(first) => run_nested_to_boundary(mc, state, thread, th, first, slice),
                Err(e) => Err(e),
            },
        }
    };
    state.host.borrow_mut().native_depth -= 1;
    // The boundary frame is on top again (unwinding stops at it).
    if matches!(
        th.frames.last(),
        Some(Frame::Boundary | Frame::Finalizer | Frame::Hook { .. })
    ) {
        th.frames.pop();
    }
    th.boundaries -= 1;
    if let Err(e) = result {
        *error = Some(e);
    }
}

#[cold]
#[inline(never)]
fn push_frame_cold<'gc>(th: &mut ThreadState<'gc>, frame: Frame<'gc>) {
    th.frames.push(frame);
}

/// The common nested call, entered without `setup_call`: a Lua function with fixed
/// parameters, on a thread without a hook. Its frame goes on the boundary frame just pushed,
/// with the arguments written straight into its register window at `func_slot + 1..`.
/// `false` (nothing done) when `setup_call` must handle the call.
#[inline(always)]
fn enter_lua_nested<'gc>(
    th: &mut ThreadState<'gc>,
    f: Value<'gc>,
    args: &[Value<'gc>],
    func_slot: usize,
) -> bool {
    let Value::Function(closure) = f else {
        return false;
    };
    let proto_gc = closure.proto.get();
    let proto = Gc::as_ref(proto_gc);
    if proto.is_vararg || th.hook.is_some() || th.in_message_handler > 0 {
        return false;
    }
    let base = func_slot + 1;
    let end = base + proto.max_registers as usize;
    if end > MAX_STACK {
        return false;
    }
    // The stack ends at `func_slot`: the function, the arguments its parameters take, nil
    // for the rest of the window (extra arguments are dropped). One extend of known length
    // (one capacity check): the counts are tiny, a `memcpy` or `resize` call costs more.
    let given = args.len().min(proto.num_params as usize);
    let window = std::iter::once(f)
        .chain(args[..given].iter().copied())
        .chain(std::iter::repeat_n(Value::Nil, end - base - given));
    th.stack.extend(window);
    // As `setup_call`: an ordinary call keeps the metamethod depth of the Lua frame below.
    let meta_depth = parent_meta_depth(th);
    let ret = Ret {
        func_slot,
        nresults: -1,
        kind: RetKind::Normal,
    };
    // The frame below is the boundary: its return goes through `do_return`.
    push_frame(
        th, closure, proto_gc, base, 0, ret, false, false, meta_depth,
    );
    true
}

/// Run the nested call entered behind the boundary frame until it returns to the boundary
/// (its results at `stack[func_slot..top]`). `first`: the event its entry already produced.
/// Without limits or a control port (`slice` is `None`) the call runs to its end; with them
/// it runs in slices of `slice` fuel and stops at safe points like the driver does, so a
/// runaway callback is stopped and a program looping inside a required chunk still serves
/// reloads.
#[inline(always)]
fn run_nested_to_boundary<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    first: Option<Event>,
    slice: Option<i64>,
) -> LResult<'gc, ()> {
    // The thread running a native is the last of the chain, where `drive` would start:
    // run it here, and leave to `drive` only what a plain return does not end (a coroutine
    // switch, the end of a slice).
    let mut fuel = slice.unwrap_or(i64::MAX);
    if first.is_some()
        || th.reload_generation != state.reload_generation.get()
        || th.pending.is_some()
    {
        return match slice {
            None => run_nested_general(mc, state, thread, th, first, &mut fuel),
            Some(_) => run_nested_sliced(mc, state, thread, th, first),
        };
    }
    // `run` without its loop: the common end (the callee returned to the boundary) is seen
    // from the tags `dispatch` just wrote, not from a copy of the whole result, whose wide
    // loads would wait for those stores.
    let step = dispatch(mc, state, thread, th, &mut fuel);
    if matches!(step, Ok(Event::BoundaryReturn)) {
        return Ok(());
    }
    match slice {
        None => run_nested_rest(mc, state, thread, th, step, &mut fuel),
        Some(mut slice) => run_sliced_rest(mc, state, thread, th, step, &mut fuel, &mut slice),
    }
}

/// [`run_nested_to_boundary`] after a first `dispatch` that did not end at the boundary:
/// the rest of `run`'s loop (redispatch, unwinding), then `drive`.
#[cold]
#[inline(never)]
fn run_nested_rest<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    step: LResult<'gc, Event>,
    fuel: &mut i64,
) -> LResult<'gc, ()> {
    let first = run_from(mc, state, thread, th, fuel, step)?;
    if matches!(first, Event::BoundaryReturn) {
        return Ok(());
    }
    run_nested_general(mc, state, thread, th, Some(first), fuel)
}

/// [`run_nested_to_boundary`] through `run` and `drive`: an entry that already produced an
/// event, a thread with pending work or a reload to catch up with, a coroutine switch.
#[cold]
#[inline(never)]
fn run_nested_general<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    first: Option<Event>,
    fuel: &mut i64,
) -> LResult<'gc, ()> {
    let first = match first {
        Some(ev) => Some(ev),
        None => match run(mc, state, thread, th, fuel)? {
            Event::BoundaryReturn => return Ok(()),
            ev => Some(ev),
        },
    };
    match drive(mc, state, thread, th, fuel, first)? {
        DriveEnd::Boundary => Ok(()),
        _ => Err(LuaError::from_str(
            mc,
            "internal error: nested call ended without returning",
        )),
    }
}

/// [`run_nested_to_boundary`] under limits or a control port.
#[cold]
#[inline(never)]
fn run_nested_sliced<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    first: Option<Event>,
) -> LResult<'gc, ()> {
    let mut first = first;
    loop {
        let slice = state
            .host
            .borrow()
            .limits
            .slice_fuel(crate::runtime::DEFAULT_FUEL);
        let mut fuel = slice;
        match drive(mc, state, thread, th, &mut fuel, first.take())? {
            DriveEnd::Boundary => return Ok(()),
            DriveEnd::OutOfFuel => {
                let spent = (slice - fuel).max(0) as u64;
                let verdict = check_limits(mc, state, th, spent);
                if let crate::limits::Verdict::Raise(kind) | crate::limits::Verdict::Stop(kind) =
                    verdict
                {
                    raise_in_running_thread(mc, state, thread, th, kind);
                }
                let mut env = crate::runtime::LuaEnv {
                    mc,
                    state,
                    thread,
                    th: &mut *th,
                };
                crate::runtime::safepoint::run_pending(&mut env);
            }
            DriveEnd::Finished => {
                return Err(LuaError::from_str(
                    mc,
                    "internal error: nested call ended without returning",
                ))
            }
        }
    }
}

/// Check every limit at a safe point after `spent` more fuel units; `base_th` is the state
/// of the thread that drives, already borrowed.
pub(crate) fn check_limits<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    base_th: &ThreadState<'gc>,
    spent: u64,
) -> crate::limits::Verdict {
    let depth = running_depth(state, base_th);
    // Measuring the stacks walks the running threads: only with a memory limit.
    let stacks = if state.host.borrow().limits.limits.max_memory.is_some() {
        stack_bytes(mc, state, Some(base_th))
    } else {
        0
    };
    state
        .host
        .borrow_mut()
        .limits
        .check(mc, spent, depth, stacks)
}

/// Frames running in the chain of threads (for `Limits::max_call_depth`); `base_th` is
/// the state of the thread that drives, already borrowed.
fn running_depth<'gc>(state: &State<'gc>, base_th: &ThreadState<'gc>) -> usize {
    let chain = state.chain.borrow();
    let others: usize = chain
        .iter()
        .filter_map(|t| t.gc().try_borrow().ok().map(|s| s.frames.len()))
        .sum();
    others + base_th.frames.len()
}

/// Bytes held by the stacks of the main thread and the running coroutines (for
/// `Limits::max_memory`); `base_th` is the state of the driving thread, already borrowed.
pub(crate) fn stack_bytes<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    base_th: Option<&ThreadState<'gc>>,
) -> usize {
    let mut total = base_th.map_or(0, ThreadState::buffer_bytes);
    if let Ok(main) = state.main_thread.gc().try_borrow() {
        total += main.buffer_bytes();
    }
    // The running coroutines. Suspended ones are charged to the account when they yield
    // (`ThreadState::suspended_bytes`).
    let _ = mc;
    for t in state.chain.borrow().iter().skip(1) {
        if let Ok(t) = t.gc().try_borrow() {
            total += t.buffer_bytes();
        }
    }
    total
}

/// Raise a limit's error in the thread that is running (the last of the chain) when it
/// next runs. `base`/`base_th` is the driving thread, already borrowed.
pub(crate) fn raise_in_running_thread<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    base: Thread<'gc>,
    base_th: &mut ThreadState<'gc>,
    kind: crate::limits::LimitKind,
) {
    let err = LuaError::from_str(mc, kind.message());
    let cur = *state
        .chain
        .borrow()
        .last()
        .expect("the thread chain is never empty");
    if cur.ptr_eq(base) {
        if base_th.pending.is_none() {
            base_th.pending = Some(Pending::Raise(err));
        }
    } else if let Ok(mut th) = cur.gc().try_borrow_mut(mc) {
        if th.pending.is_none() {
            th.pending = Some(Pending::Raise(err));
        }
    }
}

/// `obj[key]` with `__index` (nested calls for function handlers).
pub(crate) fn index_nested<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
) -> LResult<'gc, Value<'gc>> {
    match index_step(state, obj, key) {
        Index::Value(v) => Ok(v),
        Index::Call(mm, o) => Ok(call_nested(mc, state, thread, th, mm, &[o, key])?
            .first()
            .copied()
            .unwrap_or(Value::Nil)),
        Index::NotIndexable(v) => Err(core_error(
            mc,
            &format!("attempt to index a {} value", v.type_name()),
        )),
        Index::Loop => Err(core_error(mc, "'__index' chain too long; possible loop")),
    }
}

/// `obj[key] = value` with `__newindex`.
pub(crate) fn set_index_nested<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    value: Value<'gc>,
) -> LResult<'gc, ()> {
    match newindex_step(mc, state, obj, key, value) {
        NewIndex::Done => Ok(()),
        NewIndex::Call(mm, o) => {
            call_nested(mc, state, thread, th, mm, &[o, key, value]).map(|_| ())
        }
        NewIndex::NotIndexable(v) => Err(core_error(
            mc,
            &format!("attempt to index a {} value", v.type_name()),
        )),
        NewIndex::BadKey(e) => Err(core_error(mc, e.message())),
        NewIndex::Loop => Err(core_error(mc, "'__newindex' chain too long; possible loop")),
    }
}

/// `tostring(v)`: `__tostring`, then `__name`, then the primitive form.
pub(crate) fn tostring_nested<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    v: Value<'gc>,
) -> LResult<'gc, LuaString<'gc>> {
    let mm = metamethod(state, v, MetaName::ToString);
    if !mm.is_nil() {
        let r = call_nested(mc, state, thread, th, mm, &[v])?;
        return match r.first().copied().unwrap_or(Value::Nil) {
            Value::String(s) => Ok(s),
            n @ (Value::Integer(_) | Value::Number(_)) => Ok(LuaString::new(
                mc,
                ops::number_to_string(n).unwrap_or_default().as_bytes(),
            )),
            _ => Err(runtime_error(mc, th, "'__tostring' must return a string")),
        };
    }
    Ok(tostring_plain(mc, state, v))
}

/// `tostring(v)` for a value without `__tostring`.
pub fn tostring_plain<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &State<'gc>,
    v: Value<'gc>,
) -> LuaString<'gc> {
    match v {
        Value::String(s) => s,
        // Integers and booleans are written without a temporary `String`, so a short
        // result that `State::new_string` finds in its cache allocates nothing.
        Value::Integer(i) => {
            let mut buf = [0u8; 20];
            state.new_string(mc, ops::integer_digits(i, &mut buf))
        }
        Value::Boolean(b) => state.new_string(mc, if b { b"true" } else { b"false" }),
        _ => state.new_string(mc, tostring_primitive(state, v).as_bytes()),
    }
}

/// The `tostring` form of a value without `__tostring`: numbers, `nil`, `true`,
/// `table: 0x...` (or `NAME: 0x...` with `__name`).
pub fn tostring_primitive<'gc>(state: &State<'gc>, v: Value<'gc>) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(_) | Value::Number(_) => ops::number_to_string(v).unwrap_or_default(),
        Value::String(s) => s.to_str_lossy().into_owned(),
        _ => {
            let mut kind = v.type_name().to_string();
            if let Some(mt) = metatable_of(state, v) {
                if let Value::String(s) = mt.get_str(state.meta_name(MetaName::Name)) {
                    kind = s.to_str_lossy().into_owned();
                }
            }
            format!("{kind}: {:#016x}", v.object_address().unwrap_or(0))
        }
    }
}

/// `a < b` with `__lt` (nested).
pub(crate) fn compare_nested<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> LResult<'gc, bool> {
    let mut mm = metamethod(state, a, MetaName::Lt);
    if mm.is_nil() {
        mm = metamethod(state, b, MetaName::Lt);
    }
    if mm.is_nil() {
        return Err(core_error(mc, &compare_error_text(state, a, b)));
    }
    let r = call_nested(mc, state, thread, th, mm, &[a, b])?;
    Ok(r.first().is_some_and(|v| v.is_truthy()))
}

/// `#v` with `__len` (nested).
pub(crate) fn len_nested<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    v: Value<'gc>,
) -> LResult<'gc, Value<'gc>> {
    match v {
        Value::String(s) => return Ok(Value::Integer(s.len() as i64)),
        Value::Table(t) if t.metatable().is_none() => return Ok(Value::Integer(t.length())),
        _ => {}
    }
    let mm = metamethod(state, v, MetaName::Len);
    if !mm.is_nil() {
        // lua5.4 passes the operand twice, as to `__unm`.
        let r = call_nested(mc, state, thread, th, mm, &[v, v])?;
        return Ok(r.first().copied().unwrap_or(Value::Nil));
    }
    match v {
        Value::Table(t) => Ok(Value::Integer(t.length())),
        _ => Err(core_error(
            mc,
            &format!("attempt to get length of a {} value", v.type_name()),
        )),
    }
}

pub(crate) enum Index<'gc> {
    Value(Value<'gc>),
    /// Call `mm(obj, key)` (the `obj` in the chain that had the function handler).
    Call(Value<'gc>, Value<'gc>),
    NotIndexable(Value<'gc>),
    Loop,
}

pub(crate) fn index_step<'gc>(state: &State<'gc>, obj: Value<'gc>, key: Value<'gc>) -> Index<'gc> {
    let mut obj = obj;
    for _ in 0..MAX_META_CHAIN {
        let handler = match obj {
            Value::Table(t) => {
                let v = t.get(key);
                if !v.is_nil() {
                    return Index::Value(v);
                }
                match t.metatable() {
                    None => return Index::Value(Value::Nil),
                    Some(mt) => {
                        let h =
                            mt.meta_get(state.meta_name(MetaName::Index), MetaName::Index as u32);
                        if h.is_nil() {
                            return Index::Value(Value::Nil);
                        }
                        h
                    }
                }
            }
            _ => {
                let h = metamethod(state, obj, MetaName::Index);
                if h.is_nil() {
                    return Index::NotIndexable(obj);
                }
                h
            }
        };
        if is_callable(handler) {
            return Index::Call(handler, obj);
        }
        obj = handler;
    }
    Index::Loop
}

pub(crate) enum NewIndex<'gc> {
    Done,
    Call(Value<'gc>, Value<'gc>),
    NotIndexable(Value<'gc>),
    BadKey(crate::table::SetError),
    Loop,
}

pub(crate) fn newindex_step<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    value: Value<'gc>,
) -> NewIndex<'gc> {
    let mut obj = obj;
    for _ in 0..MAX_META_CHAIN {
        let handler = match obj {
            Value::Table(t) => {
                let h = match t.metatable() {
                    None => Value::Nil,
                    Some(mt) => {
                        if t.get(key).is_nil() {
                            mt.meta_get(
                                state.meta_name(MetaName::NewIndex),
                                MetaName::NewIndex as u32,
                            )
                        } else {
                            Value::Nil
                        }
                    }
                };
                if h.is_nil() {
                    return match state.journaled_set(mc, t, key, value) {
                        Ok(()) => NewIndex::Done,
                        Err(e) => NewIndex::BadKey(e),
                    };
                }
                h
            }
            _ => {
                let h = metamethod(state, obj, MetaName::NewIndex);
                if h.is_nil() {
                    return NewIndex::NotIndexable(obj);
                }
                h
            }
        };
        if is_callable(handler) {
            return NewIndex::Call(handler, obj);
        }
        obj = handler;
    }
    NewIndex::Loop
}

/// Lua 5.4's numeric `for` preparation. Returns `false` when the loop must be skipped.
/// Numeric strings are converted as in arithmetic; a string start thus makes a float loop.
fn for_prep<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    th: &mut ThreadState<'gc>,
    ra: usize,
) -> LResult<'gc, bool> {
    let (init, limit, step) = (th.stack[ra], th.stack[ra + 1], th.stack[ra + 2]);
    let for_error = |th: &ThreadState<'gc>, v: Value<'gc>, what: &str| {
        let got = obj_type_name(state, v);
        runtime_error(
            mc,
            th,
            &format!("bad 'for' {what} (number expected, got {got})"),
        )
    };
    if let (Value::Integer(i0), Value::Integer(st)) = (init, step) {
        if st == 0 {
            return Err(runtime_error(mc, th, "'for' step is zero"));
        }
        let lim = match ops::to_number(limit) {
            Some(Value::Integer(l)) => l,
            Some(Value::Number(f)) => {
                // A NaN limit is out of the integers' range and not above zero: the loop
                // is skipped for a positive step and runs toward `mininteger` for a
                // negative one, as lua5.4's `forlimit` has it.
                let fl = if st < 0 { f.ceil() } else { f.floor() };
                match crate::arith::float_to_int_exact(fl) {
                    Some(l) => l,
                    None if f > 0.0 => {
                        if st < 0 {
                            return Ok(false);
                        }
                        i64::MAX
                    }
                    None => {
                        if st > 0 {
                            return Ok(false);
                        }
                        i64::MIN
                    }
                }
            }
            _ => return Err(for_error(th, limit, "limit")),
        };
        if (st > 0 && i0 > lim) || (st < 0 && i0 < lim) {
            return Ok(false);
        }
        // Iteration count, computed in unsigned arithmetic as Lua does.
        let count = if st > 0 {
            (lim as u64).wrapping_sub(i0 as u64) / st as u64
        } else {
            let s = (-(st + 1)) as u64 + 1;
            (i0 as u64).wrapping_sub(lim as u64) / s
        };
        th.stack[ra + 1] = Value::Integer(count as i64);
        th.stack[ra + 3] = Value::Integer(i0);
        return Ok(true);
    }
    // Checked in lua5.4's order: limit, step, then the initial value.
    let Some(fl) = ops::to_float(limit) else {
        return Err(for_error(th, limit, "limit"));
    };
    let Some(fs) = ops::to_float(step) else {
        return Err(for_error(th, step, "step"));
    };
    let Some(f0) = ops::to_float(init) else {
        return Err(for_error(th, init, "initial value"));
    };
    if fs == 0.0 {
        return Err(runtime_error(mc, th, "'for' step is zero"));
    }
    // lua5.4's test, NaNs included: a NaN limit does not skip the loop (its body runs
    // once: the first `ForLoop` test fails), a NaN step compares as a negative one.
    let skip = if 0.0 < fs { fl < f0 } else { f0 < fl };
    if skip {
        return Ok(false);
    }
    th.stack[ra] = Value::Number(f0);
    th.stack[ra + 1] = Value::Number(fl);
    th.stack[ra + 2] = Value::Number(fs);
    th.stack[ra + 3] = Value::Number(f0);
    Ok(true)
}

/// The arithmetic slow path: string coercion, then metamethods, then an error naming the
/// culprit operand.
enum Slow<'gc> {
    Value(Value<'gc>),
    Meta(Value<'gc>),
}

fn arith_slow<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    th: &ThreadState<'gc>,
    op: ArithOp,
    a: Value<'gc>,
    b: Value<'gc>,
    regs: (Option<u8>, Option<u8>),
) -> LResult<'gc, Slow<'gc>> {
    // Strings are coerced by the string metatable's arithmetic metamethods, as in lua5.4,
    // so that their errors read like its ("attempt to add a 'string' with a 'number'").
    let via_string_meta =
        !op.is_bitwise() && (matches!(a, Value::String(_)) || matches!(b, Value::String(_)));
    let err = if via_string_meta {
        ArithError::NotNumbers
    } else {
        match ops::arith(op, a, b) {
            Ok(v) => return Ok(Slow::Value(v)),
            Err(e) => e,
        }
    };
    if matches!(err, ArithError::NotNumbers | ArithError::NoIntegerRep) {
        let mut mm = metamethod(state, a, op.meta_name());
        if mm.is_nil() {
            mm = metamethod(state, b, op.meta_name());
        }
        if !mm.is_nil() {
            return Ok(Slow::Meta(mm));
        }
    }
    let msg = match err {
        ArithError::NotNumbers | ArithError::NoIntegerRep => {
            let bad = |v: Value<'_>| !matches!(v, Value::Integer(_) | Value::Number(_));
            if err == ArithError::NoIntegerRep && !bad(a) && !bad(b) {
                // Named after the first operand without an integer value (luaG_tointerror).
                let reg = if ops::to_integer(a).is_none() {
                    regs.0
                } else {
                    regs.1
                };
                match reg.and_then(|r| register_info(th, r)) {
                    Some(info) => format!("number ({info}) has no integer representation"),
                    None => "number has no integer representation".to_string(),
                }
            } else {
                let (culprit, reg) = if bad(a) { (a, regs.0) } else { (b, regs.1) };
                let what = if op.is_bitwise() {
                    "perform bitwise operation on"
                } else {
                    "perform arithmetic on"
                };
                let info = reg.and_then(|r| register_info(th, r));
                with_info(
                    format!(
                        "attempt to {what} a {} value",
                        obj_type_name(state, culprit)
                    ),
                    info,
                )
            }
        }
        other => other.message().replace("%%", "%"),
    };
    Err(runtime_error(mc, th, &msg))
}

fn register_info(th: &ThreadState<'_>, reg: u8) -> Option<String> {
    match th.frames.last() {
        Some(Frame::Lua(f)) => {
            let proto = Gc::as_ref(f.proto);
            describe_register(&proto.info, &proto.constants, f.pc, reg)
        }
        _ => None,
    }
}

/// What the dispatch loop does after an out-of-line slow path.
enum Flow {
    /// Nothing changed but the destination register: go on with the next instruction.
    Next,
    /// A call was set up or finished (the top frame or its state changed): reload it.
    Reload,
    /// Leave the loop with this event.
    Stop(Event),
}

type Step<'gc> = LResult<'gc, Flow>;

/// A call set-up's outcome as a `Flow`.
fn after_call<'gc>(res: LResult<'gc, Option<Event>>) -> Step<'gc> {
    match res {
        Ok(None) => Ok(Flow::Reload),
        Ok(Some(ev)) => Ok(Flow::Stop(ev)),
        Err(e) => Err(e),
    }
}

/// Where an indexed operand came from, to name it in an error message.
#[derive(Clone, Copy)]
enum Src {
    Reg(u8),
    Upval(u8),
}

fn describe_src(th: &ThreadState<'_>, src: Src) -> Option<String> {
    match src {
        Src::Reg(r) => register_info(th, r),
        Src::Upval(up) => match th.frames.last() {
            Some(Frame::Lua(f)) => describe_upvalue(&f.proto.info, up),
            _ => None,
        },
    }
}

/// "attempt to index a T value", naming the operand only when the value that could not be
/// indexed is the operand itself (not a value further down an `__index` chain).
fn not_indexable_error<'gc>(
    mc: &Mutation<'gc>,
    th: &ThreadState<'gc>,
    v: Value<'gc>,
    obj: Value<'gc>,
    src: Src,
) -> LuaError<'gc> {
    let info = if v.raw_eq(obj) {
        describe_src(th, src)
    } else {
        None
    };
    let msg = with_info(format!("attempt to index a {} value", v.type_name()), info);
    runtime_error(mc, th, &msg)
}

/// `stack[dest] = obj[key]` when the raw fast path did not apply: a method of a string
/// (`s:sub(i, j)`: the string library by the string metatable) found here, in a function
/// small enough to need few register saves; anything else in [`index_general`].
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn index_slow<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    dest: usize,
    src: Src,
) -> Step<'gc> {
    if let (Value::String(_), Value::String(name)) = (obj, key) {
        if let Some(d) = th.stack.get_mut(dest) {
            if string_method(state, name, d) {
                return Ok(Flow::Next);
            }
        }
    }
    index_general(mc, state, thread, th, obj, key, dest, src)
}

/// [`index_slow`] past a string's method: `__index` chains and functions, and the
/// "attempt to index" error.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn index_general<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    dest: usize,
    src: Src,
) -> Step<'gc> {
    match index_step(state, obj, key) {
        Index::Value(v) => {
            th.stack[dest] = v;
            Ok(Flow::Next)
        }
        Index::Call(mm, o) => after_call(call_meta(
            mc,
            state,
            thread,
            th,
            mm,
            &[o, key],
            1,
            RetKind::Register(dest as u32),
        )),
        Index::NotIndexable(v) => Err(not_indexable_error(mc, th, v, obj, src)),
        Index::Loop => Err(runtime_error(
            mc,
            th,
            "'__index' chain too long; possible loop",
        )),
    }
}

/// `obj[key] = val` when the raw fast path did not apply: `__newindex` chains and functions,
/// invalid keys and the "attempt to index" error.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn newindex_slow<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    val: Value<'gc>,
    src: Src,
) -> Step<'gc> {
    match newindex_step(mc, state, obj, key, val) {
        NewIndex::Done => Ok(Flow::Next),
        NewIndex::Call(mm, o) => after_call(call_meta(
            mc,
            state,
            thread,
            th,
            mm,
            &[o, key, val],
            0,
            RetKind::Discard,
        )),
        NewIndex::NotIndexable(v) => Err(not_indexable_error(mc, th, v, obj, src)),
        // As lua5.4: a refused allocation's message carries no position.
        NewIndex::BadKey(e @ crate::table::SetError::NoMemory) => Err(core_error(mc, e.message())),
        NewIndex::BadKey(e) => Err(runtime_error(mc, th, e.message())),
        NewIndex::Loop => Err(runtime_error(
            mc,
            th,
            "'__newindex' chain too long; possible loop",
        )),
    }
}

/// Arithmetic whose operands are not both plain numbers of the fast path (or an integer
/// division by zero): coercion, metamethods, errors.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn arith_step<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    op: ArithOp,
    x: Value<'gc>,
    y: Value<'gc>,
    dest: usize,
    regs: (Option<u8>, Option<u8>),
) -> Step<'gc> {
    match arith_slow(mc, state, th, op, x, y, regs)? {
        Slow::Value(v) => {
            th.stack[dest] = v;
            Ok(Flow::Next)
        }
        Slow::Meta(mm) => after_call(call_meta(
            mc,
            state,
            thread,
            th,
            mm,
            &[x, y],
            1,
            RetKind::Register(dest as u32),
        )),
    }
}

/// `<`/`<=` on operands without a primitive order: the metamethod or the error.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn compare_slow<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    x: Value<'gc>,
    y: Value<'gc>,
    k: bool,
    event: MetaName,
) -> Step<'gc> {
    let mut mm = metamethod(state, x, event);
    if mm.is_nil() {
        mm = metamethod(state, y, event);
    }
    if mm.is_nil() && event == MetaName::Le {
        // As lua5.4's standard build (LUA_COMPAT_LT_LE, part of its 5.3 compatibility):
        // without `__le`, `x <= y` is `not (y < x)`.
        let mut lt = metamethod(state, y, MetaName::Lt);
        if lt.is_nil() {
            lt = metamethod(state, x, MetaName::Lt);
        }
        if !lt.is_nil() {
            let negated = RetKind::CondJump { k, negate: true };
            return after_call(call_meta(mc, state, thread, th, lt, &[y, x], 1, negated));
        }
    }
    if mm.is_nil() {
        return Err(runtime_error(mc, th, &compare_error_text(state, x, y)));
    }
    after_call(call_meta(
        mc,
        state,
        thread,
        th,
        mm,
        &[x, y],
        1,
        RetKind::CondJump { k, negate: false },
    ))
}

/// `==` between two different tables or userdata: `__eq` if either has one. `Flow::Next`
/// means "no metamethod: not equal".
#[cold]
#[inline(never)]
fn eq_slow<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    x: Value<'gc>,
    y: Value<'gc>,
    k: bool,
) -> Step<'gc> {
    let mut mm = metamethod(state, x, MetaName::Eq);
    if mm.is_nil() {
        mm = metamethod(state, y, MetaName::Eq);
    }
    if mm.is_nil() {
        return Ok(Flow::Next);
    }
    after_call(call_meta(
        mc,
        state,
        thread,
        th,
        mm,
        &[x, y],
        1,
        RetKind::CondJump { k, negate: false },
    ))
}

/// `#x` for anything but a string or a table without metatable.
#[cold]
#[inline(never)]
fn len_slow<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    x: Value<'gc>,
    dest: usize,
    reg: u8,
) -> Step<'gc> {
    let mm = metamethod(state, x, MetaName::Len);
    if !mm.is_nil() {
        return after_call(call_meta(
            mc,
            state,
            thread,
            th,
            mm,
            // lua5.4 passes the operand twice.
            &[x, x],
            1,
            RetKind::Register(dest as u32),
        ));
    }
    match x {
        Value::Table(t) => {
            th.stack[dest] = Value::Integer(t.length());
            Ok(Flow::Next)
        }
        _ => {
            let info = register_info(th, reg);
            let msg = with_info(
                format!("attempt to get length of a {} value", x.type_name()),
                info,
            );
            Err(runtime_error(mc, th, &msg))
        }
    }
}

/// The `tbc` slot of a `Tbc` instruction holds a value without `__close`.
#[cold]
#[inline(never)]
fn not_closable_error<'gc>(mc: &Mutation<'gc>, th: &ThreadState<'gc>, reg: u8) -> LuaError<'gc> {
    let name = match th.frames.last() {
        Some(Frame::Lua(f)) => f
            .proto
            .info
            .locals
            .iter()
            .rev()
            .find(|l| {
                l.slot == crate::bytecode::LocalSlot::Register(reg)
                    && l.start_pc as usize <= f.pc
                    && f.pc <= l.end_pc as usize
            })
            .map(|l| l.name.clone()),
        _ => None,
    };
    let name = name.unwrap_or_else(|| "?".into());
    runtime_error(
        mc,
        th,
        &format!("variable '{name}' got a non-closable value"),
    )
}

/// `R[a] = closure(protos[idx])`, capturing cells of the current frame and upvalues of
/// the running closure.
fn make_closure<'gc>(
    mc: &'gc Mutation<'gc>,
    th: &ThreadState<'gc>,
    proto: &Proto<'gc>,
    closure: crate::function::Closure<'gc>,
    cell_base: usize,
    idx: u16,
) -> LResult<'gc, Value<'gc>> {
    let child = proto.protos[idx as usize];
    let parent_ups = closure.upvalues.borrow();
    let mut ups = Vec::with_capacity(child.info.upvalues.len());
    for desc in &child.info.upvalues {
        if desc.from_parent_cell {
            match th.cells[cell_base + desc.index as usize] {
                Some(c) => ups.push(c),
                None => {
                    return Err(runtime_error(
                        mc,
                        th,
                        "internal error: capture of an undeclared cell",
                    ))
                }
            }
        } else {
            ups.push(parent_ups[desc.index as usize]);
        }
    }
    Ok(Value::Function(new_closure(
        mc,
        child,
        ups.into_boxed_slice(),
    )))
}

/// The dispatch loop. Runs Lua frames of `th` until an event.
///
/// Hot paths (plain numbers, tables without metamethods, Lua→Lua calls and returns) are
/// inline; everything else is an out-of-line `#[cold]` function returning a `Flow`, which
/// keeps this loop small enough for the register allocator.
fn dispatch<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
) -> LResult<'gc, Event> {
    // A thread with a debug hook runs the hooked loop, which reports line and count events
    // before each instruction and call/return events of Lua functions. It gets `fuel`
    // itself: handing it `&mut budget` would let the budget's address escape and keep it
    // out of a register in the ordinary loop (measured: 10-25% slower loops).
    if th.hook.is_some() {
        return dispatch_hooked(mc, state, thread, th, fuel);
    }
    // The budget lives in a local while the loop runs, so it can stay in a register.
    let mut budget = *fuel;
    // While a reload transaction is open, every table write takes the slow path, which
    // journals it; the ordinary loop has no such check on its fast paths.
    let result = if state.txn_open.get() {
        dispatch_loop::<true, false>(mc, state, thread, th, &mut budget)
    } else {
        dispatch_loop::<false, false>(mc, state, thread, th, &mut budget)
    };
    *fuel = budget;
    result
}

/// `dispatch` for a thread with a hook (kept out of line, away from the ordinary loop).
#[cold]
#[inline(never)]
fn dispatch_hooked<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
) -> LResult<'gc, Event> {
    // One hooked instantiation: it takes the journaling slow paths for table writes (which
    // journal only while a transaction is open) and the slow paths for table reads, so the
    // hot helpers the ordinary loop inlines get no more call sites (more callers made LLVM
    // stop inlining them there: sieve 1.7x slower).
    let mut budget = *fuel;
    let result = dispatch_loop::<true, true>(mc, state, thread, th, &mut budget);
    *fuel = budget;
    result
}

#[inline(always)]
fn dispatch_loop<'gc, const JOURNAL: bool, const HOOKED: bool>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    fuel: &mut i64,
) -> LResult<'gc, Event> {
    // The running frame's state, loaded from the top frame on entry and again whenever the
    // top frame changes. The inline call and return paths reload it without leaving the
    // instruction loop.
    let mut closure;
    let mut base: usize;
    // The running frame's register window, `th.stack[base..]`, as a pointer (what `r!` and
    // `w!` read and write), so that a register access does not reload the stack vector's
    // pointer. It must be refreshed (`sync_regs!`) whenever `base` changes and after
    // anything that may reallocate the stack: see "Register pointer" at `reg`.
    let mut regs: *mut Value<'gc>;
    let mut pc: usize;
    let mut code: &'gc [Instr];
    let mut consts: &'gc [Value<'gc>];
    // Re-derive `regs` from the stack vector and `base`. The window starts inside the
    // stack (`base <= len`) wherever this runs.
    macro_rules! sync_regs {
        () => {{
            debug_assert!(base <= th.stack.len(), "register window outside the stack");
            regs = unsafe { th.stack.as_mut_ptr().add(base) };
        }};
    }
    macro_rules! load_frame {
        () => {{
            let Some(Frame::Lua(frame)) = th.frames.last() else {
                return Err(LuaError::from_str(
                    mc,
                    "internal error: no Lua frame to run",
                ));
            };
            closure = frame.closure;
            base = frame.base;
            pc = frame.pc;
            let proto: &'gc Proto<'gc> = Gc::as_ref(frame.proto);
            code = proto.code();
            consts = &proto.constants;
            // The register window invariant (see `reg`): every entry to a frame's
            // instructions passes here or through the inline call path.
            let end = base + proto.max_registers as usize;
            ensure_len(th, end);
            sync_regs!();
        }};
    }
    'frames: loop {
        load_frame!();

        macro_rules! save_pc {
            () => {
                if let Some(Frame::Lua(f)) = th.frames.last_mut() {
                    f.pc = pc;
                }
            };
        }
        // The running frame, for state the loop does not keep in locals (fewer live
        // variables leave more registers for the hot ones).
        macro_rules! frame {
            () => {
                match th.frames.last() {
                    Some(Frame::Lua(f)) => f,
                    _ => {
                        return Err(LuaError::from_str(
                            mc,
                            "internal error: no Lua frame to run",
                        ))
                    }
                }
            };
        }
        macro_rules! frame_end {
            () => {
                base + frame!().proto.max_registers as usize
            };
        }
        // Register `i` of the running frame, read (`r!`) or written (`w!`), without a bounds
        // check: the validated code names only registers below `max_registers`, and the
        // window `base..base + max_registers` is inside the stack (see `reg`).
        macro_rules! r {
            ($i:expr) => {
                (*unsafe { reg(regs, $i as usize, &th.stack, base) })
            };
        }
        // Constant `k` of the running function (validated code names only existing ones).
        macro_rules! k {
            ($k:expr) => {
                (*unsafe { konst(consts, $k as usize) })
            };
        }
        macro_rules! w {
            ($i:expr) => {
                (*unsafe { reg_mut(regs, $i as usize, &th.stack, base) })
            };
        }
        // Continue the loop in the frame `push_lua_frame` just pushed for `callee` (its
        // prototype `proto`), whose register window starts at `new_base`.
        macro_rules! enter_callee {
            ($callee:expr, $proto:expr, $new_base:expr) => {{
                closure = $callee;
                base = $new_base;
                sync_regs!();
                pc = 0;
                code = $proto.code();
                consts = &$proto.constants;
                continue;
            }};
        }
        macro_rules! rt_err {
            ($($fmt:tt)*) => {{
                save_pc!();
                return Err(runtime_error(mc, th, &format!($($fmt)*)));
            }};
        }
        // Run an out-of-line slow path (pc saved first, for error positions and calls).
        macro_rules! step {
            ($e:expr) => {{
                save_pc!();
                match $e {
                    Ok(Flow::Next) => {
                        restore_window(th);
                        sync_regs!();
                    }
                    Ok(Flow::Reload) => continue 'frames,
                    Ok(Flow::Stop(ev)) => return Ok(ev),
                    Err(e) => return Err(e),
                }
            }};
        }
        macro_rules! after_call {
            ($res:expr) => {{
                match $res {
                    Ok(Some(ev)) => return Ok(ev),
                    Ok(None) => continue 'frames,
                    Err(e) => return Err(e),
                }
            }};
        }
        macro_rules! arith_slow {
            ($a:expr, $x:expr, $y:expr, $op:expr, $regs:expr) => {
                step!(arith_step(
                    mc,
                    state,
                    thread,
                    th,
                    $op,
                    $x,
                    $y,
                    base + $a as usize,
                    $regs
                ))
            };
        }
        // `+ - *`: integer and float fast paths.
        macro_rules! arith_fast {
            ($a:expr, $x:expr, $y:expr, $op:expr, $regs:expr, $int:expr, $flt:expr) => {{
                // Matching on references reads the tags in place instead of copying both
                // 16-byte values out first.
                match (&$x, &$y) {
                    (&Value::Integer(i), &Value::Integer(j)) => w!($a) = Value::Integer($int(i, j)),
                    (&Value::Number(p), &Value::Number(q)) => w!($a) = Value::Number($flt(p, q)),
                    (&Value::Integer(i), &Value::Number(q)) => {
                        w!($a) = Value::Number($flt(i as f64, q))
                    }
                    (&Value::Number(p), &Value::Integer(j)) => {
                        w!($a) = Value::Number($flt(p, j as f64))
                    }
                    _ => arith_slow!($a, $x, $y, $op, $regs),
                }
            }};
        }
        // `/ ^`: always float.
        macro_rules! float_op {
            ($a:expr, $x:expr, $y:expr, $op:expr, $regs:expr, $flt:expr) => {{
                match (&$x, &$y) {
                    (&Value::Number(p), &Value::Number(q)) => w!($a) = Value::Number($flt(p, q)),
                    (&Value::Integer(i), &Value::Integer(j)) => {
                        w!($a) = Value::Number($flt(i as f64, j as f64))
                    }
                    (&Value::Integer(i), &Value::Number(q)) => {
                        w!($a) = Value::Number($flt(i as f64, q))
                    }
                    (&Value::Number(p), &Value::Integer(j)) => {
                        w!($a) = Value::Number($flt(p, j as f64))
                    }
                    _ => arith_slow!($a, $x, $y, $op, $regs),
                }
            }};
        }
        // `// %`: integer fast path unless dividing by zero; float fast path.
        macro_rules! div_op {
            ($a:expr, $x:expr, $y:expr, $op:expr, $regs:expr, $int:path, $flt:path) => {{
                match (&$x, &$y) {
                    (&Value::Integer(i), &Value::Integer(j)) if j != 0 => match $int(i, j) {
                        Some(v) => w!($a) = Value::Integer(v),
                        None => arith_slow!($a, $x, $y, $op, $regs),
                    },
                    (&Value::Number(p), &Value::Number(q)) => w!($a) = Value::Number($flt(p, q)),
                    _ => arith_slow!($a, $x, $y, $op, $regs),
                }
            }};
        }
        // Bitwise operators: integer fast path.
        macro_rules! bit_op {
            ($a:expr, $x:expr, $y:expr, $op:expr, $regs:expr, $int:expr) => {{
                match (&$x, &$y) {
                    (&Value::Integer(i), &Value::Integer(j)) => w!($a) = Value::Integer($int(i, j)),
                    _ => arith_slow!($a, $x, $y, $op, $regs),
                }
            }};
        }
        // `R[a] = obj[key]`. Operands are inspected by reference (see `arith_fast`); the
        // key's type picks the table fast path.
        // The first token says which key types get an inline fast path: `str` for constant
        // field names, `int` for constant indices, `any` for keys in registers. Every other
        // case (including raw lookups the fast path skipped) goes to `index_slow`; keeping
        // each expansion small keeps the loop's register allocation good.
        macro_rules! get_fast {
            (str, $t:expr, $key:expr, $dest:expr) => {
                match $key {
                    &Value::String(s) => {
                        $t.get_str_into(s, $dest) || index_chain_str(state, $t, s, $dest)
                    }
                    _ => false,
                }
            };
            (int, $t:expr, $key:expr, $dest:expr) => {
                match $key {
                    &Value::Integer(i) => $t.get_int_into(i, $dest),
                    _ => false,
                }
            };
            (any, $t:expr, $key:expr, $dest:expr) => {
                match $key {
                    &Value::String(s) => $t.get_str_into(s, $dest),
                    &Value::Integer(i) => $t.get_int_into(i, $dest),
                    &key => $t.get_into(key, $dest),
                }
            };
        }
        macro_rules! get_index {
            ($kind:ident; $a:expr, $obj:expr, $key:expr, $src:expr) => {{
                let done = match &$obj {
                    &Value::Table(t) if !HOOKED => get_fast!($kind, t, &$key, &mut w!($a)),
                    _ => false,
                };
                if !done {
                    step!(index_slow(
                        mc,
                        state,
                        thread,
                        th,
                        $obj,
                        $key,
                        base + $a as usize,
                        $src
                    ));
                }
            }};
        }
        // `obj[key] = val`, with the same shape as `get_index`.
        macro_rules! set_fast {
            (str, $t:expr, $key:expr, $val:expr) => {
                match $key {
                    &Value::String(s) => {
                        $t.set_str_present(mc, s, $val)
                            || matches!($t.set_unless_meta(mc, *$key, $val), Ok(true))
                    }
                    _ => false,
                }
            };
            (int, $t:expr, $key:expr, $val:expr) => {
                match $key {
                    &Value::Integer(i) => {
                        $t.set_int_unless_meta(mc, i, $val)
                            || matches!($t.set_unless_meta(mc, Value::Integer(i), $val), Ok(true))
                    }
                    _ => false,
                }
            };
            (any, $t:expr, $key:expr, $val:expr) => {
                match $key {
                    &Value::Integer(i) => {
                        $t.set_int_unless_meta(mc, i, $val)
                            || matches!($t.set_unless_meta(mc, Value::Integer(i), $val), Ok(true))
                    }
                    key => matches!($t.set_unless_meta(mc, *key, $val), Ok(true)),
                }
            };
        }
        macro_rules! set_index {
            ($kind:ident; $obj:expr, $key:expr, $val:expr, $src:expr) => {{
                let done = match &$obj {
                    &Value::Table(t) if !JOURNAL => set_fast!($kind, t, &$key, &$val),
                    _ => false,
                };
                if !done {
                    step!(newindex_slow(mc, state, thread, th, $obj, $key, $val, $src));
                }
            }};
        }
        // After a test that passed `skip` (the condition did not hold): step over the `Jmp`
        // that follows; otherwise take that jump here, saving a dispatch (as lua5.4 does).
        macro_rules! skip_or_jump {
            ($skip:expr) => {
                if $skip {
                    pc += 1;
                } else if let Instr::Jmp { hi, lo } = unsafe { fetch(code, pc) } {
                    let off = Instr::jump_offset(hi, lo);
                    pc = (pc as i64 + 1 + off as i64) as usize;
                    if off < 0 {
                        fuel_check!();
                    }
                }
            };
        }
        macro_rules! compare {
            ($x:expr, $y:expr, $k:expr, $op:tt, $prim:path, $mm:expr) => {{
                let res = match (&$x, &$y) {
                    (&Value::Integer(i), &Value::Integer(j)) => Some(i $op j),
                    (&Value::Number(p), &Value::Number(q)) => Some(p $op q),
                    _ => $prim($x, $y),
                };
                match res {
                    Some(res) => skip_or_jump!(res != $k),
                    None => step!(compare_slow(mc, state, thread, th, $x, $y, $k, $mm)),
                }
            }};
        }
        // An order comparison with an immediate (`LtI`, `GtF`, ...): `$x $op i` inline for
        // numbers (a small integer compares the same as an integer or as a float, exactly),
        // `$slow` otherwise.
        macro_rules! compare_imm {
            ($x:expr, $i:expr, $k:expr, $op:tt, $slow:expr) => {{
                let res = match &$x {
                    &Value::Integer(j) => Some(j $op ($i as i64)),
                    &Value::Number(p) => Some(p $op ($i as f64)),
                    _ => None,
                };
                match res {
                    Some(res) => skip_or_jump!(res != $k),
                    None => step!($slow),
                }
            }};
        }
        macro_rules! fuel_check {
            () => {
                *fuel -= 1;
                if *fuel <= 0 {
                    save_pc!();
                    note_loop_edge(state, th, pc);
                    return Ok(Event::OutOfFuel);
                }
            };
        }

        // A return hook (hooked loop only), with the returning frame still on top.
        // `n` results at `start..`.
        macro_rules! hook_return {
            ($start:expr, $n:expr) => {
                if HOOKED && th.hook.is_some() {
                    save_pc!();
                    let (first, count) = ($start, $n);
                    let transfer = Transfer {
                        call: false,
                        func_slot: base - 1,
                        first,
                        count,
                        end: first + count,
                    };
                    let ev = HookEvent::Return;
                    hook::call_hook(mc, state, thread, th, ev, None, Value::Nil, transfer)?;
                }
            };
        }

        loop {
            if HOOKED && th.hook.is_some() {
                hook::trace_step(mc, state, thread, th, pc)?;
                restore_window(th);
                sync_regs!();
            }
            let ins = unsafe { fetch(code, pc) };
            pc += 1;
            match ins {
                Instr::Move { a, b } => unsafe {
                    check_regs(regs, a.max(b) as usize, &th.stack, base);
                    copy_slot_raw(regs, a as usize, b as usize)
                },
                Instr::LoadI { a, i } => w!(a) = Value::Integer(i as i64),
                Instr::LoadF { a, i } => w!(a) = Value::Number(i as f64),
                Instr::LoadK { a, k } => w!(a) = k!(k),
                Instr::LoadKX { a } => {
                    // Validated code has an `ExtraArg` after every `LoadKX` (reading it
                    // unchecked keeps the code's length out of the loop's live values).
                    let k = match unsafe { fetch(code, pc) } {
                        Instr::ExtraArg { hi, lo } => Instr::extra_arg_value(hi, lo),
                        _ => rt_err!("internal error: LoadKX without ExtraArg"),
                    };
                    pc += 1;
                    w!(a) = k!(k);
                }
                Instr::LoadFalse { a } => w!(a) = Value::Boolean(false),
                Instr::LoadFalseSkip { a } => {
                    w!(a) = Value::Boolean(false);
                    pc += 1;
                }
                Instr::LoadTrue { a } => w!(a) = Value::Boolean(true),
                Instr::LoadNil { a, n } => {
                    for i in a as usize..=a as usize + n as usize {
                        w!(i) = Value::Nil;
                    }
                }
                // Upvalue and cell values move field by field (see `Value::set_from`).
                // Read in place (`cell_value`): copying the cell's value out first let LLVM
                // move it through a stack temporary as two overlapping 4-byte pieces, whose
                // reload no single store could forward (a fifth of `fib`'s time).
                Instr::GetUpval { a, up } => {
                    w!(a).set_from(cell_value(&upvalue_cell(closure, up)));
                }
                Instr::SetUpval { a, up } => {
                    let mut v = Value::Nil;
                    v.set_from(&r!(a));
                    let cell = upvalue_cell(closure, up);
                    if JOURNAL {
                        state.before_cell_write(mc, cell);
                    }
                    cell.set(mc, v);
                }
                Instr::NewCell { cell, a } => {
                    let cell_base = frame!().cell_base;
                    th.cells[cell_base + cell as usize] = Some(new_cell(mc, r!(a)));
                }
                Instr::GetCell { a, cell } => match th.cells[frame!().cell_base + cell as usize] {
                    Some(c) => w!(a).set_from(cell_value(&c)),
                    None => rt_err!("internal error: cell {} read before its declaration", cell),
                },
                Instr::SetCell { cell, a } => {
                    let mut v = Value::Nil;
                    v.set_from(&r!(a));
                    match th.cells[frame!().cell_base + cell as usize] {
                        // A coroutine made before a reload transaction may write its own
                        // older cells while the new chunk runs.
                        Some(c) if JOURNAL => {
                            state.before_cell_write(mc, c);
                            c.set(mc, v)
                        }
                        Some(c) => c.set(mc, v),
                        None => rt_err!(
                            "internal error: cell {} written before its declaration",
                            cell
                        ),
                    }
                }
                Instr::GetTabUp { a, up, k } => {
                    // The cell's value is inspected in place (see `get_index`), not copied.
                    // SAFETY: a `Lock`'s value changes only through `Lock::set`-style
                    // writes, none of which runs while this reference is alive.
                    let t = unsafe { &*upvalue_cell(closure, up).as_ptr() };
                    get_index!(str; a, *t, k!(k), Src::Upval(up))
                }
                Instr::SetTabUp { up, k, b } => {
                    // SAFETY: as in `GetTabUp` (the table is read from the cell in place).
                    let t = unsafe { &*upvalue_cell(closure, up).as_ptr() };
                    set_index!(str; *t, k!(k), r!(b), Src::Upval(up))
                }
                Instr::SetTabUpK { up, k, kv } => {
                    // SAFETY: as in `GetTabUp`.
                    let t = unsafe { &*upvalue_cell(closure, up).as_ptr() };
                    set_index!(str; *t, k!(k), k!(kv), Src::Upval(up))
                }
                Instr::GetTable { a, b, c } => get_index!(any; a, r!(b), r!(c), Src::Reg(b)),
                Instr::GetI { a, b, i } => {
                    get_index!(int; a, r!(b), Value::Integer(i as i64), Src::Reg(b))
                }
                Instr::GetField { a, b, k } => {
                    get_index!(str; a, r!(b), k!(k), Src::Reg(b))
                }
                Instr::SetTable { a, b, c } => set_index!(any; r!(a), r!(b), r!(c), Src::Reg(a)),
                Instr::SetTableK { a, b, k } => {
                    set_index!(any; r!(a), r!(b), k!(k), Src::Reg(a))
                }
                Instr::SetI { a, i, c } => {
                    set_index!(int; r!(a), Value::Integer(i as i64), r!(c), Src::Reg(a))
                }
                Instr::SetIK { a, i, k } => {
                    set_index!(
                        int;
                        r!(a),
                        Value::Integer(i as i64),
                        k!(k),
                        Src::Reg(a)
                    )
                }
                Instr::SetField { a, k, c } => {
                    set_index!(str; r!(a), k!(k), r!(c), Src::Reg(a))
                }
                Instr::SetFieldK { a, k, kv } => {
                    set_index!(str; r!(a), k!(k), k!(kv), Src::Reg(a))
                }
                Instr::NewTable { a, array, hash } => {
                    w!(a) = Value::Table(Table::with_capacity(mc, array as usize, hash as usize));
                }
                Instr::SelfK { a, b, k } => {
                    let obj = r!(b);
                    w!(a as usize + 1) = obj;
                    get_index!(str; a, obj, k!(k), Src::Reg(b))
                }
                Instr::AddI { a, b, i } => match r!(b) {
                    Value::Integer(v) => w!(a) = Value::Integer(v.wrapping_add(i as i64)),
                    Value::Number(f) => w!(a) = Value::Number(f + i as f64),
                    _ => arith_slow!(
                        a,
                        r!(b),
                        Value::Integer(i as i64),
                        ArithOp::Add,
                        (Some(b), None)
                    ),
                },
                Instr::SubI { a, b, i } => match r!(b) {
                    Value::Integer(v) => w!(a) = Value::Integer(v.wrapping_sub(i as i64)),
                    Value::Number(f) => w!(a) = Value::Number(f - i as f64),
                    _ => arith_slow!(
                        a,
                        r!(b),
                        Value::Integer(i as i64),
                        ArithOp::Sub,
                        (Some(b), None)
                    ),
                },
                Instr::IAdd { a, b, i } => match r!(b) {
                    Value::Integer(v) => w!(a) = Value::Integer((i as i64).wrapping_add(v)),
                    Value::Number(f) => w!(a) = Value::Number(i as f64 + f),
                    _ => arith_slow!(
                        a,
                        Value::Integer(i as i64),
                        r!(b),
                        ArithOp::Add,
                        (None, Some(b))
                    ),
                },
                Instr::KAdd { a, b, k } => arith_fast!(
                    a,
                    k!(k),
                    r!(b),
                    ArithOp::Add,
                    (None, Some(b)),
                    i64::wrapping_add,
                    |p: f64, q: f64| p + q
                ),
                Instr::KMul { a, b, k } => arith_fast!(
                    a,
                    k!(k),
                    r!(b),
                    ArithOp::Mul,
                    (None, Some(b)),
                    i64::wrapping_mul,
                    |p: f64, q: f64| p * q
                ),
                Instr::AddK { a, b, k } => arith_fast!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::Add,
                    (Some(b), None),
                    i64::wrapping_add,
                    |p: f64, q: f64| p + q
                ),
                Instr::SubK { a, b, k } => arith_fast!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::Sub,
                    (Some(b), None),
                    i64::wrapping_sub,
                    |p: f64, q: f64| p - q
                ),
                Instr::MulK { a, b, k } => arith_fast!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::Mul,
                    (Some(b), None),
                    i64::wrapping_mul,
                    |p: f64, q: f64| p * q
                ),
                Instr::ModK { a, b, k } => div_op!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::Mod,
                    (Some(b), None),
                    arith::int_mod,
                    arith::float_mod
                ),
                Instr::PowK { a, b, k } => {
                    float_op!(a, r!(b), k!(k), ArithOp::Pow, (Some(b), None), f64::powf)
                }
                Instr::DivK { a, b, k } => float_op!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::Div,
                    (Some(b), None),
                    |p: f64, q: f64| p / q
                ),
                Instr::IDivK { a, b, k } => div_op!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::IDiv,
                    (Some(b), None),
                    arith::int_idiv,
                    arith::float_idiv
                ),
                Instr::BAndK { a, b, k } => bit_op!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::BAnd,
                    (Some(b), None),
                    |i: i64, j: i64| i & j
                ),
                Instr::BOrK { a, b, k } => bit_op!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::BOr,
                    (Some(b), None),
                    |i: i64, j: i64| i | j
                ),
                Instr::BXorK { a, b, k } => bit_op!(
                    a,
                    r!(b),
                    k!(k),
                    ArithOp::BXor,
                    (Some(b), None),
                    |i: i64, j: i64| i ^ j
                ),
                Instr::ShrI { a, b, i } => bit_op!(
                    a,
                    r!(b),
                    Value::Integer(i as i64),
                    ArithOp::Shr,
                    (Some(b), None),
                    arith::shift_right
                ),
                Instr::ShlI { a, b, i } => bit_op!(
                    a,
                    Value::Integer(i as i64),
                    r!(b),
                    ArithOp::Shl,
                    (None, Some(b)),
                    arith::shift_left
                ),
                Instr::Add { a, b, c } => arith_fast!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::Add,
                    (Some(b), Some(c)),
                    i64::wrapping_add,
                    |p: f64, q: f64| p + q
                ),
                Instr::Sub { a, b, c } => arith_fast!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::Sub,
                    (Some(b), Some(c)),
                    i64::wrapping_sub,
                    |p: f64, q: f64| p - q
                ),
                Instr::Mul { a, b, c } => arith_fast!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::Mul,
                    (Some(b), Some(c)),
                    i64::wrapping_mul,
                    |p: f64, q: f64| p * q
                ),
                Instr::Mod { a, b, c } => div_op!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::Mod,
                    (Some(b), Some(c)),
                    arith::int_mod,
                    arith::float_mod
                ),
                Instr::Pow { a, b, c } => {
                    float_op!(a, r!(b), r!(c), ArithOp::Pow, (Some(b), Some(c)), f64::powf)
                }
                Instr::Div { a, b, c } => float_op!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::Div,
                    (Some(b), Some(c)),
                    |p: f64, q: f64| p / q
                ),
                Instr::IDiv { a, b, c } => div_op!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::IDiv,
                    (Some(b), Some(c)),
                    arith::int_idiv,
                    arith::float_idiv
                ),
                Instr::BAnd { a, b, c } => bit_op!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::BAnd,
                    (Some(b), Some(c)),
                    |i: i64, j: i64| i & j
                ),
                Instr::BOr { a, b, c } => bit_op!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::BOr,
                    (Some(b), Some(c)),
                    |i: i64, j: i64| i | j
                ),
                Instr::BXor { a, b, c } => bit_op!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::BXor,
                    (Some(b), Some(c)),
                    |i: i64, j: i64| i ^ j
                ),
                Instr::Shl { a, b, c } => bit_op!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::Shl,
                    (Some(b), Some(c)),
                    arith::shift_left
                ),
                Instr::Shr { a, b, c } => bit_op!(
                    a,
                    r!(b),
                    r!(c),
                    ArithOp::Shr,
                    (Some(b), Some(c)),
                    arith::shift_right
                ),
                Instr::Unm { a, b } => {
                    // Matched in place: a 16-byte copy of a register just written as tag
                    // and payload stalls (store forwarding).
                    match r!(b) {
                        Value::Integer(i) => w!(a) = Value::Integer(i.wrapping_neg()),
                        Value::Number(f) => w!(a) = Value::Number(-f),
                        x => arith_slow!(a, x, x, ArithOp::Unm, (Some(b), Some(b))),
                    }
                }
                Instr::BNot { a, b } => {
                    let x = r!(b);
                    match x {
                        Value::Integer(i) => w!(a) = Value::Integer(!i),
                        _ => arith_slow!(a, x, x, ArithOp::BNot, (Some(b), Some(b))),
                    }
                }
                Instr::Not { a, b } => w!(a) = Value::Boolean(!r!(b).is_truthy()),
                Instr::Len { a, b } => {
                    // The operand is inspected in place (see `arith_fast`): a copy first
                    // would reload a register just written as tag + payload in one 16-byte
                    // load, a store-forwarding stall.
                    match r!(b) {
                        Value::String(s) => w!(a) = Value::Integer(s.len() as i64),
                        Value::Table(t) => match t.length_unless_meta() {
                            Some(n) => w!(a) = Value::Integer(n),
                            None => {
                                step!(len_slow(mc, state, thread, th, r!(b), base + a as usize, b))
                            }
                        },
                        x => step!(len_slow(mc, state, thread, th, x, base + a as usize, b)),
                    }
                }
                Instr::Concat { a, n } => {
                    let first = base + a as usize;
                    save_pc!();
                    match concat_op(mc, state, thread, th, first, first + n as usize) {
                        Ok(Concatenated::InPlace) => {}
                        Ok(Concatenated::Called(None)) => {
                            if !matches!(th.frames.last(), Some(Frame::Lua(f)) if f.base == base && f.pc == pc)
                            {
                                continue 'frames;
                            }
                            restore_window(th);
                            sync_regs!();
                        }
                        Ok(Concatenated::Called(Some(ev))) => return Ok(ev),
                        Err(e) => return Err(e),
                    }
                }
                Instr::Close { a } => {
                    let level = base + a as usize;
                    if th.tbc.last().is_some_and(|&i| i >= level) {
                        save_pc!();
                        let depth = th.frames.len();
                        // Results of a call that a following `return` passes on sit
                        // between the frame's registers and `top`: keep them.
                        let top = th.top;
                        match close_run(mc, state, thread, th, level, top) {
                            Ok(None) => {
                                if th.frames.len() != depth {
                                    continue 'frames;
                                }
                                restore_window(th);
                                sync_regs!();
                            }
                            Ok(Some(ev)) => return Ok(ev),
                            Err(e) => return Err(e),
                        }
                    }
                }
                Instr::Tbc { a } => {
                    let v = r!(a);
                    if v.is_truthy() {
                        if metamethod(state, v, MetaName::Close).is_nil() {
                            save_pc!();
                            return Err(not_closable_error(mc, th, a));
                        }
                        th.tbc.push(base + a as usize);
                    }
                }
                Instr::Jmp { hi, lo } => {
                    let off = Instr::jump_offset(hi, lo);
                    pc = (pc as i64 + off as i64) as usize;
                    if off < 0 {
                        fuel_check!();
                    }
                }
                Instr::Eq { a, b, k } => {
                    // Integers inline, by reference (see `arith_fast`); the rest through
                    // `raw_eq`, an out-of-line call.
                    let eq = match (&r!(a), &r!(b)) {
                        (&Value::Integer(i), &Value::Integer(j)) => i == j,
                        // Two tables (graph code compares nodes): no call unless they differ
                        // and one may have `__eq`.
                        (&Value::Table(p), &Value::Table(q)) => {
                            let eq = Gc::ptr_eq(p.gc(), q.gc());
                            if !eq && (!no_eq_meta(p) || !no_eq_meta(q)) {
                                step!(eq_slow(mc, state, thread, th, r!(a), r!(b), k));
                            }
                            eq
                        }
                        _ => {
                            let (x, y) = (r!(a), r!(b));
                            let eq = x.raw_eq(y);
                            // Two tables took the arm above: only userdata may have `__eq`.
                            if !eq && matches!((x, y), (Value::UserData(_), Value::UserData(_))) {
                                step!(eq_slow(mc, state, thread, th, x, y, k));
                            }
                            eq
                        }
                    };
                    skip_or_jump!(eq != k);
                }
                Instr::Lt { a, b, k } => compare!(r!(a), r!(b), k, <, ops::less_than, MetaName::Lt),
                Instr::Le { a, b, k } => {
                    compare!(r!(a), r!(b), k, <=, ops::less_equal, MetaName::Le)
                }
                Instr::EqK { a, kc, k } => {
                    skip_or_jump!(r!(a).raw_eq(k!(kc)) != k);
                }
                Instr::EqI { a, i, k } => {
                    // A small integer equals a float exactly when it converts to it.
                    let eq = match &r!(a) {
                        Value::Integer(j) => *j == i as i64,
                        Value::Number(f) => *f == i as f64,
                        _ => false,
                    };
                    skip_or_jump!(eq != k);
                }
                Instr::LtI { a, i, k } => compare_imm!(
                    r!(a),
                    i,
                    k,
                    <,
                    compare_slow(mc, state, thread, th, r!(a), Value::Integer(i as i64), k, MetaName::Lt)
                ),
                Instr::LeI { a, i, k } => compare_imm!(
                    r!(a),
                    i,
                    k,
                    <=,
                    compare_slow(mc, state, thread, th, r!(a), Value::Integer(i as i64), k, MetaName::Le)
                ),
                Instr::GtI { a, i, k } => compare_imm!(
                    r!(a),
                    i,
                    k,
                    >,
                    compare_slow(mc, state, thread, th, Value::Integer(i as i64), r!(a), k, MetaName::Lt)
                ),
                Instr::GeI { a, i, k } => compare_imm!(
                    r!(a),
                    i,
                    k,
                    >=,
                    compare_slow(mc, state, thread, th, Value::Integer(i as i64), r!(a), k, MetaName::Le)
                ),
                Instr::LtF { a, i, k } => compare_imm!(
                    r!(a),
                    i,
                    k,
                    <,
                    compare_slow(mc, state, thread, th, r!(a), Value::Number(i as f64), k, MetaName::Lt)
                ),
                Instr::LeF { a, i, k } => compare_imm!(
                    r!(a),
                    i,
                    k,
                    <=,
                    compare_slow(mc, state, thread, th, r!(a), Value::Number(i as f64), k, MetaName::Le)
                ),
                Instr::GtF { a, i, k } => compare_imm!(
                    r!(a),
                    i,
                    k,
                    >,
                    compare_slow(mc, state, thread, th, Value::Number(i as f64), r!(a), k, MetaName::Lt)
                ),
                Instr::GeF { a, i, k } => compare_imm!(
                    r!(a),
                    i,
                    k,
                    >=,
                    compare_slow(mc, state, thread, th, Value::Number(i as f64), r!(a), k, MetaName::Le)
                ),
                Instr::Test { a, k } => skip_or_jump!(r!(a).is_truthy() != k),
                Instr::TestSet { a, b, k } => {
                    let skip = r!(b).is_truthy() != k;
                    if !skip {
                        copy_slot(&mut th.stack, base + a as usize, base + b as usize);
                    }
                    skip_or_jump!(skip);
                }
                Instr::Call { a, b, c } => {
                    let func_slot = base + a as usize;
                    let nargs = if b != 0 {
                        b as usize - 1
                    } else {
                        open_count(th, func_slot + 1)
                    };
                    let (meta_depth, from_lua) = match th.frames.last_mut() {
                        Some(Frame::Lua(f)) => {
                            f.pc = pc;
                            (f.meta_depth, true)
                        }
                        _ => (0, false),
                    };
                    *fuel -= 1;
                    if let Value::Function(callee) = r!(a) {
                        // Inline fast path for the common Lua→Lua call: the callee's state
                        // goes straight into the loop's variables. (The hooked loop calls
                        // through `setup_call`, which reports the call.)
                        let pushed = if HOOKED {
                            None
                        } else {
                            let ret = Ret {
                                func_slot,
                                nresults: c as i32 - 1,
                                kind: RetKind::Normal,
                            };
                            // `c <= 2`: no result, one, or all of them.
                            let simple = from_lua && c <= 2;
                            let shape = (false, simple, meta_depth);
                            push_lua_frame(th, callee, func_slot, nargs, ret, shape)
                        };
                        if let Some((callee_proto, new_base)) = pushed {
                            if *fuel <= 0 {
                                return Ok(Event::OutOfFuel);
                            }
                            enter_callee!(callee, callee_proto, new_base);
                        }
                    }
                    let nresults = c as i32 - 1;
                    let res = call_from_lua(mc, state, thread, th, func_slot, nargs, nresults);
                    if *fuel <= 0 {
                        if let Ok(None) = res {
                            return Ok(Event::OutOfFuel);
                        }
                    }
                    after_call!(res)
                }
                Instr::TailCall { a, b } => {
                    let func_slot = base + a as usize;
                    let mut nargs = if b != 0 {
                        b as usize - 1
                    } else {
                        open_count(th, func_slot + 1)
                    };
                    save_pc!();
                    *fuel -= 1;
                    if let (Value::Function(callee), true) =
                        (r!(a), th.tbc.last().is_none_or(|&i| i < base))
                    {
                        let Some(Frame::Lua(old)) = th.frames.pop() else {
                            unreachable!()
                        };
                        th.cells.truncate(old.cell_base);
                        let dest = old.ret.func_slot;
                        // The function and its arguments move down to where the caller
                        // expects results (field by field: see `Value::set_from`).
                        for i in 0..=nargs {
                            copy_slot(&mut th.stack, dest + i, func_slot + i);
                        }
                        // Inline for a Lua callee, as `Call` does (the hooked loop reports
                        // the tail call through `setup_call`). The callee replaces the
                        // frame, so it keeps its results' destination and metamethod depth.
                        let pushed = if HOOKED {
                            None
                        } else {
                            let shape = (true, old.simple_return, old.meta_depth);
                            push_lua_frame(th, callee, dest, nargs, old.ret, shape)
                        };
                        if let Some((callee_proto, new_base)) = pushed {
                            if *fuel <= 0 {
                                return Ok(Event::OutOfFuel);
                            }
                            enter_callee!(callee, callee_proto, new_base);
                        }
                        let res = setup_call(mc, state, thread, th, dest, nargs, old.ret, true);
                        if *fuel <= 0 {
                            if let Ok(None) = res {
                                return Ok(Event::OutOfFuel);
                            }
                        }
                        after_call!(res)
                    }
                    if !matches!(r!(a), Value::Function(_) | Value::NativeFunction(_))
                        && th.tbc.last().is_none_or(|&i| i < base)
                    {
                        // A callable object: its `__call` is tail called in its place, as
                        // lua5.4 does (`return obj(...)` in a loop must not grow the stack).
                        match tail_call_via_meta(mc, state, thread, th, func_slot, nargs)? {
                            MetaTailCall::Called(res) => after_call!(Ok(res)),
                            // The stack may have moved; the path below reads no register.
                            MetaTailCall::Native(n) => nargs = n,
                        }
                    }
                    let ret = Ret {
                        func_slot,
                        nresults: -1,
                        kind: RetKind::Normal,
                    };
                    let depth = th.frames.len();
                    match setup_call(mc, state, thread, th, func_slot, nargs, ret, false) {
                        Ok(Some(ev)) => return Ok(ev),
                        Err(e) => return Err(e),
                        Ok(None) => {
                            if th.frames.len() != depth {
                                continue 'frames;
                            }
                            // A native finished: return its results (the next instruction
                            // would be the `Return` anyway).
                            let n = th.top - func_slot;
                            hook_return!(func_slot, n);
                            if HOOKED || !return_many_to_lua(th, func_slot, n) {
                                after_call!(do_return(mc, state, thread, th, func_slot, n))
                            }
                            continue 'frames;
                        }
                    }
                }
                Instr::Return { a, b } => {
                    let start = base + a as usize;
                    let n = if b != 0 {
                        b as usize - 1
                    } else {
                        open_count(th, start)
                    };
                    save_pc!();
                    hook_return!(start, n);
                    if HOOKED || !return_many_to_lua(th, start, n) {
                        after_call!(do_return(mc, state, thread, th, start, n))
                    }
                    load_frame!();
                }
                Instr::Return0 => {
                    hook_return!(base, 0);
                    if HOOKED || !return_one_fast(th, base, None) {
                        save_pc!();
                        after_call!(do_return(mc, state, thread, th, base, 0))
                    }
                    load_frame!();
                }
                Instr::Return1 { a } => {
                    hook_return!(base + a as usize, 1);
                    if HOOKED || !return_one_fast(th, base, Some(base + a as usize)) {
                        save_pc!();
                        after_call!(do_return(mc, state, thread, th, base + a as usize, 1))
                    }
                    load_frame!();
                }
                Instr::ForPrep { a, skip } => {
                    let ra = base + a as usize;
                    save_pc!();
                    if !for_prep(mc, state, th, ra)? {
                        pc += skip as usize;
                    }
                    sync_regs!();
                }
                Instr::ForLoop { a, back } => {
                    // Validated code has `a + 3 < max_registers`, inside the register window
                    // (see `reg`).
                    let slots = unsafe {
                        check_regs(regs, a as usize + 3, &th.stack, base);
                        std::slice::from_raw_parts_mut(regs.add(a as usize), 4)
                    };
                    // In place, by reference: see `arith_fast`.
                    match (&slots[0], &slots[1], &slots[2]) {
                        (&Value::Integer(i), &Value::Integer(count), &Value::Integer(step))
                            if count as u64 > 0 =>
                        {
                            slots[1] = Value::Integer((count as u64 - 1) as i64);
                            let next = Value::Integer(i.wrapping_add(step));
                            slots[0] = next;
                            slots[3] = next;
                            pc -= back as usize;
                        }
                        (&Value::Number(i), &Value::Number(lim), &Value::Number(step)) => {
                            let next = i + step;
                            let go = if step > 0.0 { next <= lim } else { lim <= next };
                            if go {
                                slots[0] = Value::Number(next);
                                slots[3] = Value::Number(next);
                                pc -= back as usize;
                            }
                        }
                        _ => {}
                    }
                    fuel_check!();
                }
                Instr::TForPrep { a, skip } => {
                    let v = r!(a as usize + 3);
                    if v.is_truthy() {
                        if metamethod(state, v, MetaName::Close).is_nil() {
                            rt_err!("variable '(for state)' got a non-closable value");
                        }
                        th.tbc.push(base + a as usize + 3);
                    }
                    pc += skip as usize;
                }
                Instr::TForCall { a, c } => {
                    let ra = base + a as usize;
                    if let Value::NativeFunction(nf) = th.stack[ra] {
                        if let NativeKind::Iter(kind, _) = nf.kind {
                            if !HOOKED && for_iter_fast(th, ra, kind, c as usize) {
                                continue;
                            }
                        }
                    }
                    ensure_len(th, ra + 7);
                    // The iterator and its state are copied whole; the control value, which
                    // `TForLoop` has just written, field by field.
                    th.stack[ra + 4] = th.stack[ra];
                    th.stack[ra + 5] = th.stack[ra + 1];
                    copy_slot(&mut th.stack, ra + 6, ra + 2);
                    let (meta_depth, from_lua) = match th.frames.last_mut() {
                        Some(Frame::Lua(f)) => {
                            f.pc = pc;
                            (f.meta_depth, true)
                        }
                        _ => (0, false),
                    };
                    let ret = Ret {
                        func_slot: ra + 4,
                        nresults: c as i32,
                        kind: RetKind::Normal,
                    };
                    // A Lua iterator is entered inline, as `Call` enters a Lua callee.
                    if let Value::Function(callee) = th.stack[ra + 4] {
                        let pushed = if HOOKED {
                            None
                        } else {
                            let shape = (false, from_lua && c <= 1, meta_depth);
                            push_lua_frame(th, callee, ra + 4, 2, ret, shape)
                        };
                        if let Some((callee_proto, new_base)) = pushed {
                            enter_callee!(callee, callee_proto, new_base);
                        }
                    }
                    let depth = th.frames.len();
                    match setup_call(mc, state, thread, th, ra + 4, 2, ret, false) {
                        Ok(Some(ev)) => return Ok(ev),
                        Err(e) => return Err(e),
                        Ok(None) => {
                            if th.frames.len() != depth {
                                continue 'frames;
                            }
                            ensure_len(th, frame_end!());
                            sync_regs!();
                        }
                    }
                }
                Instr::TForLoop { a, back } => {
                    let ra = base + a as usize;
                    // The first loop value was just written, tag and payload apart: copy it
                    // field by field (see `Value::set_from`).
                    if !th.stack[ra + 4].is_nil() {
                        copy_slot(&mut th.stack, ra + 2, ra + 4);
                        pc -= back as usize;
                    }
                    fuel_check!();
                }
                Instr::SetList { a, n } => {
                    // Validated: an `ExtraArg` follows every `SetList` (see `LoadKX`).
                    let start = match unsafe { fetch(code, pc) } {
                        Instr::ExtraArg { hi, lo } => Instr::extra_arg_value(hi, lo) as i64,
                        _ => rt_err!("internal error: SetList without ExtraArg"),
                    };
                    pc += 1;
                    let ra = base + a as usize;
                    let count = if n != 0 {
                        n as usize
                    } else {
                        open_count(th, ra + 1)
                    };
                    if let Value::Table(t) = th.stack[ra] {
                        let mut data = t.gc().borrow_mut(mc);
                        let before = data.slot_capacity();
                        let res = data.set_list(start, &th.stack[ra + 1..ra + 1 + count]);
                        let after = data.slot_capacity();
                        data.grew(mc, before, after);
                        drop(data);
                        if let Err(e) = res {
                            save_pc!();
                            return Err(core_error(mc, e.message()));
                        }
                    }
                    if n == 0 {
                        ensure_len(th, frame_end!());
                        sync_regs!();
                    }
                }
                Instr::Closure { a, proto: idx } => {
                    let (proto, cell_base) = {
                        let f = frame!();
                        (Gc::as_ref(f.proto), f.cell_base)
                    };
                    match make_closure(mc, th, proto, closure, cell_base, idx) {
                        Ok(f) => w!(a) = f,
                        Err(e) => {
                            save_pc!();
                            return Err(e);
                        }
                    }
                }
                Instr::Vararg { a, c } => {
                    let ra = base + a as usize;
                    let nvarargs = frame!().nvarargs;
                    let want = if c == 0 { nvarargs } else { c as usize - 1 };
                    ensure_len(th, ra + want);
                    let have = want.min(nvarargs);
                    let from = base - nvarargs;
                    for i in 0..have {
                        // SAFETY: `ra + want` is inside the stack (ensured above), and the
                        // extra arguments `from..base` are below the register window.
                        unsafe { copy_slot_unchecked(&mut th.stack, ra + i, from + i) };
                    }
                    for v in &mut th.stack[ra + have..ra + want] {
                        *v = Value::Nil;
                    }
                    if c == 0 {
                        th.top = ra + want;
                        ensure_len(th, frame_end!());
                    }
                    sync_regs!();
                }
                Instr::ExtraArg { .. } => rt_err!("internal error: stray ExtraArg"),
            }
        }
    }
}

// Unchecked access for the dispatch loop. Three invariants make it sound:
//
// - **Code:** every prototype the loop runs passed `compiler::validate` (binary chunks are
//   validated by `undump`; the compiler's tests validate everything they compile): all
//   register operands are below `max_registers`, all constant operands name existing
//   constants, every jump and skip lands inside the code, and the code ends with a return,
//   so `pc < code.len()` at each fetch (`validation_rejects_operands_the_executor_reads_
//   unchecked` keeps validation honest).
// - **Register window:** while the loop runs an instruction of a frame,
//   `th.stack.len() >= base + max_registers`. Entering a frame's instructions sets it up:
//   `load_frame!` extends the stack to the window and the inline call path
//   (`push_lua_frame`) does the same for the callee. Inline handlers never shrink the stack,
//   and out-of-line code after which the same frame continues in the loop (`Flow::Next`,
//   `Concat`, `Close`) is followed by `restore_window`. Everything else that changes frames
//   re-enters through `load_frame!`.
// - **Register pointer:** while the loop runs an instruction of a frame, its local `regs`
//   equals `th.stack.as_mut_ptr() + base`: `r!`/`w!` read and write through it without
//   reloading the vector. Every place that sets `base` or may reallocate the stack
//   refreshes it with `sync_regs!`: `load_frame!`, the inline call paths (after
//   `push_lua_frame`), and after every out-of-line call that takes `th` mutably and after
//   which the frame continues inline (`step!` after `restore_window`, `Concat`, `Close`,
//   `ForPrep`, `TForCall`, `SetList`, `Vararg`, the hooked loop's `trace_step`). A new
//   arm that calls out (a native, a metamethod, `ensure_len`, anything growing
//   `th.stack`) and continues the frame inline must call `sync_regs!` before its next
//   `r!`/`w!`; going through `step!` does it. References returned by `r!`/`w!` must not
//   be held across such a call.
//
// Debug builds (all the test suites) check all three with `debug_assert!`; for the third,
// `check_regs` compares `regs` with the vector's current pointer on every register access,
// and `ensure_len` moves the stack to a fresh allocation whenever it outgrows its capacity,
// so a missing refresh fails the first test that grows the stack inside that arm.

/// The instruction at `pc`.
///
/// # Safety
/// `pc < code.len()` (the code invariant above).
#[inline(always)]
unsafe fn fetch(code: &[Instr], pc: usize) -> Instr {
    debug_assert!(pc < code.len(), "pc {pc} outside the code");
    *code.get_unchecked(pc)
}

/// Constant `k` of the running function.
///
/// # Safety
/// `k < consts.len()` (the code invariant above: validated code names only existing
/// constants).
#[inline(always)]
unsafe fn konst<'a, 'gc>(consts: &'a [Value<'gc>], k: usize) -> &'a Value<'gc> {
    debug_assert!(k < consts.len(), "constant {k} out of range");
    consts.get_unchecked(k)
}

/// Register `i` of the running frame for reading: `regs` is the loop's register pointer,
/// `stack` and `base` are only for the debug check ([`check_regs`]).
///
/// # Safety
/// The register window and register pointer invariants above, and `i < max_registers`.
#[inline(always)]
unsafe fn reg<'a, 'gc>(
    regs: *mut Value<'gc>,
    i: usize,
    stack: &[Value<'gc>],
    base: usize,
) -> &'a Value<'gc> {
    check_regs(regs, i, stack, base);
    &*regs.add(i)
}

/// Register `i` of the running frame for writing.
///
/// # Safety
/// As [`reg`].
#[inline(always)]
unsafe fn reg_mut<'a, 'gc>(
    regs: *mut Value<'gc>,
    i: usize,
    stack: &[Value<'gc>],
    base: usize,
) -> &'a mut Value<'gc> {
    check_regs(regs, i, stack, base);
    &mut *regs.add(i)
}

/// Debug builds: the register pointer is the stack's current `base` slot (not left stale
/// by a reallocation or a frame change) and register `i` is inside the stack. Nothing in
/// release builds.
#[inline(always)]
fn check_regs<'gc>(regs: *mut Value<'gc>, i: usize, stack: &[Value<'gc>], base: usize) {
    debug_assert!(
        std::ptr::eq(regs, stack.as_ptr().wrapping_add(base)),
        "stale register pointer (stack moved or frame changed without sync_regs!)"
    );
    debug_assert!(base + i < stack.len(), "register {i} outside the stack");
}

/// Upvalue cell `up` of the running closure, read without the `RefLock`'s borrow count.
#[inline(always)]
fn upvalue_cell<'gc>(closure: crate::function::Closure<'gc>, up: u8) -> UpvalueCell<'gc> {
    // SAFETY: the list is only written through momentary `borrow_mut`s (a reload's
    // `function::set_upvalues`, `debug.upvaluejoin`), and the dispatch loop holds no
    // borrow of it, so none is active while this copies one cell pointer out.
    let list: &[UpvalueCell<'gc>] = unsafe { &*closure.upvalues.as_ptr() };
    list[up as usize]
}

/// The value in a cell, by reference (see `Instr::GetUpval`).
#[inline(always)]
fn cell_value<'a, 'gc>(cell: &'a UpvalueCell<'gc>) -> &'a Value<'gc> {
    // SAFETY: cells are written only through `Lock::set` (a plain store from the single
    // mutator thread); the reference is used for one copy before anything can write.
    unsafe { &*cell.as_ptr() }
}

/// Re-establishes the register window of the frame on top after out-of-line code that may
/// have run nested calls (which can leave the stack shorter) and after which the same frame
/// continues in the dispatch loop.
/// Out of line: the dispatch loop calls it after slow paths only.
#[cold]
#[inline(never)]
fn restore_window(th: &mut ThreadState<'_>) {
    ensure_frame_window(th);
}

/// The stack reaches the end of the register window of the Lua frame on top, if any.
#[inline]
fn ensure_frame_window(th: &mut ThreadState<'_>) {
    if let Some(Frame::Lua(f)) = th.frames.last() {
        let end = lua_frame_end(f);
        ensure_len(th, end);
    }
}

/// How many values lie from `from` up to the stack top that the previous instruction (a
/// call or `...` with open results) left. Clamped, so bytecode from a crafted binary chunk
/// that breaks that pairing computes wrong values instead of indexing out of the stack.
#[inline(always)]
fn open_count(th: &ThreadState<'_>, from: usize) -> usize {
    th.top.min(th.stack.len()).saturating_sub(from)
}

/// Make the stack reach `end`, the top of a frame about to be pushed; `None` (nothing done)
/// past `MAX_STACK`. The limit is tested only when the stack must grow: one comparison per
/// call. (A stack longer than `MAX_STACK`, left by a message handler's extra room, lets
/// calls run up to its length before `setup_call` reports the overflow.)
#[inline(always)]
fn grow_for_frame(th: &mut ThreadState<'_>, end: usize) -> Option<()> {
    if th.stack.len() < end {
        if end > MAX_STACK {
            return None;
        }
        th.stack.resize(end, Value::Nil);
    }
    Some(())
}

/// Push a frame for a call of a Lua function whose arguments are already in place after
/// `func_slot` (its results go as `ret` says). `shape`: the frame's `is_tail`,
/// `simple_return` and `meta_depth`. Returns the callee's prototype and the frame's base,
/// or `None` (nothing done) when the general `setup_call` must handle it (the stack would
/// overflow).
#[inline(always)]
fn push_lua_frame<'gc>(
    th: &mut ThreadState<'gc>,
    callee: crate::function::Closure<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
    shape: (bool, bool, u32),
) -> Option<(&'gc Proto<'gc>, usize)> {
    let proto_gc = callee.proto.get();
    let proto = Gc::as_ref(proto_gc);
    if proto.is_vararg {
        return push_vararg_lua_frame(th, callee, func_slot, nargs, ret, shape);
    }
    let new_base = func_slot + 1;
    grow_for_frame(th, new_base + proto.max_registers as usize)?;
    let np = proto.num_params as usize;
    if nargs < np {
        for v in &mut th.stack[new_base + nargs..new_base + np] {
            *v = Value::Nil;
        }
    }
    let (is_tail, simple, meta_depth) = shape;
    push_frame(
        th, callee, proto_gc, new_base, 0, ret, is_tail, simple, meta_depth,
    );
    Some((proto, new_base))
}

/// `push_lua_frame` of a vararg function, laid out as `setup_call` lays it out: the
/// arguments past the fixed parameters stay where they are (the frame's varargs), and the
/// fixed parameters move above them, where the frame's registers start. Out of line, so
/// that the common case in the dispatch loop stays small.
#[inline(never)]
fn push_vararg_lua_frame<'gc>(
    th: &mut ThreadState<'gc>,
    callee: crate::function::Closure<'gc>,
    func_slot: usize,
    nargs: usize,
    ret: Ret,
    shape: (bool, bool, u32),
) -> Option<(&'gc Proto<'gc>, usize)> {
    let proto_gc = callee.proto.get();
    let proto = Gc::as_ref(proto_gc);
    let np = proto.num_params as usize;
    let (base, nvarargs) = if nargs > np {
        (func_slot + 1 + nargs, nargs - np)
    } else {
        (func_slot + 1, 0)
    };
    grow_for_frame(th, base + proto.max_registers as usize)?;
    if nvarargs > 0 {
        // The fixed parameters move above the extra arguments: a few values, copied one
        // by one (a `memmove` call cost more than the copy).
        for i in 0..np {
            copy_slot(&mut th.stack, base + i, func_slot + 1 + i);
        }
    } else {
        for v in &mut th.stack[base + nargs..base + np] {
            *v = Value::Nil;
        }
    }
    let (is_tail, simple, meta_depth) = shape;
    push_frame(
        th, callee, proto_gc, base, nvarargs, ret, is_tail, simple, meta_depth,
    );
    Some((proto, base))
}

/// The metamethod depth of the innermost Lua frame (0 if none): what an ordinary call
/// made from here inherits. Inline, as the copies it replaced were.
#[inline(always)]
fn parent_meta_depth(th: &ThreadState<'_>) -> u32 {
    th.frames
        .iter()
        .rev()
        .find_map(|f| match f {
            Frame::Lua(l) => Some(l.meta_depth),
            _ => None,
        })
        .unwrap_or(0)
}

/// Push the frame of a Lua call whose register window is in place from `base`: its cells
/// after the caller's, and the frame itself (the one place a `LuaFrame` is made).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn push_frame<'gc>(
    th: &mut ThreadState<'gc>,
    closure: crate::function::Closure<'gc>,
    proto: Gc<'gc, Proto<'gc>>,
    base: usize,
    nvarargs: usize,
    ret: Ret,
    is_tail: bool,
    simple_return: bool,
    meta_depth: u32,
) {
    let cell_base = th.cells.len();
    if proto.num_cells > 0 {
        th.cells.resize(cell_base + proto.num_cells as usize, None);
    }
    th.frames.push(Frame::Lua(LuaFrame {
        closure,
        proto,
        base,
        pc: 0,
        cell_base,
        nvarargs,
        ret,
        is_tail,
        simple_return,
        meta_depth,
    }));
}

/// One step of a generic `for` over a plain table with `ipairs`'s iterator or `next`, done
/// inline: the `nvars` loop values go to `ra + 4..`. `false` (nothing written) when the
/// native call must run instead: another kind of state, a nil element that `__index` could
/// supply, or an invalid key for `next` to report.
#[inline(always)]
fn for_iter_fast<'gc>(th: &mut ThreadState<'gc>, ra: usize, kind: FastIter, nvars: usize) -> bool {
    if nvars == 0 {
        return false;
    }
    let Value::Table(t) = th.stack[ra + 1] else {
        return false;
    };
    let (key, value) = match kind {
        FastIter::Ipairs => {
            let Value::Integer(i) = th.stack[ra + 2] else {
                return false;
            };
            let i = i.wrapping_add(1);
            let mut v = Value::Nil;
            if !t.get_int_into(i, &mut v) {
                return false;
            }
            if v.is_nil() {
                (Value::Nil, v)
            } else {
                (Value::Integer(i), v)
            }
        }
        FastIter::Next => match t.next(th.stack[ra + 2]) {
            Ok(Some(pair)) => pair,
            Ok(None) => (Value::Nil, Value::Nil),
            Err(()) => return false,
        },
    };
    th.stack[ra + 4] = key;
    if nvars >= 2 {
        th.stack[ra + 5].set_from(&value);
        for v in &mut th.stack[ra + 6..ra + 4 + nvars] {
            *v = Value::Nil;
        }
    }
    true
}

/// The common `return` / `return x` from a Lua frame into a Lua caller that wants zero or
/// one result, or all of them (`f(g(x))`, where they become arguments): done inline;
/// `false` when `do_return` must handle it.
#[inline(always)]
fn return_one_fast(th: &mut ThreadState<'_>, base: usize, value_slot: Option<usize>) -> bool {
    // One flag, set at the push, says the frame below is Lua and the results are wanted as
    // this path places them (see `LuaFrame::simple_return`).
    let (dest, cell_base, nresults) = match th.frames.last() {
        Some(Frame::Lua(f)) if f.simple_return => (f.ret.func_slot, f.cell_base, f.ret.nresults),
        _ => return false,
    };
    if th.tbc.last().is_some_and(|&i| i >= base) {
        return false;
    }
    if nresults != 0 {
        match value_slot {
            // SAFETY: `dest` (the callee's slot) is below `base`, and `slot` is a register
            // of the returning frame, inside the stack (the register window invariant).
            Some(slot) => unsafe { copy_slot_unchecked(&mut th.stack, dest, slot) },
            None => th.stack[dest] = Value::Nil,
        }
        if nresults < 0 {
            // `dest` is inside the caller's register window, which the caller's frame
            // entry (`load_frame!`) re-establishes.
            th.top = dest + usize::from(value_slot.is_some());
        }
    }
    th.cells.truncate(cell_base);
    th.frames.pop();
    true
}

/// A return of `n` values at `start..` from the Lua frame on top (its registers from `base`)
/// into a Lua caller, by an ordinary call (`RetKind::Normal`): the values move down to the
/// callee's slot, cut or padded with nil to the count the caller wants. `false` (nothing
/// done) when the general path must handle it: another kind of caller, pending
/// to-be-closed variables, a padding that reaches past the stack.
#[inline(always)]
fn return_many_fast(th: &mut ThreadState<'_>, base: usize, start: usize, n: usize) -> bool {
    let depth = th.frames.len();
    if depth < 2 || th.tbc.last().is_some_and(|&i| i >= base) {
        return false;
    }
    let (dest, cell_base, nresults) = match &th.frames[depth - 1] {
        Frame::Lua(f) if f.ret.kind == RetKind::Normal => {
            (f.ret.func_slot, f.cell_base, f.ret.nresults)
        }
        _ => return false,
    };
    let len = th.stack.len();
    // `dest` is the callee's slot, below `base <= start`.
    if !matches!(th.frames[depth - 2], Frame::Lua(_)) || start + n > len || dest >= start {
        return false;
    }
    if nresults < 0 {
        // Value by value: a few values, often just computed (see `Value::set_from`);
        // `copy_within` went through `memmove`.
        for i in 0..n {
            // SAFETY: `dest + i < start + i < start + n <= len`, checked above.
            unsafe { copy_slot_unchecked(&mut th.stack, dest + i, start + i) };
        }
        th.top = dest + n;
    } else {
        let want = nresults as usize;
        if dest + want > len {
            return false;
        }
        let kept = want.min(n);
        for i in 0..kept {
            // SAFETY: as above.
            unsafe { copy_slot_unchecked(&mut th.stack, dest + i, start + i) };
        }
        for v in &mut th.stack[dest + kept..dest + want] {
            *v = Value::Nil;
        }
    }
    th.cells.truncate(cell_base);
    th.frames.truncate(depth - 1);
    true
}

/// `return_many_fast` for the dispatch loop's `Return` arm (`return a, b`, `return f(x)`),
/// which then enters the caller's frame as `Return1` does; `false` (nothing done) sends
/// the return to `do_return`. Out of line, for the reason `do_return_general` gives.
#[inline(never)]
fn return_many_to_lua(th: &mut ThreadState<'_>, start: usize, n: usize) -> bool {
    match th.frames.last() {
        Some(Frame::Lua(f)) => {
            let base = f.base;
            return_many_fast(th, base, start, n)
        }
        _ => false,
    }
}

/// `return x` from a Lua function a native called (`call_nested`: `table.sort`'s comparator,
/// a `gsub` callback, a metamethod) straight to its boundary frame, the first thing
/// `do_return` tries: the value goes to the call's function slot, where the native reads
/// it, and the dispatch loop ends with `Event::BoundaryReturn`, as `deliver` would have
/// ended it, without the general pop, copy and `deliver`. `false` (nothing done) for
/// anything else (a Lua caller, another kind of frame below, pending to-be-closed
/// variables). Not in the dispatch loop's `Return1` arm: any code there cost the loops
/// that never reach it 5-9% (loops, table_array), as measured.
#[inline(always)]
fn return_one_to_boundary(th: &mut ThreadState<'_>, base: usize, slot: usize) -> bool {
    let depth = th.frames.len();
    if depth < 2 || th.tbc.last().is_some_and(|&i| i >= base) {
        return false;
    }
    let (dest, cell_base) = match &th.frames[depth - 1] {
        Frame::Lua(f) if f.ret.kind == RetKind::Normal => (f.ret.func_slot, f.cell_base),
        _ => return false,
    };
    if !matches!(th.frames[depth - 2], Frame::Boundary) {
        return false;
    }
    // Field by field, booleans included (a comparator's result, just written by
    // `LoadTrue`/`LoadFalseSkip`): see `Value::set_from`.
    match th.stack[slot] {
        Value::Boolean(b) => th.stack[dest] = Value::Boolean(b),
        _ => copy_slot(&mut th.stack, dest, slot),
    }
    th.top = dest + 1;
    th.cells.truncate(cell_base);
    th.frames.truncate(depth - 1);
    true
}

/// Return `n` values at `stack[start..]` from the top Lua frame. A small function of its
/// own: one value returned to a native's boundary (a sort comparator's answer) leaves
/// without `do_return_general`'s prologue, which saves and restores a dozen registers.
#[inline(never)]
fn do_return<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    start: usize,
    n: usize,
) -> LResult<'gc, Option<Event>> {
    if n == 1 {
        if let Some(Frame::Lua(f)) = th.frames.last() {
            if return_one_to_boundary(th, f.base, start) {
                return Ok(Some(Event::BoundaryReturn));
            }
        }
    }
    do_return_general(mc, state, thread, th, start, n)
}

/// Every return but a one-value return to a native's boundary. A return into a Lua caller
/// (most of them: `return a, b`, or `return x` to a caller wanting two or more) is placed by
/// `return_many_fast` in this small function; the rest goes to `do_return_slow`. Not in
/// the dispatch loop's `Return` arm: there the code made LLVM keep the loop's code pointer
/// on the stack, which cost every instruction (mandelbrot, loops 1.2x slower).
#[inline(never)]
fn do_return_general<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    start: usize,
    n: usize,
) -> LResult<'gc, Option<Event>> {
    if let Some(Frame::Lua(f)) = th.frames.last() {
        let base = f.base;
        if return_many_fast(th, base, start, n)
            || return_to_metamethod_site(th, base, start, n)
            || return_through_pcall(th, base, start, n)
        {
            return Ok(None);
        }
    }
    do_return_slow(mc, state, thread, th, start, n)
}

/// The return of a function `pcall` called (without an error) to the Lua code that called
/// `pcall`: `true` and the results are placed as `do_return_slow` and `deliver` place them
/// (the Lua frame and the `Protected` frame popped), without their general cases. `false`
/// (nothing done) for any other return: to-be-closed variables pending, a hook set (it
/// reports pcall's return), a `Protected` frame closing variables after an error, or a
/// caller that is not Lua code.
#[inline(always)]
fn return_through_pcall(th: &mut ThreadState<'_>, base: usize, start: usize, n: usize) -> bool {
    let depth = th.frames.len();
    if depth < 3 || th.hook.is_some() || th.tbc.last().is_some_and(|&i| i >= base) {
        return false;
    }
    let (dest, cell_base) = match &th.frames[depth - 1] {
        Frame::Lua(f) if f.ret.kind == RetKind::Normal && f.ret.nresults < 0 => {
            (f.ret.func_slot, f.cell_base)
        }
        _ => return false,
    };
    let outer = match &th.frames[depth - 2] {
        Frame::Protected {
            ret, closing: None, ..
        } if ret.kind == RetKind::Normal && ret.func_slot + 1 == dest => *ret,
        _ => return false,
    };
    if !matches!(th.frames[depth - 3], Frame::Lua(_)) {
        return false;
    }
    // The status, then the results, from pcall's slot on (`dest < start`: the callee's
    // slot is below its registers).
    if dest >= start || start + n > th.stack.len() {
        return false;
    }
    let slot = outer.func_slot;
    th.stack[slot] = Value::Boolean(true);
    for i in 0..n {
        copy_slot(&mut th.stack, dest + i, start + i);
    }
    th.cells.truncate(cell_base);
    th.frames.truncate(depth - 2);
    place_for_lua_caller(th, slot, n + 1, outer.nresults);
    true
}

/// The return of a metamethod that Lua code's instruction called (`__add`, `__index`,
/// `__eq`, `__lt`, `__newindex`, ...: `RetKind::Register`, `CondJump` or `Discard`) into
/// that Lua frame, placed by [`place_meta_result`] as `deliver` places it, without
/// `do_return_slow`'s and `deliver`'s general cases. `false` (nothing done) for any other
/// return, or with to-be-closed variables pending.
#[inline(always)]
fn return_to_metamethod_site(
    th: &mut ThreadState<'_>,
    base: usize,
    start: usize,
    n: usize,
) -> bool {
    let depth = th.frames.len();
    if depth < 2 || th.tbc.last().is_some_and(|&i| i >= base) {
        return false;
    }
    let (kind, cell_base) = match &th.frames[depth - 1] {
        Frame::Lua(f)
            if matches!(
                f.ret.kind,
                RetKind::Register(_) | RetKind::CondJump { .. } | RetKind::Discard
            ) =>
        {
            (f.ret.kind, f.cell_base)
        }
        _ => return false,
    };
    if !matches!(th.frames[depth - 2], Frame::Lua(_)) {
        return false;
    }
    let first = if n > 0 { th.stack[start] } else { Value::Nil };
    th.cells.truncate(cell_base);
    th.frames.truncate(depth - 1);
    let Some(Frame::Lua(caller)) = th.frames.last_mut() else {
        unreachable!("checked above")
    };
    let caller_end = lua_frame_end(caller);
    place_meta_result(&mut th.stack, caller, kind, first);
    ensure_len(th, caller_end.max(th.top));
    true
}

/// A metamethod's first result handed to the instruction of the Lua frame `caller` that
/// called it: stored in its register (`Register`), deciding its conditional jump
/// (`CondJump`: the next instruction is skipped unless the result's truth, negated if
/// `negate`, is `k`), or dropped (`Discard`).
#[inline(always)]
fn place_meta_result<'gc>(
    stack: &mut [Value<'gc>],
    caller: &mut LuaFrame<'gc>,
    kind: RetKind,
    first: Value<'gc>,
) {
    match kind {
        RetKind::Register(dest) => stack[dest as usize] = first,
        RetKind::CondJump { k, negate } => {
            if (first.is_truthy() != negate) != k {
                caller.pc += 1;
            }
        }
        RetKind::Discard => {}
        other => unreachable!("not a metamethod's result: {other:?}"),
    }
}

#[inline(never)]
fn do_return_slow<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    start: usize,
    n: usize,
) -> LResult<'gc, Option<Event>> {
    let base = match th.frames.last() {
        Some(Frame::Lua(f)) => f.base,
        _ => {
            return Err(LuaError::from_str(
                mc,
                "internal error: return without a Lua frame",
            ))
        }
    };
    if th.tbc.last().is_some_and(|&i| i >= base) {
        // The compiler closes to-be-closed variables before returning; this is a safety net.
        let values = th.stack[start..start + n].to_vec();
        let err = close_on_error(mc, state, thread, th, base, LuaError::new(Value::Nil));
        if !err.value.is_nil() {
            return Err(err);
        }
        th.stack[start..start + n].copy_from_slice(&values);
        // `do_return` tried this before the variables were closed, and was refused.
        if n == 1 && return_one_to_boundary(th, base, start) {
            return Ok(Some(Event::BoundaryReturn));
        }
    }
    let Some(Frame::Lua(f)) = th.frames.pop() else {
        unreachable!()
    };
    th.cells.truncate(f.cell_base);
    let ret = f.ret;
    let dest = ret.func_slot;
    // Fast path: an ordinary return to a Lua caller (the overwhelmingly common case).
    if ret.kind == RetKind::Normal && matches!(th.frames.last(), Some(Frame::Lua(_))) {
        let kept = if ret.nresults < 0 {
            n
        } else {
            n.min(ret.nresults as usize)
        };
        // Value by value (`dest < start`): a few values, often just computed (see
        // `Value::set_from`); `copy_within` went through `memmove`.
        for i in 0..kept {
            copy_slot(&mut th.stack, dest + i, start + i);
        }
        place_for_lua_caller(th, dest, kept, ret.nresults);
        return Ok(None);
    }
    // Mostly one value (a nested call's comparator or metamethod): no `memmove` call.
    if n == 1 {
        copy_slot(&mut th.stack, dest, start);
    } else {
        th.stack.copy_within(start..start + n, dest);
    }
    deliver(mc, state, thread, th, ret, n)
}

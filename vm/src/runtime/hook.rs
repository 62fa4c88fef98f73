//! Debug hooks (`debug.sethook`): when they fire and how they are called.
//!
//! A thread with a hook runs the hooked instantiation of the dispatch loop
//! (`exec::dispatch_loop::<_, true>`), which asks `trace_step` before every instruction; the
//! ordinary loop has no hook checks at all. Call and return events come from the call paths
//! (`setup_call`, `call_native`, the return instructions of the hooked loop).
//!
//! A hook runs as a nested call behind a `Frame::Hook` boundary, so it cannot yield (as a
//! Lua hook cannot in lua5.4) and stack levels see it as lua5.4 shows it: the hook function,
//! then (for events of native functions) the native, then the hooked code. No hook is called
//! while one runs on the same thread (`ThreadState::in_hook`).

use gc_arena::{Gc, Mutation};

use crate::bytecode::{FunctionProto, Instr};
use crate::runtime::error::LuaError;
use crate::runtime::state::State;
use crate::thread::{
    Frame, Thread, ThreadState, Transfer, HOOK_CALL, HOOK_COUNT, HOOK_LINE, HOOK_RETURN,
};
use crate::value::Value;

type LResult<'gc, T> = Result<T, LuaError<'gc>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum HookEvent {
    Call,
    TailCall,
    Return,
    Line,
    Count,
}

impl HookEvent {
    fn name(self) -> &'static str {
        match self {
            HookEvent::Call => "call",
            HookEvent::TailCall => "tail call",
            HookEvent::Return => "return",
            HookEvent::Line => "line",
            HookEvent::Count => "count",
        }
    }

    fn bit(self) -> u8 {
        match self {
            HookEvent::Call | HookEvent::TailCall => HOOK_CALL,
            HookEvent::Return => HOOK_RETURN,
            HookEvent::Line => HOOK_LINE,
            HookEvent::Count => HOOK_COUNT,
        }
    }
}

/// Does `th` want `event` reported now (a hook with that event, and none running)?
#[inline]
pub(crate) fn wants(th: &ThreadState<'_>, event: HookEvent) -> bool {
    match &th.hook {
        Some(h) => !th.in_hook && h.mask & event.bit() != 0,
        None => false,
    }
}

/// Call the hook of `th` for `event` (`line` for line events). `native` is the native
/// function the event is about (nil for Lua functions and line/count events); `transfer`
/// the values a call or return event hands over.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn call_hook<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    event: HookEvent,
    line: Option<i64>,
    native: Value<'gc>,
    transfer: Transfer,
) -> LResult<'gc, ()> {
    if !wants(th, event) {
        return Ok(());
    }
    let Some(f) = th.hook.as_ref().map(|h| h.func) else {
        return Ok(());
    };
    let args = [
        Value::String(state.intern(mc, event.name().as_bytes())),
        line.map_or(Value::Nil, Value::Integer),
    ];
    th.in_hook = true;
    let result = crate::runtime::exec::call_nested_behind(
        mc,
        state,
        thread,
        th,
        f,
        &args,
        Frame::Hook { native, transfer },
    );
    th.in_hook = false;
    result.map(|_| ())
}

/// The "return" event of a native that returns by way of a frame or a thread switch
/// (`pcall`, `xpcall`, `coroutine.resume`, a wrapped coroutine, `coroutine.yield`, `pairs`
/// through `__pairs`, `dofile`) rather than from `run_native`: its `n` results are already
/// at `at..`, where the native was. lua5.4 reports these in `luaD_poscall` like any other.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn native_returned<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    native: Value<'gc>,
    at: usize,
    n: usize,
) -> LResult<'gc, ()> {
    if !wants(th, HookEvent::Return) {
        return Ok(());
    }
    if th.stack.len() < at + n {
        th.stack.resize(at + n, Value::Nil);
    }
    // The results were moved over the native's slot; as the native's locals they start at
    // local 1 (`ftransfer` 1), as in a C function whose results follow its arguments.
    let results = Transfer {
        call: false,
        func_slot: at.saturating_sub(1),
        first: at,
        count: n,
        end: at + n,
    };
    call_hook(
        mc,
        state,
        thread,
        th,
        HookEvent::Return,
        None,
        native,
        results,
    )
}

/// How many instructions at the start of `p` move captured parameters into cells. lua5.4
/// has no such instructions, so they produce no line events (and `activelines` skips them).
pub(crate) fn prologue_len(p: &FunctionProto) -> usize {
    p.code
        .iter()
        .take_while(|ins| matches!(ins, Instr::NewCell { a, .. } if *a < p.num_params))
        .count()
}

/// The one decision "does the instruction at `pc` of `p` start a new line" (a line hook
/// fires there; breakpoints are meant to stop there too), as lua5.4's `luaG_traceexec`
/// decides it: the first instruction of the function, a jump back (`pc <= old_pc`, loops
/// staying on one line included) or a line different from the last instruction traced in
/// this activation (`old_pc`). Returns that line (-1 in code without line information,
/// where only entries and jumps back are events, as in lua5.4).
pub(crate) fn new_line_at(p: &FunctionProto, pc: usize, old_pc: usize) -> Option<i64> {
    let start = if pc <= p.num_params as usize {
        prologue_len(p)
    } else {
        0
    };
    if pc < start {
        return None;
    }
    let Some(line) = p.lines.get(pc) else {
        let stripped = p.lines.is_empty() && pc < p.code.len();
        return (stripped && (pc == start || pc <= old_pc)).then_some(-1);
    };
    let changed = pc == start || pc <= old_pc || p.lines.get(old_pc) != Some(line);
    changed.then_some(i64::from(line))
}

/// Before the instruction at `pc` of the running Lua frame, in the hooked loop: report the
/// count and line events it produces.
#[cold]
#[inline(never)]
pub(crate) fn trace_step<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: Thread<'gc>,
    th: &mut ThreadState<'gc>,
    pc: usize,
) -> LResult<'gc, ()> {
    if th.in_hook {
        // As in lua5.4, the hook's own instructions use up the count (its count events are
        // lost), so the next count event comes sooner after a long hook.
        if let Some(h) = th.hook.as_mut() {
            if h.mask & HOOK_COUNT != 0 {
                h.count_left = h.count_left.saturating_sub(1);
                if h.count_left == 0 {
                    h.count_left = h.count;
                }
            }
        }
        return Ok(());
    }
    let depth = th.frames.len();
    let Some(Frame::Lua(f)) = th.frames.last_mut() else {
        return Ok(());
    };
    let Some(h) = th.hook.as_mut() else {
        return Ok(());
    };
    if h.mask & (HOOK_LINE | HOOK_COUNT) == 0 {
        return Ok(());
    }
    let frame = (depth, f.base);
    let proto = Gc::as_ref(f.proto);
    // Another activation ran since the last traced instruction: this one was just entered
    // (pc 0) or returned to (the previous instruction made the call), as lua5.4 resets
    // `oldpc` on calls and returns.
    if h.old_frame != frame {
        h.old_frame = frame;
        h.old_pc = pc.saturating_sub(1);
    }
    let mut count = false;
    if h.mask & HOOK_COUNT != 0 {
        h.count_left = h.count_left.saturating_sub(1);
        if h.count_left == 0 {
            h.count_left = h.count;
            count = true;
        }
    }
    let line = if h.mask & HOOK_LINE != 0 {
        // After a count hook lua5.4 has `oldpc` at this instruction, so the line hook fires.
        let old = if count { pc } else { h.old_pc };
        new_line_at(&proto.info, pc, old)
    } else {
        None
    };
    if h.mask & HOOK_LINE != 0 {
        h.old_pc = pc;
    }
    if !count && line.is_none() {
        return Ok(());
    }
    // Hooks see the frame as lua5.4 does while tracing: `pc` past the current instruction.
    f.pc = pc + 1;
    if count {
        let none = Transfer::default();
        call_hook(
            mc,
            state,
            thread,
            th,
            HookEvent::Count,
            None,
            Value::Nil,
            none,
        )?;
    }
    if let Some(line) = line {
        call_hook(
            mc,
            state,
            thread,
            th,
            HookEvent::Line,
            Some(line).filter(|&l| l >= 0),
            Value::Nil,
            Transfer::default(),
        )?;
    }
    Ok(())
}

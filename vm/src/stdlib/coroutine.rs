//! The `coroutine` library. Resume, yield and wrapped calls are executor builtins.

use gc_arena::Mutation;

use crate::function::{new_native, Builtin, NativeKind};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::exec::close_thread;
use crate::runtime::state::State;
use crate::thread::{CoStatus, Thread};
use crate::value::Value;

use super::{new_library, set_builtin, set_fn};

type R<'gc> = Result<usize, LuaError<'gc>>;

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let co = new_library(mc, state, "coroutine");
    // The switches first: a key added first keeps its home slot, where a constant field
    // name is found inline (`coroutine.yield` shares its home slot with `running`, and
    // after it, every `yield` in a loop took the probe past that slot).
    set_builtin(mc, state, co, "resume", Builtin::CoroutineResume);
    set_builtin(mc, state, co, "yield", Builtin::CoroutineYield);
    set_fn(mc, state, co, "create", create);
    set_fn(mc, state, co, "status", status);
    set_fn(mc, state, co, "running", running);
    set_fn(mc, state, co, "isyieldable", isyieldable);
    set_fn(mc, state, co, "wrap", wrap);
    set_fn(mc, state, co, "close", close);
}

fn new_thread<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<Thread<'gc>, LuaError<'gc>> {
    let f = ctx.arg(0);
    if !matches!(f, Value::Function(_) | Value::NativeFunction(_)) {
        return Err(ctx.type_error(0, "function"));
    }
    // gc-arena paces collection by objects allocated; a coroutine is one object of about
    // 300 bytes plus the stack, frame and cell buffers it grows when it runs (about 600
    // more for a small function), so it is charged as about the objects of 64 bytes it
    // weighs (as long strings and table parts are charged), and the collector keeps up
    // with programs that make many of them (lua5.4 counts a thread's stack too).
    ctx.mc.metrics().adjust_debt(THREAD_EXTRA_DEBT);
    Ok(Thread::with_start(ctx.mc, f))
}

/// Extra allocation debt of a new coroutine, in gc-arena objects (see `new_thread`).
const THREAD_EXTRA_DEBT: f64 = 8.0;

fn create<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = new_thread(ctx)?;
    ctx.ret1(Value::Thread(t))
}

fn wrap<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = new_thread(ctx)?;
    let f = new_native(
        ctx.mc,
        "wrap",
        NativeKind::Builtin(Builtin::CoroutineWrapCall),
        vec![Value::Thread(t)],
    );
    ctx.ret1(Value::NativeFunction(f))
}

fn check_thread<'gc>(ctx: &Ctx<'gc, '_>, i: usize) -> Result<Thread<'gc>, LuaError<'gc>> {
    match ctx.arg(i) {
        Value::Thread(t) => Ok(t),
        _ => Err(ctx.type_error(i, "thread")),
    }
}

fn status_of<'gc>(ctx: &Ctx<'gc, '_>, t: Thread<'gc>) -> CoStatus {
    if t.ptr_eq(ctx.thread) {
        CoStatus::Running
    } else if ctx.state.chain.borrow().iter().any(|c| c.ptr_eq(t)) {
        // Resumed another coroutine and waits for it (its state may be borrowed by the
        // executor, which `Thread::status` would read as running).
        CoStatus::Normal
    } else {
        t.status()
    }
}

fn status<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = check_thread(ctx, 0)?;
    // Interned: the script's own "dead"/"suspended" constants are found, nothing is allocated,
    // and comparing with them is a pointer test.
    let name = ctx
        .state
        .intern(ctx.mc, status_of(ctx, t).name().as_bytes());
    ctx.ret1(Value::String(name))
}

fn running<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let is_main = ctx.thread.ptr_eq(ctx.state.main_thread);
    ctx.push(Value::Thread(ctx.thread));
    ctx.push(Value::Boolean(is_main));
    Ok(2)
}

fn isyieldable<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = if ctx.nargs() > 0 {
        check_thread(ctx, 0)?
    } else {
        ctx.thread
    };
    let yieldable = if t.ptr_eq(ctx.thread) {
        !t.ptr_eq(ctx.state.main_thread) && ctx.th.boundaries == 0
    } else {
        !t.ptr_eq(ctx.state.main_thread)
    };
    ctx.ret1(Value::Boolean(yieldable))
}

/// `coroutine.close(co)`: run the pending `__close` handlers of a suspended coroutine and
/// kill it. `true`, or `false` plus the error that killed the coroutine (or that a handler
/// raised), as lua5.4's `lua_closethread`.
fn close<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = check_thread(ctx, 0)?;
    match status_of(ctx, t) {
        CoStatus::Suspended | CoStatus::Dead => match close_thread(ctx.mc, ctx.state, t) {
            None => ctx.ret1(Value::Boolean(true)),
            Some(err) => {
                ctx.push(Value::Boolean(false));
                ctx.push(err);
                Ok(2)
            }
        },
        s => Err(ctx.error(format!("cannot close a {} coroutine", s.name()))),
    }
}

#[cfg(test)]
mod tests {
    use crate::stdlib::test_support::run;

    #[test]
    fn close_runs_pending_closers_and_reports_their_error() {
        let out = run("local log = {}
             local function closer(name, fail)
               return setmetatable({}, {__close = function(_, e)
                 log[#log + 1] = name .. ':' .. tostring(e)
                 if fail then error(fail, 0) end
               end})
             end
             local co = coroutine.create(function()
               local a <close> = closer('a')
               local b <close> = closer('b', 'b failed')
               local c <close> = closer('c')
               coroutine.yield()
             end)
             coroutine.resume(co)
             local ok, err = coroutine.close(co)
             return ok, err, table.concat(log, ' '), coroutine.status(co)");
        assert_eq!(out, ["false", "b failed", "c:nil b:nil a:b failed", "dead"]);
    }

    #[test]
    fn close_reports_the_error_a_coroutine_died_with_once() {
        let out = run("local co = coroutine.create(function() error('e1', 0) end)
             coroutine.resume(co)
             local ok, err = coroutine.close(co)
             return ok, err, coroutine.close(co)");
        assert_eq!(out, ["false", "e1", "true"]);
    }

    #[test]
    fn a_dead_coroutine_keeps_its_closers_until_closed() {
        let out = run("local log = {}
             local co = coroutine.create(function()
               local x <close> = setmetatable({}, {__close = function(_, e)
                 log[#log + 1] = 'closed with ' .. tostring(e)
               end})
               error('died', 0)
             end)
             coroutine.resume(co)
             local before = #log
             local ok, err = coroutine.close(co)
             return before, ok, err, log[1]");
        assert_eq!(out, ["0", "false", "died", "closed with died"]);
    }

    #[test]
    fn a_wrapped_coroutine_closes_at_once_and_a_closer_error_wins() {
        let out = run("local w = coroutine.wrap(function()
               local x <close> = setmetatable({}, {__close = function() error('from close', 0) end})
               error('died', 0)
             end)
             return pcall(w)");
        assert_eq!(out, ["false", "from close"]);
    }

    #[test]
    fn endlessly_nested_resumes_stop_with_c_stack_overflow() {
        let out = run("local function f()
               local co = coroutine.create(f)
               return select(2, coroutine.resume(co))
             end
             return f()");
        assert_eq!(out, ["C stack overflow"]);
    }

    #[test]
    fn a_resumer_is_normal_and_cannot_be_closed() {
        let out = run("local main = coroutine.running()
             return coroutine.wrap(function()
               return coroutine.status(main), select(2, pcall(coroutine.close, main))
             end)()");
        assert_eq!(out, ["normal", "cannot close a normal coroutine"]);
    }

    // A switch hands values straight to the receiver's stack; these pin the receivers that
    // are not a plain call from a Lua frame (checked against lua5.4).
    #[test]
    fn switch_values_reach_pcall_frames_on_both_sides() {
        let out = run("local co = coroutine.create(function(a, b)
               local ok, x, y = pcall(coroutine.yield, a + b, 'y1')
               return ok, x, y
             end)
             local r1 = table.pack(pcall(coroutine.resume, co, 1, 2))
             local r2 = table.pack(coroutine.resume(co, 'r1', 'r2', 'r3'))
             return r1.n, r1[2], r1[3], r1[4], r2.n, r2[2], r2[3], r2[4]");
        assert_eq!(out, ["4", "true", "3", "y1", "4", "true", "r1", "r2"]);
    }

    #[test]
    fn fixed_result_counts_are_nil_filled_over_old_slots() {
        let out = run("local co = coroutine.wrap(function(...)
               local a, b, c, d = coroutine.yield(select('#', ...), ...)
               local e, f = coroutine.yield(a, b, c, d)
               return tostring(e) .. tostring(f)
             end)
             local n, x, y, z = co('a', 'b', 'c')
             local p, q, r, s = co(10)
             return n, x, y, z, p, q, r, s, co()");
        assert_eq!(
            out,
            ["3", "a", "b", "c", "10", "nil", "nil", "nil", "nilnil"]
        );
    }

    #[test]
    fn wrapped_coroutines_serve_as_metamethods() {
        let out = run("local idx = coroutine.wrap(function(t, k)
               while true do t, k = coroutine.yield('idx:' .. k) end
             end)
             local lt = coroutine.wrap(function(a, b)
               while true do a, b = coroutine.yield(a.v < b.v) end
             end)
             local cat = coroutine.wrap(function()
               while true do coroutine.yield('cat') end
             end)
             local mt = {__index = idx, __lt = lt, __concat = cat}
             local A = setmetatable({v = 1}, mt)
             local B = setmetatable({v = 2}, mt)
             local branch = 'no'
             if A < B then branch = 'yes' end
             return A.foo, A < B, B < A, A .. B .. 'x', branch");
        assert_eq!(out, ["idx:foo", "true", "false", "cat", "yes"]);
    }

    #[test]
    fn many_values_cross_a_switch_both_ways() {
        let out = run("local co = coroutine.create(function(...)
               local back = table.pack(coroutine.yield(...))
               return back.n, back[1], back[back.n]
             end)
             local args = {}
             for i = 1, 300 do args[i] = i end
             local r1 = table.pack(coroutine.resume(co, table.unpack(args)))
             local r2 = table.pack(coroutine.resume(co, table.unpack(args, 1, 250)))
             return r1.n, r1[2], r1[301], r2.n, r2[2], r2[3], r2[4]");
        assert_eq!(out, ["301", "1", "300", "4", "250", "1", "250"]);
    }

    #[test]
    fn a_native_function_can_start_a_coroutine() {
        let out = run("local co = coroutine.wrap(coroutine.yield)
             local a, b, c = co(1, 2, 3)
             local n = select('#', co(4))
             return a, b, c, n, coroutine.resume(coroutine.create(select), '#', 1, 2)");
        assert_eq!(out, ["1", "2", "3", "1", "true", "2"]);
    }
}

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
    set_fn(mc, state, co, "create", create);
    set_fn(mc, state, co, "status", status);
    set_fn(mc, state, co, "running", running);
    set_fn(mc, state, co, "isyieldable", isyieldable);
    set_fn(mc, state, co, "wrap", wrap);
    set_fn(mc, state, co, "close", close);
    set_builtin(mc, state, co, "resume", Builtin::CoroutineResume);
    set_builtin(mc, state, co, "yield", Builtin::CoroutineYield);
}

fn new_thread<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<Thread<'gc>, LuaError<'gc>> {
    let f = ctx.arg(0);
    if !matches!(f, Value::Function(_) | Value::NativeFunction(_)) {
        return Err(ctx.type_error(0, "function"));
    }
    let t = Thread::new(ctx.mc);
    t.gc().borrow_mut(ctx.mc).start = Some(f);
    Ok(t)
}

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
    } else {
        t.status()
    }
}

fn status<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = check_thread(ctx, 0)?;
    let s = ctx.new_string(status_of(ctx, t).name().as_bytes());
    ctx.ret1(s)
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
}

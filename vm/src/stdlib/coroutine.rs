//! The `coroutine` library. Resume, yield and wrapped calls are executor builtins.

use gc_arena::Mutation;

use crate::function::{new_native, Builtin, NativeKind};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
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
        _ => Err(ctx.type_error(i, "coroutine")),
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

fn close<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t = check_thread(ctx, 0)?;
    match status_of(ctx, t) {
        CoStatus::Suspended | CoStatus::Dead => {
            let mut ts = t.gc().borrow_mut(ctx.mc);
            // Pending to-be-closed variables of a suspended coroutine are dropped unclosed
            // here; closing them needs a nested run of that thread (not yet supported).
            ts.status = CoStatus::Dead;
            ts.frames.clear();
            ts.stack.clear();
            ts.cells.clear();
            ts.tbc.clear();
            ts.start = None;
            ctx.ret1(Value::Boolean(true))
        }
        s => Err(ctx.error(format!("cannot close a {} coroutine", s.name()))),
    }
}

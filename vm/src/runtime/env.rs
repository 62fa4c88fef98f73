//! `LuaEnv`: what Rust code outside a native's own arguments needs to run Lua — the heap,
//! the state and a thread to make nested calls on. Natives get one from their `Ctx`; the
//! driver builds one on the main thread between slices (a safe point). The reload engine
//! and safe-point jobs (control-port commands) are written against it, so they run the same
//! way from `debug.reloadModule`, from `socket.sleep` and from the driver.

use gc_arena::Mutation;

use crate::runtime::error::LuaError;
use crate::runtime::exec;
use crate::runtime::state::State;
use crate::thread::{Thread, ThreadState};
use crate::value::Value;

pub struct LuaEnv<'gc, 'a> {
    pub mc: &'gc Mutation<'gc>,
    pub state: &'gc State<'gc>,
    pub thread: Thread<'gc>,
    pub th: &'a mut ThreadState<'gc>,
}

impl<'gc> LuaEnv<'gc, '_> {
    /// Call `f(args)` to completion and return all its results (nested: it cannot yield
    /// across this call).
    pub fn call(
        &mut self,
        f: Value<'gc>,
        args: &[Value<'gc>],
    ) -> Result<Vec<Value<'gc>>, LuaError<'gc>> {
        exec::call_nested(self.mc, self.state, self.thread, self.th, f, args)
    }

    /// `tostring(v)` as Lua's `tostring` would give it (`__tostring` and `__name` honoured).
    pub fn display(&mut self, v: Value<'gc>) -> String {
        match exec::tostring_nested(self.mc, self.state, self.thread, self.th, v) {
            Ok(s) => s.to_str_lossy().into_owned(),
            Err(_) => format!("({} value)", v.type_name()),
        }
    }
}

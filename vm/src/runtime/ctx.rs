//! The context a native (Rust) function runs in: its arguments, results, and helpers that
//! call back into Lua (nested, behind a `Boundary` frame).
//!
//! Calling convention: arguments are `arg(0..nargs())`; a native pushes its results with
//! [`Ctx::push`] and returns how many of the values at the top of the stack are results.

use gc_arena::{Gc, Mutation};

use crate::function::{set_native_upvalue, NativeFunction};
use crate::runtime::callsite::arg_error_text;
use crate::runtime::error::{chunk_display_name, current_line, LuaError};
use crate::runtime::exec;
use crate::runtime::ops;
use crate::runtime::state::{MetaName, State};
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::{Frame, Thread, ThreadState};
use crate::value::Value;

pub use crate::runtime::exec::PreparedCall;

pub type NativeFn = for<'gc, 'a> fn(&mut Ctx<'gc, 'a>) -> Result<usize, LuaError<'gc>>;

/// The common case of a native with one result (`NativeKind::Quick`), from its arguments
/// alone: `None` when the native itself must run (a conversion, an error, a rare form).
/// It raises nothing and calls nothing; it may make a string.
pub type QuickFn =
    for<'gc> fn(&'gc Mutation<'gc>, &State<'gc>, &[Value<'gc>]) -> Option<Value<'gc>>;

/// The common case of a native with no results (`NativeKind::QuickProc`), from its
/// arguments alone: `true` when it did the call's work, `false` (nothing observable
/// changed) when the native itself must run. It raises nothing and calls nothing.
pub type QuickProc = for<'gc> fn(&'gc Mutation<'gc>, &State<'gc>, &[Value<'gc>]) -> bool;

pub struct Ctx<'gc, 'a> {
    pub mc: &'gc Mutation<'gc>,
    pub state: &'gc State<'gc>,
    pub thread: Thread<'gc>,
    pub th: &'a mut ThreadState<'gc>,
    pub func: NativeFunction<'gc>,
    pub(crate) args_start: usize,
    pub(crate) nargs: usize,
}

impl<'gc, 'a> Ctx<'gc, 'a> {
    /// The context of the native `func` called at `func_slot` of `th`, its `nargs`
    /// arguments just above it.
    #[inline(always)]
    pub(crate) fn for_call(
        mc: &'gc Mutation<'gc>,
        state: &'gc State<'gc>,
        thread: Thread<'gc>,
        th: &'a mut ThreadState<'gc>,
        func: NativeFunction<'gc>,
        func_slot: usize,
        nargs: usize,
    ) -> Self {
        Ctx {
            mc,
            state,
            thread,
            th,
            func,
            args_start: func_slot + 1,
            nargs,
        }
    }

    #[inline]
    pub fn nargs(&self) -> usize {
        self.nargs
    }

    #[inline]
    pub fn arg(&self, i: usize) -> Value<'gc> {
        if i < self.nargs {
            self.th.stack[self.args_start + i]
        } else {
            Value::Nil
        }
    }

    pub fn args(&self) -> Vec<Value<'gc>> {
        self.th.stack[self.args_start..self.args_start + self.nargs].to_vec()
    }

    #[inline]
    pub fn push(&mut self, v: Value<'gc>) {
        self.th.stack.push(v);
    }

    /// Push the arguments from `from` on as results, in order, and return how many
    /// (none when `from >= nargs()`): `select`'s results, copied within the stack.
    pub fn push_args_from(&mut self, from: usize) -> usize {
        let start = self.args_start + from.min(self.nargs);
        let end = self.args_start + self.nargs;
        self.th.stack.extend_from_within(start..end);
        end - start
    }

    /// Push `v` and return 1 (the common single-result case).
    #[inline]
    pub fn ret1(&mut self, v: Value<'gc>) -> Result<usize, LuaError<'gc>> {
        self.th.stack.push(v);
        Ok(1)
    }

    /// How long the stack may grow (a native's results count against it): a message
    /// handler has room past the usual limit, as for its calls.
    pub fn stack_limit(&self) -> usize {
        exec::stack_limit(self.th)
    }

    pub fn new_string(&self, bytes: &[u8]) -> Value<'gc> {
        Value::String(self.state.new_string(self.mc, bytes))
    }

    /// A string that takes over `bytes` without copying them: for results built in a
    /// buffer, so a large one needs its size once, not twice.
    pub fn new_string_owned(&self, bytes: Vec<u8>) -> Value<'gc> {
        Value::String(LuaString::from_vec(self.mc, bytes))
    }

    pub fn new_table(&self) -> Table<'gc> {
        Table::new(self.mc)
    }

    pub fn name(&self) -> &'static str {
        self.func.name
    }

    pub fn upvalue(&self, i: usize) -> Value<'gc> {
        self.func
            .upvalues
            .borrow()
            .get(i)
            .copied()
            .unwrap_or(Value::Nil)
    }

    pub fn set_upvalue(&self, i: usize, v: Value<'gc>) {
        set_native_upvalue(self.mc, self.func, i, v)
    }

    /// `chunk:line:` of the Lua code that called this native, when it was called directly
    /// from Lua (as luaL_where(L, 1) does).
    pub fn where_prefix(&self) -> String {
        match self.th.frames.last() {
            Some(Frame::Lua(f)) => {
                let proto = &Gc::as_ref(f.proto).info;
                format!(
                    "{}:{}: ",
                    chunk_display_name(&proto.source),
                    current_line(proto, f.pc)
                )
            }
            _ => String::new(),
        }
    }

    /// An error with the caller's position, like `luaL_error`.
    pub fn error(&self, msg: impl AsRef<str>) -> LuaError<'gc> {
        let text = format!("{}{}", self.where_prefix(), msg.as_ref());
        LuaError::from_str(self.mc, &text)
    }

    /// An error raised by the core on behalf of this native (as `luaG_runerror` while a C
    /// function runs): no position, since the running function is not Lua.
    pub fn core_error(&self, msg: impl AsRef<str>) -> LuaError<'gc> {
        LuaError::from_str(self.mc, msg.as_ref())
    }

    /// `bad argument #n to 'name' (msg)`; `i` is 0-based.
    /// The function is named as lua5.4 names it: from the calling instruction (a method
    /// call does not count `self`), else from the loaded libraries (`'table.insert'`).
    pub fn arg_error(&self, i: usize, msg: impl AsRef<str>) -> LuaError<'gc> {
        let f = Value::NativeFunction(self.func);
        self.error(arg_error_text(
            self.mc,
            self.state,
            self.th,
            f,
            i + 1,
            msg.as_ref(),
        ))
    }

    /// `bad argument #n to 'name' (table expected, got nil)`.
    pub fn type_error(&self, i: usize, expected: &str) -> LuaError<'gc> {
        let got = if i >= self.nargs {
            "no value".to_string()
        } else {
            self.type_name_of(self.arg(i))
        };
        self.arg_error(i, format!("{expected} expected, got {got}"))
    }

    /// Type name honouring `__name` (as luaL_typeerror does).
    pub fn type_name_of(&self, v: Value<'gc>) -> String {
        if let Some(mt) = exec::metatable_of(self.state, v) {
            if let Value::String(s) = mt.get_str(self.state.meta_name(MetaName::Name)) {
                return s.to_str_lossy().into_owned();
            }
        }
        if let Value::UserData(_) = v {
            return "userdata".into();
        }
        v.type_name().to_string()
    }

    pub fn check_any(&self, i: usize) -> Result<Value<'gc>, LuaError<'gc>> {
        if i >= self.nargs {
            Err(self.arg_error(i, "value expected"))
        } else {
            Ok(self.arg(i))
        }
    }

    pub fn check_table(&self, i: usize) -> Result<Table<'gc>, LuaError<'gc>> {
        match self.arg(i) {
            Value::Table(t) => Ok(t),
            _ => Err(self.type_error(i, "table")),
        }
    }

    /// An integer argument. The common case (an integer) is inline in the native; as a call
    /// of its own, with the conversions and errors in it, it cost about 30 instructions a
    /// call in register saves (`select`, `string.sub`).
    #[inline]
    pub fn check_integer(&self, i: usize) -> Result<i64, LuaError<'gc>> {
        match self.arg(i) {
            Value::Integer(n) => Ok(n),
            _ => self.check_integer_slow(i),
        }
    }

    /// `check_integer` of a value that is not an integer: a float or string converted, or
    /// the error.
    #[cold]
    #[inline(never)]
    fn check_integer_slow(&self, i: usize) -> Result<i64, LuaError<'gc>> {
        match ops::to_number(self.arg(i)) {
            Some(Value::Integer(n)) => Ok(n),
            Some(Value::Number(f)) => crate::arith::float_to_int_exact(f)
                .ok_or_else(|| self.arg_error(i, "number has no integer representation")),
            _ => Err(self.type_error(i, "number")),
        }
    }

    pub fn opt_integer(&self, i: usize, default: i64) -> Result<i64, LuaError<'gc>> {
        if self.arg(i).is_nil() {
            Ok(default)
        } else {
            self.check_integer(i)
        }
    }

    pub fn check_number(&self, i: usize) -> Result<Value<'gc>, LuaError<'gc>> {
        ops::to_number(self.arg(i)).ok_or_else(|| self.type_error(i, "number"))
    }

    /// A number argument as a float; numbers inline (as `check_integer`).
    #[inline]
    pub fn check_float(&self, i: usize) -> Result<f64, LuaError<'gc>> {
        match self.arg(i) {
            Value::Number(f) => Ok(f),
            Value::Integer(n) => Ok(n as f64),
            _ => self.check_float_slow(i),
        }
    }

    /// `check_float` of a value that is not a number: a string converted, or the error.
    #[cold]
    #[inline(never)]
    fn check_float_slow(&self, i: usize) -> Result<f64, LuaError<'gc>> {
        ops::to_float(self.arg(i)).ok_or_else(|| self.type_error(i, "number"))
    }

    /// A string argument; numbers are converted (as `luaL_checklstring` does).
    pub fn check_string(&self, i: usize) -> Result<LuaString<'gc>, LuaError<'gc>> {
        match self.arg(i) {
            Value::String(s) => Ok(s),
            v @ (Value::Integer(_) | Value::Number(_)) => {
                let s = ops::number_to_string(v).unwrap_or_default();
                Ok(self.state.new_string(self.mc, s.as_bytes()))
            }
            _ => Err(self.type_error(i, "string")),
        }
    }

    pub fn opt_string(&self, i: usize) -> Result<Option<LuaString<'gc>>, LuaError<'gc>> {
        if self.arg(i).is_nil() {
            Ok(None)
        } else {
            self.check_string(i).map(Some)
        }
    }

    /// The heap, state and thread this native runs on, for code written against
    /// [`crate::runtime::LuaEnv`] (the reload engine, safe-point jobs).
    pub fn env(&mut self) -> crate::runtime::LuaEnv<'gc, '_> {
        crate::runtime::LuaEnv {
            mc: self.mc,
            state: self.state,
            thread: self.thread,
            th: self.th,
        }
    }

    /// Call `f` with `args` and return all its results. Runs nested: the callee cannot
    /// yield across this call.
    pub fn call(
        &mut self,
        f: Value<'gc>,
        args: &[Value<'gc>],
    ) -> Result<Vec<Value<'gc>>, LuaError<'gc>> {
        exec::call_nested(self.mc, self.state, self.thread, self.th, f, args)
    }

    /// [`Ctx::call`] keeping only the first result (nil if none), without a `Vec` per call.
    pub fn call1(
        &mut self,
        f: Value<'gc>,
        args: &[Value<'gc>],
    ) -> Result<Value<'gc>, LuaError<'gc>> {
        exec::call_nested1(self.mc, self.state, self.thread, self.th, f, args)
    }

    /// Prepare `f` for many calls in a row ([`PreparedCall::call2_1`]), as `table.sort`
    /// calls its comparator. Runs nested like [`Ctx::call`].
    pub fn prepare_call(&self, f: Value<'gc>) -> PreparedCall<'gc> {
        exec::prepare_call(self.state, self.th, f)
    }

    /// `obj[key]` with metamethods.
    pub fn index(&mut self, obj: Value<'gc>, key: Value<'gc>) -> Result<Value<'gc>, LuaError<'gc>> {
        if let Value::Table(t) = obj {
            let v = t.get(key);
            if !v.is_nil() || t.metatable().is_none() {
                return Ok(v);
            }
        }
        exec::index_nested(self.mc, self.state, self.thread, self.th, obj, key)
    }

    /// `obj[key] = value` with metamethods.
    pub fn set_index(
        &mut self,
        obj: Value<'gc>,
        key: Value<'gc>,
        value: Value<'gc>,
    ) -> Result<(), LuaError<'gc>> {
        if let Value::Table(t) = obj {
            if t.metatable().is_none() {
                return self
                    .state
                    .journaled_set(self.mc, t, key, value)
                    .map_err(|e| self.core_error(e.message()));
            }
        }
        exec::set_index_nested(self.mc, self.state, self.thread, self.th, obj, key, value)
    }

    /// `tostring(v)` with `__tostring` and `__name`.
    pub fn to_display_string(&mut self, v: Value<'gc>) -> Result<LuaString<'gc>, LuaError<'gc>> {
        exec::tostring_nested(self.mc, self.state, self.thread, self.th, v)
    }

    /// `a < b` with metamethods.
    pub fn less_than(&mut self, a: Value<'gc>, b: Value<'gc>) -> Result<bool, LuaError<'gc>> {
        if let Some(r) = ops::less_than(a, b) {
            return Ok(r);
        }
        exec::compare_nested(self.mc, self.state, self.thread, self.th, a, b)
    }

    /// `#v` with `__len`.
    pub fn length(&mut self, v: Value<'gc>) -> Result<Value<'gc>, LuaError<'gc>> {
        exec::len_nested(self.mc, self.state, self.thread, self.th, v)
    }
}

impl<'gc> PreparedCall<'gc> {
    /// `f(a, b)`'s first result (nil if none), as [`Ctx::call1`] gives it. Inline, so the
    /// arguments go from the caller's registers into the callee's window.
    #[inline(always)]
    pub fn call2_1(
        &mut self,
        ctx: &mut Ctx<'gc, '_>,
        a: Value<'gc>,
        b: Value<'gc>,
    ) -> Result<Value<'gc>, LuaError<'gc>> {
        exec::call_prepared2(ctx.mc, ctx.thread, ctx.th, self, a, b)
    }
}

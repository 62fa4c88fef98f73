//! The Lua standard library. Each library has an `open` function that installs it.

pub mod base;
pub mod coroutine;
pub mod debug;
pub mod format;
pub mod io;
pub mod math;
pub mod os;
pub mod pack;
pub mod package;
pub mod pattern;
pub mod sandbox;
pub mod socket;
pub mod string;
pub mod string_arith;
pub mod table;
#[cfg(test)]
pub(crate) mod test_support;
pub mod utf8;

use gc_arena::Mutation;

use crate::function::{new_native, Builtin, NativeKind};
use crate::runtime::ctx::{NativeFn, QuickFn};
use crate::runtime::state::State;
use crate::table::Table;
use crate::value::Value;

/// Install every standard library into `state`'s globals.
pub fn open_all<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    base::open(mc, state);
    coroutine::open(mc, state);
    package::open(mc, state);
    string::open(mc, state);
    table::open(mc, state);
    math::open(mc, state);
    io::open(mc, state);
    os::open(mc, state);
    utf8::open(mc, state);
    debug::open(mc, state);
    socket::open(mc, state);
}

/// `t[name] = native function`. Not inlined, here and below: each library's `open` calls
/// these dozens of times, and inlined they made the start-up code (resident in every
/// run) several times larger.
#[inline(never)]
pub fn set_fn<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    t: Table<'gc>,
    name: &'static str,
    f: NativeFn,
) {
    set_native(mc, state, t, name, NativeKind::Fn(f));
}

/// `t[name] = native function` whose common case `quick` computes (`NativeKind::Quick`).
#[inline(never)]
pub fn set_quick<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    t: Table<'gc>,
    name: &'static str,
    quick: QuickFn,
    f: NativeFn,
) {
    set_native(mc, state, t, name, NativeKind::Quick(quick, f));
}

/// `t[name] =` a native function of kind `kind`, without upvalues.
#[inline(never)]
pub fn set_native<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    t: Table<'gc>,
    name: &'static str,
    kind: NativeKind,
) {
    let func = new_native(mc, name, kind, Vec::new());
    set_value(mc, state, t, name, Value::NativeFunction(func));
}

/// `t[name] = builtin` (a function the executor implements itself).
#[inline(never)]
pub fn set_builtin<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    t: Table<'gc>,
    name: &'static str,
    b: Builtin,
) {
    set_native(mc, state, t, name, NativeKind::Builtin(b));
}

/// `t[name] = v`.
#[inline(never)]
pub fn set_value<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    t: Table<'gc>,
    name: &str,
    v: Value<'gc>,
) {
    let key = Value::String(state.intern(mc, name.as_bytes()));
    // A string key is always valid.
    let _ = t.set(mc, key, v);
}

/// Create library table `name` as a global and in `package.loaded`. With room for 16
/// keys: a library of up to 8 functions (`coroutine`, `table`, `utf8`) would otherwise
/// fill a hash part of 8 slots, where more of its lookups (`table.insert`,
/// `coroutine.yield`) walk past their home slot.
pub fn new_library<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, name: &str) -> Table<'gc> {
    let t = Table::with_capacity(mc, 0, 16);
    set_value(mc, state, state.globals, name, Value::Table(t));
    package::register_loaded(mc, state, name, Value::Table(t));
    t
}

//! Choosing libraries at creation ([`StdLib`]) and the `sandbox` preset.
//!
//! The sandbox, in the spirit of Luau's:
//!
//! - libraries: base, coroutine, string, table, math, utf8; `os` trimmed to `clock`, `date`,
//!   `difftime`, `time`; `debug` trimmed to `traceback`; no `io`, `package`/`require`
//!   (a host can register its own loader as a function), `socket`;
//! - base without `dofile`/`loadfile` (they read files), `load` accepts text chunks only,
//!   no `string.dump`; nothing can end the host process (`os.exit` is absent);
//! - every library table, the globals and the string metatable are read-only: a script
//!   that writes `string.len = nil`, `_G.print = nil` or `x = 1` through `load` gets
//!   "attempt to modify a read-only table";
//! - each script runs in its own environment ([`new_script_env`]): its globals live there,
//!   and reads fall through to the shared, read-only globals. `_G` in a script is its own
//!   environment, so one script cannot change another's view of `string`, `_G` or anything.

use gc_arena::Mutation;

use crate::function::{new_native, NativeKind};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::state::{MetaName, State};
use crate::table::Table;
use crate::value::Value;

use super::set_value;

/// A set of standard libraries, combined with `|`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StdLib(u32);

impl StdLib {
    pub const NONE: StdLib = StdLib(0);
    /// `print`, `pairs`, `pcall`, `load`, ... (the global functions).
    pub const BASE: StdLib = StdLib(1);
    pub const COROUTINE: StdLib = StdLib(1 << 1);
    pub const PACKAGE: StdLib = StdLib(1 << 2);
    pub const STRING: StdLib = StdLib(1 << 3);
    pub const TABLE: StdLib = StdLib(1 << 4);
    pub const MATH: StdLib = StdLib(1 << 5);
    pub const IO: StdLib = StdLib(1 << 6);
    pub const OS: StdLib = StdLib(1 << 7);
    pub const UTF8: StdLib = StdLib(1 << 8);
    pub const DEBUG: StdLib = StdLib(1 << 9);
    pub const SOCKET: StdLib = StdLib(1 << 10);
    /// Everything (what `Runtime::new` opens).
    pub const ALL: StdLib = StdLib((1 << 11) - 1);
    /// The libraries that reach nothing outside the runtime: base, coroutine, string, table,
    /// math, utf8. Without `IO`, base's `dofile`/`loadfile` are removed as well.
    pub const SAFE: StdLib = StdLib(
        Self::BASE.0
            | Self::COROUTINE.0
            | Self::STRING.0
            | Self::TABLE.0
            | Self::MATH.0
            | Self::UTF8.0,
    );

    pub fn contains(self, other: StdLib) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for StdLib {
    type Output = StdLib;
    fn bitor(self, rhs: StdLib) -> StdLib {
        StdLib(self.0 | rhs.0)
    }
}

/// A library's `open` function.
type Opener<'gc> = fn(&'gc Mutation<'gc>, &State<'gc>);

/// Install the libraries in `libs`.
pub fn open_libs<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>, libs: StdLib) {
    use super::*;
    let opens: [(StdLib, Opener<'gc>); 11] = [
        (StdLib::BASE, base::open),
        (StdLib::COROUTINE, coroutine::open),
        (StdLib::PACKAGE, package::open),
        (StdLib::STRING, string::open),
        (StdLib::TABLE, table::open),
        (StdLib::MATH, math::open),
        (StdLib::IO, io::open),
        (StdLib::OS, os::open),
        (StdLib::UTF8, utf8::open),
        (StdLib::DEBUG, debug::open),
        (StdLib::SOCKET, socket::open),
    ];
    for (lib, open) in opens {
        if libs.contains(lib) {
            open(mc, state);
        }
    }
    if libs.contains(StdLib::BASE) && !libs.contains(StdLib::IO) {
        remove(mc, state, state.globals, &["dofile", "loadfile"]);
    }
}

fn remove<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, t: Table<'gc>, names: &[&str]) {
    for name in names {
        set_value(mc, state, t, name, Value::Nil);
    }
}

/// Keep only `names` of table `t`.
fn keep_only<'gc>(mc: &Mutation<'gc>, t: Table<'gc>, names: &[&str]) {
    let mut drop_keys = Vec::new();
    let mut key = Value::Nil;
    while let Ok(Some((k, _))) = t.next(key) {
        let keep =
            matches!(k, Value::String(s) if names.iter().any(|n| n.as_bytes() == s.as_bytes()));
        if !keep {
            drop_keys.push(k);
        }
        key = k;
    }
    for k in drop_keys {
        let _ = t.set(mc, k, Value::Nil);
    }
}

/// The sandbox preset (see the module documentation): open the libraries, trim them, and
/// make the shared globals read-only. Scripts then run in [`new_script_env`] environments.
pub fn open_sandbox<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    open_libs(mc, state, StdLib::SAFE | StdLib::OS | StdLib::DEBUG);
    let g = state.globals;
    let get = |name: &str| g.get(Value::String(state.intern(mc, name.as_bytes())));
    if let Value::Table(os) = get("os") {
        keep_only(mc, os, &["clock", "date", "difftime", "time"]);
    }
    if let Value::Table(debug) = get("debug") {
        keep_only(mc, debug, &["traceback"]);
    }
    if let Value::Table(string) = get("string") {
        remove(mc, state, string, &["dump"]);
    }
    // `load`: text chunks only.
    let load = get("load");
    let text_load = new_native(mc, "load", NativeKind::Fn(load_text_only), vec![load]);
    set_value(mc, state, g, "load", Value::NativeFunction(text_load));
    // No `collectgarbage` options that change the host's collector.
    // (Reading the count is harmless and kept.)

    // Move the globals into a hidden table; `state.globals` becomes a read-only view of it.
    let real = Table::new(mc);
    let mut key = Value::Nil;
    let mut entries = Vec::new();
    while let Ok(Some((k, v))) = g.next(key) {
        entries.push((k, v));
        key = k;
    }
    for (k, v) in entries {
        // Library tables become read-only views too.
        let v = match v {
            Value::Table(t) if !t.ptr_eq(g) => Value::Table(read_only_view(mc, state, t)),
            other => other,
        };
        let _ = real.set(mc, k, v);
        let _ = g.set(mc, k, Value::Nil);
    }
    g.set_metatable(mc, Some(read_only_metatable(mc, state, real)));
    // The string metatable cannot be read or changed from Lua.
    if let Some(mt) = *state.string_metatable.borrow() {
        set_value(
            mc,
            state,
            mt,
            MetaName::Metatable.as_str(),
            Value::Boolean(false),
        );
    }
    state
        .registry
        .set(
            mc,
            Value::String(state.intern(mc, SANDBOX_GLOBALS.as_bytes())),
            Value::Table(real),
        )
        .ok();
}

/// Registry key of the hidden globals of a sandbox.
const SANDBOX_GLOBALS: &str = "wayfinder.sandbox.globals";

/// A new environment for one script: an empty table whose reads fall through to the shared
/// globals (read-only) and whose `_G` is itself. Its metatable is hidden (`__metatable`).
pub fn new_script_env<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) -> Table<'gc> {
    let base = match state
        .registry
        .get(Value::String(state.intern(mc, SANDBOX_GLOBALS.as_bytes())))
    {
        Value::Table(real) => real,
        _ => state.globals,
    };
    let env = Table::new(mc);
    let mt = Table::new(mc);
    set_value(mc, state, mt, MetaName::Index.as_str(), Value::Table(base));
    set_value(
        mc,
        state,
        mt,
        MetaName::Metatable.as_str(),
        Value::Boolean(false),
    );
    env.set_metatable(mc, Some(mt));
    set_value(mc, state, env, "_G", Value::Table(env));
    env
}

/// An empty table that reads through to `t` and refuses writes.
pub fn read_only_view<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, t: Table<'gc>) -> Table<'gc> {
    let view = Table::new(mc);
    view.set_metatable(mc, Some(read_only_metatable(mc, state, t)));
    view
}

fn read_only_metatable<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, t: Table<'gc>) -> Table<'gc> {
    let mt = Table::new(mc);
    set_value(mc, state, mt, MetaName::Index.as_str(), Value::Table(t));
    let refuse = new_native(mc, "__newindex", NativeKind::Fn(refuse_write), Vec::new());
    set_value(
        mc,
        state,
        mt,
        MetaName::NewIndex.as_str(),
        Value::NativeFunction(refuse),
    );
    let pairs = new_native(
        mc,
        "__pairs",
        NativeKind::Fn(view_pairs),
        vec![Value::Table(t)],
    );
    set_value(
        mc,
        state,
        mt,
        MetaName::Pairs.as_str(),
        Value::NativeFunction(pairs),
    );
    set_value(
        mc,
        state,
        mt,
        MetaName::Metatable.as_str(),
        Value::Boolean(false),
    );
    mt
}

fn refuse_write<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<usize, LuaError<'gc>> {
    Err(ctx.error("attempt to modify a read-only table"))
}

/// `pairs(view)`: `next` over the table behind the view.
fn view_pairs<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<usize, LuaError<'gc>> {
    let next = ctx
        .state
        .globals
        .get(Value::String(ctx.state.intern(ctx.mc, b"next")));
    let next = if next.is_nil() {
        match ctx.state.registry.get(Value::String(
            ctx.state.intern(ctx.mc, SANDBOX_GLOBALS.as_bytes()),
        )) {
            Value::Table(real) => real.get(Value::String(ctx.state.intern(ctx.mc, b"next"))),
            _ => Value::Nil,
        }
    } else {
        next
    };
    ctx.push(next);
    ctx.push(ctx.upvalue(0));
    ctx.push(Value::Nil);
    Ok(3)
}

/// `load(chunk [, chunkname [, mode [, env]]])` with `mode` forced to `"t"`.
fn load_text_only<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<usize, LuaError<'gc>> {
    let load = ctx.upvalue(0);
    let mut args = ctx.args();
    args.resize(args.len().max(3), Value::Nil);
    if let Value::String(mode) = args[2] {
        if !mode.as_bytes().contains(&b't') {
            ctx.push(Value::Nil);
            let msg = ctx.new_string(b"attempt to load a binary chunk (sandbox allows text only)");
            ctx.push(msg);
            return Ok(2);
        }
    }
    args[2] = ctx.new_string(b"t");
    let results = ctx.call(load, &args)?;
    let n = results.len();
    for v in results {
        ctx.push(v);
    }
    Ok(n)
}

/// Registry key of the environment scripts run in by default (a sandbox's).
const DEFAULT_ENV: &str = "wayfinder.default_env";

/// Make `env` the environment of chunks the runtime loads without one.
pub fn set_default_env<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, env: Table<'gc>) {
    let _ = state.registry.set(
        mc,
        Value::String(state.intern(mc, DEFAULT_ENV.as_bytes())),
        Value::Table(env),
    );
}

/// The environment of chunks loaded without one: the globals, or a sandbox's script
/// environment.
pub fn default_env<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) -> Table<'gc> {
    match state
        .registry
        .get(Value::String(state.intern(mc, DEFAULT_ENV.as_bytes())))
    {
        Value::Table(t) => t,
        _ => state.globals,
    }
}

/// The globals every script reads: a sandbox's hidden table behind the read-only view, or
/// the globals.
pub fn shared_globals<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) -> Table<'gc> {
    match state
        .registry
        .get(Value::String(state.intern(mc, SANDBOX_GLOBALS.as_bytes())))
    {
        Value::Table(t) => t,
        _ => state.globals,
    }
}

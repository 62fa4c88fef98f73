//! The embedding API: what a Rust host uses to run Lua it may not trust.
//!
//! - [`Runtime`](crate::Runtime) methods (in `api.rs`): create with a library set or the
//!   sandbox, set [`Limits`](crate::limits::Limits), load and call code, read and write
//!   globals and tables, register Rust closures and userdata types;
//! - values cross the boundary through [`IntoLua`]/[`FromLua`] (and the `Multi` forms for
//!   argument and result lists);
//! - Lua values the host keeps between calls are held by handles ([`LuaRef`], and the typed
//!   [`Function`], [`TableRef`], [`AnyUserData`]): `Send`, cloneable, freed when the last
//!   clone drops. A handle is an entry in a table of the registry; gc-arena values cannot
//!   leave the arena, so the handle is an index, checked against the runtime it came from.
//!
//! See docs/embedding.md for a tour.

mod api;
mod convert;
mod userdata;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gc_arena::Mutation;

pub use convert::{Bytes, ConvError, FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, Variadic};
pub use userdata::{NewUserData, UserData, UserDataMethods};

use crate::limits::LimitKind;
use crate::runtime::state::State;
use crate::string::LuaString;
use crate::table::Table;
use crate::value::Value;

pub use crate::limits::{InterruptHandle, Limits};
pub use crate::stdlib::sandbox::StdLib;

/// Why a host call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The source did not compile (message as lua5.4 gives it: `name:line: ... near ...`).
    Syntax(String),
    /// A Lua error nobody caught: its message and the traceback where it was raised.
    Runtime {
        message: String,
        traceback: Option<String>,
    },
    /// A limit stopped the script (`crate::limits`); the runtime is usable again.
    Limit {
        kind: LimitKind,
        traceback: Option<String>,
    },
    /// A value did not convert: `what` is "argument #2", "result #1", "global 'x'"...
    Conversion {
        what: String,
        expected: String,
        got: String,
    },
    /// An error raised by host code (a Rust closure), or a misused handle.
    Host(String),
}

impl Error {
    /// An error from host code, raised in Lua as this message.
    pub fn new(msg: impl Into<String>) -> Error {
        Error::Host(msg.into())
    }

    /// The message as Lua would show it.
    pub fn message(&self) -> String {
        match self {
            Error::Syntax(m) | Error::Host(m) => m.clone(),
            Error::Runtime { message, .. } => message.clone(),
            Error::Limit { kind, .. } => kind.message().to_string(),
            Error::Conversion {
                what,
                expected,
                got,
            } => format!("{what}: {expected} expected, got {got}"),
        }
    }

    /// The limit that stopped the script, if one did.
    pub fn limit(&self) -> Option<LimitKind> {
        match self {
            Error::Limit { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(s: String) -> Error {
        Error::Host(s)
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Error {
        Error::Host(s.to_string())
    }
}

/// The heap and state a conversion works on (inside one `mutate` or one native call).
#[derive(Clone, Copy)]
pub struct Heap<'gc> {
    pub mc: &'gc Mutation<'gc>,
    pub state: &'gc State<'gc>,
}

impl<'gc> Heap<'gc> {
    pub fn new(mc: &'gc Mutation<'gc>, state: &'gc State<'gc>) -> Heap<'gc> {
        Heap { mc, state }
    }

    pub fn string(&self, bytes: &[u8]) -> Value<'gc> {
        Value::String(LuaString::new(self.mc, bytes))
    }

    fn key(&self, name: &str) -> Value<'gc> {
        Value::String(self.state.intern(self.mc, name.as_bytes()))
    }

    /// The registry table holding the values of handles.
    fn refs_table(&self) -> Table<'gc> {
        let key = self.key(REFS_KEY);
        match self.state.registry.get(key) {
            Value::Table(t) => t,
            _ => {
                let t = Table::new(self.mc);
                let _ = self.state.registry.set(self.mc, key, Value::Table(t));
                t
            }
        }
    }

    /// Keep `v` alive for the host: a handle.
    pub fn stash(&self, v: Value<'gc>) -> LuaRef {
        let refs = self.refs_table();
        let mut host = self.state.host.borrow_mut();
        let table = &mut host.refs;
        // Entries whose last handle dropped since the last time.
        let dropped = std::mem::take(&mut *table.dropped.lock().unwrap_or_else(|e| e.into_inner()));
        for id in dropped {
            refs.set_int_internal(self.mc, id, Value::Nil);
            table.free.push(id);
        }
        let id = table.free.pop().unwrap_or_else(|| {
            table.next += 1;
            table.next
        });
        refs.set_int_internal(self.mc, id, v);
        LuaRef(Arc::new(RefInner {
            id,
            runtime: table.runtime,
            dropped: table.dropped.clone(),
        }))
    }

    /// The value a handle holds.
    pub fn fetch(&self, r: &LuaRef) -> Result<Value<'gc>, Error> {
        if r.0.runtime != self.state.host.borrow().refs.runtime {
            return Err(Error::Host(
                "handle used with a runtime other than the one that made it".into(),
            ));
        }
        Ok(self.refs_table().get_int(r.0.id))
    }
}

const REFS_KEY: &str = "wayfinder.refs";

/// The host-side bookkeeping of handles (in `HostState`).
#[derive(Debug)]
pub struct RefTable {
    runtime: u64,
    next: i64,
    free: Vec<i64>,
    /// Ids whose last handle dropped (handles can drop on any thread).
    dropped: Arc<Mutex<Vec<i64>>>,
}

impl Default for RefTable {
    fn default() -> Self {
        static NEXT_RUNTIME: AtomicU64 = AtomicU64::new(1);
        RefTable {
            runtime: NEXT_RUNTIME.fetch_add(1, Ordering::Relaxed),
            next: 0,
            free: Vec::new(),
            dropped: Arc::default(),
        }
    }
}

/// A Lua value kept alive for the host, in the runtime that made it. `Send + Sync`;
/// clones share the entry, which is released when the last one drops.
#[derive(Clone, Debug)]
pub struct LuaRef(Arc<RefInner>);

#[derive(Debug)]
struct RefInner {
    id: i64,
    runtime: u64,
    dropped: Arc<Mutex<Vec<i64>>>,
}

impl Drop for RefInner {
    fn drop(&mut self) {
        self.dropped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.id);
    }
}

impl PartialEq for LuaRef {
    /// The same handle entry (not Lua equality).
    fn eq(&self, other: &LuaRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A Lua function (or any callable value) held by the host.
#[derive(Clone, Debug, PartialEq)]
pub struct Function(pub LuaRef);

/// A Lua table held by the host.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRef(pub LuaRef);

/// A full userdata held by the host.
#[derive(Clone, Debug, PartialEq)]
pub struct AnyUserData(pub LuaRef);

/// Any Lua value, owned by the host.
#[derive(Clone, Debug, PartialEq)]
pub enum LuaValue {
    Nil,
    Boolean(bool),
    Integer(i64),
    Number(f64),
    /// Lua strings are bytes.
    String(Vec<u8>),
    Table(TableRef),
    Function(Function),
    UserData(AnyUserData),
    /// A coroutine (or anything else kept only by handle).
    Other(LuaRef),
}

impl LuaValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            LuaValue::Nil => "nil",
            LuaValue::Boolean(_) => "boolean",
            LuaValue::Integer(_) | LuaValue::Number(_) => "number",
            LuaValue::String(_) => "string",
            LuaValue::Table(_) => "table",
            LuaValue::Function(_) => "function",
            LuaValue::UserData(_) => "userdata",
            LuaValue::Other(_) => "thread",
        }
    }
}

//! The host's methods on [`Runtime`].

use std::collections::HashSet;
use std::sync::Mutex;

use crate::function::{new_cell, new_closure, new_host_native, HostFn, Proto};
use crate::limits::{InterruptHandle, LimitKind, Limits};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::load::{compile_chunk, LoadError};
use crate::runtime::{RunError, Runtime};
use crate::stdlib::sandbox::{self, StdLib};
use crate::table::Table;
use crate::value::Value;

use super::userdata::{self, UserData};
use super::{
    AnyUserData, ConvError, Error, FromLua, FromLuaMulti, Function, Heap, IntoLua, IntoLuaMulti,
    TableRef,
};

/// A `'static` copy of a function name (natives are named by `&'static str`); each distinct
/// name is kept once for the life of the process.
pub(crate) fn static_name(name: &str) -> &'static str {
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    let set = names.get_or_insert_with(HashSet::new);
    if let Some(n) = set.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// A host error raised in Lua: with the caller's position, as `luaL_error` (errors that
/// come from Lua already carry theirs).
pub(crate) fn host_error<'gc>(ctx: &Ctx<'gc, '_>, e: Error) -> LuaError<'gc> {
    match e {
        Error::Runtime { message, .. } => ctx.core_error(message),
        Error::Limit { kind, .. } => ctx.core_error(kind.message()),
        other => ctx.error(other.message()),
    }
}

fn conversion(what: String, e: ConvError) -> Error {
    Error::Conversion {
        what,
        expected: e.expected,
        got: e.got,
    }
}

/// A chunk name as Lua shows it: names without `=` or `@` are shown as given.
fn chunk_name(name: &str) -> String {
    if name.starts_with('=') || name.starts_with('@') {
        name.to_string()
    } else {
        format!("={name}")
    }
}

impl Runtime {
    /// A runtime with the libraries in `libs` (see [`StdLib`]).
    pub fn with_libs(libs: StdLib) -> Runtime {
        Runtime::build(move |mc, state| sandbox::open_libs(mc, state, libs))
    }

    /// A runtime for untrusted scripts: the sandbox preset (see
    /// [`crate::stdlib::sandbox`]). Scripts run in their own environment over read-only
    /// shared globals; [`Runtime::set_global`] and [`Runtime::register`] add to those shared
    /// globals, which every script sees.
    pub fn sandboxed() -> Runtime {
        let rt = Runtime::build(sandbox::open_sandbox);
        rt.arena.mutate(|mc, state| {
            let env = sandbox::new_script_env(mc, state);
            sandbox::set_default_env(mc, state, env);
        });
        rt
    }

    /// Set the limits for the following host calls (see [`crate::limits`]).
    pub fn set_limits(&mut self, limits: Limits) {
        self.account.set_limits(&limits);
        self.arena
            .mutate(|_, state| state.host.borrow_mut().limits.limits = limits);
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.arena
            .mutate(|_, state| state.host.borrow().limits.limits.clone())
    }

    /// A handle another thread can use to stop the script this runtime runs.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.arena
            .mutate(|_, state| state.host.borrow().limits.interrupt.clone())
    }

    /// Heap bytes in use, as the memory limit counts them.
    pub fn memory_used(&self) -> usize {
        let _account = self.enter();
        self.arena.mutate(|mc, _| crate::limits::heap_bytes(mc))
    }

    /// Compile `source` into a function whose globals are the runtime's (a sandboxed
    /// runtime's script environment). `name` is the chunk name shown in messages.
    pub fn load(&mut self, source: impl AsRef<[u8]>, name: &str) -> Result<Function, Error> {
        self.load_with_env(source.as_ref(), name, None)
    }

    /// Compile `source` with `env` as its globals (`_ENV`), such as one from
    /// [`Runtime::new_env`].
    pub fn load_in(
        &mut self,
        source: impl AsRef<[u8]>,
        name: &str,
        env: &TableRef,
    ) -> Result<Function, Error> {
        self.load_with_env(source.as_ref(), name, Some(env))
    }

    fn load_with_env(
        &mut self,
        source: &[u8],
        name: &str,
        env: Option<&TableRef>,
    ) -> Result<Function, Error> {
        let proto = compile_chunk(source, &chunk_name(name)).map_err(load_error)?;
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let heap = Heap::new(mc, state);
            let env = match env {
                Some(e) => heap.fetch(&e.0)?,
                None => Value::Table(sandbox::default_env(mc, state)),
            };
            let proto = Proto::load(mc, state.strings, proto);
            let closure = new_closure(mc, proto, vec![new_cell(mc, env)].into_boxed_slice());
            Ok(Function(heap.stash(Value::Function(closure))))
        })
    }

    /// A new environment for one script: its globals are its own, reads fall through to
    /// the shared globals (read-only in a sandbox), and `_G` is the environment itself.
    pub fn new_env(&mut self) -> TableRef {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let env = sandbox::new_script_env(mc, state);
            TableRef(Heap::new(mc, state).stash(Value::Table(env)))
        })
    }

    /// Compile and run `source`, converting its results.
    pub fn exec<R: FromLuaMulti>(
        &mut self,
        source: impl AsRef<[u8]>,
        name: &str,
    ) -> Result<R, Error> {
        let f = self.load(source, name)?;
        self.call(&f, ())
    }

    /// Call `f` with `args` to completion (under the limits), converting its results.
    pub fn call<A: IntoLuaMulti, R: FromLuaMulti>(
        &mut self,
        f: &Function,
        args: A,
    ) -> Result<R, Error> {
        let callee = LuaCallee::Ref(f);
        self.call_value(callee, args)
    }

    /// Call the global function `name`.
    pub fn call_global<A: IntoLuaMulti, R: FromLuaMulti>(
        &mut self,
        name: &str,
        args: A,
    ) -> Result<R, Error> {
        let f: Function = self.global(name)?;
        self.call(&f, args)
    }

    fn call_value<A: IntoLuaMulti, R: FromLuaMulti>(
        &mut self,
        f: LuaCallee<'_>,
        args: A,
    ) -> Result<R, Error> {
        let _account = self.enter();
        let nargs = self.arena.mutate(|mc, state| -> Result<usize, Error> {
            let heap = Heap::new(mc, state);
            let LuaCallee::Ref(f) = f;
            let fv = heap.fetch(&f.0)?;
            let values = args.into_lua_multi(&heap)?;
            let mut th = state.main_thread.gc().borrow_mut(mc);
            th.stack.clear();
            th.frames.clear();
            th.stack.push(fv);
            th.stack.extend_from_slice(&values);
            th.pending = None;
            Ok(values.len())
        })?;
        let converted = self
            .drive_main_with(nargs, |mc, state, values| {
                R::from_lua_multi(values, &Heap::new(mc, state))
            })
            .map_err(|e| self.run_error(e))?;
        converted.map_err(|(i, e)| conversion(format!("result #{}", i + 1), e))
    }

    /// The host's form of a failed run: limit hits are told apart from other errors.
    fn run_error(&self, e: RunError) -> Error {
        match e {
            RunError::Load(e) => load_error(e),
            RunError::Runtime(e) => {
                let limit =
                    LimitKind::from_message(&e.message).filter(|k| e.message == k.message());
                match limit {
                    Some(kind) => Error::Limit {
                        kind,
                        traceback: e.traceback,
                    },
                    None => Error::Runtime {
                        message: e.message,
                        traceback: e.traceback,
                    },
                }
            }
        }
    }

    /// Read global `name` (of the runtime's script environment; in a sandbox, falling
    /// through to the shared globals).
    pub fn global<T: FromLua>(&mut self, name: &str) -> Result<T, Error> {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let heap = Heap::new(mc, state);
            let env = sandbox::default_env(mc, state);
            let v = raw_lookup(env, heap.string(name.as_bytes()));
            T::from_lua(v, &heap).map_err(|e| conversion(format!("global '{name}'"), e))
        })
    }

    /// Set global `name`: in a sandbox, in the shared globals every script reads (scripts
    /// cannot change them).
    pub fn set_global<T: IntoLua>(&mut self, name: &str, value: T) -> Result<(), Error> {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let heap = Heap::new(mc, state);
            let v = value.into_lua(&heap)?;
            let shared = sandbox::shared_globals(mc, state);
            let _ = shared.set(mc, heap.string(name.as_bytes()), v);
            Ok(())
        })
    }

    /// A new empty table.
    pub fn create_table(&mut self) -> TableRef {
        let _account = self.enter();
        self.arena
            .mutate(|mc, state| TableRef(Heap::new(mc, state).stash(Value::Table(Table::new(mc)))))
    }

    /// `t[key]`, raw (no metamethods).
    pub fn get<K: IntoLua, V: FromLua>(&mut self, t: &TableRef, key: K) -> Result<V, Error> {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let heap = Heap::new(mc, state);
            let Value::Table(table) = heap.fetch(&t.0)? else {
                return Err(Error::Host("not a table".into()));
            };
            let k = key.into_lua(&heap)?;
            let v = table.get(k);
            V::from_lua(v, &heap).map_err(|e| {
                let shown = match k {
                    Value::String(s) => format!("field '{}'", s.to_str_lossy()),
                    other => format!(
                        "field [{}]",
                        crate::runtime::exec::tostring_primitive(state, other)
                    ),
                };
                conversion(shown, e)
            })
        })
    }

    /// `t[key] = value`, raw.
    pub fn set<K: IntoLua, V: IntoLua>(
        &mut self,
        t: &TableRef,
        key: K,
        value: V,
    ) -> Result<(), Error> {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let heap = Heap::new(mc, state);
            let Value::Table(table) = heap.fetch(&t.0)? else {
                return Err(Error::Host("not a table".into()));
            };
            let k = key.into_lua(&heap)?;
            let v = value.into_lua(&heap)?;
            state
                .journaled_set(mc, table, k, v)
                .map_err(|e| Error::Host(e.message().to_string()))
        })
    }

    /// A Lua function running Rust closure `f`. Arguments convert to `A` (a failure is
    /// Lua's "bad argument #n to 'name' (number expected, got string)"); an `Err` becomes a
    /// Lua error the script can catch with `pcall`.
    pub fn create_function<A, R, F>(&mut self, name: &str, f: F) -> Function
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(A) -> Result<R, Error> + Send + 'static,
    {
        self.create_function_with_ctx(name, move |_: &mut Ctx<'_, '_>, a: A| f(a))
    }

    /// [`create_function`](Self::create_function) whose closure also gets the native
    /// context, to call back into Lua ([`Ctx::call_function`]) or make values.
    pub fn create_function_with_ctx<A, R, F>(&mut self, name: &str, f: F) -> Function
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: for<'gc, 'a> Fn(&mut Ctx<'gc, 'a>, A) -> Result<R, Error> + Send + 'static,
    {
        let name = static_name(name);
        let body: HostFn = Box::new(move |ctx| {
            let args: Vec<Value<'_>> = ctx.args();
            let heap = Heap::new(ctx.mc, ctx.state);
            let a = A::from_lua_multi(&args, &heap).map_err(|(i, e)| {
                let got = if i >= ctx.nargs() {
                    "no value".to_string()
                } else {
                    e.got.clone()
                };
                ctx.arg_error(i, format!("{} expected, got {got}", e.expected))
            })?;
            let r = f(ctx, a).map_err(|e| host_error(ctx, e))?;
            let values = r.into_lua_multi(&heap).map_err(|e| host_error(ctx, e))?;
            let n = values.len();
            for v in values {
                ctx.push(v);
            }
            Ok(n)
        });
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let f = new_host_native(mc, name, body, Vec::new());
            Function(Heap::new(mc, state).stash(Value::NativeFunction(f)))
        })
    }

    /// Register Rust closure `f` as global function `name` (see
    /// [`create_function`](Self::create_function)).
    pub fn register<A, R, F>(&mut self, name: &str, f: F) -> Result<(), Error>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(A) -> Result<R, Error> + Send + 'static,
    {
        let f = self.create_function(name, f);
        self.set_global(name, f)
    }

    /// A new userdata holding `value` (its methods from [`UserData::add_methods`]).
    pub fn create_userdata<T: UserData>(&mut self, value: T) -> AnyUserData {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let heap = Heap::new(mc, state);
            let v = userdata::create(&heap, value);
            AnyUserData(heap.stash(v))
        })
    }

    /// Run `f` on the Rust value inside `ud`, borrowed mutably.
    pub fn with_userdata<T: UserData, R>(
        &mut self,
        ud: &AnyUserData,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, Error> {
        self.arena
            .mutate(|mc, state| borrow_userdata(&Heap::new(mc, state), ud, f))
    }

    /// Load `source` as module `name`, as `require(name)` would (`package.loaded[name]`
    /// is set when the package library is open), recorded so hot reload can replace it
    /// later (`wayfinder_reload::Reload` with `ReloadRequest { source: Some(..) }`).
    /// Returns the module's value.
    pub fn load_module<R: FromLua>(&mut self, name: &str, source: &str) -> Result<R, Error> {
        let proto = compile_chunk(source.as_bytes(), &chunk_name(name)).map_err(load_error)?;
        let source_hash = crate::modules::source_hash(source.as_bytes());
        let _account = self.enter();
        let (f, before) = self.arena.mutate(|mc, state| {
            let heap = Heap::new(mc, state);
            let proto = Proto::load(mc, state.strings, proto);
            let env = new_cell(mc, Value::Table(state.globals));
            let closure = new_closure(mc, proto, vec![env].into_boxed_slice());
            let before: Vec<Vec<u8>> = crate::modules::globals_snapshot(state)
                .into_keys()
                .collect();
            (Function(heap.stash(Value::Function(closure))), before)
        });
        let value: super::LuaValue = self.call(&f, name)?;
        let module_name = name.to_string();
        self.arena.mutate(|mc, state| {
            let heap = Heap::new(mc, state);
            let Value::Function(closure) = heap.fetch(&f.0)? else {
                return Err(Error::Host("internal error: module chunk".into()));
            };
            let value = value.into_lua(&heap)?;
            let before_map = before.into_iter().map(|k| (k, Value::Nil)).collect();
            let globals = crate::modules::assigned_globals(state, &before_map);
            crate::modules::record_load(
                mc,
                state,
                crate::modules::Loaded {
                    name: module_name.clone(),
                    file: None,
                    source_hash,
                    root: closure.proto.get(),
                    value,
                    deps: Vec::new(),
                    globals,
                    is_main: false,
                },
            )
            .map_err(|e| Error::Host(e.message().to_string()))?;
            crate::stdlib::package::register_loaded(mc, state, &module_name, value);
            R::from_lua(value, &heap).map_err(|e| conversion(format!("module '{module_name}'"), e))
        })
    }
}

/// Run `f` on the `T` inside `ud`, borrowed mutably (an error if it is in use or not a `T`).
fn borrow_userdata<T: UserData, R>(
    heap: &Heap<'_>,
    ud: &AnyUserData,
    f: impl FnOnce(&mut T) -> R,
) -> Result<R, Error> {
    let Value::UserData(u) = heap.fetch(&ud.0)? else {
        return Err(Error::Host("not a userdata".into()));
    };
    let u: &crate::userdata::UserDataData<'_> = gc_arena::Gc::as_ref(u);
    let mut data = u
        .data
        .try_borrow_mut()
        .map_err(|_| Error::Host(format!("{} is already in use", T::TYPE_NAME)))?;
    let this = data
        .downcast_mut::<T>()
        .ok_or_else(|| Error::Host(format!("userdata is not a {}", T::TYPE_NAME)))?;
    Ok(f(this))
}

enum LuaCallee<'a> {
    Ref(&'a Function),
}

fn load_error(e: LoadError) -> Error {
    Error::Syntax(e.to_string())
}

/// `t[key]`, following `__index` tables (not functions) as a script's global lookup would
/// through a sandbox environment.
fn raw_lookup<'gc>(t: Table<'gc>, key: Value<'gc>) -> Value<'gc> {
    let mut t = t;
    for _ in 0..8 {
        let v = t.get(key);
        if !v.is_nil() {
            return v;
        }
        let next = t.metatable().and_then(|mt| {
            let mut found = None;
            let mut k = Value::Nil;
            while let Ok(Some((mk, mv))) = mt.next(k) {
                if matches!(mk, Value::String(s) if s.as_bytes() == b"__index") {
                    found = Some(mv);
                    break;
                }
                k = mk;
            }
            found
        });
        match next {
            Some(Value::Table(n)) => t = n,
            _ => return Value::Nil,
        }
    }
    Value::Nil
}

impl<'gc> Ctx<'gc, '_> {
    /// The heap, for conversions.
    pub fn heap(&self) -> Heap<'gc> {
        Heap::new(self.mc, self.state)
    }

    /// Run `f` on the Rust value inside userdata `ud` (say, an argument of this Rust
    /// function), borrowed mutably.
    pub fn with_userdata<T: UserData, R>(
        &self,
        ud: &AnyUserData,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, Error> {
        borrow_userdata(&self.heap(), ud, f)
    }

    /// Call a Lua function held by handle from inside a Rust function (nested: the callee
    /// cannot yield across it), converting arguments and results.
    pub fn call_function<A: IntoLuaMulti, R: FromLuaMulti>(
        &mut self,
        f: &Function,
        args: A,
    ) -> Result<R, Error> {
        let heap = self.heap();
        let fv = heap.fetch(&f.0)?;
        let args = args.into_lua_multi(&heap)?;
        let results = self.call(fv, &args).map_err(|e| {
            let message = match e.value {
                Value::String(s) => s.to_str_lossy().into_owned(),
                v => format!("(error object is a {} value)", v.type_name()),
            };
            match LimitKind::from_message(&message).filter(|k| message == k.message()) {
                Some(kind) => Error::Limit {
                    kind,
                    traceback: None,
                },
                None => Error::Runtime {
                    message,
                    traceback: e.traceback,
                },
            }
        })?;
        R::from_lua_multi(&results, &heap)
            .map_err(|(i, e)| conversion(format!("result #{}", i + 1), e))
    }
}

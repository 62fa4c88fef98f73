//! `require` and the `package` library (Lua files only; no C modules).
//!
//! The running script's directory comes first on the default `package.path` (where `;;`
//! of `LUA_PATH` expands). A project file that
//! shadows a standard library name (`math.lua` next to the script) is what `require("math")`
//! loads, with a one-time warning; the global `math` stays the standard library.

use std::collections::HashMap;
use std::path::Path;

use gc_arena::{Collect, Mutation};

use crate::function::{
    new_cell, new_closure, new_native, Builtin, NativeFunction, NativeKind, Proto,
};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::load::compile_chunk;
use crate::runtime::state::State;
use crate::string::LuaString;
use crate::table::Table;
use crate::value::Value;

use super::{set_fn, set_value};

type R<'gc> = Result<usize, LuaError<'gc>>;

/// lua5.4's default path with the system directory Debian's `lua5.4` adds
/// (`/usr/share/lua/5.4`, where distribution packages of Lua modules install), so
/// modules installed by luarocks or by the system are found as `lua5.4` finds them.
const DEFAULT_PATH: &str = "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;\
/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;./?.lua;./?/init.lua";
const DEFAULT_CPATH: &str = "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";
const STD_LIBS: [&str; 9] = [
    "string",
    "table",
    "math",
    "io",
    "os",
    "coroutine",
    "utf8",
    "debug",
    "package",
];

fn key<'gc>(mc: &Mutation<'gc>, s: &str) -> Value<'gc> {
    Value::String(LuaString::new(mc, s.as_bytes()))
}

/// `package.loaded` (kept in the registry as `_LOADED`, like Lua).
/// `package.loaded` (the registry's `_LOADED`).
pub fn loaded_table<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) -> Table<'gc> {
    match state.registry.get(key(mc, "_LOADED")) {
        Value::Table(t) => t,
        _ => {
            let t = Table::new(mc);
            let _ = state.registry.set(mc, key(mc, "_LOADED"), Value::Table(t));
            t
        }
    }
}

pub fn register_loaded<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, name: &str, v: Value<'gc>) {
    let _ = loaded_table(mc, state).set(mc, key(mc, name), v);
}

/// `LUA_PATH_5_4`, else `LUA_PATH`, if set.
fn path_env() -> Option<String> {
    std::env::var("LUA_PATH_5_4")
        .or_else(|_| std::env::var("LUA_PATH"))
        .ok()
}

/// A path from the environment's `env` and the default path `default`, as lua5.4 builds
/// it: without `;;`, `env` replaces the default entirely; its first `;;` becomes the
/// default, with no empty entry left on either side.
fn expand_path(env: Option<&str>, default: &str) -> String {
    let Some(env) = env else {
        return default.to_string();
    };
    let Some(at) = env.find(";;") else {
        return env.to_string();
    };
    let (prefix, suffix) = (&env[..at], &env[at + 2..]);
    let mut path = String::with_capacity(env.len() + default.len() + 2);
    if !prefix.is_empty() {
        path.push_str(prefix);
        path.push(';');
    }
    path.push_str(default);
    if !suffix.is_empty() {
        path.push(';');
        path.push_str(suffix);
    }
    path
}

/// The initial `package.path`: the environment's path (`;;` = the default), else the
/// default.
fn initial_path() -> String {
    expand_path(path_env().as_deref(), DEFAULT_PATH)
}

/// `lua -E`: from now on `package.path` ignores the environment; it is reset to the default.
pub fn ignore_env<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) {
    state.host.borrow_mut().ignore_env = true;
    if let Value::Table(package) = state.globals.get(key(mc, "package")) {
        set_value(mc, state, package, "path", key(mc, DEFAULT_PATH));
    }
}

/// The default path of a script in `dir`: `dir/?.lua;dir/?/init.lua` first, then the usual
/// default.
fn script_default_path(dir: &Path) -> String {
    let d = dir.display().to_string();
    let d = if d.is_empty() { ".".to_string() } else { d };
    format!("{d}/?.lua;{d}/?/init.lua;{DEFAULT_PATH}")
}

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let package = Table::new(mc);
    set_value(mc, state, state.globals, "package", Value::Table(package));
    register_loaded(mc, state, "package", Value::Table(package));
    register_loaded(mc, state, "_G", Value::Table(state.globals));
    set_value(
        mc,
        state,
        package,
        "loaded",
        Value::Table(loaded_table(mc, state)),
    );
    set_value(mc, state, package, "preload", Value::Table(Table::new(mc)));
    set_value(mc, state, package, "path", key(mc, &initial_path()));
    set_value(mc, state, package, "cpath", key(mc, DEFAULT_CPATH));
    set_value(mc, state, package, "config", key(mc, "/\n;\n?\n!\n-\n"));
    let searchers = Table::new(mc);
    let fns: [(&'static str, crate::runtime::ctx::NativeFn); 4] = [
        ("searcher_preload", searcher_preload),
        ("searcher_Lua", searcher_lua),
        ("searcher_C", searcher_c),
        ("searcher_Croot", searcher_croot),
    ];
    for (i, (name, f)) in fns.into_iter().enumerate() {
        let nf = new_native(mc, name, NativeKind::Fn(f), vec![Value::Table(package)]);
        searchers.set_int_internal(mc, i as i64 + 1, Value::NativeFunction(nf));
    }
    set_value(mc, state, package, "searchers", Value::Table(searchers));
    set_fn(mc, state, package, "searchpath", searchpath);
    set_fn(mc, state, package, "loadlib", loadlib);
    let require = new_native(
        mc,
        "require",
        NativeKind::Builtin(Builtin::Require),
        vec![Value::Table(package)],
    );
    set_value(
        mc,
        state,
        state.globals,
        "require",
        Value::NativeFunction(require),
    );
}

/// The script's directory joins the *default* path (`dir/?.lua;dir/?/init.lua` before the
/// usual entries), so it is where `;;` of `LUA_PATH` expands and a `LUA_PATH` without `;;`
/// leaves it out. A path the host already changed keeps its entries, after the directory's.
pub fn set_script_dir<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, dir: &Path) {
    let Value::Table(package) = state.globals.get(key(mc, "package")) else {
        return;
    };
    let current = match package.get(key(mc, "path")) {
        Value::String(s) => Some(s.to_str_lossy().into_owned()),
        _ => None,
    };
    let env = if state.host.borrow().ignore_env {
        None
    } else {
        path_env()
    };
    let initial = expand_path(env.as_deref(), DEFAULT_PATH);
    let path = match current {
        Some(current) if current != initial => {
            let d = dir.display().to_string();
            let d = if d.is_empty() { ".".to_string() } else { d };
            format!("{d}/?.lua;{d}/?/init.lua;{current}")
        }
        _ => expand_path(env.as_deref(), &script_default_path(dir)),
    };
    set_value(mc, state, package, "path", key(mc, &path));
}

fn package_table<'gc>(ctx: &Ctx<'gc, '_>) -> Result<Table<'gc>, LuaError<'gc>> {
    match ctx.upvalue(0) {
        Value::Table(t) => Ok(t),
        _ => Err(ctx.error("'package' table is missing")),
    }
}

fn package_string<'gc>(ctx: &Ctx<'gc, '_>, field: &str) -> Result<String, LuaError<'gc>> {
    let package = package_table(ctx)?;
    match package.get(key(ctx.mc, field)) {
        Value::String(s) => Ok(s.to_str_lossy().into_owned()),
        _ => Err(ctx.error(format!("'package.{field}' must be a string"))),
    }
}

/// Lua's `searchpath`: the first readable file, or the list of tried names
/// (`no file 'a'\n\tno file 'b'`, empty templates included, as Lua words it).
fn search_path(name: &str, path: &str, sep: &str, rep: &str) -> Result<String, String> {
    let name = if sep.is_empty() {
        name.to_string()
    } else {
        name.replace(sep, rep)
    };
    let path = path.replace('?', &name);
    for candidate in path.split(';').filter(|t| !t.is_empty()) {
        if std::fs::File::open(candidate).is_ok() {
            return Ok(candidate.to_string());
        }
    }
    Err(format!("no file '{}'", path.replace(';', "'\n\tno file '")))
}

fn searchpath<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let name = ctx.check_string(0)?.to_str_lossy().into_owned();
    let path = ctx.check_string(1)?.to_str_lossy().into_owned();
    let sep = ctx
        .opt_string(2)?
        .map(|s| s.to_str_lossy().into_owned())
        .unwrap_or(".".into());
    let rep = ctx
        .opt_string(3)?
        .map(|s| s.to_str_lossy().into_owned())
        .unwrap_or("/".into());
    match search_path(&name, &path, &sep, &rep) {
        Ok(f) => {
            let v = ctx.new_string(f.as_bytes());
            ctx.ret1(v)
        }
        Err(tried) => {
            ctx.push(Value::Nil);
            let v = ctx.new_string(tried.as_bytes());
            ctx.push(v);
            Ok(2)
        }
    }
}

/// `package.loadlib(path, funcname)`: wayfinder loads no C libraries, so it answers as a
/// lua5.4 built without dynamic library support does: nil, that message and `"absent"`.
fn loadlib<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    ctx.check_string(0)?;
    ctx.check_string(1)?;
    ctx.push(Value::Nil);
    let msg = ctx.new_string(b"dynamic libraries not enabled; check your Lua installation");
    ctx.push(msg);
    let kind = ctx.new_string(b"absent");
    ctx.push(kind);
    Ok(3)
}

fn searcher_preload<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let name = ctx.check_string(0)?;
    let package = package_table(ctx)?;
    let Value::Table(preload) = package.get(key(ctx.mc, "preload")) else {
        return Err(ctx.error("'package.preload' must be a table"));
    };
    let loader = preload.get(Value::String(name));
    if loader.is_nil() {
        let msg = format!("no field package.preload['{}']", name.to_str_lossy());
        let v = ctx.new_string(msg.as_bytes());
        return ctx.ret1(v);
    }
    ctx.push(loader);
    let v = ctx.new_string(b":preload:");
    ctx.push(v);
    Ok(2)
}

/// Compile a module file into a loader function.
fn file_loader<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    name: &str,
    file: &str,
) -> Result<Value<'gc>, LuaError<'gc>> {
    let src = std::fs::read(file).map_err(|e| {
        ctx.error(format!(
            "error loading module '{name}' from file '{file}':\n\t{e}"
        ))
    })?;
    let src = crate::runtime::load::file_source(src);
    ctx.state.modules.borrow_mut(ctx.mc).compiled =
        Some((file.to_string(), crate::modules::source_hash(&src)));
    let proto = compile_chunk(&src, &format!("@{file}")).map_err(|e| {
        ctx.error(format!(
            "error loading module '{name}' from file '{file}':\n\t{e}"
        ))
    })?;
    let proto = Proto::load(ctx.mc, ctx.state.strings, proto);
    let env = new_cell(ctx.mc, Value::Table(ctx.state.globals));
    Ok(Value::Function(new_closure(
        ctx.mc,
        proto,
        vec![env].into_boxed_slice(),
    )))
}

fn searcher_lua<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let name = ctx.check_string(0)?.to_str_lossy().into_owned();
    let path = package_string(ctx, "path")?;
    match search_path(&name, &path, ".", "/") {
        Ok(file) => {
            let loader = file_loader(ctx, &name, &file)?;
            ctx.push(loader);
            let v = ctx.new_string(file.as_bytes());
            ctx.push(v);
            Ok(2)
        }
        Err(tried) => {
            let v = ctx.new_string(tried.as_bytes());
            ctx.ret1(v)
        }
    }
}

fn searcher_c<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let name = ctx.check_string(0)?.to_str_lossy().into_owned();
    search_c_module(ctx, &name)
}

/// The all-in-one C loader: for `a.b.c`, library `a` would hold the module. Root names
/// are not its business (it returns nothing for them).
fn searcher_croot<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let name = ctx.check_string(0)?.to_str_lossy().into_owned();
    match name.split_once('.') {
        Some((root, _)) => search_c_module(ctx, root),
        None => Ok(0),
    }
}

/// C modules cannot be loaded by a pure-Rust runtime; report the files Lua would try.
fn search_c_module<'gc>(ctx: &mut Ctx<'gc, '_>, name: &str) -> R<'gc> {
    let cpath = package_string(ctx, "cpath")?;
    let tried = match search_path(name, &cpath, ".", "/") {
        Ok(file) => {
            format!("no loader for C module '{file}' (wayfinder loads only Lua modules)")
        }
        Err(t) => t,
    };
    let v = ctx.new_string(tried.as_bytes());
    ctx.ret1(v)
}

/// A project file beside the script that shadows standard library `name`, if any.
fn shadowing_file<'gc>(ctx: &Ctx<'gc, '_>, name: &str) -> Option<String> {
    if !STD_LIBS.contains(&name) {
        return None;
    }
    let dir = ctx.state.host.borrow().script_dir.clone()?;
    let file = dir.join(format!("{name}.lua"));
    file.is_file().then(|| file.display().to_string())
}

/// What `require(name)` found: the cached value, or a loader to run.
pub enum RequireStart<'gc> {
    Cached(Value<'gc>),
    Load(Box<PendingLoad<'gc>>),
}

/// A module being loaded by `require`: what the executor's `Builtin::Require` keeps
/// (`ThreadState::loads`) while the loader runs above its `Forward` frame, for
/// [`require_finish`] when the loader returns, or [`require_abandon`] when an error unwinds
/// through it.
#[derive(Collect)]
#[collect(no_drop)]
pub struct PendingLoad<'gc> {
    /// The `require` function (errors raised when finishing name it).
    pub native: NativeFunction<'gc>,
    pub name: LuaString<'gc>,
    pub loader: Value<'gc>,
    /// The loader data (the file name for a file module), `require`'s second result.
    pub extra: Value<'gc>,
    /// The globals before the loader ran (the module record lists those it assigned).
    globals_before: HashMap<Vec<u8>, Value<'gc>>,
    /// The file the searcher compiled for this load and its source hash.
    #[collect(require_static)]
    compiled: Option<(String, u64)>,
    /// Length of the registry's `loading` stack before this load's entry.
    #[collect(require_static)]
    depth: usize,
}

/// The first part of `require(name)`, up to the loader's call: the cached value, or a
/// loader found by the searchers (called nested: they are short) with the load begun
/// (`modules::begin_load`). The executor then calls the loader through a frame, so the
/// collector runs while a module's main chunk does (a nested call would stop it).
pub fn require_start<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<RequireStart<'gc>, LuaError<'gc>> {
    let name_s = ctx.check_string(0)?;
    let name = name_s.to_str_lossy().into_owned();
    crate::modules::note_dependency(ctx.mc, ctx.state, &name);
    let loaded = loaded_table(ctx.mc, ctx.state);
    let current = loaded.get(Value::String(name_s));
    let is_builtin_lib = STD_LIBS.contains(&name.as_str())
        && matches!((current, ctx.state.globals.get(Value::String(name_s))), (Value::Table(a), Value::Table(b)) if a.ptr_eq(b));
    if current.is_truthy() && !(is_builtin_lib && shadowing_file(ctx, &name).is_some()) {
        return Ok(RequireStart::Cached(current));
    }
    let (loader, extra) = if let Some(file) = shadowing_file(ctx, &name).filter(|_| is_builtin_lib)
    {
        let mut host = ctx.state.host.borrow_mut();
        if !host.shadow_warned.contains(&name) {
            host.shadow_warned.push(name.clone());
            eprintln!(
                "wayfinder: warning: require(\"{name}\") loads project file '{file}', which shadows the \
standard library '{name}'; the global '{name}' stays the standard library"
            );
        }
        drop(host);
        let loader = file_loader(ctx, &name, &file)?;
        (loader, ctx.new_string(file.as_bytes()))
    } else {
        find_loader(ctx, name_s, &name)?
    };
    let globals_before = crate::modules::globals_snapshot(ctx.state);
    let compiled = ctx.state.modules.borrow_mut(ctx.mc).compiled.take();
    let depth = ctx.state.modules.borrow().loading.len();
    crate::modules::begin_load(ctx.mc, ctx.state, &name);
    Ok(RequireStart::Load(Box::new(PendingLoad {
        native: ctx.func,
        name: name_s,
        loader,
        extra,
        globals_before,
        compiled,
        depth,
    })))
}

/// This load's entry of the registry's `loading` stack, taken off (with any a run stopped
/// by a limit left above it): the modules it required.
fn end_load_at<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, depth: usize) -> Vec<String> {
    state.modules.borrow_mut(mc).loading.truncate(depth + 1);
    crate::modules::end_load(mc, state)
}

/// An error unwound through the loader's call: the load ends, nothing is stored (and
/// `package.loaded[name]` stays unset).
pub fn require_abandon<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, load: &PendingLoad<'gc>) {
    end_load_at(mc, state, load.depth);
}

/// The last part of `require(name)`, once the loader returned `value` (its first result):
/// `package.loaded[name]` set, the load recorded for hot reload; `require`'s two results.
pub fn require_finish<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    load: PendingLoad<'gc>,
    value: Value<'gc>,
) -> Result<(Value<'gc>, Value<'gc>), LuaError<'gc>> {
    let PendingLoad {
        name: name_s,
        loader,
        extra,
        globals_before,
        compiled,
        depth,
        ..
    } = load;
    let deps = end_load_at(ctx.mc, ctx.state, depth);
    let loaded = loaded_table(ctx.mc, ctx.state);
    (ctx.state.before_table_write(ctx.mc, loaded)).map_err(|e| ctx.error(e.message()))?;
    if !value.is_nil() {
        loaded
            .set(ctx.mc, Value::String(name_s), value)
            .map_err(|e| ctx.error(e.message()))?;
    }
    let mut final_value = loaded.get(Value::String(name_s));
    if final_value.is_nil() {
        final_value = Value::Boolean(true);
        loaded
            .set(ctx.mc, Value::String(name_s), final_value)
            .map_err(|e| ctx.error(e.message()))?;
    }
    if let Value::Function(chunk) = loader {
        let file = match extra {
            Value::String(s) => Some(s.to_str_lossy().into_owned()),
            _ => None,
        };
        let source_hash = match (&file, compiled) {
            (Some(f), Some((c, h))) if *f == c => h,
            _ => 0,
        };
        let globals = crate::modules::assigned_globals(ctx.state, &globals_before);
        crate::modules::record_load(
            ctx.mc,
            ctx.state,
            crate::modules::Loaded {
                name: name_s.to_str_lossy().into_owned(),
                file,
                source_hash,
                root: chunk.proto.get(),
                value: final_value,
                deps,
                globals,
                is_main: false,
            },
        )
        .map_err(|e| ctx.core_error(e.message()))?;
    }
    Ok((final_value, extra))
}

fn find_loader<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    name_s: LuaString<'gc>,
    name: &str,
) -> Result<(Value<'gc>, Value<'gc>), LuaError<'gc>> {
    let package = package_table(ctx)?;
    let Value::Table(searchers) = package.get(key(ctx.mc, "searchers")) else {
        return Err(ctx.error("'package.searchers' must be a table"));
    };
    let mut msg = String::new();
    let mut i = 1;
    loop {
        let searcher = searchers.get_int(i);
        if searcher.is_nil() {
            return Err(ctx.error(format!("module '{name}' not found:{msg}")));
        }
        let r = ctx.call(searcher, &[Value::String(name_s)])?;
        match r.first().copied().unwrap_or(Value::Nil) {
            f @ (Value::Function(_) | Value::NativeFunction(_)) => {
                return Ok((f, r.get(1).copied().unwrap_or(Value::Nil)));
            }
            // Each searcher's explanation goes on its own line (`findloader`).
            v @ (Value::String(_) | Value::Integer(_) | Value::Number(_)) => {
                msg.push_str("\n\t");
                msg.push_str(&ctx.to_display_string(v)?.to_str_lossy());
            }
            _ => {}
        }
        i += 1;
    }
}

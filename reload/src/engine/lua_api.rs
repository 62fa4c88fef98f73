//! The engine's Lua interface: `debug.reloadModule(name [, options])` returns
//! `true, report` or `false, message` and never throws for a failed reload; reports as Lua
//! tables (also what `__on_reload(M, report)` receives).

use wayfinder_vm::function::{new_native, NativeKind};
use wayfinder_vm::runtime::ctx::Ctx;
use wayfinder_vm::runtime::error::LuaError;
use wayfinder_vm::runtime::LuaEnv;
use wayfinder_vm::string::LuaString;
use wayfinder_vm::table::Table;
use wayfinder_vm::value::Value;

use crate::report::{ModuleReport, Report};
use crate::request::{Policy, ReloadRequest};

fn s<'gc>(env: &LuaEnv<'gc, '_>, text: &str) -> Value<'gc> {
    Value::String(LuaString::new(env.mc, text.as_bytes()))
}

fn set<'gc>(env: &LuaEnv<'gc, '_>, t: Table<'gc>, k: &str, v: Value<'gc>) {
    let _ = t.set(env.mc, s(env, k), v);
}

fn list<'gc>(env: &LuaEnv<'gc, '_>, items: impl IntoIterator<Item = String>) -> Value<'gc> {
    let t = Table::new(env.mc);
    for (i, item) in items.into_iter().enumerate() {
        t.set_int_internal(env.mc, i as i64 + 1, s(env, &item));
    }
    Value::Table(t)
}

fn fill_module<'gc>(env: &LuaEnv<'gc, '_>, t: Table<'gc>, m: &ModuleReport) {
    set(env, t, "module", s(env, &m.module));
    set(env, t, "mode", s(env, &m.mode));
    if let Some(f) = &m.file {
        set(env, t, "file", s(env, f));
    }
    set(
        env,
        t,
        "rebound",
        list(env, m.rebound.iter().map(|r| r.function.clone())),
    );
    let closures = Table::new(env.mc);
    for r in &m.rebound {
        let _ = closures.set(
            env.mc,
            s(env, &r.function),
            Value::Integer(r.closures as i64),
        );
    }
    set(env, t, "closures", Value::Table(closures));
    set(env, t, "added", list(env, m.added.iter().cloned()));
    set(env, t, "removed", list(env, m.removed.iter().cloned()));
    set(
        env,
        t,
        "unmatched",
        list(env, m.unmatched.iter().map(|r| r.function.clone())),
    );
    set(env, t, "kept", list(env, m.kept.iter().cloned()));
    set(env, t, "updated", list(env, m.updated.iter().cloned()));
    set(env, t, "joined", list(env, m.joined.iter().cloned()));
    set(
        env,
        t,
        "freshUpvalues",
        list(env, m.fresh_upvalues.iter().cloned()),
    );
    set(
        env,
        t,
        "warnings",
        list(
            env,
            m.warnings
                .iter()
                .map(|w| format!("{}: {}", w.kind, w.message)),
        ),
    );
    set(
        env,
        t,
        "framesInOldCode",
        Value::Integer(m.frames_in_old_code as i64),
    );
    set(env, t, "summary", s(env, &m.summary()));
}

/// One module's report as a Lua table.
pub(super) fn report_table<'gc>(env: &mut LuaEnv<'gc, '_>, m: &ModuleReport) -> Value<'gc> {
    let t = Table::new(env.mc);
    fill_module(env, t, m);
    Value::Table(t)
}

/// A whole report as a Lua table; with one module, its fields are also at the top level.
fn whole_report<'gc>(env: &mut LuaEnv<'gc, '_>, r: &Report) -> Value<'gc> {
    let t = Table::new(env.mc);
    if r.modules.len() == 1 {
        fill_module(env, t, &r.modules[0]);
    }
    let status = match r.status {
        crate::report::Status::Applied => "applied",
        crate::report::Status::Skipped => "skipped",
    };
    set(env, t, "status", s(env, status));
    if let Some(why) = &r.skipped {
        set(env, t, "skipped", s(env, why));
    }
    set(env, t, "durationMs", Value::Number(r.duration_ms));
    set(env, t, "text", s(env, &r.render()));
    let mods = Table::new(env.mc);
    for (i, m) in r.modules.iter().enumerate() {
        let mt = Table::new(env.mc);
        fill_module(env, mt, m);
        mods.set_int_internal(env.mc, i as i64 + 1, Value::Table(mt));
    }
    set(env, t, "modules", Value::Table(mods));
    Value::Table(t)
}

fn string_option<'gc>(ctx: &Ctx<'gc, '_>, opts: Option<Table<'gc>>, name: &str) -> Option<String> {
    let t = opts?;
    let key = Value::String(LuaString::new(ctx.mc, name.as_bytes()));
    match t.get(key) {
        Value::String(v) => Some(v.to_str_lossy().into_owned()),
        _ => None,
    }
}

/// `debug.reloadModule(name [, options])`; `name` may be a list of names (one transaction,
/// dependencies first). Upvalue 1 is the policy as JSON.
fn reload_module<'gc>(ctx: &mut Ctx<'gc, '_>) -> Result<usize, LuaError<'gc>> {
    let names = match ctx.arg(0) {
        Value::Table(list) => {
            let mut names = Vec::new();
            let mut i = 1;
            while let Value::String(n) = list.get_int(i) {
                names.push(n.to_str_lossy().into_owned());
                i += 1;
            }
            names
        }
        _ => vec![ctx.check_string(0)?.to_str_lossy().into_owned()],
    };
    let opts = match ctx.arg(1) {
        Value::Table(t) => Some(t),
        Value::Nil => None,
        _ => return Err(ctx.type_error(1, "table")),
    };
    let policy: Policy = match ctx.upvalue(0) {
        Value::String(p) => serde_json::from_slice(p.as_bytes()).unwrap_or_default(),
        _ => Policy::default(),
    };
    let request = ReloadRequest {
        modules: names,
        function: string_option(ctx, opts, "function"),
        table: string_option(ctx, opts, "table"),
        condition: string_option(ctx, opts, "condition"),
        reason: string_option(ctx, opts, "reason"),
        source: string_option(ctx, opts, "source"),
    };
    let mut env = ctx.env();
    let (ok, value) = match super::reload(&mut env, &policy, &request) {
        Ok(report) => (true, whole_report(&mut env, &report)),
        Err(e) => (false, s(&env, &e.message)),
    };
    ctx.push(Value::Boolean(ok));
    ctx.push(value);
    Ok(2)
}

/// Install `debug.reloadModule` (following `policy`) into a runtime.
pub fn install(rt: &mut wayfinder_vm::Runtime, policy: &Policy) {
    let json = serde_json::to_string(policy).unwrap_or_default();
    rt.with_env(|env| {
        let debug_key = s(env, "debug");
        let Value::Table(debug) = env.state.globals.get(debug_key) else {
            return;
        };
        let policy = s(env, &json);
        let f = new_native(
            env.mc,
            "reloadModule",
            NativeKind::Fn(reload_module),
            vec![policy],
        );
        let _ = debug.set(env.mc, s(env, "reloadModule"), Value::NativeFunction(f));
    });
}

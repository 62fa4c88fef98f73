//! Applying one module inside the open transaction: the whole module (run the new chunk,
//! match, rebind, join locals, merge, hooks), only its functions (`--function`, and the
//! entry script, whose top level never runs again), or one table field (`--table`).

use gc_arena::Gc;
use wayfinder_vm::function::{new_cell, new_closure, set_closure_parts, Proto, UpvalueCell};
use wayfinder_vm::modules::{self, chunk_cells, Loaded, ModuleRecord};
use wayfinder_vm::runtime::LuaEnv;
use wayfinder_vm::string::LuaString;
use wayfinder_vm::table::Table;
use wayfinder_vm::value::Value;

use super::lua_api::report_table;
use super::matching::{self, match_trees};
use super::merge::Merger;
use super::rebind::{frames_in, rebind_all, Linker};
use super::{error_text, Plan};
use crate::report::{ErrorKind, FunctionCount, ModuleReport, ReloadError, Warning};
use crate::request::Policy;

fn key<'gc>(env: &LuaEnv<'gc, '_>, s: &str) -> Value<'gc> {
    Value::String(env.state.intern(env.mc, s.as_bytes()))
}

fn new_report(record: &ModuleRecord<'_>, file: &Option<String>, mode: &str) -> ModuleReport {
    ModuleReport {
        module: record.name.clone(),
        file: file.clone().or_else(|| record.file.clone()),
        mode: mode.to_string(),
        ..ModuleReport::default()
    }
}

fn warn(report: &mut ModuleReport, kind: &str, message: String) {
    report.warnings.push(Warning {
        kind: kind.to_string(),
        message,
    });
}

/// What running the new chunk produced.
struct NewLoad<'gc> {
    root: Gc<'gc, Proto<'gc>>,
    env_cell: UpvalueCell<'gc>,
    value: Value<'gc>,
    deps: Vec<String>,
    globals: Vec<String>,
}

/// Run the new chunk as `require` would (same arguments, dependency and globals
/// bookkeeping), inside the open transaction.
fn run_new_chunk<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    plan: &Plan<'gc>,
) -> Result<NewLoad<'gc>, ReloadError> {
    let mc = env.mc;
    let name = plan.record.name.clone();
    let root = Proto::load(mc, env.state.strings, plan.info.clone());
    let env_cell = new_cell(mc, Value::Table(env.state.globals));
    let chunk = new_closure(mc, root, vec![env_cell].into_boxed_slice());
    let globals_before = modules::globals_snapshot(env.state);
    modules::begin_load(mc, env.state, &name);
    let file_arg = match &plan.file {
        Some(f) => Value::String(LuaString::new(mc, f.as_bytes())),
        None => Value::Nil,
    };
    let result = env.call(Value::Function(chunk), &[key(env, &name), file_arg]);
    let deps = modules::end_load(mc, env.state);
    let results = result.map_err(|e| {
        let text = error_text(env, e);
        ReloadError::new(
            ErrorKind::Runtime,
            Some(&name),
            format!("the new version of '{name}' raised an error while loading: {text}"),
        )
    })?;
    let mut value = results.first().copied().unwrap_or(Value::Nil);
    if value.is_nil() {
        // A chunk may store itself in package.loaded instead of returning.
        let loaded = wayfinder_vm::stdlib::package::loaded_table(mc, env.state);
        value = loaded.get(key(env, &name));
        if value.is_nil() || value.raw_eq(plan.record.value) {
            value = Value::Boolean(true);
        }
    }
    let globals = modules::assigned_globals(env.state, &globals_before);
    Ok(NewLoad {
        root,
        env_cell,
        value,
        deps,
        globals,
    })
}

fn call_hook<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    module: &str,
    target: Value<'gc>,
    hook: &str,
    args: &[Value<'gc>],
) -> Result<(), ReloadError> {
    let Value::Table(t) = target else {
        return Ok(());
    };
    let f = t.get(key(env, hook));
    if f.is_nil() {
        return Ok(());
    }
    env.call(f, args).map(|_| ()).map_err(|e| {
        let text = error_text(env, e);
        ReloadError::new(
            ErrorKind::Hook,
            Some(module),
            format!("{hook} of '{module}' raised an error: {text}"),
        )
    })
}

/// Rebind the matched functions of `old_root` to `new_root` under `linker`; report what
/// was rebound, left on old code and added.
fn rebind_tree<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    policy: &Policy,
    old_root: Gc<'gc, Proto<'gc>>,
    new_root: Gc<'gc, Proto<'gc>>,
    linker: &Linker<'gc>,
    report: &mut ModuleReport,
    scope: Option<&str>,
) {
    // With a scope, only that function and the functions nested in it.
    let within = |id: &str| match scope {
        None => true,
        Some(f) => id == f || id.starts_with(&format!("{f}/")),
    };
    let mut m = match_trees(old_root, new_root);
    m.pairs.retain(|(_, n)| within(&n.info.identity));
    m.unmatched.retain(|o| within(&o.info.identity));
    m.added.retain(|n| within(&n.info.identity));
    for (old, new) in m.pairs {
        if new.info.identity.is_empty() {
            continue; // the chunk itself never runs again
        }
        let (plan, fresh) = linker.plan(old, new);
        let r = rebind_all(env, old, new, plan, fresh);
        if r.closures > 0 {
            report.rebound.push(FunctionCount {
                function: new.info.identity.clone(),
                closures: r.closures,
            });
        }
        for name in r.fresh {
            let what = format!("{}: upvalue '{name}'", new.info.identity);
            if policy.warnings.closure_upvalues {
                warn(
                    report,
                    "closureUpvalues",
                    format!(
                        "{} closure(s) of {} created before the reload get the new upvalue '{name}' as nil",
                        r.closures, new.info.identity
                    ),
                );
            }
            report.fresh_upvalues.push(what);
        }
    }
    for old in m.unmatched {
        let live = Proto::live_closures(old, env.mc);
        let n = env.state.modules.borrow().count_kept(&live);
        if n > 0 && !old.info.identity.is_empty() {
            report.unmatched.push(FunctionCount {
                function: old.info.identity.clone(),
                closures: n,
            });
            if policy.warnings.function_identity {
                warn(
                    report,
                    "functionIdentity",
                    format!(
                        "{} has no counterpart in the new version (renamed or deleted); its {n} live closure(s) keep running the old code",
                        old.info.identity
                    ),
                );
            }
        }
    }
    for new in m.added {
        let id = &new.info.identity;
        if !id.is_empty() && !id.contains('<') {
            report.added.push(id.clone());
        }
    }
}

/// Reload a whole module: run its new chunk, rebind, join chunk locals, merge values and
/// globals, run the hooks.
pub(super) fn reload_module<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    policy: &Policy,
    plan: Plan<'gc>,
) -> Result<ModuleReport, ReloadError> {
    let mc = env.mc;
    let rec = plan.record.clone();
    let name = rec.name.clone();
    let mut report = new_report(&rec, &plan.file, "module");
    let old_value = rec.value;
    call_hook(env, &name, old_value, "__before_reload", &[old_value])?;

    let new = run_new_chunk(env, &plan)?;
    // The next reload's baseline: what this load produced, before merging.
    let mut record = modules::make_record(
        mc,
        env.state,
        Loaded {
            name: name.clone(),
            file: plan.file.clone(),
            source_hash: plan.source_hash,
            root: new.root,
            value: new.value,
            deps: new.deps.clone(),
            globals: new.globals.clone(),
            is_main: false,
        },
    )
    .map_err(|_| {
        ReloadError::new(
            ErrorKind::Runtime,
            Some(&name),
            format!("not enough memory to record the new version of '{name}' (the next reload's baseline); the reload was rolled back"),
        )
    })?;

    // Chunk-level locals: the new version's that existed before join the old cells.
    let (old_cells, _) = chunk_cells(mc, rec.root);
    let (new_cells, ambiguous) = chunk_cells(mc, new.root);
    for n in ambiguous {
        warn(
            &mut report,
            "ambiguousLocal",
            format!("chunk-level local '{n}' is bound to several cells (declared twice or in a loop); its closures keep their own"),
        );
    }
    let mut linker = Linker::new(new.root);
    linker.env = Some(new.env_cell);
    let mut joins: Vec<Join<'gc>> = Vec::new();
    for (n, ncell) in new_cells {
        let old = old_cells.iter().find(|(o, _)| *o == n).map(|(_, c)| *c);
        match old {
            Some(ocell) if policy.preserve.upvalues => {
                report.joined.push(n.clone());
                joins.push(Join {
                    name: n.clone(),
                    new: ncell,
                    old: ocell,
                });
                linker.shared.push((n, ocell));
            }
            _ => linker.shared.push((n, ncell)),
        }
    }

    let old_protos = code_of(rec.root);
    rebind_tree(env, policy, rec.root, new.root, &linker, &mut report, None);
    relink_new_closures(env, new.root, &joins);

    // One merger for the module value, then the joined locals, then the globals, so a
    // table reachable from several of them is merged once, under the module's path.
    let mut merger = Merger::new(mc, env.state, *policy, &mut report);
    let merged = match (old_value, new.value) {
        (Value::Table(o), Value::Table(n)) if policy.preserve.tables => {
            merger.merge_table(o, n, rec.baseline, &name);
            old_value
        }
        (Value::Function(o), Value::Function(n)) => {
            if Gc::ptr_eq(o.proto.get(), n.proto.get()) {
                old_value
            } else {
                new.value
            }
        }
        (o, n) if o.type_name() == n.type_name() => merger.merge_value(o, rec.baseline, n, &name),
        (o, n) => {
            let (was, now) = (o.type_name(), n.type_name());
            merger.report.warnings.push(Warning {
                kind: "typeChanged".into(),
                message: format!(
                    "'{name}' was a {was} and is now a {now}: code that kept the old value keeps it"
                ),
            });
            n
        }
    };
    for j in &joins {
        let base = rec
            .baseline_locals
            .get(Value::String(LuaString::new(mc, j.name.as_bytes())));
        let value =
            merger.merge_value(j.old.get(), base, j.new.get(), &format!("local {}", j.name));
        if !value.raw_eq(j.old.get()) {
            env.state.before_cell_write(mc, j.old);
            j.old.set(mc, value);
        }
    }
    // Globals the module assigns: the new chunk overwrote them; three-way against the
    // values they had before this transaction.
    if policy.preserve.globals {
        let globals = env.state.globals;
        let original = env.state.original_table(globals);
        for g in &new.globals {
            let k = Value::String(LuaString::new(mc, g.as_bytes()));
            let now = globals.get(k);
            let Some(before) = original.as_ref().map(|d| d.get(k)) else {
                continue;
            };
            if before.is_nil() {
                merger.report.updated.push(format!("global {g}"));
                continue;
            }
            let base = rec.baseline_globals.get(k);
            let value = merger.merge_value(before, base, now, &format!("global {g}"));
            if !value.raw_eq(now) {
                let written = env.state.journaled_set(mc, globals, k, value);
                if written.is_err() && merger.refused.is_none() {
                    merger.refused = Some(format!("global {g}"));
                }
            }
        }
    }
    if let Some(path) = merger.refused.take() {
        return Err(out_of_memory(&name, &path));
    }
    let discarded = std::mem::take(&mut merger.discarded);
    drop(merger);
    env.state.modules.borrow_mut(mc).discard(discarded);

    let loaded = wayfinder_vm::stdlib::package::loaded_table(mc, env.state);
    let name_key = key(env, &name);
    if !loaded.get(name_key).raw_eq(merged) {
        let written = env.state.journaled_set(mc, loaded, name_key, merged);
        if written.is_err() {
            return Err(out_of_memory(&name, "package.loaded"));
        }
    }

    report.frames_in_old_code = frames_in(env, &old_protos);
    record.value = merged;
    env.state.modules.borrow_mut(mc).put(record);

    let report_value = report_table(env, &report);
    call_hook(env, &name, merged, "__on_reload", &[merged, report_value])?;
    Ok(report)
}

/// The error for a merge write the allocator refused; the caller rolls the reload back,
/// so the program keeps every value it had.
fn out_of_memory(module: &str, path: &str) -> ReloadError {
    ReloadError::new(
        ErrorKind::Runtime,
        Some(module),
        format!("not enough memory to merge '{path}'; the reload was rolled back"),
    )
}

/// Every prototype whose code a module's frames may be running now: the record's tree
/// and what earlier function reloads replaced its functions with.
fn code_of<'gc>(root: Gc<'gc, Proto<'gc>>) -> Vec<Gc<'gc, Proto<'gc>>> {
    let tree = Proto::tree(root);
    let mut out = tree.clone();
    out.extend(tree.into_iter().map(Proto::resolve));
    out
}

/// A chunk-level local of the new version joined to the running program's cell.
struct Join<'gc> {
    name: String,
    new: UpvalueCell<'gc>,
    old: UpvalueCell<'gc>,
}

/// Closures the new chunk made (kept in its tables, or handed to other modules) use the
/// joined cells too.
fn relink_new_closures<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    root: Gc<'gc, Proto<'gc>>,
    joins: &[Join<'gc>],
) {
    if joins.is_empty() {
        return;
    }
    let mc = env.mc;
    let joined = |u: &UpvalueCell<'gc>| joins.iter().find(|j| Gc::ptr_eq(j.new, *u)).map(|j| j.old);
    for p in Proto::tree(root) {
        for c in Proto::live_closures(p, mc) {
            let ups = c.upvalues.borrow().clone();
            if ups.iter().any(|u| joined(u).is_some()) {
                let relinked: Box<[UpvalueCell<'gc>]> =
                    ups.iter().map(|u| joined(u).unwrap_or(*u)).collect();
                env.state.before_closure_write(mc, c);
                set_closure_parts(mc, c, c.proto.get(), relinked);
            }
        }
    }
}

/// Rebind functions without running the chunk: one function (and its nested functions)
/// for `--function`, or every function of the entry script.
pub(super) fn rebind_functions<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    policy: &Policy,
    plan: Plan<'gc>,
    only: Option<&str>,
) -> Result<ModuleReport, ReloadError> {
    let mc = env.mc;
    let rec = plan.record.clone();
    let name = rec.name.clone();
    let mut report = new_report(
        &rec,
        &plan.file,
        if only.is_some() { "function" } else { "entry" },
    );
    let new_root = Proto::load(mc, env.state.strings, plan.info.clone());
    let (old_cells, _) = chunk_cells(mc, rec.root);
    let mut linker = Linker::new(new_root);
    linker.shared = old_cells;
    linker.env = Some(new_cell(mc, Value::Table(env.state.globals)));

    let scope = match only {
        None => None,
        Some(f) => {
            let new_f = matching::find(new_root, f).map_err(|candidates| {
                let detail = if candidates.len() > 1 {
                    format!("'{f}' could be any of: {}", candidates.join(", "))
                } else {
                    format!("it has: {}", matching::names(new_root).join(", "))
                };
                ReloadError::new(
                    ErrorKind::Refused,
                    Some(&name),
                    format!("the new source of '{name}' has no function '{f}' ({detail})"),
                )
            })?;
            let f = new_f.info.identity.clone();
            let old_f = matching::find(rec.root, &f).map_err(|_| {
                ReloadError::new(
                    ErrorKind::Refused,
                    Some(&name),
                    format!("the running '{name}' has no function '{f}'; reload the whole module to add it"),
                )
            })?;
            let (_, fresh) = linker.plan(Proto::resolve(old_f), new_f);
            if let Some(up) = fresh.first() {
                return Err(ReloadError::new(
                    ErrorKind::Refused,
                    Some(&name),
                    format!(
                        "the new code of '{f}' needs upvalue '{up}', which does not exist in the running program; reload the whole module instead"
                    ),
                ));
            }
            Some(f)
        }
    };
    let mut scoped = ModuleReport::default();
    let old_protos = code_of(rec.root);
    rebind_tree(
        env,
        policy,
        rec.root,
        new_root,
        &linker,
        &mut scoped,
        scope.as_deref(),
    );
    report.rebound = scoped.rebound;
    report.fresh_upvalues = scoped.fresh_upvalues;
    report.warnings = scoped.warnings;
    report.unmatched = scoped.unmatched;
    for a in scoped.added {
        if scope.is_none() {
            warn(
                &mut report,
                "entryScript",
                format!("new function {a} is not created: the entry script's top level does not run again"),
            );
        }
    }
    report.frames_in_old_code = frames_in(env, &old_protos);
    Ok(report)
}

/// Every table reachable from `v` (fields and metatables), each once.
fn reachable_tables<'gc>(v: Value<'gc>, out: &mut Vec<Table<'gc>>) {
    let Value::Table(t) = v else { return };
    if out.iter().any(|x| x.ptr_eq(t)) {
        return;
    }
    out.push(t);
    let mut k = Value::Nil;
    while let Ok(Some((nk, nv))) = t.next(k) {
        reachable_tables(nk, out);
        reachable_tables(nv, out);
        k = nk;
    }
    if let Some(mt) = t.metatable() {
        reachable_tables(Value::Table(mt), out);
    }
}

/// `--table NAME`: run the new chunk, keep only its field `NAME`, roll everything else
/// back, and merge that one value into the running module table.
pub(super) fn reload_table<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    policy: &Policy,
    plan: Plan<'gc>,
    field: &str,
) -> Result<ModuleReport, ReloadError> {
    let mc = env.mc;
    let rec = plan.record.clone();
    let name = rec.name.clone();
    let Value::Table(old_module) = rec.value else {
        return Err(ReloadError::new(
            ErrorKind::Refused,
            Some(&name),
            format!(
                "'{name}' is a {}, not a table: it has no field '{field}'",
                rec.value.type_name()
            ),
        ));
    };
    if !env.state.begin_transaction(mc) {
        return Err(ReloadError::new(
            ErrorKind::Refused,
            Some(&name),
            "a reload is already in progress",
        ));
    }
    let run = run_new_chunk(env, &plan);
    let fkey = key(env, field);
    let rescued = match &run {
        Ok(new) => match new.value {
            Value::Table(t) if !t.get(fkey).is_nil() => {
                let v = t.get(fkey);
                let mut tables = Vec::new();
                reachable_tables(v, &mut tables);
                tables
                    .into_iter()
                    .map(|t| t.snapshot().map(|copy| (t, copy)))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|copies| (v, copies))
                    .map_err(|_| out_of_memory(&name, &format!("{name}.{field}")))
            }
            other => Err(ReloadError::new(
                ErrorKind::Refused,
                Some(&name),
                format!(
                    "the new version of '{name}' has no field '{field}' (it returned a {})",
                    other.type_name()
                ),
            )),
        },
        Err(e) => Err(e.clone()),
    };
    env.state.roll_back_transaction(mc);
    let (new_value, tables) = rescued?;
    for (t, data) in tables {
        t.restore(mc, data);
    }
    let mut report = new_report(&rec, &plan.file, "table");
    if !env.state.begin_transaction(mc) {
        return Err(ReloadError::new(
            ErrorKind::Refused,
            Some(&name),
            "a reload is already in progress",
        ));
    }
    {
        let mut merger = Merger::new(mc, env.state, *policy, &mut report);
        let cur = old_module.get(fkey);
        let base = match env.state.modules.borrow().is_shadow(rec.baseline) {
            Some(b) => b.get(fkey),
            None => Value::Nil,
        };
        let path = format!("{name}.{field}");
        let merged = merger.merge_value(cur, base, new_value, &path);
        if !merged.raw_eq(cur) {
            let written = env.state.journaled_set(mc, old_module, fkey, merged);
            if written.is_err() && merger.refused.is_none() {
                merger.refused = Some(path);
            }
        }
        if let Some(path) = merger.refused.take() {
            env.state.roll_back_transaction(mc);
            return Err(out_of_memory(&name, &path));
        }
    }
    // The field's baseline is now what this version produced.
    let shadow = env.state.modules.borrow().is_shadow(rec.baseline);
    if let Some(b) = shadow {
        let mut shadower = modules::Shadower::new(mc, env.state, rec.value);
        let sv = shadower.shadow(mc, new_value);
        let written = env.state.journaled_set(mc, b, fkey, sv);
        if shadower.refused || written.is_err() {
            env.state.roll_back_transaction(mc);
            return Err(out_of_memory(&name, &format!("{name}.{field}")));
        }
    }
    env.state.commit_transaction(mc);
    Ok(report)
}

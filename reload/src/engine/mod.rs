//! The reload transaction: compile, run, merge, report — all or nothing.
//!
//! [`reload`] compiles every requested module first (a syntax error changes nothing),
//! then opens one transaction on the VM (`State::begin_transaction`: every write to an
//! existing table, upvalue cell, closure or prototype forward is journaled) and applies
//! the modules in dependency order (`apply.rs`). Any error rolls the whole batch back.

mod apply;
mod lua_api;
mod matching;
mod merge;
mod rebind;

use std::rc::Rc;
use std::time::Instant;

use wayfinder_vm::bytecode::FunctionProto;
use wayfinder_vm::function::{new_cell, new_closure, Proto};
use wayfinder_vm::modules::ModuleRecord;
use wayfinder_vm::runtime::load::{compile_chunk, file_source, LoadError};
use wayfinder_vm::runtime::LuaEnv;
use wayfinder_vm::syntax::LineIndex;
use wayfinder_vm::value::Value;

use crate::report::{ErrorKind, Location, ReloadError, Report, Status};
use crate::request::{Policy, ReloadRequest};

pub use lua_api::install;

/// A module to reload, compiled and ready.
struct Plan<'gc> {
    record: ModuleRecord<'gc>,
    /// The file the new source came from (or the record's, for host-given source).
    file: Option<String>,
    source_hash: u64,
    info: Rc<FunctionProto>,
}

/// Apply `request` to the program running in `env`, following `policy`. Returns the report
/// (applied, or skipped by its condition), or why it was refused — in which case nothing
/// in the running program changed.
pub fn reload(
    env: &mut LuaEnv<'_, '_>,
    policy: &Policy,
    request: &ReloadRequest,
) -> Result<Report, ReloadError> {
    let started = Instant::now();
    let first = request.modules.first().map(String::as_str);
    if !policy.enabled {
        return Err(ReloadError::new(
            ErrorKind::Disabled,
            first,
            "hot reload is disabled (hotReload.enabled is false in wayfinder.yaml)",
        ));
    }
    if env.state.txn_open.get() {
        return Err(ReloadError::new(
            ErrorKind::Refused,
            first,
            "a reload is already in progress (reload called from inside a reload)",
        ));
    }
    if request.modules.is_empty() {
        return Err(ReloadError::new(
            ErrorKind::NotLoaded,
            None,
            "no module to reload was named",
        ));
    }
    let single = request.modules.len() == 1;
    if !single
        && (request.function.is_some() || request.table.is_some() || request.source.is_some())
    {
        return Err(ReloadError::new(
            ErrorKind::Refused,
            None,
            "function, table and source apply to a single module; name only one",
        ));
    }
    if let Some(expr) = &request.condition {
        if let Some(reason) = condition_skips(env, expr)? {
            return Ok(Report {
                status: Status::Skipped,
                reason: request.reason.clone(),
                skipped: Some(reason),
                modules: Vec::new(),
                duration_ms: elapsed_ms(started),
            });
        }
    }
    let plans = plan_modules(env, request)?;
    let modules = if let Some(field) = &request.table {
        let plan = plans.into_iter().next().expect("one module");
        vec![apply::reload_table(env, policy, plan, field)?]
    } else {
        if !env.state.begin_transaction(env.mc) {
            return Err(ReloadError::new(
                ErrorKind::Refused,
                first,
                "a reload is already in progress",
            ));
        }
        let mut reports = Vec::new();
        for plan in plans {
            let result = if plan.record.is_main || request.function.is_some() {
                apply::rebind_functions(env, policy, plan, request.function.as_deref())
            } else {
                apply::reload_module(env, policy, plan)
            };
            match result {
                Ok(r) => reports.push(r),
                Err(e) => {
                    env.state.roll_back_transaction(env.mc);
                    return Err(e);
                }
            }
        }
        env.state.commit_transaction(env.mc);
        reports
    };
    // Frames running code whose closures were rebound keep their old upvalue layout: this
    // thread's now (its frames run as soon as we return), other threads' before they run.
    let generation = env.state.reload_generation.get() + 1;
    env.state.reload_generation.set(generation);
    env.th.reload_generation = generation;
    wayfinder_vm::function::detach_rebound_frames(env.mc, env.th);
    Ok(Report {
        status: Status::Applied,
        reason: request.reason.clone(),
        skipped: None,
        modules,
        duration_ms: elapsed_ms(started),
    })
}

fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// The text of a Lua error value (`tostring`, `__tostring` honoured).
fn error_text<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    e: wayfinder_vm::runtime::error::LuaError<'gc>,
) -> String {
    match e.value {
        Value::String(s) => s.to_str_lossy().into_owned(),
        Value::Nil => "nil".into(),
        v => env.display(v),
    }
}

/// Evaluate a condition in the program's globals; `Some(reason)` when it is falsy. Its side
/// effects are rolled back.
fn condition_skips(env: &mut LuaEnv<'_, '_>, expr: &str) -> Result<Option<String>, ReloadError> {
    let source = format!("return ({expr})");
    let info = compile_chunk(source.as_bytes(), "=condition").map_err(|e| {
        ReloadError::new(
            ErrorKind::Syntax,
            None,
            format!("condition `{expr}` does not compile: {e}"),
        )
    })?;
    let mc = env.mc;
    let proto = Proto::load(mc, env.state.strings, info);
    let f = new_closure(
        mc,
        proto,
        vec![new_cell(mc, Value::Table(env.state.globals))].into_boxed_slice(),
    );
    if !env.state.begin_transaction(mc) {
        return Err(ReloadError::new(
            ErrorKind::Refused,
            None,
            "a reload is already in progress",
        ));
    }
    let result = env.call(Value::Function(f), &[]);
    env.state.roll_back_transaction(mc);
    match result {
        Ok(values) if values.first().is_some_and(|v| v.is_truthy()) => Ok(None),
        Ok(values) => {
            let v = values.first().copied().unwrap_or(Value::Nil);
            let shown = env.display(v);
            Ok(Some(format!("condition `{expr}` is {shown}")))
        }
        Err(e) => {
            let text = error_text(env, e);
            Err(ReloadError::new(
                ErrorKind::Runtime,
                None,
                format!("condition `{expr}` raised an error: {text}"),
            ))
        }
    }
}

/// Look up, read and compile every requested module, in dependency order.
fn plan_modules<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    request: &ReloadRequest,
) -> Result<Vec<Plan<'gc>>, ReloadError> {
    let records: Vec<ModuleRecord<'gc>> = env.state.modules.borrow().records.clone();
    let mut chosen = Vec::new();
    for name in &request.modules {
        let Some(rec) = records.iter().find(|r| &r.name == name) else {
            let mut known: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
            known.sort();
            let list = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err(ReloadError::new(
                ErrorKind::NotLoaded,
                Some(name),
                format!("module '{name}' is not loaded (loaded modules: {list})"),
            ));
        };
        if !chosen.iter().any(|r: &ModuleRecord| r.name == rec.name) {
            chosen.push(rec.clone());
        }
    }
    let ordered = dependency_order(chosen);
    let mut plans = Vec::new();
    for record in ordered {
        let (source, file) = match &request.source {
            Some(s) => (s.clone().into_bytes(), record.file.clone()),
            None => {
                let Some(file) = record.file.clone() else {
                    return Err(ReloadError::new(
                        ErrorKind::Io,
                        Some(&record.name),
                        format!(
                            "module '{}' was not loaded from a file; reload it from source",
                            record.name
                        ),
                    ));
                };
                let bytes = std::fs::read(&file).map_err(|e| {
                    ReloadError::new(
                        ErrorKind::Io,
                        Some(&record.name),
                        format!("cannot read '{file}' for module '{}': {e}", record.name),
                    )
                })?;
                (file_source(bytes), Some(file))
            }
        };
        let display = file.clone().unwrap_or_else(|| format!("={}", record.name));
        let chunk_name = match &file {
            Some(f) => format!("@{f}"),
            None => format!("={}", record.name),
        };
        let info = compile_chunk(&source, &chunk_name)
            .map_err(|e| syntax_error(&record.name, &display, &source, e))?;
        plans.push(Plan {
            source_hash: wayfinder_vm::modules::source_hash(&source),
            record,
            file,
            info,
        });
    }
    Ok(plans)
}

fn syntax_error(module: &str, file: &str, source: &[u8], e: LoadError) -> ReloadError {
    match e {
        LoadError::Syntax { error, .. } => {
            let (line, column) = LineIndex::new(source).line_col(error.span.start);
            let mut r = ReloadError::new(
                ErrorKind::Syntax,
                Some(module),
                format!("{file}:{line}:{column}: {}", error.message),
            );
            r.location = Some(Location {
                file: file.to_string(),
                line: line as usize,
                column: column as usize,
            });
            r.diagnostic = Some(crate::diagnostics::render_syntax_error(
                file, source, &error, false,
            ));
            r
        }
        LoadError::Io(m) => ReloadError::new(ErrorKind::Io, Some(module), m),
    }
}

/// Dependencies before dependents (by the modules each required while loading); the
/// entry script last; otherwise the order given.
fn dependency_order(records: Vec<ModuleRecord<'_>>) -> Vec<ModuleRecord<'_>> {
    fn visit<'gc>(
        i: usize,
        records: &[ModuleRecord<'gc>],
        state: &mut Vec<u8>,
        out: &mut Vec<usize>,
    ) {
        if state[i] != 0 {
            return;
        }
        state[i] = 1;
        for dep in &records[i].deps {
            if let Some(j) = records.iter().position(|r| &r.name == dep) {
                visit(j, records, state, out);
            }
        }
        state[i] = 2;
        out.push(i);
    }
    let mut state = vec![0u8; records.len()];
    let mut order = Vec::new();
    for (i, record) in records.iter().enumerate() {
        if !record.is_main {
            visit(i, &records, &mut state, &mut order);
        }
    }
    order.extend(
        records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_main)
            .map(|(i, _)| i),
    );
    order.into_iter().map(|i| records[i].clone()).collect()
}

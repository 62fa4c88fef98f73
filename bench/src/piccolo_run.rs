//! Running a Lua program on piccolo (linked as a library).
//!
//! The runner measures piccolo like the other runtimes, in a child process of its own, so that
//! the child's peak memory is piccolo's alone: it re-invokes its own binary as
//! `wayfinder-bench __piccolo FILE` (see `child_main`), which runs the program once and
//! prints what it printed. `print` is replaced by a version that writes into a buffer, so
//! the checksum line can be compared with the other runtimes.

use std::cell::RefCell;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

use piccolo::{Callback, CallbackReturn, Closure, Executor, Lua, Value};

use crate::outcome::{Outcome, SingleRun};

/// Runs `source` once on a fresh piccolo instance with its core stdlib. The time covers
/// creating the instance, compiling and running, like process start-up for the others.
///
/// Any piccolo error (missing stdlib function, unsupported syntax) or panic becomes
/// `NotAvailable`: piccolo is a reference point, and a program it cannot run is "n/a".
pub fn run_once(chunk_name: &str, source: &[u8]) -> Result<SingleRun, Outcome> {
    let captured = Rc::new(RefCell::new(Vec::<u8>::new()));
    let start = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        execute(chunk_name, source, Rc::clone(&captured))
    }));
    let elapsed = start.elapsed();
    let not_available = |reason: String| Outcome::NotAvailable { reason };
    match result {
        Ok(Ok(())) => Ok(SingleRun {
            elapsed,
            max_rss_kib: None,
            stdout: String::from_utf8_lossy(&captured.borrow()).into_owned(),
        }),
        Ok(Err(message)) => Err(not_available(message)),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(not_available(format!("panicked: {message}")))
        }
    }
}

/// The hidden first argument that makes the bench binary run one program on piccolo.
pub const CHILD_ARG: &str = "__piccolo";

/// The child's exit code for "piccolo cannot run this program" (reported as n/a).
pub const NOT_AVAILABLE_EXIT: u8 = 3;

/// The child mode: runs `file` once on piccolo and writes what it printed to stdout. On an
/// error or panic, writes the reason as the first line of stderr and exits with
/// `NOT_AVAILABLE_EXIT`.
pub fn child_main(file: &Path) -> ExitCode {
    // The panic is reported through the exit code and message; the default hook's output
    // would only push the reason off stderr's first line.
    panic::set_hook(Box::new(|_| {}));
    let reason = match std::fs::read(file) {
        Ok(source) => match run_once(&file.to_string_lossy(), &source) {
            Ok(run) => {
                let mut stdout = std::io::stdout().lock();
                if stdout.write_all(run.stdout.as_bytes()).is_err() || stdout.flush().is_err() {
                    return ExitCode::FAILURE;
                }
                return ExitCode::SUCCESS;
            }
            Err(Outcome::NotAvailable { reason } | Outcome::Failed { reason }) => reason,
            Err(Outcome::Ok { .. }) => unreachable!("run_once never fails with Ok"),
        },
        Err(e) => format!("cannot read {}: {e}", file.display()),
    };
    let first_line = reason.lines().next().unwrap_or("error").to_string();
    eprintln!("{first_line}");
    ExitCode::from(NOT_AVAILABLE_EXIT)
}

fn execute(chunk_name: &str, source: &[u8], output: Rc<RefCell<Vec<u8>>>) -> Result<(), String> {
    let mut lua = Lua::core();
    let executor = lua
        .try_enter(|ctx| {
            let print = Callback::from_fn(&ctx, move |_, _, mut stack| {
                let mut out = output.borrow_mut();
                for (i, value) in stack.drain(..).enumerate() {
                    if i > 0 {
                        out.push(b'\t');
                    }
                    write_value(&mut out, value);
                }
                out.push(b'\n');
                Ok(CallbackReturn::Return)
            });
            ctx.set_global("print", print)?;
            let closure = Closure::load(ctx, Some(chunk_name), source)?;
            Ok(ctx.stash(Executor::start(ctx, closure.into(), ())))
        })
        .map_err(|e| e.to_string())?;
    lua.execute::<()>(&executor).map_err(|e| e.to_string())
}

/// Appends `value` the way piccolo's own `print` shows it (without `__tostring`, which the
/// benchmark programs never rely on for their checksum line).
fn write_value(out: &mut Vec<u8>, value: Value<'_>) {
    match value {
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        // Writing into a Vec cannot fail.
        other => {
            let _ = other.display(&mut *out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_print_output() {
        let run = run_once(
            "t",
            b"local x = 0 for i = 1, 10 do x = x + i end print('sum', x, 'end')",
        )
        .map_err(|o| format!("{o:?}"))
        .unwrap();
        assert_eq!(run.stdout, "sum\t55\tend\n");
    }

    #[test]
    fn missing_stdlib_function_is_not_available() {
        let result = run_once("t", b"print(table.concat({'a', 'b'}))");
        match result {
            Err(Outcome::NotAvailable { reason }) => assert!(reason.contains("error"), "{reason}"),
            _ => panic!("expected NotAvailable"),
        }
    }

    #[test]
    fn syntax_error_is_not_available() {
        assert!(matches!(
            run_once("t", b"local = = 1"),
            Err(Outcome::NotAvailable { .. })
        ));
    }
}

//! Running a Lua program in-process on piccolo (linked as a library) and timing it.
//!
//! `print` is replaced by a version that writes into a buffer, so the checksum line can be
//! compared with the other runtimes without piccolo touching our stdout.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
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
            stdout: String::from_utf8_lossy(&captured.borrow()).into_owned(),
        }),
        Ok(Err(message)) => Err(not_available(message)),
        Err(_) => Err(not_available("panicked".to_string())),
    }
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

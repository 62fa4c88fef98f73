//! Helpers for the stdlib's unit tests: run a Lua snippet in a fresh runtime.

use crate::runtime::{Outcome, Runtime};

/// Run `src` with `...` = `args`; the chunk's results as strings. Panics with the Lua error.
pub fn run_with_args(src: &str, args: &[String]) -> Vec<String> {
    match Runtime::new().run_chunk(src.as_bytes(), "=test", args) {
        Ok(Outcome::Finished(results)) => results,
        Err(e) => panic!("Lua error: {e}\nin:\n{src}"),
    }
}

/// Run `src`; the chunk's results as strings. Panics with the Lua error.
pub fn run(src: &str) -> Vec<String> {
    run_with_args(src, &[])
}

/// Run `src`, which must fail; the error message.
pub fn run_err(src: &str) -> String {
    match Runtime::new().run_chunk(src.as_bytes(), "=test", &[]) {
        Ok(r) => panic!("expected an error, got {r:?}"),
        Err(e) => e.to_string(),
    }
}

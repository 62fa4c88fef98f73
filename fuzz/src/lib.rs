//! Fuzz targets shared by the libFuzzer entry points (`fuzz_targets/`) and the plain
//! mutation runner (`src/bin/runner.rs`). A target must never panic, abort or hang on any
//! input: Lua errors are fine, crashes are bugs.

use std::time::Duration;

use wayfinder_vm::compiler;
use wayfinder_vm::{Limits, Runtime, StdLib};

/// The parser alone.
pub fn parse(data: &[u8]) {
    let _ = wayfinder_vm::syntax::parse(data);
}

/// Parser and compiler, then `string.dump`'s encoding read back (it must round-trip), then
/// the chunk run under limits.
pub fn run(data: &[u8]) {
    let Ok(chunk) = wayfinder_vm::syntax::parse(data) else {
        return;
    };
    let Ok(proto) = compiler::compile(chunk, data, "=fuzz") else {
        return;
    };
    let bytes = compiler::dump(&proto, false);
    let back = compiler::undump(&bytes, "=fuzz").expect("a dumped chunk loads back");
    // (Compared as bytes: a NaN constant is not equal to itself.)
    assert!(
        compiler::dump(&back, false) == bytes,
        "a dumped chunk reads back unchanged"
    );
    let stripped = compiler::dump(&proto, true);
    compiler::undump(&stripped, "=fuzz").expect("a stripped chunk loads back");
    run_lua(data, |rt| {
        let _ = rt.exec::<()>(data, "fuzz");
    });
}

/// The binary chunk loader: reads and validates; whatever it accepts must also run
/// without crashing (the validator is what keeps hand-made bytecode from doing harm).
pub fn undump(data: &[u8]) {
    let mut bytes = compiler::SIGNATURE.to_vec();
    let body = data.strip_prefix(compiler::SIGNATURE).unwrap_or(data);
    bytes.extend_from_slice(body);
    let Ok(proto) = compiler::undump(&bytes, "=fuzz") else {
        return;
    };
    // What loads dumps and loads back the same.
    let again = compiler::dump(&proto, false);
    let back = compiler::undump(&again, "=fuzz").expect("a loaded chunk dumps and loads back");
    assert!(compiler::dump(&back, false) == again);
    run_lua(&bytes, |rt| {
        if rt.set_global("chunk", bytes.as_slice()).is_ok() {
            let _ = rt.exec::<()>(
                "local f = load(chunk, '=fuzz', 'b') if f then pcall(f) end",
                "driver",
            );
        }
    });
}

/// A runtime with the libraries that touch nothing outside the process, `print` silenced,
/// and limits that stop any runaway script quickly.
fn run_lua(_input: &[u8], f: impl FnOnce(&mut Runtime)) {
    let libs = StdLib::BASE
        | StdLib::COROUTINE
        | StdLib::STRING
        | StdLib::TABLE
        | StdLib::MATH
        | StdLib::UTF8;
    let mut rt = Runtime::with_libs(libs);
    let _ = rt.exec::<()>("print = function() end", "setup");
    rt.set_limits(Limits {
        max_instructions: Some(200_000),
        max_memory: Some(256 << 20),
        max_call_depth: None,
        max_string_len: Some(16 << 20),
        max_time: Some(Duration::from_secs(2)),
        max_table_len: Some(1 << 22),
        catchable: false,
    });
    f(&mut rt);
}

// ---- inputs for the plain runner ----------------------------------------------------------

/// A small, fast pseudo-random generator (xorshift64*), seeded by the runner.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Fragments worth splicing into Lua source: tokens, limits and odd literals.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "[[",
    "]]",
    "[==[",
    "--[[",
    "--",
    "\"",
    "'",
    "\\",
    "\\z",
    "\\u{7FFFFFFF}",
    "\\x",
    "\\999",
    ".",
    "..",
    "...",
    ":",
    "::",
    ";",
    ",",
    "=",
    "==",
    "~=",
    "<",
    "<=",
    ">>",
    "<<",
    "//",
    "%",
    "^",
    "#",
    "-",
    "~",
    "&",
    "|",
    " and ",
    " or ",
    " not ",
    " local ",
    " function ",
    " end ",
    " return ",
    " goto ",
    " break ",
    " do ",
    " while ",
    " repeat ",
    " until ",
    " if ",
    " then ",
    " else ",
    " elseif ",
    " for ",
    " in ",
    " nil ",
    " true ",
    " false ",
    "<const>",
    "<close>",
    "0x7fffffffffffffff",
    "9223372036854775807",
    "-9223372036854775808",
    "0x8000000000000000",
    "1e308",
    "1e-324",
    "0x1p-1074",
    "0/0",
    "math.mininteger",
    "math.maxinteger",
    "//0",
    "%0",
    "string.rep('x', 100)",
    "coroutine.wrap",
    "coroutine.yield()",
    "pcall(",
    "error(",
    "setmetatable({}, {__index = function() end})",
    "load(",
    "string.dump(",
    "select('#', ...)",
    "table.unpack",
    "string.format('%q', ",
    " x ",
    " t.a ",
    " f() ",
    "\n",
    " ",
    "\t",
    "\r",
    "\0",
    "\u{ff}",
];

/// A mutation of `input` (some of them splice in part of `other`).
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = out.len();
        match rng.below(8) {
            // Flip, replace, insert or delete bytes.
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next_u64() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                out.insert(i, rng.next_u64() as u8);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(32));
                out.drain(i..i + n);
            }
            // Insert a token.
            4 | 5 => {
                let i = rng.below(len + 1);
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(i..i, tok.iter().copied());
            }
            // Duplicate a range (nesting, repetition).
            6 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                let piece = out[i..i + n].to_vec();
                let times = 1 + rng.below(8);
                let at = rng.below(len + 1);
                for _ in 0..times {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            // Splice in part of another input.
            _ if !other.is_empty() => {
                let i = rng.below(other.len());
                let n = 1 + rng.below((other.len() - i).min(256));
                let at = rng.below(len + 1);
                out.splice(at..at, other[i..i + n].iter().copied());
            }
            _ => {}
        }
    }
    out.truncate(1 << 16);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_accept_simple_inputs() {
        parse(b"local x = 1 return x + 2");
        run(b"local t = {} for i = 1, 10 do t[i] = i end return #t");
        run(b"while true do end");
        let chunk = compiler::compile(
            wayfinder_vm::syntax::parse(b"return 1").unwrap(),
            b"return 1",
            "=x",
        )
        .unwrap();
        undump(&compiler::dump(&chunk, false));
    }
}

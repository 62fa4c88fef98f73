//! `wayfinder run --sandbox --max-memory --max-instructions --max-time`: untrusted scripts
//! from the command line end with a clear error and status 1, never an abort or a hang.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn script(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wayfinder-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path
}

fn run(args: &[&str], path: &PathBuf) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wayfinder"))
        .arg("run")
        .arg("--no-server")
        .args(args)
        .arg(path)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The run ended with status 1 and its error report starts with `wayfinder: MESSAGE`.
fn assert_stopped(o: &Output, message: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    let expected = format!("wayfinder: {message}\n");
    assert!(stderr(o).starts_with(&expected), "{}", stderr(o));
}

#[test]
fn limits_end_the_run_with_status_1() {
    let spin = script(
        "spin.lua",
        "local n = 0\nwhile true do pcall(function() n = n + 1 end) end\n",
    );
    let start = Instant::now();
    let o = run(&["--max-instructions", "1000000"], &spin);
    assert_stopped(&o, "instruction limit exceeded");
    let o = run(&["--max-time", "0.3"], &spin);
    assert_stopped(&o, "time limit exceeded");
    assert!(start.elapsed() < Duration::from_secs(20));

    let bomb = script(
        "bomb.lua",
        "local t = {}\nfor i = 1, 1e9 do t[i] = ('x'):rep(64) .. i end\n",
    );
    let o = run(&["--sandbox", "--max-memory", "32M"], &bomb);
    assert_stopped(&o, "not enough memory");

    let rep = script("rep.lua", "local s = ('x'):rep(1 << 28)\n");
    let o = run(&["--max-memory", "64M"], &rep);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not enough memory"), "{}", stderr(&o));

    let o = run(&["--max-memory", "lots"], &rep);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid size 'lots'"), "{}", stderr(&o));
}

#[test]
fn the_sandbox_refuses_io_and_exit() {
    let probe = script(
        "probe.lua",
        "print(io, os.exit, require, dofile, string.dump)\n\
         print(pcall(function() string.upper = nil end))\n\
         x = 1 print(x, os.time() > 0)\n",
    );
    let o = run(&["--sandbox"], &probe);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "nil\tnil\tnil\tnil\tnil");
    assert!(
        lines[1].starts_with("false\t")
            && lines[1].ends_with("attempt to modify a read-only table"),
        "{out}"
    );
    assert_eq!(lines[2], "1\ttrue");
    let exit = script("exit.lua", "os.exit(7)\n");
    let o = run(&["--sandbox"], &exit);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("attempt to call a nil value (field 'exit')"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_load_reader_that_never_ends_is_stopped_by_the_limits() {
    let reader = script(
        "reader.lua",
        "local n = 0\nload(function() n = n + 1 return ' ' end)\n",
    );
    let o = run(&["--max-time", "0.5"], &reader);
    assert_stopped(&o, "time limit exceeded");
    let o = run(&["--max-instructions", "100000"], &reader);
    assert_stopped(&o, "instruction limit exceeded");
    let o = run(&["--max-memory", "8M"], &reader);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not enough memory"), "{}", stderr(&o));
}

/// `table.move` over a huge range runs no Lua code between its elements; the limits still
/// stop it (found by fuzzing: a binary chunk calling it ran past the fuzzer's 2 s limit).
#[test]
fn a_huge_table_move_is_stopped_by_the_limits() {
    let mover = script("mover.lua", "table.move({}, 1, 1 << 50, 2)\n");
    let o = run(&["--max-time", "0.5"], &mover);
    assert_stopped(&o, "time limit exceeded");
    let o = run(&["--max-instructions", "100000"], &mover);
    assert_stopped(&o, "instruction limit exceeded");
}

/// Without any `--max-memory`, an allocation the system refuses (here an address-space
/// limit set with `ulimit -v`) is Lua's catchable "not enough memory", as in lua5.4, for
/// table growth (array and hash parts, `table.insert`), `string.rep` and concatenation,
/// and the program goes on. The expected lines are lua5.4's output under the same limit.
#[test]
fn allocation_the_system_refuses_is_not_enough_memory() {
    let path = script(
        "refused.lua",
        r#"local function try(name, f)
  local ok, err = pcall(f)
  print(name, ok, err)
end
local t = {}
try("array", function() for i = 1, 2^40 do t[i] = i end end)
local filled = #t
t = nil
local h = {}
try("hash", function() for i = 1, 2^40 do h[i + 0.5] = i end end)
h = nil
try("concat", function() local s = string.rep("y", 2^27) return s .. s .. s .. s .. s end)
try("insert", function() local q = {} for i = 1, 2^40 do table.insert(q, i) end end)
try("table.concat", function() local s = string.rep("z", 2^26) return table.concat({s, s, s, s, s, s, s, s}) end)
collectgarbage()
print("still usable", filled > 1000, #table.concat({"a", "b"}))
"#,
    );
    let o = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 500000 && exec "$0" run --no-server "$1""#)
        .arg(env!("CARGO_BIN_EXE_wayfinder"))
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "array\tfalse\tnot enough memory\n\
         hash\tfalse\tnot enough memory\n\
         concat\tfalse\tnot enough memory\n\
         insert\tfalse\tnot enough memory\n\
         table.concat\tfalse\tnot enough memory\n\
         still usable\ttrue\t2\n"
    );
}

/// A reload whose merge needs more memory than the system grants (copying a new entry
/// into a big running table doubles its array) fails with "not enough memory" and is
/// rolled back whole: the program keeps its old values and the next reload works. Before,
/// the refused write was ignored (a partial merge reported as applied), the journal's copy
/// of the table aborted the process, and a baseline copy the allocator refused was kept
/// with holes (and, with tables sized as lua5.4's, retried a rehash per remaining key).
#[test]
fn a_reload_the_system_has_no_memory_for_is_rolled_back() {
    let dir = std::env::temp_dir().join(format!("wayfinder-reload-oom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("big.lua"),
        "local M = {version = 1, data = {}}\nfor i = 1, N do M.data[i] = i end\nreturn M\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.lua"),
        r#"-- Size the data from what the system still grants (N entries of 16 bytes are 1/32 to
-- 1/16 of it), then leave free 104 times N bytes: with the running table, its baseline
-- copy, the new version (one entry more, so twice the array) and the new version's
-- baseline copy, the merge's doubling of the running table is what no longer fits (at
-- 96 N the baseline copy already fails, at 128 N all fits). Either failure rolls back.
local lo, hi = 0, 1 << 36
while hi - lo > (1 << 20) do
  local mid = (lo + hi) // 2
  if pcall(string.rep, "x", mid) then lo = mid else hi = mid end
  collectgarbage()
end
N = 1
while N * 256 <= lo do N = N * 2 end
local ballast = string.rep("b", lo - N * 104)
local big = require("big")
local f = assert(io.open("big.lua", "w"))
f:write("local M = {version = 2, data = {}}\nfor i = 1, N + 1 do M.data[i] = i end\nreturn M\n")
f:close()
local ok, err = debug.reloadModule("big")
print(ok, err:match("^not enough memory to %a+"), err:match("the reload was rolled back$"))
print("kept", big.version, #big.data == N)
f = assert(io.open("big.lua", "w"))
f:write("return {version = 3, data = {}}\n")
f:close()
print("again", (debug.reloadModule("big")))
print("now", big.version, #big.data == N, #ballast > 0)
"#,
    )
    .unwrap();
    let o = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 100000 && exec "$0" run --no-server main.lua"#)
        .arg(env!("CARGO_BIN_EXE_wayfinder"))
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "false\tnot enough memory to merge\tthe reload was rolled back\n\
         kept\t1\ttrue\n\
         again\ttrue\n\
         now\t3\ttrue\ttrue\n"
    );
}

/// `run`, but a run that has not ended after a minute (a hang, not slowness) is killed and
/// reported.
fn run_or_hang(args: &[&str], path: &PathBuf) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wayfinder"))
        .arg("run")
        .arg("--no-server")
        .args(args)
        .arg(path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{} never ended", path.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn finalizers_run_under_the_limits_at_exit_too() {
    // A finalizer that never ends, run when the script ends: the limits stop it (its error
    // is a warning, off by default) and the run ends normally.
    let script_path = script(
        "gc_spin.lua",
        "setmetatable({}, {__gc = function() while true do end end})\nprint('done')\n",
    );
    let o = run_or_hang(&["--max-instructions", "1000000"], &script_path);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "done\n");
    let o = run_or_hang(&["--max-time", "0.3"], &script_path);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "done\n");
    // The same after the script itself was stopped by the limit.
    let script_path = script(
        "gc_spin2.lua",
        "setmetatable({}, {__gc = function() while true do end end})\nwhile true do end\n",
    );
    let o = run_or_hang(&["--max-instructions", "1000000"], &script_path);
    assert_stopped(&o, "instruction limit exceeded");
}

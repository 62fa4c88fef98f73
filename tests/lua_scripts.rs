//! Runs the Lua script corpus under `lua-tests/` against the `wayfinder` binary.
//!
//! One libtest-mimic trial per script:
//! - `conformance::<name>` for `lua-tests/conformance/<name>.lua`: passes when the
//!   script exits with status 0 (the scripts are assert-based) and its last line of
//!   output ends with " OK" (every script ends with `print("<topic> OK")`).
//! - `diff::<name>` for `lua-tests/diff/<name>.lua`: passes when the script exits 0
//!   and its stdout equals `lua-tests/diff/<name>.expected` exactly.
//! - `reload::<name>` for `lua-tests/reload/<name>.lua`: hot reload scenarios, judged like
//!   conformance scripts (wayfinder only).
//!
//! Every script is run with its own directory as the working directory and its bare
//! file name as the script argument (`wayfinder run <name>.lua`), because that is
//! how the `.expected` files were generated with `lua5.4` (chunk names in error
//! messages read `<name>.lua:3:`).
//!
//! Setting `WAYFINDER_TEST_LUA=/path/to/lua` runs that interpreter as
//! `<lua> <name>.lua` instead of `wayfinder run <name>.lua`, which re-validates the
//! corpus against reference Lua.

use libtest_mimic::{Arguments, Failed, Trial};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A script that runs longer than this is killed and its trial fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);
const LUA_OVERRIDE_VAR: &str = "WAYFINDER_TEST_LUA";

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lua-tests");
    let mut trials = Vec::new();
    match collect_trials(&root) {
        Ok(found) => trials.extend(found),
        Err(message) => trials.push(Trial::test("discover_scripts", move || Err(message.into()))),
    }
    libtest_mimic::run(&args, trials).exit();
}

/// Scripts listed in `lua-tests/expected-failures.txt` (one `kind::name` per line, then the
/// reason): features still being built. Such a trial passes while the script fails and
/// *fails* once the script passes, so the list cannot go stale. With the reference-Lua
/// override every script must pass, so the list is ignored.
fn expected_failures(root: &Path) -> Result<Vec<String>, String> {
    if std::env::var_os(LUA_OVERRIDE_VAR).is_some() {
        return Ok(Vec::new());
    }
    let path = root.join("expected-failures.txt");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect())
}

/// A trial for a script on the expected-failures list: it must still fail.
fn expect_failure(result: Result<(), Failed>) -> Result<(), Failed> {
    match result {
        Ok(()) => {
            Err("this script now passes: remove it from lua-tests/expected-failures.txt".into())
        }
        Err(_) => Ok(()),
    }
}

/// Builds one trial per `.lua` file in the two corpus directories.
fn collect_trials(root: &Path) -> Result<Vec<Trial>, String> {
    let xfail = expected_failures(root)?;
    let mut trials = Vec::new();
    let mut add = |name: String, run: Box<dyn FnOnce() -> Result<(), Failed> + Send>| {
        if xfail.contains(&name) {
            trials.push(
                Trial::test(name, move || expect_failure(run())).with_kind("expected failure"),
            );
        } else {
            trials.push(Trial::test(name, run));
        }
    };
    for script in lua_files(&root.join("conformance"))? {
        let name = format!("conformance::{}", stem(&script));
        add(name, Box::new(move || run_conformance(&script)));
    }
    for script in lua_files(&root.join("diff"))? {
        let name = format!("diff::{}", stem(&script));
        add(name, Box::new(move || run_diff(&script)));
    }
    // Reload scenarios use `debug.reloadModule`, which reference Lua does not have.
    if std::env::var_os(LUA_OVERRIDE_VAR).is_none() {
        for script in lua_files(&root.join("reload"))? {
            let name = format!("reload::{}", stem(&script));
            add(name, Box::new(move || run_conformance(&script)));
        }
    }
    if trials.is_empty() {
        return Err(format!("no Lua scripts found under {}", root.display()));
    }
    Ok(trials)
}

/// The `.lua` files directly inside `dir` (not its subdirectories), sorted by name.
fn lua_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "lua") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn run_conformance(script: &Path) -> Result<(), Failed> {
    let out = run_script(script)?;
    let problem = if !out.status.success() {
        format!("exited with {}", out.status)
    } else if !ends_with_ok_line(&out.stdout) {
        // Guards against an interpreter that exits 0 without running the script.
        String::from("exited 0 but its last line of output does not end with \"OK\"")
    } else {
        return Ok(());
    };
    Err(format!(
        "{} {problem}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.command, out.stdout, out.stderr
    )
    .into())
}

/// Conformance scripts finish with `print("<topic> OK")`.
fn ends_with_ok_line(stdout: &str) -> bool {
    stdout
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| line.trim_end().ends_with(" OK"))
}

fn run_diff(script: &Path) -> Result<(), Failed> {
    let expected_path = script.with_extension("expected");
    let expected = std::fs::read_to_string(&expected_path)
        .map_err(|e| format!("cannot read {}: {e}", expected_path.display()))?;
    let out = run_script(script)?;
    let mut problems = String::new();
    if !out.status.success() {
        problems.push_str(&format!(
            "{} exited with {}\n--- stderr ---\n{}\n",
            out.command, out.status, out.stderr
        ));
    }
    if out.stdout != expected {
        problems.push_str(&format!(
            "stdout differs from {} ('-' expected, '+' actual):\n{}",
            expected_path.display(),
            line_diff(&expected, &out.stdout)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.into())
    }
}

struct ScriptOutput {
    /// How the script was invoked, for failure messages.
    command: String,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `script` from its own directory, with the reference interpreter if
/// `WAYFINDER_TEST_LUA` is set and `wayfinder run` otherwise.
fn run_script(script: &Path) -> Result<ScriptOutput, Failed> {
    let dir = script
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", script.display()))?;
    let file_name = script
        .file_name()
        .ok_or_else(|| format!("{} has no file name", script.display()))?;
    let mut command = match std::env::var_os(LUA_OVERRIDE_VAR) {
        Some(lua) if !lua.is_empty() => Command::new(lua),
        _ => {
            let mut wayfinder = Command::new(env!("CARGO_BIN_EXE_wayfinder"));
            wayfinder.arg("run");
            wayfinder
        }
    };
    command
        .arg(file_name)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let described = format!("{command:?}");
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {described}: {e}"))?;
    // Drain both pipes on their own threads so a chatty script cannot block on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_with_timeout(&mut child, SCRIPT_TIMEOUT);
    let stdout = join_drain(stdout);
    let stderr = join_drain(stderr);
    match status {
        Ok(Some(status)) => Ok(ScriptOutput {
            command: described,
            status,
            stdout,
            stderr,
        }),
        Ok(None) => Err(format!(
            "{described} timed out after {} s and was killed\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
            SCRIPT_TIMEOUT.as_secs()
        )
        .into()),
        Err(e) => Err(format!("waiting for {described} failed: {e}").into()),
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error just truncates the captured output; the exit status still decides.
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn join_drain(handle: JoinHandle<String>) -> String {
    handle
        .join()
        .unwrap_or_else(|_| String::from("<output reader thread panicked>"))
}

/// Waits for `child` to exit; `Ok(None)` means it ran past `timeout` and was killed.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            // The child may exit between try_wait and kill; either way reap it.
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// A readable line diff: common lines prefixed with ' ', missing with '-', extra with '+'.
/// Long runs of common lines are elided to keep failure messages short.
fn line_diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    let ops = diff_ops(&old, &new);
    let mut out = String::new();
    let context = 2;
    for (i, (tag, line)) in ops.iter().enumerate() {
        if *tag == ' ' {
            let near_change = ops[i.saturating_sub(context)..(i + context + 1).min(ops.len())]
                .iter()
                .any(|(t, _)| *t != ' ');
            if !near_change {
                if !out.ends_with("...\n") {
                    out.push_str("...\n");
                }
                continue;
            }
        }
        out.push(*tag);
        out.push_str(line);
        out.push('\n');
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the outputs also differ in the final newline)\n");
    }
    out
}

/// Longest-common-subsequence diff; outputs of a few thousand lines stay cheap.
fn diff_ops<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<(char, &'a str)> {
    let (n, m) = (old.len(), new.len());
    // lcs[i][j] = length of the LCS of old[i..] and new[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            ops.push((' ', old[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Prefer showing the expected line first, then what replaced it.
            ops.push(('-', old[i]));
            i += 1;
        } else {
            ops.push(('+', new[j]));
            j += 1;
        }
    }
    ops
}

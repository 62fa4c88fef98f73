//! End-to-end tests of the `wayfinder` binary: run scripts and check files the way a user
//! does, and assert on exit codes, stdout and stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wayfinder() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wayfinder"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wayfinder-cli-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    wayfinder().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn runs_the_readme_example() {
    let out = run_in(&repo_root(), &["run", "examples/hello/main.lua"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let expected = "square with area 9.00\ncircle with area 3.14\nsquare with area 4.00\n\
total area: 16.14\nsum of 1..10 via coroutine: 55\n\
caught: examples/hello/main.lua:24: attempt to index a nil value (local 'config')\n";
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn script_arguments_reach_arg_and_varargs() {
    let dir = temp_dir("args");
    std::fs::write(
        dir.join("args.lua"),
        "print(arg[0], arg[1], arg[2], #arg)\nprint(select('#', ...), ...)\n",
    )
    .unwrap();
    let out = run_in(&dir, &["run", "args.lua", "one", "--two"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "args.lua\tone\t--two\t2\n2\tone\t--two\n"
    );
}

#[test]
fn uncaught_error_exits_1_with_message_and_traceback() {
    let dir = temp_dir("uncaught");
    std::fs::write(
        dir.join("boom.lua"),
        "local function explode(t)\n  return t.field.x\nend\nprint('before')\nexplode({})\n",
    )
    .unwrap();
    let out = run_in(&dir, &["run", "boom.lua"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "before\n");
    let err = text(&out.stderr);
    assert!(
        err.starts_with("wayfinder: boom.lua:2: attempt to index a nil value (field 'field')\n"),
        "{err}"
    );
    assert!(err.contains("stack traceback:"), "{err}");
    assert!(err.contains("boom.lua:2: in local 'explode'"), "{err}");
    assert!(err.contains("boom.lua:5: in main chunk"), "{err}");
}

#[test]
fn error_with_table_value_is_reported_by_type() {
    let dir = temp_dir("errtable");
    std::fs::write(dir.join("t.lua"), "error({code = 1})\n").unwrap();
    let out = run_in(&dir, &["run", "t.lua"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("wayfinder: (error object is a table value)"));
}

#[test]
fn syntax_error_in_run_names_file_and_line() {
    let dir = temp_dir("runsyntax");
    std::fs::write(dir.join("bad.lua"), "local x = = 1\n").unwrap();
    let out = run_in(&dir, &["run", "bad.lua"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "wayfinder: bad.lua:1: unexpected symbol near '='\n"
    );
}

#[test]
fn missing_script_and_directory_get_one_clear_line() {
    let dir = temp_dir("missing");
    let out = run_in(&dir, &["run", "nope.lua"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "wayfinder: cannot read 'nope.lua': no such file\n"
    );
    let out = run_in(&dir, &["run", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "wayfinder: cannot read '.': is a directory\n"
    );
}

#[test]
fn check_renders_syntax_errors_with_location_caret_and_opener() {
    let dir = temp_dir("check");
    std::fs::write(dir.join("good.lua"), "local x = 1\nreturn x\n").unwrap();
    std::fs::write(
        dir.join("broken.lua"),
        "local M = {}\nfunction M.add(a, b)\n  return a + b\n\nreturn M\n",
    )
    .unwrap();
    let out = run_in(&dir, &["check", "good.lua", "broken.lua"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "good.lua: ok\n");
    let err = text(&out.stderr);
    assert!(
        err.contains("error: 'end' expected (to close 'function' at line 2) near 'return'"),
        "{err}"
    );
    assert!(err.contains("broken.lua:5:1"), "{err}");
    assert!(err.contains("function M.add(a, b)"), "{err}");
    assert!(err.contains("unclosed 'function' starts here"), "{err}");
    assert!(err.contains('^'), "{err}");
    assert!(err.contains("1 of 2 file(s) failed the check"), "{err}");
}

#[test]
fn check_reports_compile_time_errors_and_unreadable_input() {
    let dir = temp_dir("checksem");
    std::fs::write(dir.join("goto.lua"), "do\n  goto nowhere\nend\n").unwrap();
    let out = run_in(&dir, &["check", "goto.lua", "absent.lua", "."]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("no visible label 'nowhere' for <goto> at line 2"),
        "{err}"
    );
    assert!(err.contains("goto.lua:4:"), "{err}");
    assert!(
        err.contains("wayfinder: cannot read 'absent.lua': no such file"),
        "{err}"
    );
    assert!(
        err.contains("wayfinder: cannot read '.': is a directory"),
        "{err}"
    );
}

#[test]
fn print_reaches_a_pipe_before_the_script_ends() {
    // A script that prints, then fails: the printed line must already be out.
    let dir = temp_dir("pipe");
    std::fs::write(dir.join("p.lua"), "print('first')\nerror('stop')\n").unwrap();
    let out = run_in(&dir, &["run", "p.lua"]);
    assert_eq!(text(&out.stdout), "first\n");
    assert_eq!(out.status.code(), Some(1));
}

/// Runs `source` as `name` in a fresh directory; returns exit code, stdout and stderr.
/// An error that leaves nested calls (a native calling Lua: `require` running a chunk, a
/// `gsub` callback) uncaught keeps the frames inside them in its traceback, as lua5.4's
/// does (the expected texts are lua5.4's, with its `lua5.4:` prefix replaced).
#[test]
fn uncaught_error_traceback_keeps_frames_inside_nested_calls() {
    let dir = temp_dir("nested-traceback");
    std::fs::write(dir.join("main.lua"), "local x = 1\nrequire(\"qb\")\n").unwrap();
    std::fs::write(dir.join("qb.lua"), "\nrequire(\"qc\")\nreturn 1\n").unwrap();
    std::fs::write(
        dir.join("qc.lua"),
        "local t = {}\n\ntable.insert(t, 1, 2, 3)\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("cb.lua"),
        "string.gsub(\"a\", \".\", function() require(\"qd\") end)\n",
    )
    .unwrap();
    std::fs::write(dir.join("qd.lua"), "error(\"boom\")\n").unwrap();
    let out = run_in(&dir, &["run", "main.lua"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "wayfinder: ./qc.lua:3: wrong number of arguments to 'insert'\nstack traceback:\n\
\t[C]: in function 'table.insert'\n\t./qc.lua:3: in main chunk\n\
\t[C]: in function 'require'\n\t./qb.lua:2: in main chunk\n\
\t[C]: in function 'require'\n\tmain.lua:2: in main chunk\n\t[C]: in ?\n"
    );
    let out = run_in(&dir, &["run", "cb.lua"]);
    assert_eq!(
        text(&out.stderr),
        "wayfinder: ./qd.lua:1: boom\nstack traceback:\n\t[C]: in function 'error'\n\
\t./qd.lua:1: in main chunk\n\t[C]: in function 'require'\n\
\tcb.lua:1: in function <cb.lua:1>\n\t[C]: in function 'string.gsub'\n\
\tcb.lua:1: in main chunk\n\t[C]: in ?\n"
    );
}

fn run_script(tag: &str, name: &str, source: &str) -> (Option<i32>, String, String) {
    let dir = temp_dir(tag);
    std::fs::write(dir.join(name), source).unwrap();
    let out = run_in(&dir, &["run", name]);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn uncaught_error_objects_are_described_as_lua_does() {
    // `error()` raises nil: lua5.4 prints "(error object is a nil value)", with a traceback.
    let (code, _, err) = run_script("errnil", "n.lua", "error()\n");
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("wayfinder: (error object is a nil value)\nstack traceback:\n"),
        "{err}"
    );
    // A table without `__tostring`, and one whose `__tostring` returns a non-string.
    let (code, _, err) = run_script("errtable", "t.lua", "error({})\n");
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("wayfinder: (error object is a table value)\nstack traceback:\n"),
        "{err}"
    );
    let (code, _, err) = run_script(
        "errtsnum",
        "t.lua",
        "error(setmetatable({}, {__tostring = function() return 42 end}))\n",
    );
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("wayfinder: (error object is a table value)\nstack traceback:\n"),
        "{err}"
    );
    // `__tostring` giving a string: that string alone, without a traceback (as lua.c).
    let (code, _, err) = run_script(
        "errtsstr",
        "t.lua",
        "error(setmetatable({}, {__tostring = function() return 'custom' end}))\n",
    );
    assert_eq!(code, Some(1));
    assert_eq!(err, "wayfinder: custom\n");
}

#[test]
fn an_error_raised_by_tostring_of_an_uncaught_error_object_is_reported_instead() {
    // lua5.4 reports the error raised inside `__tostring` ("e.lua:2: inner").
    let (code, _, err) = run_script(
        "errts",
        "e.lua",
        "local mt = {}\nmt.__tostring = function() error('inner') end\nerror(setmetatable({}, mt))\n",
    );
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("wayfinder: e.lua:2: inner\nstack traceback:\n"),
        "{err}"
    );
    // ... also when that error is itself nil.
    let (_, _, err) = run_script(
        "errtsnil",
        "e.lua",
        "error(setmetatable({}, {__tostring = function() error() end}))\n",
    );
    assert!(
        err.starts_with("wayfinder: (error object is a nil value)\n"),
        "{err}"
    );
    // A `__tostring` that raises its own kind of object forever: lua5.4 gives up.
    let (code, _, err) = run_script(
        "errtsloop",
        "e.lua",
        "local mt = {}\nmt.__tostring = function(o) error(setmetatable({}, mt)) end\nerror(setmetatable({}, mt))\n",
    );
    assert_eq!(code, Some(1));
    assert!(err.starts_with("wayfinder: C stack overflow\n"), "{err}");
}

/// Runs `source` with the environment variable `TZ` set to `tz`; returns stdout.
fn run_with_tz(tag: &str, source: &str, tz: &str) -> String {
    let dir = temp_dir(tag);
    std::fs::write(dir.join("tz.lua"), source).unwrap();
    let out = wayfinder()
        .current_dir(&dir)
        .env("TZ", tz)
        .args(["run", "tz.lua"])
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    text(&out.stdout)
}

/// os.date/os.time in local time: the script and the outputs lua5.4 printed for it.
const LOCAL_TIME_SCRIPT: &str = "print(os.date(\"%H:%M\", 0))\n\
print(os.date(\"%c|%x|%X|%Z|%z\", 0))\n\
print(os.date(\"!%c|%x|%X|%Z|%z|%H\", 0))\n\
local d = os.date(\"*t\", 1720000000)\n\
print(d.year, d.month, d.day, d.hour, d.min, d.isdst, d.yday, d.wday)\n\
d = os.date(\"!*t\", 1720000000)\n\
print(d.hour, d.isdst)\n\
print(os.date(\"%c %Z %z\", 1720000000))\n\
local function show(t)\n\
  local s = os.time(t)\n\
  print(s, t.year, t.month, t.day, t.hour, t.min, t.sec, t.isdst, t.yday, t.wday)\n\
end\n\
show{year=2024, month=3, day=10, hour=2, min=30}\n\
show{year=2024, month=3, day=10, hour=2, min=30, isdst=true}\n\
show{year=2024, month=11, day=3, hour=1, min=30}\n\
show{year=2024, month=11, day=3, hour=1, min=30, isdst=false}\n\
show{year=2024, month=7, day=1, hour=12, isdst=false}\n\
show{year=2024, month=7, day=1}\n\
show{year=1970, month=1, day=1, hour=0}\n\
show{year=2024, month=14, day=-3, hour=-1, min=100}\n\
show(os.date(\"*t\", 1720000000))\n\
print(os.time(os.date(\"*t\", 1720000000)) == 1720000000)\n\
";
const LOCAL_TIME_NEW_YORK: &str = "19:00\n\
Wed Dec 31 19:00:00 1969|12/31/69|19:00:00|EST|-0500\n\
Thu Jan  1 00:00:00 1970|01/01/70|00:00:00|GMT|+0000|00\n\
2024\t7\t3\t5\t46\ttrue\t185\t4\n\
9\tfalse\n\
Wed Jul  3 05:46:40 2024 EDT -0400\n\
1710055800\t2024\t3\t10\t3\t30\t0\ttrue\t70\t1\n\
1710052200\t2024\t3\t10\t1\t30\t0\tfalse\t70\t1\n\
1730611800\t2024\t11\t3\t1\t30\t0\ttrue\t308\t1\n\
1730615400\t2024\t11\t3\t1\t30\t0\tfalse\t308\t1\n\
1719853200\t2024\t7\t1\t13\t0\t0\ttrue\t183\t2\n\
1719849600\t2024\t7\t1\t12\t0\t0\ttrue\t183\t2\n\
18000\t1970\t1\t1\t0\t0\t0\tfalse\t1\t5\n\
1738042800\t2025\t1\t28\t0\t40\t0\tfalse\t28\t3\n\
1720000000\t2024\t7\t3\t5\t46\t40\ttrue\t185\t4\n\
true\n\
";
const LOCAL_TIME_KOLKATA: &str = "05:30\n\
Thu Jan  1 05:30:00 1970|01/01/70|05:30:00|IST|+0530\n\
Thu Jan  1 00:00:00 1970|01/01/70|00:00:00|GMT|+0000|00\n\
2024\t7\t3\t15\t16\tfalse\t185\t4\n\
9\tfalse\n\
Wed Jul  3 15:16:40 2024 IST +0530\n\
1710018000\t2024\t3\t10\t2\t30\t0\tfalse\t70\t1\n\
1710014400\t2024\t3\t10\t1\t30\t0\tfalse\t70\t1\n\
1730577600\t2024\t11\t3\t1\t30\t0\tfalse\t308\t1\n\
1730577600\t2024\t11\t3\t1\t30\t0\tfalse\t308\t1\n\
1719815400\t2024\t7\t1\t12\t0\t0\tfalse\t183\t2\n\
1719815400\t2024\t7\t1\t12\t0\t0\tfalse\t183\t2\n\
-19800\t1970\t1\t1\t0\t0\t0\tfalse\t1\t5\n\
1738005000\t2025\t1\t28\t0\t40\t0\tfalse\t28\t3\n\
1720000000\t2024\t7\t3\t15\t16\t40\tfalse\t185\t4\n\
true\n\
";

#[test]
fn local_time_follows_tz_as_lua_does() {
    // A POSIX rule string needs no zone database; the zone name reads the system's.
    let posix = run_with_tz("tzposix", LOCAL_TIME_SCRIPT, "EST5EDT,M3.2.0,M11.1.0");
    assert_eq!(posix, LOCAL_TIME_NEW_YORK);
    let kolkata = run_with_tz("tzist", LOCAL_TIME_SCRIPT, "IST-5:30");
    assert_eq!(kolkata, LOCAL_TIME_KOLKATA);
    if Path::new("/usr/share/zoneinfo/America/New_York").exists() {
        let named = run_with_tz("tzname", LOCAL_TIME_SCRIPT, "America/New_York");
        assert_eq!(named, LOCAL_TIME_NEW_YORK);
    }
}

/// Runs `bin/tool.lua` from `dir` with the given environment variables removed or set.
fn run_tool_with_path(dir: &Path, lua_path: Option<&str>) -> Output {
    let mut cmd = wayfinder();
    cmd.current_dir(dir)
        .args(["run", "bin/tool.lua"])
        .env_remove("LUA_PATH")
        .env_remove("LUA_PATH_5_4");
    if let Some(p) = lua_path {
        cmd.env("LUA_PATH", p);
    }
    cmd.output().unwrap()
}

#[test]
fn the_script_directory_belongs_to_the_default_package_path() {
    let dir = temp_dir("package-path");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    // bin/tool.lua requires "tool": with src first it must get the library, not itself.
    std::fs::write(
        dir.join("bin/tool.lua"),
        "if ... == 'tool' then return 'bin' end\n\
         local ok, lib = pcall(require, 'tool')\n\
         print(ok and lib or 'not found')\n\
         print(package.path)\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/tool.lua"), "return 'src'\n").unwrap();

    // No LUA_PATH: the script's directory comes first.
    let out = run_tool_with_path(&dir, None);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("bin"));
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("bin/?.lua;bin/?/init.lua;"),
        "{stdout}"
    );

    // `;;` at the end: src first, then the default, which holds the script's directory.
    let out = run_tool_with_path(&dir, Some("src/?.lua;;"));
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("src"));
    let path = lines.next().unwrap();
    assert!(
        path.starts_with("src/?.lua;bin/?.lua;bin/?/init.lua;"),
        "{path}"
    );
    assert!(!path.ends_with(';') && !path.contains(";;"), "{path}");

    // `;;` first: the default (with the script's directory), then the rest.
    let out = run_tool_with_path(&dir, Some(";;src/?.lua"));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("bin"));
    let path = lines.next().unwrap();
    assert!(
        path.starts_with("bin/?.lua;") && path.ends_with(";./?/init.lua;src/?.lua"),
        "{path}"
    );

    // Without `;;` LUA_PATH replaces the default entirely, script directory included.
    let out = run_tool_with_path(&dir, Some("src/?.lua"));
    let stdout = text(&out.stdout);
    assert_eq!(stdout, "src\nsrc/?.lua\n");
    let out = run_tool_with_path(&dir, Some("nowhere/?.lua"));
    assert_eq!(text(&out.stdout), "not found\nnowhere/?.lua\n");

    // `;;` alone is the default path with no empty entry.
    let out = run_tool_with_path(&dir, Some(";;"));
    let stdout = text(&out.stdout);
    let path = stdout.lines().nth(1).unwrap();
    assert!(
        path.starts_with("bin/?.lua;") && !path.contains(";;") && !path.ends_with(';'),
        "{path}"
    );

    // LUA_PATH_5_4 wins over LUA_PATH.
    let out = wayfinder()
        .current_dir(&dir)
        .args(["run", "bin/tool.lua"])
        .env("LUA_PATH", "nowhere/?.lua")
        .env("LUA_PATH_5_4", "src/?.lua")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "src\nsrc/?.lua\n");
}

#[test]
fn finalizer_errors_are_warnings_on_stderr_as_lua_prints_them() {
    // Expected output produced by lua5.4 (5.4.4) for the same script.
    let (code, out, err) = run_script(
        "gcwarn",
        "w.lua",
        "setmetatable({}, {__gc = function() error('hidden') end})\n\
         collectgarbage()\n\
         warn('not shown')\n\
         warn('@on')\n\
         setmetatable({}, {__gc = function() error('boom') end})\n\
         setmetatable({}, {__gc = function() error({}) end})\n\
         setmetatable({}, {__gc = true})\n\
         collectgarbage()\n\
         warn('a', 'b', 'c')\n\
         warn('@off')\n\
         warn('off again')\n\
         warn('@on')\n\
         print('still running')\n\
         setmetatable({}, {__gc = function() print('at exit') error('exit err') end})\n",
    );
    assert_eq!(code, Some(0));
    assert_eq!(out, "still running\nat exit\n");
    assert_eq!(
        err,
        "Lua warning: error in __gc (attempt to call a boolean value (metamethod '__gc'))\n\
         Lua warning: error in __gc (error object is not a string)\n\
         Lua warning: error in __gc (w.lua:5: boom)\n\
         Lua warning: abc\n\
         Lua warning: error in __gc (w.lua:14: exit err)\n"
    );
}

#[test]
fn pending_finalizers_run_after_an_uncaught_error_but_not_on_a_plain_os_exit() {
    let (code, out, err) = run_script(
        "gcerr",
        "e.lua",
        "setmetatable({}, {__gc = function() print('finalized') end})\nerror('e')\n",
    );
    assert_eq!(code, Some(1));
    assert_eq!(out, "finalized\n");
    assert!(err.starts_with("wayfinder: e.lua:2: e\n"), "{err}");
    let (code, out, _) = run_script(
        "gcexit",
        "x.lua",
        "setmetatable({}, {__gc = function() print('finalized') end})\nos.exit(3)\n",
    );
    assert_eq!(code, Some(3));
    assert_eq!(out, "");
}

#[test]
fn debug_debug_runs_commands_from_stdin_until_cont() {
    let dir = temp_dir("debugdebug");
    std::fs::write(
        dir.join("dbg.lua"),
        "local x = 1\ndebug.debug()\nprint('after', X)\n",
    )
    .unwrap();
    let out = output_with_input(
        wayfinder().current_dir(&dir).args(["run", "dbg.lua"]),
        "X = 41 + 1\nerror('oops')\nprint(\ncont\nprint('not run')\n",
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "after\t42\n");
    // As lua5.4: a prompt per line read, then the error messages.
    assert_eq!(
        text(&out.stderr),
        "lua_debug> lua_debug> (debug command):1: oops\nlua_debug> \
         (debug command):2: unexpected symbol near <eof>\nlua_debug> "
    );
}

/// Runs `command` with `input` on its stdin and its stdout and stderr captured.
fn output_with_input(command: &mut Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `wayfinder run name` in `dir` through `sh`, its stderr joined to its stdout (one
/// pipe, as `2>&1`), with `input` on its stdin; returns the exit code and that output.
fn run_joined(dir: &Path, name: &str, input: &str) -> (Option<i32>, String) {
    let command = format!("'{}' run {name} 2>&1", env!("CARGO_BIN_EXE_wayfinder"));
    let out = output_with_input(
        Command::new("sh").current_dir(dir).args(["-c", &command]),
        input,
    );
    (out.status.code(), text(&out.stdout))
}

/// Standard output to a pipe is fully buffered, as C's stdout is (a system call per
/// `io.write` made output-heavy scripts 2.4x slower than lua5.4): `print` goes through the
/// same buffer and flushes it, so the two keep their order; unbuffered stderr overtakes
/// what stdout still holds; everything reaches the pipe by the end, whether the script
/// ends, fails or calls `os.exit`; a prompt shows before a read of standard input; and
/// `setvbuf("no")` turns buffering off. The expected texts are lua5.4's under the same pipes.
#[test]
fn standard_output_to_a_pipe_is_buffered_as_c_stdio_is() {
    let dir = temp_dir("stdout-buffering");
    let scripts = [
        (
            "order.lua",
            "io.write('a1 ') print('p1') io.write('a2\\n') io.stderr:write('E1\\n') \
             io.write('no newline at the end')",
            "",
            Some(0),
            "a1 p1\nE1\na2\nno newline at the end",
        ),
        (
            "fails.lua",
            "io.write('before the error ') error('boom')",
            "",
            Some(1),
            "wayfinder: fails.lua:1: boom\nstack traceback:\n\t[C]: in function 'error'\n\
             \tfails.lua:1: in main chunk\n\t[C]: in ?\nbefore the error ",
        ),
        ("exits.lua", "io.write('x') os.exit(3)", "", Some(3), "x"),
        (
            "prompt.lua",
            "io.write('name? ') local l = io.read('l') io.write('hi ', l, '\\n')",
            "bob\n",
            Some(0),
            "name? hi bob\n",
        ),
        (
            "unbuffered.lua",
            "io.write('a\\n') io.stderr:write('E\\n') io.stdout:setvbuf('no') \
             io.write('b\\n') io.stderr:write('F\\n') io.write('c\\n')",
            "",
            Some(0),
            "E\na\nb\nF\nc\n",
        ),
    ];
    for (name, source, input, code, expected) in scripts {
        std::fs::write(dir.join(name), source).unwrap();
        assert_eq!(
            run_joined(&dir, name, input),
            (code, expected.to_string()),
            "{name}"
        );
    }
}

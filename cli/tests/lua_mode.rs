//! `wayfinder [options] [script [args]]`: lua5.4's command line (`-e`, `-l`, `-l g=mod`,
//! `-v`, `-E`, `-W`, `--`, `-`). The expected outputs are what `lua5.4` prints for the same
//! command lines.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The fixture directory, written once: tests run in parallel, and rewriting a module while
/// another test's process reads it would hand that process an empty file.
fn dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("wayfinder-luamode-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("mm.lua"), "return 'mm:' .. tostring(...)\n").unwrap();
        std::fs::write(dir.join("pkg/sub.lua"), "return {name = ...}\n").unwrap();
        std::fs::write(
            dir.join("show.lua"),
            "print('script', ..., select('#', ...))\n\
             for i = -3, #arg do io.write(tostring(arg[i]), ' ') end print()\n\
             print(x, mm, g)\n",
        )
        .unwrap();
        dir
    })
    .clone()
}

fn wayfinder(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wayfinder"));
    cmd.args(args)
        .current_dir(dir())
        .env_remove("LUA_INIT")
        .env_remove("LUA_INIT_5_4")
        .env_remove("LUA_PATH")
        .env_remove("LUA_PATH_5_4")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn options_run_in_order_then_the_script() {
    let o = wayfinder(
        &[
            "-e",
            "x = 1",
            "-lmm",
            "-l",
            "g=pkg.sub",
            "show.lua",
            "a",
            "-e",
            "b",
        ],
        "",
        &[],
    );
    assert_eq!(err(&o), "");
    assert_eq!(o.status.code(), Some(0));
    // `-l` sets the global named like the module, whole (lua5.4.4: `pkg.sub` stays).
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "script\ta\t3");
    assert_eq!(lines[1], "-lmm -l g=pkg.sub show.lua a -e b ");
    assert!(lines[2].starts_with("1\tmm:mm\ttable: "), "{}", lines[2]);
}

#[test]
fn without_a_script_arg_starts_at_the_interpreter() {
    let o = wayfinder(&["-e", "print(#arg, arg[1], arg[2], arg[-1])"], "", &[]);
    assert_eq!(
        out(&o),
        "2\t-e\tprint(#arg, arg[1], arg[2], arg[-1])\tnil\n"
    );
    let o = wayfinder(&["-e", "y = 2", "--"], "", &[]);
    assert_eq!((out(&o).as_str(), o.status.code()), ("", Some(0)));
}

#[test]
fn stdin_and_the_end_of_options() {
    let o = wayfinder(&["-", "a", "b"], "print(..., arg[0], arg[1])\n", &[]);
    assert_eq!(out(&o), "a\t-\ta\n");
    // After `--` a script may start with `-`.
    std::fs::write(dir().join("-dash.lua"), "print('dash', ...)\n").unwrap();
    let o = wayfinder(&["--", "-dash.lua", "1"], "", &[]);
    assert_eq!(out(&o), "dash\t1\n");
    // No script, no `-e`: stdin is the script when it is not a terminal.
    let o = wayfinder(&["-W"], "print('from stdin') warn('w')\n", &[]);
    assert_eq!(out(&o), "from stdin\n");
    assert_eq!(err(&o), "Lua warning: w\n");
}

/// `wayfinder run` reads its script once: a script from a pipe (`/dev/stdin`) runs (it ran
/// nothing when the file was read again after a first read to check it); `-` reads the
/// standard input.
#[test]
fn run_reads_a_piped_script_once() {
    let o = wayfinder(
        &["run", "/dev/stdin", "x", "y"],
        "#!/usr/bin/env lua\nprint('piped', ...)\n",
        &[],
    );
    assert_eq!(out(&o), "piped\tx\ty\n", "stderr: {}", err(&o));
    assert!(o.status.success());
    // `-` is the standard input, named `stdin` in messages as lua5.4 names it.
    let o = wayfinder(&["run", "-", "a"], "print('dash', ...)\n", &[]);
    assert_eq!(out(&o), "dash\ta\n", "stderr: {}", err(&o));
    let o = wayfinder(&["run", "-"], "\nerror('boom')\n", &[]);
    assert!(err(&o).contains("stdin:2: boom"), "stderr: {}", err(&o));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn version_warnings_and_environment() {
    let o = wayfinder(&["-v", "-e", "print(2)"], "", &[]);
    let text = out(&o);
    assert!(
        text.starts_with("wayfinder ") && text.ends_with("(Lua 5.4)\n2\n"),
        "{text}"
    );
    let o = wayfinder(&["-e", "warn('a')", "-W", "-e", "warn('b')"], "", &[]);
    assert_eq!(err(&o), "Lua warning: b\n");
    let init = [
        ("LUA_INIT", "print('init')"),
        ("LUA_PATH", "/nowhere/?.lua"),
    ];
    let o = wayfinder(&["-e", "print(package.path)"], "", &init);
    assert_eq!(out(&o), "init\n/nowhere/?.lua\n");
    let o = wayfinder(
        &["-E", "-e", "print(package.path:match('/nowhere') == nil)"],
        "",
        &init,
    );
    assert_eq!(out(&o), "true\n");
    let file = dir().join("init.lua");
    std::fs::write(&file, "print('init file')\n").unwrap();
    let at = format!("@{}", file.display());
    let o = wayfinder(&["-e", "print(1)"], "", &[("LUA_INIT_5_4", &at)]);
    assert_eq!(out(&o), "init file\n1\n");
}

#[test]
fn errors_end_with_status_1() {
    let o = wayfinder(
        &["-e", "error('boom')", "-e", "print('not reached')"],
        "",
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o), "");
    assert!(
        err(&o).starts_with("wayfinder: (command line):1: boom\nstack traceback:\n"),
        "{}",
        err(&o)
    );
    let o = wayfinder(&["-l", "nosuch"], "", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).starts_with("wayfinder: module 'nosuch' not found:\n"),
        "{}",
        err(&o)
    );
    for (args, msg) in [
        (&["-x"][..], "unrecognized option '-x'"),
        (&["-e"][..], "'-e' needs argument"),
        (&["-l", "-v"][..], "'-l' needs argument"),
        (
            &["--port", "0", "s.lua"][..],
            "unrecognized option '--port'",
        ),
    ] {
        let o = wayfinder(args, "", &[]);
        assert_eq!(o.status.code(), Some(1));
        let e = err(&o);
        assert!(
            e.starts_with(&format!("wayfinder: {msg}\nusage: wayfinder [options]")),
            "{e}"
        );
    }
}

#[test]
fn subcommands_still_win() {
    let o = wayfinder(&["check", "show.lua"], "", &[]);
    assert_eq!(out(&o), "show.lua: ok\n");
    let o = wayfinder(&["--version"], "", &[]);
    assert!(out(&o).starts_with("wayfinder "));
}

/// The traceback of an uncaught error starts at the native that raised it, as lua5.4's
/// (`[C]: in function 'error'`, a library function by its module name, a wrapped
/// coroutine's function by its local name); an error caught earlier leaves no trace.
#[test]
fn tracebacks_start_at_the_raising_native() {
    let cases: [(&str, &str); 5] = [
        (
            "dofile('no-such-file.lua')",
            "wayfinder: cannot open no-such-file.lua: No such file or directory\n\
             stack traceback:\n\t[C]: in function 'dofile'\n\
             \t(command line):1: in main chunk\n\t[C]: in ?\n",
        ),
        (
            "local t = setmetatable({}, {__index = function(t, k) error('no ' .. k, 2) end})\n\
             print(pcall(error)) local x = t.y",
            "wayfinder: (command line):2: no y\nstack traceback:\n\
             \t[C]: in function 'error'\n\
             \t(command line):1: in metamethod 'index'\n\
             \t(command line):2: in main chunk\n\t[C]: in ?\n",
        ),
        (
            "string.rep()",
            "wayfinder: (command line):1: bad argument #1 to 'rep' (string expected, got no \
             value)\nstack traceback:\n\t[C]: in function 'string.rep'\n\
             \t(command line):1: in main chunk\n\t[C]: in ?\n",
        ),
        (
            "local co = coroutine.wrap(function() error('in co') end)\nco()",
            "wayfinder: (command line):2: (command line):1: in co\nstack traceback:\n\
             \t[C]: in local 'co'\n\t(command line):2: in main chunk\n\t[C]: in ?\n",
        ),
        (
            "pcall(error) pcall(string.rep) local y = nil; local x = y + 1",
            "wayfinder: (command line):1: attempt to perform arithmetic on a nil value (local \
             'y')\nstack traceback:\n\t(command line):1: in main chunk\n\t[C]: in ?\n",
        ),
    ];
    for (code, expected) in cases {
        let o = wayfinder(&["-e", code], "", &[]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(err(&o), expected, "{code}");
    }
}

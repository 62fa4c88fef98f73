//! `wayfinder [options] [script [args]]`: the command line of the standalone `lua`
//! interpreter (lua5.4's `-e`, `-l`, `-v`, `-E`, `-W`, `--`, `-`), for using wayfinder
//! wherever `lua` is expected. It runs like `wayfinder run --no-server`: no control port,
//! no file watching (`debug.reloadModule` works). `-i` (the interactive mode) is not
//! supported.

use std::ffi::OsString;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wayfinder_reload::config::Config;
use wayfinder_vm::runtime::{LoadError, RunError, Runtime};

/// One of the options `lua` carries out in order, before the script.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// `-e stat`: run `stat`.
    Exec(String),
    /// `-l mod` / `-l g=mod`: `g = require(mod)`.
    Require { global: String, module: String },
    /// `-W`: turn warnings on.
    Warnings,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Script {
    File(PathBuf),
    Stdin,
}

/// A parsed `lua`-style command line.
#[derive(Debug, PartialEq, Eq)]
pub struct LuaCommand {
    pub actions: Vec<Action>,
    /// `-v`: print the version first.
    pub version: bool,
    /// `-E`: ignore `LUA_INIT*` and `LUA_PATH*`.
    pub ignore_env: bool,
    pub script: Option<Script>,
    /// The index of the script in argv (`argv.len()` if none): `arg[0]`.
    pub script_index: usize,
}

pub const USAGE: &str = "usage: wayfinder [options] [script [args]]
Available options are:
  -e stat   execute string 'stat'
  -l mod    require library 'mod' into global 'mod'
  -l g=mod  require library 'mod' into global 'g'
  -v        show version information
  -E        ignore environment variables
  -W        turn warnings on
  --        stop handling options
  -         stop handling options and execute stdin
(-i, the interactive mode, is not supported; the other commands: wayfinder --help)";

/// Parse the options as lua5.4's `collectargs` does: they end at the first argument not
/// starting with `-` (the script), after `--`, or at `-` (stdin). The error is the message
/// to print before the usage.
pub fn parse(argv: &[String]) -> Result<LuaCommand, String> {
    let mut cmd = LuaCommand {
        actions: Vec::new(),
        version: false,
        ignore_env: false,
        script: None,
        script_index: argv.len(),
    };
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if !a.starts_with('-') {
            cmd.script_index = i;
            cmd.script = Some(Script::File(PathBuf::from(a)));
            return Ok(cmd);
        }
        match a {
            "--" => {
                if i + 1 < argv.len() {
                    cmd.script_index = i + 1;
                    cmd.script = Some(Script::File(PathBuf::from(&argv[i + 1])));
                }
                return Ok(cmd);
            }
            "-" => {
                cmd.script_index = i;
                cmd.script = Some(Script::Stdin);
                return Ok(cmd);
            }
            "-E" => cmd.ignore_env = true,
            "-W" => cmd.actions.push(Action::Warnings),
            "-v" => cmd.version = true,
            "-i" => {
                return Err("the interactive mode (-i) is not supported".into());
            }
            _ if a.starts_with("-e") || a.starts_with("-l") => {
                let value = if a.len() > 2 {
                    a[2..].to_string()
                } else {
                    i += 1;
                    match argv.get(i) {
                        Some(v) if !v.starts_with('-') => v.clone(),
                        _ => return Err(format!("'{a}' needs argument")),
                    }
                };
                cmd.actions.push(if a.starts_with("-e") {
                    Action::Exec(value)
                } else {
                    match value.split_once('=') {
                        Some((global, module)) => Action::Require {
                            global: global.into(),
                            module: module.into(),
                        },
                        None => Action::Require {
                            global: value.clone(),
                            module: value,
                        },
                    }
                });
            }
            _ => return Err(format!("unrecognized option '{a}'")),
        }
        i += 1;
    }
    Ok(cmd)
}

/// Does this command line ask for the `lua`-style mode (rather than a subcommand, or
/// clap's `--help`/`--version`)?
pub fn wanted(argv: &[OsString], subcommands: &[&str]) -> bool {
    let Some(first) = argv.get(1).map(|a| a.to_string_lossy()) else {
        return false;
    };
    let clap_own = ["-h", "--help", "-V", "--version", "help"];
    !(subcommands.contains(&first.as_ref()) || clap_own.contains(&first.as_ref()))
}

/// Report a failed chunk as `lua` does (message and traceback on stderr); false if it
/// failed.
fn report(result: Result<impl Sized, RunError>) -> bool {
    match result {
        Ok(_) => true,
        Err(RunError::Load(LoadError::Syntax { message, .. })) => {
            eprintln!("wayfinder: {message}");
            false
        }
        Err(RunError::Load(LoadError::Io(msg))) => {
            eprintln!("wayfinder: {msg}");
            false
        }
        Err(RunError::Runtime(e)) => {
            eprintln!("wayfinder: {}", e.message);
            if let Some(tb) = e.traceback {
                eprintln!("{tb}");
            }
            false
        }
    }
}

/// The source of standard input, as `lua -` loads it (a first line starting with `#`
/// skipped).
fn read_stdin() -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(wayfinder_vm::runtime::load::file_source(bytes))
}

/// `LUA_INIT_5_4`, else `LUA_INIT`: `@file` runs the file, anything else is a chunk.
fn run_init(rt: &mut Runtime) -> bool {
    let (name, value) = match std::env::var("LUA_INIT_5_4") {
        Ok(v) => ("LUA_INIT_5_4", v),
        Err(_) => match std::env::var("LUA_INIT") {
            Ok(v) => ("LUA_INIT", v),
            Err(_) => return true,
        },
    };
    match value.strip_prefix('@') {
        Some(file) => match std::fs::read(file) {
            Ok(src) => report(rt.run_chunk(
                &wayfinder_vm::runtime::load::file_source(src),
                &format!("@{file}"),
                &[],
            )),
            Err(e) => {
                eprintln!("wayfinder: cannot open {file}: {e}");
                false
            }
        },
        None => report(rt.run_chunk(value.as_bytes(), &format!("={name}"), &[])),
    }
}

/// Run a `lua`-style command line; `argv` is the whole command line.
pub fn run(argv: &[OsString]) -> ExitCode {
    let argv: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cmd = match parse(&argv) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("wayfinder: {msg}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    if cmd.version {
        println!("wayfinder {} (Lua 5.4)", env!("CARGO_PKG_VERSION"));
    }
    let mut rt = Runtime::new();
    if cmd.ignore_env {
        rt.ignore_env_paths();
    }
    let script_path = match &cmd.script {
        Some(Script::File(p)) => Some(p.as_path()),
        _ => None,
    };
    // The settings a `wayfinder.yaml` gives reloads (`debug.reloadModule`).
    let config = match Config::locate(None, script_path.unwrap_or(Path::new("stdin.lua"))) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wayfinder: {e}");
            return ExitCode::FAILURE;
        }
    };
    wayfinder_reload::install(&mut rt, &config.policy);
    if let Some(p) = script_path {
        let dir = p.parent().unwrap_or(Path::new(""));
        rt.set_script_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        });
    }
    // With no script, `arg[0]` is the interpreter and the options follow it.
    let zero = if cmd.script.is_some() {
        cmd.script_index
    } else {
        0
    };
    rt.set_arg_list(&argv, zero);
    let code = run_all(&mut rt, &cmd, &argv);
    // As `lua` closes its state: the finalizers still pending run, after any error report.
    rt.close();
    code
}

fn run_all(rt: &mut Runtime, cmd: &LuaCommand, argv: &[String]) -> ExitCode {
    if !cmd.ignore_env && !run_init(rt) {
        return ExitCode::FAILURE;
    }
    for action in &cmd.actions {
        let ok = match action {
            Action::Exec(stat) => report(rt.run_chunk(stat.as_bytes(), "=(command line)", &[])),
            Action::Require { global, module } => report(rt.run_chunk(
                // Called from a native, as lua5.4 does: no position in `require`'s errors.
                b"local g, m = ...\n\
                  local ok, v = pcall(require, m)\n\
                  if not ok then error(v, 0) end\n\
                  _G[g] = v",
                "=(command line)",
                &[global.clone(), module.clone()],
            )),
            Action::Warnings => {
                rt.set_warnings(true);
                true
            }
        };
        if !ok {
            return ExitCode::FAILURE;
        }
    }
    let script_args = argv.get(cmd.script_index + 1..).unwrap_or(&[]);
    let ok = match &cmd.script {
        Some(Script::File(path)) => report(rt.run_file(path, script_args)),
        Some(Script::Stdin) => run_stdin(rt, script_args),
        None if cmd.actions.iter().any(|a| matches!(a, Action::Exec(_))) || cmd.version => true,
        None if std::io::stdin().is_terminal() => {
            eprintln!(
                "wayfinder: no script given, and the interactive mode is not supported\n{USAGE}"
            );
            false
        }
        None => run_stdin(rt, &[]),
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_stdin(rt: &mut Runtime, args: &[String]) -> bool {
    match read_stdin() {
        Ok(src) => report(rt.run_chunk(&src, "=stdin", args)),
        Err(msg) => {
            eprintln!("wayfinder: {msg}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<LuaCommand, String> {
        let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&argv)
    }

    #[test]
    fn options_end_at_the_script() {
        let c = p(&[
            "wf", "-e", "x=1", "-lm", "-l", "g=mod", "-W", "s.lua", "-e", "y",
        ])
        .unwrap();
        assert_eq!(
            c.actions,
            vec![
                Action::Exec("x=1".into()),
                Action::Require {
                    global: "m".into(),
                    module: "m".into()
                },
                Action::Require {
                    global: "g".into(),
                    module: "mod".into()
                },
                Action::Warnings,
            ]
        );
        assert_eq!(c.script, Some(Script::File("s.lua".into())));
        assert_eq!(c.script_index, 7);
        let c = p(&["wf", "-E", "--", "-odd.lua", "a"]).unwrap();
        assert!(c.ignore_env);
        assert_eq!(c.script, Some(Script::File("-odd.lua".into())));
        assert_eq!(c.script_index, 3);
        let c = p(&["wf", "-v", "-", "a"]).unwrap();
        assert!(c.version);
        assert_eq!((c.script, c.script_index), (Some(Script::Stdin), 2));
        let c = p(&["wf", "-e", "x=1", "--"]).unwrap();
        assert_eq!((c.script, c.script_index), (None, 4));
    }

    #[test]
    fn bad_options() {
        assert_eq!(p(&["wf", "-x"]), Err("unrecognized option '-x'".into()));
        assert_eq!(p(&["wf", "-Ex"]), Err("unrecognized option '-Ex'".into()));
        assert_eq!(p(&["wf", "-e"]), Err("'-e' needs argument".into()));
        assert_eq!(p(&["wf", "-l", "-v"]), Err("'-l' needs argument".into()));
        assert!(p(&["wf", "-i"]).is_err());
    }
}

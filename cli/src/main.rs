//! The `wayfinder` command: run Lua 5.4 scripts (with the control port for hot reload, or
//! with `lua`'s command line: `lua_mode`),
//! reload modules in a running program, check files for syntax errors.

mod alloc;
mod control;
mod limit_args;
mod lua_mode;
mod watch;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand};
use wayfinder_reload::config::Config;
use wayfinder_vm::runtime::{LoadError, RunError, Runtime};

use control::server::{self, DEFAULT_PORT};

/// Small blocks from per-thread size classes (see `alloc`): Lua's many small objects.
#[global_allocator]
static ALLOCATOR: alloc::SizeClasses = alloc::SizeClasses;

#[derive(Parser)]
#[command(
    name = "wayfinder",
    version,
    about = "A Lua 5.4 runtime with hot code reload",
    after_help = "Like lua5.4: wayfinder [-e stat] [-l mod] [-l g=mod] [-v] [-E] [-W] [--] \
                  [script [args]] (`-` runs stdin) runs without a control port; the first \
                  argument must not be a command name (write ./run for a script named run)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Lua script, like `lua script args...`, with the control port open for hot reload
    Run(RunArgs),
    /// Run a Lua script for an IDE or `wayfinder hot-reload` to attach to
    #[command(
        after_help = "Until the step debugger exists, --debug serves hot reload on the control \
                      port: the same as `wayfinder run`, except that the address is always \
                      printed and a busy port is always an error."
    )]
    Launch {
        /// Open the control port for a debugger client (today: hot reload only)
        #[arg(long)]
        debug: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Reload modules in a running program (`wayfinder run` / `launch --debug`)
    #[command(
        after_help = "Exit status: 0 reload applied; 1 reload refused (nothing changed); \
                      2 could not talk to the program (not running, wrong port, timeout, \
                      token); 3 skipped: --condition was false, or (without --module) no \
                      module had changed."
    )]
    HotReload(HotReloadArgs),
    /// Check Lua files for syntax errors without running them
    Check {
        /// Files to check
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the bytecode of a Lua file (for debugging wayfinder itself)
    #[command(hide = true)]
    Disasm { file: PathBuf },
}

#[derive(Args, Debug, PartialEq)]
struct RunArgs {
    /// The control port: 127.0.0.1:PORT [default: 5678; 0 picks a free port]
    #[arg(long, value_name = "N")]
    port: Option<u16>,
    /// Listen on ADDR (IP or IP:PORT) instead of 127.0.0.1, e.g. 0.0.0.0 for other machines;
    /// requires --token
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Secret every control-port request must carry [env: WAYFINDER_TOKEN]
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// Run without a control port
    #[arg(long, conflicts_with_all = ["port", "listen"])]
    no_server: bool,
    /// Reload modules when their files are saved (as `hotReload.auto: true`)
    #[arg(long)]
    watch: bool,
    /// Settings file [default: wayfinder.yaml beside the script, else in the working
    /// directory]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Run the script as untrusted: no io, os trimmed to clock/date/difftime/time, no
    /// require/dofile/loadfile, text chunks only, read-only libraries (docs/embedding.md)
    #[arg(long)]
    sandbox: bool,
    /// Stop the script when its heap passes SIZE (64M, 512K, 2G)
    #[arg(long, value_name = "SIZE", value_parser = limit_args::parse_size)]
    max_memory: Option<usize>,
    /// Stop the script after N instructions (counted at calls and loop iterations)
    #[arg(long, value_name = "N")]
    max_instructions: Option<u64>,
    /// Stop the script after SECONDS of wall-clock time
    #[arg(long, value_name = "SECONDS", value_parser = limit_args::parse_seconds)]
    max_time: Option<Duration>,
    /// The script to run
    script: PathBuf,
    /// Arguments for the script (`arg[1]`, ... and `...`): everything after the script is
    /// passed on untouched, options included
    #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
    args: Vec<String>,
}

#[derive(Args)]
struct HotReloadArgs {
    /// Module to reload, as given to `require` (repeat for several: one transaction);
    /// without --module, every loaded module whose file changed since it was loaded
    #[arg(long = "module", value_name = "NAME")]
    modules: Vec<String>,
    /// Control port of the running program
    #[arg(long, default_value_t = DEFAULT_PORT, value_name = "N")]
    port: u16,
    /// Host of the running program
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Rebind only this function (its path in the module, e.g. `M.add`); the module's chunk
    /// is not run
    #[arg(long, value_name = "NAME")]
    function: Option<String>,
    /// Reload only this field of the module table
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
    /// Reload only if this Lua expression is truthy in the program's globals
    #[arg(long, value_name = "EXPR")]
    condition: Option<String>,
    /// Print the report (or the error) as JSON
    #[arg(long)]
    json: bool,
    /// Token the program was started with [env: WAYFINDER_TOKEN]
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// Seconds to wait for the program to apply the reload
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    timeout: f64,
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let interpreter = argv
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "wayfinder".into());
    if let Some((args, script_args)) = plain_run(&argv) {
        return run(&args, &interpreter, &script_args, false);
    }
    // `wayfinder [options] [script [args]]`, as `lua`: anything but a subcommand.
    if lua_mode::wanted(&argv, &SUBCOMMANDS) {
        return lua_mode::run(&argv);
    }
    let (clap_argv, script_args) = split_script_args(&argv);
    let cli = Cli::parse_from(clap_argv);
    match cli.command {
        Command::Run(args) => run(&args, &interpreter, &script_args, false),
        Command::Launch { debug, run: args } => run(&args, &interpreter, &script_args, debug),
        Command::HotReload(args) => hot_reload(args),
        Command::Check { files } => check(&files),
        Command::Disasm { file } => disasm(&file),
    }
}

/// The subcommands' names, as clap spells them (`tests::subcommands_are_clap_s` checks):
/// telling the `lua`-style command line from a subcommand without building clap's
/// command, which runs about 100 KB of code that would stay resident for the whole run.
const SUBCOMMANDS: [&str; 5] = ["run", "launch", "hot-reload", "check", "disasm"];

/// `wayfinder run [--no-server] [--watch] [--sandbox] SCRIPT [ARGS...]`, the common cases,
/// parsed without clap: building clap's parser runs about 170 KB of code, which would stay
/// resident for the whole run. Anything else (options with a value, `--`, a script named
/// like an option) goes to clap;
/// `tests::plain_run_is_what_clap_parses` checks that both agree.
fn plain_run(argv: &[OsString]) -> Option<(RunArgs, Vec<String>)> {
    if argv.get(1).map(|a| a.as_os_str()) != Some("run".as_ref()) {
        return None;
    }
    // The options without a value, each at most once (clap refuses a repeated one).
    let (mut no_server, mut watch, mut sandbox) = (false, false, false);
    let mut i = 2;
    loop {
        let flag = match argv.get(i)?.to_str() {
            Some("--no-server") => &mut no_server,
            Some("--watch") => &mut watch,
            Some("--sandbox") => &mut sandbox,
            _ => break,
        };
        if *flag {
            return None;
        }
        *flag = true;
        i += 1;
    }
    let script = &argv[i];
    if script.is_empty() || script.to_string_lossy().starts_with('-') {
        return None;
    }
    let args = RunArgs {
        port: None,
        listen: None,
        token: None,
        no_server,
        watch,
        config: None,
        sandbox,
        max_memory: None,
        max_instructions: None,
        max_time: None,
        script: PathBuf::from(script),
        args: Vec::new(),
    };
    let rest = argv[i + 1..]
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Some((args, rest))
}

/// Split the command line as `lua` does: for `run` and `launch`, everything after the
/// script belongs to the script, untouched (`--help`, `--`, anything). Returns the part for
/// clap (up to and including the script) and the script's arguments.
fn split_script_args(argv: &[OsString]) -> (Vec<OsString>, Vec<String>) {
    let all = || (argv.to_vec(), Vec::new());
    // The subcommand: the first argument that is not an option.
    let Some(sub_index) = argv
        .iter()
        .skip(1)
        .position(|a| !a.to_string_lossy().starts_with('-'))
        .map(|i| i + 1)
    else {
        return all();
    };
    let sub_name = argv[sub_index].to_string_lossy().into_owned();
    if sub_name != "run" && sub_name != "launch" {
        return all();
    }
    let command = Cli::command();
    let Some(sub) = command.find_subcommand(&sub_name) else {
        return all();
    };
    // Options of this subcommand that take a value (`--port 5678`).
    let mut takes_value: Vec<String> = Vec::new();
    for a in sub.get_arguments() {
        if a.is_positional() || !a.get_action().takes_values() {
            continue;
        }
        if let Some(long) = a.get_long() {
            takes_value.push(format!("--{long}"));
        }
        if let Some(short) = a.get_short() {
            takes_value.push(format!("-{short}"));
        }
    }
    let mut i = sub_index + 1;
    while i < argv.len() {
        let a = argv[i].to_string_lossy();
        let script = if a == "--" {
            i + 1
        } else if a.starts_with('-') && a.len() > 1 {
            if takes_value.iter().any(|t| *t == a) {
                i += 1;
            }
            i += 1;
            continue;
        } else {
            i
        };
        if script >= argv.len() {
            break;
        }
        let rest = argv[script + 1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return (argv[..=script].to_vec(), rest);
    }
    all()
}

fn hot_reload(args: HotReloadArgs) -> ExitCode {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!("wayfinder: --timeout must be a positive number of seconds");
        return ExitCode::from(control::client::EXIT_UNREACHABLE);
    }
    let options = control::client::Options {
        host: args.host,
        port: args.port,
        modules: args.modules,
        function: args.function,
        table: args.table,
        condition: args.condition,
        token: args.token.or_else(env_token),
        json: args.json,
        timeout: Duration::from_secs_f64(args.timeout.min(86_400.0)),
    };
    control::client::run(&options)
}

/// `WAYFINDER_TOKEN`, when set and not empty.
fn env_token() -> Option<String> {
    std::env::var("WAYFINDER_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
}

/// Where the control port listens, and whether the user asked for it by name (then a busy
/// port is an error and the address is always printed).
struct Listen {
    addr: SocketAddr,
    explicit: bool,
    token: Option<String>,
}

/// Work out the control port's address from the options; an error is one line.
fn listen_options(args: &RunArgs, debug: bool) -> Result<Option<Listen>, String> {
    if args.no_server {
        return Ok(None);
    }
    let token = args.token.clone().or_else(env_token);
    if token.as_deref() == Some("") {
        return Err("--token must not be empty".into());
    }
    let addr = match &args.listen {
        None => SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            args.port.unwrap_or(DEFAULT_PORT),
        ),
        Some(text) => {
            if args.port.is_some() && text.parse::<SocketAddr>().is_ok() {
                return Err(format!(
                    "--listen {text} already names a port; drop --port or the port in --listen"
                ));
            }
            parse_listen(text, args.port.unwrap_or(DEFAULT_PORT)).ok_or_else(|| {
                format!(
                    "--listen {text}: expected an IP address, optionally with :PORT \
                     (e.g. 0.0.0.0:5678 or 192.168.1.10)"
                )
            })?
        }
    };
    if let (Some(text), None) = (&args.listen, &token) {
        return Err(format!(
            "--listen {text} can make the control port reachable from other machines, so it \
             needs a token: pass --token T or set WAYFINDER_TOKEN"
        ));
    }
    Ok(Some(Listen {
        addr,
        explicit: debug || args.port.is_some() || args.listen.is_some(),
        token,
    }))
}

/// `IP`, `IP:PORT`, `[IPv6]:PORT` or `host:PORT`.
fn parse_listen(text: &str, default_port: u16) -> Option<SocketAddr> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    if let Ok(ip) = text
        .trim_matches(|c| c == '[' || c == ']')
        .parse::<IpAddr>()
    {
        return Some(SocketAddr::new(ip, default_port));
    }
    let with_port = if text.contains(':') {
        text.to_string()
    } else {
        format!("{text}:{default_port}")
    };
    with_port.to_socket_addrs().ok()?.next()
}

/// Read a file (`-`: the standard input, as lua5.4 reads it), turning failures into one
/// clear line.
fn read_source(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| format!("cannot read the standard input: {e}"))?;
        return Ok(wayfinder_vm::runtime::load::file_source(bytes));
    }
    if path.is_dir() {
        return Err(format!("cannot read '{}': is a directory", path.display()));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        format!("cannot read '{}': {reason}", path.display())
    })?;
    // Skip a shebang line as `lua` does for script files.
    Ok(wayfinder_vm::runtime::load::file_source(bytes))
}

fn run(args: &RunArgs, interpreter: &str, script_args: &[String], debug: bool) -> ExitCode {
    let script = args.script.as_path();
    // Read once and run what was read: a script from a pipe cannot be read again.
    let source = match read_source(script) {
        Ok(source) => source,
        Err(msg) => {
            eprintln!("wayfinder: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let config = match Config::locate(args.config.as_deref(), script) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wayfinder: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listen = match listen_options(args, debug) {
        Ok(l) => l,
        Err(msg) => {
            eprintln!("wayfinder: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match &listen {
        None => None,
        Some(l) => match TcpListener::bind(l.addr) {
            Ok(listener) => {
                if l.explicit || std::io::stderr().is_terminal() {
                    let shown = listener.local_addr().unwrap_or(l.addr);
                    eprintln!("wayfinder: control port listening on {shown}");
                }
                Some(listener)
            }
            Err(e) if l.explicit => {
                eprintln!("wayfinder: {}", server::bind_error(&l.addr, &e));
                return ExitCode::FAILURE;
            }
            // The default port is taken (another program is running): run without one,
            // saying so where a person will see it.
            Err(e) => {
                if std::io::stderr().is_terminal() {
                    eprintln!(
                        "wayfinder: running without a control port: {}",
                        server::bind_error(&l.addr, &e)
                    );
                }
                None
            }
        },
    };

    let mut rt = if args.sandbox {
        Runtime::sandboxed()
    } else {
        Runtime::new()
    };
    if let Some(limits) = limit_args::limits(args.max_memory, args.max_instructions, args.max_time)
    {
        rt.set_limits(limits);
    }
    wayfinder_reload::install(&mut rt, &config.policy);
    let dir = script.parent().unwrap_or(Path::new(""));
    rt.set_script_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    });
    let script_name = script.display().to_string();
    rt.set_arg_table(interpreter, &script_name, script_args);
    let mut clients = None;
    if let (Some(listener), Some(l)) = (listener, listen) {
        let options = server::Options {
            token: l.token,
            policy: config.policy,
            notify: config.notify_on_change,
        };
        clients = Some(server::spawn(listener, rt.inbox(), options));
    }
    // Kept alive for the whole run: dropping it stops watching.
    let _watcher = if args.watch || config.auto.enabled {
        let settings = watch::Settings {
            policy: config.policy,
            notify: config.notify_on_change,
            clients,
        };
        match watch::start(&config.auto, rt.inbox(), settings) {
            Ok(w) => {
                if args.watch || std::io::stderr().is_terminal() {
                    let dirs: Vec<String> =
                        w.dirs.iter().map(|d| d.display().to_string()).collect();
                    eprintln!("wayfinder: watching {} for changes", dirs.join(", "));
                }
                Some(w)
            }
            Err(msg) => {
                eprintln!("wayfinder: {msg}; auto-reload is off");
                None
            }
        }
    } else {
        None
    };
    let ran = if script == Path::new("-") {
        // Named as lua5.4 names it; there is no file to reload.
        rt.run_chunk(&source, "=stdin", script_args)
    } else {
        rt.run_file_source(script, source, script_args)
    };
    let code = match ran {
        Ok(_) => ExitCode::SUCCESS,
        Err(RunError::Load(LoadError::Syntax { message, .. })) => {
            eprintln!("wayfinder: {message}");
            ExitCode::FAILURE
        }
        Err(RunError::Load(LoadError::Io(msg))) => {
            eprintln!("wayfinder: {msg}");
            ExitCode::FAILURE
        }
        Err(RunError::Runtime(e)) => {
            eprintln!("wayfinder: {}", e.message);
            if let Some(tb) = e.traceback {
                eprintln!("{tb}");
            }
            ExitCode::FAILURE
        }
    };
    // As `lua` closes its state: the finalizers still pending run, after any error report.
    rt.close();
    code
}

fn check(files: &[PathBuf]) -> ExitCode {
    let color = std::io::stderr().is_terminal();
    let mut failed = 0;
    for path in files {
        let name = path.display().to_string();
        let source = match read_source(path) {
            Ok(s) => s,
            Err(msg) => {
                eprintln!("wayfinder: {msg}");
                failed += 1;
                continue;
            }
        };
        match wayfinder_vm::runtime::load::compile_chunk(&source, &format!("@{name}")) {
            Ok(_) => println!("{name}: ok"),
            Err(LoadError::Syntax { error, .. }) => {
                eprint!(
                    "{}",
                    wayfinder_reload::diagnostics::render_syntax_error(
                        &name, &source, &error, color
                    )
                );
                failed += 1;
            }
            Err(LoadError::Io(msg)) => {
                eprintln!("wayfinder: {msg}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        eprintln!(
            "wayfinder: {failed} of {} file(s) failed the check",
            files.len()
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn disasm(path: &Path) -> ExitCode {
    let name = path.display().to_string();
    let result = read_source(path).and_then(|src| {
        wayfinder_vm::runtime::load::compile_chunk(&src, &format!("@{name}"))
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(proto) => {
            print!("{}", wayfinder_vm::compiler::disassemble(&proto));
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("wayfinder: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(args: &[&str]) -> (Vec<String>, Vec<String>) {
        let argv: Vec<OsString> = args.iter().map(OsString::from).collect();
        let (clap, rest) = split_script_args(&argv);
        (
            clap.iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            rest,
        )
    }

    #[test]
    fn subcommands_are_clap_s() {
        let command = Cli::command();
        let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(names, SUBCOMMANDS);
    }

    #[test]
    fn plain_run_is_what_clap_parses() {
        for line in [
            &["wf", "run", "s.lua"][..],
            &["wf", "run", "dir/s.lua", "a", "--port", "-x"],
            &["wf", "run", "--no-server", "s.lua", "--watch"],
            &["wf", "run", "--watch", "s.lua"],
            &[
                "wf",
                "run",
                "--sandbox",
                "--no-server",
                "--watch",
                "s.lua",
                "x",
            ],
        ] {
            let argv: Vec<OsString> = line.iter().map(OsString::from).collect();
            let (fast, fast_rest) = plain_run(&argv).expect("a plain run");
            let (clap_argv, rest) = split_script_args(&argv);
            let Command::Run(parsed) = Cli::parse_from(clap_argv).command else {
                panic!("not a run");
            };
            assert_eq!(fast, parsed);
            assert_eq!(fast_rest, rest);
        }
        for line in [
            &["wf", "run", "--watch", "--watch", "s.lua"][..],
            &["wf", "run", "--no-server"],
            &["wf", "run", "--no-server", "--port", "1", "s.lua"],
            &["wf", "run", "--no-server", "--", "s.lua"],
            &["wf", "run"],
            &["wf", "launch", "s.lua"],
            &["wf", "run", "-"],
        ] {
            let argv: Vec<OsString> = line.iter().map(OsString::from).collect();
            assert!(plain_run(&argv).is_none(), "{line:?}");
        }
    }

    #[test]
    fn the_script_ends_the_options() {
        assert_eq!(
            split(&["wf", "run", "s.lua", "--help", "--", "x"]),
            (
                vec!["wf".into(), "run".into(), "s.lua".into()],
                vec!["--help".into(), "--".into(), "x".into()]
            )
        );
        assert_eq!(
            split(&["wf", "run", "--port", "0", "--config", "c.yaml", "s.lua", "-v"]).1,
            ["-v"]
        );
        assert_eq!(
            split(&["wf", "run", "--port=0", "--watch", "s.lua", "a"])
                .0
                .last()
                .unwrap(),
            "s.lua"
        );
        assert_eq!(
            split(&["wf", "launch", "--debug", "--", "-odd.lua", "x"]),
            (
                vec![
                    "wf".into(),
                    "launch".into(),
                    "--debug".into(),
                    "--".into(),
                    "-odd.lua".into()
                ],
                vec!["x".into()]
            )
        );
        // No script yet, or another command: everything goes to clap.
        assert_eq!(split(&["wf", "run", "--help"]).0.len(), 3);
        assert_eq!(split(&["wf", "run", "--port"]).0.len(), 3);
        assert_eq!(
            split(&["wf", "hot-reload", "--module", "run", "x"]).0.len(),
            5
        );
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(
            parse_listen("0.0.0.0", 5678),
            Some("0.0.0.0:5678".parse().unwrap())
        );
        assert_eq!(
            parse_listen("127.0.0.2:0", 5678),
            Some("127.0.0.2:0".parse().unwrap())
        );
        assert_eq!(
            parse_listen("[::1]:9", 5678),
            Some("[::1]:9".parse().unwrap())
        );
        assert_eq!(parse_listen("::1", 7), Some("[::1]:7".parse().unwrap()));
        assert_eq!(parse_listen("not an address", 7), None);
    }
}

//! The `wayfinder` command: run Lua 5.4 scripts; check them for syntax errors.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wayfinder_vm::runtime::{LoadError, RunError, Runtime};

#[derive(Parser)]
#[command(
    name = "wayfinder",
    version,
    about = "A Lua 5.4 runtime with hot code reload"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Lua script, like `lua script args...`
    Run {
        /// The script to run
        script: PathBuf,
        /// Arguments for the script (`arg[1]`, ... and `...`)
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { script, args } => run(&script, &args),
        Command::Check { files } => check(&files),
        Command::Disasm { file } => disasm(&file),
    }
}

/// Read a file, turning failures into one clear line.
fn read_source(path: &Path) -> Result<Vec<u8>, String> {
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

fn run(script: &Path, args: &[String]) -> ExitCode {
    let source = match read_source(script) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("wayfinder: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let mut rt = Runtime::new();
    let dir = script.parent().unwrap_or(Path::new(""));
    rt.set_script_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    });
    let script_name = script.display().to_string();
    rt.set_arg_table("wayfinder", &script_name, args);
    match rt.run_chunk(&source, &format!("@{script_name}"), args) {
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
    }
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

//! `wayfinder-bench`: times the programs in `lua-tests/bench/` on wayfinder, PUC-Rio lua5.4
//! and piccolo, checks they all print the same checksum line, and prints a comparison table.

mod external;
mod outcome;
mod piccolo_run;
mod report;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use external::Interpreter;
use outcome::{best_of, Outcome};
use report::Row;

#[derive(Parser, Debug)]
#[command(
    name = "wayfinder-bench",
    about = "Benchmark wayfinder against PUC-Rio lua5.4 and piccolo"
)]
struct Options {
    /// The wayfinder binary (run as `PATH run FILE`) [default: <workspace>/target/release/wayfinder]
    #[arg(long, value_name = "PATH")]
    wayfinder: Option<PathBuf>,
    /// The PUC-Rio Lua 5.4 interpreter [default: `lua5.4` found on $PATH]
    #[arg(long, value_name = "PATH")]
    lua: Option<PathBuf>,
    /// Runs per program and runtime; the fastest (minimum) wall-clock time is reported
    #[arg(long, default_value_t = 3, value_name = "N")]
    runs: u32,
    /// Kill a wayfinder or lua5.4 run that takes longer than this many seconds
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    timeout: f64,
    /// Only run programs whose file name contains NAME
    #[arg(long, value_name = "NAME")]
    filter: Option<String>,
    /// Do not run piccolo
    #[arg(long)]
    skip_piccolo: bool,
    /// Print JSON instead of the table
    #[arg(long)]
    json: bool,
    /// Directory of benchmark programs [default: <workspace>/lua-tests/bench]
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

fn workspace_root() -> PathBuf {
    // This crate lives at <root>/bench.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The `.lua` files in `dir` whose name contains `filter`, sorted by name.
fn find_programs(dir: &Path, filter: Option<&str>) -> Result<Vec<PathBuf>, String> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
    let mut programs: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "lua"))
        .filter(|path| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default();
            filter.is_none_or(|f| name.contains(f))
        })
        .collect();
    programs.sort();
    Ok(programs)
}

/// An external runtime that may be unavailable; `Err` holds why, shown in every row.
type Runtime = Result<Interpreter, String>;

fn wayfinder_runtime(options: &Options, root: &Path) -> Runtime {
    let path = options
        .wayfinder
        .clone()
        .unwrap_or_else(|| root.join("target/release/wayfinder"));
    if !path.is_file() {
        return Err(format!(
            "no binary at {} (build it with `cargo build --release -p wayfinder`, or pass --wayfinder PATH)",
            path.display()
        ));
    }
    Ok(Interpreter {
        program: path,
        args: vec!["run".to_string()],
    })
}

fn lua_runtime(options: &Options) -> Runtime {
    let path = match &options.lua {
        Some(path) if path.is_file() => path.clone(),
        Some(path) => return Err(format!("no binary at {}", path.display())),
        None => external::find_on_path("lua5.4")
            .ok_or_else(|| "lua5.4 not found on $PATH (pass --lua PATH)".to_string())?,
    };
    Ok(Interpreter {
        program: path,
        args: Vec::new(),
    })
}

fn measure_external(runtime: &Runtime, file: &Path, runs: u32, timeout: Duration) -> Outcome {
    match runtime {
        Ok(interpreter) => best_of(runs, || interpreter.run_once(file, timeout)),
        Err(reason) => Outcome::NotAvailable {
            reason: reason.clone(),
        },
    }
}

fn measure_piccolo(file: &Path, runs: u32, skip: bool) -> Outcome {
    if skip {
        return Outcome::NotAvailable {
            reason: "skipped (--skip-piccolo)".to_string(),
        };
    }
    let source = match fs::read(file) {
        Ok(source) => source,
        Err(e) => {
            return Outcome::Failed {
                reason: format!("cannot read {}: {e}", file.display()),
            }
        }
    };
    let name = file.to_string_lossy();
    best_of(runs, || piccolo_run::run_once(&name, &source))
}

fn main() -> ExitCode {
    let options = Options::parse();
    let root = workspace_root();
    let dir = options
        .dir
        .clone()
        .unwrap_or_else(|| root.join("lua-tests/bench"));
    let programs = match find_programs(&dir, options.filter.as_deref()) {
        Ok(programs) if programs.is_empty() => {
            eprintln!("no benchmark programs matched in {}", dir.display());
            return ExitCode::FAILURE;
        }
        Ok(programs) => programs,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };

    let Ok(timeout) = Duration::try_from_secs_f64(options.timeout) else {
        eprintln!("--timeout must be a non-negative number of seconds");
        return ExitCode::FAILURE;
    };
    let wayfinder = wayfinder_runtime(&options, &root);
    let lua = lua_runtime(&options);
    for reason in [&wayfinder, &lua]
        .into_iter()
        .filter_map(|r| r.as_ref().err())
    {
        eprintln!("note: {reason}");
    }

    let mut rows = Vec::new();
    for file in &programs {
        let program = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        eprintln!("running {program} ({} runs each)...", options.runs.max(1));
        rows.push(Row {
            wayfinder: measure_external(&wayfinder, file, options.runs, timeout),
            lua: measure_external(&lua, file, options.runs, timeout),
            piccolo: measure_piccolo(file, options.runs, options.skip_piccolo),
            program,
        });
    }

    if options.json {
        println!("{:#}", report::json(&rows, options.runs.max(1)));
    } else {
        print!("{}", report::table(&rows));
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_benchmark_programs_with_filter() {
        let dir = workspace_root().join("lua-tests/bench");
        let all = find_programs(&dir, None).unwrap();
        assert!(all.iter().any(|p| p.ends_with("fib.lua")));
        assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted");
        let only = find_programs(&dir, Some("table_")).unwrap();
        assert!(!only.is_empty());
        assert!(only
            .iter()
            .all(|p| p.file_name().unwrap().to_string_lossy().contains("table_")));
        assert!(find_programs(Path::new("/nonexistent/dir"), None).is_err());
    }

    #[test]
    fn missing_wayfinder_binary_is_explained() {
        let options = Options::parse_from(["bench", "--wayfinder", "/nonexistent/wayfinder"]);
        let err = wayfinder_runtime(&options, &workspace_root()).unwrap_err();
        assert!(err.contains("cargo build --release -p wayfinder"), "{err}");
    }
}

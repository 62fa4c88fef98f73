//! `wayfinder-bench`: times the programs in `lua-tests/bench/` on wayfinder, PUC-Rio lua5.4
//! and piccolo, checks they all print the same checksum line, and prints a comparison table
//! of median times, peak memory and their ratios.
//!
//! Every run is a child process (piccolo through this binary's hidden `__piccolo` mode), so
//! each runtime's peak resident set size is its own, and the runtimes take turns run by run
//! so that a slow phase of the machine is shared between them.

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
use outcome::{Outcome, Samples};
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
    /// An earlier wayfinder build to compare with in the same run (runs taking turns with
    /// the others): adds its time, its ratio to lua5.4 and wayfinder's ratio to it
    #[arg(long, value_name = "PATH")]
    baseline: Option<PathBuf>,
    /// The PUC-Rio Lua 5.4 interpreter [default: `lua5.4` found on $PATH]
    #[arg(long, value_name = "PATH")]
    lua: Option<PathBuf>,
    /// Runs per program and runtime, alternating between runtimes; the median wall-clock time
    /// and the largest peak memory are reported
    #[arg(long, default_value_t = 5, value_name = "N")]
    runs: u32,
    /// Kill a run that takes longer than this many seconds
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    timeout: f64,
    /// Only run programs whose file name contains NAME
    #[arg(long, value_name = "NAME")]
    filter: Option<String>,
    /// Do not run piccolo
    #[arg(long)]
    skip_piccolo: bool,
    /// Print JSON instead of the table
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// Print a Markdown table (for docs/performance.md) instead of the plain-text one
    #[arg(long)]
    markdown: bool,
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
    wayfinder_at(path)
}

fn wayfinder_at(path: PathBuf) -> Runtime {
    if !path.is_file() {
        return Err(format!(
            "no binary at {} (build it with `cargo build --release -p wayfinder`, or pass --wayfinder PATH)",
            path.display()
        ));
    }
    Ok(Interpreter {
        program: path,
        args: vec!["run".to_string()],
        not_available_exit: None,
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
        not_available_exit: None,
    })
}

/// piccolo, run by this same binary in its hidden child mode.
fn piccolo_runtime(options: &Options) -> Runtime {
    if options.skip_piccolo {
        return Err("skipped (--skip-piccolo)".to_string());
    }
    let program =
        std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
    Ok(Interpreter {
        program,
        args: vec![piccolo_run::CHILD_ARG.to_string()],
        not_available_exit: Some(i32::from(piccolo_run::NOT_AVAILABLE_EXIT)),
    })
}

/// Runs `file` `runs` times on every runtime, taking turns: round `r` starts with runtime
/// `r mod n`, so no runtime always runs right after another. Returns the outcomes in the
/// order of `runtimes`.
fn measure(runtimes: &[&Runtime], file: &Path, runs: u32, timeout: Duration) -> Vec<Outcome> {
    let mut samples: Vec<Samples> = runtimes.iter().map(|_| Samples::default()).collect();
    for round in 0..runs.max(1) as usize {
        for turn in 0..runtimes.len() {
            let i = (round + turn) % runtimes.len();
            if let (Ok(interpreter), true) = (runtimes[i], samples[i].wants_more()) {
                samples[i].record(interpreter.run_once(file, timeout));
            }
        }
    }
    let mut outcomes: Vec<Outcome> = samples.into_iter().map(Samples::finish).collect();
    for (outcome, runtime) in outcomes.iter_mut().zip(runtimes) {
        if let Err(reason) = runtime {
            *outcome = Outcome::NotAvailable {
                reason: reason.clone(),
            };
        }
    }
    outcomes
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == piccolo_run::CHILD_ARG) {
        return match (args.next(), args.next()) {
            (Some(file), None) => piccolo_run::child_main(Path::new(&file)),
            _ => {
                eprintln!("usage: wayfinder-bench {} FILE", piccolo_run::CHILD_ARG);
                ExitCode::FAILURE
            }
        };
    }
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
    let piccolo = piccolo_runtime(&options);
    let baseline = options.baseline.clone().map(wayfinder_at);
    for reason in [Some(&wayfinder), Some(&lua), baseline.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_ref().err())
    {
        eprintln!("note: {reason}");
    }
    let mut runtimes = vec![&wayfinder, &lua, &piccolo];
    runtimes.extend(baseline.as_ref());

    let mut rows = Vec::new();
    for file in &programs {
        let program = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        eprintln!("running {program} ({} runs each)...", options.runs.max(1));
        let mut outcomes = measure(&runtimes, file, options.runs, timeout).into_iter();
        let mut next = || outcomes.next();
        rows.push(Row {
            wayfinder: next().expect("one outcome per runtime"),
            lua: next().expect("one outcome per runtime"),
            piccolo: next().expect("one outcome per runtime"),
            baseline: next(),
            program,
        });
    }

    if options.json {
        println!("{:#}", report::json(&rows, options.runs.max(1)));
    } else if options.markdown {
        print!("{}", report::markdown(&rows));
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
    fn runtimes_take_turns_and_missing_ones_are_not_available() {
        let log = std::env::temp_dir().join(format!("wf-bench-order-{}", std::process::id()));
        let _ = fs::remove_file(&log);
        let shell = |name: &str| -> Runtime {
            Ok(Interpreter {
                program: PathBuf::from("/bin/sh"),
                args: vec![
                    "-c".to_string(),
                    format!("echo {name} >> {}; echo sum 1", log.display()),
                ],
                not_available_exit: None,
            })
        };
        let (a, b) = (shell("a"), shell("b"));
        let missing: Runtime = Err("not here".to_string());
        let [first, second, third]: [Outcome; 3] = measure(
            &[&a, &b, &missing],
            Path::new("x"),
            3,
            Duration::from_secs(30),
        )
        .try_into()
        .unwrap();
        let order = fs::read_to_string(&log).unwrap();
        let _ = fs::remove_file(&log);
        assert_eq!(
            order.split_whitespace().collect::<Vec<_>>(),
            ["a", "b", "b", "a", "a", "b"]
        );
        assert!(matches!(first, Outcome::Ok { ref times, .. } if times.len() == 3));
        assert!(matches!(second, Outcome::Ok { .. }));
        assert_eq!(
            third,
            Outcome::NotAvailable {
                reason: "not here".to_string()
            }
        );
    }

    #[test]
    fn missing_wayfinder_binary_is_explained() {
        let options = Options::parse_from(["bench", "--wayfinder", "/nonexistent/wayfinder"]);
        let err = wayfinder_runtime(&options, &workspace_root()).unwrap_err();
        assert!(err.contains("cargo build --release -p wayfinder"), "{err}");
    }
}

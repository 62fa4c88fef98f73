//! A plain mutation fuzzer for the targets in `wayfinder_fuzz`, for machines without
//! nightly Rust / cargo-fuzz (see fuzz/README.md):
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --bin runner -- [--seconds N] [--target T] [--seed S]
//!
//! `T` is `parse`, `run`, `undump` or `all` (default). Seeds are every `.lua` file under
//! `lua-tests/` (and, for `undump`, their `string.dump` encodings). Each input runs on a
//! worker thread with an 8 MB stack, like the main thread of the `wayfinder` binary. The
//! input being run is written to `fuzz/artifacts/current` first, so one that kills the
//! process (stack overflow, abort) is left behind; a panic is saved to
//! `fuzz/artifacts/<target>-<n>` and counted; an input running over 10 s is a hang (saved,
//! then the runner exits with status 2).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wayfinder_fuzz::{mutate, Rng};

/// Seeds that take seconds to run by design (a million operators, 200,000 constants):
/// parsed, but not run, so the hang watchdog stays meaningful.
const SLOW_SEEDS: &[&str] = &["long_chains.lua", "many_constants.lua"];

fn seeds(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "bench") {
                continue;
            }
            seeds(&path, out);
        } else if path.extension().is_some_and(|e| e == "lua") {
            if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
}

fn dumps(sources: &[Vec<u8>]) -> Vec<Vec<u8>> {
    use wayfinder_vm::compiler;
    sources
        .iter()
        .filter_map(|src| {
            let chunk = wayfinder_vm::syntax::parse(src).ok()?;
            let proto = compiler::compile(chunk, src, "=seed").ok()?;
            Some(compiler::dump(&proto, src.len() % 2 == 0))
        })
        .collect()
}

type Target = fn(&[u8]);

fn main() {
    let mut seconds = 60u64;
    let mut which = "all".to_string();
    let mut seed = 0x5eed_u64;
    let mut replay: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(60),
            "--target" => which = args.next().unwrap_or_default(),
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(seed),
            "--replay" => replay = args.next().map(PathBuf::from),
            _ => {
                eprintln!(
                    "usage: runner [--seconds N] [--target parse|run|undump|all] [--seed S] \
                     [--replay FILE]"
                );
                std::process::exit(64);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let artifacts = root.join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let mut found = Vec::new();
    seeds(&root.join("../lua-tests"), &mut found);
    let is_slow = |p: &Path| {
        p.file_name()
            .is_some_and(|n| SLOW_SEEDS.iter().any(|s| n == *s))
    };
    let sources: Vec<Vec<u8>> = found.iter().map(|(_, b)| b.clone()).collect();
    let runnable: Vec<Vec<u8>> = found
        .iter()
        .filter(|(p, _)| !is_slow(p))
        .map(|(_, b)| b.clone())
        .collect();
    let binaries = dumps(&runnable);
    eprintln!(
        "{} source seeds, {} binary seeds, {seconds} s",
        sources.len(),
        binaries.len()
    );
    let targets: Vec<(&str, Target, &Vec<Vec<u8>>)> = [
        ("parse", wayfinder_fuzz::parse as Target, &sources),
        ("run", wayfinder_fuzz::run as Target, &runnable),
        ("undump", wayfinder_fuzz::undump as Target, &binaries),
    ]
    .into_iter()
    .filter(|(name, _, _)| which == "all" || which == *name)
    .collect();
    if targets.is_empty() {
        eprintln!("unknown target {which}");
        std::process::exit(64);
    }

    if let Some(path) = replay {
        let input = std::fs::read(&path).expect("readable input");
        for (name, target, _) in &targets {
            eprintln!("{name}...");
            target(&input);
        }
        eprintln!("no crash");
        return;
    }

    // Silence the default panic message: panics are reported once, below.
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        eprintln!("panic: {}", msg.lines().next().unwrap_or(""));
    }));

    // Hang watchdog: the worker bumps `started` per input; no progress for 10 s is a hang.
    let started = Arc::new(AtomicU64::new(0));
    {
        let started = started.clone();
        let current = artifacts.join("current");
        std::thread::spawn(move || {
            let mut last = (0, Instant::now());
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let n = started.load(Ordering::Relaxed);
                if n != last.0 {
                    last = (n, Instant::now());
                } else if n != u64::MAX && last.1.elapsed() > Duration::from_secs(10) {
                    let hang = current.with_file_name("hang");
                    let _ = std::fs::copy(&current, &hang);
                    eprintln!("hang: input saved to {}", hang.display());
                    std::process::exit(2);
                }
            }
        });
    }

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rng = Rng::new(seed);
    let mut execs = vec![0u64; targets.len()];
    let mut crashes = 0u64;
    let mut round = 0usize;
    while Instant::now() < deadline {
        let t = round % targets.len();
        round += 1;
        let (name, target, corpus) = targets[t];
        if corpus.is_empty() {
            continue;
        }
        let base = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        // Unmutated seeds first, then mutations.
        let input = if (round as u64) <= corpus.len() as u64 * targets.len() as u64 {
            corpus[(round - 1) / targets.len() % corpus.len()].clone()
        } else {
            mutate(&mut rng, base, other)
        };
        std::fs::write(artifacts.join("current"), &input).unwrap();
        started.fetch_add(1, Ordering::Relaxed);
        let data = input.clone();
        let result = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || std::panic::catch_unwind(|| target(&data)).is_ok())
            .unwrap()
            .join();
        execs[t] += 1;
        if !matches!(result, Ok(true)) {
            crashes += 1;
            let path = artifacts.join(format!("{name}-{crashes}"));
            std::fs::write(&path, &input).unwrap();
            eprintln!("crash in {name}: input saved to {}", path.display());
        }
    }
    started.store(u64::MAX, Ordering::Relaxed);
    for (i, (name, _, _)) in targets.iter().enumerate() {
        println!("{name}: {} executions", execs[i]);
    }
    println!("crashes: {crashes}");
    if crashes > 0 {
        std::process::exit(1);
    }
}

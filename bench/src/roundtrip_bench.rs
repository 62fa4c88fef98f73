//! `roundtrip-bench`: the product page's workflow timed end to end with the real binary.
//!
//! - `wayfinder hot-reload` round trip: from starting the client to its exit (target under
//!   20 ms; aim 5 ms), against a program that sleeps in `socket.sleep` between prints.
//! - save → new code running with `--watch`: from writing the file to the program printing
//!   the new result (target under 100 ms; aim 50 ms).
//!
//! Run: `cargo build --release -p wayfinder && cargo run --release -p wayfinder-bench --bin roundtrip-bench`

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const MAIN: &str = "local m = require('mod')\nwhile true do\n  print('Result:', m.value())\n  io.stdout:flush()\n  socket.sleep(0.002)\nend\n";

fn module(v: u32) -> String {
    format!("local M = {{}}\nfunction M.value() return {v} end\nreturn M\n")
}

fn binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.join("target/release/wayfinder")
}

/// Start the program; return it and a channel of its stdout lines.
fn start(dir: &Path, args: &[&str]) -> (Child, mpsc::Receiver<(Instant, String)>) {
    let mut child = Command::new(binary())
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wayfinder (build it with cargo build --release -p wayfinder)");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Wait for a line containing `needle`; the time it arrived.
fn wait_for(rx: &mpsc::Receiver<(Instant, String)>, needle: &str) -> Instant {
    loop {
        let (at, line) = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("program output");
        if line.contains(needle) {
            return at;
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let dir = std::env::temp_dir().join(format!("wayfinder-roundtrip-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.lua"), MAIN).unwrap();
    std::fs::write(dir.join("mod.lua"), module(0)).unwrap();

    // hot-reload round trip.
    let (mut child, rx) = start(&dir, &["run", "--port", "5791", "main.lua"]);
    wait_for(&rx, "Result:\t0");
    let mut trips = Vec::new();
    for i in 1..=30 {
        std::fs::write(dir.join("mod.lua"), module(i)).unwrap();
        let start = Instant::now();
        let status = Command::new(binary())
            .args(["hot-reload", "--module", "mod", "--port", "5791"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        trips.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(status.success(), "hot-reload failed");
        wait_for(&rx, &format!("Result:\t{i}"));
    }
    let _ = child.kill();
    println!(
        "wayfinder hot-reload round trip: median {:.1} ms over {} reloads (target < 20 ms)",
        median(trips.clone()),
        trips.len()
    );

    // save → new code running, with --watch.
    std::fs::write(dir.join("mod.lua"), module(0)).unwrap();
    let (mut child, rx) = start(&dir, &["run", "--watch", "--port", "5792", "main.lua"]);
    wait_for(&rx, "Result:\t0");
    std::thread::sleep(Duration::from_millis(300));
    let mut saves = Vec::new();
    for i in 1..=15 {
        let start = Instant::now();
        std::fs::write(dir.join("mod.lua"), module(100 + i)).unwrap();
        let at = wait_for(&rx, &format!("Result:\t{}", 100 + i));
        saves.push(at.duration_since(start).as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(150));
    }
    let _ = child.kill();
    println!(
        "save -> new code running (--watch): median {:.1} ms over {} saves (target < 100 ms)",
        median(saves.clone()),
        saves.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

//! Running a Lua program in a separate process (wayfinder, lua5.4) and timing it.

use std::env;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::outcome::{Outcome, SingleRun};

/// A command line that runs a Lua file: `program args... FILE`.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl Interpreter {
    /// Runs `file` once, timing from spawn to exit (so process start-up is included). A run
    /// that takes longer than `timeout` is killed and reported as failed, so a runtime that
    /// hangs on one program does not stall the whole benchmark.
    pub fn run_once(&self, file: &Path, timeout: Duration) -> Result<SingleRun, Outcome> {
        let failed = |reason: String| Outcome::Failed { reason };
        let start = Instant::now();
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed(format!("cannot start {}: {e}", self.program.display())))?;
        // Drain both pipes on their own threads so a chatty child never blocks on a full pipe.
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if start.elapsed() > timeout => {
                    // Best effort: the child may have exited in the meantime.
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(failed(format!(
                        "timed out after {}s",
                        timeout.as_secs_f64()
                    )));
                }
                Ok(None) => thread::sleep(Duration::from_micros(200)),
                Err(e) => return Err(failed(format!("cannot wait for child: {e}"))),
            }
        };
        let elapsed = start.elapsed();
        let stdout = stdout.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();
        if !status.success() {
            let stderr = String::from_utf8_lossy(&stderr);
            let first_line = stderr.lines().next().unwrap_or("").trim().to_string();
            return Err(failed(format!("{status}: {first_line}")));
        }
        Ok(SingleRun {
            elapsed,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
        })
    }
}

/// Reads a child's pipe to the end on a separate thread.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error just truncates the output; the checksum comparison will notice.
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Finds an executable called `name` in the directories of `$PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(30);

    #[test]
    fn finds_sh_on_path_but_not_nonsense() {
        assert!(find_on_path("sh").is_some());
        assert!(find_on_path("no-such-binary-wayfinder-bench").is_none());
    }

    #[test]
    fn captures_stdout_and_reports_failure() {
        let sh = Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".to_string(), "echo hello $0".to_string()],
        };
        let run = sh.run_once(Path::new("arg"), LONG).map_err(|_| ()).unwrap();
        assert_eq!(run.stdout, "hello arg\n");

        let failing = Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".to_string(), "echo oops >&2; exit 3".to_string()],
        };
        match failing.run_once(Path::new("x"), LONG) {
            Err(Outcome::Failed { reason }) => assert!(reason.contains("oops"), "{reason}"),
            _ => panic!("expected failure"),
        }
    }

    #[test]
    fn slow_program_is_killed_at_timeout() {
        let sleeper = Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".to_string(), "sleep 5".to_string()],
        };
        match sleeper.run_once(Path::new("x"), Duration::from_millis(100)) {
            Err(Outcome::Failed { reason }) => assert!(reason.contains("timed out"), "{reason}"),
            _ => panic!("expected a timeout"),
        }
    }

    #[test]
    fn missing_program_is_a_failure_not_a_panic() {
        let missing = Interpreter {
            program: PathBuf::from("/nonexistent/wayfinder"),
            args: vec![],
        };
        assert!(matches!(
            missing.run_once(Path::new("x"), LONG),
            Err(Outcome::Failed { .. })
        ));
    }
}

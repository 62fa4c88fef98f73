//! Running a Lua program in a separate process (wayfinder, lua5.4) and timing it.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::outcome::{Outcome, SingleRun};

/// A command line that runs a Lua file: `program args... FILE`.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl Interpreter {
    /// Runs `file` once, timing from spawn to exit (so process start-up is included).
    pub fn run_once(&self, file: &Path) -> Result<SingleRun, Outcome> {
        let start = Instant::now();
        let output = Command::new(&self.program)
            .args(&self.args)
            .arg(file)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Outcome::Failed {
                reason: format!("cannot start {}: {e}", self.program.display()),
            })?;
        let elapsed = start.elapsed();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let first_line = stderr.lines().next().unwrap_or("").trim().to_string();
            return Err(Outcome::Failed {
                reason: format!("{}: {first_line}", output.status),
            });
        }
        Ok(SingleRun {
            elapsed,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        })
    }
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
        let run = sh.run_once(Path::new("arg")).map_err(|_| ()).unwrap();
        assert_eq!(run.stdout, "hello arg\n");

        let failing = Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".to_string(), "echo oops >&2; exit 3".to_string()],
        };
        match failing.run_once(Path::new("x")) {
            Err(Outcome::Failed { reason }) => assert!(reason.contains("oops"), "{reason}"),
            _ => panic!("expected failure"),
        }
    }

    #[test]
    fn missing_program_is_a_failure_not_a_panic() {
        let missing = Interpreter {
            program: PathBuf::from("/nonexistent/wayfinder"),
            args: vec![],
        };
        assert!(matches!(
            missing.run_once(Path::new("x")),
            Err(Outcome::Failed { .. })
        ));
    }
}

//! Running a Lua program in a separate process (wayfinder, lua5.4, and piccolo through this
//! binary's hidden child mode) and measuring its time and peak memory.

use std::env;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::outcome::{Outcome, SingleRun};

/// A command line that runs a Lua file: `program args... FILE`.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// An exit code meaning "this runtime cannot run this program" (reported as n/a, with
    /// the first line of stderr as the reason) rather than "the program failed".
    pub not_available_exit: Option<i32>,
}

/// How a reaped child ended, with its resource usage.
struct Exit {
    /// `Some(code)` for a normal exit, `None` when killed by a signal.
    code: Option<i32>,
    description: String,
    max_rss_kib: Option<u64>,
}

/// Reaps `child` if it has exited, without blocking, and reads its resource usage with
/// `wait4` (std's `try_wait` does not return it). `ru_maxrss` is in KiB on Linux.
fn try_reap(child: &Child) -> std::io::Result<Option<Exit>> {
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| std::io::Error::other("child pid out of range"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid, writable, and live for the call; `pid` is
        // our own unreaped child.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == 0 {
            return Ok(None);
        }
        if reaped < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        break;
    }
    let (code, description) = if libc::WIFEXITED(status) {
        let code = libc::WEXITSTATUS(status);
        (Some(code), format!("exit status: {code}"))
    } else if libc::WIFSIGNALED(status) {
        (None, format!("killed by signal {}", libc::WTERMSIG(status)))
    } else {
        (None, format!("wait status {status}"))
    };
    Ok(Some(Exit {
        code,
        description,
        max_rss_kib: u64::try_from(usage.ru_maxrss).ok().filter(|kib| *kib > 0),
    }))
}

impl Interpreter {
    /// Runs `file` once, timing from spawn to exit (so process start-up is included) and
    /// reading the child's peak resident set size. A run that takes longer than `timeout` is
    /// killed and reported as failed, so a runtime that hangs on one program does not stall
    /// the whole benchmark.
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
        let exit = loop {
            match try_reap(&child) {
                Ok(Some(exit)) => break exit,
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
        if exit.code != Some(0) {
            let stderr = String::from_utf8_lossy(&stderr);
            let first_line = stderr.lines().next().unwrap_or("").trim().to_string();
            if exit.code.is_some() && exit.code == self.not_available_exit {
                return Err(Outcome::NotAvailable { reason: first_line });
            }
            return Err(failed(format!("{}: {first_line}", exit.description)));
        }
        Ok(SingleRun {
            elapsed,
            max_rss_kib: exit.max_rss_kib,
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
            not_available_exit: None,
        };
        let run = sh.run_once(Path::new("arg"), LONG).map_err(|_| ()).unwrap();
        assert_eq!(run.stdout, "hello arg\n");
        assert!(run.max_rss_kib.is_some_and(|kib| kib > 0));

        let failing = Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".to_string(), "echo oops >&2; exit 3".to_string()],
            not_available_exit: None,
        };
        match failing.run_once(Path::new("x"), LONG) {
            Err(Outcome::Failed { reason }) => assert!(reason.contains("oops"), "{reason}"),
            _ => panic!("expected failure"),
        }
    }

    #[test]
    fn not_available_exit_code_is_not_a_failure() {
        let picky = Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: vec![
                "-c".to_string(),
                "echo no table.concat >&2; exit 3".to_string(),
            ],
            not_available_exit: Some(3),
        };
        match picky.run_once(Path::new("x"), LONG) {
            Err(Outcome::NotAvailable { reason }) => assert_eq!(reason, "no table.concat"),
            _ => panic!("expected n/a"),
        }
    }

    #[test]
    fn slow_program_is_killed_at_timeout() {
        let sleeper = Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".to_string(), "sleep 5".to_string()],
            not_available_exit: None,
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
            not_available_exit: None,
        };
        assert!(matches!(
            missing.run_once(Path::new("x"), LONG),
            Err(Outcome::Failed { .. })
        ));
    }
}

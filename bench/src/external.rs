//! Running a Lua program in a separate process (wayfinder, lua5.4, and piccolo through this
//! binary's hidden child mode) and measuring its time and peak memory.

use std::env;
use std::io::Read;
use std::os::unix::process::CommandExt;
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

/// How a reaped child ended, with its peak memory.
struct Exit {
    /// `Some(code)` for a normal exit, `None` when killed by a signal.
    code: Option<i32>,
    description: String,
    max_rss_kib: Option<u64>,
}

/// A running child, traced so that its peak memory can be read as it exits.
///
/// `wait4`'s `ru_maxrss` cannot be used: Linux folds into it the high-water mark of the
/// memory image the child replaced at `exec`, which for a child of this process is this
/// process's own (the runner's few megabytes). That put a floor under every measurement,
/// so small programs showed nearly the same peak under every runtime. A traced child
/// stops once after its `exec` and once at its exit, before its memory is released; at
/// that stop its own high-water mark (`VmHWM` in /proc) is exactly its peak.
struct TracedChild {
    pid: libc::pid_t,
    peak_kib: Option<u64>,
}

impl TracedChild {
    /// Spawns `command` traced (the child asks for it just before its `exec`) and waits for
    /// the stop after the `exec`, then lets it run with an exit stop requested.
    fn spawn(command: &mut Command) -> std::io::Result<(Child, TracedChild)> {
        // SAFETY: the closure runs in the forked child before `exec` and only makes the
        // async-signal-safe `ptrace` system call.
        unsafe {
            command.pre_exec(|| {
                if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn()?;
        let pid = libc::pid_t::try_from(child.id())
            .map_err(|_| std::io::Error::other("child pid out of range"))?;
        let mut status: libc::c_int = 0;
        loop {
            // SAFETY: `status` is writable; `pid` is our own child.
            if unsafe { libc::waitpid(pid, &mut status, 0) } >= 0 {
                break;
            }
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
        if !libc::WIFSTOPPED(status) {
            return Err(std::io::Error::other("child did not stop after exec"));
        }
        let options = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL;
        // SAFETY: `pid` is our stopped tracee.
        unsafe {
            if libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, options) == -1
                || libc::ptrace(libc::PTRACE_CONT, pid, 0, 0) == -1
            {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok((
            child,
            TracedChild {
                pid,
                peak_kib: None,
            },
        ))
    }

    /// Reaps the child if it has exited, without blocking. A stop at its exit records its
    /// peak memory; any other stop is a signal for it, passed on.
    fn try_reap(&mut self) -> std::io::Result<Option<Exit>> {
        let mut status: libc::c_int = 0;
        loop {
            // SAFETY: `status` is writable; `pid` is our own unreaped child.
            let reaped = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
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
            if libc::WIFSTOPPED(status) {
                let exit_stop = libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8);
                let signal = if status >> 8 == exit_stop {
                    self.peak_kib = peak_kib(self.pid);
                    0
                } else {
                    libc::WSTOPSIG(status)
                };
                // SAFETY: `pid` is our stopped tracee.
                if unsafe { libc::ptrace(libc::PTRACE_CONT, self.pid, 0, signal) } == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                continue;
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
            max_rss_kib: self.peak_kib,
        }))
    }
}

/// The peak resident memory of a live process, in KiB (`VmHWM` in /proc/PID/status).
fn peak_kib(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Interpreter {
    /// Runs `file` once, timing from spawn to exit (so process start-up is included) and
    /// reading the child's peak resident set size. A run that takes longer than `timeout` is
    /// killed and reported as failed, so a runtime that hangs on one program does not stall
    /// the whole benchmark.
    pub fn run_once(&self, file: &Path, timeout: Duration) -> Result<SingleRun, Outcome> {
        let failed = |reason: String| Outcome::Failed { reason };
        let start = Instant::now();
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let (mut child, mut traced) = TracedChild::spawn(&mut command)
            .map_err(|e| failed(format!("cannot start {}: {e}", self.program.display())))?;
        // Drain both pipes on their own threads so a chatty child never blocks on a full pipe.
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let exit = loop {
            match traced.try_reap() {
                Ok(Some(exit)) => break exit,
                Ok(None) if start.elapsed() > timeout => {
                    // Best effort: the child may have exited in the meantime. Its exit stop
                    // is passed by `try_reap` like any other.
                    let _ = child.kill();
                    while let Ok(None) = traced.try_reap() {
                        thread::sleep(Duration::from_micros(200));
                    }
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

    /// The peak is the child's own: a small shell is measured below this test process
    /// (which `ru_maxrss` would have reported as a floor), and a shell holding a 30 MB
    /// string is measured above that.
    #[test]
    fn peak_memory_is_the_childs_own() {
        let own = peak_kib(std::process::id() as libc::pid_t).unwrap();
        let shell = |script: &str| Interpreter {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".to_string(), script.to_string()],
            not_available_exit: None,
        };
        let small = shell("exit 0")
            .run_once(Path::new("x"), LONG)
            .map_err(|_| ())
            .unwrap();
        let small = small.max_rss_kib.unwrap();
        assert!(
            small < own,
            "sh measured {small} KiB, this process {own} KiB"
        );
        let big = shell("x=$(head -c 30000000 /dev/zero | tr '\\0' a); echo ${#x}")
            .run_once(Path::new("x"), LONG)
            .map_err(|_| ())
            .unwrap();
        assert_eq!(big.stdout, "30000000\n");
        assert!(big.max_rss_kib.unwrap() > 30_000, "{:?}", big.max_rss_kib);
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

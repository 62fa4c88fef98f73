//! What one runtime did with one program: a best time, or why there is none.

use std::time::Duration;

/// The result of running one program on one runtime `runs` times.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every run succeeded; `best` is the minimum wall-clock time, `checksum` the last
    /// non-empty line the program printed.
    Ok { best: Duration, checksum: String },
    /// The runtime is not available, or cannot run this program (e.g. missing stdlib).
    NotAvailable { reason: String },
    /// The runtime was there but the program failed (non-zero exit, runtime error).
    Failed { reason: String },
}

impl Outcome {
    pub fn seconds(&self) -> Option<f64> {
        match self {
            Outcome::Ok { best, .. } => Some(best.as_secs_f64()),
            _ => None,
        }
    }

    pub fn checksum(&self) -> Option<&str> {
        match self {
            Outcome::Ok { checksum, .. } => Some(checksum),
            _ => None,
        }
    }
}

/// One attempt at running a program once: its wall-clock time and everything it printed.
pub struct SingleRun {
    pub elapsed: Duration,
    pub stdout: String,
}

/// The checksum line of a program's output: its last non-empty line, trimmed.
pub fn checksum_line(stdout: &str) -> Option<&str> {
    stdout.lines().map(str::trim).rfind(|line| !line.is_empty())
}

/// Runs `once` up to `runs` times (at least once) and keeps the fastest time. Stops at the first
/// failure, and fails if the checksum line changes between runs (the programs are deterministic,
/// so that would mean something is badly wrong).
pub fn best_of<F>(runs: u32, mut once: F) -> Outcome
where
    F: FnMut() -> Result<SingleRun, Outcome>,
{
    let mut best: Option<(Duration, String)> = None;
    for _ in 0..runs.max(1) {
        let run = match once() {
            Ok(run) => run,
            Err(outcome) => return outcome,
        };
        let Some(line) = checksum_line(&run.stdout) else {
            return Outcome::Failed {
                reason: "printed no checksum line".to_string(),
            };
        };
        match &mut best {
            None => best = Some((run.elapsed, line.to_string())),
            Some((time, checksum)) => {
                if checksum != line {
                    return Outcome::Failed {
                        reason: format!("output changed between runs: {checksum:?} then {line:?}"),
                    };
                }
                *time = (*time).min(run.elapsed);
            }
        }
    }
    match best {
        Some((best, checksum)) => Outcome::Ok { best, checksum },
        None => Outcome::Failed {
            reason: "no runs".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(ms: u64, out: &str) -> Result<SingleRun, Outcome> {
        Ok(SingleRun {
            elapsed: Duration::from_millis(ms),
            stdout: out.to_string(),
        })
    }

    #[test]
    fn checksum_is_last_non_empty_line() {
        assert_eq!(checksum_line("a\nfib 42\n\n  \n"), Some("fib 42"));
        assert_eq!(checksum_line("only\t1"), Some("only\t1"));
        assert_eq!(checksum_line("\n \n"), None);
    }

    #[test]
    fn best_of_keeps_minimum_time() {
        let times = [30, 10, 20];
        let mut i = 0;
        let outcome = best_of(3, || {
            i += 1;
            run(times[i - 1], "x 1\n")
        });
        assert_eq!(
            outcome,
            Outcome::Ok {
                best: Duration::from_millis(10),
                checksum: "x 1".to_string()
            }
        );
        assert_eq!(i, 3);
    }

    #[test]
    fn best_of_runs_at_least_once() {
        let mut calls = 0;
        let outcome = best_of(0, || {
            calls += 1;
            run(5, "y\n")
        });
        assert_eq!(calls, 1);
        assert!(matches!(outcome, Outcome::Ok { .. }));
    }

    #[test]
    fn best_of_stops_at_first_failure() {
        let mut calls = 0;
        let outcome = best_of(3, || {
            calls += 1;
            Err(Outcome::Failed {
                reason: "boom".to_string(),
            })
        });
        assert_eq!(calls, 1);
        assert!(matches!(outcome, Outcome::Failed { .. }));
    }

    #[test]
    fn best_of_rejects_changing_output_and_empty_output() {
        let mut n = 0;
        let changing = best_of(2, || {
            n += 1;
            run(1, &format!("v {n}\n"))
        });
        assert!(matches!(changing, Outcome::Failed { .. }));
        let empty = best_of(1, || run(1, "\n"));
        assert!(matches!(empty, Outcome::Failed { .. }));
    }
}

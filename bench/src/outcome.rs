//! What one runtime did with one program over several runs: a median time and a peak memory,
//! or why there is none.

use std::time::Duration;

/// The result of running one program on one runtime `runs` times.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every run succeeded. `median` is the median wall-clock time, `times` every run's time
    /// in the order they ran, `peak_kib` the largest maximum resident set size of any run
    /// (`None` when the platform did not report it), `checksum` the last non-empty line the
    /// program printed.
    Ok {
        median: Duration,
        times: Vec<Duration>,
        peak_kib: Option<u64>,
        checksum: String,
    },
    /// The runtime is not available, or cannot run this program (e.g. missing stdlib).
    NotAvailable { reason: String },
    /// The runtime was there but the program failed (non-zero exit, runtime error).
    Failed { reason: String },
}

impl Outcome {
    pub fn seconds(&self) -> Option<f64> {
        match self {
            Outcome::Ok { median, .. } => Some(median.as_secs_f64()),
            _ => None,
        }
    }

    pub fn checksum(&self) -> Option<&str> {
        match self {
            Outcome::Ok { checksum, .. } => Some(checksum),
            _ => None,
        }
    }

    pub fn peak_kib(&self) -> Option<u64> {
        match self {
            Outcome::Ok { peak_kib, .. } => *peak_kib,
            _ => None,
        }
    }
}

/// One attempt at running a program once: its wall-clock time, its peak memory (maximum
/// resident set size in KiB, when known) and everything it printed.
pub struct SingleRun {
    pub elapsed: Duration,
    pub max_rss_kib: Option<u64>,
    pub stdout: String,
}

/// The checksum line of a program's output: its last non-empty line, trimmed.
pub fn checksum_line(stdout: &str) -> Option<&str> {
    stdout.lines().map(str::trim).rfind(|line| !line.is_empty())
}

/// The median of `times` (the mean of the two middle ones for an even count).
pub fn median(times: &[Duration]) -> Option<Duration> {
    let mut sorted = times.to_vec();
    sorted.sort();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// Collects one runtime's runs of one program, which are interleaved with the other
/// runtimes' runs. The first failure is final: later runs are skipped (`wants_more` is false)
/// and the outcome is that failure. A checksum line that changes between runs is a failure
/// too (the programs are deterministic, so that would mean something is badly wrong).
#[derive(Default)]
pub struct Samples {
    times: Vec<Duration>,
    peak_kib: Option<u64>,
    checksum: Option<String>,
    stopped: Option<Outcome>,
}

impl Samples {
    /// Whether another run is worth doing (no failure so far).
    pub fn wants_more(&self) -> bool {
        self.stopped.is_none()
    }

    /// Records one run, or the reason it produced nothing.
    pub fn record(&mut self, run: Result<SingleRun, Outcome>) {
        if self.stopped.is_some() {
            return;
        }
        let run = match run {
            Ok(run) => run,
            Err(outcome) => {
                self.stopped = Some(outcome);
                return;
            }
        };
        let Some(line) = checksum_line(&run.stdout) else {
            self.stopped = Some(Outcome::Failed {
                reason: "printed no checksum line".to_string(),
            });
            return;
        };
        match &self.checksum {
            Some(previous) if previous != line => {
                self.stopped = Some(Outcome::Failed {
                    reason: format!("output changed between runs: {previous:?} then {line:?}"),
                });
                return;
            }
            Some(_) => {}
            None => self.checksum = Some(line.to_string()),
        }
        self.times.push(run.elapsed);
        if let Some(kib) = run.max_rss_kib {
            self.peak_kib = Some(self.peak_kib.map_or(kib, |peak| peak.max(kib)));
        }
    }

    /// The outcome of all the runs recorded.
    pub fn finish(self) -> Outcome {
        if let Some(stopped) = self.stopped {
            return stopped;
        }
        match (median(&self.times), self.checksum) {
            (Some(median), Some(checksum)) => Outcome::Ok {
                median,
                times: self.times,
                peak_kib: self.peak_kib,
                checksum,
            },
            _ => Outcome::Failed {
                reason: "no runs".to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(ms: u64, kib: u64, out: &str) -> Result<SingleRun, Outcome> {
        Ok(SingleRun {
            elapsed: Duration::from_millis(ms),
            max_rss_kib: Some(kib),
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
    fn median_of_odd_and_even_counts() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|m| Duration::from_millis(*m))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(&ms(&[30, 10, 20])), Some(Duration::from_millis(20)));
        assert_eq!(
            median(&ms(&[40, 10, 20, 30])),
            Some(Duration::from_millis(25))
        );
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn samples_keep_median_time_and_peak_memory() {
        let mut samples = Samples::default();
        for (ms, kib) in [(30, 100), (10, 300), (20, 200), (90, 150), (25, 120)] {
            assert!(samples.wants_more());
            samples.record(run(ms, kib, "x 1\n"));
        }
        match samples.finish() {
            Outcome::Ok {
                median,
                times,
                peak_kib,
                checksum,
            } => {
                assert_eq!(median, Duration::from_millis(25));
                assert_eq!(times.len(), 5);
                assert_eq!(peak_kib, Some(300));
                assert_eq!(checksum, "x 1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn samples_stop_at_first_failure() {
        let mut samples = Samples::default();
        samples.record(run(5, 1, "y\n"));
        samples.record(Err(Outcome::Failed {
            reason: "boom".to_string(),
        }));
        assert!(!samples.wants_more());
        samples.record(run(5, 1, "y\n"));
        assert_eq!(
            samples.finish(),
            Outcome::Failed {
                reason: "boom".to_string()
            }
        );
    }

    #[test]
    fn samples_reject_changing_and_empty_output() {
        let mut changing = Samples::default();
        changing.record(run(1, 1, "v 1\n"));
        changing.record(run(1, 1, "v 2\n"));
        assert!(matches!(changing.finish(), Outcome::Failed { .. }));
        let mut empty = Samples::default();
        empty.record(run(1, 1, "\n"));
        assert!(matches!(empty.finish(), Outcome::Failed { .. }));
        assert!(matches!(
            Samples::default().finish(),
            Outcome::Failed { .. }
        ));
    }
}

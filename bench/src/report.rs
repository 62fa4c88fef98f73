//! Turning measurements into the plain-text table and the JSON document.

use serde_json::{json, Value as Json};

use crate::outcome::Outcome;

/// The three runtimes' outcomes for one benchmark program.
pub struct Row {
    pub program: String,
    pub wayfinder: Outcome,
    pub lua: Outcome,
    pub piccolo: Outcome,
}

/// How one runtime's result on one program is judged against lua5.4's checksum.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// Ran, and printed the same checksum line as lua5.4 (or lua5.4 had no result to compare).
    Ok(f64),
    /// Ran, but printed a different checksum line.
    Mismatch(f64),
    NotAvailable,
    Failed,
}

impl Verdict {
    fn clean_seconds(&self) -> Option<f64> {
        match self {
            Verdict::Ok(s) => Some(*s),
            _ => None,
        }
    }

    fn status(&self) -> &'static str {
        match self {
            Verdict::Ok(_) => "ok",
            Verdict::Mismatch(_) => "mismatch",
            Verdict::NotAvailable => "n/a",
            Verdict::Failed => "error",
        }
    }

    fn cell(&self) -> String {
        match self {
            Verdict::Ok(s) => format!("{s:.3}"),
            Verdict::Mismatch(s) => format!("{s:.3} MISMATCH"),
            Verdict::NotAvailable => "n/a".to_string(),
            Verdict::Failed => "error".to_string(),
        }
    }
}

fn judge(outcome: &Outcome, reference: Option<&str>) -> Verdict {
    match outcome {
        Outcome::Ok { best, checksum } => {
            let secs = best.as_secs_f64();
            match reference {
                Some(expected) if expected != checksum => Verdict::Mismatch(secs),
                _ => Verdict::Ok(secs),
            }
        }
        Outcome::NotAvailable { .. } => Verdict::NotAvailable,
        Outcome::Failed { .. } => Verdict::Failed,
    }
}

struct Judged {
    wayfinder: Verdict,
    lua: Verdict,
    piccolo: Verdict,
    wf_lua: Option<f64>,
    wf_piccolo: Option<f64>,
}

impl Row {
    fn judge(&self) -> Judged {
        let reference = self.lua.checksum();
        let wayfinder = judge(&self.wayfinder, reference);
        let lua = judge(&self.lua, None);
        let piccolo = judge(&self.piccolo, reference);
        let ratio = |a: &Verdict, b: &Verdict| match (a.clean_seconds(), b.clean_seconds()) {
            (Some(x), Some(y)) if y > 0.0 => Some(x / y),
            _ => None,
        };
        Judged {
            wf_lua: ratio(&wayfinder, &lua),
            wf_piccolo: ratio(&wayfinder, &piccolo),
            wayfinder,
            lua,
            piccolo,
        }
    }

    /// Why each runtime's result is not clean, as `(runtime, explanation)` pairs.
    fn problems(&self) -> Vec<(&'static str, String)> {
        let reference = self.lua.checksum();
        let runtimes = [
            ("wayfinder", &self.wayfinder),
            ("lua5.4", &self.lua),
            ("piccolo", &self.piccolo),
        ];
        let mut problems = Vec::new();
        for (name, outcome) in runtimes {
            match outcome {
                Outcome::Ok { checksum, .. } => {
                    if let Some(expected) = reference.filter(|e| *e != checksum) {
                        problems.push((
                            name,
                            format!("MISMATCH: printed {checksum:?}, lua5.4 printed {expected:?}"),
                        ));
                    }
                }
                Outcome::NotAvailable { reason } | Outcome::Failed { reason } => {
                    problems.push((name, reason.clone()));
                }
            }
        }
        problems
    }
}

/// Notes explaining every n/a, error and MISMATCH cell. The same problem on several programs
/// (typically a runtime that is missing altogether) is listed once with all of them.
fn notes(rows: &[Row]) -> Vec<String> {
    let mut grouped: Vec<(&'static str, String, Vec<&str>)> = Vec::new();
    for row in rows {
        for (runtime, problem) in row.problems() {
            match grouped
                .iter_mut()
                .find(|(r, p, _)| *r == runtime && *p == problem)
            {
                Some((_, _, programs)) => programs.push(&row.program),
                None => grouped.push((runtime, problem, vec![&row.program])),
            }
        }
    }
    grouped
        .into_iter()
        .map(|(runtime, problem, programs)| {
            let which = if programs.len() == rows.len() && rows.len() > 1 {
                "all programs".to_string()
            } else {
                programs.join(", ")
            };
            format!("{which}: {runtime}: {problem}")
        })
        .collect()
}

/// Geometric mean of the ratios that exist; `None` when there are none.
pub fn geometric_mean(ratios: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let logs: Vec<f64> = ratios
        .into_iter()
        .flatten()
        .filter(|r| *r > 0.0)
        .map(f64::ln)
        .collect();
    if logs.is_empty() {
        return None;
    }
    Some((logs.iter().sum::<f64>() / logs.len() as f64).exp())
}

fn ratio_cell(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".to_string(), |r| format!("{r:.2}x"))
}

/// The aligned plain-text table, followed by notes explaining n/a, error and MISMATCH cells.
pub fn table(rows: &[Row]) -> String {
    let header = [
        "program",
        "wayfinder s",
        "lua5.4 s",
        "piccolo s",
        "wf/lua",
        "wf/piccolo",
    ]
    .map(str::to_string);
    let judged: Vec<Judged> = rows.iter().map(Row::judge).collect();
    let mut lines: Vec<[String; 6]> = vec![header];
    for (row, j) in rows.iter().zip(&judged) {
        lines.push([
            row.program.clone(),
            j.wayfinder.cell(),
            j.lua.cell(),
            j.piccolo.cell(),
            ratio_cell(j.wf_lua),
            ratio_cell(j.wf_piccolo),
        ]);
    }
    lines.push([
        "geomean".to_string(),
        String::new(),
        String::new(),
        String::new(),
        ratio_cell(geometric_mean(judged.iter().map(|j| j.wf_lua))),
        ratio_cell(geometric_mean(judged.iter().map(|j| j.wf_piccolo))),
    ]);

    let mut widths = [0usize; 6];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let render = |line: &[String; 6]| {
        let cells: Vec<String> = line
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if i == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        cells.join(" | ")
    };
    let rule: String = widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("-+-");

    let mut out = String::new();
    let last = lines.len() - 1;
    for (i, line) in lines.iter().enumerate() {
        if i == 1 || i == last {
            out.push_str(&rule);
            out.push('\n');
        }
        out.push_str(&render(line));
        out.push('\n');
    }
    let notes = notes(rows);
    if !notes.is_empty() {
        out.push_str("\nnotes:\n");
        for note in notes {
            out.push_str("  ");
            out.push_str(&note);
            out.push('\n');
        }
    }
    out
}

fn outcome_json(outcome: &Outcome, verdict: &Verdict) -> Json {
    let reason = match outcome {
        Outcome::NotAvailable { reason } | Outcome::Failed { reason } => Some(reason.as_str()),
        Outcome::Ok { .. } => None,
    };
    json!({
        "status": verdict.status(),
        "seconds": outcome.seconds(),
        "checksum": outcome.checksum(),
        "reason": reason,
    })
}

/// The same data as `table`, as a JSON document for scripts.
pub fn json(rows: &[Row], runs: u32) -> Json {
    let judged: Vec<Judged> = rows.iter().map(Row::judge).collect();
    let programs: Vec<Json> = rows
        .iter()
        .zip(&judged)
        .map(|(row, j)| {
            json!({
                "program": row.program,
                "wayfinder": outcome_json(&row.wayfinder, &j.wayfinder),
                "lua5.4": outcome_json(&row.lua, &j.lua),
                "piccolo": outcome_json(&row.piccolo, &j.piccolo),
                "wf_over_lua": j.wf_lua,
                "wf_over_piccolo": j.wf_piccolo,
            })
        })
        .collect();
    json!({
        "runs": runs,
        "programs": programs,
        "geomean": {
            "wf_over_lua": geometric_mean(judged.iter().map(|j| j.wf_lua)),
            "wf_over_piccolo": geometric_mean(judged.iter().map(|j| j.wf_piccolo)),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ok(ms: u64, checksum: &str) -> Outcome {
        Outcome::Ok {
            best: Duration::from_millis(ms),
            checksum: checksum.to_string(),
        }
    }

    fn sample_rows() -> Vec<Row> {
        vec![
            Row {
                program: "fib".to_string(),
                wayfinder: ok(200, "fib 1"),
                lua: ok(100, "fib 1"),
                piccolo: ok(400, "fib 1"),
            },
            Row {
                program: "strings".to_string(),
                wayfinder: ok(300, "strings 2"),
                lua: ok(100, "strings 1"),
                piccolo: Outcome::NotAvailable {
                    reason: "no table.concat".to_string(),
                },
            },
        ]
    }

    #[test]
    fn geometric_mean_of_ratios() {
        let g = geometric_mean([Some(2.0), None, Some(8.0)]).unwrap();
        assert!((g - 4.0).abs() < 1e-12);
        assert_eq!(geometric_mean([None, None]), None);
    }

    #[test]
    fn table_marks_mismatch_and_na_and_skips_their_ratios() {
        let text = table(&sample_rows());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("program |") && lines[0].contains("wayfinder s |"));
        let fib = lines.iter().find(|l| l.starts_with("fib")).unwrap();
        assert!(fib.contains("2.00x") && fib.contains("0.50x"), "{fib}");
        let strings = lines.iter().find(|l| l.starts_with("strings")).unwrap();
        assert!(strings.contains("0.300 MISMATCH"), "{strings}");
        assert!(strings.contains("n/a"), "{strings}");
        assert!(
            !strings.contains('x'),
            "mismatched rows get no ratio: {strings}"
        );
        let geo = lines.iter().find(|l| l.starts_with("geomean")).unwrap();
        assert!(geo.contains("2.00x") && geo.contains("0.50x"), "{geo}");
        assert!(text.contains("strings: wayfinder: MISMATCH"));
        assert!(text.contains("strings: piccolo: no table.concat"));
    }

    #[test]
    fn repeated_problems_are_noted_once() {
        let missing = || Outcome::NotAvailable {
            reason: "no binary".to_string(),
        };
        let rows: Vec<Row> = ["a", "b"]
            .iter()
            .map(|name| Row {
                program: name.to_string(),
                wayfinder: missing(),
                lua: ok(1, "x"),
                piccolo: ok(1, "x"),
            })
            .collect();
        assert_eq!(notes(&rows), vec!["all programs: wayfinder: no binary"]);
    }

    #[test]
    fn table_columns_are_aligned() {
        let text = table(&sample_rows());
        let bars: Vec<Vec<usize>> = text
            .lines()
            .take_while(|l| !l.is_empty())
            .filter(|l| l.contains(" | "))
            .map(|l| l.match_indices(" | ").map(|(i, _)| i).collect())
            .collect();
        assert!(bars.windows(2).all(|w| w[0] == w[1]), "{text}");
    }

    #[test]
    fn json_has_statuses_and_ratios() {
        let doc = json(&sample_rows(), 3);
        assert_eq!(doc["runs"], 3);
        assert_eq!(doc["programs"][0]["wf_over_lua"], 2.0);
        assert_eq!(doc["programs"][1]["wayfinder"]["status"], "mismatch");
        assert_eq!(doc["programs"][1]["piccolo"]["status"], "n/a");
        assert_eq!(doc["programs"][1]["wf_over_lua"], Json::Null);
        assert_eq!(doc["geomean"]["wf_over_piccolo"], 0.5);
    }
}

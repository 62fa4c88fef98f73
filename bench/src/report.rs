//! Turning measurements into the plain-text table, the Markdown table and the JSON document.

use serde_json::{json, Value as Json};

use crate::outcome::Outcome;

/// The runtimes' outcomes for one benchmark program. `baseline` is an earlier wayfinder
/// build measured in the same run (`--baseline`), if one was asked for.
pub struct Row {
    pub program: String,
    pub wayfinder: Outcome,
    pub lua: Outcome,
    pub piccolo: Outcome,
    pub baseline: Option<Outcome>,
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
        Outcome::Ok {
            median, checksum, ..
        } => {
            let secs = median.as_secs_f64();
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
    /// Peak memory (KiB) of each runtime whose result is clean.
    wayfinder_kib: Option<u64>,
    lua_kib: Option<u64>,
    piccolo_kib: Option<u64>,
    /// wayfinder's peak memory over lua5.4's.
    mem_wf_lua: Option<f64>,
    /// The baseline build: its result, its time over lua5.4's, wayfinder's time over its,
    /// its peak memory and that over lua5.4's.
    baseline: Option<Verdict>,
    base_lua: Option<f64>,
    wf_base: Option<f64>,
    baseline_kib: Option<u64>,
    mem_base_lua: Option<f64>,
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
        let memory =
            |outcome: &Outcome, verdict: &Verdict| verdict.clean_seconds().and(outcome.peak_kib());
        let wayfinder_kib = memory(&self.wayfinder, &wayfinder);
        let lua_kib = memory(&self.lua, &lua);
        let piccolo_kib = memory(&self.piccolo, &piccolo);
        let baseline = self.baseline.as_ref().map(|b| judge(b, reference));
        let baseline_kib = match (&self.baseline, &baseline) {
            (Some(b), Some(v)) => memory(b, v),
            _ => None,
        };
        let mem_ratio = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(x), Some(y)) if y > 0 => Some(x as f64 / y as f64),
            _ => None,
        };
        Judged {
            base_lua: baseline.as_ref().and_then(|b| ratio(b, &lua)),
            wf_base: baseline.as_ref().and_then(|b| ratio(&wayfinder, b)),
            mem_base_lua: mem_ratio(baseline_kib, lua_kib),
            baseline,
            baseline_kib,
            wf_lua: ratio(&wayfinder, &lua),
            wf_piccolo: ratio(&wayfinder, &piccolo),
            wayfinder,
            lua,
            piccolo,
            mem_wf_lua: match (wayfinder_kib, lua_kib) {
                (Some(w), Some(l)) if l > 0 => Some(w as f64 / l as f64),
                _ => None,
            },
            wayfinder_kib,
            lua_kib,
            piccolo_kib,
        }
    }

    /// Why each runtime's result is not clean, as `(runtime, explanation)` pairs.
    fn problems(&self) -> Vec<(&'static str, String)> {
        let reference = self.lua.checksum();
        let mut runtimes = vec![
            ("wayfinder", &self.wayfinder),
            ("lua5.4", &self.lua),
            ("piccolo", &self.piccolo),
        ];
        runtimes.extend(self.baseline.as_ref().map(|b| ("baseline", b)));
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

fn memory_cell(kib: Option<u64>) -> String {
    kib.map_or_else(|| "-".to_string(), |k| format!("{:.1}", k as f64 / 1024.0))
}

type CellFn<'a> = Box<dyn Fn(&Row, &Judged) -> String + 'a>;

/// One column of the table: its header, its cell for each program and its cell on the
/// geomean line.
struct Column<'a> {
    header: &'static str,
    cell: CellFn<'a>,
    total: String,
}

fn column<'a>(
    header: &'static str,
    cell: impl Fn(&Row, &Judged) -> String + 'a,
    total: Option<Option<f64>>,
) -> Column<'a> {
    Column {
        header,
        cell: Box::new(cell),
        total: total.map(ratio_cell).unwrap_or_default(),
    }
}

/// The columns, in order; the baseline's only when a row has one.
fn columns(summary: &Summary, baseline: bool) -> Vec<Column<'static>> {
    let base = |c: Column<'static>| baseline.then_some(c);
    let verdict = |v: &Option<Verdict>| v.as_ref().map_or("-".to_string(), Verdict::cell);
    [
        Some(column("program", |r, _| r.program.clone(), None)),
        Some(column("wayfinder s", |_, j| j.wayfinder.cell(), None)),
        base(column("before s", move |_, j| verdict(&j.baseline), None)),
        Some(column("lua5.4 s", |_, j| j.lua.cell(), None)),
        Some(column("piccolo s", |_, j| j.piccolo.cell(), None)),
        Some(column(
            "wf/lua",
            |_, j| ratio_cell(j.wf_lua),
            Some(summary.geo_wf_lua),
        )),
        base(column(
            "before/lua",
            |_, j| ratio_cell(j.base_lua),
            Some(summary.geo_base_lua),
        )),
        base(column(
            "wf/before",
            |_, j| ratio_cell(j.wf_base),
            Some(summary.geo_wf_base),
        )),
        Some(column(
            "wf/piccolo",
            |_, j| ratio_cell(j.wf_piccolo),
            Some(summary.geo_wf_piccolo),
        )),
        Some(column(
            "wayfinder MiB",
            |_, j| memory_cell(j.wayfinder_kib),
            None,
        )),
        base(column(
            "before MiB",
            |_, j| memory_cell(j.baseline_kib),
            None,
        )),
        Some(column("lua5.4 MiB", |_, j| memory_cell(j.lua_kib), None)),
        Some(column(
            "piccolo MiB",
            |_, j| memory_cell(j.piccolo_kib),
            None,
        )),
        Some(column(
            "mem wf/lua",
            |_, j| ratio_cell(j.mem_wf_lua),
            Some(summary.geo_mem),
        )),
        base(column(
            "mem before/lua",
            |_, j| ratio_cell(j.mem_base_lua),
            Some(summary.geo_mem_base),
        )),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The summary under the table: geometric means and the worst programs.
struct Summary {
    geo_wf_lua: Option<f64>,
    geo_wf_piccolo: Option<f64>,
    geo_mem: Option<f64>,
    /// The baseline's: its time and memory over lua5.4's, and wayfinder's time over its.
    geo_base_lua: Option<f64>,
    geo_wf_base: Option<f64>,
    geo_mem_base: Option<f64>,
    /// The program with the highest wf/lua time ratio, and that ratio.
    worst_time: Option<(String, f64)>,
    /// The program with the highest wf/lua memory ratio, and that ratio.
    worst_memory: Option<(String, f64)>,
}

fn worst(rows: &[Row], values: impl Iterator<Item = Option<f64>>) -> Option<(String, f64)> {
    rows.iter()
        .zip(values)
        .filter_map(|(row, v)| v.map(|v| (row.program.clone(), v)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

fn summarize(rows: &[Row], judged: &[Judged]) -> Summary {
    Summary {
        geo_wf_lua: geometric_mean(judged.iter().map(|j| j.wf_lua)),
        geo_wf_piccolo: geometric_mean(judged.iter().map(|j| j.wf_piccolo)),
        geo_mem: geometric_mean(judged.iter().map(|j| j.mem_wf_lua)),
        geo_base_lua: geometric_mean(judged.iter().map(|j| j.base_lua)),
        geo_wf_base: geometric_mean(judged.iter().map(|j| j.wf_base)),
        geo_mem_base: geometric_mean(judged.iter().map(|j| j.mem_base_lua)),
        worst_time: worst(rows, judged.iter().map(|j| j.wf_lua)),
        worst_memory: worst(rows, judged.iter().map(|j| j.mem_wf_lua)),
    }
}

/// The table's cells: a header, one line per program, and the geomean line.
fn cells(rows: &[Row], judged: &[Judged], summary: &Summary) -> Vec<Vec<String>> {
    let columns = columns(summary, rows.iter().any(|r| r.baseline.is_some()));
    let mut lines = vec![columns.iter().map(|c| c.header.to_string()).collect()];
    for (row, j) in rows.iter().zip(judged) {
        lines.push(columns.iter().map(|c| (c.cell)(row, j)).collect());
    }
    let mut geomean: Vec<String> = columns.iter().map(|c| c.total.clone()).collect();
    geomean[0] = "geomean".to_string();
    lines.push(geomean);
    lines
}

fn summary_lines(summary: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((program, ratio)) = &summary.worst_time {
        out.push(format!(
            "slowest relative to lua5.4: {program} ({ratio:.2}x)"
        ));
    }
    if let Some((program, ratio)) = &summary.worst_memory {
        out.push(format!(
            "most memory relative to lua5.4: {program} ({ratio:.2}x)"
        ));
    }
    if let (Some(now), Some(before)) = (summary.geo_wf_base, summary.geo_base_lua) {
        out.push(format!(
            "against the baseline build: {now:.2}x of its time (it ran at {before:.2}x of lua5.4)"
        ));
    }
    out
}

fn notes_section(rows: &[Row], bullet: &str) -> String {
    let notes = notes(rows);
    let mut out = String::new();
    if !notes.is_empty() {
        out.push_str("\nnotes:\n");
        for note in notes {
            out.push_str(bullet);
            out.push_str(&note);
            out.push('\n');
        }
    }
    out
}

/// The aligned plain-text table, followed by the worst programs and notes explaining n/a,
/// error and MISMATCH cells.
pub fn table(rows: &[Row]) -> String {
    let judged: Vec<Judged> = rows.iter().map(Row::judge).collect();
    let summary = summarize(rows, &judged);
    let lines = cells(rows, &judged, &summary);

    let mut widths = vec![0usize; lines[0].len()];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let render = |line: &[String]| {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if i == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        cells.join(" | ").trim_end().to_string()
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
    let summary_lines = summary_lines(&summary);
    if !summary_lines.is_empty() {
        out.push('\n');
        for line in summary_lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str(&notes_section(rows, "  "));
    out
}

/// The same table in GitHub Markdown, for `docs/performance.md`: the geomean line in bold,
/// then the worst programs and the notes as a list.
pub fn markdown(rows: &[Row]) -> String {
    let judged: Vec<Judged> = rows.iter().map(Row::judge).collect();
    let summary = summarize(rows, &judged);
    let lines = cells(rows, &judged, &summary);
    let last = lines.len() - 1;
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if cell.is_empty() || i == 0 {
                    cell.clone()
                } else if i == last {
                    format!("**{cell}**")
                } else if c == 0 {
                    format!("`{cell}`")
                } else {
                    cell.replace('|', "\\|")
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
        if i == 0 {
            let align: Vec<&str> = (0..line.len())
                .map(|c| if c == 0 { "---" } else { "---:" })
                .collect();
            out.push_str(&format!("| {} |\n", align.join(" | ")));
        }
    }
    let summary_lines = summary_lines(&summary);
    if !summary_lines.is_empty() {
        out.push('\n');
        for line in summary_lines {
            out.push_str(&format!("- {line}\n"));
        }
    }
    out.push_str(&notes_section(rows, "- "));
    out
}

fn outcome_json(outcome: &Outcome, verdict: &Verdict) -> Json {
    let reason = match outcome {
        Outcome::NotAvailable { reason } | Outcome::Failed { reason } => Some(reason.as_str()),
        Outcome::Ok { .. } => None,
    };
    let times: Option<Vec<f64>> = match outcome {
        Outcome::Ok { times, .. } => Some(times.iter().map(|t| t.as_secs_f64()).collect()),
        _ => None,
    };
    json!({
        "status": verdict.status(),
        "seconds": outcome.seconds(),
        "all_seconds": times,
        "peak_kib": outcome.peak_kib(),
        "checksum": outcome.checksum(),
        "reason": reason,
    })
}

/// The same data as `table`, as a JSON document for scripts.
pub fn json(rows: &[Row], runs: u32) -> Json {
    let judged: Vec<Judged> = rows.iter().map(Row::judge).collect();
    let summary = summarize(rows, &judged);
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
                "memory_wf_over_lua": j.mem_wf_lua,
                "baseline": row.baseline.as_ref().zip(j.baseline.as_ref()).map(|(o, v)| outcome_json(o, v)),
                "baseline_over_lua": j.base_lua,
                "wf_over_baseline": j.wf_base,
            })
        })
        .collect();
    json!({
        "runs": runs,
        "programs": programs,
        "geomean": {
            "wf_over_lua": summary.geo_wf_lua,
            "wf_over_piccolo": summary.geo_wf_piccolo,
            "memory_wf_over_lua": summary.geo_mem,
            "baseline_over_lua": summary.geo_base_lua,
            "wf_over_baseline": summary.geo_wf_base,
        },
        "worst": {
            "wf_over_lua": summary.worst_time.map(|(p, r)| json!({"program": p, "ratio": r})),
            "memory_wf_over_lua": summary.worst_memory.map(|(p, r)| json!({"program": p, "ratio": r})),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Columns without a baseline.
    const BASE_COLUMNS: usize = 10;

    fn ok(ms: u64, kib: u64, checksum: &str) -> Outcome {
        Outcome::Ok {
            median: Duration::from_millis(ms),
            times: vec![Duration::from_millis(ms)],
            peak_kib: Some(kib),
            checksum: checksum.to_string(),
        }
    }

    fn sample_rows() -> Vec<Row> {
        vec![
            Row {
                program: "fib".to_string(),
                wayfinder: ok(200, 3072, "fib 1"),
                lua: ok(100, 2048, "fib 1"),
                piccolo: ok(400, 4096, "fib 1"),
                baseline: None,
            },
            Row {
                program: "strings".to_string(),
                wayfinder: ok(300, 1024, "strings 2"),
                lua: ok(100, 1024, "strings 1"),
                piccolo: Outcome::NotAvailable {
                    reason: "no table.concat".to_string(),
                },
                baseline: None,
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
        assert!(lines[0].contains("mem wf/lua"), "{}", lines[0]);
        let fib = lines.iter().find(|l| l.starts_with("fib")).unwrap();
        assert!(fib.contains("2.00x") && fib.contains("0.50x"), "{fib}");
        assert!(fib.contains("3.0") && fib.contains("1.50x"), "{fib}");
        let strings = lines.iter().find(|l| l.starts_with("strings")).unwrap();
        assert!(strings.contains("0.300 MISMATCH"), "{strings}");
        assert!(strings.contains("n/a"), "{strings}");
        assert!(
            !strings.contains('x'),
            "mismatched rows get no ratio: {strings}"
        );
        let geo = lines.iter().find(|l| l.starts_with("geomean")).unwrap();
        assert!(
            geo.contains("2.00x") && geo.contains("0.50x") && geo.contains("1.50x"),
            "{geo}"
        );
        assert!(text.contains("slowest relative to lua5.4: fib (2.00x)"));
        assert!(text.contains("most memory relative to lua5.4: fib (1.50x)"));
        assert!(text.contains("strings: wayfinder: MISMATCH"));
        assert!(text.contains("strings: piccolo: no table.concat"));
    }

    #[test]
    fn worst_program_is_the_highest_ratio() {
        let mut rows = sample_rows();
        rows.push(Row {
            program: "trees".to_string(),
            wayfinder: ok(300, 8192, "t"),
            lua: ok(100, 2048, "t"),
            piccolo: ok(900, 2048, "t"),
            baseline: None,
        });
        let judged: Vec<Judged> = rows.iter().map(Row::judge).collect();
        let summary = summarize(&rows, &judged);
        let (program, ratio) = summary.worst_time.unwrap();
        assert_eq!(program, "trees");
        assert!((ratio - 3.0).abs() < 1e-9);
        let (program, ratio) = summary.worst_memory.unwrap();
        assert_eq!(program, "trees");
        assert!((ratio - 4.0).abs() < 1e-9);
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
                lua: ok(1, 1, "x"),
                piccolo: ok(1, 1, "x"),
                baseline: None,
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
            .filter(|bars: &Vec<usize>| bars.len() == BASE_COLUMNS - 1)
            .collect();
        assert_eq!(bars.len(), 4, "{text}");
        assert!(bars.windows(2).all(|w| w[0] == w[1]), "{text}");
    }

    #[test]
    fn markdown_table_has_a_row_per_program_and_bold_geomean() {
        let text = markdown(&sample_rows());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("| program | wayfinder s |"), "{text}");
        assert!(lines[1].starts_with("| --- | ---: |"), "{text}");
        assert!(
            lines[2].starts_with("| `fib` | 0.200 | 0.100 | 0.400 | 2.00x"),
            "{text}"
        );
        assert!(lines[4].starts_with("| **geomean** |"), "{text}");
        assert!(lines[4].contains("**2.00x**"), "{text}");
        assert!(lines
            .iter()
            .take(5)
            .all(|l| l.matches(" | ").count() == BASE_COLUMNS - 1));
        assert!(text.contains("- slowest relative to lua5.4: fib (2.00x)"));
        assert!(text.contains("- strings: piccolo: no table.concat"));
    }

    #[test]
    fn json_has_statuses_ratios_and_memory() {
        let doc = json(&sample_rows(), 3);
        assert_eq!(doc["runs"], 3);
        assert_eq!(doc["programs"][0]["wf_over_lua"], 2.0);
        assert_eq!(doc["programs"][0]["memory_wf_over_lua"], 1.5);
        assert_eq!(doc["programs"][0]["wayfinder"]["peak_kib"], 3072);
        assert_eq!(doc["programs"][0]["wayfinder"]["all_seconds"][0], 0.2);
        assert_eq!(doc["programs"][1]["wayfinder"]["status"], "mismatch");
        assert_eq!(doc["programs"][1]["piccolo"]["status"], "n/a");
        assert_eq!(doc["programs"][1]["wf_over_lua"], Json::Null);
        assert_eq!(doc["geomean"]["wf_over_piccolo"], 0.5);
        assert_eq!(doc["worst"]["wf_over_lua"]["program"], "fib");
    }

    #[test]
    fn a_baseline_adds_its_columns_and_geomeans() {
        let mut rows = sample_rows();
        rows[0].baseline = Some(ok(400, 4096, "fib 1"));
        rows[1].baseline = Some(Outcome::Failed {
            reason: "crashed".to_string(),
        });
        let text = table(&rows);
        let header = text.lines().next().unwrap();
        for h in [
            "before s",
            "before/lua",
            "wf/before",
            "before MiB",
            "mem before/lua",
        ] {
            assert!(header.contains(h), "{header}");
        }
        let fib = text.lines().find(|l| l.starts_with("fib")).unwrap();
        // wayfinder 0.2 s, before 0.4 s, lua 0.1 s: before/lua 4x, wf/before 0.5x.
        assert!(
            fib.contains("0.400") && fib.contains("4.00x") && fib.contains("0.50x"),
            "{fib}"
        );
        let geo = text.lines().find(|l| l.starts_with("geomean")).unwrap();
        assert!(
            geo.contains("4.00x") && geo.contains("0.50x") && geo.contains("2.00x"),
            "{geo}"
        );
        assert!(text.contains("strings: baseline: crashed"), "{text}");
        assert!(
            text.contains(
                "against the baseline build: 0.50x of its time (it ran at 4.00x of lua5.4)"
            ),
            "{text}"
        );
        assert!(
            table(&sample_rows())
                .lines()
                .next()
                .unwrap()
                .matches(" | ")
                .count()
                == BASE_COLUMNS - 1
        );
        let doc = json(&rows, 1);
        assert_eq!(doc["geomean"]["wf_over_baseline"], 0.5);
        assert_eq!(doc["programs"][0]["baseline"]["seconds"], 0.4);
    }
}

//! What a reload did ([`Report`]) or why it was refused ([`ReloadError`]), as data (JSON
//! through serde; the schema is documented in docs/reload.md) and as text for people.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The result of one applied (or skipped) reload transaction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// `applied`, or `skipped` (a condition was falsy; nothing ran).
    pub status: Status,
    /// Why the reload was asked for (`manual`, `save`), when the request said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why it was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// One entry per module, in the order they were applied (dependencies first).
    pub modules: Vec<ModuleReport>,
    /// Wall time of the whole transaction, in milliseconds.
    pub duration_ms: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    #[default]
    Applied,
    Skipped,
}

/// A function and how many live closures of it a rule concerned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCount {
    pub function: String,
    pub closures: usize,
}

/// A warning: something the reload could not carry over exactly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// `functionIdentity`, `closureUpvalues`, `typeChanged`, `ambiguousLocal`.
    pub kind: String,
    pub message: String,
}

/// What happened to one module.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleReport {
    pub module: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// `module` (whole chunk), `function` (one function) or `table` (one field).
    pub mode: String,
    /// Old functions now running the new code, with their live closures.
    pub rebound: Vec<FunctionCount>,
    /// Functions that exist only in the new version.
    pub added: Vec<String>,
    /// Functions the new version no longer defines, removed from the module's tables.
    pub removed: Vec<String>,
    /// Old functions with no counterpart: their live closures keep the old code.
    pub unmatched: Vec<FunctionCount>,
    /// Values whose running state was kept (their initial value did not change).
    pub kept: Vec<String>,
    /// Values taken from the new version (new, or their initial value was edited).
    pub updated: Vec<String>,
    /// Chunk-level locals of the new version joined to the running program's cells.
    pub joined: Vec<String>,
    /// Upvalues new to a closure created before the reload (they start as nil).
    pub fresh_upvalues: Vec<String>,
    /// Frames in the running threads that finish on the old code (suspended coroutines
    /// are not counted).
    pub frames_in_old_code: usize,
    pub warnings: Vec<Warning>,
}

impl ModuleReport {
    /// One line for people: `math: 1 function rebound (2 closures), 1 value kept`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.rebound.is_empty() {
            let closures: usize = self.rebound.iter().map(|r| r.closures).sum();
            parts.push(format!(
                "{} rebound ({})",
                plural(self.rebound.len(), "function"),
                plural(closures, "closure")
            ));
        }
        for (n, what, verb) in [
            (self.added.len(), "function", "added"),
            (self.removed.len(), "function", "removed"),
            (self.updated.len(), "value", "updated"),
            (self.kept.len(), "value", "kept"),
            (self.joined.len(), "local", "joined"),
        ] {
            if n > 0 {
                parts.push(format!("{} {verb}", plural(n, what)));
            }
        }
        if !self.unmatched.is_empty() {
            parts.push(format!(
                "{} left on old code",
                plural(self.unmatched.len(), "function")
            ));
        }
        if self.frames_in_old_code > 0 {
            parts.push(format!(
                "{} still in old code",
                plural(self.frames_in_old_code, "frame")
            ));
        }
        if parts.is_empty() {
            parts.push("no changes".into());
        }
        format!("{}: {}", self.module, parts.join(", "))
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl Report {
    /// For people: a headline, one summary line per module, then details and warnings.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.status == Status::Skipped {
            let _ = writeln!(
                out,
                "Skipped reload: {}",
                self.skipped.as_deref().unwrap_or("condition was false")
            );
            return out;
        }
        let _ = writeln!(
            out,
            "Reloaded {} in {:.1} ms",
            plural(self.modules.len(), "module"),
            self.duration_ms
        );
        for m in &self.modules {
            let _ = writeln!(out, "  {}", m.summary());
            let detail = |out: &mut String, label: &str, items: &[String]| {
                if !items.is_empty() {
                    let _ = writeln!(out, "    {label}: {}", items.join(", "));
                }
            };
            let rebound: Vec<String> = m
                .rebound
                .iter()
                .map(|r| format!("{} ({})", r.function, plural(r.closures, "closure")))
                .collect();
            detail(&mut out, "rebound", &rebound);
            detail(&mut out, "added", &m.added);
            detail(&mut out, "removed", &m.removed);
            detail(&mut out, "updated", &m.updated);
            detail(&mut out, "kept", &m.kept);
            detail(&mut out, "joined", &m.joined);
            for w in &m.warnings {
                let _ = writeln!(out, "    warning [{}]: {}", w.kind, w.message);
            }
        }
        out
    }

    /// The report as JSON (the schema in docs/reload.md).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }
}

/// Why a reload was refused. Nothing changed in the running program.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReloadError {
    pub kind: ErrorKind,
    /// The module the failure concerns, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// One line: what went wrong (`file:line:col: message` for syntax errors).
    pub message: String,
    /// Where, for syntax errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// A rendered diagnostic (snippet and caret) when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostic: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// Reload is switched off (`hotReload.enabled: false`).
    Disabled,
    /// The request names no module, or a module that `require` never loaded.
    NotLoaded,
    /// The module's file cannot be read.
    Io,
    /// The new source does not compile.
    Syntax,
    /// The new chunk (or a condition) raised an error while running.
    Runtime,
    /// `__before_reload` or `__on_reload` raised an error.
    Hook,
    /// The request cannot be applied as asked (e.g. a function needs a missing upvalue).
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl ReloadError {
    pub fn new(kind: ErrorKind, module: Option<&str>, message: impl Into<String>) -> ReloadError {
        ReloadError {
            kind,
            module: module.map(str::to_string),
            message: message.into(),
            location: None,
            diagnostic: None,
        }
    }

    /// For people: the message (or the rendered diagnostic) and that nothing changed.
    pub fn render(&self) -> String {
        let mut out = match &self.diagnostic {
            Some(d) => d.clone(),
            None => format!("error: {}\n", self.message),
        };
        let what = match &self.module {
            Some(m) => format!("the previous version of '{m}' stays active"),
            None => "the running program was not changed".to_string(),
        };
        let _ = writeln!(out, "reload refused: {what}");
        out
    }
}

impl std::fmt::Display for ReloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReloadError {}

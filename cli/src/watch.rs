//! Auto-reload (`hotReload.auto: true` or `--watch`): watch the files under the config's (or
//! the script's) directory, and when saved files are loaded modules, reload them as one
//! transaction (reason `save`).
//!
//! notify's debouncer coalesces what one save produces (editors' atomic renames, swap files,
//! several writes) into one batch. Its thread only filters paths and queues a job; the job
//! runs on the VM thread at a safe point, where it maps files to the modules `require`
//! loaded them as — files that are not loaded modules, or whose content is what the module
//! was loaded from, are ignored.

use std::collections::BTreeSet;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use wayfinder_reload::config::AutoReload;
use wayfinder_reload::{ErrorKind, Policy, ReloadError, ReloadRequest};
use wayfinder_vm::runtime::{Inbox, LuaEnv};

use crate::control::server::{self, Notifier};

/// How long a burst of events may last before it is handled as one batch.
const DEBOUNCE: Duration = Duration::from_millis(50);

/// A running watcher; watching stops when it is dropped.
pub struct Watcher {
    _debouncer: Debouncer<notify_debouncer_full::notify::RecommendedWatcher, RecommendedCache>,
    /// The directories watched (recursively).
    pub dirs: Vec<PathBuf>,
}

/// What a reload triggered by a save does besides reloading.
pub struct Settings {
    pub policy: Policy,
    /// Print a line per applied reload (`notifyOnChange`); failures are always printed.
    pub notify: bool,
    /// Attached control-port clients to tell (`hotReloaded` events).
    pub clients: Option<Notifier>,
}

/// Start watching. Errors are one line (the directory and why).
pub fn start(auto: &AutoReload, inbox: Inbox, settings: Settings) -> Result<Watcher, String> {
    let filter = auto.filter()?;
    let base = filter.base_dir().to_path_buf();
    let roots: Vec<PathBuf> = filter
        .roots()
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .filter(|r| r.is_dir())
        .collect();
    if roots.is_empty() {
        return Err(format!(
            "cannot watch: no directory that watchPaths can match exists under '{}'",
            base.display()
        ));
    }
    let settings = std::sync::Arc::new(settings);
    let handler = move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        let mut changed = BTreeSet::new();
        for event in &events {
            if matches!(event.kind, EventKind::Access(_) | EventKind::Remove(_)) {
                continue;
            }
            for path in &event.paths {
                if path.is_file() && filter.wants(path) {
                    changed.insert(path.clone());
                }
            }
        }
        if changed.is_empty() {
            return;
        }
        let settings = std::sync::Arc::clone(&settings);
        inbox.push(Box::new(move |env: &mut LuaEnv<'_, '_>| {
            reload_changed(env, &changed, &settings);
        }));
    };
    let mut debouncer = new_debouncer(DEBOUNCE, None, handler)
        .map_err(|e| format!("cannot watch '{}': {e}", base.display()))?;
    for root in &roots {
        debouncer
            .watch(root, RecursiveMode::Recursive)
            .map_err(|e| format!("cannot watch '{}': {e}", root.display()))?;
    }
    Ok(Watcher {
        _debouncer: debouncer,
        dirs: roots,
    })
}

/// On the VM thread: the loaded modules among `changed` whose source differs from what they
/// were loaded from, reloaded as one transaction.
fn reload_changed(env: &mut LuaEnv<'_, '_>, changed: &BTreeSet<PathBuf>, settings: &Settings) {
    let modules = changed_modules(env, Some(changed));
    if modules.is_empty() {
        return;
    }
    let request = ReloadRequest {
        modules: modules.clone(),
        reason: Some("save".into()),
        ..ReloadRequest::default()
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        wayfinder_reload::reload(env, &settings.policy, &request)
    }))
    .unwrap_or_else(|_| {
        Err(ReloadError::new(
            ErrorKind::Refused,
            None,
            "internal error: the reload engine panicked (please report this)",
        ))
    });
    match result {
        Ok(report) => {
            if settings.notify {
                server::note_applied(&report, "save");
            }
            if let Some(clients) = &settings.clients {
                clients.hot_reloaded(&report);
            }
        }
        Err(error) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "[wayfinder] reload of {} refused (save):",
                modules.join(", ")
            );
            let _ = write!(err, "{}", error.render());
        }
    }
}

/// Loaded modules whose file's content changed since they were loaded (or last reloaded),
/// among the files in `only` if given.
pub fn changed_modules(env: &LuaEnv<'_, '_>, only: Option<&BTreeSet<PathBuf>>) -> Vec<String> {
    let registry = env.state.modules.borrow();
    let mut names = Vec::new();
    for record in &registry.records {
        let Some(file) = &record.file else { continue };
        let Ok(path) = std::fs::canonicalize(file) else {
            continue;
        };
        if only.is_some_and(|files| !files.contains(&path)) {
            continue;
        }
        if let Some(hash) = current_hash(&path) {
            if hash != record.source_hash {
                names.push(record.name.clone());
            }
        }
    }
    names
}

/// The hash the reload engine would record for the file as it is now.
fn current_hash(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let source = wayfinder_vm::runtime::load::file_source(bytes);
    Some(wayfinder_vm::modules::source_hash(&source))
}

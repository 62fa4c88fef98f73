//! wayfinder-reload: the hot reload engine (matching, rebinding, merge, transactions,
//! reports) and diagnostics rendering.
//!
//! Entry point: [`reload`], run on a [`wayfinder_vm::runtime::LuaEnv`] at a safe point (the
//! driver between slices, `debug.reloadModule`, `socket.sleep`).

pub mod config;
pub mod diagnostics;
mod engine;
pub mod report;
pub mod request;

pub use engine::{install, reload};
pub use report::{ErrorKind, ModuleReport, ReloadError, Report, Status};
pub use request::{Policy, ReloadRequest};

/// Hot reload for hosts that own a [`wayfinder_vm::Runtime`]: call it between runs (or
/// from a safe-point job while a script runs).
///
/// ```no_run
/// use wayfinder_reload::{Policy, Reload, ReloadRequest};
/// # let mut rt = wayfinder_vm::Runtime::new();
/// let report = rt.reload(&Policy::default(), &ReloadRequest::modules(["ui"]));
/// ```
pub trait Reload {
    /// Apply `request` under `policy`: the report, or why nothing changed.
    fn reload(&mut self, policy: &Policy, request: &ReloadRequest) -> Result<Report, ReloadError>;
}

impl Reload for wayfinder_vm::Runtime {
    fn reload(&mut self, policy: &Policy, request: &ReloadRequest) -> Result<Report, ReloadError> {
        self.with_env(|env| engine::reload(env, policy, request))
    }
}

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

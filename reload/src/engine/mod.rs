//! The reload transaction: compile, run, merge, report — all or nothing.

use wayfinder_vm::runtime::LuaEnv;

use crate::report::{ErrorKind, ReloadError, Report};
use crate::request::{Policy, ReloadRequest};

/// Apply `request` to the program running in `env`, following `policy`. Returns the report
/// (applied or skipped), or why it was refused — in which case nothing changed.
pub fn reload(
    _env: &mut LuaEnv<'_, '_>,
    _policy: &Policy,
    request: &ReloadRequest,
) -> Result<Report, ReloadError> {
    Err(ReloadError::new(
        ErrorKind::Refused,
        request.modules.first().map(String::as_str),
        "the reload engine is being built",
    ))
}

/// Install the reload engine's Lua interface (`debug.reloadModule`) into a runtime.
pub fn install(_rt: &mut wayfinder_vm::Runtime) {}

//! What a reload is asked to do ([`ReloadRequest`]) and the rules it follows ([`Policy`]).

use serde::{Deserialize, Serialize};

/// One reload: the modules to reload (one transaction, dependencies first), optionally
/// narrowed to one function or one table, optionally guarded by a condition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReloadRequest {
    /// Module names as given to `require` (`main` is the entry script).
    pub modules: Vec<String>,
    /// Rebind only this function (identity path such as `M.add`); the chunk is not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Run the chunk, merge only this field of the module table, roll back the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// A Lua expression evaluated in the program's globals; falsy skips the reload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Why the reload happens: `manual` or `save` (shown in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Reload from this source instead of the module's file (embedders: scripts from a
    /// database, an asset pack, the network). Only with a single module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl ReloadRequest {
    /// Reload these modules whole.
    pub fn modules<I, S>(names: I) -> ReloadRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ReloadRequest {
            modules: names.into_iter().map(Into::into).collect(),
            ..ReloadRequest::default()
        }
    }
}

/// Which state a reload carries over (all on by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preserve {
    /// Globals the module assigns keep their running values (three-way merge).
    pub globals: bool,
    /// Tables keep their identity and are merged recursively.
    pub tables: bool,
    /// Rebound closures keep the cells of upvalues that still exist; chunk locals join.
    pub upvalues: bool,
    /// Metatables are merged into the running ones (methods change for live instances).
    pub metatables: bool,
}

impl Default for Preserve {
    fn default() -> Self {
        Preserve {
            globals: true,
            tables: true,
            upvalues: true,
            metatables: true,
        }
    }
}

/// Which warnings a report carries (all on by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarningSwitches {
    /// An old function with no counterpart keeps running its old code.
    pub function_identity: bool,
    /// A closure created before the reload got a new upvalue that starts as nil.
    pub closure_upvalues: bool,
}

impl Default for WarningSwitches {
    fn default() -> Self {
        WarningSwitches {
            function_identity: true,
            closure_upvalues: true,
        }
    }
}

/// The reload rules (wayfinder.yaml's `hotReload` section maps onto this).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// `false`: every reload is refused with a clear message.
    pub enabled: bool,
    /// `false`: no running state is kept; every value takes the new version's.
    pub preserve_state: bool,
    pub preserve: Preserve,
    pub warnings: WarningSwitches,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            enabled: true,
            preserve_state: true,
            preserve: Preserve::default(),
            warnings: WarningSwitches::default(),
        }
    }
}

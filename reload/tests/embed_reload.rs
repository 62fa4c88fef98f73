//! A host reloads a script it loaded from a string, on the same `Runtime` handle.

use wayfinder_reload::{Policy, Reload, ReloadRequest};
use wayfinder_vm::{Function, Runtime, TableRef};

const V1: &str = "
local M = {}
local count = 0
function M.greet(name) count = count + 1 return 'hello ' .. name, count end
return M
";

const V2: &str = "
local M = {}
local count = 0
function M.greet(name) count = count + 10 return 'hi ' .. name, count end
return M
";

#[test]
fn a_script_loaded_from_a_string_is_reloaded_from_a_string() {
    let mut rt = Runtime::sandboxed();
    let m: TableRef = rt.load_module("greeter", V1).unwrap();
    // The host keeps a handle on the function, as a plugin system keeps callbacks.
    let greet: Function = rt.get(&m, "greet").unwrap();
    let r: (String, i64) = rt.call(&greet, "ann").unwrap();
    assert_eq!(r, ("hello ann".into(), 1));

    let request = ReloadRequest {
        source: Some(V2.into()),
        ..ReloadRequest::modules(["greeter"])
    };
    let report = rt.reload(&Policy::default(), &request).unwrap();
    assert_eq!(report.modules.len(), 1);
    // The same function object runs the new code; its state (`count`) is kept.
    let r: (String, i64) = rt.call(&greet, "bob").unwrap();
    assert_eq!(r, ("hi bob".into(), 11));

    // A reload that does not compile changes nothing.
    let bad = ReloadRequest {
        source: Some("return {".into()),
        ..ReloadRequest::modules(["greeter"])
    };
    assert!(rt.reload(&Policy::default(), &bad).is_err());
    let r: (String, i64) = rt.call(&greet, "cy").unwrap();
    assert_eq!(r, ("hi cy".into(), 21));
}

#[test]
fn a_reload_after_a_script_spent_its_budget_runs_under_a_fresh_one() {
    let mut rt = Runtime::sandboxed();
    rt.set_limits(wayfinder_vm::Limits {
        max_instructions: Some(100_000),
        ..Default::default()
    });
    let m: TableRef = rt.load_module("greeter", V1).unwrap();
    let greet: Function = rt.get(&m, "greet").unwrap();
    let err = rt.exec::<()>("while true do end", "spin").unwrap_err();
    assert!(err.limit().is_some());
    // The new chunk loops a little while it loads: within a fresh budget.
    let v2 = format!("for i = 1, 1000 do end\n{V2}");
    let request = ReloadRequest {
        source: Some(v2),
        ..ReloadRequest::modules(["greeter"])
    };
    rt.reload(&Policy::default(), &request).unwrap();
    let r: (String, i64) = rt.call(&greet, "dee").unwrap();
    assert_eq!(r, ("hi dee".into(), 10));
    // A reloaded chunk that never ends is stopped by the budget, and nothing changes.
    let request = ReloadRequest {
        source: Some(format!("while true do end\n{V2}")),
        ..ReloadRequest::modules(["greeter"])
    };
    assert!(rt.reload(&Policy::default(), &request).is_err());
    let r: (String, i64) = rt.call(&greet, "eve").unwrap();
    assert_eq!(r, ("hi eve".into(), 20));
}

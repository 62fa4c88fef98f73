//! The reload engine driven the way a host drives it: a `Runtime` runs a script that
//! requires modules, the host edits files (or hands over source) and calls `reload`.

use std::path::{Path, PathBuf};

use wayfinder_reload::{ErrorKind, Policy, Reload, ReloadRequest, Status};
use wayfinder_vm::runtime::{Outcome, Runtime};

struct Project {
    dir: PathBuf,
    rt: Runtime,
}

impl Project {
    /// A temp dir with `files`, and a runtime that has run `main.lua` from it.
    fn new(name: &str, files: &[(&str, &str)]) -> Project {
        let dir = std::env::temp_dir().join(format!("wayfinder-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
        }
        let mut rt = Runtime::new();
        rt.set_script_dir(&dir);
        rt.run_file(&dir.join("main.lua"), &[])
            .expect("main.lua runs");
        Project { dir, rt }
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.dir.join(file), text).unwrap();
    }

    /// Evaluate Lua `expr` (a chunk returning values) in the program's globals.
    fn eval(&mut self, chunk: &str) -> Vec<String> {
        match self.rt.run_chunk(chunk.as_bytes(), "=eval", &[]) {
            Ok(Outcome::Finished(v)) => v,
            Err(e) => panic!("{chunk}: {e}"),
        }
    }

    fn path(&self, file: &str) -> String {
        path_str(&self.dir.join(file))
    }
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

const COUNTER_V1: &str = "local count = 0\nlocal M = { config = { step = 1 } }\n\
function M.bump() count = count + M.config.step; return count end\nreturn M\n";
const COUNTER_V2: &str = "local count = 0\nlocal M = { config = { step = 1 } }\n\
function M.bump() count = count + M.config.step * 10; return count end\nreturn M\n";

fn counter_project(name: &str) -> Project {
    let mut p = Project::new(
        name,
        &[
            ("counter.lua", COUNTER_V1),
            (
                "main.lua",
                "counter = require('counter')\nbump = counter.bump\nbump(); bump()\n",
            ),
        ],
    );
    assert_eq!(p.eval("return bump()"), ["3"]);
    p
}

#[test]
fn reload_by_name_rebinds_and_keeps_state() {
    let mut p = counter_project("by-name");
    p.write("counter.lua", COUNTER_V2);
    let report =
        p.rt.reload(&Policy::default(), &ReloadRequest::modules(["counter"]))
            .expect("applied");
    assert_eq!(report.status, Status::Applied);
    let m = &report.modules[0];
    assert_eq!(m.module, "counter");
    assert_eq!(m.rebound[0].function, "M.bump");
    assert_eq!(m.rebound[0].closures, 1);
    assert_eq!(m.joined, ["count", "M"]);
    assert!(
        m.summary()
            .starts_with("counter: 1 function rebound (1 closure)"),
        "{}",
        m.summary()
    );
    // The stored reference runs the new code on the kept counter.
    assert_eq!(p.eval("return bump()"), ["13"]);
    // JSON for tools.
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["status"], "applied");
    assert_eq!(json["modules"][0]["rebound"][0]["function"], "M.bump");
    assert_eq!(json["modules"][0]["framesInOldCode"], 0);
}

#[test]
fn reload_from_source_given_by_the_host() {
    let mut p = counter_project("from-source");
    let request = ReloadRequest {
        source: Some(COUNTER_V2.replace("* 10", "* 100")),
        ..ReloadRequest::modules(["counter"])
    };
    p.rt.reload(&Policy::default(), &request).expect("applied");
    assert_eq!(p.eval("return bump()"), ["103"]);
}

#[test]
fn a_syntax_error_changes_nothing_and_says_where() {
    let mut p = counter_project("syntax");
    p.write(
        "counter.lua",
        "local M = {}\nfunction M.bump()\n  return 1\n\nreturn M\n",
    );
    let err =
        p.rt.reload(&Policy::default(), &ReloadRequest::modules(["counter"]))
            .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Syntax);
    let loc = err.location.clone().unwrap();
    assert_eq!((loc.line, loc.column), (5, 1));
    assert_eq!(loc.file, p.path("counter.lua"));
    let text = err.render();
    assert!(
        text.contains("'end' expected (to close 'function' at line 2)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}:5:1", p.path("counter.lua"))),
        "{text}"
    );
    assert!(
        text.contains("the previous version of 'counter' stays active"),
        "{text}"
    );
    assert_eq!(p.eval("return bump()"), ["4"]);
}

#[test]
fn policy_switches() {
    // Disabled: refused with the setting's name.
    let mut p = counter_project("disabled");
    let off = Policy {
        enabled: false,
        ..Policy::default()
    };
    let err =
        p.rt.reload(&off, &ReloadRequest::modules(["counter"]))
            .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Disabled);
    assert!(err.message.contains("hotReload.enabled"), "{}", err.message);

    // preserveState off: running data is replaced by the new version's.
    let mut p = counter_project("no-state");
    p.eval("counter.config.step = 5");
    let mut policy = Policy {
        preserve_state: false,
        ..Policy::default()
    };
    p.rt.reload(&policy, &ReloadRequest::modules(["counter"]))
        .unwrap();
    assert_eq!(p.eval("return counter.config.step"), ["1"]);

    // preserve.upvalues off: chunk locals start over.
    let mut p = counter_project("no-upvalues");
    policy = Policy::default();
    policy.preserve.upvalues = false;
    p.rt.reload(&policy, &ReloadRequest::modules(["counter"]))
        .unwrap();
    assert_eq!(p.eval("return bump()"), ["1"]);

    // preserve.tables off: the module's tables are replaced (identity not kept).
    let mut p = counter_project("no-tables");
    p.eval("old_config = counter.config");
    policy = Policy::default();
    policy.preserve.tables = false;
    p.rt.reload(&policy, &ReloadRequest::modules(["counter"]))
        .unwrap();
    assert_eq!(
        p.eval("return package.loaded.counter == counter"),
        ["false"]
    );

    // Warnings can be switched off.
    let mut p = counter_project("no-warnings");
    p.write(
        "counter.lua",
        "local M = {}\nfunction M.renamed() return 0 end\nreturn M\n",
    );
    policy = Policy::default();
    let report =
        p.rt.reload(&policy, &ReloadRequest::modules(["counter"]))
            .unwrap();
    assert_eq!(report.modules[0].warnings[0].kind, "functionIdentity");
    p.write("counter.lua", COUNTER_V1);
    let mut p = counter_project("no-warnings-2");
    p.write(
        "counter.lua",
        "local M = {}\nfunction M.renamed() return 0 end\nreturn M\n",
    );
    policy.warnings.function_identity = false;
    let report =
        p.rt.reload(&policy, &ReloadRequest::modules(["counter"]))
            .unwrap();
    assert!(report.modules[0].warnings.is_empty());
    assert_eq!(report.modules[0].unmatched[0].function, "M.bump");
}

#[test]
fn the_entry_script_is_module_main_and_never_reruns() {
    let main_v1 = "runs = (runs or 0) + 1\nlocal greeting = 'hi'\n\
function greet(name) return greeting .. ' ' .. name end\n\
local function shout(s) return s:upper() end\nhandler = function(s) return shout(s) end\n";
    let mut p = Project::new("main", &[("main.lua", main_v1)]);
    p.write(
        "main.lua",
        &main_v1
            .replace("' ' .. name", "', ' .. name .. '!'")
            .replace("s:upper()", "s:upper() .. '!!'"),
    );
    let report =
        p.rt.reload(&Policy::default(), &ReloadRequest::modules(["main"]))
            .expect("applied");
    assert_eq!(report.modules[0].mode, "entry");
    assert_eq!(
        p.eval("return greet('ann'), handler('x'), runs"),
        ["hi, ann!", "X!!", "1"]
    );
}

#[test]
fn memory_stays_flat_over_many_reloads() {
    let mut p = counter_project("memory");
    let mut heap = Vec::new();
    for round in 0..4 {
        for i in 0..500 {
            p.write(
                "counter.lua",
                if i % 2 == 0 { COUNTER_V2 } else { COUNTER_V1 },
            );
            p.rt.reload(&Policy::default(), &ReloadRequest::modules(["counter"]))
                .unwrap();
        }
        p.rt.collect_garbage();
        p.rt.collect_garbage();
        if round > 0 {
            heap.push(p.rt.heap_bytes());
        }
    }
    // After the first round, 500 more reloads add nothing that stays.
    let (first, last) = (heap[0], heap[heap.len() - 1]);
    assert!(
        last <= first + first / 20,
        "heap grew from {first} to {last} bytes: {heap:?}"
    );
}

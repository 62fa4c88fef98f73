//! `reload-bench`: how long an in-process reload of a 1,000-line module takes (target:
//! under 5 ms; aim: 1 ms). Generates a module with functions, classes, closures, tables
//! and chunk locals, loads it into a runtime, then reloads it many times, alternating
//! two versions (so every reload really rebinds), and prints the median and best times.
//!
//! Run: `cargo run --release -p wayfinder-bench --bin reload-bench [-- RELOADS]`

use std::fmt::Write as _;
use std::time::Instant;

use wayfinder_reload::{reload, Policy, ReloadRequest};
use wayfinder_vm::runtime::{Outcome, Runtime};

/// A module of about 1,000 lines; `edit` changes one constant in every function.
fn module_source(edit: u32) -> String {
    let mut s = String::from(
        "local M = {}\nlocal counter = 0\nM.config = { speed = 10, name = 'bench' }\n",
    );
    for i in 0..47 {
        let _ = write!(
            s,
            "
local Class{i} = {{}}
Class{i}.__index = Class{i}
function Class{i}.new(x)
  local self = setmetatable({{}}, Class{i})
  self.x = x
  self.items = {{}}
  return self
end
function Class{i}:step(dt)
  counter = counter + 1
  self.x = self.x + dt * {edit}
  return self.x
end
function M.helper{i}(a, b)
  local t = {{}}
  for k = 1, a do t[k] = k * b + {edit} end
  return function() return #t end
end
M.Class{i} = Class{i}
M.data{i} = {{ {i}, {i} + 1, name = 'item{i}' }}
"
        );
    }
    s.push_str("function M.count() return counter end\nreturn M\n");
    s
}

fn main() {
    let reloads: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let dir = std::env::temp_dir().join(format!("wayfinder-reload-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let module = dir.join("big.lua");
    let lines = module_source(1).lines().count();
    std::fs::write(&module, module_source(1)).expect("write module");
    let main = dir.join("main.lua");
    std::fs::write(
        &main,
        "local big = require('big')\nobjs = {}\nfor i = 0, 46 do objs[#objs + 1] = big['Class' .. i].new(i) end\n\
         closures = {}\nfor i = 0, 46 do closures[#closures + 1] = big['helper' .. i](3, 2) end\n",
    )
    .expect("write main");

    let mut rt = Runtime::new();
    rt.set_script_dir(&dir);
    match rt.run_file(&main, &[]) {
        Ok(Outcome::Finished(_)) => {}
        Err(e) => panic!("main failed: {e}"),
    }
    let policy = Policy::default();
    let request = ReloadRequest::modules(["big"]);
    let mut times = Vec::with_capacity(reloads);
    let mut rebound = 0;
    for i in 0..reloads {
        std::fs::write(&module, module_source(2 + (i as u32 % 2))).expect("rewrite module");
        let start = Instant::now();
        let report = rt
            .with_env(|env| reload(env, &policy, &request))
            .unwrap_or_else(|e| panic!("reload failed: {}", e.render()));
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        rebound = report.modules[0].rebound.len();
        if i % 20 == 19 {
            rt.collect_garbage();
        }
    }
    // How much of that is compiling the new source (the part any reloader pays).
    let source = module_source(2);
    let mut compile = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        let _ = wayfinder_vm::runtime::load::compile_chunk(source.as_bytes(), "@big.lua");
        compile.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    compile.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "compiling the module alone: median {:.2} ms",
        compile[compile.len() / 2]
    );
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = times[times.len() / 2];
    println!(
        "in-process reload of a {lines}-line module ({rebound} functions with live closures rebound): \
median {median:.2} ms, best {:.2} ms, worst {:.2} ms over {reloads} reloads (target < 5 ms)",
        times[0],
        times[times.len() - 1]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

//! The wayfinder program of docs/embedding.md's side-by-side comparison, compiled and run.

use std::sync::{Arc, Mutex};
use wayfinder_vm::{Limits, Runtime, UserData, UserDataMethods};

struct Counter {
    n: i64,
}
impl UserData for Counter {
    const TYPE_NAME: &'static str = "Counter";
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.method("bump", |c: &mut Counter, by: i64| {
            c.n += by;
            Ok(c.n)
        });
    }
}

fn program() -> Result<(), wayfinder_vm::Error> {
    let mut rt = Runtime::sandboxed();
    rt.set_limits(Limits {
        max_instructions: Some(1_000_000),
        max_memory: Some(16 << 20),
        ..Limits::default()
    });
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    rt.register("log", move |s: String| {
        sink.lock().unwrap().push(s);
        Ok(())
    })?;
    let counter = rt.create_userdata(Counter { n: 0 });
    rt.set_global("counter", &counter)?;
    rt.exec::<()>(
        "function score(a, b) log('scored') return counter:bump(a * b) end",
        "game",
    )?;
    let total: i64 = rt.call_global("score", (6, 7))?;
    let err = rt.exec::<()>("while true do end", "runaway").unwrap_err();
    println!("{total} {err} {:?}", lines.lock().unwrap());
    Ok(())
}

#[test]
fn the_side_by_side_program_runs() {
    program().unwrap();
}

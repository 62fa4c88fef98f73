//! A small plugin host: loads untrusted Lua plugins into a sandbox with limits, exposes a
//! Rust struct to them, hot-reloads one from a string, and stops runaway ones.
//!
//! Run with `cargo run -p wayfinder-reload --example embed`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wayfinder_reload::{Policy, Reload, ReloadRequest};
use wayfinder_vm::{Error, Function, Limits, Runtime, TableRef, UserData, UserDataMethods};

/// Host state the plugins may touch, through methods only.
struct Inventory {
    items: Vec<(String, i64)>,
    capacity: i64,
}

impl UserData for Inventory {
    const TYPE_NAME: &'static str = "Inventory";

    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.method("add", |inv: &mut Inventory, (item, n): (String, i64)| {
            if n <= 0 {
                return Err(Error::new("count must be positive"));
            }
            match inv.items.iter_mut().find(|(name, _)| *name == item) {
                Some((_, count)) => *count += n,
                None => inv.items.push((item, n)),
            }
            Ok(())
        });
        m.method("count", |inv: &mut Inventory, item: String| {
            Ok(inv
                .items
                .iter()
                .find(|(n, _)| *n == item)
                .map_or(0, |(_, c)| *c))
        });
        m.method("items", |inv: &mut Inventory, ()| {
            Ok(inv.items.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>())
        });
        m.field("capacity", |inv: &Inventory| inv.capacity);
    }
}

struct Plugin {
    name: &'static str,
    on_event: Function,
}

fn main() {
    let mut rt = Runtime::sandboxed();

    // A Rust closure with state: every plugin logs through it.
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    rt.register("log", move |msg: String| {
        sink.lock().unwrap().push(msg);
        Ok(())
    })
    .expect("register log");

    let inventory = rt.create_userdata(Inventory {
        items: Vec::new(),
        capacity: 10,
    });

    // Every call into a plugin runs under these limits.
    let limits = Limits {
        max_instructions: Some(5_000_000),
        max_memory: Some(32 << 20),
        max_time: Some(Duration::from_secs(2)),
        ..Limits::default()
    };
    rt.set_limits(limits.clone());

    let sources = [
        ("greeter", include_str!("plugins/greeter.lua")),
        ("shop", include_str!("plugins/shop.lua")),
        ("runaway", include_str!("plugins/runaway.lua")),
        ("hog", include_str!("plugins/hog.lua")),
    ];
    let mut plugins = Vec::new();
    for (name, source) in sources {
        // Loaded as modules, so they can be hot-reloaded later.
        match rt.load_module::<TableRef>(name, source) {
            Ok(m) => {
                let on_event: Function = rt.get(&m, "on_event").expect("on_event");
                plugins.push(Plugin { name, on_event });
            }
            Err(e) => println!("[{name}] failed to load: {e}"),
        }
    }

    let dispatch = |rt: &mut Runtime, plugins: &[Plugin], who: &str| {
        for p in plugins {
            match rt.call::<_, ()>(&p.on_event, (who, &inventory)) {
                Ok(()) => {}
                Err(e) if e.limit().is_some() => println!("[{}] stopped: {e}", p.name),
                Err(e) => println!("[{}] error: {e}", p.name),
            }
        }
        for line in log.lock().unwrap().drain(..) {
            println!("  log: {line}");
        }
    };

    println!("== event 1");
    dispatch(&mut rt, &plugins, "ann");

    println!("== hot reload of greeter (from a string)");
    let request = ReloadRequest {
        source: Some(include_str!("plugins/greeter_v2.lua").into()),
        ..ReloadRequest::modules(["greeter"])
    };
    match rt.reload(&Policy::default(), &request) {
        Ok(report) => println!(
            "reloaded {} module(s) in {:.2} ms",
            report.modules.len(),
            report.duration_ms
        ),
        Err(e) => println!("reload refused: {e}"),
    }

    println!("== event 2 (same function handles, new code, state kept)");
    dispatch(&mut rt, &plugins[..2], "bob");

    println!("== a plugin the budget would allow for long, stopped by a watchdog thread");
    rt.set_limits(Limits {
        max_instructions: None,
        max_time: None,
        ..limits
    });
    let sleeper: TableRef = rt
        .load_module("sleeper", include_str!("plugins/sleeper.lua"))
        .expect("sleeper loads");
    let on_event: Function = rt.get(&sleeper, "on_event").expect("on_event");
    let handle = rt.interrupt_handle();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        handle.interrupt();
    });
    match rt.call::<_, ()>(&on_event, ()) {
        Err(e) => println!("[sleeper] stopped: {e}"),
        Ok(()) => println!("[sleeper] returned?"),
    }
    watchdog.join().unwrap();

    // The runtime is still usable, and the host reads the plugins' effect on its struct.
    rt.collect_garbage();
    let apples = rt
        .with_userdata(&inventory, |inv: &mut Inventory| {
            inv.items
                .iter()
                .find(|(n, _)| n == "apple")
                .map_or(0, |(_, c)| *c)
        })
        .unwrap();
    println!(
        "== host: {apples} apples in the inventory; heap {} KiB",
        rt.memory_used() / 1024
    );

    // The runtime can move to a worker thread.
    let worker = std::thread::spawn(move || {
        let mut rt = rt;
        rt.exec::<String>("return ('done on a worker thread'):upper()", "worker")
    });
    println!("== {}", worker.join().unwrap().unwrap());
}

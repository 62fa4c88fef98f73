//! The embedding API driven the way a host drives it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wayfinder_vm::{
    Error, Function, LimitKind, Limits, LuaValue, NewUserData, Runtime, StdLib, TableRef, UserData,
    UserDataMethods, Variadic,
};

fn budget(n: u64) -> Limits {
    Limits {
        max_instructions: Some(n),
        ..Limits::default()
    }
}

#[test]
fn call_a_lua_function_with_typed_arguments_and_results() {
    let mut rt = Runtime::new();
    rt.exec::<()>(
        "function add(a, b) return a + b, 'sum' end
         function join(t, sep) return table.concat(t, sep) end",
        "setup",
    )
    .unwrap();
    let (n, label): (i64, String) = rt.call_global("add", (2, 40)).unwrap();
    assert_eq!((n, label.as_str()), (42, "sum"));
    let f: f64 = rt.call_global("add", (0.5, 1)).unwrap();
    assert_eq!(f, 1.5);
    let s: String = rt.call_global("join", (vec!["a", "b", "c"], "-")).unwrap();
    assert_eq!(s, "a-b-c");
    // A result of the wrong type names the result.
    let err = rt.call_global::<_, bool>("add", (1, 2)).map(|_| ());
    assert!(err.is_ok(), "booleans take Lua truthiness");
    let err = rt.call_global::<_, Vec<i64>>("add", (1, 2)).unwrap_err();
    assert_eq!(err.message(), "result #1: table expected, got number");
}

#[test]
fn globals_tables_and_handles() {
    let mut rt = Runtime::new();
    rt.set_global("limit", 10).unwrap();
    rt.set_global("name", "ann").unwrap();
    let t: TableRef = rt.exec("return { x = 1, list = {1, 2, 3} }", "t").unwrap();
    rt.set(&t, "y", 2.5).unwrap();
    let x: i64 = rt.get(&t, "x").unwrap();
    let y: f64 = rt.get(&t, "y").unwrap();
    let list: Vec<i64> = rt.get(&t, "list").unwrap();
    assert_eq!((x, y, list), (1, 2.5, vec![1, 2, 3]));
    // The handle keeps the table alive across collections and calls.
    rt.collect_garbage();
    rt.set_global("t", &t).unwrap();
    let r: String = rt.exec("return name .. limit .. t.y", "g").unwrap();
    assert_eq!(r, "ann102.5");
    let err = rt.get::<_, i64>(&t, "list").unwrap_err();
    assert_eq!(err.message(), "field 'list': number expected, got table");
    // Many handles come and go without growing the registry without bound.
    for i in 0..10_000 {
        let v: LuaValue = rt.exec(format!("return {{ {i} }}"), "h").unwrap();
        assert!(matches!(v, LuaValue::Table(_)));
    }
}

#[test]
fn a_rust_closure_with_state_and_argument_errors() {
    let mut rt = Runtime::new();
    let total = Arc::new(AtomicI64::new(0));
    let seen = total.clone();
    rt.register("bump", move |n: i64| {
        Ok(seen.fetch_add(n, Ordering::SeqCst) + n)
    })
    .unwrap();
    rt.register("fail", |msg: String| -> Result<(), Error> {
        Err(Error::new(msg))
    })
    .unwrap();
    rt.register("sum", |Variadic(xs): Variadic<f64>| {
        Ok(xs.iter().sum::<f64>())
    })
    .unwrap();
    let r: i64 = rt.exec("bump(2); bump(3); return bump(5)", "c").unwrap();
    assert_eq!(r, 10);
    assert_eq!(total.load(Ordering::SeqCst), 10);
    let s: f64 = rt.exec("return sum(1, 2, 3.5)", "s").unwrap();
    assert_eq!(s, 6.5);
    // luaL-style argument errors.
    let (ok, msg): (bool, String) = rt.exec("return pcall(bump, 'x')", "c").unwrap();
    assert!(!ok);
    assert_eq!(
        msg,
        "bad argument #1 to 'bump' (number expected, got string)"
    );
    let (_, msg): (bool, String) = rt.exec("return pcall(bump)", "c").unwrap();
    assert_eq!(
        msg,
        "bad argument #1 to 'bump' (number expected, got no value)"
    );
    // A Rust error is a Lua error a script can catch, with the caller's position.
    let (ok, msg): (bool, String) = rt
        .exec("return pcall(function() fail('boom') end)", "chunk")
        .unwrap();
    assert!(!ok);
    assert_eq!(msg, "chunk:1: boom");
    // Uncaught, it reaches the host.
    let err = rt.exec::<()>("fail('again')", "chunk").unwrap_err();
    assert!(matches!(err, Error::Runtime { ref message, .. } if message == "chunk:1: again"));
}

#[test]
fn a_rust_closure_calls_back_into_lua() {
    let mut rt = Runtime::new();
    let apply = rt.create_function_with_ctx("apply", |ctx, (f, x): (Function, i64)| {
        let y: i64 = ctx.call_function(&f, x)?;
        Ok(y * 10)
    });
    rt.set_global("apply", apply).unwrap();
    let r: i64 = rt
        .exec("return apply(function(x) return x + 1 end, 4)", "cb")
        .unwrap();
    assert_eq!(r, 50);
}

struct Counter {
    count: i64,
    step: i64,
}

impl UserData for Counter {
    const TYPE_NAME: &'static str = "Counter";
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.method("inc", |c: &mut Counter, ()| {
            c.count += c.step;
            Ok(c.count)
        });
        m.method("add", |c: &mut Counter, n: i64| {
            c.count += n;
            Ok(c.count)
        });
        m.field("count", |c: &Counter| c.count);
        m.field_mut("step", |c: &mut Counter, s: i64| {
            c.step = s;
            Ok(())
        });
        m.meta_method("__tostring", |c: &mut Counter, ()| {
            Ok(format!("Counter({})", c.count))
        });
        m.meta_method("__len", |c: &mut Counter, ()| Ok(c.count));
    }
}

#[test]
fn userdata_methods_fields_and_metamethods() {
    let mut rt = Runtime::new();
    let c = rt.create_userdata(Counter { count: 0, step: 1 });
    rt.set_global("c", &c).unwrap();
    rt.register("new_counter", |start: i64| {
        Ok(NewUserData(Counter {
            count: start,
            step: 1,
        }))
    })
    .unwrap();
    let r: (i64, i64, i64, String, i64) = rt
        .exec(
            "c:inc(); c.step = 5; c:inc()
             local d = new_counter(100); d:add(1)
             return c.count, c:add(4), d.count, tostring(c), #c",
            "u",
        )
        .unwrap();
    assert_eq!(r, (6, 10, 101, "Counter(10)".to_string(), 10));
    // A Rust function taking the userdata as an argument.
    let reset = rt.create_function_with_ctx("reset", |ctx, ud: wayfinder_vm::AnyUserData| {
        ctx.with_userdata(&ud, |c: &mut Counter| std::mem::replace(&mut c.count, 0))
    });
    rt.set_global("reset", reset).unwrap();
    let r: (i64, i64) = rt
        .exec(
            "local before = reset(c) local n = c.count c:add(10) return before, n",
            "u",
        )
        .unwrap();
    assert_eq!(r, (10, 0));
    // The host sees the same value, borrowed mutably.
    let n = rt.with_userdata(&c, |c: &mut Counter| {
        c.count += 1;
        c.count
    });
    assert_eq!(n.unwrap(), 11);
    // Errors name the method and argument, and the type.
    let (_, msg): (bool, String) = rt
        .exec("return pcall(function() return c:add('x') end)", "u")
        .unwrap();
    assert_eq!(
        msg,
        "u:1: bad argument #1 to 'add' (number expected, got string)"
    );
    // Called through pcall, a function has no name (as in lua5.4).
    let (_, msg): (bool, String) = rt.exec("return pcall(c.add, c, 'x')", "u").unwrap();
    assert_eq!(msg, "bad argument #2 to '?' (number expected, got string)");
    let (_, msg): (bool, String) = rt
        .exec(
            "return pcall(function() local t = {add = c.add} return t:add(1) end)",
            "u",
        )
        .unwrap();
    assert_eq!(
        msg,
        "u:1: calling 'add' on bad self (Counter expected, got table)"
    );
    let (_, msg): (bool, String) = rt
        .exec("return pcall(function() c.nope = 1 end)", "u")
        .unwrap();
    assert_eq!(msg, "u:1: cannot set field 'nope' of Counter");
    // The shared metatable is protected.
    let r: (bool, bool) = rt
        .exec(
            "return getmetatable(c) == false, pcall(setmetatable, c, {})",
            "u",
        )
        .unwrap();
    assert_eq!(r, (true, false));
}

struct Guard(Arc<AtomicI64>);

impl UserData for Guard {
    const TYPE_NAME: &'static str = "Guard";
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.meta_method("__close", |g: &mut Guard, _: LuaValue| {
            g.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(100, Ordering::SeqCst);
    }
}

#[test]
fn userdata_close_and_drop() {
    let mut rt = Runtime::new();
    let hits = Arc::new(AtomicI64::new(0));
    let h = hits.clone();
    rt.register("guard", move |()| Ok(NewUserData(Guard(h.clone()))))
        .unwrap();
    rt.exec::<()>("do local g <close> = guard() end", "g")
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1, "__close ran");
    rt.collect_garbage();
    rt.collect_garbage();
    assert_eq!(hits.load(Ordering::SeqCst), 101, "Drop ran when collected");
}

#[test]
fn a_runaway_loop_is_stopped_by_the_instruction_budget() {
    let mut rt = Runtime::new();
    rt.set_limits(budget(100_000));
    let start = Instant::now();
    let err = rt.exec::<()>("while true do end", "loop").unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Instructions), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    // A script that catches the error and carries on is stopped at the next safe point.
    let err = rt
        .exec::<()>(
            "while true do pcall(function() while true do end end) end",
            "loop",
        )
        .unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Instructions));
    // Caught once, the limit error can be handled (cleanup) and the result returned.
    let (ok, msg): (bool, String) = rt
        .exec("return pcall(function() while true do end end)", "loop")
        .unwrap();
    assert!(!ok);
    assert_eq!(msg, "instruction limit exceeded");
    // A runaway callback inside a native (a sort comparator) is stopped too.
    let err = rt
        .exec::<()>(
            "table.sort({3, 2, 1}, function(a, b) while true do end end)",
            "sort",
        )
        .unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Instructions));
    // The runtime is usable afterwards, and the budget is per call.
    let r: i64 = rt
        .exec(
            "local n = 0 for i = 1, 1000 do n = n + i end return n",
            "ok",
        )
        .unwrap();
    assert_eq!(r, 500_500);
    // Not catchable when the host says so.
    rt.set_limits(Limits {
        catchable: false,
        ..budget(10_000)
    });
    let err = rt
        .exec::<()>("pcall(function() while true do end end) return 1", "loop")
        .unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Instructions));
}

#[test]
fn a_sorts_comparator_calls_count_against_the_instruction_budget() {
    // Each call of a loop-free comparator costs one unit, as a Lua call does: a sort of
    // 20,000 elements (about 300,000 comparisons) does not fit in 100,000 units.
    let mut rt = Runtime::new();
    rt.set_limits(budget(100_000));
    let script = "local t = {}
         for i = 1, 20000 do t[i] = (i * 7919) % 20000 end
         table.sort(t, function(a, b) return a < b end)
         return t[1]";
    let err = rt.exec::<i64>(script, "sort").unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Instructions), "{err:?}");
    // Without the limit the same script runs to its end.
    rt.set_limits(Limits::default());
    assert_eq!(rt.exec::<i64>(script, "sort").unwrap(), 0);
}

#[test]
fn a_watchdog_thread_interrupts_a_runaway_script() {
    let mut rt = Runtime::sandboxed();
    let handle = rt.interrupt_handle();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        handle.interrupt();
    });
    let start = Instant::now();
    let err = rt
        .exec::<()>(
            "local function spin() while true do end end
             while true do pcall(spin) end",
            "spin",
        )
        .unwrap_err();
    watchdog.join().unwrap();
    assert_eq!(err.limit(), Some(LimitKind::Interrupted), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    // The next call runs normally.
    let r: i64 = rt.exec("return 1 + 1", "ok").unwrap();
    assert_eq!(r, 2);
}

#[test]
fn a_time_limit_stops_a_script() {
    let mut rt = Runtime::new();
    rt.set_limits(Limits {
        max_time: Some(Duration::from_millis(100)),
        ..Limits::default()
    });
    let err = rt.exec::<()>("while true do end", "t").unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Time));
}

/// Suspended coroutines hold their stacks outside the GC heap's object count: a script
/// that parks deep coroutines is stopped by the memory limit after a few thousand of them
/// (each holds ~20 KiB here), not after the million that would fit if only their objects
/// were counted. Once they are dropped the runtime runs again.
#[test]
fn suspended_coroutine_stacks_count_against_the_memory_limit() {
    let mut rt = Runtime::sandboxed();
    rt.set_limits(Limits {
        max_memory: Some(32 << 20),
        ..Limits::default()
    });
    let (ok, msg, parked): (bool, String, i64) = rt
        .exec(
            "local function deep(n)
               if n == 0 then coroutine.yield() return 0 end
               local r = deep(n - 1)
               return r + 1
             end
             parked = {}
             local ok, msg = pcall(function()
               for i = 1, 1000000 do
                 local co = coroutine.create(deep)
                 local ok, err = coroutine.resume(co, 200)
                 if not ok then error(err, 0) end
                 parked[i] = co
               end
             end)
             local n = #parked
             parked = nil
             return ok, msg, n",
            "parked",
        )
        .unwrap();
    assert!(!ok, "the limit was never hit");
    assert_eq!(msg, "not enough memory");
    assert!(
        parked < 20_000,
        "{parked} coroutines parked under a 32 MiB limit"
    );
    let n: i64 = rt
        .exec("collectgarbage() return #string.rep('x', 1000)", "after")
        .unwrap();
    assert_eq!(n, 1000);
}

#[test]
fn a_memory_bomb_is_stopped_and_the_runtime_stays_usable() {
    let mut rt = Runtime::sandboxed();
    rt.set_limits(Limits {
        max_memory: Some(16 << 20),
        ..Limits::default()
    });
    let base = rt.memory_used();
    assert!(base < 4 << 20, "{base}");
    // Growing a table of strings.
    let err = rt
        .exec::<()>(
            "local t = {} local i = 0
             while true do i = i + 1 t[i] = ('x'):rep(100) .. i end",
            "bomb",
        )
        .unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Memory), "{err:?}");
    // One huge request, refused before it is made.
    let (ok, msg): (bool, String) = rt
        .exec("return pcall(string.rep, 'x', 1 << 30)", "rep")
        .unwrap();
    assert_eq!((ok, msg.as_str()), (false, "not enough memory"));
    let err = rt
        .exec::<()>(
            "local s = ('x'):rep(1 << 20) while true do s = s .. s end",
            "cat",
        )
        .unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Memory), "{err:?}");
    // The memory is given back and the runtime works.
    rt.collect_garbage();
    assert!(rt.memory_used() < 8 << 20, "{}", rt.memory_used());
    let r: String = rt.exec("return ('ab'):rep(3)", "ok").unwrap();
    assert_eq!(r, "ababab");
    // A script that catches the memory error and drops the garbage carries on.
    let r: String = rt
        .exec(
            "local ok, e = pcall(function()
               local t = {} for i = 1, 1e9 do t[i] = {} end
             end)
             collectgarbage()
             return e",
            "recover",
        )
        .unwrap();
    assert_eq!(r, "not enough memory");
}

#[test]
fn a_huge_request_without_a_limit_is_an_error_not_an_abort() {
    let mut rt = Runtime::new();
    let (ok, msg): (bool, String) = rt
        .exec(
            "return pcall(string.rep, 'x', (1 << 31) - 2, 'yyyyyyyyyyyyyyyy')",
            "big",
        )
        .unwrap();
    assert!(!ok);
    assert!(
        msg.contains("too large") || msg.contains("not enough memory"),
        "{msg}"
    );
}

#[test]
fn call_depth_and_string_length_limits() {
    let mut rt = Runtime::new();
    rt.set_limits(Limits {
        max_call_depth: Some(1000),
        max_string_len: Some(1 << 16),
        ..Limits::default()
    });
    let err = rt
        .exec::<()>(
            "local function f(n) if n == 0 then while true do end end return f(n - 1) + 1 end
             f(1e6)",
            "deep",
        )
        .unwrap_err();
    assert!(
        matches!(err.limit(), Some(LimitKind::CallDepth))
            || err.message().contains("stack overflow"),
        "{err:?}"
    );
    let (ok, msg): (bool, String) = rt
        .exec("return pcall(string.rep, 'x', 1 << 20)", "s")
        .unwrap();
    assert_eq!((ok, msg.as_str()), (false, "string length limit exceeded"));
}

#[test]
fn table_size_limit() {
    let mut rt = Runtime::new();
    rt.set_limits(Limits {
        max_table_len: Some(10_000),
        ..Limits::default()
    });
    // Small tables are fine; one that grows past the cap is stopped (catchably) at the next
    // safe point, and the runtime stays usable.
    let n: i64 = rt
        .exec(
            "local t = {} for i = 1, 5000 do t[i] = i end return #t",
            "small",
        )
        .unwrap();
    assert_eq!(n, 5000);
    let (ok, msg): (bool, String) = rt
        .exec(
            "return pcall(function() local t = {} for i = 1, 1e7 do t[i] = i end end)",
            "big",
        )
        .unwrap();
    assert!(!ok);
    assert!(msg.ends_with("table size limit exceeded"), "{msg}");
    let (ok, msg): (bool, String) = rt
        .exec(
            "return pcall(function() local t = {} for i = 1, 1e7 do t['k' .. i] = i end end)",
            "big hash",
        )
        .unwrap();
    assert!(!ok && msg.ends_with("table size limit exceeded"), "{msg}");
    let back: i64 = rt.exec("return 1 + 1", "after").unwrap();
    assert_eq!(back, 2);
}

#[test]
fn the_sandbox_has_no_io_exit_or_binary_chunks() {
    let mut rt = Runtime::sandboxed();
    let r: (String, String, String, String, String) = rt
        .exec(
            "return type(io), type(os.exit), type(os.execute), type(require), type(dofile)",
            "s",
        )
        .unwrap();
    assert_eq!(
        r,
        (
            "nil".into(),
            "nil".into(),
            "nil".into(),
            "nil".into(),
            "nil".into()
        )
    );
    let r: (String, String, String) = rt
        .exec(
            "return type(os.time), type(os.clock), type(debug.traceback)",
            "s",
        )
        .unwrap();
    assert_eq!(r, ("function".into(), "function".into(), "function".into()));
    let r: (Option<String>, Option<String>) =
        rt.exec("return string.dump, debug.getinfo", "s").unwrap();
    assert_eq!(r, (None, None));
    let (f, msg): (Option<Function>, String) =
        rt.exec("return load('\\27Lua', 'x', 'b')", "s").unwrap();
    assert!(f.is_none());
    assert!(msg.contains("binary"), "{msg}");
    let (f, msg): (Option<Function>, String) = rt.exec("return load('\\27Lua')", "s").unwrap();
    assert!(f.is_none());
    assert!(msg.contains("attempt to load a binary chunk"), "{msg}");
    // Text chunks load.
    let r: i64 = rt.exec("return load('return 1 + 2')()", "s").unwrap();
    assert_eq!(r, 3);
    // The library sets one by one.
    let mut rt = Runtime::with_libs(StdLib::BASE | StdLib::MATH);
    let r: (String, String, String) = rt
        .exec("return type(math.floor), type(string), type(loadfile)", "s")
        .unwrap();
    assert_eq!(r, ("function".into(), "nil".into(), "nil".into()));
    let mut rt = Runtime::with_libs(StdLib::NONE);
    let err = rt.exec::<()>("print(1)", "s").unwrap_err();
    assert!(err.message().contains("global 'print'"), "{err}");
}

#[test]
fn one_script_cannot_change_another_scripts_view_of_the_libraries() {
    let mut rt = Runtime::sandboxed();
    let a = rt.new_env();
    let b = rt.new_env();
    let evil = rt
        .load_in(
            "local results = {}
             results[1] = pcall(function() string.upper = function() return 'pwned' end end)
             results[2] = pcall(function() _G.print = nil end)
             results[3] = pcall(function() getmetatable('').__index = {} end)
             results[4] = pcall(function() load('x = 1')() end)
             results[5] = pcall(rawset, _G, 'tostring', nil)
             results[6] = pcall(function() table.insert = nil end)
             string = { upper = function() return 'shadowed' end }
             return results[1], results[2], results[3], results[4], results[6]",
            "evil",
            &a,
        )
        .unwrap();
    let r: (bool, bool, bool, bool, bool) = rt.call(&evil, ()).unwrap();
    // Every write to shared state fails; `_G.print = nil` changes only the evil script's
    // own environment (`_G` is its environment).
    assert_eq!(r, (false, true, false, false, false));
    let good = rt
        .load_in(
            "return string.upper('ok'), type(print), type(tostring), x, type(table.insert)",
            "good",
            &b,
        )
        .unwrap();
    let r: (String, String, String, Option<i64>, String) = rt.call(&good, ()).unwrap();
    assert_eq!(
        r,
        (
            "OK".into(),
            "function".into(),
            "function".into(),
            None,
            "function".into()
        )
    );
    // Methods on strings still work through the protected metatable.
    let r: String = rt
        .load_in("return ('abc'):upper()", "m", &b)
        .and_then(|f| rt.call(&f, ()))
        .unwrap();
    assert_eq!(r, "ABC");
    // Host functions are shared by every script.
    rt.register("host_add", |(a, b): (i64, i64)| Ok(a + b))
        .unwrap();
    let f = rt.load_in("return host_add(1, 2)", "h", &b).unwrap();
    let r: i64 = rt.call(&f, ()).unwrap();
    assert_eq!(r, 3);
}

#[test]
fn the_runtime_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Runtime>();
    assert_send::<Function>();
    let mut rt = Runtime::sandboxed();
    rt.exec::<()>("counter = 41", "init").unwrap();
    let rt = std::thread::spawn(move || {
        let mut rt = rt;
        let n: i64 = rt
            .exec("counter = counter + 1 return counter", "w")
            .unwrap();
        assert_eq!(n, 42);
        rt
    })
    .join()
    .unwrap();
    let mut rt = rt;
    let n: i64 = rt.global("counter").unwrap();
    assert_eq!(n, 42);
}

#[test]
fn syntax_errors_are_reported() {
    let mut rt = Runtime::new();
    let err = rt.load("x = = 1", "bad").unwrap_err();
    assert!(
        matches!(err, Error::Syntax(ref m) if m.contains("bad:1:")),
        "{err:?}"
    );
}

#[test]
fn a_budget_spent_by_one_call_does_not_leak_into_the_next_or_into_nested_calls() {
    let mut rt = Runtime::new();
    rt.set_limits(budget(50_000));
    let err = rt.exec::<()>("while true do end", "loop").unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Instructions));
    // A Rust-driven nested call outside any run (what a reload does) starts afresh.
    let sorted: Vec<i64> = rt
        .exec(
            "local t = {3, 1, 2} table.sort(t, function(a, b) return a < b end) return t",
            "s",
        )
        .unwrap();
    assert_eq!(sorted, vec![1, 2, 3]);
}

#[test]
fn memory_accounting_does_not_drift_over_many_calls() {
    let mut rt = Runtime::new();
    rt.set_limits(Limits {
        max_memory: Some(8 << 20),
        ..Limits::default()
    });
    rt.collect_garbage();
    let base = rt.memory_used();
    // Each call builds about 2 MB of tables and strings and drops them: 100 calls allocate
    // 200 MB in all, far past the limit, and never hold more than the limit.
    for i in 0..100 {
        let n: i64 = rt
            .exec(
                format!(
                    "local t = {{}} for i = 1, 10000 do t[i] = {{ ('y'):rep(100) .. i, i }} end
                     local s = table.concat({{ 'a', 'b', '{i}' }}) return #t"
                ),
                "churn",
            )
            .unwrap();
        assert_eq!(n, 10_000);
    }
    rt.collect_garbage();
    let after = rt.memory_used();
    assert!(after < base + (256 << 10), "{base} -> {after}");
}

#[test]
fn reading_a_file_larger_than_the_memory_limit_is_not_enough_memory() {
    let path = std::env::temp_dir().join(format!("wayfinder-embed-big-{}", std::process::id()));
    std::fs::write(&path, vec![b'x'; 4 << 20]).unwrap();
    let mut rt = Runtime::new();
    rt.set_limits(Limits {
        max_memory: Some(2 << 20),
        ..Limits::default()
    });
    rt.set_global("path", path.display().to_string()).unwrap();
    let r: (bool, String) = rt
        .exec(
            "local f = io.open(path) local ok, e = pcall(f.read, f, 'a') f:close() return ok, e",
            "read",
        )
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(r, (false, "not enough memory".to_string()));
}

#[test]
fn a_deep_recursion_counts_against_the_memory_limit() {
    let mut rt = Runtime::new();
    rt.set_limits(Limits {
        max_memory: Some(4 << 20),
        max_time: Some(Duration::from_secs(10)),
        ..Limits::default()
    });
    let err = rt
        .exec::<()>(
            "local function deep(n) if n == 0 then while true do end end
               return deep(n - 1) + 1 end
             deep(200000)",
            "stack",
        )
        .unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Memory), "{err:?}");
    let r: i64 = rt.exec("return 1", "ok").unwrap();
    assert_eq!(r, 1);
}

struct Finalized(Arc<AtomicI64>);

impl UserData for Finalized {
    const TYPE_NAME: &'static str = "Finalized";
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.meta_method("__gc", |f: &mut Finalized, ()| {
            f.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
    }
}

impl Drop for Finalized {
    fn drop(&mut self) {
        self.0.fetch_add(100, Ordering::SeqCst);
    }
}

#[test]
fn userdata_gc_meta_method_runs_once_before_drop_and_at_close() {
    let mut rt = Runtime::new();
    let hits = Arc::new(AtomicI64::new(0));
    let h = hits.clone();
    rt.register("finalized", move |()| Ok(NewUserData(Finalized(h.clone()))))
        .unwrap();
    rt.exec::<()>("do local f = finalized() end", "f").unwrap();
    rt.collect_garbage();
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "__gc ran, the value survived it"
    );
    rt.collect_garbage();
    assert_eq!(
        hits.load(Ordering::SeqCst),
        101,
        "then it was dropped, __gc once"
    );
    // A Lua table's finalizer runs from collect_garbage too; one still alive at close.
    rt.exec::<()>(
        "log = {}
         setmetatable({}, {__gc = function() log[#log + 1] = 'garbage' end})
         keep = finalized()",
        "g",
    )
    .unwrap();
    rt.collect_garbage();
    let n: i64 = rt.exec("return #log", "n").unwrap();
    assert_eq!(n, 1);
    rt.close();
    assert_eq!(
        hits.load(Ordering::SeqCst),
        102,
        "the live one was finalized at close"
    );
}

#[test]
fn a_run_stopped_inside_a_module_load_keeps_nothing_of_the_load() {
    // A limit that stops the run (not catchable) while `require` runs a loader: the pending
    // load (with its snapshot of the globals, here holding a 16 MB string the loader drops)
    // goes with the run, and later requires are recorded as usual.
    let mut rt = Runtime::new();
    rt.exec::<()>(
        "big = string.rep('x', 1 << 24)
         package.preload.spin = function() big = nil while true do end end
         package.preload.fine = function() return 'fine' end",
        "setup",
    )
    .unwrap();
    rt.set_limits(Limits {
        catchable: false,
        ..budget(100_000)
    });
    let err = rt.exec::<()>("require('spin')", "stopped").unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Instructions));
    rt.set_limits(Limits::default());
    let kb: f64 = rt
        .exec(
            "collectgarbage() collectgarbage() return collectgarbage('count')",
            "count",
        )
        .unwrap();
    assert!(kb < 4096.0, "the stopped load kept {kb} KB alive");
    let (v, yieldable): (String, bool) = rt
        .exec("return require('fine'), coroutine.wrap(function() return coroutine.isyieldable() end)()", "after")
        .unwrap();
    assert_eq!((v.as_str(), yieldable), ("fine", true));
}

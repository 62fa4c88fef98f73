//! The runtime: arena, executor, and the embedding API.

pub mod callsite;
pub mod ctx;
pub mod env;
pub mod error;
pub mod exec;
pub(crate) mod hook;
pub mod load;
pub mod ops;
pub mod safepoint;
pub mod state;

use std::path::Path;

use gc_arena::{Arena, Mutation, Rootable};

pub use env::LuaEnv;
pub use error::RuntimeError;
pub use load::LoadError;
pub use safepoint::{Inbox, Job};

use crate::function::{new_cell, new_closure, Proto};
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::{Ret, RetKind};
use crate::value::Value;
use exec::DriveEnd;
use state::{GcRequest, State};

/// Instructions (counted at calls and backward jumps) between safe points, at most: the
/// runtime shortens slices that allocate (see [`SLICE_ALLOCATION`]).
pub const DEFAULT_FUEL: i64 = 20_000;

/// About how much a slice may allocate (gc-arena objects, plus table parts and long strings
/// in 64-byte units) before the next safe point. The collector runs only at safe points, so
/// at a fixed 20,000 fuel a loop making a short string or a table per iteration piled up
/// 20,000 objects between two chances to collect, where lua5.4's heap grows by a few
/// kilobytes (lua-tests/bench/strings.lua peaked at 2.0x lua5.4's memory; 1.5x now). Each
/// slice's allocation rate sizes the next one, from [`MIN_SLICE_FUEL`] to the runtime's
/// fuel; slices that allocate little stay long, because a safe point is not free (fixed
/// slices of 2,000 made the suite's loops ~2% slower).
const SLICE_ALLOCATION: usize = 512;

/// The shortest slice the allocation rate makes: a safe point costs under a microsecond,
/// but per slice of a few microseconds that would be several percent.
const MIN_SLICE_FUEL: i64 = 2_000;

/// A Lua state with its own heap. Code runs in fuel-sized slices; between slices the
/// runtime collects garbage (and, later, services reload and debugger commands).
pub struct Runtime {
    pub(crate) arena: Arena<Rootable![State<'_>]>,
    pub(crate) fuel: i64,
    /// The next slice's fuel: at most `fuel`, shorter after slices that allocated much.
    slice_fuel: i64,
    /// The memory account of this runtime's heap (`crate::limits`); boxed so its address
    /// stays put while it is the thread's current account.
    pub(crate) account: Box<crate::limits::Account>,
    /// The largest heap seen between two slices, in gc-arena units (see `cycle_ended`).
    heap_peak: f64,
}

// SAFETY: a `Runtime` owns everything it reaches. The arena is `!Send` only because of
// thread-unsafe pieces that never leave it: gc-arena's `Metrics` (an `Rc` the runtime never
// clones out) and its raw object pointers, which only this arena follows. The values in the
// heap hold no `Rc` or thread-bound data shared with anything outside: compiled code is
// shared with `Arc` (`Proto::load` copies a caller's `Rc` top level), host closures and
// userdata payloads are `Send` by their types, and `io` file handles are `Arc`s. No API hands
// out a `Gc` pointer or anything else that aliases the heap outside a `mutate` call (whose
// `'gc` brand keeps it inside), and the memory account's thread-local pointer is set only
// while a method of this runtime runs. Moving the whole `Runtime` to another thread therefore
// moves every reference to its data with it. It is not `Sync`: every use needs `&mut`, or
// interior mutability that is not thread-safe.
unsafe impl Send for Runtime {}

/// How a call into the runtime ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The call finished; its results rendered with `tostring`.
    Finished(Vec<String>),
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::new()
    }
}

impl Runtime {
    /// A runtime with the whole standard library.
    pub fn new() -> Runtime {
        Runtime::build(crate::stdlib::open_all)
    }

    /// A runtime whose libraries `open` installs.
    pub(crate) fn build(open: impl for<'gc> FnOnce(&'gc Mutation<'gc>, &State<'gc>)) -> Runtime {
        let account: Box<crate::limits::Account> = Box::default();
        let arena = {
            let _account = crate::limits::enter(&account);
            Arena::<Rootable![State<'_>]>::new(|mc| {
                let state = State::new(mc);
                open(mc, &state);
                state
            })
        };
        arena
            .metrics()
            .set_pacing(state::GcControl::default().pacing());
        Runtime {
            arena,
            fuel: DEFAULT_FUEL,
            // Short until the first slice has shown its allocation rate: a full first
            // slice let a program that allocates at once pile up ~10,000 objects before the
            // first collection (conformance/gc_first_slice.lua).
            slice_fuel: MIN_SLICE_FUEL,
            account,
            heap_peak: 0.0,
        }
    }

    /// Make this runtime's memory account the thread's current one (`crate::limits`)
    /// until the guard drops.
    pub(crate) fn enter(&self) -> crate::limits::EnterGuard<'static> {
        // SAFETY: the account is boxed and lives as long as the runtime; every caller
        // drops the guard before the method that took it returns.
        unsafe { crate::limits::enter_ptr(&*self.account) }
    }

    /// Instructions per slice between safe points (at most: see [`SLICE_ALLOCATION`]).
    pub fn set_fuel(&mut self, fuel: i64) {
        self.fuel = fuel.max(1);
    }

    /// What the heap holds, in gc-arena's units: its objects, and table parts and long
    /// strings counted by size (`limits::OBJECT_BYTES` a unit). Between two safe points it
    /// only grows (the collector frees at safe points).
    fn heap_units(&self) -> usize {
        self.arena.metrics().total_gc_count()
            + crate::limits::charged_bytes() / crate::limits::OBJECT_BYTES
    }

    /// Size the next slice from the allocation rate of the one that just spent `spent`
    /// fuel: about `SLICE_ALLOCATION` units, between `MIN_SLICE_FUEL` and the full fuel.
    fn size_next_slice(&mut self, units_before: usize, spent: u64) {
        let allocated = self.heap_units().saturating_sub(units_before).max(1) as u64;
        let fit = spent.saturating_mul(SLICE_ALLOCATION as u64) / allocated;
        self.slice_fuel = (fit.min(DEFAULT_FUEL as u64) as i64).max(MIN_SLICE_FUEL);
    }

    /// Record the running script's directory (first on `package.path`).
    pub fn set_script_dir(&mut self, dir: &Path) {
        self.arena.mutate(|mc, state| {
            state.host.borrow_mut().script_dir = Some(dir.to_path_buf());
            crate::stdlib::package::set_script_dir(mc, state, dir);
        });
    }

    /// Set the global `arg` table as `lua script args` does: `arg[0]` is the script,
    /// `arg[-1]` the interpreter.
    pub fn set_arg_table(&mut self, interpreter: &str, script: &str, args: &[String]) {
        let mut all = vec![interpreter.to_string(), script.to_string()];
        all.extend_from_slice(args);
        self.set_arg_list(&all, 1);
    }

    /// Set the global `arg` table from a whole command line as `lua` does: `arg[i - zero]`
    /// is `argv[i]`, so the script (at `zero`) is `arg[0]`, the interpreter and options
    /// before it have negative indices and the script's arguments positive ones.
    pub fn set_arg_list(&mut self, argv: &[String], zero: usize) {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let t = Table::new(mc);
            for (i, a) in argv.iter().enumerate() {
                t.set_int_internal(
                    mc,
                    i as i64 - zero as i64,
                    Value::String(LuaString::new(mc, a.as_bytes())),
                );
            }
            let key = Value::String(LuaString::new(mc, b"arg"));
            let _ = state.globals.set(mc, key, Value::Table(t));
        });
    }

    /// `lua -E`: `package.path` is the default, whatever `LUA_PATH_5_4`/`LUA_PATH` say (the
    /// host reads `LUA_INIT` itself, so it skips that too).
    pub fn ignore_env_paths(&mut self) {
        self.arena.mutate(crate::stdlib::package::ignore_env);
    }

    /// Turn warnings (`warn`) on or off, as `warn("@on")`/`warn("@off")` or `lua -W`.
    pub fn set_warnings(&mut self, on: bool) {
        self.arena
            .mutate(|_, state| state.host.borrow_mut().warnings_on = on);
    }

    /// Compile and run a chunk with `args` as its `...`, to completion.
    pub fn run_chunk(
        &mut self,
        source: &[u8],
        chunk_name: &str,
        args: &[String],
    ) -> Result<Outcome, RunError> {
        self.run_entry(source, chunk_name, args, None)
    }

    /// `run_chunk`; with `entry = Some((module, file))` the chunk is recorded as the entry
    /// script's module (`main` for `main.lua`), whose functions hot reload can rebind.
    fn run_entry(
        &mut self,
        source: &[u8],
        chunk_name: &str,
        args: &[String],
        entry: Option<(String, String)>,
    ) -> Result<Outcome, RunError> {
        let proto = load::compile_chunk(source, chunk_name).map_err(RunError::Load)?;
        let source_hash = crate::modules::source_hash(source);
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let proto = Proto::load(mc, state.strings, proto);
            if let Some((name, file)) = entry {
                let recorded = crate::modules::record_load(
                    mc,
                    state,
                    crate::modules::Loaded {
                        name,
                        file: Some(file),
                        source_hash,
                        root: proto,
                        value: Value::Nil,
                        deps: Vec::new(),
                        globals: Vec::new(),
                        is_main: true,
                    },
                );
                // The main chunk's record holds no table to copy: a refusal here is the
                // process out of memory, as for any small Rust allocation.
                if recorded.is_err() {
                    std::alloc::handle_alloc_error(std::alloc::Layout::new::<Value<'_>>());
                }
            }
            let env = crate::stdlib::sandbox::default_env(mc, state);
            let env = new_cell(mc, Value::Table(env));
            let main = new_closure(mc, proto, vec![env].into_boxed_slice());
            let mut th = state.main_thread.gc().borrow_mut(mc);
            th.stack.clear();
            th.frames.clear();
            th.stack.push(Value::Function(main));
            for a in args {
                th.stack
                    .push(Value::String(LuaString::new(mc, a.as_bytes())));
            }
            th.pending = None;
        });
        self.drive_main(args.len())
    }

    /// Run a Lua file as `lua file args` does.
    pub fn run_file(&mut self, path: &Path, args: &[String]) -> Result<Outcome, RunError> {
        let source = std::fs::read(path).map_err(|e| {
            RunError::Load(LoadError::Io(format!(
                "cannot open {}: {}",
                path.display(),
                io_reason(&e)
            )))
        })?;
        self.run_file_source(path, load::file_source(source), args)
    }

    /// [`Runtime::run_file`] of a source already read from `path` (without its shebang
    /// line: `load::file_source`), for a host that read it once to check it: a script
    /// from a pipe (`/dev/stdin`) cannot be read twice.
    pub fn run_file_source(
        &mut self,
        path: &Path,
        source: Vec<u8>,
        args: &[String],
    ) -> Result<Outcome, RunError> {
        let name = format!("@{}", path.display());
        let module = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "main".into());
        let file = path.display().to_string();
        self.run_entry(&source, &name, args, Some((module, file)))
    }

    fn drive_main(&mut self, nargs: usize) -> Result<Outcome, RunError> {
        self.drive_main_with(nargs, |_, state, values| {
            values
                .iter()
                .map(|v| exec::tostring_primitive(state, *v))
                .collect()
        })
        .map(Outcome::Finished)
    }

    /// Run the call set up on the main thread's stack (function at slot 0, `nargs`
    /// arguments after it) to completion, in slices, with the limits checked between them;
    /// `finish` turns the results into the host's form while they are still on the heap.
    pub(crate) fn drive_main_with<T>(
        &mut self,
        nargs: usize,
        finish: impl for<'gc> Fn(&'gc Mutation<'gc>, &'gc State<'gc>, &[Value<'gc>]) -> T,
    ) -> Result<T, RunError> {
        let _account = self.enter();
        self.arena
            .mutate(|_, state| state.host.borrow_mut().limits.begin());
        let result = self.drive_slices(nargs, finish);
        // Lua run between host calls (a reload's chunk) starts with a fresh budget.
        self.arena
            .mutate(|_, state| state.host.borrow_mut().limits.end());
        result
    }

    fn drive_slices<T>(
        &mut self,
        nargs: usize,
        finish: impl for<'gc> Fn(&'gc Mutation<'gc>, &'gc State<'gc>, &[Value<'gc>]) -> T,
    ) -> Result<T, RunError> {
        // First slice: set up the call.
        let mut started = false;
        loop {
            let units_before = self.heap_units();
            let fuel = self.slice_fuel.min(self.fuel);
            let end = self.arena.mutate(|mc, state| {
                let main = state.main_thread;
                let mut th = main.gc().borrow_mut(mc);
                let slice = state.host.borrow().limits.slice_fuel(fuel);
                let mut fuel = slice;
                let first = if !started {
                    let ret = Ret {
                        func_slot: 0,
                        nresults: -1,
                        kind: RetKind::Normal,
                    };
                    match exec::setup_call(mc, state, main, &mut th, 0, nargs, ret, false) {
                        Ok(ev) => ev,
                        Err(e) => match exec::unwind(mc, state, main, &mut th, e) {
                            Ok(ev) => ev,
                            Err(e) => return Err(render_error(mc, state, main, &mut th, e)),
                        },
                    }
                } else {
                    None
                };
                match exec::drive(mc, state, main, &mut th, &mut fuel, first) {
                    Ok(DriveEnd::OutOfFuel) => Ok(Err((slice - fuel).max(0) as u64)),
                    Ok(DriveEnd::Finished) => {
                        let top = th.top.min(th.stack.len());
                        let results = th.stack[..top].to_vec();
                        th.stack.clear();
                        drop(th);
                        Ok(Ok(finish(mc, state, &results)))
                    }
                    Ok(DriveEnd::Boundary) => {
                        drop(th);
                        Ok(Ok(finish(mc, state, &[])))
                    }
                    Err(e) => Err(render_error(mc, state, main, &mut th, e)),
                }
            });
            started = true;
            let end = match end {
                Ok(Err(spent)) => {
                    self.size_next_slice(units_before, spent);
                    self.collect_between_slices();
                    self.run_finalizers();
                    self.run_safe_point_jobs();
                    match self.limits_at_safe_point(spent) {
                        None => continue,
                        Some(e) => Err(e),
                    }
                }
                other => other.map(|r| r.map_err(|_| unreachable!())),
            };
            match end {
                Ok(Ok(results)) => return Ok(results),
                Ok(Err(())) => unreachable!(),
                Err(e) => {
                    self.arena.mutate(|mc, state| {
                        let mut th = state.main_thread.gc().borrow_mut(mc);
                        th.stack.clear();
                        th.frames.clear();
                        th.cells.clear();
                        th.tbc.clear();
                        th.pending = None;
                        // Modules `require` was loading when the run stopped (no unwinding
                        // abandoned them).
                        th.loads.clear();
                        th.boundaries = 0;
                        state.modules.borrow_mut(mc).loading.clear();
                        let mut chain = state.chain.borrow_mut(mc);
                        chain.truncate(1);
                        state.host.borrow_mut().limits.stopping = false;
                    });
                    return Err(RunError::Runtime(e));
                }
            }
        }
    }

    /// The limits' check at a safe point (`crate::limits`): `None` to carry on (perhaps
    /// with an error raised in the running code), or the error that stops the run.
    fn limits_at_safe_point(&mut self, spent: u64) -> Option<RuntimeError> {
        fn over_memory<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) -> bool {
            let host = state.host.borrow();
            let l = &host.limits;
            l.active()
                && l.limits.max_memory.is_some_and(|max| {
                    crate::limits::heap_bytes(mc) + exec::stack_bytes(mc, state, None) > max
                })
        }
        let active = self
            .arena
            .mutate(|_, state| state.host.borrow().limits.active());
        if !active {
            return None;
        }
        // Over the memory limit: first collect whatever is garbage.
        if self.arena.mutate(over_memory) {
            self.full_collection();
        }
        self.arena.mutate(|mc, state| {
            let main = state.main_thread;
            let mut th = main.gc().borrow_mut(mc);
            match exec::check_limits(mc, state, &th, spent) {
                crate::limits::Verdict::Continue => None,
                crate::limits::Verdict::Raise(kind) => {
                    exec::raise_in_running_thread(mc, state, main, &mut th, kind);
                    None
                }
                crate::limits::Verdict::Stop(kind) => {
                    let running = *state.chain.borrow().last().expect("chain is never empty");
                    let traceback = if running.ptr_eq(main) {
                        error::traceback(&th, None)
                    } else {
                        running
                            .gc()
                            .try_borrow()
                            .map(|t| error::traceback(&t, None))
                            .unwrap_or_default()
                    };
                    Some(RuntimeError {
                        message: kind.message().to_string(),
                        traceback: Some(traceback),
                    })
                }
            }
        })
    }

    /// Garbage collection between two slices of execution: a full cycle if the script asked
    /// for one, otherwise the collector's paced work unless the script stopped it.
    fn collect_between_slices(&mut self) {
        // The heap this slice left, for `cycle_ended`'s peak (in the debt's units, as
        // `limits::heap_bytes` counts it).
        let heap = self.arena.metrics().total_gc_count() as f64
            + crate::limits::charged_bytes() as f64 / crate::limits::OBJECT_BYTES as f64;
        self.heap_peak = self.heap_peak.max(heap);
        let (request, running) = self.arena.mutate(|mc, state| {
            exec::clear_dead_registers(mc, state);
            let mut host = state.host.borrow_mut();
            let request = std::mem::replace(&mut host.gc.request, GcRequest::None);
            (request, host.gc.running)
        });
        let asleep_before =
            self.arena.collection_phase() == gc_arena::arena::CollectionPhase::Sleeping;
        match request {
            GcRequest::Full | GcRequest::Step { placed: false, .. } => self.full_collection(),
            GcRequest::Step {
                kb,
                slot,
                placed: true,
            } => {
                let finished = self.step_collection(kb);
                // The step's result, provisionally true, is in the caller's registers.
                self.arena.mutate(|mc, state| {
                    let running = *state.chain.borrow().last().expect("chain is never empty");
                    let mut th = running.gc().borrow_mut(mc);
                    if let Some(v) = th.stack.get_mut(slot) {
                        *v = Value::Boolean(finished);
                    }
                });
            }
            GcRequest::None if running => self.paced_collection(),
            GcRequest::None => {}
        }
        if !asleep_before
            && self.arena.collection_phase() == gc_arena::arena::CollectionPhase::Sleeping
        {
            self.cycle_ended();
        }
    }

    /// After a collection cycle: closure lists may drop their dead entries, and the next
    /// cycle waits for the heap to grow in bytes, as lua5.4's pause does. gc-arena sets the
    /// wait from the objects that survived, counted one each, but the debt counts a table's
    /// parts and long strings by their size (`table::charge_growth`, `LuaString::charge`);
    /// so the surviving parts and strings are credited in the same units (their bytes over
    /// `OBJECT_BYTES`; short strings' bytes are credited but not charged, a small
    /// overestimate). Without this, a program whose live heap is mostly tables with many
    /// fields ran a cycle far more often than lua5.4: teal's compiler ran 74 full cycles
    /// where lua5.4 in incremental mode runs 23, and spent half its time collecting. Big
    /// tables are credited at a smaller factor (`GcControl::big_table_sleep_factor`).
    ///
    /// In generational mode (the default) the next cycle also waits until the heap is half
    /// the largest one seen between two slices (once that was 4 MiB or more): memory the
    /// heap has held once is in the process already, and using it again before collecting
    /// adds little to the peak, while each cycle traces the whole live heap. After a
    /// transient peak (a big structure built and dropped) the cycles stay far apart
    /// instead of coming at every growth by half of what is left: `binary_trees`, which
    /// builds its biggest tree first and then keeps a tree of half that size alive, ran
    /// 166 cycles, each tracing the long-lived tree. In incremental mode the pause the
    /// script set is followed as it is.
    fn cycle_ended(&mut self) {
        /// The share of the largest heap the next cycle waits for (see above).
        const PEAK_REUSE: f64 = 0.5;
        /// The smallest such heap, in gc-arena units (4 MiB at `OBJECT_BYTES` each).
        const PEAK_REUSE_MIN: f64 = 65536.0;
        crate::function::note_collection_cycle();
        let heap_peak = self.heap_peak;
        self.arena.mutate(|mc, state| {
            let (sleep, big_sleep, generational) = {
                let gc = &state.host.borrow().gc;
                (
                    gc.pacing().sleep_factor,
                    gc.big_table_sleep_factor(),
                    gc.mode == state::GcMode::Generational,
                )
            };
            let charged = crate::limits::charged_bytes();
            let big = crate::limits::charged_big_bytes().min(charged);
            let credit = (charged - big) as f64 * sleep + big as f64 * big_sleep;
            let unit = crate::limits::OBJECT_BYTES as f64;
            let metrics = mc.metrics();
            metrics.adjust_debt(-credit / unit);
            if !generational {
                return;
            }
            // The heap the next cycle starts at, in the debt's units: the surviving
            // objects (gc-arena waits for `sleep` times them, at least its `min_sleep`) and
            // the charged bytes of table parts and long strings, and what they wait for.
            let objects = metrics.total_gc_count() as f64;
            let live = objects + charged as f64 / unit;
            let wait = (objects * sleep).max(state::MIN_SLEEP as f64) + credit / unit;
            let next = live + wait;
            // Half the peak: the units are not bytes (a short string counts as much as a
            // table), so a heap of other objects may weigh more at the same count (teal's
            // compiler over three sources peaked 2% higher at three quarters, 0.3% at
            // half). Small heaps keep the plain pacing: their cycles are cheap, and the
            // memory held for reuse would be a visible share of a small process.
            let target = heap_peak * PEAK_REUSE;
            if heap_peak >= PEAK_REUSE_MIN && next < target {
                metrics.adjust_debt(next - target);
            }
        });
    }

    /// `collectgarbage("step", kb)` in incremental mode: as lua5.4, the step's work is what
    /// `kb` kilobytes of allocation would ask for (a basic step, 0, counts as 8), whatever
    /// debt the collector had (so a step works while the collector is stopped, and the
    /// steps of a stopped collector do not pay for everything allocated meanwhile); the
    /// work goes up with the step multiplier. gc-arena counts work in objects; a kilobyte
    /// is 16 of them (the account's 64 bytes per object). Returns whether the step finished
    /// a cycle.
    fn step_collection(&mut self, kb: i64) -> bool {
        use gc_arena::arena::CollectionPhase;
        let (kb, step_mul) = self
            .arena
            .mutate(|_, state| (kb, state.host.borrow().gc.step_mul));
        let kb = if kb <= 0 { 8.0 } else { kb as f64 };
        let work = kb * 16.0 * step_mul.max(1) as f64 / 100.0;
        // Set the debt to `work`: allocation_debt() is clamped at zero, so read the
        // (possibly negative) debt with a large probe added.
        let metrics = self.arena.metrics();
        const PROBE: f64 = 1e15;
        metrics.adjust_debt(PROBE);
        let debt = metrics.allocation_debt() - PROBE;
        metrics.adjust_debt(work - debt - PROBE);
        if self.needs_finalization_step()
            && self.arena.collection_phase() != CollectionPhase::Sweeping
        {
            if self.arena.mark_debt().is_none() {
                return false; // still marking
            }
            self.sweep_when_marked();
        }
        // `cycle_debt` returns at the end of the cycle, asleep.
        self.arena.cycle_debt();
        self.arena.collection_phase() == CollectionPhase::Sleeping
    }

    /// The collector's paced work. Every path to sweeping goes through `sweep_when_marked`,
    /// which clears weak tables first (their dead entries must not outlive the sweep).
    fn paced_collection(&mut self) {
        if self.arena.metrics().allocation_debt() > 0.0
            && self.arena.collection_phase() == gc_arena::arena::CollectionPhase::Sleeping
        {
            self.forget_cached_strings();
        }
        let generational = self
            .arena
            .mutate(|_, state| state.host.borrow().gc.mode == state::GcMode::Generational);
        if generational {
            // Atomic cycles, as lua5.4's collections are in generational mode: a cycle
            // starts once the debt is positive (the heap has grown by the major multiplier)
            // and runs to its end before the program goes on.
            if self.arena.metrics().allocation_debt() > 0.0 {
                let asleep =
                    self.arena.collection_phase() == gc_arena::arena::CollectionPhase::Sleeping;
                self.finish_paced_cycle();
                // A cycle from sleeping to sleeping: the caller sees no phase change.
                if asleep {
                    self.cycle_ended();
                }
            }
            return;
        }
        if !self.needs_finalization_step() {
            // Nothing needs the pause between marking and sweeping: gc-arena's own pacing
            // (measured faster on allocation-heavy programs than the split calls below).
            self.arena.collect_debt();
            return;
        }
        if self.arena.collection_phase() != gc_arena::arena::CollectionPhase::Sweeping {
            if self.arena.mark_debt().is_none() {
                return; // still marking (debt paid), or sleeping
            }
            self.sweep_when_marked();
        }
        // Sweep as far as the debt allows; stop at the end of the cycle, so the next cycle
        // starts in `mark_debt` above.
        self.arena.cycle_debt();
    }

    /// As a cycle begins, drop from the cache of recent short strings
    /// (`State::string_cache`) those no lookup found since the last cycle: most of its
    /// 1,024 strings are garbage by then (a loop's temporaries), which it would otherwise
    /// keep for a cycle more. lua5.4 has no such cache, and its heap after a collection is
    /// only what is reachable.
    fn forget_cached_strings(&mut self) {
        self.arena
            .mutate(|mc, state| state.forget_cached_strings(mc));
    }

    /// Run the collection cycle in progress to its end, or a whole new one from sleeping.
    fn finish_paced_cycle(&mut self) {
        use gc_arena::arena::CollectionPhase;
        if self.needs_finalization_step()
            && self.arena.collection_phase() != CollectionPhase::Sweeping
        {
            self.sweep_when_marked();
        }
        self.arena.finish_cycle();
    }

    /// Whether a collection must stop between marking and sweeping (`weak.rs`): some weak
    /// table or some object marked for finalization is alive (or not yet collected).
    fn needs_finalization_step(&mut self) -> bool {
        self.arena.mutate(|_, state| {
            !state.weak_tables.borrow().is_empty() || !state.finalizable.borrow().is_empty()
        })
    }

    /// A whole collection cycle, as `collectgarbage()`: any cycle in progress is finished
    /// first (it may keep objects that died after it began), then a complete new one runs.
    fn full_collection(&mut self) {
        self.full_collection_cycles();
        self.cycle_ended();
    }

    /// The cycles of [`Runtime::full_collection`].
    fn full_collection_cycles(&mut self) {
        use gc_arena::arena::CollectionPhase;
        self.forget_cached_strings();
        if !self.needs_finalization_step() {
            if self.arena.collection_phase() != CollectionPhase::Sleeping {
                self.arena.finish_cycle();
            }
            self.arena.finish_cycle();
            return;
        }
        if self.arena.collection_phase() != CollectionPhase::Sleeping {
            if self.arena.collection_phase() != CollectionPhase::Sweeping {
                self.sweep_when_marked();
            }
            self.arena.finish_cycle();
        }
        // From sleeping, `finish_marking` starts the new cycle.
        self.sweep_when_marked();
        self.arena.finish_cycle();
    }

    /// With the heap fully marked: let the weak tables keep ephemeron values, queue the
    /// dead objects marked for finalization, and clear dead weak entries (marking again as
    /// often as that keeps more alive), then start sweeping.
    fn sweep_when_marked(&mut self) {
        let mut cycle = crate::weak::Cycle::default();
        loop {
            let Some(marked) = self.arena.finish_marking() else {
                return;
            };
            let again = marked.finalize(|fc, state| crate::weak::process(fc, state, &mut cycle));
            if !again {
                if let Some(marked) = self.arena.finish_marking() {
                    marked.start_sweeping();
                }
                return;
            }
        }
    }

    /// Run `f` on the main thread at a safe point (between slices, or before/after a run):
    /// the way the host applies reloads and other commands to a program that is not
    /// inside a native call.
    pub fn with_env<R>(&mut self, f: impl for<'gc> FnOnce(&mut LuaEnv<'gc, '_>) -> R) -> R {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            let thread = state.main_thread;
            let mut th = thread.gc().borrow_mut(mc);
            let mut env = LuaEnv {
                mc,
                state,
                thread,
                th: &mut th,
            };
            f(&mut env)
        })
    }

    /// Run a full garbage collection cycle, and the finalizers (`__gc`) of the objects it
    /// found dead.
    pub fn collect_garbage(&mut self) {
        let _account = self.enter();
        self.full_collection();
        self.under_limits(Runtime::run_finalizers);
    }

    /// Run `f` (which runs finalizers, Lua code the host did not call) under the limits
    /// (`set_limits`), with a budget of its own, as a host call would be.
    fn under_limits(&mut self, f: impl FnOnce(&mut Runtime)) {
        self.arena
            .mutate(|_, state| state.host.borrow_mut().limits.begin());
        f(self);
        self.arena.mutate(|_, state| {
            let mut host = state.host.borrow_mut();
            host.limits.end();
            host.limits.stopping = false;
        });
    }

    /// Run the finalizers the collector queued (`weak.rs`), on the running thread, as
    /// lua5.4 runs them after a collection step.
    fn run_finalizers(&mut self) {
        let _account = self.enter();
        self.arena.mutate(|mc, state| {
            if state.to_finalize.borrow().is_empty() || state.host.borrow().in_finalizer {
                return;
            }
            let thread = *state.chain.borrow().last().expect("chain is never empty");
            let mut th = thread.gc().borrow_mut(mc);
            run_queued_finalizers(mc, state, thread, &mut th);
        });
    }

    /// Close the runtime as `lua_close` does: run the queued finalizers, then the
    /// finalizer of every object still marked for finalization, newest first (objects
    /// marked from here on are not finalized), under the limits like a host call. The `wayfinder` binary calls this when a
    /// script ends (normally or with an error); the runtime stays usable, but finalizers
    /// do not run again for the objects they ran for.
    pub fn close(&mut self) {
        let _account = self.enter();
        self.under_limits(|rt| {
            rt.arena.mutate(|mc, state| {
                let thread = state.main_thread;
                let mut th = thread.gc().borrow_mut(mc);
                close_state(mc, state, thread, &mut th);
            })
        });
    }

    /// Bytes currently allocated on the Lua heap.
    pub fn heap_bytes(&self) -> usize {
        // gc-arena counts objects, not bytes: estimate with an average object size.
        self.arena.metrics().total_gc_count() * 64
    }
}

/// Run every finalizer queued in `State::to_finalize`, in order, on `thread`.
pub(crate) fn run_queued_finalizers<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: crate::thread::Thread<'gc>,
    th: &mut crate::thread::ThreadState<'gc>,
) {
    loop {
        let next = state.to_finalize.borrow_mut(mc).pop_front();
        let Some(obj) = next else {
            return;
        };
        call_finalizer(mc, state, thread, th, obj);
    }
}

/// `lua_close`'s finalizers (see [`Runtime::close`]), from code running on `thread`.
pub(crate) fn close_state<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: crate::thread::Thread<'gc>,
    th: &mut crate::thread::ThreadState<'gc>,
) {
    if std::mem::replace(&mut state.host.borrow_mut().closing, true) {
        return;
    }
    run_queued_finalizers(mc, state, thread, th);
    for obj in crate::weak::take_all_marked(mc, state) {
        call_finalizer(mc, state, thread, th, obj);
    }
    run_queued_finalizers(mc, state, thread, th);
}

/// Close the pending to-be-closed variables of `th`, innermost first, as `lua_close`
/// closes the main thread's (`os.exit(code, true)`): with no error value until one of them
/// raises an error, which the next ones receive; the last error is dropped.
pub(crate) fn close_pending_variables<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: crate::thread::Thread<'gc>,
    th: &mut crate::thread::ThreadState<'gc>,
) {
    let mut error = Value::Nil;
    while let Some((_, v)) = exec::pop_to_close(th, 0) {
        let mm = exec::metamethod(state, v, state::MetaName::Close);
        if let Err(e) = exec::call_nested(mc, state, thread, th, mm, &[v, error]) {
            error = e.value;
        }
    }
}

/// Call `obj`'s `__gc` metamethod (as it is now: a field removed since marking means no
/// call), with the collector held off; an error becomes a warning.
fn call_finalizer<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: crate::thread::Thread<'gc>,
    th: &mut crate::thread::ThreadState<'gc>,
    obj: Value<'gc>,
) {
    crate::weak::unmark(mc, obj);
    let mm = exec::metamethod(state, obj, state::MetaName::Gc);
    if mm.is_nil() {
        return;
    }
    let callable = matches!(mm, Value::Function(_) | Value::NativeFunction(_))
        || !exec::metamethod(state, mm, state::MetaName::Call).is_nil();
    if !callable {
        let msg = format!(
            "error in __gc (attempt to call a {} value (metamethod '__gc'))",
            mm.type_name()
        );
        crate::stdlib::base::warning(state, msg.as_bytes());
        return;
    }
    let was = std::mem::replace(&mut state.host.borrow_mut().in_finalizer, true);
    let result = exec::call_nested_behind(
        mc,
        state,
        thread,
        th,
        mm,
        &[obj],
        crate::thread::Frame::Finalizer,
    )
    .map(|_| ());
    state.host.borrow_mut().in_finalizer = was;
    if let Err(e) = result {
        let msg = match e.value {
            Value::String(s) => s.to_str_lossy().into_owned(),
            _ => "error object is not a string".to_string(),
        };
        crate::stdlib::base::warning(state, format!("error in __gc ({msg})").as_bytes());
    }
}

/// Why running a chunk failed.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    Load(LoadError),
    Runtime(RuntimeError),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Load(e) => write!(f, "{e}"),
            RunError::Runtime(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// The C library's text for an I/O error (`strerror`), without Rust's "(os error N)".
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    }
}

/// Turn an uncaught error into the host's form: the message as the standalone interpreter
/// prints it and the traceback.
///
/// As lua5.4's message handler: a string or number is the message; an object whose
/// `__tostring` returns a string is reported by that string alone (no traceback); anything
/// else, `nil` included, as "(error object is a T value)". An error raised by `__tostring`
/// itself is reported in place of the original one (lua5.4 runs its handler again on it),
/// up to a depth where lua5.4 gives up with "C stack overflow".
fn render_error<'gc>(
    mc: &'gc gc_arena::Mutation<'gc>,
    state: &'gc State<'gc>,
    thread: crate::thread::Thread<'gc>,
    th: &mut crate::thread::ThreadState<'gc>,
    e: error::LuaError<'gc>,
) -> RuntimeError {
    const MAX_NESTED_ERRORS: usize = 200;
    let traceback = e.traceback;
    let mut value = e.value;
    for _ in 0..MAX_NESTED_ERRORS {
        let message = match value {
            Value::String(s) => s.to_str_lossy().into_owned(),
            Value::Integer(_) | Value::Number(_) => {
                ops::number_to_string(value).unwrap_or_default()
            }
            v => {
                let mm = exec::metamethod(state, v, state::MetaName::ToString);
                if !mm.is_nil() {
                    match exec::call_nested(mc, state, thread, th, mm, &[v]) {
                        Ok(results) => {
                            if let Some(Value::String(s)) = results.first() {
                                return RuntimeError {
                                    message: s.to_str_lossy().into_owned(),
                                    traceback: None,
                                };
                            }
                        }
                        Err(inner) => {
                            // Errors caught by the nested call carry no traceback of
                            // their own; the original one shows where it all began.
                            value = inner.value;
                            continue;
                        }
                    }
                }
                format!("(error object is a {} value)", v.type_name())
            }
        };
        return RuntimeError { message, traceback };
    }
    RuntimeError {
        message: "C stack overflow".into(),
        traceback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Runtime {
        fn interned_strings(&self) -> usize {
            self.arena.mutate(|_, state| state.strings.len())
        }
    }

    #[test]
    fn interned_strings_are_shared_and_dead_ones_leave_the_interner() {
        let mut rt = Runtime::new();
        // Strings nothing keeps: without pruning the interner would hold all 100,000.
        for round in 0..10 {
            rt.arena.mutate(|mc, state| {
                for i in 0..10_000 {
                    state.intern(mc, format!("s{round}_{i}").as_bytes());
                }
            });
            rt.collect_garbage();
        }
        let count = rt.interned_strings();
        assert!(count < 40_000, "interner kept dead strings: {count}");
        rt.arena.mutate(|mc, state| {
            let a = state.intern(mc, b"shared key");
            let b = state.intern(mc, b"shared key");
            assert!(gc_arena::Gc::ptr_eq(a.gc(), b.gc()));
            let long = [b'x'; 100];
            let c = state.intern(mc, &long);
            let d = state.intern(mc, &long);
            assert!(
                !gc_arena::Gc::ptr_eq(c.gc(), d.gc()),
                "long strings are not interned"
            );
        });
    }

    /// Allocate `n` tables that nothing keeps.
    fn make_garbage(rt: &mut Runtime, n: usize) {
        let _account = rt.enter();
        rt.arena.mutate(|mc, _| {
            for _ in 0..n {
                Table::new(mc);
            }
        });
    }

    /// The heap as the collector's pacing counts it after a cycle: one unit per object,
    /// one per `OBJECT_BYTES` of table parts and strings (`Runtime::cycle_ended`).
    fn heap_units(rt: &mut Runtime) -> usize {
        let _account = rt.enter();
        rt.heap_units()
    }

    #[test]
    fn generational_mode_collects_in_whole_cycles_and_incremental_mode_in_steps() {
        use gc_arena::arena::CollectionPhase;
        let mut rt = Runtime::new();
        // A live heap big enough that half of it is past the least growth (`MIN_SLEEP`),
        // of small tables (a big one is paced apart: `big_table_sleep_factor`).
        rt.run_chunk(b"keep = {} for i = 1, 2000 do keep[i] = {} end", "=t", &[])
            .unwrap();
        rt.collect_garbage();
        let live = rt.arena.metrics().total_gc_count();
        // The tables have parts: the heap is more than its object count.
        let units = heap_units(&mut rt);
        assert!(units > live + live / 10, "{units} units, {live} objects");
        // Below the pause (the heap growing by half, counted with the parts): no
        // collection yet, though the garbage is more than half the objects.
        let below = units / 2 - 16;
        assert!(below > live / 2);
        make_garbage(&mut rt, below);
        rt.collect_between_slices();
        assert_eq!(rt.arena.metrics().total_gc_count(), live + below);
        // Past it: one whole cycle at this safe point, which frees all the garbage, and
        // is noted as a cycle for the closure lists (run alone, the epoch moves only here).
        make_garbage(&mut rt, 32);
        let epoch = crate::function::collection_epoch();
        rt.collect_between_slices();
        assert_eq!(rt.arena.collection_phase(), CollectionPhase::Sleeping);
        assert_eq!(rt.arena.metrics().total_gc_count(), live);
        assert_ne!(crate::function::collection_epoch(), epoch);

        // Incremental mode: the debt is paid in steps, so garbage past the pause (the
        // heap doubling) leaves a cycle in progress.
        rt.arena.mutate(|mc, state| {
            let mut host = state.host.borrow_mut();
            host.gc.mode = state::GcMode::Incremental;
            mc.metrics().set_pacing(host.gc.pacing());
        });
        rt.collect_garbage();
        make_garbage(&mut rt, units + units / 5);
        rt.collect_between_slices();
        assert_ne!(rt.arena.collection_phase(), CollectionPhase::Sleeping);
    }

    /// A table's hash part is charged at its largest size: two value slots (16 bytes each)
    /// per slot in a part of up to 8 slots, four in a bigger one (`table::hash_part_charge`),
    /// and given back when the table is freed.
    #[test]
    fn hash_parts_are_charged_by_their_size_and_uncharged_when_freed() {
        let mut rt = Runtime::new();
        let charged = |rt: &mut Runtime| {
            rt.collect_garbage();
            let _account = rt.enter();
            crate::limits::charged_bytes()
        };
        // The holder has its fields already, so storing into it charges nothing; the keys
        // are floats (a string key charges its bytes too).
        rt.run_chunk(b"keep = {small = false, big = false}", "=t", &[])
            .unwrap();
        let base = charged(&mut rt);
        rt.run_chunk(
            b"local t = {} for i = 1, 4 do t[i + 0.5] = i end keep.small = t",
            "=t",
            &[],
        )
        .unwrap();
        let small = charged(&mut rt) - base;
        assert_eq!(small, 4 * 2 * 16);
        rt.run_chunk(
            b"local t = {} for i = 1, 1024 do t[i + 0.5] = i end keep.big = t",
            "=t",
            &[],
        )
        .unwrap();
        let big = charged(&mut rt) - base - small;
        assert_eq!(big, 1024 * 4 * 16);
        rt.run_chunk(b"keep.small, keep.big = false, false", "=t", &[])
            .unwrap();
        assert_eq!(charged(&mut rt), base);
    }

    #[test]
    fn strings_of_every_length_keep_their_bytes_and_are_uncharged_when_freed() {
        let mut rt = Runtime::new();
        rt.collect_garbage();
        let before = {
            let _account = rt.enter();
            crate::limits::charged_bytes()
        };
        {
            let _account = rt.enter();
            rt.arena.mutate(|mc, _| {
                // Every inline size class and its edges, and outline strings past them.
                for len in 0..=1100usize {
                    let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
                    let a = LuaString::new(mc, &bytes);
                    let b = LuaString::from_boxed(mc, bytes.clone().into());
                    assert_eq!(a.as_bytes(), &bytes[..], "len {len}");
                    assert_eq!(b.as_bytes(), &bytes[..], "len {len}");
                    assert_eq!(a.len(), len);
                    assert_eq!(a, b);
                    assert_eq!(a.hash_value(), b.hash_value());
                    if len > 0 {
                        let mut other = bytes.clone();
                        other[len - 1] ^= 1;
                        assert_ne!(a, LuaString::new(mc, &other), "len {len}");
                    }
                }
            });
        }
        rt.collect_garbage();
        let after = {
            let _account = rt.enter();
            crate::limits::charged_bytes()
        };
        assert_eq!(before, after, "freed strings gave their bytes back");
    }

    #[test]
    fn empty_and_one_byte_run_time_strings_are_the_interned_ones() {
        let mut rt = Runtime::new();
        rt.run_chunk(
            b"A = ('xay'):sub(2, 2) B = 'q' .. '' C = string.char(0) D = tostring(7) \
              E = ('abc'):sub(3, 2) F = ('abc'):sub(2, 3)",
            "=test",
            &[],
        )
        .unwrap();
        rt.arena.mutate(|mc, state| {
            let global =
                |name: &[u8]| match state.globals.get(Value::String(state.intern(mc, name))) {
                    Value::String(s) => s,
                    v => panic!("{v:?}"),
                };
            for (name, bytes) in [
                (&b"A"[..], &b"a"[..]),
                (b"B", b"q"),
                (b"C", b"\0"),
                (b"D", b"7"),
                (b"E", b""),
            ] {
                let s = global(name);
                assert!(gc_arena::Gc::ptr_eq(s.gc(), state.intern(mc, bytes).gc()));
            }
            // Longer run-time strings are new objects.
            let f = global(b"F");
            assert_eq!(f.as_bytes(), b"bc");
            assert!(!gc_arena::Gc::ptr_eq(f.gc(), state.intern(mc, b"bc").gc()));
        });
    }

    /// Test-only native `rebind(f, src)`: point closure `f` at the first function defined
    /// by chunk `src`, as hot reload will.
    fn rebind<'gc>(
        ctx: &mut crate::runtime::ctx::Ctx<'gc, '_>,
    ) -> Result<usize, crate::runtime::error::LuaError<'gc>> {
        let Value::Function(f) = ctx.arg(0) else {
            return Err(ctx.error("function expected"));
        };
        let src = ctx.check_string(1)?;
        let info =
            load::compile_chunk(src.as_bytes(), "=new").map_err(|e| ctx.error(e.to_string()))?;
        let chunk = Proto::load(ctx.mc, ctx.state.strings, info);
        crate::function::rebind_closure(ctx.mc, f, chunk.protos[0]);
        Ok(0)
    }

    fn run_with_rebind(src: &str) -> Vec<String> {
        let mut rt = Runtime::new();
        rt.arena.mutate(|mc, state| {
            crate::stdlib::set_fn(mc, state, state.globals, "rebind", rebind);
        });
        match rt.run_chunk(src.as_bytes(), "=test", &[]) {
            Ok(Outcome::Finished(results)) => results,
            Err(e) => panic!("Lua error: {e}"),
        }
    }

    #[test]
    fn a_running_function_finishes_on_its_old_code_after_a_rebind() {
        // Rebound while running: this call finishes on the code it started with; the next
        // call runs the new code.
        let r = run_with_rebind(
            "local function f(x)
               rebind(f, 'return function(x) return \"new \" .. x end')
               local pad = x .. '!'
               return 'old ' .. pad
             end
             local a = f(1)
             return a, f(2)",
        );
        assert_eq!(r, ["old 1!", "new 2"]);
        // Rebound while suspended in a coroutine: resumes on its old code.
        let r = run_with_rebind(
            "local function g()
               local n = 0
               for i = 1, 3 do
                 n = n + i
                 coroutine.yield(n)
               end
               return 'old done ' .. n
             end
             local co = coroutine.wrap(g)
             local first = co()
             rebind(g, 'return function() return \"new\" end')
             local second, third, last = co(), co(), co()
             return first, second, third, last, g()",
        );
        assert_eq!(r, ["1", "3", "6", "old done 6", "new"]);
    }
}

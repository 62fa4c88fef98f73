//! The arena root: globals, registry, shared metatables and the chain of running threads.

use std::cell::{Cell, RefCell};

use gc_arena::{lock::RefLock, Collect, Gc, GcWeak, Mutation};

use crate::function::{Closure, UpvalueCell};
use crate::journal::Journal;
use crate::modules::ModuleRegistry;

use crate::string::{Interner, LuaString};
use crate::table::{SetError, Table};
use crate::thread::{HookState, Thread};
use crate::value::Value;

/// Metamethod and other well-known names, allocated once so lookups need no allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaName {
    Index,
    NewIndex,
    Call,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Unm,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    BNot,
    Concat,
    Len,
    Eq,
    Lt,
    Le,
    Close,
    ToString,
    Name,
    Pairs,
    Metatable,
    Mode,
    Gc,
}

impl MetaName {
    pub const ALL: [MetaName; 29] = [
        MetaName::Index,
        MetaName::NewIndex,
        MetaName::Call,
        MetaName::Add,
        MetaName::Sub,
        MetaName::Mul,
        MetaName::Div,
        MetaName::Mod,
        MetaName::Pow,
        MetaName::Unm,
        MetaName::IDiv,
        MetaName::BAnd,
        MetaName::BOr,
        MetaName::BXor,
        MetaName::Shl,
        MetaName::Shr,
        MetaName::BNot,
        MetaName::Concat,
        MetaName::Len,
        MetaName::Eq,
        MetaName::Lt,
        MetaName::Le,
        MetaName::Close,
        MetaName::ToString,
        MetaName::Name,
        MetaName::Pairs,
        MetaName::Metatable,
        MetaName::Mode,
        MetaName::Gc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MetaName::Index => "__index",
            MetaName::NewIndex => "__newindex",
            MetaName::Call => "__call",
            MetaName::Add => "__add",
            MetaName::Sub => "__sub",
            MetaName::Mul => "__mul",
            MetaName::Div => "__div",
            MetaName::Mod => "__mod",
            MetaName::Pow => "__pow",
            MetaName::Unm => "__unm",
            MetaName::IDiv => "__idiv",
            MetaName::BAnd => "__band",
            MetaName::BOr => "__bor",
            MetaName::BXor => "__bxor",
            MetaName::Shl => "__shl",
            MetaName::Shr => "__shr",
            MetaName::BNot => "__bnot",
            MetaName::Concat => "__concat",
            MetaName::Len => "__len",
            MetaName::Eq => "__eq",
            MetaName::Lt => "__lt",
            MetaName::Le => "__le",
            MetaName::Close => "__close",
            MetaName::ToString => "__tostring",
            MetaName::Name => "__name",
            MetaName::Pairs => "__pairs",
            MetaName::Metatable => "__metatable",
            MetaName::Mode => "__mode",
            MetaName::Gc => "__gc",
        }
    }
}

/// Which collector mode `collectgarbage` reports. gc-arena has one incremental collector;
/// the mode is remembered so that switching reports the previous one, as Lua does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcMode {
    Incremental,
    Generational,
}

/// A collection `collectgarbage` asked for, run by the runtime as soon as the executor
/// hands control back (a collection cannot run while Lua code runs on the heap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcRequest {
    None,
    /// A whole cycle: `collectgarbage("collect")`, and `"step"` in generational mode or
    /// where its result cannot be corrected afterwards (see `Step`).
    Full,
    /// `collectgarbage("step", kb)` in incremental mode: a bounded amount of work
    /// (`Runtime::step_collection`). The native returns a provisional `true` and records
    /// its function's stack `slot` on the running thread (where its results go); `placed`
    /// is set when the results did go there, to the registers of a Lua caller, with the
    /// collection to run before the next instruction (`exec::gc_request_pause`). Then the
    /// runtime overwrites the result with whether the step finished a cycle; otherwise the
    /// step runs as a whole cycle, for which `true` is right.
    Step {
        kb: i64,
        slot: usize,
        placed: bool,
    },
}

/// What `collectgarbage` controls. The tuning parameters are kept (and reported back) as
/// Lua keeps them; in incremental mode the pause and the step multiplier set gc-arena's
/// pacing (`GcControl::pacing`), in generational mode gc-arena's default pacing applies.
#[derive(Clone, Debug)]
pub struct GcControl {
    pub mode: GcMode,
    /// False after `collectgarbage("stop")`: the runtime collects only when asked.
    pub running: bool,
    /// A collection asked for by `collectgarbage("collect")` or `"step"`.
    pub request: GcRequest,
    pub pause: i64,
    pub step_mul: i64,
    pub step_size: i64,
    pub minor_mul: i64,
    pub major_mul: i64,
}

impl Default for GcControl {
    /// Lua 5.4's defaults (LUAI_GCPAUSE, LUAI_GCMUL, LUAI_GCSTEPSIZE, LUAI_GENMINORMUL,
    /// LUAI_GENMAJORMUL), in generational mode as the standalone `lua` starts.
    fn default() -> Self {
        GcControl {
            mode: GcMode::Generational,
            running: true,
            request: GcRequest::None,
            pause: 200,
            step_mul: 100,
            step_size: 13,
            minor_mul: 20,
            major_mul: 100,
        }
    }
}

/// The least a heap grows (gc-arena units: objects, or 64 bytes of table parts and long
/// strings) before the next cycle: 64 KiB. With gc-arena's default (256 units, 16 KiB) a
/// program whose live heap is ~100 KB ran a full cycle every few hundred objects once slices
/// were sized to the allocation rate (`Runtime::size_next_slice`): methods.lua ran 4,190
/// cycles where 419 had done.
pub(crate) const MIN_SLEEP: usize = 1024;

impl GcControl {
    /// gc-arena's pacing for these settings. In incremental mode, as in Lua, the pause
    /// says how far the heap grows before a cycle starts (200: until it has doubled, which
    /// is gc-arena's `sleep_factor` 1.0) and the step multiplier how fast the collector
    /// works relative to allocation (gc-arena's work factors are divided by
    /// `step_mul / 100`, but kept small enough that a cycle always finishes). A collector
    /// without generations has no young collections: in generational mode every cycle is
    /// what lua5.4 calls a major collection, run atomically (`Runtime::paced_collection`)
    /// once the heap has grown by half the major multiplier (100: by half). lua5.4 frees
    /// young garbage in minor collections at every 20% of growth and runs a major one at
    /// 100%, so its heap stays well under twice the live data. Growth by half is the
    /// compromise measured in docs/performance.md ("Collector pacing").
    pub fn pacing(&self) -> gc_arena::metrics::Pacing {
        let default = gc_arena::metrics::Pacing::DEFAULT;
        if self.mode == GcMode::Generational {
            return gc_arena::metrics::Pacing {
                sleep_factor: self.major_mul.max(0) as f64 / 200.0,
                min_sleep: MIN_SLEEP,
                ..default
            };
        }
        // The factors of each path through a cycle must sum to less than 1 (gc-arena's
        // `Pacing` documentation); the default's largest sum is 0.55.
        let slow = (100.0 / self.step_mul.max(1) as f64).min(1.8);
        GcControl::scaled(default, (self.pause as f64 / 100.0 - 1.0).max(0.0), slow)
    }

    /// How far the heap may grow past the bytes of big tables (`limits::BIG_TABLE_SLOTS`)
    /// before the next cycle, as a fraction of them. In generational mode it is lua5.4's
    /// minor multiplier (20: a fifth), which lua5.4 applies to every collection and we only
    /// to these: waiting for growth by half of a big array kept an array dropped for the
    /// next one of the same size until that one was as big (lua-tests/bench/sieve.lua held
    /// two 4 MB arrays at its peak), and a heap that is mostly big arrays is cheap to trace
    /// (a linear scan each). In incremental mode the pause applies to every byte.
    pub fn big_table_sleep_factor(&self) -> f64 {
        let sleep = self.pacing().sleep_factor;
        if self.mode == GcMode::Generational {
            (self.minor_mul.max(0) as f64 / 100.0).min(sleep)
        } else {
            sleep
        }
    }

    fn scaled(
        p: gc_arena::metrics::Pacing,
        sleep_factor: f64,
        slow: f64,
    ) -> gc_arena::metrics::Pacing {
        gc_arena::metrics::Pacing {
            sleep_factor,
            min_sleep: MIN_SLEEP,
            mark_factor: p.mark_factor * slow,
            trace_factor: p.trace_factor * slow,
            keep_factor: p.keep_factor * slow,
            drop_factor: p.drop_factor * slow,
            free_factor: p.free_factor * slow,
        }
    }
}

/// Host-side (non-GC) state shared by the stdlib.
pub struct HostState {
    /// xoshiro256** state for `math.random`.
    pub rng: [u64; 4],
    /// Nesting depth of Rust→Lua calls, bounded to keep the Rust stack safe.
    pub native_depth: usize,
    /// The directory of the running script (first on `package.path`).
    pub script_dir: Option<std::path::PathBuf>,
    /// `lua -E`: `package.path` ignores `LUA_PATH_5_4`/`LUA_PATH`.
    pub ignore_env: bool,
    /// Stdlib names already warned about being shadowed by a project file.
    pub shadow_warned: Vec<String>,
    /// When the runtime was created, for `os.clock` fallbacks.
    pub started: std::time::Instant,
    /// `collectgarbage` settings and requests.
    pub gc: GcControl,
    /// Open reload transactions (the reload engine counts them); safe-point jobs wait
    /// while it is nonzero.
    pub reload_depth: usize,
    /// Work from other threads, applied at safe points (`runtime::safepoint`).
    pub inbox: Option<crate::runtime::safepoint::Inbox>,
    /// Resource limits and what the current host call has used (`crate::limits`).
    pub limits: crate::limits::RunLimits,
    /// Handles the host holds on Lua values (`crate::embed::LuaRef`).
    pub refs: crate::embed::RefTable,
    /// Writable files `io` opened, flushed by `os.exit`.
    pub writable_files: crate::stdlib::io::WritableFiles,
    /// The handle of `io.stdout` as the io library made it: `print` writes through its
    /// buffer (see `stdlib::io::write_stdout`).
    pub stdout_file: Option<crate::stdlib::io::SharedFile>,
    /// True while finalizers run: `collectgarbage` does nothing and returns fail, and no
    /// collection starts, as in lua5.4.
    pub in_finalizer: bool,
    /// Set once the runtime is closing (its last finalizers run): `setmetatable` no longer
    /// marks objects for finalization.
    pub closing: bool,
    /// `warn`: whether warnings are shown (`@on`/`@off`; off at start, as in `lua`).
    pub warnings_on: bool,
    /// Where the running thread last stopped for a safe point at a loop's backward jump
    /// (frame count and saved pc of its top frame): if it is still stopped there (not at
    /// a call), no temporary register of that frame is live (`exec::clear_dead_registers`).
    pub loop_edge: Option<(usize, usize)>,
}

/// The metatables Lua shares among all values of a basic type (set with
/// `debug.setmetatable`). Tables and full userdata carry their own; strings use
/// [`State::string_metatable`].
#[derive(Collect, Default, Clone)]
#[collect(no_drop)]
pub struct TypeMetatables<'gc> {
    pub nil: Option<Table<'gc>>,
    pub boolean: Option<Table<'gc>>,
    /// Integers and floats: one type, `number`.
    pub number: Option<Table<'gc>>,
    /// Lua and native functions: one type, `function`.
    pub function: Option<Table<'gc>>,
    pub thread: Option<Table<'gc>>,
}

impl<'gc> TypeMetatables<'gc> {
    pub fn snapshot(&self) -> TypeMetatables<'gc> {
        self.clone()
    }

    /// The shared metatable of `v`'s type (`None` for tables, userdata and strings, whose
    /// metatables live elsewhere).
    pub fn get(&self, v: Value<'gc>) -> Option<Table<'gc>> {
        match v {
            Value::Nil => self.nil,
            Value::Boolean(_) => self.boolean,
            Value::Integer(_) | Value::Number(_) => self.number,
            Value::Function(_) | Value::NativeFunction(_) => self.function,
            Value::Thread(_) => self.thread,
            Value::String(_) | Value::Table(_) | Value::UserData(_) => None,
        }
    }

    /// The slot holding the shared metatable of `v`'s type, if it is kept here.
    pub fn slot_mut(&mut self, v: Value<'gc>) -> Option<&mut Option<Table<'gc>>> {
        match v {
            Value::Nil => Some(&mut self.nil),
            Value::Boolean(_) => Some(&mut self.boolean),
            Value::Integer(_) | Value::Number(_) => Some(&mut self.number),
            Value::Function(_) | Value::NativeFunction(_) => Some(&mut self.function),
            Value::Thread(_) => Some(&mut self.thread),
            Value::String(_) | Value::Table(_) | Value::UserData(_) => None,
        }
    }
}

/// A borrowed thread's hook (`State::lent_hooks`).
#[derive(Collect)]
#[collect(no_drop)]
pub struct LentHook<'gc> {
    pub thread: Thread<'gc>,
    pub hook: Option<Box<HookState<'gc>>>,
}

/// Sets of two slots in `State::string_cache` (a power of two).
const STRING_CACHE_SETS: usize = 512;
/// Longest string `State::string_cache` keeps.
const MAX_CACHED_LEN: usize = 40;
/// The bit of a `State::string_cache` slot's hash that says a lookup found the string since
/// the last collection cycle began (the hash is kept without it).
const CACHE_HIT: u64 = 1 << 63;
/// A slot of `State::string_cache`: a string's hash and the string.
type CacheSlot<'gc> = (u64, Option<LuaString<'gc>>);
/// A set of `State::string_cache`: the newest string first.
type CacheSet<'gc> = [CacheSlot<'gc>; 2];

#[derive(Collect)]
#[collect(no_drop)]
pub struct State<'gc> {
    pub globals: Table<'gc>,
    pub registry: Table<'gc>,
    pub string_metatable: Gc<'gc, RefLock<Option<Table<'gc>>>>,
    /// Metatables of the other basic types (nil, booleans, numbers, functions, threads).
    pub type_metatables: Gc<'gc, RefLock<TypeMetatables<'gc>>>,
    pub main_thread: Thread<'gc>,
    /// Short strings, shared (see `crate::string`).
    pub strings: Interner<'gc>,
    meta_names: Vec<LuaString<'gc>>,
    /// The names `type` returns, interned once (`State::type_name`): made through
    /// `new_string` at every call, `type(x)` cost 150 instructions.
    type_names: Box<[LuaString<'gc>]>,
    /// The strings of length 0 and 1 (index 0 the empty string, 1 + b the byte `b`),
    /// interned and always alive: `s:sub(i, i)`, `string.char(c)`, one-character
    /// concatenations and `tostring` of a digit reuse them instead of allocating (see
    /// `State::new_string`).
    tiny_strings: Box<[LuaString<'gc>]>,
    /// The last two short run-time strings made for each of `STRING_CACHE_SETS` sets
    /// of two slots (two-way set-associative, by the string's hash; a new string takes the
    /// first slot and moves the one there to the second): making a string of up to
    /// `MAX_CACHED_LEN` bytes whose bytes are already there returns that object instead
    /// of allocating. (Direct-mapped with 512 slots, 19% of the lookups of a program
    /// cycling through 100 keys such as `"k" .. i % 100` missed: two keys sharing a slot
    /// evicted each other every time, and each miss allocated a string.)
    /// Programs that cut the same short strings out of their input over and over (keys
    /// of a JSON document, `s:sub(i, i + 2)` tokens) then make no garbage, as lua5.4's
    /// interning of all short strings gives it. The entries keep their strings alive
    /// (at most `2 * STRING_CACHE_SETS` strings of a few dozen bytes).
    /// Each slot holds the string's hash beside it, so a miss reads no string.
    string_cache: Gc<'gc, RefLock<Box<[CacheSet<'gc>]>>>,
    /// `string_cache` holds a string `forget_cached_strings` would drop or unmark: set by
    /// every lookup, cleared when a cycle's walk leaves the cache empty. Otherwise the walk
    /// is skipped (a program making no short strings ran thousands of cycles, each walking
    /// the 1,024 slots: methods.lua +0.44% instructions).
    #[collect(require_static)]
    string_cache_used: Cell<bool>,
    /// Scratch buffer for building strings (concatenation), kept between uses.
    #[collect(require_static)]
    pub scratch: RefCell<Vec<u8>>,
    /// Threads currently running, outermost first: the main thread, then each coroutine
    /// resumed from the one before it.
    pub chain: Gc<'gc, RefLock<Vec<Thread<'gc>>>>,
    #[collect(require_static)]
    pub host: RefCell<HostState>,
    /// Module records kept by `require` for hot reload.
    pub modules: Gc<'gc, RefLock<ModuleRegistry<'gc>>>,
    /// Weak tables (`__mode`), weakly: the collector clears their dead entries (`weak.rs`).
    pub weak_tables: Gc<'gc, RefLock<Vec<GcWeak<'gc, RefLock<crate::table::TableData<'gc>>>>>>,
    /// Objects marked for finalization (`__gc`), weakly, in the order they were marked
    /// (`weak.rs`).
    pub finalizable: Gc<'gc, RefLock<Vec<crate::weak::Finalizable<'gc>>>>,
    /// Objects found dead whose finalizers have not run yet, strongly, in the order they
    /// run (`weak.rs`).
    pub to_finalize: Gc<'gc, RefLock<std::collections::VecDeque<Value<'gc>>>>,
    /// The hooks of threads that resumed a coroutine from the base of a `drive` (their
    /// state stays borrowed until it hands back): `debug.sethook`/`gethook` from the
    /// coroutine use these, and the thread takes its hook back when it runs again.
    pub lent_hooks: Gc<'gc, RefLock<Vec<LentHook<'gc>>>>,
    /// True while a reload transaction is open: writes are journaled (see `journal.rs`).
    #[collect(require_static)]
    pub txn_open: Cell<bool>,
    /// Bumped by every reload that rebinds closures: a thread whose frames were checked
    /// at an older generation checks them again before it runs (`exec::run`).
    #[collect(require_static)]
    pub reload_generation: Cell<u64>,
    pub journal: Gc<'gc, RefLock<Option<Journal<'gc>>>>,
}

impl<'gc> State<'gc> {
    pub fn new(mc: &Mutation<'gc>) -> State<'gc> {
        let main_thread = Thread::new(mc);
        main_thread.gc().borrow_mut(mc).status = crate::thread::CoStatus::Running;
        let strings = Interner::new(mc);
        State {
            globals: Table::new(mc),
            registry: Table::new(mc),
            string_metatable: Gc::new(mc, RefLock::new(None)),
            type_metatables: Gc::new(mc, RefLock::new(TypeMetatables::default())),
            main_thread,
            strings,
            meta_names: MetaName::ALL
                .iter()
                .map(|m| strings.intern(mc, m.as_str().as_bytes()))
                .collect(),
            type_names: crate::value::TYPE_NAMES
                .iter()
                .map(|n| strings.intern(mc, n.as_bytes()))
                .collect(),
            tiny_strings: std::iter::once(strings.intern(mc, b""))
                .chain((0..=255u8).map(|b| strings.intern(mc, &[b])))
                .collect(),
            string_cache: Gc::new(
                mc,
                RefLock::new(vec![[(0, None); 2]; STRING_CACHE_SETS].into()),
            ),
            string_cache_used: Cell::new(false),
            scratch: RefCell::new(Vec::new()),
            chain: Gc::new(mc, RefLock::new(vec![main_thread])),
            host: RefCell::new(HostState {
                rng: [
                    0x2545_F491_4F6C_DD1D,
                    0x9E37_79B9_7F4A_7C15,
                    0xBF58_476D_1CE4_E5B9,
                    0x94D0_49BB_1331_11EB,
                ],
                native_depth: 0,
                script_dir: None,
                ignore_env: false,
                shadow_warned: Vec::new(),
                started: std::time::Instant::now(),
                gc: GcControl::default(),
                reload_depth: 0,
                inbox: None,
                limits: crate::limits::RunLimits::default(),
                refs: crate::embed::RefTable::default(),
                writable_files: Vec::new(),
                stdout_file: None,
                in_finalizer: false,
                closing: false,
                warnings_on: false,
                loop_edge: None,
            }),
            modules: Gc::new(mc, RefLock::new(ModuleRegistry::new(mc))),
            weak_tables: Gc::new(mc, RefLock::new(Vec::new())),
            finalizable: Gc::new(mc, RefLock::new(Vec::new())),
            to_finalize: Gc::new(mc, RefLock::new(std::collections::VecDeque::new())),
            lent_hooks: Gc::new(mc, RefLock::new(Vec::new())),
            txn_open: Cell::new(false),
            reload_generation: Cell::new(0),
            journal: Gc::new(mc, RefLock::new(None)),
        }
    }

    /// Call before changing table `t`: inside a reload transaction, its contents are
    /// copied to the journal the first time. `NoMemory` when the allocator refuses the
    /// copy: the write must not happen (it could not be rolled back).
    #[inline]
    pub fn before_table_write(&self, mc: &Mutation<'gc>, t: Table<'gc>) -> Result<(), SetError> {
        if self.txn_open.get() {
            if let Some(j) = self.journal.borrow_mut(mc).as_mut() {
                return j.table(t);
            }
        }
        Ok(())
    }

    /// `t[k] = v` for a write a reload transaction must be able to undo: the journal copy,
    /// then the write (neither happens past a refused allocation).
    pub fn journaled_set(
        &self,
        mc: &Mutation<'gc>,
        t: Table<'gc>,
        k: Value<'gc>,
        v: Value<'gc>,
    ) -> Result<(), SetError> {
        self.before_table_write(mc, t)?;
        t.set(mc, k, v)
    }

    /// Call before changing an upvalue cell that may predate the transaction.
    #[inline]
    pub fn before_cell_write(&self, mc: &Mutation<'gc>, c: UpvalueCell<'gc>) {
        if self.txn_open.get() {
            if let Some(j) = self.journal.borrow_mut(mc).as_mut() {
                j.cell(c);
            }
        }
    }

    /// Call before changing a closure's prototype or upvalue list.
    pub fn before_closure_write(&self, mc: &Mutation<'gc>, c: Closure<'gc>) {
        if self.txn_open.get() {
            if let Some(j) = self.journal.borrow_mut(mc).as_mut() {
                j.closure(c);
            }
        }
    }

    /// Call before changing a prototype's forward.
    pub fn before_forward_write(
        &self,
        mc: &Mutation<'gc>,
        p: Gc<'gc, crate::function::Proto<'gc>>,
    ) {
        if self.txn_open.get() {
            if let Some(j) = self.journal.borrow_mut(mc).as_mut() {
                j.forward(p);
            }
        }
    }

    /// Open a reload transaction. `false` if one is already open. Safe-point jobs do not
    /// run while it is open (`HostState::reload_depth`).
    pub fn begin_transaction(&self, mc: &Mutation<'gc>) -> bool {
        if self.txn_open.get() {
            return false;
        }
        let records = self.modules.borrow().records.clone();
        let metatables = (
            *self.string_metatable.borrow(),
            self.type_metatables.borrow().snapshot(),
        );
        *self.journal.borrow_mut(mc) = Some(Journal::new(records, metatables));
        self.txn_open.set(true);
        self.host.borrow_mut().reload_depth += 1;
        true
    }

    /// Close the transaction, keeping every change.
    pub fn commit_transaction(&self, mc: &Mutation<'gc>) {
        self.close_transaction();
        *self.journal.borrow_mut(mc) = None;
    }

    fn close_transaction(&self) {
        self.txn_open.set(false);
        let mut host = self.host.borrow_mut();
        host.reload_depth = host.reload_depth.saturating_sub(1);
    }

    /// Close the transaction, undoing every journaled change.
    pub fn roll_back_transaction(&self, mc: &Mutation<'gc>) {
        self.close_transaction();
        let journal = self.journal.borrow_mut(mc).take();
        if let Some(j) = journal {
            let (records, (string_mt, type_mts)) = j.roll_back(mc);
            self.modules.borrow_mut(mc).records = records;
            *self.string_metatable.borrow_mut(mc) = string_mt;
            *self.type_metatables.borrow_mut(mc) = type_mts;
        }
    }

    /// The contents table `t` had when the open transaction first changed it, if it did.
    pub fn original_table(&self, t: Table<'gc>) -> Option<crate::table::TableData<'gc>> {
        self.journal
            .borrow()
            .as_ref()
            .and_then(|j| j.original_table(t).cloned())
    }

    /// The interned string with these bytes.
    #[inline]
    pub fn intern(&self, mc: &Mutation<'gc>, bytes: &[u8]) -> LuaString<'gc> {
        self.strings.intern(mc, bytes)
    }

    /// A run-time string with these bytes: the shared object for the empty string and
    /// one-byte strings, the cached one for a short string made recently (see
    /// `string_cache`), else a new one.
    #[inline]
    pub fn new_string(&self, mc: &Mutation<'gc>, bytes: &[u8]) -> LuaString<'gc> {
        match bytes {
            [] => self.tiny_strings[0],
            [b] => self.tiny_strings[1 + *b as usize],
            _ if bytes.len() <= MAX_CACHED_LEN => self.cached_string(mc, bytes),
            _ => LuaString::new(mc, bytes),
        }
    }

    /// The scratch buffer, empty, for building a string: hand it to `string_from_buffer`
    /// after. (A nested use while it is out finds an empty buffer, and whichever comes
    /// back last is kept.)
    pub fn take_scratch(&self) -> Vec<u8> {
        let mut buf = std::mem::take(&mut *self.scratch.borrow_mut());
        buf.clear();
        buf
    }

    /// A run-time string of the bytes built in `buf` (from `take_scratch`): a short one
    /// is copied and the buffer kept for the next string, a long one takes the buffer
    /// over.
    pub fn string_from_buffer(&self, mc: &Mutation<'gc>, buf: Vec<u8>) -> LuaString<'gc> {
        if buf.len() <= crate::string::MAX_INLINE_LEN {
            let s = self.new_string(mc, &buf);
            // A buffer grown large for a big job is not kept.
            if buf.capacity() <= 1 << 16 {
                *self.scratch.borrow_mut() = buf;
            }
            s
        } else {
            LuaString::from_vec(mc, buf)
        }
    }

    /// As a collection cycle begins (`Runtime::forget_cached_strings`): drop the cached
    /// strings that no lookup found since the last cycle, and clear the mark of the others.
    /// A loop's temporaries are made once each and would stay alive a cycle more through
    /// the cache (strings.lua peaked 200 KB higher); names a program meets again and again
    /// (identifiers in a lexer) are found in the cache and stay one object each (emptying
    /// it all made compiler.lua's heap 5 MB larger, with duplicates).
    pub fn forget_cached_strings(&self, mc: &Mutation<'gc>) {
        if !self.string_cache_used.get() {
            return;
        }
        let mut kept = false;
        for slot in self.string_cache.borrow_mut(mc).iter_mut().flatten() {
            if slot.0 & CACHE_HIT != 0 {
                slot.0 &= !CACHE_HIT;
                kept = true;
            } else {
                *slot = (0, None);
            }
        }
        // A string kept now goes at the next cycle unless a lookup finds it meanwhile.
        self.string_cache_used.set(kept);
    }

    fn cached_string(&self, mc: &Mutation<'gc>, bytes: &[u8]) -> LuaString<'gc> {
        let hash = crate::string::hash_bytes(bytes);
        let key = hash & !CACHE_HIT;
        let i = hash as usize & (STRING_CACHE_SETS - 1);
        // The cache is read and written only here and in `forget_cached_strings`, and
        // nothing here reaches Lua code or another use of it: its `RefLock` is never
        // borrowed here, so the set is reached without the borrow count (as `Table::peek`
        // and `Table::poke` reach a table). Marking a hit writes no pointer (no barrier).
        // SAFETY: see above; `i` is below the cache's `STRING_CACHE_SETS` sets.
        let set = unsafe { (&mut *self.string_cache.as_ptr()).get_unchecked_mut(i) };
        self.string_cache_used.set(true);
        for slot in set.iter_mut() {
            if let (h, Some(s)) = *slot {
                if h & !CACHE_HIT == key && crate::string::short_bytes_eq(s.as_bytes(), bytes) {
                    slot.0 = h | CACHE_HIT;
                    return s;
                }
            }
        }
        let s = LuaString::with_hash(mc, hash, bytes);
        // The write barrier (the cache adopts a new string), then the set as above.
        let cache = Gc::write(mc, self.string_cache);
        // SAFETY: as above.
        let set = unsafe { (&mut *cache.as_ptr()).get_unchecked_mut(i) };
        *set = [(key, Some(s)), set[0]];
        s
    }

    #[inline]
    pub fn meta_name(&self, m: MetaName) -> LuaString<'gc> {
        self.meta_names[m as usize]
    }

    /// `type(v)`: the interned name of `v`'s type.
    #[inline]
    pub fn type_name(&self, v: Value<'gc>) -> LuaString<'gc> {
        self.type_names[v.type_index()]
    }
}

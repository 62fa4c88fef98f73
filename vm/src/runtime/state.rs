//! The arena root: globals, registry, shared metatables and the chain of running threads.

use std::cell::RefCell;

use gc_arena::{lock::RefLock, Collect, Gc, Mutation};

use crate::string::{Interner, LuaString};
use crate::table::Table;
use crate::thread::Thread;
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

/// What `collectgarbage` controls. The tuning parameters are kept (and reported back) as
/// Lua keeps them; gc-arena paces itself, so they do not change how it collects.
#[derive(Clone, Debug)]
pub struct GcControl {
    pub mode: GcMode,
    /// False after `collectgarbage("stop")`: the runtime collects only when asked.
    pub running: bool,
    /// A full cycle asked for by `collectgarbage("collect")` or `"step"`, run by the
    /// runtime as soon as the executor hands control back.
    pub full_cycle_requested: bool,
    pub pause: i64,
    pub step_mul: i64,
    pub step_size: i64,
    pub minor_mul: i64,
    pub major_mul: i64,
}

impl Default for GcControl {
    /// Lua 5.4's defaults (LUAI_GCPAUSE, LUAI_GCMUL, LUAI_GCSTEPSIZE, LUAI_GENMINORMUL,
    /// LUAI_GENMAJORMUL).
    fn default() -> Self {
        GcControl {
            mode: GcMode::Incremental,
            running: true,
            full_cycle_requested: false,
            pause: 200,
            step_mul: 100,
            step_size: 13,
            minor_mul: 20,
            major_mul: 100,
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
}

/// The metatables Lua shares among all values of a basic type (set with
/// `debug.setmetatable`). Tables and full userdata carry their own; strings use
/// [`State::string_metatable`].
#[derive(Collect, Default)]
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
    /// Threads currently running, outermost first: the main thread, then each coroutine
    /// resumed from the one before it.
    pub chain: Gc<'gc, RefLock<Vec<Thread<'gc>>>>,
    #[collect(require_static)]
    pub host: RefCell<HostState>,
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
                shadow_warned: Vec::new(),
                started: std::time::Instant::now(),
                gc: GcControl::default(),
                reload_depth: 0,
                inbox: None,
            }),
        }
    }

    /// The interned string with these bytes.
    #[inline]
    pub fn intern(&self, mc: &Mutation<'gc>, bytes: &[u8]) -> LuaString<'gc> {
        self.strings.intern(mc, bytes)
    }

    #[inline]
    pub fn meta_name(&self, m: MetaName) -> LuaString<'gc> {
        self.meta_names[m as usize]
    }
}

//! Module records: what `require` remembers about every module it loads, for hot reload.
//!
//! A record keeps the module's name, file, source hash, value, root prototype, the modules
//! it required while loading (the dependency graph), the globals it assigned, and a
//! *baseline*: the values its load produced, for reload's three-way merge ("did the source
//! change this value's initial value, or did the running program?").
//!
//! Baselines are *shadow tables*: a copy of a value tree in which every table the module
//! owns is replaced by a shadow (marked by a shared metatable) holding its fields' own
//! shadows, and its metatable's shadow under a private key. Other values are stored as
//! they are. Tables that belong elsewhere (globals, other modules' values) are stored by
//! identity and not entered.

use std::collections::{HashMap, HashSet};

use gc_arena::{Collect, Gc, GcWeak, Mutation};

use crate::function::{Closure, ClosureData, Proto, UpvalueCell};
use crate::runtime::state::State;
use crate::table::{SetError, Table};
use crate::value::Value;

/// How deep a baseline follows nested tables.
const MAX_SHADOW_DEPTH: usize = 32;

#[derive(Collect, Clone)]
#[collect(no_drop)]
pub struct ModuleRecord<'gc> {
    #[collect(require_static)]
    pub name: String,
    /// The file it was loaded from (`None` for modules given as source by the host).
    #[collect(require_static)]
    pub file: Option<String>,
    /// FNV-1a of the source it was last loaded from.
    #[collect(require_static)]
    pub source_hash: u64,
    /// What `require` returned (the module table, usually).
    pub value: Value<'gc>,
    /// The chunk's prototype: the tree reload matches new functions against.
    pub root: Gc<'gc, Proto<'gc>>,
    /// Modules it required while loading.
    #[collect(require_static)]
    pub deps: Vec<String>,
    /// Global names its load assigned.
    #[collect(require_static)]
    pub globals: Vec<String>,
    /// Shadow of `value` right after the load.
    pub baseline: Value<'gc>,
    /// Shadows of the chunk-level locals (name → shadow) right after the load.
    pub baseline_locals: Table<'gc>,
    /// Shadows of the globals it assigned (name → shadow) right after the load.
    pub baseline_globals: Table<'gc>,
    /// The entry script: its functions can be rebound, its top level never runs again.
    pub is_main: bool,
}

/// Every module record, plus the stack of modules being loaded right now.
#[derive(Collect)]
#[collect(no_drop)]
pub struct ModuleRegistry<'gc> {
    pub records: Vec<ModuleRecord<'gc>>,
    /// Names of the modules whose chunks are running (outermost first) with the modules
    /// each has required so far.
    #[collect(require_static)]
    pub loading: Vec<(String, Vec<String>)>,
    /// The metatable that marks shadow tables.
    pub shadow_mark: Table<'gc>,
    /// The key under which a shadow keeps its table's metatable's shadow.
    pub meta_key: Table<'gc>,
    /// The source hash of the file the package searcher just compiled, by file name.
    #[collect(require_static)]
    pub compiled: Option<(String, u64)>,
    /// Closures the last reloads' new chunks made that the merge replaced by the running
    /// ones (usually garbage not yet collected): still rebound, but not counted in reports.
    pub discarded: Vec<GcWeak<'gc, ClosureData<'gc>>>,
}

impl<'gc> ModuleRegistry<'gc> {
    pub fn new(mc: &Mutation<'gc>) -> ModuleRegistry<'gc> {
        ModuleRegistry {
            records: Vec::new(),
            loading: Vec::new(),
            shadow_mark: Table::new(mc),
            meta_key: Table::new(mc),
            compiled: None,
            discarded: Vec::new(),
        }
    }

    /// Whether `c` is a closure a merge replaced (see `discarded`).
    pub fn is_discarded(&self, c: Closure<'gc>) -> bool {
        self.discarded
            .iter()
            .any(|w| std::ptr::eq(w.as_ptr(), Gc::as_ptr(c)))
    }

    /// How many of `closures` are the program's (not replaced by a merge): the count a
    /// report gives.
    pub fn count_kept(&self, closures: &[Closure<'gc>]) -> usize {
        closures.iter().filter(|c| !self.is_discarded(**c)).count()
    }

    /// Note closures a merge replaced, dropping entries for collected ones.
    pub fn discard(&mut self, closures: impl IntoIterator<Item = Closure<'gc>>) {
        self.discarded.retain(|w| !w.is_dropped());
        self.discarded
            .extend(closures.into_iter().map(Gc::downgrade));
    }

    pub fn get(&self, name: &str) -> Option<&ModuleRecord<'gc>> {
        self.records.iter().find(|r| r.name == name)
    }

    /// Add or replace the record of `record.name`.
    pub fn put(&mut self, record: ModuleRecord<'gc>) {
        match self.records.iter_mut().find(|r| r.name == record.name) {
            Some(r) => *r = record,
            None => self.records.push(record),
        }
    }

    pub fn is_shadow(&self, v: Value<'gc>) -> Option<Table<'gc>> {
        match v {
            Value::Table(t) if t.metatable().is_some_and(|m| m.ptr_eq(self.shadow_mark)) => Some(t),
            _ => None,
        }
    }
}

/// FNV-1a, 64 bits: cheap, stable across runs, good enough to tell sources apart.
pub fn source_hash(source: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in source {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Builds shadows (see the module docs). `foreign` tables are stored by identity.
pub struct Shadower<'gc> {
    mark: Table<'gc>,
    meta_key: Table<'gc>,
    foreign: HashSet<usize>,
    /// Tables already shadowed: a table reached twice (or through a cycle) has one shadow.
    done: HashMap<usize, Table<'gc>>,
    /// Set when the allocator refused to grow a shadow: the copy is incomplete, and the
    /// shadower stops copying (a baseline with holes would make a merge lose state).
    pub refused: bool,
}

fn addr(t: Table<'_>) -> usize {
    Gc::as_ptr(t.gc()) as usize
}

impl<'gc> Shadower<'gc> {
    /// A shadower that does not enter globals, the registry or any other module's value
    /// (`own` is the module's own value, which may sit in `package.loaded`).
    pub fn new(mc: &Mutation<'gc>, state: &State<'gc>, own: Value<'gc>) -> Shadower<'gc> {
        let registry = state.modules.borrow();
        let mut foreign = HashSet::new();
        foreign.insert(addr(state.globals));
        foreign.insert(addr(state.registry));
        {
            let loaded = crate::stdlib::package::loaded_table(mc, state);
            foreign.insert(addr(loaded));
            let mut key = Value::Nil;
            while let Ok(Some((k, v))) = loaded.next(key) {
                if let Value::Table(t) = v {
                    if !matches!(own, Value::Table(o) if o.ptr_eq(t)) {
                        foreign.insert(addr(t));
                    }
                }
                key = k;
            }
        }
        Shadower {
            mark: registry.shadow_mark,
            meta_key: registry.meta_key,
            foreign,
            done: HashMap::new(),
            refused: false,
        }
    }

    pub fn shadow(&mut self, mc: &Mutation<'gc>, v: Value<'gc>) -> Value<'gc> {
        self.shadow_at(mc, v, 0)
    }

    fn shadow_at(&mut self, mc: &Mutation<'gc>, v: Value<'gc>, depth: usize) -> Value<'gc> {
        let Value::Table(t) = v else { return v };
        if let Some(s) = self.done.get(&addr(t)) {
            return Value::Table(*s);
        }
        if depth >= MAX_SHADOW_DEPTH || self.foreign.contains(&addr(t)) || self.refused {
            return v;
        }
        let s = Table::new(mc);
        self.done.insert(addr(t), s);
        let mut key = Value::Nil;
        while let Ok(Some((k, val))) = t.next(key) {
            let sv = self.shadow_at(mc, val, depth + 1);
            if self.refused || s.set(mc, k, sv).is_err() {
                self.refused = true;
                return Value::Table(s);
            }
            key = k;
        }
        if let Some(mt) = t.metatable() {
            let sm = self.shadow_at(mc, Value::Table(mt), depth + 1);
            if s.set(mc, Value::Table(self.meta_key), sm).is_err() {
                self.refused = true;
            }
        }
        s.set_metatable(mc, Some(self.mark));
        Value::Table(s)
    }

    /// A table `name → shadow(value)` for these named values.
    pub fn shadow_named(
        &mut self,
        mc: &Mutation<'gc>,
        named: impl IntoIterator<Item = (String, Value<'gc>)>,
    ) -> Table<'gc> {
        let t = Table::new(mc);
        for (name, v) in named {
            let sv = self.shadow(mc, v);
            self.refused |= t
                .set(
                    mc,
                    Value::String(crate::string::LuaString::new(mc, name.as_bytes())),
                    sv,
                )
                .is_err();
        }
        t
    }
}

/// The chunk-level locals of a loaded chunk that its functions captured, as
/// `(name, cell)`, found through the live closures of the chunk's direct children (every
/// captured chunk local is captured by a direct child). A name bound to two different
/// cells (two locals of one name, or a local declared in a loop) is left out and listed
/// in the second result.
pub fn chunk_cells<'gc>(
    mc: &Mutation<'gc>,
    root: Gc<'gc, Proto<'gc>>,
) -> (Vec<(String, UpvalueCell<'gc>)>, Vec<String>) {
    let mut cells: Vec<(String, UpvalueCell<'gc>)> = Vec::new();
    let mut ambiguous: Vec<String> = Vec::new();
    for child in root.protos.iter() {
        for closure in Proto::live_closures(*child, mc) {
            let proto = closure.proto.get();
            let ups = closure.upvalues.borrow();
            for (desc, cell) in proto.info.upvalues.iter().zip(ups.iter()) {
                if !desc.from_parent_cell {
                    continue;
                }
                match cells.iter().find(|(n, _)| *n == desc.name) {
                    Some((_, c)) if Gc::ptr_eq(*c, *cell) => {}
                    Some(_) => {
                        if !ambiguous.contains(&desc.name) {
                            ambiguous.push(desc.name.clone());
                        }
                    }
                    None => cells.push((desc.name.clone(), *cell)),
                }
            }
        }
    }
    cells.retain(|(n, _)| !ambiguous.contains(n));
    (cells, ambiguous)
}

/// A copy of the globals' string-keyed fields, to find what a module's load assigned.
pub fn globals_snapshot<'gc>(state: &State<'gc>) -> HashMap<Vec<u8>, Value<'gc>> {
    let mut out = HashMap::new();
    let mut key = Value::Nil;
    while let Ok(Some((k, v))) = state.globals.next(key) {
        if let Value::String(s) = k {
            out.insert(s.as_bytes().to_vec(), v);
        }
        key = k;
    }
    out
}

/// Global names whose value differs from `before` (new or reassigned).
pub fn assigned_globals<'gc>(
    state: &State<'gc>,
    before: &HashMap<Vec<u8>, Value<'gc>>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut key = Value::Nil;
    while let Ok(Some((k, v))) = state.globals.next(key) {
        if let Value::String(s) = k {
            if !before.get(s.as_bytes()).is_some_and(|old| old.raw_eq(v)) {
                out.push(s.to_str_lossy().into_owned());
            }
        }
        key = k;
    }
    out
}

/// `require(name)` was called: while another module loads, `name` is its dependency.
pub fn note_dependency<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, name: &str) {
    let mut reg = state.modules.borrow_mut(mc);
    if let Some((_, deps)) = reg.loading.last_mut() {
        if !deps.iter().any(|d| d == name) {
            deps.push(name.to_string());
        }
    }
}

/// A module's chunk is about to run.
pub fn begin_load<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, name: &str) {
    state
        .modules
        .borrow_mut(mc)
        .loading
        .push((name.to_string(), Vec::new()));
}

/// The module's chunk finished (or failed): the modules it required.
pub fn end_load<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) -> Vec<String> {
    state
        .modules
        .borrow_mut(mc)
        .loading
        .pop()
        .map(|(_, deps)| deps)
        .unwrap_or_default()
}

/// What a finished load produced, to be recorded.
pub struct Loaded<'gc> {
    pub name: String,
    pub file: Option<String>,
    pub source_hash: u64,
    pub root: Gc<'gc, Proto<'gc>>,
    pub value: Value<'gc>,
    pub deps: Vec<String>,
    pub globals: Vec<String>,
    pub is_main: bool,
}

/// Build the record of a finished load (with its baseline) and store it.
pub fn record_load<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    loaded: Loaded<'gc>,
) -> Result<(), SetError> {
    let record = make_record(mc, state, loaded)?;
    state.modules.borrow_mut(mc).put(record);
    Ok(())
}

/// The record of a finished load, with baselines taken now. `NoMemory` when the allocator
/// refused part of the baseline copies.
pub fn make_record<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    loaded: Loaded<'gc>,
) -> Result<ModuleRecord<'gc>, SetError> {
    let mut shadower = Shadower::new(mc, state, loaded.value);
    let baseline = shadower.shadow(mc, loaded.value);
    let (cells, _) = chunk_cells(mc, loaded.root);
    let baseline_locals =
        shadower.shadow_named(mc, cells.iter().map(|(n, c)| (n.clone(), c.get())));
    let globals: Vec<(String, Value<'gc>)> = loaded
        .globals
        .iter()
        .map(|g| {
            let v = state
                .globals
                .get(Value::String(crate::string::LuaString::new(
                    mc,
                    g.as_bytes(),
                )));
            (g.clone(), v)
        })
        .collect();
    let baseline_globals = shadower.shadow_named(mc, globals);
    if shadower.refused {
        return Err(SetError::NoMemory);
    }
    Ok(ModuleRecord {
        name: loaded.name,
        file: loaded.file,
        source_hash: loaded.source_hash,
        value: loaded.value,
        root: loaded.root,
        deps: loaded.deps,
        globals: loaded.globals,
        baseline,
        baseline_locals,
        baseline_globals,
        is_main: loaded.is_main,
    })
}

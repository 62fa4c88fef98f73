//! Weak tables (`__mode`) and finalizers (`__gc`), for the collector.
//!
//! A table whose metatable has `__mode` when `setmetatable` runs is *weak*: its traced
//! contents leave out collectable keys (mode `k`), collectable values (mode `v`), and for
//! weak keys also every value (ephemerons: a value is kept only while its key is). Such
//! tables are listed (weakly) in `State::weak_tables`.
//!
//! A table or userdata whose metatable has `__gc` when the metatable is set is *marked for
//! finalization* and listed (weakly, in marking order) in `State::finalizable`; a `__gc`
//! added to the metatable later does not count, as in Lua 5.4.
//!
//! After marking, [`process`] runs in gc-arena's finalization step, as often as it asks
//! for more marking:
//! 1. resurrect the values of ephemeron entries whose key survived (which may make more
//!    keys survive: mark again and come back);
//! 2. once per cycle, separate the marked objects that are dead: clear dead values from
//!    weak-value tables (a value only a finalized object reaches is gone when its
//!    finalizer runs), then resurrect those objects, move them to `State::to_finalize`
//!    (newest first: finalizers run in reverse order of marking) and mark again, which
//!    keeps everything they reach;
//! 3. clear every entry whose weak part is still dead (a resurrected key stays until the
//!    next cycle), before anything is swept.
//!
//! The runtime calls the queued finalizers later, at a safe point, as ordinary Lua calls
//! (`Runtime::run_finalizers`). Strings and numbers are never removed from weak tables.

use gc_arena::{lock::RefLock, Collect, Finalization, Gc, GcWeak, Mutation};

use crate::runtime::state::{MetaName, State};
use crate::table::{is_collectable, Table, TableData, WeakMode};
use crate::userdata::{UserData, UserDataData};
use crate::value::Value;

/// An object marked for finalization, held weakly.
#[derive(Collect, Clone, Copy)]
#[collect(no_drop)]
pub enum Finalizable<'gc> {
    Table(GcWeak<'gc, RefLock<TableData<'gc>>>),
    UserData(GcWeak<'gc, UserDataData<'gc>>),
}

impl<'gc> Finalizable<'gc> {
    fn is_dropped(self) -> bool {
        match self {
            Finalizable::Table(w) => w.is_dropped(),
            Finalizable::UserData(w) => w.is_dropped(),
        }
    }

    fn is_dead(self, fc: &Finalization<'gc>) -> bool {
        match self {
            Finalizable::Table(w) => w.is_dead(fc),
            Finalizable::UserData(w) => w.is_dead(fc),
        }
    }

    /// The object, resurrected if it was dead (during finalization).
    fn resurrect(self, fc: &Finalization<'gc>) -> Option<Value<'gc>> {
        match self {
            Finalizable::Table(w) => w.resurrect(fc).map(|g| Value::Table(Table::from_gc(g))),
            Finalizable::UserData(w) => w.resurrect(fc).map(Value::UserData),
        }
    }

    /// The object, outside a collection (`None` if it is gone or about to be swept).
    fn upgrade(self, mc: &Mutation<'gc>) -> Option<Value<'gc>> {
        match self {
            Finalizable::Table(w) => w.upgrade(mc).map(|g| Value::Table(Table::from_gc(g))),
            Finalizable::UserData(w) => w.upgrade(mc).map(Value::UserData),
        }
    }
}

/// Whether `mt` asks for a finalizer: a `__gc` field, whatever its value (a non-function
/// is reported as an error when the finalizer would run, as in Lua 5.4).
#[inline]
fn has_gc_field<'gc>(state: &State<'gc>, mt: Option<Table<'gc>>) -> bool {
    mt.is_some_and(|mt| {
        !mt.meta_get(state.meta_name(MetaName::Gc), MetaName::Gc as u32)
            .is_nil()
    })
}

/// Mark userdata `u` for finalization if its new metatable `mt` has `__gc` (call after
/// setting or creating it with `mt`).
pub fn mark_userdata<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    u: UserData<'gc>,
    mt: Option<Table<'gc>>,
) {
    if u.finalizer.get() || !has_gc_field(state, mt) || state.host.borrow().closing {
        return;
    }
    u.finalizer.set(true);
    state
        .finalizable
        .borrow_mut(mc)
        .push(Finalizable::UserData(Gc::downgrade(u)));
}

/// The weak mode `mt`'s `__mode` asks for.
pub fn mode_of<'gc>(state: &State<'gc>, mt: Option<Table<'gc>>) -> WeakMode {
    let Some(mt) = mt else {
        return WeakMode::default();
    };
    // Through the metatable's cache of absent metamethods: `setmetatable(obj, Class)` on
    // every new object asks the same class for `__mode` and `__gc` each time.
    match mt.meta_get(state.meta_name(MetaName::Mode), MetaName::Mode as u32) {
        Value::String(s) => {
            let b = s.as_bytes();
            WeakMode {
                keys: b.contains(&b'k'),
                values: b.contains(&b'v'),
            }
        }
        _ => WeakMode::default(),
    }
}

/// Set `t`'s metatable (`setmetatable`, `debug.setmetatable`), with its weak mode.
pub fn set_metatable<'gc>(
    mc: &gc_arena::Mutation<'gc>,
    state: &State<'gc>,
    t: Table<'gc>,
    mt: Option<Table<'gc>>,
) {
    let mode = mode_of(state, mt);
    let finalize = has_gc_field(state, mt);
    let (was_weak, newly_marked) = {
        let mut data = t.gc().borrow_mut(mc);
        let was = data.weak_mode().is_weak();
        data.set_weak_mode(mode);
        let newly = finalize && !data.finalizer_mark() && !state.host.borrow().closing;
        if newly {
            data.set_finalizer_mark(true);
        }
        (was, newly)
    };
    t.set_metatable(mc, mt);
    if mode.is_weak() && !was_weak {
        // Removed entries' keys were not traced while the table was strong.
        t.gc().borrow_mut(mc).kill_removed_keys();
        state.weak_tables.borrow_mut(mc).push(Gc::downgrade(t.gc()));
    }
    if newly_marked {
        state
            .finalizable
            .borrow_mut(mc)
            .push(Finalizable::Table(Gc::downgrade(t.gc())));
    }
}

fn dead<'gc>(fc: &Finalization<'gc>, v: &Value<'gc>) -> bool {
    match *v {
        Value::Table(t) => Gc::is_dead(fc, t.gc()),
        Value::Function(c) => Gc::is_dead(fc, c),
        Value::NativeFunction(n) => Gc::is_dead(fc, n),
        Value::Thread(t) => Gc::is_dead(fc, t.gc()),
        Value::UserData(u) => Gc::is_dead(fc, u),
        Value::String(s) => Gc::is_dead(fc, s.gc()),
        _ => false,
    }
}

fn resurrect<'gc>(fc: &Finalization<'gc>, v: &Value<'gc>) {
    match *v {
        Value::Table(t) => Gc::resurrect(fc, t.gc()),
        Value::Function(c) => Gc::resurrect(fc, c),
        Value::NativeFunction(n) => Gc::resurrect(fc, n),
        Value::Thread(t) => Gc::resurrect(fc, t.gc()),
        Value::UserData(u) => Gc::resurrect(fc, u),
        Value::String(s) => Gc::resurrect(fc, s.gc()),
        _ => {}
    }
}

/// Where a collection cycle's finalization step is (see the module documentation).
#[derive(Default)]
pub struct Cycle {
    /// The dead objects marked for finalization have been separated.
    separated: bool,
}

/// Run on a fully marked heap. Returns `true` if it kept more objects alive (ephemeron
/// values whose keys survived, objects to be finalized): the collector must mark again
/// and call it again. Returns `false` once it has cleared every dead weak entry: the heap
/// may be swept.
pub fn process<'gc>(fc: &Finalization<'gc>, state: &State<'gc>, cycle: &mut Cycle) -> bool {
    // Weak tables that are garbage themselves need no clearing (upgrading them would
    // keep them alive).
    let tables: Vec<_> = {
        let mut list = state.weak_tables.borrow_mut(fc);
        list.retain(|w| !w.is_dropped());
        list.iter()
            .filter(|w| !w.is_dead(fc))
            .filter_map(|w| w.upgrade(fc))
            .collect()
    };
    if keep_ephemerons(fc, &tables) {
        return true;
    }
    if !cycle.separated {
        cycle.separated = true;
        if separate(fc, state, &tables) {
            return true;
        }
    }
    for t in &tables {
        let mut data = t.borrow_mut(fc);
        if data.weak_mode().is_weak() {
            data.clear_weak(|v| is_collectable(v) && dead(fc, v));
        }
    }
    // Tables weak in keys and values do not trace string keys: keep those of the entries
    // that survived, then drop the rest (tombstones) as dead keys.
    let mut kept = false;
    for t in &tables {
        for k in t.borrow().dead_string_keys(|k| dead(fc, k)) {
            resurrect(fc, &k);
            kept = true;
        }
    }
    if kept {
        return true;
    }
    for t in &tables {
        let mut data = t.borrow_mut(fc);
        let mode = data.weak_mode();
        if mode.keys && mode.values {
            data.clear_weak(|v| {
                (is_collectable(v) || matches!(v, Value::String(_))) && dead(fc, v)
            });
        }
    }
    false
}

/// Resurrect the values of ephemeron entries whose key is alive; `true` if there were any.
fn keep_ephemerons<'gc>(
    fc: &Finalization<'gc>,
    tables: &[Gc<'gc, RefLock<TableData<'gc>>>],
) -> bool {
    let mut resurrected = false;
    for t in tables {
        let data = t.borrow();
        let mode = data.weak_mode();
        // Only weak-key tables with strong values are ephemerons.
        if !mode.keys || mode.values {
            continue;
        }
        for (k, v) in data.weak_entries() {
            let key_alive = k
                .as_ref()
                .is_none_or(|k| !is_collectable(k) || !dead(fc, k));
            if key_alive && is_collectable(&v) && dead(fc, &v) {
                resurrect(fc, &v);
                resurrected = true;
            }
        }
    }
    resurrected
}

/// Move the dead objects marked for finalization to `State::to_finalize`, resurrected;
/// `true` if there were any (the heap must be marked again).
fn separate<'gc>(
    fc: &Finalization<'gc>,
    state: &State<'gc>,
    tables: &[Gc<'gc, RefLock<TableData<'gc>>>],
) -> bool {
    let mut dead_objects = Vec::new();
    state.finalizable.borrow_mut(fc).retain(|f| {
        if f.is_dropped() {
            return false;
        }
        if f.is_dead(fc) {
            dead_objects.push(*f);
            return false;
        }
        true
    });
    if dead_objects.is_empty() {
        return false;
    }
    // Values only the finalized objects reach are cleared from weak-value tables before
    // those objects bring them back.
    for t in tables {
        t.borrow_mut(fc)
            .clear_weak_values(|v| is_collectable(v) && dead(fc, v));
    }
    let mut queue = state.to_finalize.borrow_mut(fc);
    for f in dead_objects.into_iter().rev() {
        if let Some(v) = f.resurrect(fc) {
            queue.push_back(v);
        }
    }
    true
}

/// Every object still marked for finalization, newest first, unmarked: what runs when the
/// runtime closes (after the queued ones).
pub fn take_all_marked<'gc>(mc: &Mutation<'gc>, state: &State<'gc>) -> Vec<Value<'gc>> {
    let list = std::mem::take(&mut *state.finalizable.borrow_mut(mc));
    list.into_iter()
        .rev()
        .filter_map(|f| f.upgrade(mc))
        .collect()
}

/// Clear `v`'s finalization mark (its finalizer is about to run; setting a metatable with
/// `__gc` marks it again).
pub fn unmark<'gc>(mc: &Mutation<'gc>, v: Value<'gc>) {
    match v {
        Value::Table(t) => t.gc().borrow_mut(mc).set_finalizer_mark(false),
        Value::UserData(u) => u.finalizer.set(false),
        _ => {}
    }
}

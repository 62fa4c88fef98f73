//! Weak tables (`__mode`), for the collector.
//!
//! A table whose metatable has `__mode` when `setmetatable` runs is *weak*: its traced
//! contents leave out collectable keys (mode `k`), collectable values (mode `v`), and for
//! weak keys also every value (ephemerons: a value is kept only while its key is). Such
//! tables are listed (weakly) in `State::weak_tables`. After marking, [`process`] first
//! resurrects the values of ephemeron entries whose key survived (which may make more
//! keys survive: the collector marks again and `process` runs again), then clears every
//! entry whose weak part is dead, before anything is swept. Strings and numbers are never
//! removed.

use gc_arena::{Finalization, Gc};

use crate::runtime::state::{MetaName, State};
use crate::table::{is_collectable, Table, WeakMode};
use crate::value::Value;

/// The weak mode `mt`'s `__mode` asks for.
pub fn mode_of<'gc>(state: &State<'gc>, mt: Option<Table<'gc>>) -> WeakMode {
    let Some(mt) = mt else {
        return WeakMode::default();
    };
    match mt.get_str(state.meta_name(MetaName::Mode)) {
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
    let was_weak = {
        let mut data = t.gc().borrow_mut(mc);
        let was = data.weak_mode().is_weak();
        data.set_weak_mode(mode);
        was
    };
    t.set_metatable(mc, mt);
    if mode.is_weak() && !was_weak {
        state.weak_tables.borrow_mut(mc).push(Gc::downgrade(t.gc()));
    }
}

fn dead<'gc>(fc: &Finalization<'gc>, v: &Value<'gc>) -> bool {
    match *v {
        Value::Table(t) => Gc::is_dead(fc, t.gc()),
        Value::Function(c) => Gc::is_dead(fc, c),
        Value::NativeFunction(n) => Gc::is_dead(fc, n),
        Value::Thread(t) => Gc::is_dead(fc, t.gc()),
        Value::UserData(u) => Gc::is_dead(fc, u),
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
        _ => {}
    }
}

/// Run on a fully marked heap. Returns `true` if it kept more objects alive (ephemeron
/// values whose keys survived): the collector must mark again and call it again. Returns
/// `false` once it has cleared every dead weak entry: the heap may be swept.
pub fn process<'gc>(fc: &Finalization<'gc>, state: &State<'gc>) -> bool {
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
    let mut resurrected = false;
    for t in &tables {
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
    if resurrected {
        return true;
    }
    for t in &tables {
        let mut data = t.borrow_mut(fc);
        if data.weak_mode().is_weak() {
            data.clear_weak(|v| is_collectable(v) && dead(fc, v));
        }
    }
    false
}

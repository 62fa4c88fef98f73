//! The three-way merge of a module's new values into the running ones.
//!
//! For every value the new version defines, three versions are at hand: the running one
//! (`cur`), the one the previous load produced (`base`, from the record's baseline), and
//! the new load's (`new`). Tables keep their identity and merge recursively (metatables
//! too); functions keep the running closure when it was rebound to the new code; data
//! keeps the running value when the source did not change its initial value (it is
//! state), and takes the new value when it did (it is an edit). Keys the new version no
//! longer defines: functions are removed, data is kept; keys the running program added
//! (absent from the baseline) are state and never touched.

use std::collections::{HashSet, VecDeque};

use gc_arena::{Gc, Mutation};
use wayfinder_vm::runtime::state::State;
use wayfinder_vm::table::Table;
use wayfinder_vm::value::Value;

use crate::report::ModuleReport;
use crate::request::Policy;

pub struct Merger<'gc, 'r> {
    pub mc: &'gc Mutation<'gc>,
    pub state: &'gc State<'gc>,
    pub policy: Policy,
    pub report: &'r mut ModuleReport,
    shadow_mark: Table<'gc>,
    meta_key: Table<'gc>,
    seen: HashSet<usize>,
    /// New closures replaced by the running ones they match.
    pub discarded: Vec<wayfinder_vm::function::Closure<'gc>>,
    /// Tables still to merge, breadth first, so each is reported under its shortest path.
    queue: VecDeque<(Table<'gc>, Table<'gc>, Value<'gc>, String)>,
    /// The path of the first write the allocator refused; the caller rolls the reload back.
    pub refused: Option<String>,
}

/// `path.key` for identifier-like string keys, `path[key]` otherwise.
pub fn child_path(path: &str, key: Value<'_>) -> String {
    match key {
        Value::String(s) => {
            let k = s.to_str_lossy();
            let ident = !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit());
            if ident {
                format!("{path}.{k}")
            } else {
                format!("{path}[{k:?}]")
            }
        }
        Value::Integer(i) => format!("{path}[{i}]"),
        Value::Number(f) => format!("{path}[{f}]"),
        Value::Boolean(b) => format!("{path}[{b}]"),
        other => format!("{path}[{}]", other.type_name()),
    }
}

fn is_function(v: Value<'_>) -> bool {
    matches!(v, Value::Function(_) | Value::NativeFunction(_))
}

/// Equal as data: same primitive value (strings by content).
fn same_data<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.as_bytes() == y.as_bytes(),
        (Value::Integer(x), Value::Number(y)) | (Value::Number(y), Value::Integer(x)) => {
            x as f64 == y
        }
        _ => a.raw_eq(b),
    }
}

impl<'gc, 'r> Merger<'gc, 'r> {
    pub fn new(
        mc: &'gc Mutation<'gc>,
        state: &'gc State<'gc>,
        policy: Policy,
        report: &'r mut ModuleReport,
    ) -> Merger<'gc, 'r> {
        let (shadow_mark, meta_key) = {
            let reg = state.modules.borrow();
            (reg.shadow_mark, reg.meta_key)
        };
        Merger {
            mc,
            state,
            policy,
            report,
            shadow_mark,
            meta_key,
            seen: HashSet::new(),
            discarded: Vec::new(),
            queue: VecDeque::new(),
            refused: None,
        }
    }

    fn shadow(&self, v: Value<'gc>) -> Option<Table<'gc>> {
        match v {
            Value::Table(t) if t.metatable().is_some_and(|m| m.ptr_eq(self.shadow_mark)) => Some(t),
            _ => None,
        }
    }

    /// The merged value for one slot: what the running program keeps. Tables it keeps
    /// are merged before it returns.
    pub fn merge_value(
        &mut self,
        cur: Value<'gc>,
        base: Value<'gc>,
        new: Value<'gc>,
        path: &str,
    ) -> Value<'gc> {
        let v = self.merge_slot(cur, base, new, path);
        self.drain();
        v
    }

    /// Merge `new`'s fields (and metatable) into `old`, which keeps its identity.
    pub fn merge_table(&mut self, old: Table<'gc>, new: Table<'gc>, base: Value<'gc>, path: &str) {
        self.queue.push_back((old, new, base, path.to_string()));
        self.drain();
    }

    fn drain(&mut self) {
        while let Some((old, new, base, path)) = self.queue.pop_front() {
            self.merge_table_now(old, new, base, &path);
        }
    }

    fn merge_slot(
        &mut self,
        cur: Value<'gc>,
        base: Value<'gc>,
        new: Value<'gc>,
        path: &str,
    ) -> Value<'gc> {
        match new {
            Value::Function(nc) => {
                // The running closure now runs this code (it was rebound): keep its identity.
                if let Value::Function(cc) = cur {
                    if Gc::ptr_eq(cc.proto.get(), nc.proto.get()) {
                        if !Gc::ptr_eq(cc, nc) {
                            self.discarded.push(nc);
                        }
                        return cur;
                    }
                }
                new
            }
            Value::Table(nt) => match cur {
                Value::Table(ct) if ct.ptr_eq(nt) => cur,
                Value::Table(ct) if self.policy.preserve.tables && self.policy.preserve_state => {
                    self.queue.push_back((ct, nt, base, path.to_string()));
                    cur
                }
                _ => {
                    self.report.updated.push(path.to_string());
                    new
                }
            },
            _ if is_function(cur) || matches!(cur, Value::Table(_)) => {
                // A function or table replaced by data: the edit wins.
                self.report.updated.push(path.to_string());
                new
            }
            _ => {
                if same_data(cur, new) {
                    return cur;
                }
                let unchanged_source =
                    self.shadow(base).is_none() && !base.is_nil() && same_data(base, new);
                if self.policy.preserve_state && unchanged_source && !cur.is_nil() {
                    self.report.kept.push(path.to_string());
                    cur
                } else {
                    self.report.updated.push(path.to_string());
                    new
                }
            }
        }
    }

    /// Write one merged field into a running table. A write the allocator refuses (the
    /// table cannot grow) is remembered, not ignored: the caller rolls the reload back.
    fn write(
        &mut self,
        t: Table<'gc>,
        k: Value<'gc>,
        v: Value<'gc>,
        path: impl FnOnce() -> String,
    ) {
        let written = self.state.journaled_set(self.mc, t, k, v);
        if written.is_err() && self.refused.is_none() {
            self.refused = Some(path());
        }
    }

    fn merge_table_now(&mut self, old: Table<'gc>, new: Table<'gc>, base: Value<'gc>, path: &str) {
        if !self.seen.insert(Gc::as_ptr(old.gc()) as usize) || self.refused.is_some() {
            return;
        }
        let base = self.shadow(base);
        // Walks `new` in place (the merge writes only into running tables, never into the
        // new version's), so a big table needs no copy of its entries.
        let mut key = Value::Nil;
        while let Ok(Some((k, nv))) = new.next(key) {
            key = k;
            let cv = old.get(k);
            let bv = base.map_or(Value::Nil, |b| b.get(k));
            let merged = self.merge_slot(cv, bv, nv, &child_path(path, k));
            if !merged.raw_eq(cv) {
                self.write(old, k, merged, || child_path(path, k));
                if self.refused.is_some() {
                    return;
                }
            }
        }
        // Keys the new version no longer defines.
        let mut gone = Vec::new();
        let mut key = Value::Nil;
        while let Ok(Some((k, v))) = old.next(key) {
            if new.get(k).is_nil() && is_function(v) && base.is_some_and(|b| !b.get(k).is_nil()) {
                gone.push(k);
            }
            key = k;
        }
        for k in gone {
            // Removing a present key never allocates.
            self.write(old, k, Value::Nil, || child_path(path, k));
            self.report.removed.push(child_path(path, k));
        }
        // Metatables merge the same way, so methods change for every instance.
        let meta_path = format!("{path}<metatable>");
        match (old.metatable(), new.metatable()) {
            (Some(om), Some(nm)) if om.ptr_eq(nm) => {}
            (Some(om), Some(nm)) if self.policy.preserve.metatables => {
                let bm = base.map_or(Value::Nil, |b| b.get(Value::Table(self.meta_key)));
                self.queue.push_back((om, nm, bm, meta_path));
            }
            (_, Some(nm)) => {
                if self.state.before_table_write(self.mc, old).is_err() {
                    self.refused.get_or_insert(meta_path);
                    return;
                }
                old.set_metatable(self.mc, Some(nm));
                self.report.updated.push(meta_path);
            }
            (_, None) => {}
        }
    }
}

//! The reload transaction's undo journal.
//!
//! While a reload transaction is open (`State::txn_open`), every table, upvalue cell,
//! closure and prototype forward that is about to change is copied here the first time
//! it changes. Rolling back puts every copy back, so a failed reload leaves the program
//! exactly as it was. Writers call [`crate::runtime::state::State::before_table_write`]
//! and friends; the executor routes every table write through its slow path while a
//! transaction is open (see `exec::dispatch`), so the fast paths cost nothing otherwise.

use std::collections::HashSet;

use gc_arena::{Collect, Gc, Mutation};

use crate::function::{set_closure_parts, set_forward, Closure, Forward, Proto, UpvalueCell};
use crate::modules::ModuleRecord;
use crate::table::{SetError, Table, TableData};
use crate::value::Value;

/// The shared metatables as they were when the transaction opened (string, other types).
pub type SharedMetatables<'gc> = (
    Option<Table<'gc>>,
    crate::runtime::state::TypeMetatables<'gc>,
);

#[derive(Collect)]
#[collect(no_drop)]
pub struct Journal<'gc> {
    records: Vec<ModuleRecord<'gc>>,
    metatables: SharedMetatables<'gc>,
    tables: Vec<(Table<'gc>, TableData<'gc>)>,
    cells: Vec<(UpvalueCell<'gc>, Value<'gc>)>,
    closures: Vec<ClosureCopy<'gc>>,
    forwards: Vec<(Gc<'gc, Proto<'gc>>, Option<Gc<'gc, Forward<'gc>>>)>,
    /// Addresses of the objects already copied (first write wins).
    #[collect(require_static)]
    seen: HashSet<usize>,
}

#[derive(Collect)]
#[collect(no_drop)]
struct ClosureCopy<'gc> {
    closure: Closure<'gc>,
    proto: Gc<'gc, Proto<'gc>>,
    upvalues: Box<[UpvalueCell<'gc>]>,
}

impl<'gc> Journal<'gc> {
    /// A journal for a transaction opening now, with the module records and shared
    /// metatables as they are.
    pub fn new(records: Vec<ModuleRecord<'gc>>, metatables: SharedMetatables<'gc>) -> Journal<'gc> {
        Journal {
            records,
            metatables,
            tables: Vec::new(),
            cells: Vec::new(),
            closures: Vec::new(),
            forwards: Vec::new(),
            seen: HashSet::new(),
        }
    }

    fn first_time(&mut self, addr: usize) -> bool {
        self.seen.insert(addr)
    }

    /// Copy `t` if this is its first change. A copy the allocator refuses is an error (and
    /// the table stays unrecorded, so a later write tries again).
    pub fn table(&mut self, t: Table<'gc>) -> Result<(), SetError> {
        let addr = Gc::as_ptr(t.gc()) as usize;
        if self.first_time(addr) {
            match t.snapshot() {
                Ok(copy) => self.tables.push((t, copy)),
                Err(e) => {
                    self.seen.remove(&addr);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    pub fn cell(&mut self, c: UpvalueCell<'gc>) {
        if self.first_time(Gc::as_ptr(c) as usize) {
            self.cells.push((c, c.get()));
        }
    }

    pub fn closure(&mut self, c: Closure<'gc>) {
        if self.first_time(Gc::as_ptr(c) as usize) {
            self.closures.push(ClosureCopy {
                closure: c,
                proto: c.proto.get(),
                upvalues: c.upvalues.borrow().clone(),
            });
        }
    }

    pub fn forward(&mut self, p: Gc<'gc, Proto<'gc>>) {
        // Prototypes and closures are different objects, so addresses never collide.
        if self.first_time(Gc::as_ptr(p) as usize) {
            self.forwards.push((p, p.forward.get()));
        }
    }

    /// The value `t[key]` had before the transaction first changed `t`, if it changed.
    pub fn original_table(&self, t: Table<'gc>) -> Option<&TableData<'gc>> {
        self.tables
            .iter()
            .find(|(x, _)| x.ptr_eq(t))
            .map(|(_, data)| data)
    }

    /// Undo every change to heap objects, newest first, and hand back the module records
    /// and shared metatables to restore.
    pub fn roll_back(self, mc: &Mutation<'gc>) -> (Vec<ModuleRecord<'gc>>, SharedMetatables<'gc>) {
        for (p, f) in self.forwards.into_iter().rev() {
            set_forward(mc, p, f);
        }
        for c in self.closures.into_iter().rev() {
            set_closure_parts(mc, c.closure, c.proto, c.upvalues);
        }
        for (c, v) in self.cells.into_iter().rev() {
            c.set(mc, v);
        }
        for (t, data) in self.tables.into_iter().rev() {
            t.restore(mc, data);
        }
        (self.records, self.metatables)
    }
}

//! Full userdata: opaque Rust data with a metatable (used for io file handles).

use std::any::Any;
use std::cell::RefCell;

use gc_arena::{lock::Lock, Collect, Gc, Mutation};

use crate::table::Table;

#[derive(Collect)]
#[collect(no_drop)]
pub struct UserDataData<'gc> {
    #[collect(require_static)]
    pub data: RefCell<Box<dyn Any>>,
    pub metatable: Lock<Option<Table<'gc>>>,
    /// The Rust value's own size, charged to the memory account while it lives (what
    /// the value owns on the heap is not visible here).
    #[collect(require_static)]
    _charged: crate::limits::Charged,
    /// Marked for finalization (`__gc` in the metatable when it was set) and not yet
    /// handed to its finalizer: see `weak.rs`.
    #[collect(require_static)]
    pub finalizer: std::cell::Cell<bool>,
}

pub type UserData<'gc> = Gc<'gc, UserDataData<'gc>>;

pub fn new_userdata<'gc>(
    mc: &Mutation<'gc>,
    data: Box<dyn Any>,
    metatable: Option<Table<'gc>>,
) -> UserData<'gc> {
    let mut charged = crate::limits::Charged::default();
    charged.add(std::mem::size_of_val(&*data));
    Gc::new(
        mc,
        UserDataData {
            data: RefCell::new(data),
            metatable: Lock::new(metatable),
            _charged: charged,
            finalizer: std::cell::Cell::new(false),
        },
    )
}

pub fn set_userdata_metatable<'gc>(mc: &Mutation<'gc>, u: UserData<'gc>, mt: Option<Table<'gc>>) {
    gc_arena::barrier::unlock!(Gc::write(mc, u), UserDataData, metatable).set(mt);
}

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
    Gc::new(
        mc,
        UserDataData {
            data: RefCell::new(data),
            metatable: Lock::new(metatable),
            finalizer: std::cell::Cell::new(false),
        },
    )
}

pub fn set_userdata_metatable<'gc>(mc: &Mutation<'gc>, u: UserData<'gc>, mt: Option<Table<'gc>>) {
    gc_arena::barrier::unlock!(Gc::write(mc, u), UserDataData, metatable).set(mt);
}

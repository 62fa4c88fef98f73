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
        },
    )
}

pub fn set_userdata_metatable<'gc>(mc: &Mutation<'gc>, u: UserData<'gc>, mt: Option<Table<'gc>>) {
    gc_arena::barrier::unlock!(Gc::write(mc, u), UserDataData, metatable).set(mt);
}

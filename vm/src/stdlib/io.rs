//! The `io` library. (Being written.)

use gc_arena::Mutation;

use crate::runtime::state::State;

pub fn open<'gc>(_mc: &'gc Mutation<'gc>, _state: &State<'gc>) {}

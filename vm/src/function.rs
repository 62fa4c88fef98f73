//! Prototypes, Lua closures (rebindable) and native functions.

use std::collections::HashMap;
use std::rc::Rc;

use gc_arena::{
    lock::{Lock, RefLock},
    Collect, Gc, Mutation,
};

use crate::bytecode::{Constant, FunctionProto};
use crate::runtime::ctx::NativeFn;
use crate::string::{Interner, LuaString};
use crate::value::Value;

/// A loaded prototype: the compiled function plus its constants as GC values.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Proto<'gc> {
    #[collect(require_static)]
    pub info: Rc<FunctionProto>,
    /// Copies of `info`'s code and frame shape, one pointer hop closer for the executor's
    /// call and return paths.
    #[collect(require_static)]
    pub code: Box<[crate::bytecode::Instr]>,
    pub max_registers: u8,
    pub num_params: u8,
    pub num_cells: u8,
    pub is_vararg: bool,
    pub constants: Box<[Value<'gc>]>,
    pub protos: Box<[Gc<'gc, Proto<'gc>>]>,
}

impl<'gc> Proto<'gc> {
    /// Turn a compiled function (and its children) into GC prototypes.
    pub fn load(
        mc: &Mutation<'gc>,
        interner: Interner<'gc>,
        info: Rc<FunctionProto>,
    ) -> Gc<'gc, Proto<'gc>> {
        Self::load_sharing(mc, interner, info, &mut HashMap::new())
    }

    /// `load`, with one string object per distinct string constant of the whole chunk, as
    /// Lua's scanner gives (observable with `%p`, even for long strings).
    fn load_sharing(
        mc: &Mutation<'gc>,
        interner: Interner<'gc>,
        info: Rc<FunctionProto>,
        strings: &mut HashMap<Box<[u8]>, LuaString<'gc>>,
    ) -> Gc<'gc, Proto<'gc>> {
        let constants = info
            .constants
            .iter()
            .map(|c| match c {
                Constant::Nil => Value::Nil,
                Constant::Boolean(b) => Value::Boolean(*b),
                Constant::Integer(i) => Value::Integer(*i),
                Constant::Float(f) => Value::Number(*f),
                Constant::String(s) => Value::String(
                    *strings
                        .entry(s.clone())
                        .or_insert_with(|| interner.intern(mc, s)),
                ),
            })
            .collect();
        let protos = info
            .protos
            .iter()
            .map(|p| Proto::load_sharing(mc, interner, p.clone(), strings))
            .collect();
        Gc::new(
            mc,
            Proto {
                code: info.code.clone().into_boxed_slice(),
                max_registers: info.max_registers,
                num_params: info.num_params,
                num_cells: info.num_cells,
                is_vararg: info.is_vararg,
                info,
                constants,
                protos,
            },
        )
    }
}

/// A shared variable cell: a captured local or an upvalue.
pub type UpvalueCell<'gc> = Gc<'gc, Lock<Value<'gc>>>;

pub fn new_cell<'gc>(mc: &Mutation<'gc>, v: Value<'gc>) -> UpvalueCell<'gc> {
    Gc::new(mc, Lock::new(v))
}

/// A Lua closure. Its prototype sits in a `Lock` so hot reload can point the *existing*
/// closure object at new code; its upvalue list can be remapped the same way.
#[derive(Collect)]
#[collect(no_drop)]
pub struct ClosureData<'gc> {
    pub proto: Lock<Gc<'gc, Proto<'gc>>>,
    pub upvalues: RefLock<Box<[UpvalueCell<'gc>]>>,
}

pub type Closure<'gc> = Gc<'gc, ClosureData<'gc>>;

pub fn new_closure<'gc>(
    mc: &Mutation<'gc>,
    proto: Gc<'gc, Proto<'gc>>,
    upvalues: Box<[UpvalueCell<'gc>]>,
) -> Closure<'gc> {
    Gc::new(
        mc,
        ClosureData {
            proto: Lock::new(proto),
            upvalues: RefLock::new(upvalues),
        },
    )
}

/// Rebind a closure to another prototype (used by hot reload).
pub fn rebind_closure<'gc>(mc: &Mutation<'gc>, closure: Closure<'gc>, proto: Gc<'gc, Proto<'gc>>) {
    gc_arena::barrier::unlock!(Gc::write(mc, closure), ClosureData, proto).set(proto);
}

/// Native functions the executor implements itself because they manipulate frames or
/// threads (so they stay yieldable and never nest the Rust stack).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Collect)]
#[collect(require_static)]
pub enum Builtin {
    Pcall,
    Xpcall,
    Error,
    CoroutineResume,
    /// The function returned by `coroutine.wrap`; upvalue 0 is the thread.
    CoroutineWrapCall,
    CoroutineYield,
    /// `pairs`: calls `__pairs` through a `Forward` frame; upvalue 0 is the real `next`.
    Pairs,
    /// `dofile`: runs the loaded chunk through a `Forward` frame.
    Dofile,
}

/// Iterator functions that a generic `for` steps inline, without a native call, when the
/// loop state is a plain table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Collect)]
#[collect(require_static)]
pub enum FastIter {
    /// The iterator `ipairs` returns.
    Ipairs,
    /// `next` (what `pairs` returns for a table without `__pairs`).
    Next,
}

#[derive(Clone, Copy, Collect)]
#[collect(require_static)]
pub enum NativeKind {
    Fn(NativeFn),
    Builtin(Builtin),
    /// An ordinary native function `f` that the generic `for` may also step inline.
    Iter(FastIter, NativeFn),
}

/// A function implemented in Rust, with optional upvalues (like a C closure).
#[derive(Collect)]
#[collect(no_drop)]
pub struct NativeData<'gc> {
    pub name: &'static str,
    pub kind: NativeKind,
    pub upvalues: RefLock<Vec<Value<'gc>>>,
}

pub type NativeFunction<'gc> = Gc<'gc, NativeData<'gc>>;

pub fn new_native<'gc>(
    mc: &Mutation<'gc>,
    name: &'static str,
    kind: NativeKind,
    upvalues: Vec<Value<'gc>>,
) -> NativeFunction<'gc> {
    Gc::new(
        mc,
        NativeData {
            name,
            kind,
            upvalues: RefLock::new(upvalues),
        },
    )
}

/// Replace upvalue `i` of a native function.
pub fn set_native_upvalue<'gc>(
    mc: &Mutation<'gc>,
    f: NativeFunction<'gc>,
    i: usize,
    v: Value<'gc>,
) {
    gc_arena::barrier::unlock!(Gc::write(mc, f), NativeData, upvalues).borrow_mut()[i] = v;
}

//! Prototypes, Lua closures (rebindable) and native functions.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use gc_arena::{
    lock::{Lock, RefLock},
    Collect, Gc, GcWeak, Mutation,
};

use crate::bytecode::{Constant, FunctionProto};
use crate::runtime::ctx::{NativeFn, QuickFn, QuickProc};
use crate::string::{Interner, LuaString};
use crate::value::Value;

/// A loaded prototype: the compiled function plus its constants as GC values.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Proto<'gc> {
    /// Shared with `Arc` (not `Rc`) so a runtime can move to another thread.
    #[collect(require_static)]
    pub info: Arc<FunctionProto>,
    /// `info`'s code, addressed directly (see [`Proto::code`]), and copies of its frame
    /// shape: one pointer hop closer for the executor's call and return paths.
    #[collect(require_static)]
    code: CodeRef,
    pub max_registers: u8,
    pub num_params: u8,
    pub num_cells: u8,
    pub is_vararg: bool,
    pub constants: Box<[Value<'gc>]>,
    pub protos: Box<[Gc<'gc, Proto<'gc>>]>,
    /// The closures made from this prototype, weakly: hot reload finds every live closure
    /// of a prototype here, at a cost proportional to the module, never by walking the
    /// heap. Dead entries are pruned as the list grows. After a reload some entries may be
    /// closures rebound to another prototype; readers check `ClosureData::proto`.
    pub closures: RefLock<Vec<GcWeak<'gc, ClosureData<'gc>>>>,
    /// The collection epoch (`GC_EPOCH`) at which `closures` was last pruned.
    #[collect(require_static)]
    pruned_epoch: Cell<u32>,
    /// Set when hot reload replaced this prototype: closures that old code still creates
    /// from it are made on the replacement instead (see [`Forward`]).
    pub forward: Lock<Option<Gc<'gc, Forward<'gc>>>>,
}

/// The address of a prototype's own `info.code` (see [`Proto::code`]).
struct CodeRef(*const [crate::bytecode::Instr]);

// SAFETY: the pointer targets the immutable contents of the prototype's `Arc<FunctionProto>`,
// which is itself `Send + Sync`; sending or sharing the address is as safe as the `Arc`.
unsafe impl Send for CodeRef {}
unsafe impl Sync for CodeRef {}

/// Where a replaced prototype's closures go: the new prototype, and where each of its
/// upvalues comes from for a closure laid out for the old one.
///
/// A rebound closure's upvalue list is the new layout, then the old cells the new layout
/// has no place for (variables the new version dropped), then cells such lists already
/// carried; so a frame still running the old code can get its old layout back
/// ([`Forward::position`], [`detach_rebound_frames`]).
#[derive(Collect)]
#[collect(no_drop)]
pub struct Forward<'gc> {
    pub target: Gc<'gc, Proto<'gc>>,
    pub plan: Box<[UpvalueSource<'gc>]>,
    /// For each upvalue of the old layout, its index in a rebound closure's list.
    #[collect(require_static)]
    positions: Box<[usize]>,
    /// How many old cells follow the new layout.
    dropped: usize,
}

impl<'gc> Forward<'gc> {
    /// The forward from `old` to `target` under `plan`. An old upvalue keeps its cell in
    /// the new layout when the plan takes it (`Old(i)`) or shares a module-wide cell under
    /// its name (a joined chunk local); otherwise it follows the new layout.
    pub fn new(
        old: &Proto<'gc>,
        target: Gc<'gc, Proto<'gc>>,
        plan: Box<[UpvalueSource<'gc>]>,
    ) -> Forward<'gc> {
        let mut dropped = 0;
        let positions = old
            .info
            .upvalues
            .iter()
            .enumerate()
            .map(|(i, desc)| {
                let kept = plan.iter().enumerate().position(|(j, src)| match src {
                    UpvalueSource::Old(k) => *k == i,
                    UpvalueSource::Shared(_) => target.info.upvalues[j].name == desc.name,
                    UpvalueSource::Fresh => false,
                });
                kept.unwrap_or_else(|| {
                    dropped += 1;
                    plan.len() + dropped - 1
                })
            })
            .collect();
        Forward {
            target,
            plan,
            positions,
            dropped,
        }
    }

    /// Where old upvalue `i` (or a cell carried past the old layout) sits in the list of a
    /// closure rebound by this forward.
    pub fn position(&self, i: usize) -> usize {
        match self.positions.get(i) {
            Some(p) => *p,
            None => self.plan.len() + self.dropped + (i - self.positions.len()),
        }
    }
}

/// How a rebound closure obtains upvalue `j` of its new prototype.
#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub enum UpvalueSource<'gc> {
    /// Its own upvalue `i` under the old layout (the variable still exists: state kept).
    Old(usize),
    /// A cell shared by the whole module (a chunk-level local, `_ENV`).
    Shared(UpvalueCell<'gc>),
    /// A fresh cell holding nil (the variable is new to this closure).
    Fresh,
}

impl<'gc> Proto<'gc> {
    /// Turn a compiled function (and its children) into GC prototypes.
    ///
    /// `info` is the caller's handle on the compiled chunk; the runtime keeps the chunk
    /// in `Arc`s of its own (its top level is copied if the caller still shares it), so no
    /// `Rc` links the heap to code outside and the runtime stays `Send`.
    pub fn load(
        mc: &Mutation<'gc>,
        interner: Interner<'gc>,
        info: Rc<FunctionProto>,
    ) -> Gc<'gc, Proto<'gc>> {
        let info = Arc::new(Rc::try_unwrap(info).unwrap_or_else(|shared| (*shared).clone()));
        Self::load_sharing(mc, interner, &info, &mut HashMap::new())
    }

    /// `load`, with one string object per distinct string constant of the whole chunk, as
    /// Lua's scanner gives (observable with `%p`, even for long strings).
    /// The map's keys borrow the constants themselves (a data file has hundreds of thousands).
    fn load_sharing<'a>(
        mc: &Mutation<'gc>,
        interner: Interner<'gc>,
        info: &'a Arc<FunctionProto>,
        strings: &mut HashMap<&'a [u8], LuaString<'gc>>,
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
                        .entry(&s[..])
                        .or_insert_with(|| interner.intern(mc, s)),
                ),
            })
            .collect();
        let protos = info
            .protos
            .iter()
            .map(|p| Proto::load_sharing(mc, interner, p, strings))
            .collect();
        Gc::new(
            mc,
            Proto {
                code: CodeRef(&info.code[..] as *const [crate::bytecode::Instr]),
                max_registers: info.max_registers,
                num_params: info.num_params,
                num_cells: info.num_cells,
                is_vararg: info.is_vararg,
                info: info.clone(),
                constants,
                protos,
                closures: RefLock::new(Vec::new()),
                pruned_epoch: Cell::new(0),
                forward: Lock::new(None),
            },
        )
    }

    /// The instructions (`info.code`): the executor reads them here, one hop from the
    /// prototype, as it would a copy, but a big chunk's code is stored once.
    #[inline(always)]
    pub fn code(&self) -> &[crate::bytecode::Instr] {
        // SAFETY: `code` points at the instructions of `self.info`, an `Arc` this prototype
        // holds for its whole life and that nothing mutates (no `&mut` to its contents can
        // exist while this clone of the `Arc` is alive), so the buffer stays put and valid.
        unsafe { &*self.code.0 }
    }

    /// The prototype that replaced this one (following reloads to the newest), or this one.
    pub fn resolve(this: Gc<'gc, Proto<'gc>>) -> Gc<'gc, Proto<'gc>> {
        let mut p = this;
        while let Some(f) = p.forward.get() {
            p = f.target;
        }
        p
    }

    /// The live closures of this prototype: those bound to it, or, if reloads replaced it,
    /// to its newest replacement.
    pub fn live_closures(this: Gc<'gc, Proto<'gc>>, mc: &Mutation<'gc>) -> Vec<Closure<'gc>> {
        let this = Proto::resolve(this);
        let list = this.closures.borrow();
        let mut out: Vec<Closure<'gc>> = list
            .iter()
            .filter_map(|w| w.upgrade(mc))
            .filter(|c| Gc::ptr_eq(c.proto.get(), this))
            .collect();
        // A closure rebound back and forth may be listed twice.
        out.sort_by_key(|c| Gc::as_ptr(*c) as usize);
        out.dedup_by(|a, b| Gc::ptr_eq(*a, *b));
        out
    }

    /// Every prototype of this tree (this one first, then children depth-first).
    pub fn tree(this: Gc<'gc, Proto<'gc>>) -> Vec<Gc<'gc, Proto<'gc>>> {
        let mut out = vec![this];
        let mut i = 0;
        while i < out.len() {
            let p = out[i];
            out.extend(p.protos.iter().copied());
            i += 1;
        }
        out
    }
}

/// Bumped when a collection cycle ends (`note_collection_cycle`). A dead closure's memory
/// is freed only once no weak entry points at it, so each prototype's list drops its dead
/// entries at its first closure after a cycle, not only when it is full (which kept up to
/// a list's worth of dead closures allocated). Global rather than per arena: another
/// runtime's cycles only make a prune come early, never late.
static GC_EPOCH: AtomicU32 = AtomicU32::new(0);

/// Tell closure lists that a collection cycle has ended (their dead entries are dropped).
pub fn note_collection_cycle() {
    GC_EPOCH.fetch_add(1, Ordering::Relaxed);
}

/// The number of collection cycles noted so far (in this process).
#[cfg(test)]
pub(crate) fn collection_epoch() -> u32 {
    GC_EPOCH.load(Ordering::Relaxed)
}

/// Record `closure` in its prototype's list of closures, pruning dead entries after each
/// collection cycle and when the list is full (amortised O(1) per closure).
#[inline]
pub fn register_closure<'gc>(
    mc: &Mutation<'gc>,
    proto: Gc<'gc, Proto<'gc>>,
    closure: Closure<'gc>,
) {
    let epoch = GC_EPOCH.load(Ordering::Relaxed);
    let new_cycle = proto.pruned_epoch.get() != epoch;
    let list = gc_arena::barrier::unlock!(Gc::write(mc, proto), Proto, closures);
    let mut list = list.borrow_mut();
    if (new_cycle || list.len() == list.capacity()) && list.len() >= 8 {
        proto.pruned_epoch.set(epoch);
        list.retain(|w| !w.is_dropped());
        let len = list.len();
        if len * 4 < list.capacity() {
            list.shrink_to((len * 2).max(8));
        }
        if len * 2 > list.capacity() {
            list.reserve(len);
        }
    }
    list.push(Gc::downgrade(closure));
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

/// A new closure of `proto`, recorded in the prototype's closure list. If hot reload has
/// replaced `proto`, the closure is made on the replacement (old code that creates
/// closures after a reload creates new-code closures).
pub fn new_closure<'gc>(
    mc: &Mutation<'gc>,
    proto: Gc<'gc, Proto<'gc>>,
    upvalues: Box<[UpvalueCell<'gc>]>,
) -> Closure<'gc> {
    let closure = Gc::new(
        mc,
        ClosureData {
            proto: Lock::new(proto),
            upvalues: RefLock::new(upvalues),
        },
    );
    register_closure(mc, proto, closure);
    if proto.forward.get().is_some() {
        follow_forward(mc, closure);
    }
    closure
}

/// Rebind `closure` along its prototype's forward chain to the newest prototype.
#[cold]
pub fn follow_forward<'gc>(mc: &Mutation<'gc>, closure: Closure<'gc>) {
    while let Some(fwd) = closure.proto.get().forward.get() {
        rebind_with_forward(mc, closure, &fwd);
    }
}

/// Point `closure`, laid out for the prototype `forward` replaces, at `forward.target`,
/// building its upvalue list from the plan (see [`Forward`]). Returns how many upvalues got
/// a fresh cell. The closure keeps its identity; running frames keep their own prototype.
pub fn rebind_with_forward<'gc>(
    mc: &Mutation<'gc>,
    closure: Closure<'gc>,
    forward: &Forward<'gc>,
) -> usize {
    let old = closure.upvalues.borrow().clone();
    let mut fresh = 0;
    let mut ups: Vec<UpvalueCell<'gc>> = forward
        .plan
        .iter()
        .map(|src| match *src {
            UpvalueSource::Old(i) if i < old.len() => old[i],
            UpvalueSource::Shared(c) => c,
            _ => {
                fresh += 1;
                new_cell(mc, Value::Nil)
            }
        })
        .collect();
    // Cells of dropped variables, then those carried from earlier reloads, for frames
    // still running older code.
    let layout = forward.positions.len();
    ups.extend(
        (0..layout)
            .filter(|i| forward.positions[*i] >= forward.plan.len())
            .filter_map(|i| old.get(i).copied()),
    );
    ups.extend(old.iter().skip(layout).copied());
    set_closure_parts(mc, closure, forward.target, ups.into_boxed_slice());
    register_closure(mc, forward.target, closure);
    fresh
}

/// The upvalue list a frame running `old` code needs, for a closure since rebound (through
/// the forwards from `old`) to another prototype; `None` if no forward chain leads there.
pub fn old_layout<'gc>(
    mc: &Mutation<'gc>,
    closure: Closure<'gc>,
    old: Gc<'gc, Proto<'gc>>,
) -> Option<Box<[UpvalueCell<'gc>]>> {
    let now = closure.proto.get();
    let mut chain = Vec::new();
    let mut p = old;
    while !Gc::ptr_eq(p, now) {
        let f = p.forward.get()?;
        chain.push(f);
        p = f.target;
    }
    let list = closure.upvalues.borrow();
    Some(
        (0..old.info.upvalues.len())
            .map(|i| {
                let k = chain.iter().fold(i, |k, f| f.position(k));
                list.get(k)
                    .copied()
                    .unwrap_or_else(|| new_cell(mc, Value::Nil))
            })
            .collect(),
    )
}

/// Give every frame of `th` that runs old code on a closure rebound since it started a
/// private copy of the closure with the old prototype and its old upvalue layout (same
/// cells), so it finishes on its old code with shared state.
pub fn detach_rebound_frames<'gc>(mc: &Mutation<'gc>, th: &mut crate::thread::ThreadState<'gc>) {
    for frame in th.frames.iter_mut() {
        if let crate::thread::Frame::Lua(f) = frame {
            if Gc::ptr_eq(f.proto, f.closure.proto.get()) {
                continue;
            }
            if let Some(upvalues) = old_layout(mc, f.closure, f.proto) {
                f.closure = Gc::new(
                    mc,
                    ClosureData {
                        proto: Lock::new(f.proto),
                        upvalues: RefLock::new(upvalues),
                    },
                );
            }
        }
    }
}

/// Set a closure's prototype and upvalue list (reload and its rollback).
pub fn set_closure_parts<'gc>(
    mc: &Mutation<'gc>,
    closure: Closure<'gc>,
    proto: Gc<'gc, Proto<'gc>>,
    upvalues: Box<[UpvalueCell<'gc>]>,
) {
    let w = Gc::write(mc, closure);
    gc_arena::barrier::unlock!(w, ClosureData, proto).set(proto);
    *gc_arena::barrier::unlock!(w, ClosureData, upvalues).borrow_mut() = upvalues;
}

/// Set or clear a prototype's forward (reload and its rollback).
pub fn set_forward<'gc>(
    mc: &Mutation<'gc>,
    proto: Gc<'gc, Proto<'gc>>,
    forward: Option<Gc<'gc, Forward<'gc>>>,
) {
    gc_arena::barrier::unlock!(Gc::write(mc, proto), Proto, forward).set(forward);
}

/// Rebind a closure to another prototype, keeping its upvalue list as is.
pub fn rebind_closure<'gc>(mc: &Mutation<'gc>, closure: Closure<'gc>, proto: Gc<'gc, Proto<'gc>>) {
    gc_arena::barrier::unlock!(Gc::write(mc, closure), ClosureData, proto).set(proto);
    register_closure(mc, proto, closure);
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
    /// `require`: runs a module's loader through a `Forward` frame holding the pending load
    /// (upvalue 0 is the `package` table).
    Require,
    /// `debug.sethook`: the running thread's loop must switch to (or from) its hooked mode.
    Sethook,
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
    /// `assert`, native `f`: a call that passes (a true first argument) is done by the
    /// executor without calling `f`.
    Assert(NativeFn),
    /// Native `f` with a [`QuickFn`] for its common case, which the executor tries first
    /// (a call from Lua then needs no native frame, context or result copy).
    Quick(QuickFn, NativeFn),
    /// Native `f` without results, with a [`QuickProc`] for its common case, tried first
    /// as a [`QuickFn`] is.
    QuickProc(QuickProc, NativeFn),
    /// A Rust closure registered by the host ([`NativeData::host`]).
    Host,
}

/// A host closure callable from Lua: it may capture host state (it is `Send` so the
/// runtime stays `Send`; `Fn`, so a closure that Lua re-enters while it runs is fine).
pub type HostFn = Box<
    dyn for<'gc, 'a> Fn(
            &mut crate::runtime::ctx::Ctx<'gc, 'a>,
        ) -> Result<usize, crate::runtime::error::LuaError<'gc>>
        + Send
        + 'static,
>;

/// A function implemented in Rust, with optional upvalues (like a C closure).
#[derive(Collect)]
#[collect(no_drop)]
pub struct NativeData<'gc> {
    pub name: &'static str,
    pub kind: NativeKind,
    pub upvalues: RefLock<Vec<Value<'gc>>>,
    /// The closure of a [`NativeKind::Host`] function.
    #[collect(require_static)]
    pub host: Option<HostFn>,
}

pub type NativeFunction<'gc> = Gc<'gc, NativeData<'gc>>;

pub fn new_native<'gc>(
    mc: &Mutation<'gc>,
    name: &'static str,
    kind: NativeKind,
    upvalues: Vec<Value<'gc>>,
) -> NativeFunction<'gc> {
    native(mc, name, kind, upvalues, None)
}

/// A native function running host closure `f`, with `upvalues` (`Ctx::upvalue`).
pub fn new_host_native<'gc>(
    mc: &Mutation<'gc>,
    name: &'static str,
    f: HostFn,
    upvalues: Vec<Value<'gc>>,
) -> NativeFunction<'gc> {
    native(mc, name, NativeKind::Host, upvalues, Some(f))
}

fn native<'gc>(
    mc: &Mutation<'gc>,
    name: &'static str,
    kind: NativeKind,
    upvalues: Vec<Value<'gc>>,
    host: Option<HostFn>,
) -> NativeFunction<'gc> {
    Gc::new(
        mc,
        NativeData {
            name,
            kind,
            upvalues: RefLock::new(upvalues),
            host,
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

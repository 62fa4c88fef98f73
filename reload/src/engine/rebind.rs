//! Rebinding live closures to new prototypes: where each upvalue of the new code comes
//! from ([`Linker::plan`]), applying the plan to every live closure and to closures old
//! code creates later (the prototype's forward), and counting frames still in old code.

use std::collections::{HashMap, HashSet};

use gc_arena::lock::RefLock;
use gc_arena::{Gc, Mutation};
use wayfinder_vm::function::{
    rebind_with_forward, set_forward, Forward, Proto, UpvalueCell, UpvalueSource,
};
use wayfinder_vm::runtime::LuaEnv;
use wayfinder_vm::thread::{Frame, ThreadState};

/// Where the upvalues of one new module version come from.
pub struct Linker<'gc> {
    /// The new chunk's prototype.
    root: Gc<'gc, Proto<'gc>>,
    /// Parent of every prototype of the new tree.
    parents: HashMap<usize, Gc<'gc, Proto<'gc>>>,
    /// The live cells of chunk-level locals by name (the running program's, when joined).
    pub shared: Vec<(String, UpvalueCell<'gc>)>,
    /// The cell of the chunk's `_ENV`, for functions that did not use globals before.
    pub env: Option<UpvalueCell<'gc>>,
}

/// How one rebinding went.
pub struct Rebound {
    pub closures: usize,
    /// Upvalue names new to closures created before the reload (they start as nil).
    pub fresh: Vec<String>,
}

fn addr<T>(g: Gc<'_, T>) -> usize {
    Gc::as_ptr(g) as *const () as usize
}

impl<'gc> Linker<'gc> {
    pub fn new(root: Gc<'gc, Proto<'gc>>) -> Linker<'gc> {
        let mut parents = HashMap::new();
        for p in Proto::tree(root) {
            for c in p.protos.iter() {
                parents.insert(addr(*c), p);
            }
        }
        Linker {
            root,
            parents,
            shared: Vec::new(),
            env: None,
        }
    }

    /// What upvalue `j` of `proto` (in the new tree) is at the chunk level: a chunk local
    /// (`Some((name, true))`), one of the chunk's own upvalues such as `_ENV`
    /// (`Some((name, false))`), or a local of an enclosing function (`None`).
    fn chunk_level(&self, proto: Gc<'gc, Proto<'gc>>, j: usize) -> Option<(String, bool)> {
        let desc = proto.info.upvalues.get(j)?;
        let parent = *self.parents.get(&addr(proto))?;
        if Gc::ptr_eq(parent, self.root) {
            if desc.from_parent_cell {
                return Some((desc.name.clone(), true));
            }
            let up = self.root.info.upvalues.get(desc.index as usize)?;
            return Some((up.name.clone(), false));
        }
        if desc.from_parent_cell {
            None
        } else {
            self.chunk_level(parent, desc.index as usize)
        }
    }

    fn shared_cell(&self, name: &str) -> Option<UpvalueCell<'gc>> {
        self.shared.iter().find(|(n, _)| n == name).map(|(_, c)| *c)
    }

    /// For closures laid out for `old`, where each upvalue of `new` comes from: a
    /// chunk-level local → the module's live cell; a variable the closure already had →
    /// its own cell (state kept); otherwise a fresh nil cell (reported by name).
    pub fn plan(
        &self,
        old: Gc<'gc, Proto<'gc>>,
        new: Gc<'gc, Proto<'gc>>,
    ) -> (Vec<UpvalueSource<'gc>>, Vec<String>) {
        let mut plan = Vec::with_capacity(new.info.upvalues.len());
        let mut fresh = Vec::new();
        for (j, desc) in new.info.upvalues.iter().enumerate() {
            let own = old.info.upvalues.iter().position(|u| u.name == desc.name);
            let source = match self.chunk_level(new, j) {
                Some((name, true)) => match self.shared_cell(&name) {
                    Some(c) => UpvalueSource::Shared(c),
                    None => own.map_or(UpvalueSource::Fresh, UpvalueSource::Old),
                },
                Some((_, false)) => match (own, self.env) {
                    (Some(i), _) => UpvalueSource::Old(i),
                    (None, Some(c)) => UpvalueSource::Shared(c),
                    (None, None) => UpvalueSource::Fresh,
                },
                None => own.map_or(UpvalueSource::Fresh, UpvalueSource::Old),
            };
            if matches!(source, UpvalueSource::Fresh) {
                fresh.push(desc.name.clone());
            }
            plan.push(source);
        }
        (plan, fresh)
    }
}

/// Rebind every live closure of `old` to `new` following `plan` (journaled), and forward
/// `old` so closures old code creates from now on are made on `new`.
pub fn rebind_all<'gc>(
    env: &mut LuaEnv<'gc, '_>,
    old: Gc<'gc, Proto<'gc>>,
    new: Gc<'gc, Proto<'gc>>,
    plan: Vec<UpvalueSource<'gc>>,
    fresh: Vec<String>,
) -> Rebound {
    let mc: &Mutation<'gc> = env.mc;
    let forward = Gc::new(mc, Forward::new(&old, new, plan.into_boxed_slice()));
    let closures = Proto::live_closures(old, mc);
    for c in &closures {
        env.state.before_closure_write(mc, *c);
        rebind_with_forward(mc, *c, &forward);
    }
    env.state.before_forward_write(mc, old);
    set_forward(mc, old, Some(forward));
    let counted = env.state.modules.borrow().count_kept(&closures);
    Rebound {
        closures: counted,
        fresh: if closures.is_empty() {
            Vec::new()
        } else {
            fresh
        },
    }
}

type ThreadCell<'gc> = Gc<'gc, RefLock<ThreadState<'gc>>>;

/// The running threads other than the one `env` runs on (the coroutines that resumed it).
/// Suspended coroutines are not listed: the VM keeps no registry of them (a weak list of
/// every coroutine cost coroutine-heavy programs several times their memory); their
/// frames still finish on old code, they are just not counted.
fn other_threads<'gc>(env: &LuaEnv<'gc, '_>) -> Vec<ThreadCell<'gc>> {
    env.state
        .chain
        .borrow()
        .iter()
        .filter(|t| !t.ptr_eq(env.thread))
        .map(|t| t.gc())
        .collect()
}

/// Frames on any of `protos` in the running threads.
pub fn frames_in<'gc>(env: &LuaEnv<'gc, '_>, protos: &[Gc<'gc, Proto<'gc>>]) -> usize {
    let set: HashSet<usize> = protos.iter().map(|p| addr(*p)).collect();
    let count = |th: &ThreadState<'gc>| {
        th.frames
            .iter()
            .filter(|f| matches!(f, Frame::Lua(l) if set.contains(&addr(l.proto))))
            .count()
    };
    let mut total = count(env.th);
    for t in other_threads(env) {
        if let Ok(th) = t.try_borrow() {
            total += count(&th);
        }
    }
    total
}

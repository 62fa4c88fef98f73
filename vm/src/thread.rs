//! Threads (coroutines): a value stack, a frame stack and cell slots.
//!
//! The executor is stackless: Lua calls, metamethod calls, `pcall` and coroutine switches are
//! all entries in these vectors, never Rust recursion. Only Rust code that calls back into Lua
//! (a sort comparator, `__tostring` from `print`) nests, behind a `Boundary` frame.

use gc_arena::{lock::RefLock, Collect, Gc, Mutation};

use crate::function::{Closure, Proto, UpvalueCell};
use crate::value::Value;

#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct Thread<'gc>(Gc<'gc, RefLock<ThreadState<'gc>>>);

impl std::fmt::Debug for Thread<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "thread: {:p}", Gc::as_ptr(self.0))
    }
}

impl<'gc> Thread<'gc> {
    pub fn new(mc: &Mutation<'gc>) -> Thread<'gc> {
        Thread(Gc::new(mc, RefLock::new(ThreadState::default())))
    }

    /// A new coroutine that will run `start` when first resumed.
    pub fn with_start(mc: &Mutation<'gc>, start: Value<'gc>) -> Thread<'gc> {
        let state = ThreadState {
            start: Some(start),
            ..ThreadState::default()
        };
        Thread(Gc::new(mc, RefLock::new(state)))
    }

    pub fn gc(self) -> Gc<'gc, RefLock<ThreadState<'gc>>> {
        self.0
    }

    /// The thread behind a pointer from [`Thread::gc`].
    #[inline(always)]
    pub fn from_gc(gc: Gc<'gc, RefLock<ThreadState<'gc>>>) -> Thread<'gc> {
        Thread(gc)
    }

    pub fn ptr_eq(self, other: Thread<'gc>) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }

    pub fn status(self) -> CoStatus {
        match self.0.try_borrow() {
            Ok(s) => s.status,
            // Borrowed by the executor: it is the one running.
            Err(_) => CoStatus::Running,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Collect, Default)]
#[collect(require_static)]
pub enum CoStatus {
    /// Created or yielded: can be resumed.
    #[default]
    Suspended,
    Running,
    /// Resumed another coroutine and waits for it.
    Normal,
    Dead,
}

impl CoStatus {
    pub fn name(self) -> &'static str {
        match self {
            CoStatus::Suspended => "suspended",
            CoStatus::Running => "running",
            CoStatus::Normal => "normal",
            CoStatus::Dead => "dead",
        }
    }
}

#[derive(Collect, Default)]
#[collect(no_drop)]
pub struct ThreadState<'gc> {
    pub stack: Vec<Value<'gc>>,
    /// End of the values produced by the last multi-value instruction (`Call` with `c = 0`,
    /// `Vararg` with `c = 0`), consumed by the next `b = 0` instruction.
    pub top: usize,
    pub frames: Vec<Frame<'gc>>,
    /// Cell slots of all Lua frames (each frame owns `cell_base..cell_base + num_cells`).
    pub cells: Vec<Option<UpvalueCell<'gc>>>,
    /// Stack indices of live to-be-closed variables, innermost last.
    pub tbc: Vec<usize>,
    pub status: CoStatus,
    /// Boundary frames on this thread: a yield is impossible while any is active.
    pub boundaries: usize,
    /// The function a fresh coroutine starts with (taken by the first resume).
    pub start: Option<Value<'gc>>,
    /// Where the results of a pending `coroutine.yield` call go when the thread is resumed.
    pub yield_ret: Option<Ret>,
    /// Work the executor must do first when this thread runs next (set on thread switches).
    pub pending: Option<Pending<'gc>>,
    /// The error value a dead coroutine died with, until `coroutine.close` reports it.
    pub error: Option<Value<'gc>>,
    /// The native function whose error is being unwound (set when a native fails, cleared
    /// when a `pcall` or boundary catches): the traceback of an uncaught error starts at it,
    /// as lua5.4's does (`[C]: in function 'error'`).
    pub raised_by: Option<Value<'gc>>,
    /// `xpcall` message handlers running: they may use extra stack beyond the usual limit,
    /// so a handler for a stack overflow can itself call functions (as in Lua).
    pub in_message_handler: u32,
    /// The stack's length when the outermost running message handler started. The extra
    /// room counts from there when the stack was already past the usual limit (a huge
    /// `...` copy can leave it so): the handler of a later overflow still gets its room.
    pub handler_stack_base: u32,
    /// The reload generation this thread's frames were last checked against (see
    /// `function::detach_rebound_frames`).
    pub reload_generation: u64,
    /// The debug hook set on this thread (`debug.sethook`): while one is set the executor
    /// runs its hooked loop (`exec::dispatch`), the ordinary loop has no hook checks.
    /// Boxed: few threads have one, and a coroutine's state is 64 bytes smaller for it.
    pub hook: Option<Box<HookState<'gc>>>,
    /// A hook is running on this thread: no hook is called from inside it (lua5.4's
    /// `allowhook`).
    pub in_hook: bool,
    /// While the coroutine is suspended, its buffers' bytes, charged to the memory
    /// account (running threads are measured at each check instead; there is no list of
    /// suspended ones to walk).
    #[collect(require_static)]
    pub suspended_bytes: crate::limits::Charged,
    /// A coroutine dying of an error raised inside a nested call (a native's call into Lua)
    /// loses that call's frames as the error leaves it; the traceback lines of its levels at
    /// the error are kept here for `debug.traceback(co)`, as lua5.4 keeps its frames (only
    /// for a short stack; boxed: a pointer in every coroutine).
    #[collect(require_static)]
    pub kept_traceback: Option<Box<Vec<String>>>,
    /// The modules `require` is loading on this thread, one per `Forward` frame whose
    /// `count` is [`REQUIRE_LOADER`], innermost last. Kept here rather than in the frame, so
    /// `Frame`'s layout (which the dispatch loop's matches compile against) stays as it is.
    pub loads: Vec<crate::stdlib::package::PendingLoad<'gc>>,
}

/// The `count` of the `Forward` frame under a module's loader called by `require`.
pub const REQUIRE_LOADER: i32 = -2;

impl ThreadState<'_> {
    /// Bytes held by the stack, frame and cell buffers.
    pub fn buffer_bytes(&self) -> usize {
        self.stack.capacity() * std::mem::size_of::<Value<'_>>()
            + self.frames.capacity() * std::mem::size_of::<Frame<'_>>()
            + self.cells.capacity() * std::mem::size_of::<Option<UpvalueCell<'_>>>()
    }
}

/// The values a call or return event transfers (getinfo's 'r': parameters or results),
/// for the hooked function as the hook sees it.
#[derive(Clone, Copy, Debug, Default, Collect)]
#[collect(require_static)]
pub struct Transfer {
    /// A call event (the transferred values are the parameters, from the first local).
    pub call: bool,
    /// The stack slot of the hooked native function (local `i` of it is `func_slot + i`).
    pub func_slot: usize,
    /// The first transferred value's slot, and how many there are.
    pub first: usize,
    pub count: usize,
    /// The end of the values the hooked function has on the stack, which its locals and
    /// temporaries may reach while the hook runs.
    pub end: usize,
}

/// Event bits of a hook mask.
pub const HOOK_CALL: u8 = 1;
pub const HOOK_RETURN: u8 = 2;
pub const HOOK_LINE: u8 = 4;
pub const HOOK_COUNT: u8 = 8;

/// A thread's debug hook and its line/count tracing state.
#[derive(Collect)]
#[collect(no_drop)]
pub struct HookState<'gc> {
    pub func: Value<'gc>,
    /// `HOOK_*` bits.
    pub mask: u8,
    /// The count of a count hook (0: none) and the instructions left until it fires.
    pub count: u32,
    pub count_left: u32,
    /// The last instruction traced for line events, and the frame it ran in (depth, base):
    /// a different frame means the function was entered or returned to since.
    pub old_pc: usize,
    pub old_frame: (usize, usize),
    /// The `coroutine.resume`/`yield` whose results a thread switch left for this thread
    /// (`Pending::Deliver`) while it has a return hook: its "return" event is reported when
    /// the thread runs (nil: none).
    pub pending_return: Value<'gc>,
}

/// Work a thread must do first when it runs next, set by a thread switch. The values a
/// switch hands over are copied straight from one thread's stack to the other's when the
/// switch happens, so no variant carries them.
#[derive(Collect)]
#[collect(no_drop)]
pub enum Pending<'gc> {
    /// First resume: the start function is at `stack[0]`, its `nargs` arguments follow.
    Start { nargs: usize },
    /// `n` results are already at `ret.func_slot..`: deliver them as a call's results (the
    /// values of a resumed `yield`, or what a coroutine yielded or returned to its resumer).
    Deliver { ret: Ret, n: usize },
    /// In the resumer: the coroutine (second) died with this error.
    CoroutineFailed(crate::runtime::error::LuaError<'gc>, Thread<'gc>),
    /// Raise this error in the thread (a broken switch invariant, reported as Lua would).
    Raise(crate::runtime::error::LuaError<'gc>),
}

/// Where a finished call's results go. Results are first moved to `func_slot..`; then
/// `kind` says what the frame below does with them.
#[derive(Clone, Copy, Debug, Collect)]
#[collect(require_static)]
pub struct Ret {
    pub func_slot: usize,
    /// Results wanted (`-1`: all, and set `top`).
    pub nresults: i32,
    pub kind: RetKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Collect)]
#[collect(require_static)]
pub enum RetKind {
    /// An ordinary call from a Lua frame (or from a marker frame below).
    Normal,
    /// A metamethod whose first result goes to this stack slot (`__index`, `__add`, ...).
    /// Stack positions here are `u32` (the stack stays below `MAX_STACK`): a smaller
    /// `RetKind` keeps every frame smaller, and a call writes and reads less.
    Register(u32),
    /// A comparison metamethod: `if truthy(result) ~= k then pc += 1`.
    CondJump { k: bool, negate: bool },
    /// Results ignored (`__newindex`, `__close`).
    Discard,
    /// A `__concat` step of a `Concat` over `stack[first..end]`; the result replaces the last
    /// two values, and the concatenation goes on.
    Concat { first: u32, end: u32, dest: u32 },
    /// A `__close` call of a `Close` instruction; closing goes on down to `level`. Values
    /// up to `top` (the results of a call that a following `return` passes on) are kept:
    /// handlers run above them, and `top` is restored when closing is done.
    Close { level: u32, top: u32 },
}

#[derive(Collect)]
#[collect(no_drop)]
pub enum Frame<'gc> {
    Lua(LuaFrame<'gc>),
    /// A `pcall`/`xpcall` in progress: an error unwinding to here is caught. Its callee's
    /// results arrive at `ret.func_slot + 1` (slot `func_slot` receives the status).
    Protected {
        ret: Ret,
        handler: Option<Value<'gc>>,
        /// Set once an error was caught: the frames above are gone, and the `__close`
        /// handlers of the variables above `ret.func_slot` run one by one as calls from
        /// here (as in lua5.4, where they run from `pcall` and may yield), each getting
        /// this error and replacing it with any error it raises. Then `pcall` returns
        /// `false` and this error.
        closing: Option<Value<'gc>>,
        /// How many `pcall`s are nested here (see `exec::protected_depth`).
        #[collect(require_static)]
        depth: u16,
    },
    /// Rust called into Lua: the dispatch loop returns to it when the callee returns.
    Boundary,
    /// A boundary under which a `__gc` finalizer runs (at a safe point of the code below):
    /// getinfo names the finalizer `metamethod '__gc'`, as lua5.4 does.
    Finalizer,
    /// A boundary under a running debug hook. `native` is the native function whose call or
    /// return event it reports (nil for events of Lua functions): stack levels show it
    /// between the hook and its caller, as lua5.4 does.
    Hook {
        native: Value<'gc>,
        transfer: Transfer,
    },
    /// A `coroutine.resume` (or a wrapped coroutine's call) waiting for the coroutine
    /// `target`. The values passed in are the resumer's `stack[ret.func_slot + 2..top]`
    /// (`resume`'s first argument is the coroutine), `ret.func_slot + 1..top` if `wrap`.
    Resume {
        ret: Ret,
        wrap: bool,
        target: Thread<'gc>,
    },
    /// A builtin (`pairs` calling `__pairs`, `dofile` running its chunk) whose callee's
    /// results become its own, as `lua_callk` in lua5.4: unlike a boundary, a coroutine can
    /// yield across it. The builtin stays at `ret.func_slot` (so tracebacks and `debug` see
    /// it), its callee's results arrive at `ret.func_slot + 1`, are adjusted to `count`
    /// values (`-1`: all of them) and go on to `ret`.
    ///
    /// `count` = [`REQUIRE_LOADER`]: `require` calling a module's loader, whose pending load
    /// is the last of `ThreadState::loads`: when the loader returns, the load is finished
    /// (`package::require_finish`) and `require`'s two results go on instead; an error
    /// unwinding through the frame abandons the load. Such a frame counts in `boundaries`,
    /// as lua5.4's loader cannot yield.
    Forward {
        ret: Ret,
        count: i32,
    },
}

#[derive(Collect)]
#[collect(no_drop)]
pub struct LuaFrame<'gc> {
    pub closure: Closure<'gc>,
    /// The prototype this frame runs. Kept apart from `closure` (whose prototype hot reload
    /// may replace) so a running function finishes on the code it started with.
    pub proto: Gc<'gc, Proto<'gc>>,
    /// Stack index of register 0.
    pub base: usize,
    pub pc: usize,
    pub cell_base: usize,
    /// Extra arguments of a vararg function live at `base - nvarargs .. base`.
    pub nvarargs: usize,
    pub ret: Ret,
    /// This frame replaced its caller by a tail call (shown in tracebacks).
    pub is_tail: bool,
    /// Its return needs none of `do_return`'s general cases: the frame below is a Lua
    /// frame, `ret.kind` is `Normal` and `ret.nresults` is -1, 0 or 1. Set when the frame
    /// is pushed (the frame below never changes while this one is on the stack), so the
    /// inline `return` tests one byte (see `exec::return_one_fast`).
    pub simple_return: bool,
    /// Metamethod calls active at or below this frame. Lua runs metamethods on the C stack
    /// and stops at 200 nested ones ("C stack overflow"); counting them keeps runaway
    /// `__index` recursion from exhausting memory long before the value stack fills.
    pub meta_depth: u32,
}

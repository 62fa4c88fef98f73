//! Resource limits for code the host does not trust: an instruction budget, a memory limit,
//! a call-depth limit, a string-length cap, a wall-clock limit and an interrupt flag another
//! thread can raise.
//!
//! Nothing here runs per instruction. The executor already counts fuel at calls and backward
//! jumps and returns to its driver when a slice's fuel is spent (a *safe point*); the driver
//! sizes slices so that the budget ends exactly on a safe point, and checks every limit
//! there ([`RunLimits::check`]). Natives that make one large allocation (`string.rep`,
//! concatenation, `table.concat`, reading a file) ask [`check_alloc`] first, so a single
//! huge request is refused with Lua's "not enough memory" before it is made.
//!
//! # Memory accounting
//!
//! The bytes of strings and of tables' array and hash parts are counted exactly: they are
//! charged to the running runtime's [`Account`] when allocated and given back when freed
//! (the account is found through a thread-local pointer that [`Runtime`](crate::Runtime) sets
//! while it runs). Every other heap object (closures, upvalue cells, userdata, coroutines,
//! the headers of strings and tables) is counted as [`OBJECT_BYTES`] from gc-arena's object
//! count. At safe points the stacks of the running threads are added (their capacity), so a
//! deep recursion counts too; the stacks of suspended coroutines are not counted (each is
//! bounded by the VM's stack limit).
//!
//! # What a limit does
//!
//! When a limit is hit, its error is raised in the running Lua code at the safe point, as a
//! Lua error (`pcall` can catch it and clean up). If the code is still over the limit at
//! the next safe point (it caught the error and carried on), the run is stopped for good:
//! `pcall` no longer catches, and the host gets the error. With [`Limits::catchable`] off,
//! the first hit stops the run. Either way the runtime stays usable for the next call.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gc_arena::Mutation;

/// Bytes counted for each heap object besides the exactly-counted payloads.
pub const OBJECT_BYTES: usize = 64;

/// Limits for the code a runtime runs. Each applies to one host call (`Runtime::exec`,
/// `Runtime::call`, `Runtime::run_chunk`, ...), and is reset when the next one starts;
/// `max_memory` applies to the whole heap.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Budget of executed instructions, counted as the executor counts fuel: one unit per
    /// call and per backward jump (loop iteration), so straight-line code between two of
    /// them is free and every loop or recursion is counted.
    pub max_instructions: Option<u64>,
    /// Bytes of heap: strings and table parts exactly, other objects at
    /// [`OBJECT_BYTES`] each.
    pub max_memory: Option<usize>,
    /// Nested calls (Lua frames of every running coroutine), checked at safe points: a
    /// recursion can pass it by at most one slice's fuel before it is stopped. The VM's own
    /// stack limit ("stack overflow") always applies.
    pub max_call_depth: Option<usize>,
    /// Longest string a single operation may build (`string.rep`, `..`, `table.concat`,
    /// `string.format`, reads).
    pub max_string_len: Option<usize>,
    /// Entries one table may have room for (array slots plus hash slots). Checked when a
    /// table grows and raised at the next safe point, like `max_call_depth`.
    pub max_table_len: Option<usize>,
    /// Wall-clock time for one host call.
    pub max_time: Option<Duration>,
    /// Whether a limit hit is first raised as a Lua error the script may catch (see the
    /// module documentation); `false` stops the run at once.
    pub catchable: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_instructions: None,
            max_memory: None,
            max_call_depth: None,
            max_string_len: None,
            max_table_len: None,
            max_time: None,
            catchable: true,
        }
    }
}

impl Limits {
    /// No limits.
    pub fn none() -> Limits {
        Limits::default()
    }

    pub fn is_unlimited(&self) -> bool {
        self.max_instructions.is_none()
            && self.max_memory.is_none()
            && self.max_call_depth.is_none()
            && self.max_string_len.is_none()
            && self.max_table_len.is_none()
            && self.max_time.is_none()
    }
}

/// Which limit stopped a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    Instructions,
    Memory,
    CallDepth,
    StringLength,
    TableSize,
    Time,
    Interrupted,
}

impl LimitKind {
    /// The error message raised in Lua (and given to the host).
    pub fn message(self) -> &'static str {
        match self {
            LimitKind::Instructions => "instruction limit exceeded",
            // Lua's own wording, so scripts that check for it keep working.
            LimitKind::Memory => "not enough memory",
            LimitKind::CallDepth => "call depth limit exceeded",
            LimitKind::StringLength => "string length limit exceeded",
            LimitKind::TableSize => "table size limit exceeded",
            LimitKind::Time => "time limit exceeded",
            LimitKind::Interrupted => "interrupted",
        }
    }

    /// The kind whose [`message`](Self::message) is `msg` (the tail of an error message).
    pub fn from_message(msg: &str) -> Option<LimitKind> {
        [
            LimitKind::Instructions,
            LimitKind::Memory,
            LimitKind::CallDepth,
            LimitKind::StringLength,
            LimitKind::TableSize,
            LimitKind::Time,
            LimitKind::Interrupted,
        ]
        .into_iter()
        .find(|k| msg.ends_with(k.message()))
    }
}

impl std::fmt::Display for LimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// Stops a running script from another thread: `Send + Sync + Clone`. The flag is read at
/// the same safe points as fuel, so a script stops within one slice (by default 20,000
/// calls or loop iterations) of [`interrupt`](Self::interrupt), including one blocked in a
/// busy loop. The flag stays raised until the host's next call into the runtime starts.
#[derive(Clone, Debug, Default)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    pub fn new() -> InterruptHandle {
        InterruptHandle::default()
    }

    /// Ask the runtime to stop the script it is running.
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_interrupted(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn clear(&self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// The limit state of one runtime (kept in `HostState`, so nested calls see it too).
#[derive(Debug, Default)]
pub struct RunLimits {
    pub limits: Limits,
    pub interrupt: InterruptHandle,
    /// Fuel units spent in the current host call.
    pub spent: u64,
    /// When the current host call started.
    pub started: Option<Instant>,
    /// A limit already raised in this call (the next hit stops the run).
    pub tripped: Option<LimitKind>,
    /// Set when the run is being stopped: `pcall` no longer catches.
    pub stopping: bool,
}

/// What the driver does at a safe point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    /// Raise the limit's error in the running code (catchable).
    Raise(LimitKind),
    /// Stop the run: the host gets the error.
    Stop(LimitKind),
}

impl RunLimits {
    /// Whether any check is needed at safe points.
    #[inline]
    pub fn active(&self) -> bool {
        !self.limits.is_unlimited() || self.interrupt.is_interrupted()
    }

    /// Start of a host call: budgets start again.
    pub fn begin(&mut self) {
        self.spent = 0;
        self.started = self.limits.max_time.map(|_| Instant::now());
        self.tripped = None;
        self.stopping = false;
        self.interrupt.clear();
    }

    /// End of a host call: what it used is forgotten (the interrupt flag stays until the
    /// next call begins).
    pub fn end(&mut self) {
        self.spent = 0;
        self.started = None;
        self.tripped = None;
        self.stopping = false;
    }

    /// Fuel for the next slice: at most `slice`, and no more than the budget has left, so
    /// the budget ends on a safe point.
    pub fn slice_fuel(&self, slice: i64) -> i64 {
        match self.limits.max_instructions {
            Some(max) if self.tripped.is_none() => {
                let left = max.saturating_sub(self.spent);
                (left.min(slice as u64) as i64).max(1)
            }
            _ => slice,
        }
    }

    /// Check every limit at a safe point, after `spent` more fuel units; `depth` is the
    /// number of frames running.
    /// `stacks` is the bytes of the threads' stacks (`exec::stack_bytes`; 0 without a
    /// memory limit).
    pub fn check(&mut self, mc: &Mutation<'_>, spent: u64, depth: usize, stacks: usize) -> Verdict {
        self.spent = self.spent.saturating_add(spent);
        let hit = self.over(mc, depth, stacks);
        match (hit, self.tripped) {
            (None, Some(LimitKind::Memory)) => {
                // The script freed what it had: it recovered, as from a caught memory error.
                self.tripped = None;
                Verdict::Continue
            }
            (None, _) => Verdict::Continue,
            (Some(kind), None) if self.limits.catchable && kind != LimitKind::Interrupted => {
                self.tripped = Some(kind);
                Verdict::Raise(kind)
            }
            (Some(kind), _) => {
                self.stopping = true;
                Verdict::Stop(self.tripped.unwrap_or(kind))
            }
        }
    }

    fn over(&self, mc: &Mutation<'_>, depth: usize, stacks: usize) -> Option<LimitKind> {
        let l = &self.limits;
        if self.interrupt.is_interrupted() {
            return Some(LimitKind::Interrupted);
        }
        if l.max_instructions.is_some_and(|max| self.spent >= max) {
            return Some(LimitKind::Instructions);
        }
        if let (Some(max), Some(start)) = (l.max_time, self.started) {
            if start.elapsed() >= max {
                return Some(LimitKind::Time);
            }
        }
        if l.max_call_depth.is_some_and(|max| depth > max) {
            return Some(LimitKind::CallDepth);
        }
        if take_table_over() {
            return Some(LimitKind::TableSize);
        }
        if l.max_memory
            .is_some_and(|max| heap_bytes(mc).saturating_add(stacks) > max)
        {
            return Some(LimitKind::Memory);
        }
        None
    }
}

/// Bytes of heap in use (see the module documentation).
pub fn heap_bytes(mc: &Mutation<'_>) -> usize {
    let objects = mc.metrics().total_gc_count().saturating_mul(OBJECT_BYTES);
    objects.saturating_add(charged_bytes())
}

/// Why a large allocation is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// Over the memory limit, or the system has no room: "not enough memory".
    Memory,
    /// Over [`Limits::max_string_len`].
    StringLength,
}

impl AllocError {
    pub fn message(self) -> &'static str {
        match self {
            AllocError::Memory => LimitKind::Memory.message(),
            AllocError::StringLength => LimitKind::StringLength.message(),
        }
    }
}

/// Before allocating a string of `len` bytes: within the running runtime's memory limit and
/// string cap?
pub fn check_alloc(mc: &Mutation<'_>, len: usize) -> Result<(), AllocError> {
    with_current(Ok(()), |acct| {
        if len > acct.max_string.get() {
            return Err(AllocError::StringLength);
        }
        let limit = acct.max_memory.get();
        if limit != usize::MAX && heap_bytes(mc).saturating_add(len) > limit {
            return Err(AllocError::Memory);
        }
        Ok(())
    })
}

/// [`check_alloc`] for a buffer built outside a `Mutation` (reading a file): against the
/// exactly-counted bytes only.
pub fn check_external(len: usize) -> Result<(), AllocError> {
    with_current(Ok(()), |acct| {
        if len > acct.max_string.get() {
            return Err(AllocError::StringLength);
        }
        let limit = acct.max_memory.get();
        if limit != usize::MAX && acct.bytes.get().saturating_add(len) > limit {
            return Err(AllocError::Memory);
        }
        Ok(())
    })
}

/// A byte buffer of capacity `len` for a result about to be built: [`check_alloc`], then a
/// fallible reservation, so a request the system cannot satisfy is an error, not an abort.
pub fn try_buffer(mc: &Mutation<'_>, len: usize) -> Result<Vec<u8>, AllocError> {
    check_alloc(mc, len)?;
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| AllocError::Memory)?;
    Ok(v)
}

/// A runtime's memory account: the exactly-counted bytes, and the caps `check_alloc` reads.
#[derive(Debug)]
pub struct Account {
    bytes: Cell<usize>,
    /// The part of `bytes` held by big tables (see [`BIG_TABLE_SLOTS`]).
    big_bytes: Cell<usize>,
    max_memory: Cell<usize>,
    max_string: Cell<usize>,
    max_table: Cell<usize>,
    /// A table grew past `max_table` since the last check.
    table_over: Cell<bool>,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            bytes: Cell::new(0),
            big_bytes: Cell::new(0),
            max_memory: Cell::new(usize::MAX),
            max_string: Cell::new(usize::MAX),
            max_table: Cell::new(usize::MAX),
            table_over: Cell::new(false),
        }
    }
}

impl Account {
    pub fn set_limits(&self, limits: &Limits) {
        self.max_memory.set(limits.max_memory.unwrap_or(usize::MAX));
        self.max_string
            .set(limits.max_string_len.unwrap_or(usize::MAX));
        self.max_table
            .set(limits.max_table_len.unwrap_or(usize::MAX));
        self.table_over.set(false);
    }

    pub fn bytes(&self) -> usize {
        self.bytes.get()
    }
}

thread_local! {
    /// The account of the runtime running on this thread, if any.
    static CURRENT: Cell<*const Account> = const { Cell::new(std::ptr::null()) };
}

/// Makes `acct` the current account until the guard drops (then the previous one is back).
pub struct EnterGuard<'a> {
    prev: *const Account,
    _acct: PhantomData<&'a Account>,
}

pub fn enter(acct: &Account) -> EnterGuard<'_> {
    // SAFETY: the guard borrows `acct`, so it outlives the guard.
    unsafe { enter_ptr(acct) }
}

/// [`enter`] without a borrow.
///
/// # Safety
/// `acct` must stay valid (not moved or freed) until the guard drops.
pub unsafe fn enter_ptr<'a>(acct: *const Account) -> EnterGuard<'a> {
    let prev = CURRENT.with(|c| c.replace(acct));
    EnterGuard {
        prev,
        _acct: PhantomData,
    }
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

/// `n` bytes allocated for the current runtime.
#[inline]
pub fn charge(n: usize) {
    with_current((), |acct| acct.bytes.set(acct.bytes.get().wrapping_add(n)))
}

/// `n` bytes freed.
#[inline]
pub fn uncharge(n: usize) {
    with_current((), |acct| {
        acct.bytes.set(acct.bytes.get().saturating_sub(n))
    })
}

/// A table now has room for `entries`: past the running runtime's `max_table_len`, the
/// limit is raised at the next safe point.
#[inline]
pub fn note_table_size(entries: usize) {
    with_current((), |acct| {
        if entries > acct.max_table.get() {
            acct.table_over.set(true);
        }
    })
}

/// Whether a table grew past the cap since the last check (and clear that).
fn take_table_over() -> bool {
    with_current(false, |acct| acct.table_over.replace(false))
}

pub(crate) fn charged_bytes() -> usize {
    with_current(0, |acct| acct.bytes.get())
}

/// The part of [`charged_bytes`] held by tables of at least [`BIG_TABLE_SLOTS`] slots.
pub(crate) fn charged_big_bytes() -> usize {
    with_current(0, |acct| acct.big_bytes.get())
}

/// `n` bytes of big tables allocated.
fn charge_big(n: usize) {
    with_current((), |acct| {
        acct.big_bytes.set(acct.big_bytes.get().wrapping_add(n))
    })
}

/// `n` bytes of big tables freed.
fn uncharge_big(n: usize) {
    with_current((), |acct| {
        acct.big_bytes.set(acct.big_bytes.get().saturating_sub(n))
    })
}

/// A table with at least this many value slots (64 KiB) is big: the collector's pacing
/// waits less for the heap to grow past big tables (`Runtime::cycle_ended`).
pub const BIG_TABLE_SLOTS: u32 = 4096;

/// `f` on the account of the runtime running on this thread, or `none` if none runs.
#[inline]
fn with_current<R>(none: R, f: impl FnOnce(&Account) -> R) -> R {
    CURRENT.with(|c| {
        let p = c.get();
        if p.is_null() {
            return none;
        }
        // SAFETY: `CURRENT` points at the account of a runtime that is running on this
        // thread (set by `enter`, cleared when its guard drops).
        f(unsafe { &*p })
    })
}

/// Bytes an object holds outside the GC heap, charged while it lives (a table's parts).
#[derive(Debug, Default)]
pub struct Charged(usize);

impl Charged {
    #[inline]
    pub fn add(&mut self, n: usize) {
        self.0 += n;
        charge(n);
    }
}

impl Charged {
    /// Charge exactly `n` bytes from now on (more or fewer than before).
    #[inline]
    pub fn set(&mut self, n: usize) {
        if n > self.0 {
            charge(n - self.0);
        } else {
            uncharge(self.0 - n);
        }
        self.0 = n;
    }
}

/// [`Charged`] for a table's parts, counted in value slots (16 bytes each) in a `u32`, so
/// it fits beside the table's other small fields (a table is 8 bytes smaller than with a
/// byte count). Past `u32::MAX` slots (64 GiB) a part is not charged further.
#[derive(Debug, Default)]
pub struct ChargedSlots(u32);

/// Bytes of one value slot.
const SLOT_BYTES: usize = 16;

impl ChargedSlots {
    /// The slots charged.
    #[inline]
    pub fn slots(&self) -> usize {
        self.0 as usize
    }

    /// `n` more slots.
    #[inline]
    pub fn add(&mut self, n: usize) {
        let n = n.min((u32::MAX - self.0) as usize);
        let before = self.0;
        self.0 += n as u32;
        charge(n * SLOT_BYTES);
        if self.0 >= BIG_TABLE_SLOTS {
            // The whole table the first time it is big, then its growth.
            let big = if before >= BIG_TABLE_SLOTS {
                n
            } else {
                self.0 as usize
            };
            charge_big(big * SLOT_BYTES);
        }
    }
}

impl Clone for ChargedSlots {
    fn clone(&self) -> Self {
        charge(self.0 as usize * SLOT_BYTES);
        if self.0 >= BIG_TABLE_SLOTS {
            charge_big(self.0 as usize * SLOT_BYTES);
        }
        ChargedSlots(self.0)
    }
}

impl Drop for ChargedSlots {
    fn drop(&mut self) {
        uncharge(self.0 as usize * SLOT_BYTES);
        if self.0 >= BIG_TABLE_SLOTS {
            uncharge_big(self.0 as usize * SLOT_BYTES);
        }
    }
}

impl Clone for Charged {
    fn clone(&self) -> Self {
        charge(self.0);
        Charged(self.0)
    }
}

impl Drop for Charged {
    fn drop(&mut self) {
        uncharge(self.0);
    }
}

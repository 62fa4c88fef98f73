//! Lua tables: an array part for keys `1..=n` and a hash part chained in place, as
//! lua5.4's.
//!
//! Removing a key only sets its value to nil (the key stays as a tombstone until the next
//! rehash, or until a new key whose home is its slot takes it), which is what lets `next`
//! continue a traversal while fields are cleared.

use std::alloc::Layout;
use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use gc_arena::{lock::RefLock, Collect, Gc, Mutation};

use crate::value::{Value, NIL_TAG};

#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct Table<'gc>(Gc<'gc, RefLock<TableData<'gc>>>);

impl std::fmt::Debug for Table<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "table: {:p}", Gc::as_ptr(self.0))
    }
}

/// Why a value cannot be stored: a key Lua refuses, or growth the allocator refused (the
/// table is left as it was, and Lua raises "not enough memory" as lua5.4 does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetError {
    NilKey,
    NaNKey,
    NoMemory,
}

impl SetError {
    pub fn message(self) -> &'static str {
        match self {
            SetError::NilKey => "table index is nil",
            SetError::NaNKey => "table index is NaN",
            SetError::NoMemory => "not enough memory",
        }
    }
}

/// gc-arena paces collection by the number of `Gc` objects allocated, but a table's parts
/// are plain `Vec`s it never sees: without this, a program filling big arrays would grow
/// the heap far ahead of the collector. Growth is charged as extra allocation debt, one
/// object's worth per `SLOTS_PER_OBJECT` value slots.
const SLOTS_PER_OBJECT: f64 = 4.0;

#[inline]
pub fn charge_growth(mc: &Mutation<'_>, before: usize, after: usize) {
    if after > before {
        mc.metrics()
            .adjust_debt((after - before) as f64 / SLOTS_PER_OBJECT);
    }
}

/// The value slots a hash part of `slots` slots is charged as: two per slot (a key and a
/// value) in a part of up to 8 slots, four in a bigger one. That is the charge of each
/// lua5.4 node when parts of more than 8 keys had twice as many slots (linear probing),
/// which the collector's pacing was tuned with (`Runtime::cycle_ended`). Charged at two
/// per slot, teal's compiler, whose live heap is mostly big hash parts, ran more cycles:
/// 9% slower, for 22% less peak memory (docs/performance.md, Session 23).
#[inline(always)]
fn hash_part_charge(slots: usize) -> usize {
    if slots <= 8 {
        2 * slots
    } else {
        4 * slots
    }
}

/// The fields are laid out by hand (`repr(C)`: the pointers first in each 8 bytes, the
/// 32-bit counts and the flags packed after them) so the data is 56 bytes and the table's
/// GC object 80 (gc-arena's 16-byte header and the `RefLock`'s 8-byte flag): see the test
/// `a_table_object_is_eighty_bytes`.
#[derive(Default, Clone)]
#[repr(C)]
pub struct TableData<'gc> {
    metatable: Option<Table<'gc>>,
    /// Keys `1..=array.len()`, nils included: the length is lua5.4's array size (set by
    /// constructors and by [`TableData::rehash`]), so `#` finds the borders it finds.
    array: ThinSlice<Value<'gc>>,
    /// lua5.4's `alimit`: a hint for `#`, at most `array.len()`. Below `array.len()` only
    /// when the array size is a power of two; then it is more than half of it. Moved by
    /// `#` and by integer-key accesses above it, exactly as lua5.4 moves it, because the
    /// border `#` returns on a table with holes depends on it.
    /// Kept as `u32` (the array part has at most `MAX_ARRAY_SIZE` = 2^31 slots), read and
    /// written through [`TableData::alimit`] and [`TableData::set_alimit`].
    alimit: Cell<u32>,
    hash: HashPart<'gc>,
    /// The bytes of `array` and `hash` charged to the runtime's memory account
    /// (`crate::limits`), given back when the table is freed.
    charged: crate::limits::ChargedSlots,
    /// For a table used as a metatable: bit `e` set means the metamethod of event `e`
    /// (`MetaName as u32`) is known to be absent. Set by [`Table::meta_get`] when a lookup
    /// misses, cleared whenever a key that is not an integer is stored (the only way a
    /// metamethod can appear), and by [`Table::restore`].
    meta_absent: Cell<u32>,
    /// A filter of the string keys ever added to the hash part: bit `str_key_bit(k)` is
    /// set for each. A string lookup whose bit is clear misses without a probe: a method
    /// looked up on an instance misses there before its class has it, and its home's
    /// chain would be walked to its end to learn that. Bits are never cleared (a removed
    /// key's bit stays: a filter can only answer "maybe"), so a table whose keys come
    /// and go ends up with every bit set and pays one test per probe.
    str_keys: u8,
    /// Which parts are weak (`__mode` of the metatable when it was set): see `weak.rs`.
    weak: WeakMode,
    /// Marked for finalization (`__gc` in the metatable when it was set) and not yet
    /// handed to its finalizer: see `weak.rs`.
    finalizer: bool,
}

/// A boxed slice in 12 bytes: the pointer and a 32-bit length (the parts of a table have
/// at most 2^31 slots), with no capacity: the allocation is exactly `len` elements, as
/// lua5.4 sizes its array and node vectors. 4-byte aligned, so a `u32` can follow it in
/// [`TableData`] without padding.
#[repr(C, packed(4))]
struct ThinSlice<T: Copy> {
    ptr: NonNull<T>,
    len: u32,
}

impl<T: Copy> ThinSlice<T> {
    const fn empty() -> ThinSlice<T> {
        ThinSlice {
            ptr: NonNull::dangling(),
            len: 0,
        }
    }

    fn layout(len: usize) -> Result<Layout, SetError> {
        if len > u32::MAX as usize {
            return Err(SetError::NoMemory);
        }
        Layout::array::<T>(len).map_err(|_| SetError::NoMemory)
    }

    /// `len` copies of `fill`, or `NoMemory` when the allocator refuses.
    fn try_filled(len: usize, fill: T) -> Result<ThinSlice<T>, SetError> {
        let mut s = ThinSlice::empty();
        s.try_resize(len, fill)?;
        Ok(s)
    }

    /// A copy of `items`, or `NoMemory` when the allocator refuses.
    fn try_copy(items: &[T]) -> Result<ThinSlice<T>, SetError> {
        if items.is_empty() {
            return Ok(ThinSlice::empty());
        }
        let layout = Self::layout(items.len())?;
        // SAFETY: `layout` has a non-zero size (`T` is never zero-sized here).
        let p = NonNull::new(unsafe { std::alloc::alloc(layout) } as *mut T)
            .ok_or(SetError::NoMemory)?;
        // SAFETY: `p` has room for `items.len()` elements and does not overlap `items`.
        unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), p.as_ptr(), items.len()) };
        Ok(ThinSlice {
            ptr: p,
            len: items.len() as u32,
        })
    }

    /// Make the slice `len` elements long, new ones copies of `fill`, reallocating to
    /// exactly that size. On a refusal nothing changes.
    fn try_resize(&mut self, len: usize, fill: T) -> Result<(), SetError> {
        let old = self.len as usize;
        if len == old {
            return Ok(());
        }
        let new_layout = Self::layout(len)?;
        let p = if len == 0 {
            // SAFETY: `old > 0` elements were allocated with this layout.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr() as *mut u8, Self::layout(old)?) };
            NonNull::dangling()
        } else if old == 0 {
            // SAFETY: a non-zero size.
            NonNull::new(unsafe { std::alloc::alloc(new_layout) } as *mut T)
                .ok_or(SetError::NoMemory)?
        } else {
            // SAFETY: the block was allocated with `old`'s layout; the new size is non-zero.
            let p = unsafe {
                std::alloc::realloc(
                    self.ptr.as_ptr() as *mut u8,
                    Self::layout(old)?,
                    new_layout.size(),
                )
            };
            NonNull::new(p as *mut T).ok_or(SetError::NoMemory)?
        };
        for i in old..len {
            // SAFETY: `i < len`, inside the new block.
            unsafe { p.as_ptr().add(i).write(fill) };
        }
        self.ptr = p;
        self.len = len as u32;
        Ok(())
    }
}

impl<T: Copy> Default for ThinSlice<T> {
    fn default() -> Self {
        ThinSlice::empty()
    }
}

impl<T: Copy> Clone for ThinSlice<T> {
    fn clone(&self) -> Self {
        match ThinSlice::try_copy(self) {
            Ok(s) => s,
            // As `Vec`'s clone handles a refusal.
            Err(_) => std::alloc::handle_alloc_error(Layout::new::<T>()),
        }
    }
}

impl<T: Copy> Drop for ThinSlice<T> {
    fn drop(&mut self) {
        let len = self.len as usize;
        if len > 0 {
            // SAFETY: allocated with this layout (which was valid then).
            unsafe {
                std::alloc::dealloc(
                    self.ptr.as_ptr() as *mut u8,
                    Layout::array::<T>(len).unwrap_unchecked(),
                )
            };
        }
    }
}

impl<T: Copy> std::ops::Deref for ThinSlice<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` holds `len` initialised elements (dangling, aligned, when empty).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }
}

impl<T: Copy> std::ops::DerefMut for ThinSlice<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as `deref`, and `self` is borrowed mutably.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len as usize) }
    }
}

/// The weak parts of a table, from its metatable's `__mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WeakMode {
    pub keys: bool,
    pub values: bool,
}

impl WeakMode {
    pub fn is_weak(self) -> bool {
        self.keys || self.values
    }
}

/// Whether the collector may remove `v` from a weak table: strings (and non-objects) are
/// values, never removed, so they are always traced.
#[inline]
pub fn is_collectable(v: &Value<'_>) -> bool {
    matches!(
        v,
        Value::Table(_)
            | Value::Function(_)
            | Value::NativeFunction(_)
            | Value::Thread(_)
            | Value::UserData(_)
    )
}

// SAFETY: every `Gc` the table owns is traced, except the weak entries of a weak table
// (collectable keys of a weak-key table, and all its values, which are ephemerons;
// collectable values of a weak-value table). Those are never read after their object is
// freed: `crate::weak::process` runs after every marking phase, before sweeping, and
// clears each entry whose weak part is dead (see `Runtime`'s collection functions, the
// only callers of gc-arena's collector).
unsafe impl<'gc> Collect<'gc> for TableData<'gc> {
    #[inline]
    fn trace<T: gc_arena::collect::Trace<'gc>>(&self, cc: &mut T) {
        let weak = self.weak;
        if !weak.is_weak() {
            // The common case, traced as the derived impl would (inlined per element).
            for v in self.array.iter() {
                v.trace(cc);
            }
            for s in self.hash.slots.iter() {
                // A removed entry's key is not traced (lua5.4's dead keys): the table must
                // not keep it alive. The slot keeps its bits, compared by address only
                // (`str_chain_by_bytes` skips such slots), so `next` still finds a key
                // removed during a traversal.
                if s.kind() >= KEY_STRING && !s.value_is_nil() {
                    s.key().trace(cc);
                }
                s.value().trace(cc);
            }
            self.metatable.trace(cc);
            return;
        }
        for v in self.array.iter() {
            if !is_collectable(v) {
                v.trace(cc);
            }
        }
        // In a table weak in both keys and values, a string key is left out too: it stays
        // only with its entry (`crate::weak::process` resurrects the string keys of the
        // entries that survive, and turns the others into NaN tombstones).
        let all_weak = weak.keys && weak.values;
        for s in self.hash.slots.iter() {
            if s.value_is_nil() {
                // A removed entry: its key is not traced (above); `clear_weak` kills it
                // when its object dies.
                continue;
            }
            let k = s.key();
            let weak_key =
                weak.keys && (is_collectable(&k) || (all_weak && matches!(k, Value::String(_))));
            if !weak_key {
                k.trace(cc);
            }
            let v = s.value();
            if !is_collectable(&v) {
                v.trace(cc);
            }
        }
        self.metatable.trace(cc);
    }
}

impl<'gc> Table<'gc> {
    pub fn new(mc: &Mutation<'gc>) -> Table<'gc> {
        Table(Gc::new(mc, RefLock::new(TableData::default())))
    }

    pub fn with_capacity(mc: &Mutation<'gc>, array: usize, hash: usize) -> Table<'gc> {
        // As lua5.4's `lua_createtable`: an array part of exactly `array` slots (nil until
        // set) and a hash part with room for `hash` keys.
        let mut data = TableData {
            array: match ThinSlice::try_filled(array, Value::Nil) {
                Ok(a) => a,
                Err(_) => std::alloc::handle_alloc_error(Layout::new::<Value<'gc>>()),
            },
            ..TableData::default()
        };
        data.set_alimit(array);
        // Sizes come from a constructor or a native's argument count, bounded by the
        // code and stack limits: a refusal is handled as `vec!` handles it.
        if hash > 0 {
            match HashPart::for_keys(hash) {
                Ok(h) => data.hash = h,
                Err(_) => std::alloc::handle_alloc_error(std::alloc::Layout::new::<Slot<'gc>>()),
            }
        }
        let after = data.slot_capacity();
        data.grew(mc, 0, after);
        Table(Gc::new(mc, RefLock::new(data)))
    }

    #[inline(always)]
    pub fn gc(self) -> Gc<'gc, RefLock<TableData<'gc>>> {
        self.0
    }

    /// The table behind a pointer from [`Table::gc`].
    #[inline(always)]
    pub fn from_gc(gc: Gc<'gc, RefLock<TableData<'gc>>>) -> Table<'gc> {
        Table(gc)
    }

    #[inline]
    pub fn get(self, key: Value<'gc>) -> Value<'gc> {
        self.0.borrow().get(key)
    }

    #[inline]
    pub fn get_int(self, key: i64) -> Value<'gc> {
        self.0.borrow().get_int(key)
    }

    /// Append the raw values `t[first..=last]` (`first <= last`) to `out`, as `get_int` of
    /// each key gives them (and moving the `#` hint as those reads would), the array
    /// part's run in one copy: `table.unpack`.
    pub fn push_range(self, first: i64, last: i64, out: &mut Vec<Value<'gc>>) {
        let d = self.0.borrow();
        let len = d.array.len() as i64;
        let mut i = first;
        loop {
            if i >= 1 && i <= len {
                let end = last.min(len);
                out.extend_from_slice(&d.array[(i - 1) as usize..end as usize]);
                // The reads of `i..=end` move the hint to `end` if they pass it.
                d.touch(end as usize - 1);
                if end == last {
                    return;
                }
                i = end + 1;
            } else {
                out.push(d.get_int(i));
                if i == last {
                    return;
                }
                i += 1;
            }
        }
    }

    #[inline]
    pub fn get_str(self, key: crate::string::LuaString<'gc>) -> Value<'gc> {
        self.0.borrow().hash.get_str(key)
    }

    #[inline]
    pub fn set(
        self,
        mc: &Mutation<'gc>,
        key: Value<'gc>,
        value: Value<'gc>,
    ) -> Result<(), SetError> {
        let mut data = self.0.borrow_mut(mc);
        let before = data.slot_capacity();
        let res = data.set(key, value);
        let after = data.slot_capacity();
        data.grew(mc, before, after);
        res
    }

    #[inline]
    pub fn set_int(self, mc: &Mutation<'gc>, key: i64, value: Value<'gc>) -> Result<(), SetError> {
        let mut data = self.0.borrow_mut(mc);
        let before = data.slot_capacity();
        let res = data.set_int(key, value);
        let after = data.slot_capacity();
        data.grew(mc, before, after);
        res
    }

    /// `set_int` for tables the runtime fills itself with a handful of entries (`arg`,
    /// registry handles, `activelines`): a refused growth there is the process running out
    /// of memory, handled like any other small Rust allocation (the global allocation
    /// error handler), not a Lua error a script could catch.
    pub fn set_int_internal(self, mc: &Mutation<'gc>, key: i64, value: Value<'gc>) {
        if self.set_int(mc, key, value).is_err() {
            std::alloc::handle_alloc_error(std::alloc::Layout::new::<Value<'gc>>());
        }
    }

    /// The executor's `t[k]` fast path, in one borrow: stores the raw value in `dest` and
    /// returns `true`, unless it is nil and a metatable could supply `__index` (`false`,
    /// `dest` untouched). Writing through `dest` rather than returning `Option<Value>` keeps
    /// the value in one 16-byte move (the option's niche layout splits it into byte-offset
    /// copies that defeat store forwarding).
    #[inline(always)]
    pub fn get_into(self, key: Value<'gc>, dest: &mut Value<'gc>) -> bool {
        self.peek().get_into(key, dest)
    }

    /// `get_into` for an integer key.
    #[inline(always)]
    pub fn get_int_into(self, i: i64, dest: &mut Value<'gc>) -> bool {
        self.peek().get_int_into(i, dest)
    }

    /// `get_into` for a string key.
    #[inline(always)]
    pub fn get_str_into(self, key: crate::string::LuaString<'gc>, dest: &mut Value<'gc>) -> bool {
        let data = self.peek();
        data.store_found(data.str_slot(key), dest)
    }

    /// The table's data for the executor's read fast paths, without the `RefLock`'s borrow
    /// count (a load, an increment and a decrement of the table's header on every read).
    ///
    /// SAFETY (why this is sound): every mutable borrow of a table's data is momentary,
    /// taken and dropped inside one `Table`/`TableData` method (or one short block of the
    /// executor, `weak.rs` or the stdlib) that calls no Lua code and no other table's
    /// methods on this table while it holds it, so none is active while a caller of
    /// `peek` runs; and the reference returned here is dropped before the caller touches
    /// any table again.
    #[inline(always)]
    fn peek(&self) -> &TableData<'gc> {
        // SAFETY: see above: no `RefMut` of this table is alive.
        unsafe { &*self.0.as_ptr() }
    }

    /// `peek` for the executor's write fast paths: the write barrier (as `borrow_mut` runs
    /// it), then the data without the borrow flag. The same reasoning as [`Table::peek`]
    /// applies; callers must not call any other method of this table (nor reach its
    /// metatable, which may be the table itself) while they hold the reference.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    fn poke(&self, mc: &Mutation<'gc>) -> &mut TableData<'gc> {
        let cell = Gc::write(mc, self.0);
        // SAFETY: no other reference to the data is alive (see `peek`), and the barrier
        // above lets the table adopt new pointers until the next collection.
        unsafe { &mut *cell.as_ptr() }
    }

    /// `set_unless_meta` for an integer key; `false` means the general path must run.
    #[inline(always)]
    pub fn set_int_unless_meta(self, mc: &Mutation<'gc>, i: i64, value: &Value<'gc>) -> bool {
        let data = self.poke(mc);
        let has_meta = data.metatable.is_some();
        let index = (i as usize).wrapping_sub(1);
        match data.array.get_mut(index) {
            Some(slot) if !(has_meta && slot.is_nil()) => {
                slot.set_from(value);
                if index >= data.alimit() {
                    data.set_alimit(index + 1);
                }
                true
            }
            // Keys past the array part go to the hash part, or make it rehash (which may
            // grow the array): the general path.
            _ => false,
        }
    }

    /// `table.insert(t, v)` on a table without a metatable when `t[#t + 1]` lies in the
    /// array part: the store done (`true`). Otherwise `false`, and the table is as `#t`
    /// leaves it, which a second `#t` answers the same (the native then runs).
    #[inline]
    pub fn append_in_array(self, mc: &Mutation<'gc>, value: Value<'gc>) -> bool {
        let data = self.poke(mc);
        if data.metatable.is_some() {
            return false;
        }
        let index = data.length() as usize;
        match data.array.get_mut(index) {
            Some(slot) => {
                *slot = value;
                data.touch(index);
                true
            }
            None => false,
        }
    }

    /// `table.remove(t)` on a table without a metatable when `t[#t]` lies in the array
    /// part: `t[#t]`, cleared. Otherwise `None`, as [`Table::append_in_array`].
    #[inline]
    pub fn pop_from_array(self, mc: &Mutation<'gc>) -> Option<Value<'gc>> {
        let data = self.poke(mc);
        if data.metatable.is_some() {
            return None;
        }
        let index = (data.length() as usize).checked_sub(1)?;
        let slot = data.array.get_mut(index)?;
        let value = std::mem::replace(slot, Value::Nil);
        data.touch(index);
        Some(value)
    }

    /// The executor's `t.name = v` fast path (and `t[k] = v` with a string key): overwrites
    /// a field that is present with a non-nil value (no `__newindex` can apply), which at
    /// the key's home slot is done inline; anything else goes to
    /// [`TableData::set_str_slow`], which also adds a key while the hash part has room.
    /// `false` (nothing done) when the general path must run.
    #[inline(always)]
    pub fn set_str_present(
        self,
        mc: &Mutation<'gc>,
        key: crate::string::LuaString<'gc>,
        value: &Value<'gc>,
    ) -> bool {
        let data = self.poke(mc);
        let hash = &mut data.hash;
        // With no slots the mask is all ones and `get_mut` finds nothing.
        let i = key.hash_value() as usize & hash.slots.len().wrapping_sub(1);
        if let Some(slot) = hash.slots.get_mut(i) {
            if slot.is_str(key) && !slot.value_is_nil() {
                if value.is_nil() {
                    hash.live -= 1;
                }
                slot.set_value(*value);
                return true;
            }
        }
        data.set_str_slow(key, *value)
    }

    /// The executor's general `t[k] = v` path, in one borrow: stores when no `__newindex` can
    /// apply (no metatable, or the key already holds a non-nil value). `Ok(false)` means the
    /// metatable must be consulted. The executor tries `set_int_unless_meta` and
    /// `set_str_present` first, so there is no array shortcut here.
    #[inline(always)]
    pub fn set_unless_meta(
        self,
        mc: &Mutation<'gc>,
        key: Value<'gc>,
        value: &Value<'gc>,
    ) -> Result<bool, SetError> {
        let mut data = self.0.borrow_mut(mc);
        let before = data.slot_capacity();
        let res = data.set_unless_meta(key, *value);
        let after = data.slot_capacity();
        data.grew(mc, before, after);
        res
    }

    pub fn metatable(self) -> Option<Table<'gc>> {
        self.0.borrow().metatable
    }

    /// `t[dst + k] = t[src + k]` for `k` in `0..count`, done as one move inside the array
    /// part when both ranges lie in it (`false`, nothing done, otherwise). The result, and
    /// the `#` hint, are those of the element-by-element raw copy in either direction.
    pub fn move_in_array(self, mc: &Mutation<'gc>, src: i64, dst: i64, count: i64) -> bool {
        let mut data = self.0.borrow_mut(mc);
        let len = data.array.len() as u64;
        let (src0, dst0) = ((src as u64).wrapping_sub(1), (dst as u64).wrapping_sub(1));
        let fits = |start: u64| start < len && count as u64 <= len - start;
        if count <= 0 || !fits(src0) || !fits(dst0) {
            return false;
        }
        let (src0, dst0, count) = (src0 as usize, dst0 as usize, count as usize);
        data.array.copy_within(src0..src0 + count, dst0);
        data.touch(src0.max(dst0) + count - 1);
        true
    }

    /// `t[1..=n]` in place, when the array part holds all of them: for a native that only
    /// permutes them (`table.sort` when nothing can observe the table meanwhile). The `#`
    /// hint moves as reading `t[n]` moves it; writes of the same values back into these
    /// slots move nothing more.
    pub fn array_prefix_mut(
        self,
        mc: &Mutation<'gc>,
        n: usize,
    ) -> Option<std::cell::RefMut<'gc, [Value<'gc>]>> {
        let data = self.0.borrow_mut(mc);
        if n == 0 || n > data.array.len() {
            return None;
        }
        data.touch(n - 1);
        Some(std::cell::RefMut::map(data, |d| &mut d.array[..n]))
    }

    /// The raw field `name` of this table used as a metatable, for event `event` (a bit
    /// number below 32): a miss is remembered, so the next lookup of an absent metamethod
    /// is one bit test (as lua5.4's `flags`).
    ///
    /// The bit test is inline and the lookup out of line: `setmetatable(obj, Class)` asks
    /// for `__mode` and `__gc` at every call, and the test is all it needs then.
    #[inline]
    pub fn meta_get(self, name: crate::string::LuaString<'gc>, event: u32) -> Value<'gc> {
        let data = self.0.borrow();
        if data.knows_absent(event) {
            return Value::Nil;
        }
        data.meta_lookup_out_of_line(name, event)
    }

    /// `__index` of this table's metatable (`name` is `"__index"`, `event` its bit, as for
    /// `meta_get`), or nil when there is no metatable, read without borrow counts for the
    /// executor's `__index` chains (see [`Table::peek`]).
    #[inline]
    pub fn index_handler(self, name: crate::string::LuaString<'gc>, event: u32) -> Value<'gc> {
        match self.peek().metatable {
            Some(mt) => mt.meta_get_inline(name, event),
            None => Value::Nil,
        }
    }

    /// [`Table::meta_get`] with the lookup inline, read without borrow counts (see
    /// [`Table::peek`]), for a metamethod that is usually present: the string metatable's
    /// `__index`, asked at every `s:method()`.
    #[inline]
    pub fn meta_get_inline(self, name: crate::string::LuaString<'gc>, event: u32) -> Value<'gc> {
        self.peek().meta_lookup(name, event)
    }

    /// Whether this table, used as a metatable, is known to lack the metamethod of `event`
    /// (`false` when unknown: [`Table::meta_get`] finds out).
    #[inline]
    pub fn meta_known_absent(self, event: u32) -> bool {
        self.0.borrow().knows_absent(event)
    }

    pub fn set_metatable(self, mc: &Mutation<'gc>, mt: Option<Table<'gc>>) {
        self.0.borrow_mut(mc).metatable = mt;
    }

    /// The border `#t` without metamethods.
    pub fn length(self) -> i64 {
        self.0.borrow().length()
    }

    /// The executor's `#t`: the border, unless the table has a metatable (which may have
    /// `__len`: `None`). A sequence whose `#` hint sits at its border is answered inline.
    #[inline(always)]
    pub fn length_unless_meta(self) -> Option<i64> {
        let data = self.peek();
        if data.metatable.is_some() {
            return None;
        }
        let limit = data.alimit();
        if let Some(last) = limit.checked_sub(1).and_then(|i| data.array.get(i)) {
            if !last.is_nil() {
                // As `TableData::length` finds it: `limit` is a border when the slot after
                // it is nil, or when it ends the array and the hash part is empty.
                match data.array.get(limit) {
                    Some(next) if next.is_nil() => return Some(limit as i64),
                    None if data.hash.slots.is_empty() => return Some(limit as i64),
                    _ => {}
                }
            }
        }
        Some(data.length())
    }

    /// Lua's `next`: `Err(())` if `key` is not in the table.
    #[allow(clippy::result_unit_err)]
    pub fn next(self, key: Value<'gc>) -> Result<Option<(Value<'gc>, Value<'gc>)>, ()> {
        self.0.borrow().next(key)
    }

    /// A copy of the whole table (both parts and the metatable), for reload's journal. A
    /// copy the allocator refuses is `NoMemory`, so a reload rolls back instead of aborting.
    pub fn snapshot(self) -> Result<TableData<'gc>, SetError> {
        let d = self.0.borrow();
        Ok(TableData {
            array: ThinSlice::try_copy(&d.array)?,
            hash: HashPart {
                slots: ThinSlice::try_copy(&d.hash.slots)?,
                live: d.hash.live,
                last_free: d.hash.last_free,
            },
            alimit: d.alimit.clone(),
            metatable: d.metatable,
            charged: d.charged.clone(),
            weak: d.weak,
            meta_absent: d.meta_absent.clone(),
            str_keys: d.str_keys,
            finalizer: d.finalizer,
        })
    }

    /// Put back a copy taken by [`Table::snapshot`].
    pub fn restore(self, mc: &Mutation<'gc>, mut data: TableData<'gc>) {
        // The copy's removed keys may name freed objects; in a weak table they must be
        // dead keys (see `TableData::kill_removed_keys`).
        if data.weak.is_weak() {
            data.kill_removed_keys();
        }
        let mut cur = self.0.borrow_mut(mc);
        *cur = data;
        cur.meta_absent.set(0);
    }

    pub fn ptr_eq(self, other: Table<'gc>) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}

/// Normalise a key: floats with an exact integer value become integers.
#[inline]
fn normalize_key(key: Value<'_>) -> Result<Value<'_>, SetError> {
    match key {
        Value::Nil => Err(SetError::NilKey),
        Value::Number(f) => {
            if f.is_nan() {
                Err(SetError::NaNKey)
            } else if let Some(i) = crate::arith::float_to_int_exact(f) {
                Ok(Value::Integer(i))
            } else {
                Ok(key)
            }
        }
        _ => Ok(key),
    }
}

impl<'gc> TableData<'gc> {
    #[inline]
    pub fn get(&self, key: Value<'gc>) -> Value<'gc> {
        match key {
            Value::String(s) => self.hash.get_str(s),
            Value::Integer(i) => self.get_int(i),
            Value::Number(f) => match crate::arith::float_to_int_exact(f) {
                Some(i) => self.get_int(i),
                None => self.hash.get(key),
            },
            Value::Nil => Value::Nil,
            _ => self.hash.get(key),
        }
    }

    #[inline]
    pub fn get_int(&self, i: i64) -> Value<'gc> {
        let index = (i as usize).wrapping_sub(1);
        match self.array.get(index) {
            Some(v) => {
                self.touch(index);
                *v
            }
            None => self.hash.get(Value::Integer(i)),
        }
    }

    /// [`Table::get_into`] on the data: only the array part and a string's home slot
    /// inline (this is the executor's `t[k]`): the probes are out of line, keeping the
    /// executor's code small.
    #[inline(always)]
    fn get_into(&self, key: Value<'gc>, dest: &mut Value<'gc>) -> bool {
        match key {
            Value::String(s) => self.store_found(self.str_slot(s), dest),
            Value::Integer(i) => self.get_int_into(i, dest),
            Value::Number(f) => match crate::arith::float_to_int_exact(f) {
                Some(i) => self.get_int_into(i, dest),
                None => self.store_found(self.hash.slot_of_probe(key), dest),
            },
            Value::Nil => self.store_unless_meta(&Value::Nil, dest),
            _ => self.store_found(self.hash.slot_of_probe(key), dest),
        }
    }

    /// [`Table::get_int_into`] on the data.
    #[inline(always)]
    fn get_int_into(&self, i: i64, dest: &mut Value<'gc>) -> bool {
        let index = (i as usize).wrapping_sub(1);
        match self.array.get(index) {
            Some(v) => {
                self.touch(index);
                self.store_unless_meta(v, dest)
            }
            None => self.store_found(self.hash.slot_of_int_probe(i), dest),
        }
    }

    /// `store_unless_meta` of the value in hash slot `found` (nil when `None`), written
    /// to `dest` as its tag and payload.
    #[inline(always)]
    fn store_found(&self, found: Option<usize>, dest: &mut Value<'gc>) -> bool {
        match found {
            Some(i) => {
                // SAFETY: the probes return indices of `slots`.
                let s = unsafe { self.hash.slots.get_unchecked(i) };
                let tag = s.tag();
                if tag == NIL_TAG && self.metatable.is_some() {
                    return false;
                }
                // SAFETY: the slot's tag and payload are those of a value it holds.
                unsafe { dest.set_raw(tag, s.val) };
                true
            }
            None => self.store_unless_meta(&Value::Nil, dest),
        }
    }

    /// The shared end of the `get_*_into` fast paths: `v` goes to `dest` unless it is nil
    /// and the metatable could supply `__index`.
    #[inline(always)]
    fn store_unless_meta(&self, v: &Value<'gc>, dest: &mut Value<'gc>) -> bool {
        if v.is_nil() && self.metatable.is_some() {
            return false;
        }
        dest.set_from(v);
        true
    }

    /// `HashPart::slot_of_str_fast`, with a probe past the home slot skipped when the key's
    /// bit is clear in `str_keys`.
    #[inline(always)]
    fn str_slot(&self, key: crate::string::LuaString<'gc>) -> Option<usize> {
        self.hash.slot_of_str_fast(key, self.str_keys)
    }

    /// Record a key added to the hash part in `str_keys` (only strings are looked up
    /// through the filter).
    #[inline(always)]
    fn note_key(&mut self, key: Value<'gc>) {
        if let Value::String(s) = key {
            self.str_keys |= str_key_bit(s);
        }
    }

    /// Whether the metamethod of `event` is known to be absent (its `meta_absent` bit).
    #[inline(always)]
    fn knows_absent(&self, event: u32) -> bool {
        self.meta_absent.get() & (1u32 << event) != 0
    }

    /// `meta_lookup` for [`Table::meta_get`], which tested the bit inline.
    #[inline(never)]
    fn meta_lookup_out_of_line(
        &self,
        name: crate::string::LuaString<'gc>,
        event: u32,
    ) -> Value<'gc> {
        self.meta_lookup(name, event)
    }

    /// [`Table::meta_get`] on this table's data: a miss sets the event's bit in
    /// `meta_absent`, and a set bit answers nil without a lookup.
    #[inline(always)]
    fn meta_lookup(&self, name: crate::string::LuaString<'gc>, event: u32) -> Value<'gc> {
        let bit = 1u32 << event;
        let absent = self.meta_absent.get();
        if absent & bit != 0 {
            return Value::Nil;
        }
        let v = match self.str_slot(name) {
            Some(i) => self.hash.slots[i].value(),
            None => Value::Nil,
        };
        if v.is_nil() {
            self.meta_absent.set(absent | bit);
        }
        v
    }

    /// The `#` hint (see the field).
    #[inline(always)]
    fn alimit(&self) -> usize {
        self.alimit.get() as usize
    }

    /// Set the `#` hint, at most `array.len()`: that is at most `MAX_ARRAY_SIZE`, which
    /// fits; were it ever larger, the clamp keeps the hint below the array's length.
    #[inline(always)]
    fn set_alimit(&self, n: usize) {
        self.alimit.set(n.min(u32::MAX as usize) as u32);
    }

    /// An access to array slot `index`: as lua5.4's `luaH_getint`, one above the `#` hint
    /// `alimit` moves the hint there.
    #[inline(always)]
    fn touch(&self, index: usize) {
        if index >= self.alimit() {
            self.set_alimit(index + 1);
        }
    }

    /// The general case of [`Table::set_unless_meta`].
    #[inline(never)]
    fn set_unless_meta(&mut self, key: Value<'gc>, value: Value<'gc>) -> Result<bool, SetError> {
        // A string key (from a register: constant names try `Table::set_str_present`
        // first): overwritten, or added while the hash part has room, in one probe
        // ([`TableData::set_str_slow`]'s, inlined here). Here rather than in the executor's
        // `t[k] = v`, whose inline code it would grow (a string arm there moved mandelbrot
        // and loops, which never index, by 10%; so did replacing the inline borrow and
        // growth check of `Table::set_unless_meta` with one call, +20% on loops).
        if let Value::String(s) = key {
            if self.set_str_in_place(s, value) {
                return Ok(true);
            }
        }
        if self.metatable.is_some() {
            // Overwriting a present field (an object's own field, say) cannot reach
            // `__newindex`: one lookup settles it.
            if self.hash.replace_present(key, value) {
                return Ok(true);
            }
            // Adding a key: plain when the metatable is known to have no `__newindex`.
            if !self.metatable_lacks(crate::runtime::state::MetaName::NewIndex as u32)
                && self.get(key).is_nil()
            {
                return Ok(false);
            }
        }
        self.set(key, value)?;
        Ok(true)
    }

    /// The rest of [`Table::set_str_present`], out of line: the key's whole probe chain.
    /// A present key is overwritten (a tombstone only without a metatable, where no
    /// `__newindex` can apply); an absent key is added when there is no metatable and the
    /// hash part has room, as [`TableData::hash_set`] would add it. `false` (nothing
    /// done) otherwise: a metatable may have `__newindex`, or the part must rehash.
    #[inline(never)]
    fn set_str_slow(&mut self, key: crate::string::LuaString<'gc>, value: Value<'gc>) -> bool {
        self.set_str_in_place(key, value)
    }

    /// The body of [`TableData::set_str_slow`], inlined into its callers.
    #[inline(always)]
    fn set_str_in_place(&mut self, key: crate::string::LuaString<'gc>, value: Value<'gc>) -> bool {
        if self.hash.slots.is_empty() {
            return false;
        }
        let found = self.hash.str_chain(key);
        let no_meta = self.metatable.is_none();
        match found {
            Some(i) => {
                let slot = &mut self.hash.slots[i];
                match (slot.value_is_nil(), value.is_nil()) {
                    (false, false) => {}
                    (false, true) => self.hash.live -= 1,
                    (true, true) => return no_meta,
                    (true, false) => {
                        if !no_meta {
                            return false;
                        }
                        // A new field may be a metamethod (see `TableData::set`).
                        self.meta_absent.set(0);
                        self.hash.live += 1;
                    }
                }
                slot.set_value(value);
                true
            }
            None if !no_meta => false,
            None if value.is_nil() => true,
            None => {
                let hash = key.hash_value() as u32;
                if !self.hash.insert(str_meta(key), str_addr(key), hash, value) {
                    return false;
                }
                self.meta_absent.set(0);
                self.str_keys |= str_key_bit(key);
                true
            }
        }
    }

    /// Whether the metatable is known to lack the metamethod of `event`. `false` when unknown,
    /// and when the metatable is this table itself (borrowed for writing by the caller).
    #[inline]
    fn metatable_lacks(&self, event: u32) -> bool {
        match self.metatable {
            Some(mt) => {
                mt.0.try_borrow()
                    .is_ok_and(|d| d.meta_absent.get() & (1u32 << event) != 0)
            }
            None => true,
        }
    }

    pub fn set(&mut self, key: Value<'gc>, value: Value<'gc>) -> Result<(), SetError> {
        match normalize_key(key)? {
            Value::Integer(i) => self.set_int(i, value),
            key => {
                // A new field may be a metamethod (integer keys never are).
                self.meta_absent.set(0);
                self.hash_set(key, value)
            }
        }
    }

    pub fn set_int(&mut self, key: i64, value: Value<'gc>) -> Result<(), SetError> {
        let index = (key as usize).wrapping_sub(1);
        if index < self.array.len() {
            self.touch(index);
            self.array[index] = value;
            Ok(())
        } else {
            self.hash_set(Value::Integer(key), value)
        }
    }

    /// Store a normalised key that has no array slot. A new key goes into the hash part
    /// while it has room ([`HashPart::insert`]); when it is full,
    /// [`TableData::rehash`] resizes both parts first.
    fn hash_set(&mut self, key: Value<'gc>, value: Value<'gc>) -> Result<(), SetError> {
        if let Some(i) = self.hash.slot_of(key) {
            let slot = &mut self.hash.slots[i];
            match (slot.value_is_nil(), value.is_nil()) {
                (true, false) => self.hash.live += 1,
                (false, true) => self.hash.live -= 1,
                _ => {}
            }
            slot.set_value(value);
            return Ok(());
        }
        if value.is_nil() {
            return Ok(());
        }
        let (meta, bits, hash) = key_parts(key);
        if self.hash.insert(meta, bits, hash, value) {
            self.note_key(key);
            return Ok(());
        }
        // Full: rehash, after which the key has room in one part.
        self.rehash(key)?;
        if let Value::Integer(i) = key {
            let index = (i as usize).wrapping_sub(1);
            if index < self.array.len() {
                self.array[index] = value;
                return Ok(());
            }
        }
        self.note_key(key);
        self.hash.insert_new(key, value);
        Ok(())
    }

    /// lua5.4's rehash, run when a new key finds the hash part full: count the integer
    /// keys (both parts and `extra`, the key being added), make the array part the
    /// largest power of two `n` such that more than `n / 2` of the keys `1..=n` are
    /// present, and size the hash part for the other keys (a power of two). Integer keys
    /// move between the parts accordingly; tombstones are dropped. On a refused
    /// allocation nothing changes.
    ///
    /// A table without an array part (most tables of fields) takes
    /// [`TableData::rehash_hash_only`] first, which reads the old part once, unless the
    /// new key is an integer small enough to start an array part (`t[1]` on `{}`).
    #[cold]
    #[inline(never)]
    fn rehash(&mut self, extra: Value<'gc>) -> Result<(), SetError> {
        let keys = self.hash.live as u64 + 1;
        let may_start_array =
            matches!(extra, Value::Integer(i) if (i as u64).wrapping_sub(1) < 2 * keys);
        if self.array.is_empty() && !may_start_array && self.rehash_hash_only(extra)? {
            return Ok(());
        }
        // nums[b]: present integer keys k with 2^(b-1) < k <= 2^b (nums[0]: k == 1).
        let mut nums = [0usize; MAX_ARRAY_BITS + 1];
        let mut ints = 0;
        let mut total = 0;
        let mut removed = 0;
        let mut lo = 0;
        for (b, count) in nums.iter_mut().enumerate() {
            let hi = (1usize << b).min(self.array.len());
            if lo >= hi {
                break;
            }
            let present = self.array[lo..hi].iter().filter(|v| !v.is_nil()).count();
            *count += present;
            ints += present;
            lo = hi;
        }
        total += ints;
        let mut count_int = |i: i64, nums: &mut [usize]| {
            if (i as u64).wrapping_sub(1) < MAX_ARRAY_SIZE as u64 {
                nums[ceil_log2(i as u64)] += 1;
                ints += 1;
            }
        };
        for s in self.hash.slots.iter() {
            if !s.value_is_nil() {
                total += 1;
                if s.kind() == KEY_INT {
                    count_int(s.bits as i64, &mut nums);
                }
            } else if !s.is_empty() {
                removed += 1;
            }
        }
        if let Value::Integer(i) = extra {
            count_int(i, &mut nums);
        }
        total += 1;
        let (size, in_array) = array_size(&nums, ints);
        let hashed = total - in_array;
        self.resize(size, hashed + removed_room(removed, hashed))
    }

    /// [`TableData::rehash`] of a table without an array part, in one pass over the old
    /// hash part instead of a counting pass and a moving one: every live entry is moved
    /// into a part sized for all of them and `extra` (what the rehash gives when no key
    /// goes to the array), counting the integer keys on the way. `true` when that is the
    /// result (the integer keys do not make an array part, the usual case); `false`, with
    /// the table unchanged, when they do and the general path must run.
    fn rehash_hash_only(&mut self, extra: Value<'gc>) -> Result<bool, SetError> {
        let total = self.hash.live as usize + 1;
        let mut new_hash = HashPart::for_keys(total)?;
        let mut removed = 0;
        let mut nums = [0usize; MAX_ARRAY_BITS + 1];
        let mut ints = 0;
        let mut count_int = |i: i64, nums: &mut [usize]| {
            if (i as u64).wrapping_sub(1) < MAX_ARRAY_SIZE as u64 {
                nums[ceil_log2(i as u64)] += 1;
                ints += 1;
            }
        };
        let mut str_keys = 0;
        for s in self.hash.slots.iter() {
            if s.value_is_nil() {
                removed += usize::from(!s.is_empty());
                continue;
            }
            if s.kind() == KEY_INT {
                count_int(s.bits as i64, &mut nums);
            }
            str_keys |= s.str_key_bit();
            new_hash.insert_slot(*s);
        }
        if let Value::Integer(i) = extra {
            count_int(i, &mut nums);
        }
        if array_size(&nums, ints).0 != 0 {
            return Ok(false);
        }
        let room = total + removed_room(removed, total);
        if room.next_power_of_two() > new_hash.slots.len() {
            // Rare (keys come and go): the entries move once more, into the bigger part.
            let mut bigger = HashPart::for_keys(room)?;
            for s in new_hash.slots.iter().filter(|s| !s.value_is_nil()) {
                bigger.insert_slot(*s);
            }
            new_hash = bigger;
        }
        self.hash = new_hash;
        // A new part: the filter starts again from the keys it holds.
        self.str_keys = str_keys;
        self.set_alimit(0);
        Ok(true)
    }

    /// Make the array part `array` slots and the hash part room for `hash` keys, moving
    /// entries between them; `alimit` becomes the array size.
    fn resize(&mut self, array: usize, hash: usize) -> Result<(), SetError> {
        let new_hash = HashPart::for_keys(hash)?;
        let old_len = self.array.len();
        // Every allocation before any change, so a refusal leaves the table as it was.
        let shrunk = if array < old_len {
            Some(ThinSlice::try_copy(&self.array[..array])?)
        } else {
            self.array.try_resize(array, Value::Nil)?;
            None
        };
        let old = std::mem::replace(&mut self.hash, new_hash);
        if let Some(shrunk) = shrunk {
            for (i, v) in self.array[array..].iter().enumerate() {
                if !v.is_nil() {
                    self.hash
                        .insert_new(Value::Integer((array + i + 1) as i64), *v);
                }
            }
            self.array = shrunk;
        }
        self.set_alimit(array);
        // A new part: the filter starts again from the keys it holds.
        self.str_keys = 0;
        for s in old.slots.iter() {
            if s.value_is_nil() {
                continue;
            }
            let index = (s.bits as usize).wrapping_sub(1);
            if s.kind() == KEY_INT && index < array {
                self.array[index] = s.value();
            } else {
                self.str_keys |= s.str_key_bit();
                self.hash.insert_slot(*s);
            }
        }
        Ok(())
    }

    /// A table constructor's positional items (`SetList`): keys `start + 1 ..` all land in
    /// the array part, nils included, as lua5.4 sizes the array to the constructor's items,
    /// so `#{1, nil, 3}` is 3 and `pairs` visits them in order.
    pub fn set_list(&mut self, start: i64, values: &[Value<'gc>]) -> Result<(), SetError> {
        if start < 0 {
            // Only a hand-made binary chunk does this.
            for (i, v) in values.iter().enumerate() {
                self.set_int(start + 1 + i as i64, *v)?;
            }
            return Ok(());
        }
        let end = (start as usize)
            .checked_add(values.len())
            .ok_or(SetError::NoMemory)?;
        if end > self.array.len() {
            // As lua5.4, the array part grows to exactly `end` (the hash part is rebuilt at
            // its size, giving up the keys that move to the array).
            self.resize(end, self.hash.slots.len())?;
        }
        let dst = &mut self.array[start as usize..end];
        // Most constructors have a few items (`{x, y}`, `{left, right}`): copied inline,
        // where `copy_from_slice` would call `memcpy` (1-2% of binary_trees).
        match (dst, values) {
            ([d0], [v0]) => *d0 = *v0,
            ([d0, d1], [v0, v1]) => (*d0, *d1) = (*v0, *v1),
            ([d0, d1, d2], [v0, v1, v2]) => (*d0, *d1, *d2) = (*v0, *v1, *v2),
            (dst, values) => dst.copy_from_slice(values),
        }
        Ok(())
    }

    /// The border `#t`, found as lua5.4's `luaH_getn` finds it (starting from the hint
    /// `alimit`, which it may move), so a table with holes gives the same answer.
    #[inline(never)]
    pub fn length(&self) -> i64 {
        let len = self.array.len();
        let limit = self.alimit();
        let pow2_size = len & len.wrapping_sub(1) == 0;
        let nil_at = |k: usize| self.array[k - 1].is_nil();
        if limit > 0 && nil_at(limit) {
            // A border below `limit`.
            if limit >= 2 && !nil_at(limit - 1) {
                let b = limit - 1;
                if pow2_size && b & (b - 1) != 0 {
                    self.set_alimit(b);
                }
                return b as i64;
            }
            let b = self.array_border(0, limit);
            if pow2_size && b > len / 2 {
                self.set_alimit(b);
            }
            return b as i64;
        }
        if limit != len {
            // `limit` is present and the array goes on after it.
            if nil_at(limit + 1) {
                return limit as i64;
            }
            if nil_at(len) {
                let b = self.array_border(limit, len);
                self.set_alimit(b);
                return b as i64;
            }
        }
        // The array is empty or its last slot is present: continue in the hash part.
        if self.hash.slots.is_empty() || self.hash.get(Value::Integer(len as i64 + 1)).is_nil() {
            return len as i64;
        }
        self.hash_border(len as u64)
    }

    /// Binary search for a border in the array between `i` (0 or present) and `j` (nil).
    fn array_border(&self, mut i: usize, mut j: usize) -> usize {
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.array[m - 1].is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i
    }

    /// A border at or after `j` (`j + 1` is present, in the hash part): doubling until a
    /// nil, then a binary search, probing the keys lua5.4 probes.
    fn hash_border(&self, mut j: u64) -> i64 {
        let absent = |k: u64| self.hash.get(Value::Integer(k as i64)).is_nil();
        let mut i;
        if j == 0 {
            j = 1;
        }
        loop {
            i = j;
            if j <= i64::MAX as u64 / 2 {
                j *= 2;
            } else {
                j = i64::MAX as u64;
                if absent(j) {
                    break;
                }
                return j as i64;
            }
            if absent(j) {
                break;
            }
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if absent(m) {
                j = m;
            } else {
                i = m;
            }
        }
        i as i64
    }

    /// The slot of `key` (normalised, in the hash part) for `next`: the slot the last
    /// `next` on this table returned, when it holds this very key (a traversal's usual
    /// case, checked without reading the key: a string key's hash is in its object, a
    /// cache miss per step in a big table), else the probe's answer.
    #[inline]
    fn next_slot_of(&self, key: Value<'gc>) -> Option<usize> {
        let (table, i) = NEXT_HINT.get();
        if table == self as *const Self as usize {
            if let Some(s) = self.hash.slots.get(i) {
                let (kind, bits) = key_kind_bits(key);
                if s.bits == bits && s.kind() == kind {
                    return Some(i);
                }
            }
        }
        self.hash.slot_of(key)
    }

    #[allow(clippy::result_unit_err)]
    pub fn next(&self, key: Value<'gc>) -> Result<Option<(Value<'gc>, Value<'gc>)>, ()> {
        let mut pos = match key {
            Value::Nil => 0,
            _ => {
                let key = normalize_key(key).map_err(|_| ())?;
                match key {
                    Value::Integer(i) if i >= 1 && (i as u64) <= self.array.len() as u64 => {
                        i as usize
                    }
                    _ => self.array.len() + self.next_slot_of(key).ok_or(())? + 1,
                }
            }
        };
        while pos < self.array.len() {
            let v = self.array[pos];
            pos += 1;
            if !v.is_nil() {
                return Ok(Some((Value::Integer(pos as i64), v)));
            }
        }
        let mut slot = pos - self.array.len();
        while slot < self.hash.slots.len() {
            let s = &self.hash.slots[slot];
            if !s.value_is_nil() {
                NEXT_HINT.set((self as *const Self as usize, slot));
                return Ok(Some((s.key(), s.value())));
            }
            slot += 1;
        }
        Ok(None)
    }

    pub fn metatable(&self) -> Option<Table<'gc>> {
        self.metatable
    }

    /// After the table's parts grew from `before` to `after` value slots
    /// ([`TableData::slot_capacity`]): GC debt ([`charge_growth`]) and the memory account.
    #[inline]
    pub fn grew(&mut self, mc: &Mutation<'_>, before: usize, after: usize) {
        if after > before {
            self.account_growth(mc, before, after);
        }
    }

    /// Out of line: growth is rare, and keeping it out keeps every table write that may
    /// grow (`Table::set_int`, `set`) small enough to inline.
    #[cold]
    #[inline(never)]
    fn account_growth(&mut self, mc: &Mutation<'_>, before: usize, after: usize) {
        debug_assert!(after > before && after == self.slot_capacity());
        crate::limits::note_table_size(self.array.len() + self.hash.slots.len());
        // The charge covers the parts' largest size: `after` with the hash part charged by
        // `hash_part_charge`. (`before` never exceeds what is charged, so the `max` changes
        // nothing; computing from `after` and `before` rather than the parts' lengths
        // keeps both arguments used, and with them the executor's code for its callers as
        // it was: without, the dispatch loop grew 2 KB and fib ran 1% more instructions.)
        let hash = self.hash.slots.len();
        let size = after - 2 * hash + hash_part_charge(hash);
        let growth = size.saturating_sub(self.charged.slots().max(before));
        charge_growth(mc, 0, growth);
        self.charged.add(growth);
    }

    /// Value slots allocated by both parts (a hash slot holds a key and a value): what
    /// the table-store paths compare before and after a store to see that a part grew.
    pub fn slot_capacity(&self) -> usize {
        self.array.len() + 2 * self.hash.slots.len()
    }

    /// Number of array slots (for `table` library fast paths).
    pub fn array_len(&self) -> usize {
        self.array.len()
    }
}

/// lua5.4's hash part: a power of two many [`Slot`]s, one per key at most (lua5.4's node
/// count, so the part is full when every slot has a key), chained in place. A key lives
/// in the chain that starts at its home slot (its hash's low bits): at the home itself, or
/// in a slot the chain's `next` offsets lead to. A key whose home is taken by a key from
/// another chain takes that slot, and the other key moves to a free slot (lua5.4's
/// `luaH_newkey`), so a chain starting at a slot holds the keys whose home it is (and,
/// where chains have joined through a removed entry's slot, others after them).
///
/// A slot without a key is empty; a slot with a key and a `Nil` value is a removed entry
/// (kept so `next` can continue past cleared fields, and reused by the next key whose
/// home it is, or by the same key set again).
#[derive(Default, Clone)]
#[repr(C)]
struct HashPart<'gc> {
    /// None, or a power of two many slots (at most 2^30). Its length never changes (a
    /// rehash makes a new part).
    slots: ThinSlice<Slot<'gc>>,
    /// Slots with a non-nil value. `u32`: the part has at most 2^30 slots.
    live: u32,
    /// lua5.4's `lastfree`: the slots at and above it are not empty, so the search for a
    /// free slot ([`HashPart::free_slot`]) goes down from here and each slot is looked at
    /// once per part.
    last_free: u32,
}

/// The kind of a slot's key (`Slot::meta`'s bits 8 to 11); `KEY_EMPTY` marks an empty
/// slot.
const KEY_EMPTY: u8 = 0;
const KEY_BOOL: u8 = 1;
const KEY_INT: u8 = 2;
const KEY_FLOAT: u8 = 3;
const KEY_STRING: u8 = 4;
const KEY_TABLE: u8 = 5;
const KEY_FUNCTION: u8 = 6;
const KEY_NATIVE: u8 = 7;
const KEY_THREAD: u8 = 8;
const KEY_USERDATA: u8 = 9;
/// A key the collector removed from a weak table (its object is gone): it matches no key
/// and holds no pointer, but keeps its place in the chains it is part of.
const KEY_DEAD: u8 = 10;

/// `Slot::meta`: the value's tag in bits 0 to 7, the key's kind in 8 to 11, the low
/// `HASH_BITS` bits of the key's hash in 12 to 31, and `next` in 32 to 63: the offset to
/// the next slot of the chain (0 at its end), as lua5.4's `int next`.
const KIND_SHIFT: u32 = 8;
const KIND_MASK: u64 = 0xF << KIND_SHIFT;
const HASH_SHIFT: u32 = 12;
const HASH_BITS: u32 = 20;
const NEXT_SHIFT: u32 = 32;
/// The bits of `meta` that describe the key (its kind and hash bits).
const KEY_META: u64 = 0xFFFF_FF00;

/// One entry of the hash part, 24 bytes (lua5.4's `Node` size): three words, the key's
/// kind, hash bits, the value's tag and the chain's link in one, the key's payload and
/// the value's payload. With hash bits in the slot, a probe compares two words per slot
/// (a string's head is read only when the hashes match and the objects differ) and a
/// rehash places every key of a part of up to 2^`HASH_BITS` slots without reading it.
/// The value is rebuilt from its tag and payload on read ([`Value::from_raw`]: two
/// loads).
#[derive(Clone, Copy)]
struct Slot<'gc> {
    /// See `KIND_SHIFT`; 0 for an empty slot.
    meta: u64,
    /// The key's payload: the integer, the float's bits, the boolean, or the address of
    /// the object (a `Gc` pointer, traced through [`Slot::key`]).
    bits: u64,
    /// The value's payload (not initialised for nil).
    val: MaybeUninit<u64>,
    _value: PhantomData<Value<'gc>>,
}

const _: () = assert!(std::mem::size_of::<Slot<'static>>() == 24);

impl<'gc> Slot<'gc> {
    #[inline(always)]
    fn empty() -> Slot<'gc> {
        Slot {
            meta: 0,
            bits: 0,
            val: MaybeUninit::uninit(),
            _value: PhantomData,
        }
    }

    /// A slot for the key of `(meta, bits)` (as `key_parts` gives them) holding `value`,
    /// at the end of its chain.
    #[inline(always)]
    fn new(meta: u64, bits: u64, value: Value<'gc>) -> Slot<'gc> {
        let (tag, val) = value.to_raw();
        Slot {
            meta: meta | tag as u64,
            bits,
            val,
            _value: PhantomData,
        }
    }

    #[inline(always)]
    fn is_empty(&self) -> bool {
        self.meta & KIND_MASK == 0
    }

    #[inline(always)]
    fn kind(&self) -> u8 {
        ((self.meta & KIND_MASK) >> KIND_SHIFT) as u8
    }

    /// The key's part of `meta` (what `key_parts` gives).
    #[inline(always)]
    fn key_meta(&self) -> u64 {
        self.meta & KEY_META
    }

    /// The value's tag (`NIL_TAG` in an empty slot and a removed entry).
    #[inline(always)]
    fn tag(&self) -> u8 {
        self.meta as u8
    }

    #[inline(always)]
    fn value_is_nil(&self) -> bool {
        self.tag() == NIL_TAG
    }

    #[inline(always)]
    fn value(&self) -> Value<'gc> {
        // SAFETY: the tag and payload were stored together by `new` or `set_value` from a
        // value the table holds (traced with it; a dead weak value is cleared before its
        // object is freed), or are an empty slot's nil.
        unsafe { Value::from_raw(self.tag(), self.val) }
    }

    #[inline(always)]
    fn set_value(&mut self, value: Value<'gc>) {
        let (tag, val) = value.to_raw();
        self.meta = (self.meta & !0xFF) | tag as u64;
        self.val = val;
    }

    /// The offset to the next slot of the chain; 0 at its end.
    #[inline(always)]
    fn next(&self) -> isize {
        (self.meta >> NEXT_SHIFT) as i32 as isize
    }

    #[inline(always)]
    fn set_next(&mut self, offset: isize) {
        self.meta = (self.meta & 0xFFFF_FFFF) | ((offset as i32 as u32 as u64) << NEXT_SHIFT);
    }

    /// The slot, linked to the slot `offset` away.
    #[inline(always)]
    fn with_next(mut self, offset: isize) -> Slot<'gc> {
        self.set_next(offset);
        self
    }

    /// The home slot of this slot's key (a live one) in a part of `mask + 1` slots: from
    /// the hash bits it carries, or for a bigger part from the key's whole hash.
    #[inline(always)]
    fn home(&self, mask: usize) -> usize {
        if mask < 1 << HASH_BITS {
            (self.meta >> HASH_SHIFT) as usize & mask
        } else {
            self.full_hash() as usize & mask
        }
    }

    /// The whole hash of this slot's key (a live one: a string key is read).
    #[cold]
    fn full_hash(&self) -> u32 {
        key_parts(self.key()).2
    }

    /// The key's bit in `TableData::str_keys` if it is a string (as `str_key_bit`), else 0.
    #[inline(always)]
    fn str_key_bit(&self) -> u8 {
        u8::from(self.kind() == KEY_STRING) << ((self.meta >> (HASH_SHIFT + STR_KEY_SHIFT)) & 7)
    }

    /// Whether the key is this very string object.
    #[inline(always)]
    fn is_str(&self, key: crate::string::LuaString<'gc>) -> bool {
        self.bits == str_addr(key) && self.meta & KIND_MASK == (KEY_STRING as u64) << KIND_SHIFT
    }

    /// The key as a value: nil for an empty slot, a NaN (never a valid key) for a dead one.
    #[inline]
    fn key(&self) -> Value<'gc> {
        let p = self.bits as usize;
        // SAFETY: an object key's `bits` is the address `Gc::as_ptr` gave for an object of
        // the type its kind names (`key_parts`). Callers read the key of live entries
        // only (a removed entry's key is not traced and may be freed), except
        // `clear_weak`, which reads the removed entries' keys of weak tables: those are
        // alive until it kills them (`TableData::kill_removed_keys`). The table traces its
        // live keys, and the collector turns a weak key whose object dies into `KEY_DEAD`
        // before the object is freed (`TableData::clear_weak`).
        unsafe {
            match self.kind() {
                KEY_BOOL => Value::Boolean(self.bits != 0),
                KEY_INT => Value::Integer(self.bits as i64),
                KEY_FLOAT => Value::Number(f64::from_bits(self.bits)),
                KEY_STRING => Value::String(crate::string::LuaString::from_gc(Gc::from_ptr(
                    p as *const crate::string::StringData,
                ))),
                KEY_TABLE => Value::Table(Table::from_gc(Gc::from_ptr(p as *const _))),
                KEY_FUNCTION => Value::Function(Gc::from_ptr(p as *const _)),
                KEY_NATIVE => Value::NativeFunction(Gc::from_ptr(p as *const _)),
                KEY_THREAD => {
                    Value::Thread(crate::thread::Thread::from_gc(Gc::from_ptr(p as *const _)))
                }
                KEY_USERDATA => Value::UserData(Gc::from_ptr(p as *const _)),
                KEY_DEAD => Value::Number(f64::NAN),
                _ => Value::Nil,
            }
        }
    }

    /// The key's string, when it is one.
    #[inline(always)]
    fn key_str(&self) -> Option<crate::string::LuaString<'gc>> {
        match self.key() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Make the key dead (see `KEY_DEAD`); the value becomes nil, the chain stays.
    fn kill_key(&mut self) {
        self.meta = (self.meta & !0xFFFF_FFFF) | (KEY_DEAD as u64) << KIND_SHIFT;
        self.bits = 0;
    }
}

#[inline(always)]
fn str_addr(s: crate::string::LuaString<'_>) -> u64 {
    Gc::as_ptr(s.gc()) as usize as u64
}

/// What the first pass of a string key's probe found (`HashPart::str_chain_by_address`):
/// the slot holding that very string object; no such slot; or no such slot but a string
/// with the same hash bits in the chain.
enum AddressProbe {
    Found(usize),
    Absent,
    SameHash,
}

/// Where a string key's bit in `TableData::str_keys` comes from: three bits of its hash
/// that a small part's home slot (its low bits) does not use, and that every slot keeps.
const STR_KEY_SHIFT: u32 = 17;

/// A string key's bit in `TableData::str_keys`.
#[inline(always)]
fn str_key_bit(s: crate::string::LuaString<'_>) -> u8 {
    1 << ((s.hash_value() >> STR_KEY_SHIFT) & 7)
}

/// The key part of `Slot::meta` for a key of `kind` whose hash is `hash`.
#[inline(always)]
fn key_meta(kind: u8, hash: u32) -> u64 {
    (kind as u64) << KIND_SHIFT | ((hash as u64) & ((1 << HASH_BITS) - 1)) << HASH_SHIFT
}

/// `Slot::meta` of a string key.
#[inline(always)]
fn str_meta(s: crate::string::LuaString<'_>) -> u64 {
    key_meta(KEY_STRING, s.hash_value() as u32)
}

/// `Slot::meta` of an integer key.
#[inline(always)]
fn int_meta(i: i64) -> u64 {
    key_meta(KEY_INT, int_hash(i))
}

thread_local! {
    /// The table (the address of its data) and the hash slot of the entry the last `next`
    /// returned on this thread: see [`TableData::next_slot_of`]. A stale hint (another
    /// table at a freed one's address, a resized part) fails its key check.
    static NEXT_HINT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// The kind and the payload of a normalised key (`Slot::meta`'s kind and `Slot::bits`),
/// without its hash.
#[inline]
fn key_kind_bits(key: Value<'_>) -> (u8, u64) {
    let addr = |p: usize| p as u64;
    match key {
        Value::String(s) => (KEY_STRING, str_addr(s)),
        Value::Integer(i) => (KEY_INT, i as u64),
        Value::Number(f) => (KEY_FLOAT, f.to_bits()),
        Value::Boolean(b) => (KEY_BOOL, b as u64),
        Value::Table(t) => (KEY_TABLE, addr(Gc::as_ptr(t.gc()) as usize)),
        Value::Function(c) => (KEY_FUNCTION, addr(Gc::as_ptr(c) as usize)),
        Value::NativeFunction(n) => (KEY_NATIVE, addr(Gc::as_ptr(n) as usize)),
        Value::Thread(t) => (KEY_THREAD, addr(Gc::as_ptr(t.gc()) as usize)),
        Value::UserData(u) => (KEY_USERDATA, addr(Gc::as_ptr(u) as usize)),
        Value::Nil => (KEY_EMPTY, 0),
    }
}

/// The hash of a key that is not a string, from its kind and payload.
#[inline]
fn scalar_hash(kind: u8, bits: u64) -> u32 {
    match kind {
        KEY_INT => int_hash(bits as i64),
        KEY_FLOAT => mix(bits) as u32,
        KEY_BOOL => mix(bits + 1) as u32,
        // An object's address: its low bits are alignment.
        _ => mix(bits >> 4) as u32,
    }
}

/// `(meta, bits, hash)` of a normalised key (not nil; a float key has no integer value):
/// `Slot::meta`'s key part, `Slot::bits`, and the whole hash.
#[inline]
fn key_parts(key: Value<'_>) -> (u64, u64, u32) {
    let (kind, bits) = key_kind_bits(key);
    let hash = match key {
        Value::String(s) => s.hash_value() as u32,
        _ => scalar_hash(kind, bits),
    };
    (key_meta(kind, hash), bits, hash)
}

/// The hash of an integer key.
#[inline]
fn int_hash(i: i64) -> u32 {
    mix(i as u64) as u32
}

#[inline]
fn mix(raw: u64) -> u64 {
    // Fold the high half down first: small floats keep all their varying bits at the top
    // (their low mantissa bits are zero), and a multiply only carries bits upwards. Then a
    // multiplicative mix so sequential integers and aligned pointers spread out.
    let h = (raw ^ (raw >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 29)
}

impl<'gc> HashPart<'gc> {
    /// The slot `offset` after `i` (`next` links stay inside the part; the mask keeps an
    /// index in bounds whatever the link says).
    #[inline(always)]
    fn step(&self, i: usize, offset: isize) -> usize {
        i.wrapping_add_signed(offset) & (self.slots.len() - 1)
    }

    /// The slot holding the key with these `(meta, bits)` and `hash` (not a string: an
    /// equal string may be another object). The part has slots.
    #[inline(always)]
    fn find(&self, meta: u64, bits: u64, hash: u32) -> Option<usize> {
        let mut i = hash as usize & (self.slots.len() - 1);
        loop {
            // SAFETY: `i` is masked to the part's length.
            let s = unsafe { self.slots.get_unchecked(i) };
            if s.key_meta() == meta && s.bits == bits {
                return Some(i);
            }
            if s.next() == 0 {
                return None;
            }
            i = self.step(i, s.next());
        }
    }

    #[inline]
    fn slot_of(&self, key: Value<'gc>) -> Option<usize> {
        match key {
            Value::String(s) => return self.slot_of_str(s),
            Value::Integer(i) => return self.slot_of_int(i),
            _ => {}
        }
        if self.slots.is_empty() {
            return None;
        }
        let (meta, bits, hash) = key_parts(key);
        self.find(meta, bits, hash)
    }

    /// `slot_of` out of line, for the executor's paths.
    #[inline(never)]
    fn slot_of_probe(&self, key: Value<'gc>) -> Option<usize> {
        self.slot_of(key)
    }

    /// `slot_of_int` out of line, for the executor's paths.
    #[inline(never)]
    fn slot_of_int_probe(&self, key: i64) -> Option<usize> {
        self.slot_of_int(key)
    }

    /// `slot_of` for an integer key.
    #[inline]
    fn slot_of_int(&self, key: i64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.find(int_meta(key), key as u64, int_hash(key))
    }

    /// `get` for a string key.
    #[inline]
    fn get_str(&self, key: crate::string::LuaString<'gc>) -> Value<'gc> {
        match self.slot_of_str(key) {
            Some(i) => self.slots[i].value(),
            None => Value::Nil,
        }
    }

    /// `slot_of_str` with the first two slots of the chain inline: a hit at the key's home
    /// slot is one address and one kind comparison (the same string object, as source
    /// constants and interned short strings are); an empty home is a miss; anything else
    /// goes to `slot_of_str` out of line, whose loop would otherwise make the executor
    /// keep its registers on the stack around every field access.
    /// `str_keys`: the table's filter (`TableData::str_keys`), tested by the probe.
    #[inline(always)]
    fn slot_of_str_fast(&self, key: crate::string::LuaString<'gc>, str_keys: u8) -> Option<usize> {
        // With no slots the mask is all ones and `get` finds nothing.
        let mask = self.slots.len().wrapping_sub(1);
        let i = key.hash_value() as usize & mask;
        match self.slots.get(i) {
            Some(s) if s.is_str(key) => Some(i),
            // An empty home slot (or no slots): absent, without a call.
            Some(s) if s.is_empty() => None,
            None => None,
            Some(s) => {
                // The chain's second slot, where a key that met another at its home
                // usually is (two or more keys of a small object share one).
                let j = i.wrapping_add_signed(s.next()) & mask;
                // SAFETY: `j <= mask < slots.len()` (the part has slots here).
                if unsafe { self.slots.get_unchecked(j) }.is_str(key) {
                    Some(j)
                } else {
                    self.slot_of_str_probe(key, str_keys)
                }
            }
        }
    }

    /// The part has slots here (the caller read the home slot). A key whose bit is clear
    /// in the table's `str_keys` filter is absent without a probe. (The test is here, not
    /// in the inline part: there it made the executor's field accesses slower.)
    #[inline(never)]
    fn slot_of_str_probe(&self, key: crate::string::LuaString<'gc>, str_keys: u8) -> Option<usize> {
        if str_keys & str_key_bit(key) == 0 {
            return None;
        }
        self.str_chain(key)
    }

    /// `slot_of` for a string key.
    #[inline]
    fn slot_of_str(&self, key: crate::string::LuaString<'gc>) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.str_chain(key)
    }

    /// The probe of a string key (the part has slots): the slot holding it, if any. The
    /// first pass (`str_chain_by_address`) compares the slots' kind and hash bits and the
    /// object's address: the key is usually the very object stored (constants and
    /// interned names, or the same run-time string used again). Only when that finds
    /// nothing and some other string of the chain has the same hash bits are the bytes
    /// compared (`str_chain_by_bytes`: an equal string may be a different object,
    /// run-time strings are not all interned).
    #[inline]
    fn str_chain(&self, key: crate::string::LuaString<'gc>) -> Option<usize> {
        match self.str_chain_by_address(key) {
            AddressProbe::Found(i) => Some(i),
            AddressProbe::Absent => None,
            AddressProbe::SameHash => self.str_chain_by_bytes(key),
        }
    }

    /// The first pass of `str_chain`.
    #[inline(always)]
    fn str_chain_by_address(&self, key: crate::string::LuaString<'gc>) -> AddressProbe {
        let (meta, bits) = (str_meta(key), str_addr(key));
        let mut i = key.hash_value() as usize & (self.slots.len() - 1);
        let mut same_hash = false;
        loop {
            // SAFETY: `i` is masked to the part's length.
            let s = unsafe { self.slots.get_unchecked(i) };
            if s.key_meta() == meta {
                if s.bits == bits {
                    return AddressProbe::Found(i);
                }
                same_hash = true;
            }
            if s.next() == 0 {
                break;
            }
            i = self.step(i, s.next());
        }
        if same_hash {
            AddressProbe::SameHash
        } else {
            AddressProbe::Absent
        }
    }

    /// The second pass of `str_chain`: the chain holds a string with the key's hash bits.
    /// Out of line: it is rare, and inlined it made the lookup keep its registers on the
    /// stack.
    #[cold]
    #[inline(never)]
    fn str_chain_by_bytes(&self, key: crate::string::LuaString<'gc>) -> Option<usize> {
        let meta = str_meta(key);
        let mut i = key.hash_value() as usize & (self.slots.len() - 1);
        loop {
            let s = &self.slots[i];
            // A removed entry's key may be freed: it is never read (see `TableData`'s
            // `trace`), only matched by address in `str_chain_by_address`.
            if s.key_meta() == meta
                && !s.value_is_nil()
                && s.key_str().is_some_and(|s| s.as_bytes() == key.as_bytes())
            {
                return Some(i);
            }
            if s.next() == 0 {
                return None;
            }
            i = self.step(i, s.next());
        }
    }

    /// Overwrite the value of `key` if it is present with a non-nil value; `false` (nothing
    /// done) otherwise. `key` is used as given: a float key that should have been
    /// normalised to an integer is simply not found.
    #[inline]
    fn replace_present(&mut self, key: Value<'gc>, value: Value<'gc>) -> bool {
        let Some(i) = self.slot_of(key) else {
            return false;
        };
        if self.slots[i].value_is_nil() {
            return false;
        }
        if value.is_nil() {
            self.live -= 1;
        }
        self.slots[i].set_value(value);
        true
    }

    #[inline]
    fn get(&self, key: Value<'gc>) -> Value<'gc> {
        match self.slot_of(key) {
            Some(i) => self.slots[i].value(),
            None => Value::Nil,
        }
    }

    /// An empty part for `keys` keys: lua5.4's size for them, the next power of two. Fails
    /// when the allocator refuses the slots (or the part would have more than 2^30).
    fn for_keys(keys: usize) -> Result<HashPart<'gc>, SetError> {
        let mut slots = ThinSlice::empty();
        if keys > 0 {
            let len = keys
                .checked_next_power_of_two()
                .filter(|&n| n <= 1 << 30)
                .ok_or(SetError::NoMemory)?;
            slots = ThinSlice::try_filled(len, Slot::empty())?;
        }
        Ok(HashPart {
            last_free: slots.len() as u32,
            slots,
            live: 0,
        })
    }

    /// Slots with a key: live entries and removed ones.
    #[cfg(test)]
    fn used(&self) -> usize {
        self.slots.iter().filter(|s| !s.is_empty()).count()
    }

    /// Add an absent `key` with a non-nil value (`key_parts` gives its parts); `false`,
    /// with the part unchanged, when there is no room (the caller rehashes).
    #[inline(always)]
    fn insert(&mut self, meta: u64, bits: u64, hash: u32, value: Value<'gc>) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let home = hash as usize & (self.slots.len() - 1);
        self.place(home, Slot::new(meta, bits, value))
    }

    /// `insert` of a key the caller knows fits: the part has a free slot.
    fn insert_new(&mut self, key: Value<'gc>, value: Value<'gc>) {
        let (meta, bits, hash) = key_parts(key);
        let placed = self.insert(meta, bits, hash, value);
        debug_assert!(placed, "a rehash leaves room for the new key");
    }

    /// `insert` of a slot's entry (a live one, moved by a rehash into a part with room for
    /// it): placed by the hash bits it carries.
    #[inline]
    fn insert_slot(&mut self, slot: Slot<'gc>) {
        let home = slot.home(self.slots.len() - 1);
        let placed = self.place(home, slot.with_next(0));
        debug_assert!(
            placed,
            "a rehash sizes the new part for every entry it moves"
        );
    }

    /// lua5.4's `luaH_newkey` for an entry (not linked) whose home is `home`. A home slot
    /// without a live entry (empty, or a removed entry) takes it, keeping the chain that
    /// goes through it. Otherwise [`HashPart::place_taken`] runs. `false` (nothing changed
    /// but the free-slot search's position) when a free slot is needed and there is none.
    #[inline(always)]
    fn place(&mut self, home: usize, entry: Slot<'gc>) -> bool {
        let occupant = &mut self.slots[home];
        if occupant.value_is_nil() {
            *occupant = entry.with_next(occupant.next());
            self.live += 1;
            return true;
        }
        self.place_taken(home, entry)
    }

    /// `place` when the home holds a live entry. If its key belongs to another chain, the
    /// new key takes the slot and that key moves to a free slot, relinked; if it belongs
    /// to this chain, the new key goes to a free slot linked right after it.
    #[inline(never)]
    fn place_taken(&mut self, home: usize, entry: Slot<'gc>) -> bool {
        let occupant = self.slots[home];
        let Some(free) = self.free_slot() else {
            return false;
        };
        // The offset from `free` to where the occupant's chain went on.
        let rest = match occupant.next() {
            0 => 0,
            n => (home as isize + n) - free as isize,
        };
        let mask = self.slots.len() - 1;
        let other = occupant.home(mask);
        if other != home {
            // The occupant is away from its home: move it to `free`, relinking the slot
            // before it in its chain.
            let mut prev = other;
            loop {
                let next = self.step(prev, self.slots[prev].next());
                if next == home {
                    break;
                }
                prev = next;
            }
            self.slots[prev].set_next(free as isize - prev as isize);
            self.slots[free] = occupant.with_next(rest);
            self.slots[home] = entry.with_next(0);
        } else {
            self.slots[free] = entry.with_next(rest);
            self.slots[home].set_next(free as isize - home as isize);
        }
        self.live += 1;
        true
    }

    /// An empty slot, searching down from `last_free` (lua5.4's `getfreepos`).
    #[inline]
    fn free_slot(&mut self) -> Option<usize> {
        let mut i = self.last_free as usize;
        while i > 0 {
            i -= 1;
            if self.slots[i].is_empty() {
                self.last_free = i as u32;
                return Some(i);
            }
        }
        self.last_free = 0;
        None
    }
}

/// Room a rehash adds for the `removed` entries (removed since the last one) when the new
/// hash part holds `hashed` keys: removed entries mean keys come and go (a cache, a work
/// set), and room for as many more, up to `hashed`, keeps each rehash paid for by that
/// many inserts. lua5.4 only lets a new key take a removed entry's slot when it is the
/// key's home, as [`HashPart::place`] does too; without removals the sizes are lua5.4's.
#[inline]
fn removed_room(removed: usize, hashed: usize) -> usize {
    removed.min(hashed)
}

/// As lua5.4 (with 32-bit `int`): integer keys up to `2^MAX_ARRAY_BITS` may live in the
/// array part.
const MAX_ARRAY_BITS: usize = 31;
const MAX_ARRAY_SIZE: usize = 1 << MAX_ARRAY_BITS;

/// lua5.4's array size for integer keys counted by magnitude (`nums[b]`: keys `k` with
/// `2^(b-1) < k <= 2^b`, `ints` of them in all): the largest power of two `n` such that
/// more than `n / 2` of the keys `1..=n` are present (scanning while the keys could still
/// fill more than half of it), and how many keys it takes.
fn array_size(nums: &[usize; MAX_ARRAY_BITS + 1], ints: usize) -> (usize, usize) {
    let (mut size, mut in_array, mut below) = (0usize, 0usize, 0usize);
    for (b, count) in nums.iter().enumerate() {
        let two_b = 1usize << b;
        if ints <= two_b / 2 {
            break;
        }
        below += count;
        if below > two_b / 2 {
            size = two_b;
            in_array = below;
        }
    }
    (size, in_array)
}

/// The smallest `b` with `k <= 2^b`, for `k >= 1`.
#[inline]
fn ceil_log2(k: u64) -> usize {
    (u64::BITS - (k - 1).leading_zeros()) as usize
}

/// Weak-table support for the collector (`crate::weak`).
impl<'gc> TableData<'gc> {
    pub fn weak_mode(&self) -> WeakMode {
        self.weak
    }

    /// Set the weak mode. A table becoming weak must first lose its removed entries'
    /// object keys ([`TableData::kill_removed_keys`]).
    pub fn set_weak_mode(&mut self, mode: WeakMode) {
        self.weak = mode;
    }

    /// Turn the object keys of removed entries into `KEY_DEAD`, for a table becoming weak.
    /// While a table is strong, such a key is not traced and its object may be gone;
    /// `clear_weak` reads those keys in a weak table, where each cycle kills them before
    /// their objects are freed.
    #[cold]
    #[inline(never)]
    pub fn kill_removed_keys(&mut self) {
        for s in self.hash.slots.iter_mut() {
            if s.kind() >= KEY_STRING && s.kind() != KEY_DEAD && s.value_is_nil() {
                s.kill_key();
            }
        }
    }

    /// Whether the table is marked for finalization (see `weak.rs`).
    pub fn finalizer_mark(&self) -> bool {
        self.finalizer
    }

    pub fn set_finalizer_mark(&mut self, marked: bool) {
        self.finalizer = marked;
    }

    /// Clear the entries whose value is dead, in a table with weak values (the pass
    /// before finalized objects are resurrected: see `weak.rs`). Keys stay; a dead key
    /// left behind is handled by [`TableData::clear_weak`] at the end of the cycle.
    pub fn clear_weak_values(&mut self, dead: impl Fn(&Value<'gc>) -> bool) {
        if !self.weak.values {
            return;
        }
        for v in self.array.iter_mut() {
            if dead(v) {
                *v = Value::Nil;
            }
        }
        let mut cleared = 0;
        for s in self.hash.slots.iter_mut() {
            if !s.is_empty() && !s.value_is_nil() && dead(&s.value()) {
                s.set_value(Value::Nil);
                cleared += 1;
                // As in `clear_weak`.
                if s.kind() == KEY_STRING {
                    s.kill_key();
                }
            }
        }
        self.hash.live -= cleared;
    }

    /// The hash entries `(key, value)` with a non-nil value, and the array values, for
    /// the collector's passes.
    pub fn weak_entries(&self) -> impl Iterator<Item = (Option<Value<'gc>>, Value<'gc>)> + '_ {
        self.array.iter().map(|v| (None, *v)).chain(
            self.hash
                .slots
                .iter()
                .filter(|s| !s.value_is_nil())
                .map(|s| (Some(s.key()), s.value())),
        )
    }

    /// The string keys of live entries that `dead` says are dead, in a table weak in both
    /// keys and values (where string keys are not traced): the collector resurrects them.
    pub fn dead_string_keys(&self, dead: impl Fn(&Value<'gc>) -> bool) -> Vec<Value<'gc>> {
        if !(self.weak.keys && self.weak.values) {
            return Vec::new();
        }
        self.hash
            .slots
            .iter()
            .filter(|s| s.kind() == KEY_STRING && !s.value_is_nil())
            .map(|s| s.key())
            .filter(|k| dead(k))
            .collect()
    }

    /// Clear the entries `dead` says must go: array values become nil; a hash entry
    /// becomes a tombstone, and a dead key is replaced by a NaN (never a valid key, so no
    /// lookup can match it) so no freed object stays in the table.
    pub fn clear_weak(&mut self, dead: impl Fn(&Value<'gc>) -> bool) -> bool {
        let weak = self.weak;
        let mut changed = false;
        if weak.values {
            for v in self.array.iter_mut() {
                if dead(v) {
                    *v = Value::Nil;
                    changed = true;
                }
            }
        }
        let mut cleared = 0;
        for s in self.hash.slots.iter_mut() {
            if s.is_empty() {
                continue;
            }
            let key_dead = dead(&s.key());
            let v = s.value();
            if key_dead || (!v.is_nil() && ((weak.values || weak.keys) && dead(&v))) {
                if !v.is_nil() {
                    cleared += 1;
                }
                s.set_value(Value::Nil);
                // A string key of a cleared entry goes too (as Lua's dead keys), or a long
                // string would stay alive in the tombstone.
                if key_dead || s.kind() == KEY_STRING {
                    s.kill_key();
                }
                changed = true;
            }
        }
        self.hash.live -= cleared;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest chain walk to a present key from its home: a measure of clustering.
    fn max_probe(hash: &HashPart<'_>) -> usize {
        let mask = hash.slots.len() - 1;
        (0..hash.slots.len())
            .filter(|&i| !hash.slots[i].value_is_nil())
            .map(|target| {
                let (mut i, mut steps) = (hash.slots[target].home(mask), 0);
                while i != target {
                    i = hash.step(i, hash.slots[i].next());
                    steps += 1;
                    assert!(
                        steps < hash.slots.len(),
                        "slot {target} is off its home's chain"
                    );
                }
                steps
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn float_and_spaced_integer_keys_do_not_cluster() {
        let mut floats = TableData::default();
        let mut ints = TableData::default();
        for i in 1..=2000 {
            floats
                .set(Value::Number(i as f64 + 0.5), Value::Integer(i))
                .unwrap();
            ints.set(Value::Integer(i * 1000), Value::Integer(i))
                .unwrap();
        }
        assert_eq!(floats.hash.live, 2000);
        assert!(floats
            .get(Value::Number(1234.5))
            .raw_eq(Value::Integer(1234)));
        // Spaced integer keys stay in the hash part (too sparse for the array).
        assert_eq!(ints.array.len(), 0);
        assert_eq!(ints.hash.live, 2000);
        // With keys hashed well, chains stay short; clustered keys would make chains
        // in the thousands.
        assert!(
            max_probe(&floats.hash) < 16,
            "float keys cluster: {}",
            max_probe(&floats.hash)
        );
        assert!(
            max_probe(&ints.hash) < 16,
            "integer keys cluster: {}",
            max_probe(&ints.hash)
        );
    }

    /// A table's GC object (gc-arena adds a 16-byte header): 80 bytes in all, a size class
    /// of the binary's allocator, where it was 96 (lua5.4's `Table` is 56).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_table_object_is_eighty_bytes() {
        assert_eq!(std::mem::size_of::<ThinSlice<Value<'static>>>(), 12);
        assert_eq!(std::mem::size_of::<HashPart<'static>>(), 20);
        assert_eq!(std::mem::size_of::<TableData<'static>>(), 56);
        assert_eq!(std::mem::size_of::<RefLock<TableData<'static>>>(), 64);
    }

    /// A part with a key in every slot: lookups of absent keys, `next` and removals still
    /// work, a removed key set again takes its slot back, and the next new key rehashes to
    /// a bigger part.
    #[test]
    fn a_full_part_works() {
        let mut t = TableData::default();
        let keys = [
            Value::Integer(1000),
            Value::Number(2.5),
            Value::Boolean(true),
            Value::Integer(-7),
            Value::Number(-0.25),
            Value::Boolean(false),
            Value::Integer(1 << 40),
            Value::Number(1e300),
        ];
        for (i, k) in keys.iter().enumerate() {
            t.set(*k, Value::Integer(i as i64)).unwrap();
        }
        assert_eq!(t.hash.slots.len(), 8);
        assert_eq!(t.hash.used(), 8);
        assert!(t.hash.slots.iter().all(|s| !s.is_empty()));
        for (i, k) in keys.iter().enumerate() {
            assert!(t.get(*k).raw_eq(Value::Integer(i as i64)));
        }
        for absent in [
            Value::Integer(999),
            Value::Number(0.5),
            Value::Integer(1 << 41),
        ] {
            assert!(t.get(absent).is_nil());
        }
        let mut seen = 0;
        let mut k = Value::Nil;
        while let Some((key, _)) = t.next(k).unwrap() {
            seen += 1;
            k = key;
        }
        assert_eq!(seen, keys.len());
        // A removed key leaves a tombstone: setting it again reuses it, no rehash.
        t.set(keys[3], Value::Nil).unwrap();
        assert!(t.get(keys[3]).is_nil());
        t.set(keys[3], Value::Integer(33)).unwrap();
        assert_eq!(t.hash.slots.len(), 8);
        // A ninth key: a part of 16.
        t.set(Value::Integer(5000), Value::Integer(9)).unwrap();
        assert_eq!(t.hash.slots.len(), 16);
        assert!(t.get(keys[3]).raw_eq(Value::Integer(33)));
        assert!(t.get(Value::Integer(5000)).raw_eq(Value::Integer(9)));
        assert!(t.get(Value::Integer(999)).is_nil());
    }

    /// Random stores and removals of keys that share homes (integer, float and boolean
    /// keys; a few hundred of them, in parts from 1 to 512 slots), checked after every
    /// store against a map: each key's value, the live count, what a traversal sees, and
    /// every chain's links staying inside the part and reaching each live key from its home.
    /// The moves of `HashPart::place_taken`, the reuse of removed entries' slots and the
    /// rehashes all run many times.
    #[test]
    fn chains_keep_every_key_through_stores_and_removals() {
        let mut t = TableData::default();
        let mut model = std::collections::HashMap::new();
        let keys: Vec<Value<'static>> = (0..300i64)
            .map(|i| match i % 3 {
                0 => Value::Integer(i * 1024 + 4096),
                1 => Value::Number(i as f64 + 0.25),
                _ if i == 2 => Value::Boolean(true),
                _ => Value::Integer(-i),
            })
            .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for step in 0..6000 {
            // Phases of growth and of churn: the key range in use moves.
            let base = (step / 1500) * 60;
            let k = (base + rand(120)) as usize % keys.len();
            let remove = rand(100) < if step % 1500 < 700 { 20 } else { 55 };
            let value = if remove {
                Value::Nil
            } else {
                Value::Integer(step as i64)
            };
            t.set(keys[k], value).unwrap();
            if remove {
                model.remove(&k);
            } else {
                model.insert(k, step as i64);
            }
            assert_eq!(t.hash.live as usize, model.len(), "step {step}");
            for (i, key) in keys.iter().enumerate() {
                match (t.get(*key), model.get(&i)) {
                    (Value::Nil, None) => {}
                    (Value::Integer(v), Some(m)) if v == *m => {}
                    (got, want) => panic!("step {step}: key {i} is {got:?}, want {want:?}"),
                }
            }
            let mut seen = 0;
            let mut key = Value::Nil;
            while let Some((next, _)) = t.next(key).unwrap() {
                seen += 1;
                key = next;
            }
            assert_eq!(seen, model.len(), "step {step}");
            if !t.hash.slots.is_empty() {
                assert!(max_probe(&t.hash) < t.hash.slots.len());
            }
        }
    }

    /// `next` on two tables in alternation (each call moves the last-slot hint to the
    /// other table), with fields of the first cleared as it goes: each traversal sees
    /// every key once.
    #[test]
    fn interleaved_traversals_see_every_key_once() {
        let mut a = TableData::default();
        let mut b = TableData::default();
        for i in 1..=40 {
            a.set(Value::Number(i as f64 + 0.5), Value::Integer(i))
                .unwrap();
            b.set(Value::Integer(i * 1000), Value::Integer(i)).unwrap();
        }
        let (mut ka, mut kb) = (Value::Nil, Value::Nil);
        let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
        loop {
            let na = a.next(ka).unwrap();
            let nb = b.next(kb).unwrap();
            if na.is_none() && nb.is_none() {
                break;
            }
            if let Some((k, v)) = na {
                seen_a.push(v);
                // Clearing the current field keeps the traversal valid, as in Lua.
                a.set(k, Value::Nil).unwrap();
                ka = k;
            }
            if let Some((k, v)) = nb {
                seen_b.push(v);
                kb = k;
            }
        }
        for seen in [&mut seen_a, &mut seen_b] {
            let mut ints: Vec<i64> = seen
                .iter()
                .map(|v| match v {
                    Value::Integer(i) => *i,
                    _ => panic!("not an integer"),
                })
                .collect();
            ints.sort();
            assert_eq!(ints, (1..=40).collect::<Vec<_>>());
        }
        assert!(a.next(Value::Nil).unwrap().is_none());
    }

    /// A hash slot keeps a value as its tag and payload apart (`Value::to_raw`): each kind
    /// comes back whole, through `get` and through the executor's `get_into`, and
    /// overwriting a value with one of another kind leaves no trace of the old one.
    #[test]
    fn hash_slots_give_back_each_kind_of_value() {
        let values: [Value<'static>; 7] = [
            Value::Boolean(true),
            Value::Boolean(false),
            Value::Integer(-1),
            Value::Integer(i64::MIN),
            Value::Number(-0.0),
            Value::Number(f64::NAN),
            Value::Number(1e300),
        ];
        let same = |a: Value<'static>, b: Value<'static>| match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
            (Value::Integer(_), Value::Number(_)) | (Value::Number(_), Value::Integer(_)) => false,
            _ => a.raw_eq(b),
        };
        let mut t: TableData<'static> = TableData::default();
        for round in 0..values.len() {
            for (i, _) in values.iter().enumerate() {
                let v = values[(i + round) % values.len()];
                t.set(Value::Integer(100 + i as i64), v).unwrap();
            }
            for (i, _) in values.iter().enumerate() {
                let want = values[(i + round) % values.len()];
                let key = Value::Integer(100 + i as i64);
                assert!(same(t.get(key), want), "get {i} in round {round}");
                let mut got = Value::Nil;
                assert!(t.get_into(key, &mut got));
                assert!(same(got, want), "get_into {i} in round {round}");
            }
        }
        assert_eq!(t.array.len(), 0);
        // A removed value is a nil tombstone, skipped by `next`, and takes a value again.
        t.set(Value::Integer(100), Value::Nil).unwrap();
        assert!(t.get(Value::Integer(100)).is_nil());
        let mut n = 0;
        let mut k = Value::Nil;
        while let Some((key, _)) = t.next(k).unwrap() {
            n += 1;
            k = key;
        }
        assert_eq!(n, values.len() - 1);
        t.set(Value::Integer(100), Value::Boolean(false)).unwrap();
        assert!(same(t.get(Value::Integer(100)), Value::Boolean(false)));
    }

    /// The array part is allocated at exactly its size: growing and shrinking it by
    /// rehashes keeps every value.
    #[test]
    fn the_array_part_grows_and_shrinks_in_place_of_its_values() {
        let mut t = TableData::default();
        for k in 1..=100 {
            t.set_int(k, Value::Integer(k * 3)).unwrap();
        }
        assert_eq!(t.array.len(), 128);
        assert_eq!(t.slot_capacity(), 128);
        for k in 3..=100 {
            t.set_int(k, Value::Nil).unwrap();
        }
        // Keys far apart force rehashes that shrink the array to 2 slots.
        for k in 0..40 {
            t.set(Value::Number(k as f64 + 0.5), Value::Integer(k))
                .unwrap();
        }
        assert_eq!(t.array.len(), 2);
        assert!(t.get_int(1).raw_eq(Value::Integer(3)));
        assert!(t.get_int(2).raw_eq(Value::Integer(6)));
        assert!(t.get_int(3).is_nil());
        assert_eq!(t.length(), 2);
    }

    #[test]
    fn rehash_sizes_the_array_part_as_lua() {
        let mut t = TableData::default();
        // t[1], t[3], t[4]: the rehash for 4 finds 3 of 1..4 present.
        for k in [1, 3, 4] {
            t.set_int(k, Value::Integer(k)).unwrap();
        }
        assert_eq!(t.array.len(), 4);
        assert_eq!(t.hash.live, 0);
        // Sequential keys double the array.
        let mut s = TableData::default();
        for k in 1..=5 {
            s.set_int(k, Value::Integer(k)).unwrap();
        }
        assert_eq!(s.array.len(), 8);
        assert_eq!(s.length(), 5);
        // Clearing most of it and adding a field shrinks the array at the next rehash.
        for k in 2..=5 {
            s.set_int(k, Value::Nil).unwrap();
        }
        s.set(Value::Boolean(true), Value::Integer(0)).unwrap();
        assert_eq!(s.array.len(), 1);
    }

    #[test]
    fn a_rehash_without_array_part_keeps_every_key_and_sizes_as_lua() {
        // Keys 1..=4 in a hash part made for four keys (as `{}` with four fields), then a
        // non-integer key: the rehash moves them into an array part of 4, as lua5.4 does.
        let mut t = TableData {
            hash: HashPart::for_keys(4).unwrap(),
            ..TableData::default()
        };
        for k in 1..=4 {
            t.set_int(k, Value::Integer(k * 10)).unwrap();
        }
        assert_eq!((t.array.len(), t.hash.live), (0, 4));
        t.set(Value::Boolean(true), Value::Integer(1)).unwrap();
        assert_eq!((t.array.len(), t.hash.live), (4, 1));
        assert_eq!(t.alimit(), 4);
        for k in 1..=4 {
            assert!(matches!(t.get_int(k), Value::Integer(v) if v == k * 10));
        }
        // Sparse integers, floats and booleans with some removed: every rehash keeps
        // the others, and no array part appears.
        let mut m = TableData::default();
        for i in 1..=3000i64 {
            m.set_int(i * 1000, Value::Integer(i)).unwrap();
            m.set(Value::Number(i as f64 + 0.5), Value::Integer(-i))
                .unwrap();
            if i % 3 == 0 {
                m.set_int((i - 1) * 1000, Value::Nil).unwrap();
            }
        }
        m.set(Value::Boolean(false), Value::Integer(7)).unwrap();
        assert_eq!(m.array.len(), 0);
        for i in 1..=3000i64 {
            let removed = i % 3 == 2 && i < 3000;
            assert_eq!(m.get_int(i * 1000).is_nil(), removed, "{i}");
            assert!(matches!(m.get(Value::Number(i as f64 + 0.5)), Value::Integer(v) if v == -i));
        }
        assert!(matches!(m.get(Value::Boolean(false)), Value::Integer(7)));
        assert_eq!(m.hash.live as usize, 2000 + 3000 + 1);
        assert_eq!(
            m.hash.slots.iter().filter(|s| !s.value_is_nil()).count(),
            5001
        );
        // lua5.4's node count for them: a power of two.
        assert!(m.hash.slots.len().is_power_of_two() && m.hash.slots.len() >= 5001);
    }
}

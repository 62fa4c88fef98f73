//! Lua tables: an array part for keys `1..=n` and an open-addressing hash part.
//!
//! Removing a key only sets its value to nil (the key stays as a tombstone until the next
//! rehash), which is what lets `next` continue a traversal while fields are cleared.

use std::cell::Cell;

use gc_arena::{lock::RefLock, Collect, Gc, Mutation};

use crate::value::Value;

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

#[derive(Default, Clone)]
pub struct TableData<'gc> {
    array: Vec<Value<'gc>>,
    hash: HashPart<'gc>,
    metatable: Option<Table<'gc>>,
    /// The bytes of `array` and `hash` charged to the runtime's memory account
    /// (`crate::limits`), given back when the table is freed.
    charged: crate::limits::Charged,
    /// Which parts are weak (`__mode` of the metatable when it was set): see `weak.rs`.
    weak: WeakMode,
    /// For a table used as a metatable: bit `e` set means the metamethod of event `e`
    /// (`MetaName as u32`) is known to be absent. Set by [`Table::meta_get`] when a lookup
    /// misses, cleared whenever a key that is not an integer is stored (the only way a
    /// metamethod can appear), and by [`Table::restore`].
    meta_absent: Cell<u32>,
    /// Marked for finalization (`__gc` in the metatable when it was set) and not yet
    /// handed to its finalizer: see `weak.rs`.
    finalizer: bool,
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
            self.array.trace(cc);
            for (k, v) in &self.hash.slots {
                k.trace(cc);
                v.trace(cc);
            }
            self.metatable.trace(cc);
            return;
        }
        for v in &self.array {
            if !is_collectable(v) {
                v.trace(cc);
            }
        }
        // In a table weak in both keys and values, a string key is left out too: it stays
        // only with its entry (`crate::weak::process` resurrects the string keys of the
        // entries that survive, and turns the others into NaN tombstones).
        let all_weak = weak.keys && weak.values;
        for (k, v) in &self.hash.slots {
            let weak_key =
                weak.keys && (is_collectable(k) || (all_weak && matches!(k, Value::String(_))));
            if !weak_key {
                k.trace(cc);
            }
            if !is_collectable(v) {
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
        let mut data = TableData {
            array: Vec::with_capacity(array),
            ..TableData::default()
        };
        // Sizes come from a constructor or a native's argument count, bounded by the
        // code and stack limits: a refusal is handled as `Vec::with_capacity` handles it.
        if hash > 0 && data.hash.resize(hash).is_err() {
            std::alloc::handle_alloc_error(std::alloc::Layout::new::<(Value<'gc>, Value<'gc>)>());
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
        let data = self.0.borrow();
        data.store_unless_meta(data.get_ref(key), dest)
    }

    /// `get_into` for an integer key.
    #[inline(always)]
    pub fn get_int_into(self, i: i64, dest: &mut Value<'gc>) -> bool {
        let data = self.0.borrow();
        data.store_unless_meta(data.get_int_ref(i), dest)
    }

    /// `get_into` for a string key.
    #[inline(always)]
    pub fn get_str_into(self, key: crate::string::LuaString<'gc>, dest: &mut Value<'gc>) -> bool {
        let data = self.0.borrow();
        data.store_unless_meta(data.hash.get_str_ref(key), dest)
    }

    /// `set_unless_meta` for an integer key; `false` means the general path must run.
    #[inline(always)]
    pub fn set_int_unless_meta(self, mc: &Mutation<'gc>, i: i64, value: &Value<'gc>) -> bool {
        let mut data = self.0.borrow_mut(mc);
        let has_meta = data.metatable.is_some();
        let index = (i as usize).wrapping_sub(1);
        let appendable = index == data.array.len() && data.hash.live == 0;
        match data.array.get_mut(index) {
            Some(slot) if !(has_meta && slot.is_nil()) => {
                slot.set_from(value);
                true
            }
            // Appending right after the array part (`t[#t + 1] = v`, a fill loop): no
            // hash entry can hold this key when the hash part has no live entries.
            None if appendable && !has_meta && !value.is_nil() => {
                // A full array grows on the general path, where growth is fallible; so
                // this push never reallocates.
                if data.array.len() == data.array.capacity() {
                    return false;
                }
                data.array.push(Value::Nil);
                if let Some(slot) = data.array.last_mut() {
                    slot.set_from(value);
                }
                true
            }
            _ => false,
        }
    }

    /// The executor's `t.name = v` fast path: overwrites a field that is present with a
    /// non-nil value (no `__newindex` can apply); `false` (nothing done) otherwise.
    #[inline(always)]
    pub fn set_str_present(
        self,
        mc: &Mutation<'gc>,
        key: crate::string::LuaString<'gc>,
        value: &Value<'gc>,
    ) -> bool {
        let mut data = self.0.borrow_mut(mc);
        let hash = &mut data.hash;
        match hash.slot_of_str(key) {
            Some(i) if !hash.slots[i].1.is_nil() => {
                if value.is_nil() {
                    hash.live -= 1;
                }
                hash.slots[i].1.set_from(value);
                true
            }
            _ => false,
        }
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

    /// The raw field `name` of this table used as a metatable, for event `event` (a bit
    /// number below 32): a miss is remembered, so the next lookup of an absent metamethod
    /// is one bit test (as lua5.4's `flags`).
    #[inline]
    pub fn meta_get(self, name: crate::string::LuaString<'gc>, event: u32) -> Value<'gc> {
        let data = self.0.borrow();
        let bit = 1u32 << event;
        let absent = data.meta_absent.get();
        if absent & bit != 0 {
            return Value::Nil;
        }
        let v = data.hash.get_str(name);
        if v.is_nil() {
            data.meta_absent.set(absent | bit);
        }
        v
    }

    /// Whether this table, used as a metatable, is known to lack the metamethod of `event`
    /// (`false` when unknown: [`Table::meta_get`] finds out).
    #[inline]
    pub fn meta_known_absent(self, event: u32) -> bool {
        self.0.borrow().meta_absent.get() & (1u32 << event) != 0
    }

    pub fn set_metatable(self, mc: &Mutation<'gc>, mt: Option<Table<'gc>>) {
        self.0.borrow_mut(mc).metatable = mt;
    }

    /// The border `#t` without metamethods.
    pub fn length(self) -> i64 {
        self.0.borrow().length()
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
            array: try_copy(&d.array)?,
            hash: HashPart {
                slots: try_copy(&d.hash.slots)?,
                used: d.hash.used,
                live: d.hash.live,
            },
            metatable: d.metatable,
            charged: d.charged.clone(),
            weak: d.weak,
            meta_absent: d.meta_absent.clone(),
            finalizer: d.finalizer,
        })
    }

    /// Put back a copy taken by [`Table::snapshot`].
    pub fn restore(self, mc: &Mutation<'gc>, data: TableData<'gc>) {
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
        *self.get_ref(key)
    }

    #[inline]
    pub fn get_int(&self, key: i64) -> Value<'gc> {
        *self.get_int_ref(key)
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

    /// [`TableData::get`] by reference, for the executor's copies (see [`Value::set_from`]).
    #[inline]
    fn get_ref(&self, key: Value<'gc>) -> &Value<'gc> {
        match key {
            Value::String(s) => self.hash.get_str_ref(s),
            Value::Integer(i) => self.get_int_ref(i),
            Value::Number(f) => match crate::arith::float_to_int_exact(f) {
                Some(i) => self.get_int_ref(i),
                None => self.hash.get_ref(key),
            },
            Value::Nil => &Value::Nil,
            _ => self.hash.get_ref(key),
        }
    }

    #[inline]
    fn get_int_ref(&self, i: i64) -> &Value<'gc> {
        match self.array.get((i as usize).wrapping_sub(1)) {
            Some(v) => v,
            None => self.hash.get_ref(Value::Integer(i)),
        }
    }

    /// The general case of [`Table::set_unless_meta`].
    #[inline(never)]
    fn set_unless_meta(&mut self, key: Value<'gc>, value: Value<'gc>) -> Result<bool, SetError> {
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
                self.hash.set(key, value)
            }
        }
    }

    pub fn set_int(&mut self, key: i64, value: Value<'gc>) -> Result<(), SetError> {
        let len = self.array.len();
        if key >= 1 && (key as u64) <= len as u64 {
            self.array[key as usize - 1] = value;
        } else if key as u64 == len as u64 + 1 && key >= 1 && !value.is_nil() {
            reserve(&mut self.array, 1)?;
            self.array.push(value);
            if self.hash.live > 0 {
                self.hash.set(Value::Integer(key), Value::Nil)?;
                self.migrate_from_hash()?;
            }
        } else {
            self.hash.set(Value::Integer(key), value)?;
        }
        Ok(())
    }

    /// A table constructor's positional items (`SetList`): keys `start + 1 ..` all land in
    /// the array part, nils included, as lua5.4 sizes the array to the constructor's items,
    /// so `#{1, nil, 3}` is 3 and `pairs` visits them in order.
    pub fn set_list(&mut self, start: i64, values: &[Value<'gc>]) -> Result<(), SetError> {
        if start < 0 || start as u64 > self.array.len() as u64 {
            // Not right after the array part (only a hand-made binary chunk does this).
            for (i, v) in values.iter().enumerate() {
                self.set_int(start + 1 + i as i64, *v)?;
            }
            return Ok(());
        }
        let (start, end) = (start as usize, start as usize + values.len());
        if end > self.array.len() {
            let extra = end - self.array.len();
            reserve(&mut self.array, extra)?;
            if self.hash.live > 0 {
                for k in self.array.len() + 1..=end {
                    self.hash.set(Value::Integer(k as i64), Value::Nil)?;
                }
            }
            self.array.resize(end, Value::Nil);
        }
        self.array[start..end].copy_from_slice(values);
        Ok(())
    }

    /// After the array grew, move the following integer keys from the hash part.
    fn migrate_from_hash(&mut self) -> Result<(), SetError> {
        loop {
            let next = Value::Integer(self.array.len() as i64 + 1);
            let v = self.hash.get(next);
            if v.is_nil() {
                return Ok(());
            }
            reserve(&mut self.array, 1)?;
            self.hash.set(next, Value::Nil)?;
            self.array.push(v);
        }
    }

    pub fn length(&self) -> i64 {
        let n = self.array.len();
        if n > 0 && self.array[n - 1].is_nil() {
            // As lua5.4: a nil last slot right after a non-nil one is the border.
            if n >= 2 && !self.array[n - 2].is_nil() {
                return n as i64 - 1;
            }
            // Binary search for a border inside the array: array[lo-1] non-nil (or lo == 0),
            // array[hi-1] nil.
            let (mut lo, mut hi) = (0usize, n);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if self.array[mid - 1].is_nil() {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return lo as i64;
        }
        if self.hash.live == 0 {
            return n as i64;
        }
        // Unbounded search in the hash part, as Lua does.
        let mut i = n as u64;
        let mut j = i + 1;
        while !self.get_int(j as i64).is_nil() {
            i = j;
            if j > (i64::MAX as u64) / 2 {
                // Pathological table: fall back to a linear search.
                let mut k = 1i64;
                while !self.get_int(k).is_nil() {
                    k += 1;
                }
                return k - 1;
            }
            j *= 2;
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.get_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i as i64
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
                    _ => self.array.len() + self.hash.slot_of(key).ok_or(())? + 1,
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
            let (k, v) = self.hash.slots[slot];
            if !v.is_nil() {
                return Ok(Some((k, v)));
            }
            slot += 1;
        }
        Ok(None)
    }

    pub fn metatable(&self) -> Option<Table<'gc>> {
        self.metatable
    }

    /// Value slots allocated by both parts (a hash slot holds a key and a value).
    /// After the table's parts grew from `before` to `after` value slots: GC debt
    /// ([`charge_growth`]) and the memory account.
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
        crate::limits::note_table_size(self.array.capacity() + self.hash.slots.len());
        charge_growth(mc, before, after);
        self.charged
            .add((after - before) * std::mem::size_of::<Value<'_>>());
    }

    pub fn slot_capacity(&self) -> usize {
        self.array.capacity() + 2 * self.hash.slots.len()
    }

    /// Number of array slots (for `table` library fast paths).
    pub fn array_len(&self) -> usize {
        self.array.len()
    }
}

/// Open addressing with linear probing. A slot with a `Nil` key is empty; a slot with a key
/// and a `Nil` value is a tombstone (kept so `next` can continue past cleared fields).
#[derive(Default, Clone)]
struct HashPart<'gc> {
    slots: Vec<(Value<'gc>, Value<'gc>)>,
    /// Slots whose key is set (live entries and tombstones).
    used: usize,
    /// Slots with a non-nil value.
    live: usize,
}

#[inline]
fn key_hash(key: Value<'_>) -> u64 {
    let raw = match key {
        Value::String(s) => return s.hash_value(),
        Value::Integer(i) => i as u64,
        Value::Number(f) => f.to_bits(),
        Value::Boolean(b) => b as u64 + 1,
        other => other.object_address().unwrap_or(0) as u64 >> 4,
    };
    // Fold the high half down first: small floats keep all their varying bits at the top
    // (their low mantissa bits are zero), and a multiply only carries bits upwards. Then a
    // multiplicative mix so sequential integers and aligned pointers spread out.
    let h = (raw ^ (raw >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 29)
}

#[inline]
fn key_eq<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Integer(x), Value::Integer(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
        (Value::Integer(_), _) | (_, Value::Integer(_)) => false,
        (Value::Number(_), _) | (_, Value::Number(_)) => false,
        _ => a.raw_eq(b),
    }
}

impl<'gc> HashPart<'gc> {
    #[inline]
    fn slot_of(&self, key: Value<'gc>) -> Option<usize> {
        if let Value::String(s) = key {
            return self.slot_of_str(s);
        }
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        loop {
            let k = self.slots[i].0;
            if k.is_nil() {
                return None;
            }
            if key_eq(k, key) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// `get` for a string key: one tag test per probe instead of the general key comparison.
    #[inline]
    fn get_str(&self, key: crate::string::LuaString<'gc>) -> Value<'gc> {
        *self.get_str_ref(key)
    }

    #[inline]
    fn get_str_ref(&self, key: crate::string::LuaString<'gc>) -> &Value<'gc> {
        match self.slot_of_str(key) {
            Some(i) => &self.slots[i].1,
            None => &Value::Nil,
        }
    }

    /// `slot_of` for a string key: one tag test per probe instead of the general key
    /// comparison.
    #[inline]
    fn slot_of_str(&self, key: crate::string::LuaString<'gc>) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = key.hash_value() as usize & mask;
        loop {
            match &self.slots[i].0 {
                Value::Nil => return None,
                Value::String(s) if *s == key => return Some(i),
                _ => {}
            }
            i = (i + 1) & mask;
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
        if self.slots[i].1.is_nil() {
            return false;
        }
        if value.is_nil() {
            self.live -= 1;
        }
        self.slots[i].1 = value;
        true
    }

    #[inline]
    fn get(&self, key: Value<'gc>) -> Value<'gc> {
        *self.get_ref(key)
    }

    #[inline]
    fn get_ref(&self, key: Value<'gc>) -> &Value<'gc> {
        match self.slot_of(key) {
            Some(i) => &self.slots[i].1,
            None => &Value::Nil,
        }
    }

    fn set(&mut self, key: Value<'gc>, value: Value<'gc>) -> Result<(), SetError> {
        if let Some(i) = self.slot_of(key) {
            let old = self.slots[i].1;
            match (old.is_nil(), value.is_nil()) {
                (true, false) => self.live += 1,
                (false, true) => self.live -= 1,
                _ => {}
            }
            self.slots[i].1 = value;
            return Ok(());
        }
        if value.is_nil() {
            return Ok(());
        }
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.resize(self.live + 1)?;
        }
        let mask = self.slots.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        while !self.slots[i].0.is_nil() {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, value);
        self.used += 1;
        self.live += 1;
        Ok(())
    }

    /// Rebuild with room for `entries` live entries, dropping tombstones. Fails, leaving
    /// the part as it was, when the allocator refuses the new slots.
    fn resize(&mut self, entries: usize) -> Result<(), SetError> {
        let mut cap = 4;
        while cap * 3 < entries * 4 + 4 {
            cap *= 2;
        }
        // Leave headroom so a run of inserts does not rehash at every step.
        if cap < entries * 2 {
            cap *= 2;
        }
        let mut slots = Vec::new();
        slots
            .try_reserve_exact(cap)
            .map_err(|_| SetError::NoMemory)?;
        slots.resize(cap, (Value::Nil, Value::Nil));
        let old = std::mem::replace(&mut self.slots, slots);
        self.used = 0;
        self.live = 0;
        let mask = cap - 1;
        for (k, v) in old {
            if !v.is_nil() {
                let mut i = key_hash(k) as usize & mask;
                while !self.slots[i].0.is_nil() {
                    i = (i + 1) & mask;
                }
                self.slots[i] = (k, v);
                self.used += 1;
                self.live += 1;
            }
        }
        Ok(())
    }
}

/// Room for `extra` more values in `array`, growing as `Vec::push` would (doubling), or
/// `NoMemory` when the allocator refuses: Lua's "not enough memory", never an abort.
#[inline]
/// A copy of `items` in a vector of exactly their length, allocated fallibly.
fn try_copy<T: Copy>(items: &[T]) -> Result<Vec<T>, SetError> {
    let mut out = Vec::new();
    out.try_reserve_exact(items.len())
        .map_err(|_| SetError::NoMemory)?;
    out.extend_from_slice(items);
    Ok(out)
}

fn reserve<T>(array: &mut Vec<T>, extra: usize) -> Result<(), SetError> {
    if array.capacity() - array.len() >= extra {
        return Ok(());
    }
    array.try_reserve(extra).map_err(|_| SetError::NoMemory)
}

/// Weak-table support for the collector (`crate::weak`).
impl<'gc> TableData<'gc> {
    pub fn weak_mode(&self) -> WeakMode {
        self.weak
    }

    pub fn set_weak_mode(&mut self, mode: WeakMode) {
        self.weak = mode;
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
        for (k, v) in self.hash.slots.iter_mut() {
            if !k.is_nil() && !v.is_nil() && dead(v) {
                *v = Value::Nil;
                cleared += 1;
                // As in `clear_weak`.
                if matches!(k, Value::String(_)) {
                    *k = Value::Number(f64::NAN);
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
                .filter(|(_, v)| !v.is_nil())
                .map(|(k, v)| (Some(*k), *v)),
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
            .filter(|(k, v)| matches!(k, Value::String(_)) && !v.is_nil() && dead(k))
            .map(|(k, _)| *k)
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
        for (k, v) in self.hash.slots.iter_mut() {
            if k.is_nil() {
                continue;
            }
            let key_dead = dead(k);
            if key_dead || (!v.is_nil() && ((weak.values || weak.keys) && dead(v))) {
                if !v.is_nil() {
                    cleared += 1;
                }
                *v = Value::Nil;
                // A string key of a cleared entry goes too (as Lua's dead keys), or a long
                // string would stay alive in the tombstone.
                if key_dead || matches!(k, Value::String(_)) {
                    *k = Value::Number(f64::NAN);
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

    /// Longest probe sequence over the present keys: a measure of clustering.
    fn max_probe(hash: &HashPart<'_>) -> usize {
        let mask = hash.slots.len() - 1;
        hash.slots
            .iter()
            .enumerate()
            .filter(|(_, (k, _))| !k.is_nil())
            .map(|(i, (k, _))| (i.wrapping_sub(key_hash(*k) as usize)) & mask)
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn float_and_spaced_integer_keys_do_not_cluster() {
        let mut floats = HashPart::default();
        let mut ints = HashPart::default();
        for i in 1..=2000 {
            floats
                .set(Value::Number(i as f64 + 0.5), Value::Integer(i))
                .unwrap();
            ints.set(Value::Integer(i * 1000), Value::Integer(i))
                .unwrap();
        }
        assert_eq!(floats.live, 2000);
        assert!(floats
            .get(Value::Number(1234.5))
            .raw_eq(Value::Integer(1234)));
        // With keys hashed well, linear probing stays short; clustered keys would need
        // probe runs in the thousands.
        assert!(
            max_probe(&floats) < 64,
            "float keys cluster: {}",
            max_probe(&floats)
        );
        assert!(
            max_probe(&ints) < 64,
            "integer keys cluster: {}",
            max_probe(&ints)
        );
    }
}

//! The 16-byte tagged Lua value.

use std::sync::atomic::{AtomicI64, Ordering};

use gc_arena::{Collect, Gc};

use crate::function::{Closure, NativeFunction};
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::UserData;

/// A Lua value. Integers and floats are distinct subtypes of `number`, as in Lua 5.4.
///
/// `repr(C, u8)` fixes the layout: the tag byte (the variants numbered 0 to 9 in order) at
/// offset 0 and every payload at offset 8, so a value can be stored as its tag and its
/// payload word apart ([`Value::to_raw`], [`Value::from_raw`]: a table's hash slot keeps the
/// tag next to its key's kind).
#[derive(Clone, Copy, Collect, Default)]
#[collect(no_drop)]
#[repr(C, u8)]
pub enum Value<'gc> {
    #[default]
    Nil,
    Boolean(bool),
    Integer(i64),
    Number(f64),
    String(LuaString<'gc>),
    Table(Table<'gc>),
    Function(Closure<'gc>),
    NativeFunction(NativeFunction<'gc>),
    Thread(Thread<'gc>),
    UserData(UserData<'gc>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

/// The tag of `Value::Nil` in [`Value::to_raw`].
pub const NIL_TAG: u8 = 0;

/// A value's bytes as `repr(C, u8)` lays them out: the tag, padding, the payload (padding
/// and the payload's unused bytes, all of it for nil, are not initialised).
#[derive(Clone, Copy)]
#[repr(C)]
struct RawValue {
    tag: u8,
    _pad: [std::mem::MaybeUninit<u8>; 7],
    payload: std::mem::MaybeUninit<u64>,
}

const _: () = assert!(std::mem::size_of::<RawValue>() == 16);

impl<'gc> Value<'gc> {
    /// The tag (the variant's number, `NIL_TAG` for nil) and the payload word.
    #[inline(always)]
    pub fn to_raw(self) -> (u8, std::mem::MaybeUninit<u64>) {
        // SAFETY: `Value` is `repr(C, u8)`, 16 bytes with the tag at offset 0 and the payload
        // at 8; `RawValue` has the same layout, and only its tag byte must be initialised.
        let raw: RawValue = unsafe { std::mem::transmute(self) };
        (raw.tag, raw.payload)
    }

    /// The value [`Value::to_raw`] split.
    ///
    /// # Safety
    /// `(tag, payload)` must come from `to_raw` of a value that is still valid (for an
    /// object, alive).
    #[inline(always)]
    pub unsafe fn from_raw(tag: u8, payload: std::mem::MaybeUninit<u64>) -> Value<'gc> {
        std::mem::transmute(RawValue {
            tag,
            _pad: [std::mem::MaybeUninit::uninit(); 7],
            payload,
        })
    }

    /// `*self = Value::from_raw(tag, payload)`, as the two stores of the tag and the payload.
    ///
    /// # Safety
    /// As [`Value::from_raw`].
    #[inline(always)]
    pub unsafe fn set_raw(&mut self, tag: u8, payload: std::mem::MaybeUninit<u64>) {
        let raw = self as *mut Value<'gc> as *mut RawValue;
        (*raw).tag = tag;
        (*raw).payload = payload;
    }
}

impl std::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Value::Nil => write!(f, "nil"),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Number(n) => write!(f, "{n:?}"),
            Value::String(s) => write!(f, "{s:?}"),
            v => write!(
                f,
                "{}: {:#x}",
                v.type_name(),
                v.object_address().unwrap_or(0)
            ),
        }
    }
}

impl<'gc> Value<'gc> {
    /// Lua truthiness: only `nil` and `false` are false.
    #[inline(always)]
    pub fn is_truthy(self) -> bool {
        !matches!(self, Value::Nil | Value::Boolean(false))
    }

    #[inline(always)]
    pub fn is_nil(self) -> bool {
        matches!(self, Value::Nil)
    }

    /// `*self = *src`, written as the tag and payload stores that built `src`.
    ///
    /// Why not a plain copy: a plain copy is one 16-byte load, and a register that an
    /// arithmetic instruction has just written holds a 1-byte tag store and an 8-byte
    /// payload store that are still in the store buffer. No single store covers the
    /// 16-byte load, so it cannot be forwarded and stalls until both stores reach the cache
    /// (measured ~5x slower for a write-then-copy pair on this project's machines). Copying
    /// numbers and nil field by field lets each load forward from its own store. Other
    /// values fall back to a plain copy: they are mostly written whole by earlier copies,
    /// and a short chain of tests beats a jump table here. Left alone, the optimiser proves
    /// the number arms equal to a plain copy and merges them back into one; `OPAQUE_ZERO`
    /// stops that.
    #[inline(always)]
    pub fn set_from(&mut self, src: &Value<'gc>) {
        let zero = OPAQUE_ZERO.load(Ordering::Relaxed);
        match *src {
            Value::Integer(i) => *self = Value::Integer(i | zero),
            Value::Number(n) => *self = Value::Number(f64::from_bits(n.to_bits() | zero as u64)),
            Value::Nil => *self = Value::Nil,
            _ => *self = *src,
        }
    }

    /// The name `type()` returns.
    pub fn type_name(self) -> &'static str {
        TYPE_NAMES[self.type_index()]
    }

    /// The index of this value's type name in [`TYPE_NAMES`].
    #[inline]
    pub fn type_index(self) -> usize {
        match self {
            Value::Nil => 0,
            Value::Boolean(_) => 1,
            Value::Integer(_) | Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Table(_) => 4,
            Value::Function(_) | Value::NativeFunction(_) => 5,
            Value::Thread(_) => 6,
            Value::UserData(_) => 7,
        }
    }

    /// Primitive equality (`rawequal`): no metamethods; `1 == 1.0`.
    pub fn raw_eq(self, other: Value<'gc>) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Boolean(a), Value::Boolean(b)) => a == b,
            (Value::Integer(a), Value::Integer(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::Integer(i), Value::Number(f)) | (Value::Number(f), Value::Integer(i)) => {
                crate::arith::int_float_eq(i, f)
            }
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Table(a), Value::Table(b)) => Gc::ptr_eq(a.gc(), b.gc()),
            (Value::Function(a), Value::Function(b)) => Gc::ptr_eq(a, b),
            (Value::NativeFunction(a), Value::NativeFunction(b)) => Gc::ptr_eq(a, b),
            (Value::Thread(a), Value::Thread(b)) => Gc::ptr_eq(a.gc(), b.gc()),
            (Value::UserData(a), Value::UserData(b)) => Gc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A number as float (integers convert), without string coercion.
    #[inline]
    pub fn as_float(self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(i as f64),
            Value::Number(f) => Some(f),
            _ => None,
        }
    }

    /// An address identifying a GC object, for `tostring` and hashing.
    pub fn object_address(self) -> Option<usize> {
        Some(match self {
            Value::String(s) => Gc::as_ptr(s.gc()) as usize,
            Value::Table(t) => Gc::as_ptr(t.gc()) as usize,
            Value::Function(c) => Gc::as_ptr(c) as usize,
            Value::NativeFunction(n) => Gc::as_ptr(n) as usize,
            Value::Thread(t) => Gc::as_ptr(t.gc()) as usize,
            Value::UserData(u) => Gc::as_ptr(u) as usize,
            _ => return None,
        })
    }
}

/// The names `type()` returns, indexed by [`Value::type_index`].
pub const TYPE_NAMES: [&str; 8] = [
    "nil", "boolean", "number", "string", "table", "function", "thread", "userdata",
];

/// Always zero, but the optimiser cannot know it: or-ing it into a copied payload keeps
/// LLVM from proving the field-wise copies in [`Value::set_from`] equal to a 16-byte copy
/// and merging them back into one (it does, since the padding bytes are undefined).
static OPAQUE_ZERO: AtomicI64 = AtomicI64::new(0);

/// `slots[dst] = slots[src]` as [`Value::set_from`] writes it.
#[inline(always)]
pub fn copy_slot(slots: &mut [Value<'_>], dst: usize, src: usize) {
    let zero = OPAQUE_ZERO.load(Ordering::Relaxed);
    match slots[src] {
        Value::Integer(i) => slots[dst] = Value::Integer(i | zero),
        Value::Number(n) => slots[dst] = Value::Number(f64::from_bits(n.to_bits() | zero as u64)),
        Value::Nil => slots[dst] = Value::Nil,
        _ => slots[dst] = slots[src],
    }
}

/// [`copy_slot`] between slots `dst` and `src` of the values at `p` (the dispatch loop's
/// register pointer).
///
/// # Safety
/// `p.add(dst)` and `p.add(src)` must both be valid, initialised values.
#[inline(always)]
pub unsafe fn copy_slot_raw(p: *mut Value<'_>, dst: usize, src: usize) {
    let zero = OPAQUE_ZERO.load(Ordering::Relaxed);
    // Places through the raw pointer: the tag and the payload are read as fields (as
    // `copy_slot` reads them), and `dst == src` creates no overlapping references.
    match *p.add(src) {
        Value::Integer(i) => *p.add(dst) = Value::Integer(i | zero),
        Value::Number(n) => *p.add(dst) = Value::Number(f64::from_bits(n.to_bits() | zero as u64)),
        Value::Nil => *p.add(dst) = Value::Nil,
        _ => *p.add(dst) = *p.add(src),
    }
}

/// [`copy_slot`] without bounds checks.
///
/// # Safety
/// `dst` and `src` must both be less than `slots.len()` (checked in debug builds).
#[inline(always)]
pub unsafe fn copy_slot_unchecked(slots: &mut [Value<'_>], dst: usize, src: usize) {
    debug_assert!(dst < slots.len() && src < slots.len());
    copy_slot_raw(slots.as_mut_ptr(), dst, src)
}

impl<'gc> From<bool> for Value<'gc> {
    fn from(b: bool) -> Self {
        Value::Boolean(b)
    }
}
impl<'gc> From<i64> for Value<'gc> {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}
impl<'gc> From<f64> for Value<'gc> {
    fn from(f: f64) -> Self {
        Value::Number(f)
    }
}
impl<'gc> From<LuaString<'gc>> for Value<'gc> {
    fn from(s: LuaString<'gc>) -> Self {
        Value::String(s)
    }
}
impl<'gc> From<Table<'gc>> for Value<'gc> {
    fn from(t: Table<'gc>) -> Self {
        Value::Table(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_wise_copies_keep_every_value() {
        gc_arena::arena::rootless_mutate(|mc| {
            let s = LuaString::from_boxed(mc, b"key".to_vec().into());
            let t = Table::with_capacity(mc, 0, 0);
            let values = [
                Value::Nil,
                Value::Boolean(true),
                Value::Boolean(false),
                Value::Integer(-7),
                Value::Number(2.5),
                Value::String(s),
                Value::Table(t),
            ];
            for v in values {
                let mut dest = Value::Integer(99);
                dest.set_from(&v);
                assert!(dest.raw_eq(v) && dest.type_name() == v.type_name(), "{v:?}");
                let mut slots = [Value::Number(1.0), v];
                copy_slot(&mut slots, 0, 1);
                assert!(
                    slots[0].raw_eq(v) && slots[0].type_name() == v.type_name(),
                    "{v:?}"
                );
            }
        });
    }
}

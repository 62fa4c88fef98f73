//! The 16-byte tagged Lua value.

use gc_arena::{Collect, Gc};

use crate::function::{Closure, NativeFunction};
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::UserData;

/// A Lua value. Integers and floats are distinct subtypes of `number`, as in Lua 5.4.
#[derive(Clone, Copy, Collect, Default)]
#[collect(no_drop)]
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

    /// The name `type()` returns.
    pub fn type_name(self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Boolean(_) => "boolean",
            Value::Integer(_) | Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Table(_) => "table",
            Value::Function(_) | Value::NativeFunction(_) => "function",
            Value::Thread(_) => "thread",
            Value::UserData(_) => "userdata",
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

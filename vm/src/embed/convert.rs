//! Conversions between Rust values and Lua values.

use std::collections::HashMap;
use std::hash::Hash;

use crate::runtime::ops;
use crate::table::Table;
use crate::value::Value;

use super::{AnyUserData, Error, Function, Heap, LuaValue, TableRef};

/// Why a Lua value did not convert: what was expected and the type found.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvError {
    pub expected: String,
    pub got: String,
}

impl ConvError {
    pub fn new(expected: impl Into<String>, v: Value<'_>) -> ConvError {
        ConvError {
            expected: expected.into(),
            got: if matches!(v, Value::Nil) {
                "nil".into()
            } else {
                v.type_name().into()
            },
        }
    }
}

impl std::fmt::Display for ConvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} expected, got {}", self.expected, self.got)
    }
}

/// A Rust value that becomes one Lua value.
pub trait IntoLua {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error>;
}

/// A Rust value made from one Lua value.
pub trait FromLua: Sized {
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError>;
}

/// A Rust value that becomes a list of Lua values (arguments, results): a single
/// [`IntoLua`] value, a tuple of them, `()` (none) or [`Variadic`].
pub trait IntoLuaMulti {
    fn into_lua_multi<'gc>(self, heap: &Heap<'gc>) -> Result<Vec<Value<'gc>>, Error>;
}

/// A Rust value made from a list of Lua values: a single [`FromLua`] value (the first),
/// a tuple (missing values are nil), `()` (ignores them) or [`Variadic`] (all the rest).
pub trait FromLuaMulti: Sized {
    /// On failure, the 0-based position of the value that did not convert.
    fn from_lua_multi<'gc>(
        values: &[Value<'gc>],
        heap: &Heap<'gc>,
    ) -> Result<Self, (usize, ConvError)>;
}

/// Any number of values of one type (the rest of an argument list, or all results).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variadic<T>(pub Vec<T>);

/// Lua string bytes that need not be UTF-8.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bytes(pub Vec<u8>);

// ---- single values: Rust → Lua

impl IntoLua for &str {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(heap.string(self.as_bytes()))
    }
}

impl IntoLua for String {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(heap.string(self.as_bytes()))
    }
}

impl IntoLua for Bytes {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(heap.string(&self.0))
    }
}

impl IntoLua for &[u8] {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(heap.string(self))
    }
}

impl IntoLua for bool {
    fn into_lua<'gc>(self, _: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(Value::Boolean(self))
    }
}

macro_rules! int_into_lua {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            fn into_lua<'gc>(self, _: &Heap<'gc>) -> Result<Value<'gc>, Error> {
                // Integers that do not fit Lua's 64-bit integer become floats, as in Lua.
                Ok(match i64::try_from(self) {
                    Ok(i) => Value::Integer(i),
                    Err(_) => Value::Number(self as f64),
                })
            }
        }
    )*};
}
int_into_lua!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl IntoLua for f64 {
    fn into_lua<'gc>(self, _: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(Value::Number(self))
    }
}

impl IntoLua for f32 {
    fn into_lua<'gc>(self, _: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(Value::Number(self as f64))
    }
}

impl<T: IntoLua> IntoLua for Option<T> {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        match self {
            Some(v) => v.into_lua(heap),
            None => Ok(Value::Nil),
        }
    }
}

/// A sequence: `{v1, v2, ...}`.
impl<T: IntoLua> IntoLua for Vec<T> {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        let t = Table::with_capacity(heap.mc, self.len(), 0);
        for (i, v) in self.into_iter().enumerate() {
            t.set_int(heap.mc, i as i64 + 1, v.into_lua(heap)?)
                .map_err(|e| Error::Runtime {
                    message: e.message().to_string(),
                    traceback: None,
                })?;
        }
        Ok(Value::Table(t))
    }
}

impl<K: IntoLua, V: IntoLua> IntoLua for HashMap<K, V> {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        let t = Table::with_capacity(heap.mc, 0, self.len());
        for (k, v) in self {
            let k = k.into_lua(heap)?;
            let v = v.into_lua(heap)?;
            t.set(heap.mc, k, v)
                .map_err(|e| Error::Host(e.message().to_string()))?;
        }
        Ok(Value::Table(t))
    }
}

impl IntoLua for LuaValue {
    fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
        Ok(match self {
            LuaValue::Nil => Value::Nil,
            LuaValue::Boolean(b) => Value::Boolean(b),
            LuaValue::Integer(i) => Value::Integer(i),
            LuaValue::Number(n) => Value::Number(n),
            LuaValue::String(s) => heap.string(&s),
            LuaValue::Table(t) => heap.fetch(&t.0)?,
            LuaValue::Function(f) => heap.fetch(&f.0)?,
            LuaValue::UserData(u) => heap.fetch(&u.0)?,
            LuaValue::Other(r) => heap.fetch(&r)?,
        })
    }
}

macro_rules! handle_into_lua {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
                heap.fetch(&self.0)
            }
        }
        impl<'a> IntoLua for &'a $t {
            fn into_lua<'gc>(self, heap: &Heap<'gc>) -> Result<Value<'gc>, Error> {
                heap.fetch(&self.0)
            }
        }
    )*};
}
handle_into_lua!(Function, TableRef, AnyUserData);

// ---- single values: Lua → Rust

impl FromLua for bool {
    /// Lua truthiness: only `nil` and `false` are false.
    fn from_lua<'gc>(v: Value<'gc>, _: &Heap<'gc>) -> Result<Self, ConvError> {
        Ok(v.is_truthy())
    }
}

fn to_integer(v: Value<'_>) -> Result<i64, ConvError> {
    match ops::to_number(v) {
        Some(Value::Integer(i)) => Ok(i),
        Some(Value::Number(f)) => crate::arith::float_to_int_exact(f)
            .ok_or_else(|| ConvError::new("number with an integer representation", v)),
        _ => Err(ConvError::new("number", v)),
    }
}

macro_rules! int_from_lua {
    ($($t:ty),*) => {$(
        impl FromLua for $t {
            fn from_lua<'gc>(v: Value<'gc>, _: &Heap<'gc>) -> Result<Self, ConvError> {
                let i = to_integer(v)?;
                <$t>::try_from(i).map_err(|_| ConvError {
                    expected: format!("integer in range of {}", stringify!($t)),
                    got: i.to_string(),
                })
            }
        }
    )*};
}
int_from_lua!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl FromLua for f64 {
    fn from_lua<'gc>(v: Value<'gc>, _: &Heap<'gc>) -> Result<Self, ConvError> {
        ops::to_float(v).ok_or_else(|| ConvError::new("number", v))
    }
}

impl FromLua for f32 {
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError> {
        f64::from_lua(v, heap).map(|f| f as f32)
    }
}

fn string_bytes(v: Value<'_>) -> Result<Vec<u8>, ConvError> {
    match v {
        Value::String(s) => Ok(s.as_bytes().to_vec()),
        Value::Integer(_) | Value::Number(_) => {
            Ok(ops::number_to_string(v).unwrap_or_default().into_bytes())
        }
        _ => Err(ConvError::new("string", v)),
    }
}

impl FromLua for String {
    /// A string (or a number, converted as Lua does) that is valid UTF-8.
    fn from_lua<'gc>(v: Value<'gc>, _: &Heap<'gc>) -> Result<Self, ConvError> {
        String::from_utf8(string_bytes(v)?).map_err(|_| ConvError {
            expected: "UTF-8 string".into(),
            got: "string with invalid UTF-8".into(),
        })
    }
}

impl FromLua for Bytes {
    fn from_lua<'gc>(v: Value<'gc>, _: &Heap<'gc>) -> Result<Self, ConvError> {
        string_bytes(v).map(Bytes)
    }
}

impl<T: FromLua> FromLua for Option<T> {
    /// `nil` is `None`.
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError> {
        if v.is_nil() {
            Ok(None)
        } else {
            T::from_lua(v, heap).map(Some)
        }
    }
}

/// The sequence `t[1..#t]` (raw, without metamethods).
impl<T: FromLua> FromLua for Vec<T> {
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError> {
        let Value::Table(t) = v else {
            return Err(ConvError::new("table", v));
        };
        (1..=t.length())
            .map(|i| T::from_lua(t.get_int(i), heap))
            .collect()
    }
}

/// Every pair of the table (raw).
impl<K: FromLua + Eq + Hash, V: FromLua> FromLua for HashMap<K, V> {
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError> {
        let Value::Table(t) = v else {
            return Err(ConvError::new("table", v));
        };
        let mut out = HashMap::new();
        let mut key = Value::Nil;
        while let Ok(Some((k, v))) = t.next(key) {
            out.insert(K::from_lua(k, heap)?, V::from_lua(v, heap)?);
            key = k;
        }
        Ok(out)
    }
}

impl FromLua for LuaValue {
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError> {
        Ok(match v {
            Value::Nil => LuaValue::Nil,
            Value::Boolean(b) => LuaValue::Boolean(b),
            Value::Integer(i) => LuaValue::Integer(i),
            Value::Number(n) => LuaValue::Number(n),
            Value::String(s) => LuaValue::String(s.as_bytes().to_vec()),
            Value::Table(_) => LuaValue::Table(TableRef(heap.stash(v))),
            Value::Function(_) | Value::NativeFunction(_) => {
                LuaValue::Function(Function(heap.stash(v)))
            }
            Value::UserData(_) => LuaValue::UserData(AnyUserData(heap.stash(v))),
            Value::Thread(_) => LuaValue::Other(heap.stash(v)),
        })
    }
}

impl FromLua for Function {
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError> {
        match v {
            Value::Function(_) | Value::NativeFunction(_) => Ok(Function(heap.stash(v))),
            _ => Err(ConvError::new("function", v)),
        }
    }
}

impl FromLua for TableRef {
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError> {
        match v {
            Value::Table(_) => Ok(TableRef(heap.stash(v))),
            _ => Err(ConvError::new("table", v)),
        }
    }
}

impl FromLua for AnyUserData {
    fn from_lua<'gc>(v: Value<'gc>, heap: &Heap<'gc>) -> Result<Self, ConvError> {
        match v {
            Value::UserData(_) => Ok(AnyUserData(heap.stash(v))),
            _ => Err(ConvError::new("userdata", v)),
        }
    }
}

// ---- lists

impl<T: IntoLua> IntoLuaMulti for T {
    fn into_lua_multi<'gc>(self, heap: &Heap<'gc>) -> Result<Vec<Value<'gc>>, Error> {
        Ok(vec![self.into_lua(heap)?])
    }
}

impl<T: FromLua> FromLuaMulti for T {
    fn from_lua_multi<'gc>(
        values: &[Value<'gc>],
        heap: &Heap<'gc>,
    ) -> Result<Self, (usize, ConvError)> {
        T::from_lua(values.first().copied().unwrap_or(Value::Nil), heap).map_err(|e| (0, e))
    }
}

impl IntoLuaMulti for () {
    fn into_lua_multi<'gc>(self, _: &Heap<'gc>) -> Result<Vec<Value<'gc>>, Error> {
        Ok(Vec::new())
    }
}

impl FromLuaMulti for () {
    fn from_lua_multi<'gc>(_: &[Value<'gc>], _: &Heap<'gc>) -> Result<Self, (usize, ConvError)> {
        Ok(())
    }
}

impl<T: IntoLua> IntoLuaMulti for Variadic<T> {
    fn into_lua_multi<'gc>(self, heap: &Heap<'gc>) -> Result<Vec<Value<'gc>>, Error> {
        self.0.into_iter().map(|v| v.into_lua(heap)).collect()
    }
}

impl<T: FromLua> FromLuaMulti for Variadic<T> {
    fn from_lua_multi<'gc>(
        values: &[Value<'gc>],
        heap: &Heap<'gc>,
    ) -> Result<Self, (usize, ConvError)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| T::from_lua(*v, heap).map_err(|e| (i, e)))
            .collect::<Result<Vec<_>, _>>()
            .map(Variadic)
    }
}

macro_rules! tuple_multi {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: IntoLua),+> IntoLuaMulti for ($($name,)+) {
            fn into_lua_multi<'gc>(self, heap: &Heap<'gc>) -> Result<Vec<Value<'gc>>, Error> {
                Ok(vec![$(self.$idx.into_lua(heap)?),+])
            }
        }
        impl<$($name: FromLua),+> FromLuaMulti for ($($name,)+) {
            fn from_lua_multi<'gc>(
                values: &[Value<'gc>],
                heap: &Heap<'gc>,
            ) -> Result<Self, (usize, ConvError)> {
                Ok(($(
                    $name::from_lua(values.get($idx).copied().unwrap_or(Value::Nil), heap)
                        .map_err(|e| ($idx, e))?,
                )+))
            }
        }
    };
}
tuple_multi!(A 0);
tuple_multi!(A 0, B 1);
tuple_multi!(A 0, B 1, C 2);
tuple_multi!(A 0, B 1, C 2, D 3);
tuple_multi!(A 0, B 1, C 2, D 3, E 4);
tuple_multi!(A 0, B 1, C 2, D 3, E 4, F 5);

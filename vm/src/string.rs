//! Lua strings: immutable byte strings with a cached hash.
//!
//! Strings are not interned; equality first compares pointers, then hash and bytes, which
//! keeps constant-key lookups cheap without a global weak intern table.

use std::hash::{Hash, Hasher};

use gc_arena::{Collect, Gc, Mutation};

#[derive(Collect)]
#[collect(require_static)]
pub struct StringData {
    hash: u64,
    bytes: Box<[u8]>,
}

#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct LuaString<'gc>(Gc<'gc, StringData>);

impl<'gc> LuaString<'gc> {
    pub fn new(mc: &Mutation<'gc>, bytes: &[u8]) -> LuaString<'gc> {
        Self::from_boxed(mc, bytes.into())
    }

    pub fn from_boxed(mc: &Mutation<'gc>, bytes: Box<[u8]>) -> LuaString<'gc> {
        LuaString(Gc::new(
            mc,
            StringData {
                hash: hash_bytes(&bytes),
                bytes,
            },
        ))
    }

    #[inline(always)]
    pub fn as_bytes(self) -> &'gc [u8] {
        &Gc::as_ref(self.0).bytes
    }

    #[inline(always)]
    pub fn len(self) -> usize {
        self.0.bytes.len()
    }

    pub fn is_empty(self) -> bool {
        self.0.bytes.is_empty()
    }

    #[inline(always)]
    pub fn hash_value(self) -> u64 {
        self.0.hash
    }

    pub fn gc(self) -> Gc<'gc, StringData> {
        self.0
    }

    /// Lossy UTF-8 view for messages.
    pub fn to_str_lossy(self) -> std::borrow::Cow<'gc, str> {
        String::from_utf8_lossy(self.as_bytes())
    }
}

impl PartialEq for LuaString<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(self.0, other.0)
            || (self.0.hash == other.0.hash && self.0.bytes == other.0.bytes)
    }
}
impl Eq for LuaString<'_> {}

impl Hash for LuaString<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash)
    }
}

impl std::fmt::Debug for LuaString<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}

/// FNV-1a over at most 64 sampled bytes plus the length: fast for long strings, and good
/// enough spread for the table's hash part.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let step = (bytes.len() / 64).max(1);
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += step;
    }
    h
}

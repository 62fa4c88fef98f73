//! Lua strings: immutable byte strings with a cached hash, and the interner.
//!
//! Short strings (up to [`MAX_INTERNED_LEN`] bytes, as Lua's LUAI_MAXSHORTLEN) made through
//! [`Interner::intern`] are interned: equal contents give the same object, so table lookups
//! with constant keys and library names compare pointers. The interner holds its strings
//! weakly, so unused ones are still collected. Equality never *relies* on interning (strings
//! made with [`LuaString::new`], such as error messages, compare by hash and bytes).

use std::hash::{Hash, Hasher};

use gc_arena::{lock::RefLock, Collect, Finalization, Gc, GcWeak, Mutation};

#[derive(Collect)]
#[collect(require_static)]
pub struct StringData {
    hash: u64,
    bytes: Box<[u8]>,
}

#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct LuaString<'gc>(Gc<'gc, StringData>);

/// Longest string the interner shares (Lua's LUAI_MAXSHORTLEN).
pub const MAX_INTERNED_LEN: usize = 40;

/// The set of live short strings, held weakly. One per runtime (in `State`).
#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct Interner<'gc>(Gc<'gc, RefLock<InternSet<'gc>>>);

#[derive(Collect)]
#[collect(no_drop)]
pub struct InternSet<'gc> {
    /// `(hash, string)`. Entries of dead strings are removed once per collection cycle
    /// (`prune_dead`), like Lua's string table being swept with the heap.
    table: hashbrown::HashTable<(u64, GcWeak<'gc, StringData>)>,
}

impl<'gc> Interner<'gc> {
    pub fn new(mc: &Mutation<'gc>) -> Interner<'gc> {
        Interner(Gc::new(
            mc,
            RefLock::new(InternSet {
                table: hashbrown::HashTable::new(),
            }),
        ))
    }

    /// The string with these bytes: the existing object for a live short string, else a
    /// new one (recorded if short).
    pub fn intern(self, mc: &Mutation<'gc>, bytes: &[u8]) -> LuaString<'gc> {
        if bytes.len() > MAX_INTERNED_LEN {
            return LuaString::new(mc, bytes);
        }
        let hash = hash_bytes(bytes);
        let found = self
            .0
            .borrow()
            .table
            .find(hash, |(h, weak)| {
                *h == hash && weak.upgrade(mc).is_some_and(|s| *s.bytes == *bytes)
            })
            .and_then(|(_, weak)| weak.upgrade(mc));
        if let Some(s) = found {
            return LuaString(s);
        }
        let s = LuaString(Gc::new(
            mc,
            StringData {
                hash,
                bytes: bytes.into(),
            },
        ));
        self.0
            .borrow_mut(mc)
            .table
            .insert_unique(hash, (hash, Gc::downgrade(s.0)), |(h, _)| *h);
        s
    }

    /// Forget the strings this collection cycle found dead. Called by the runtime in the
    /// finalization step between marking and sweeping.
    pub fn prune_dead(self, fc: &Finalization<'gc>) {
        self.0
            .borrow_mut(fc)
            .table
            .retain(|(_, weak)| !weak.is_dead(fc));
    }

    /// `intern` for bytes already in a buffer: a long string takes it without a copy.
    pub fn intern_vec(self, mc: &Mutation<'gc>, bytes: Vec<u8>) -> LuaString<'gc> {
        if bytes.len() > MAX_INTERNED_LEN {
            LuaString::from_boxed(mc, bytes.into_boxed_slice())
        } else {
            self.intern(mc, &bytes)
        }
    }

    /// Number of entries (live or awaiting a prune), for tests.
    pub fn len(self) -> usize {
        self.0.borrow().table.len()
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl<'gc> LuaString<'gc> {
    /// A string outside the interner: for text that is rarely compared (error messages).
    /// Prefer `Interner::intern` (via `State::intern` or `Ctx::new_string`).
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

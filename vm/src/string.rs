//! Lua strings: immutable byte strings with a cached hash, and the interner.
//!
//! The strings a program names in its source (every prototype's string constants) and
//! the standard library's names and metamethod names go through the [`Interner`]: equal
//! contents give the same object, so the constant-key lookups that dominate Lua code
//! (globals, fields, methods) compare pointers. Strings built at run time (concatenation,
//! `string.*` results) are not interned: programs make them in bulk, and the interner
//! would then dominate, in time and in GC work. Equality therefore never *relies* on
//! interning: different objects compare by hash and bytes.

use std::cell::Cell;
use std::hash::{Hash, Hasher};

use gc_arena::{lock::RefLock, Collect, Gc, GcWeak, Mutation};

#[derive(Collect)]
#[collect(require_static)]
pub struct StringData {
    hash: u64,
    bytes: Box<[u8]>,
}

/// The bytes go back to the runtime's memory account (`crate::limits`) when the string
/// is freed.
impl Drop for StringData {
    fn drop(&mut self) {
        crate::limits::uncharge(self.bytes.len());
    }
}

#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct LuaString<'gc>(Gc<'gc, StringData>);

/// Longest string the interner shares (Lua's LUAI_MAXSHORTLEN).
pub const MAX_INTERNED_LEN: usize = 40;

/// The set of live short strings, held weakly. One per runtime (in `State`).
///
/// A chained hash table whose buckets are separate GC objects, as Lua's string table is
/// chained: adding a string write-barriers only its small bucket, so an incremental
/// collection re-traces a few entries rather than the whole table on every new string.
#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct Interner<'gc>(Gc<'gc, RefLock<InternSet<'gc>>>);

type Bucket<'gc> = Gc<'gc, RefLock<Vec<(u64, GcWeak<'gc, StringData>)>>>;

#[derive(Collect)]
#[collect(no_drop)]
pub struct InternSet<'gc> {
    /// Power-of-two many buckets of `(hash, string)`. Entries of freed strings are dropped
    /// when the table is rehashed, which happens once it holds twice as many entries as
    /// buckets: the table stays proportional to the live strings.
    buckets: Box<[Bucket<'gc>]>,
    /// Entries in all buckets. A `Cell`: counting needs no write barrier.
    #[collect(require_static)]
    count: Cell<usize>,
}

const INITIAL_BUCKETS: usize = 256;

fn new_buckets<'gc>(mc: &Mutation<'gc>, n: usize) -> Box<[Bucket<'gc>]> {
    (0..n)
        .map(|_| Gc::new(mc, RefLock::new(Vec::new())))
        .collect()
}

impl<'gc> Interner<'gc> {
    pub fn new(mc: &Mutation<'gc>) -> Interner<'gc> {
        Interner(Gc::new(
            mc,
            RefLock::new(InternSet {
                buckets: new_buckets(mc, INITIAL_BUCKETS),
                count: Cell::new(0),
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
        let set = self.0.borrow();
        let bucket = set.buckets[hash as usize & (set.buckets.len() - 1)];
        let found = bucket
            .borrow()
            .iter()
            .filter(|(h, _)| *h == hash)
            .find_map(|(_, weak)| weak.upgrade(mc).filter(|s| *s.bytes == *bytes));
        if let Some(s) = found {
            return LuaString(s);
        }
        crate::limits::charge(bytes.len());
        let s = LuaString(Gc::new(
            mc,
            StringData {
                hash,
                bytes: bytes.into(),
            },
        ));
        bucket.borrow_mut(mc).push((hash, Gc::downgrade(s.0)));
        set.count.set(set.count.get() + 1);
        let grow = set.count.get() > set.buckets.len() * 2;
        drop(set);
        if grow {
            self.rehash(mc);
        }
        s
    }

    /// Drop the entries of strings already freed, and double the bucket count if the live
    /// ones still fill it.
    fn rehash(self, mc: &Mutation<'gc>) {
        let mut set = self.0.borrow_mut(mc);
        let live = set
            .buckets
            .iter()
            .map(|b| b.borrow().iter().filter(|(_, w)| !w.is_dropped()).count())
            .sum::<usize>();
        let size = if live > set.buckets.len() {
            set.buckets.len() * 2
        } else {
            set.buckets.len()
        };
        let buckets = new_buckets(mc, size);
        let mask = buckets.len() - 1;
        let mut count = 0;
        for old in set.buckets.iter() {
            for &(hash, weak) in old.borrow().iter() {
                if !weak.is_dropped() {
                    buckets[hash as usize & mask]
                        .borrow_mut(mc)
                        .push((hash, weak));
                    count += 1;
                }
            }
        }
        set.buckets = buckets;
        set.count.set(count);
    }

    /// Number of entries (live or awaiting a prune), for tests.
    pub fn len(self) -> usize {
        self.0.borrow().count.get()
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
        // The bytes live outside the GC heap: charge long strings as extra allocation debt
        // (see `table::charge_growth`), one object's worth per 64 bytes.
        if bytes.len() > 64 {
            mc.metrics().adjust_debt(bytes.len() as f64 / 64.0);
        }
        crate::limits::charge(bytes.len());
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

//! Lua strings: immutable byte strings with a cached hash, and the interner.
//!
//! The strings a program names in its source (every prototype's string constants) and
//! the standard library's names and metamethod names go through the [`Interner`]: equal
//! contents give the same object, so the constant-key lookups that dominate Lua code
//! (globals, fields, methods) compare pointers. Strings built at run time (concatenation,
//! `string.*` results) are not interned: programs make them in bulk, and the interner
//! would then dominate, in time and in GC work. Only the empty and one-byte strings are
//! shared among run-time strings (`State::new_string`: `s:sub(i, i)`, `string.char`), and
//! strings of up to 40 bytes are looked up in a small direct-mapped cache of recent ones
//! (`State::string_cache`) before a new one is made.
//! Equality therefore never *relies* on interning: different objects compare by hash and
//! bytes.

use std::cell::Cell;
use std::hash::{Hash, Hasher};

use gc_arena::{lock::RefLock, Collect, Gc, GcWeak, Mutation};

/// The head of every string object, which a [`LuaString`] points to: the hash and the
/// length. The bytes follow it in the same allocation for strings up to
/// [`MAX_INLINE_LEN`] bytes (one allocation per string, in a few size classes); a longer
/// string's head is followed by a pointer to its bytes in a separate allocation, so that
/// long strings (built by concatenation, `string.rep`, reading files) do not round up to
/// a size class and can be handed over from a buffer without copying.
#[repr(C)]
pub struct StringData {
    hash: u64,
    len: usize,
}

/// The bytes go back to the runtime's memory account (`crate::limits`) when the string
/// is freed.
impl Drop for StringData {
    fn drop(&mut self) {
        crate::limits::uncharge(self.len);
    }
}

/// Longest string stored in the same allocation as its head.
pub const MAX_INLINE_LEN: usize = 480;

/// A string of at most `N` bytes with its bytes inline (`len` of them are used).
#[repr(C)]
struct Inline<const N: usize> {
    head: StringData,
    bytes: [u8; N],
}

/// A longer string: its bytes are a `Box<[u8]>` of `head.len` bytes, kept as a raw pointer
/// so that its place after the head is fixed.
#[repr(C)]
struct Outline {
    head: StringData,
    bytes: *mut u8,
}

impl Drop for Outline {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.bytes, self.head.len);
        // SAFETY: made by `Box::into_raw` of a box of this length in `LuaString::outline`.
        drop(unsafe { Box::from_raw(slice) });
    }
}

// SAFETY: neither holds a `Gc` pointer, so there is nothing to trace.
unsafe impl<'gc, const N: usize> Collect<'gc> for Inline<N> {
    const NEEDS_TRACE: bool = false;
}
unsafe impl<'gc> Collect<'gc> for Outline {
    const NEEDS_TRACE: bool = false;
}

/// Byte offset of the bytes (inline) or of the bytes' pointer (outline) from the head.
const BODY: usize = std::mem::size_of::<StringData>();

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
            .find_map(|(_, weak)| {
                weak.upgrade(mc)
                    .map(LuaString)
                    .filter(|s| s.as_bytes() == bytes)
            });
        if let Some(s) = found {
            return s;
        }
        crate::limits::charge(bytes.len());
        let s = LuaString(new_inline(mc, hash, bytes));
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
    /// Run-time strings go through `State::new_string` (shared one-byte strings), names
    /// through `Interner::intern` (`State::intern`).
    pub fn new(mc: &Mutation<'gc>, bytes: &[u8]) -> LuaString<'gc> {
        if bytes.len() > MAX_INLINE_LEN {
            return Self::outline(mc, bytes.into());
        }
        Self::charge(mc, bytes.len());
        LuaString(new_inline(mc, hash_bytes(bytes), bytes))
    }

    /// A short string (at most `MAX_INLINE_LEN` bytes) whose hash the caller has
    /// computed with [`hash_bytes`].
    pub fn with_hash(mc: &Mutation<'gc>, hash: u64, bytes: &[u8]) -> LuaString<'gc> {
        debug_assert!(bytes.len() <= MAX_INLINE_LEN && hash == hash_bytes(bytes));
        Self::charge(mc, bytes.len());
        LuaString(new_inline(mc, hash, bytes))
    }

    /// A string of these bytes; a long one keeps the box (no copy).
    pub fn from_boxed(mc: &Mutation<'gc>, bytes: Box<[u8]>) -> LuaString<'gc> {
        if bytes.len() > MAX_INLINE_LEN {
            return Self::outline(mc, bytes);
        }
        Self::new(mc, &bytes)
    }

    /// A string that takes over a buffer: a long one keeps its allocation (no copy), a
    /// short one is copied inline (without first shrinking the buffer to a box).
    pub fn from_vec(mc: &Mutation<'gc>, bytes: Vec<u8>) -> LuaString<'gc> {
        if bytes.len() > MAX_INLINE_LEN {
            return Self::outline(mc, bytes.into_boxed_slice());
        }
        Self::new(mc, &bytes)
    }

    fn outline(mc: &Mutation<'gc>, bytes: Box<[u8]>) -> LuaString<'gc> {
        Self::charge(mc, bytes.len());
        let head = StringData {
            hash: hash_bytes(&bytes),
            len: bytes.len(),
        };
        let bytes = Box::into_raw(bytes) as *mut u8;
        let gc = Gc::new(mc, Outline { head, bytes });
        // SAFETY: `Outline` is `repr(C)` with the head first.
        LuaString(unsafe { Gc::cast::<StringData>(gc) })
    }

    fn charge(mc: &Mutation<'gc>, len: usize) {
        // Charge long strings as extra allocation debt (see `table::charge_growth`), one
        // object's worth per 64 bytes: gc-arena paces by object count.
        if len > 64 {
            mc.metrics().adjust_debt(len as f64 / 64.0);
        }
        crate::limits::charge(len);
    }

    #[inline(always)]
    pub fn as_bytes(self) -> &'gc [u8] {
        let head = Gc::as_ptr(self.0);
        // SAFETY: the object is a `repr(C)` `Inline` (bytes right after the head) when the
        // length is at most `MAX_INLINE_LEN`, else an `Outline` (a pointer to the bytes
        // after the head); the pointer from `Gc::as_ptr` covers the whole object, which
        // lives as long as `'gc`.
        unsafe {
            let len = (*head).len;
            let body = (head as *const u8).add(BODY);
            let data = if len <= MAX_INLINE_LEN {
                body
            } else {
                *(body as *const *const u8)
            };
            std::slice::from_raw_parts(data, len)
        }
    }

    #[inline(always)]
    pub fn len(self) -> usize {
        self.0.len
    }

    pub fn is_empty(self) -> bool {
        self.0.len == 0
    }

    #[inline(always)]
    pub fn hash_value(self) -> u64 {
        self.0.hash
    }

    pub fn gc(self) -> Gc<'gc, StringData> {
        self.0
    }

    /// The string behind a pointer from [`LuaString::gc`].
    #[inline(always)]
    pub fn from_gc(gc: Gc<'gc, StringData>) -> LuaString<'gc> {
        LuaString(gc)
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
            || (self.0.hash == other.0.hash && self.as_bytes() == other.as_bytes())
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

/// Size classes of inline strings: with the 16-byte head and gc-arena's 16-byte object
/// header, each is an allocation of 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
/// 448 or 512 bytes.
macro_rules! inline_classes {
    ($($n:literal),*) => {
        fn new_inline<'gc>(mc: &Mutation<'gc>, hash: u64, bytes: &[u8]) -> Gc<'gc, StringData> {
            $(
                if bytes.len() <= $n {
                    return new_inline_n::<$n>(mc, hash, bytes);
                }
            )*
            unreachable!("inline string longer than MAX_INLINE_LEN")
        }
    };
}
inline_classes!(16, 32, 48, 64, 80, 96, 128, 160, 192, 224, 288, 352, 416, 480);

fn new_inline_n<'gc, const N: usize>(
    mc: &Mutation<'gc>,
    hash: u64,
    bytes: &[u8],
) -> Gc<'gc, StringData> {
    let mut obj = Inline::<N> {
        head: StringData {
            hash,
            len: bytes.len(),
        },
        bytes: [0; N],
    };
    obj.bytes[..bytes.len()].copy_from_slice(bytes);
    let gc = Gc::new(mc, obj);
    // SAFETY: `Inline` is `repr(C)` with the head first.
    unsafe { Gc::cast::<StringData>(gc) }
}

/// FNV-1a over at most 64 sampled bytes plus the length: fast for long strings, and good
/// enough spread for the table's hash part.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    if bytes.len() < 128 {
        // Every byte (the step below is 1): a plain loop, without the division that
        // the stepped loop's trip count costs.
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        return h;
    }
    let step = bytes.len() / 64;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += step;
    }
    h
}

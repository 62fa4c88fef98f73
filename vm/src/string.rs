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
///
/// Eight bytes, as lua5.4's string header is small: with gc-arena's 16-byte header, a
/// string of up to 8 bytes (most names, numbers, single characters) is a 32-byte object.
/// The hash is the low 32 bits of [`hash_bytes`] (all that a table's slot keeps of it); a
/// length of `u32::MAX` or more is kept whole in the [`Outline`] and the head holds
/// `u32::MAX`.
#[repr(C)]
pub struct StringData {
    hash: u32,
    len: u32,
}

/// Longest string stored in the same allocation as its head: with the 16-byte gc header
/// and the 8-byte head, the largest inline object is 512 bytes, the allocator's largest
/// size class.
pub const MAX_INLINE_LEN: usize = 488;

/// A string of at most `N` bytes with its bytes inline (`len` of them are used).
#[repr(C)]
struct Inline<const N: usize> {
    head: StringData,
    bytes: [u8; N],
}

/// The bytes go back to the runtime's memory account (`crate::limits`) when the string
/// is freed.
impl<const N: usize> Drop for Inline<N> {
    fn drop(&mut self) {
        crate::limits::uncharge(self.head.len as usize);
    }
}

/// A longer string: its bytes are a `Box<[u8]>` of `len` bytes, kept as a raw pointer
/// so that its place after the head is fixed.
#[repr(C)]
struct Outline {
    head: StringData,
    bytes: *mut u8,
    len: usize,
}

impl Drop for Outline {
    fn drop(&mut self) {
        crate::limits::uncharge(self.len);
        let slice = std::ptr::slice_from_raw_parts_mut(self.bytes, self.len);
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
        let len = bytes.len();
        let head = StringData {
            hash: hash_bytes(&bytes) as u32,
            len: u32::try_from(len).unwrap_or(u32::MAX),
        };
        let bytes = Box::into_raw(bytes) as *mut u8;
        let gc = Gc::new(mc, Outline { head, bytes, len });
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
            let len = (*head).len as usize;
            if len <= MAX_INLINE_LEN {
                std::slice::from_raw_parts((head as *const u8).add(BODY), len)
            } else {
                let outline = head as *const Outline;
                std::slice::from_raw_parts((*outline).bytes, (*outline).len)
            }
        }
    }

    /// The bytes of a string of at most `MAX_INLINE_LEN` bytes followed by its object's
    /// zero padding, up to a multiple of 8 bytes and at least 8: a short string can be
    /// copied in whole words, without a call to `memcpy`. `None` for a longer string.
    #[inline(always)]
    pub fn padded_bytes(self) -> Option<&'gc [u8]> {
        let head = Gc::as_ptr(self.0);
        // SAFETY: as in `as_bytes`; an inline string's object is an `Inline<N>` whose `N`
        // (a multiple of 8, at least 8: `inline_classes!`) is at least its length, and
        // whose bytes past the length are zeros (`new_inline_n`).
        unsafe {
            let len = (*head).len as usize;
            if len > MAX_INLINE_LEN {
                return None;
            }
            let padded = (len.max(1) + 7) & !7;
            Some(std::slice::from_raw_parts(
                (head as *const u8).add(BODY),
                padded,
            ))
        }
    }

    #[inline(always)]
    pub fn len(self) -> usize {
        let len = self.0.len;
        if len < u32::MAX {
            len as usize
        } else {
            self.as_bytes().len()
        }
    }

    pub fn is_empty(self) -> bool {
        self.0.len == 0
    }

    #[inline(always)]
    pub fn hash_value(self) -> u64 {
        self.0.hash as u64
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
        state.write_u32(self.0.hash)
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
// Each class fills one of the allocator's size classes (`cli/src/alloc.rs`) exactly, with
// the gc header (16 bytes) and the string's head (8).
inline_classes!(8, 24, 40, 56, 72, 88, 104, 136, 168, 200, 232, 296, 360, 424, 488);

fn new_inline_n<'gc, const N: usize>(
    mc: &Mutation<'gc>,
    hash: u64,
    bytes: &[u8],
) -> Gc<'gc, StringData> {
    let mut obj = Inline::<N> {
        head: StringData {
            hash: hash as u32,
            len: bytes.len() as u32,
        },
        bytes: [0; N],
    };
    copy_bytes(&mut obj.bytes[..bytes.len()], bytes);
    let gc = Gc::new(mc, obj);
    // SAFETY: `Inline` is `repr(C)` with the head first.
    unsafe { Gc::cast::<StringData>(gc) }
}

/// `a == b`, without a call to `bcmp` for up to 16 bytes (two overlapping word
/// comparisons): for comparing short strings whose hashes already matched.
#[inline(always)]
pub fn short_bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap());
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap());
    if n > 16 {
        a == b
    } else if n >= 8 {
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else {
        n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1])
    }
}

/// `dst.copy_from_slice(src)`, without a call to `memcpy` for up to 16 bytes (the pieces
/// of most concatenations and most short strings): two overlapping word copies.
#[inline(always)]
pub fn copy_bytes(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    assert_eq!(dst.len(), n);
    if n > 16 {
        dst.copy_from_slice(src);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// Multiply as 128 bits and fold the halves together: every input bit reaches the low
/// bits, which a table's hash part and the string cache index by.
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = (a as u128).wrapping_mul(b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

#[inline(always)]
fn read8(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

const SEED0: u64 = 0x243f_6a88_85a3_08d3;
const SEED1: u64 = 0x1319_8a2e_0370_7344;
const SEED2: u64 = 0xa409_3822_299f_31d0;

/// The strings' hash. Under 128 bytes (names, keys, most run-time strings): FNV-1a over
/// every byte, whose last step (xor a byte, multiply by an odd number) makes the low
/// bits, which a table's hash part indexes by, a one-to-one function of the last byte:
/// keys that differ only there (`x`/`y`/`z`, `vx`/`vy`/`vz`, `key1`/`key2`) never share
/// a home slot in a small table. Longer strings: `hash_long`.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    if bytes.len() >= 128 {
        return hash_long(bytes);
    }
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    // Four bytes per loop step (fewer loop instructions; the same hash).
    let mut quads = bytes.chunks_exact(4);
    for q in &mut quads {
        h = (h ^ q[0] as u64).wrapping_mul(PRIME);
        h = (h ^ q[1] as u64).wrapping_mul(PRIME);
        h = (h ^ q[2] as u64).wrapping_mul(PRIME);
        h = (h ^ q[3] as u64).wrapping_mul(PRIME);
    }
    for &b in quads.remainder() {
        h = (h ^ b as u64).wrapping_mul(PRIME);
    }
    h
}

/// `hash_bytes` of a string of 128 bytes or more: sixteen bytes a step, each step one
/// 64x64->128-bit multiply whose halves are folded together (instead of FNV's multiply
/// per byte). Every byte up to 256 bytes counts; a longer string is sampled (16 words
/// spread over it, the last 8 bytes, the length): long strings are made in bulk by
/// concatenation and rarely used as keys, and equal hashes are always confirmed by
/// comparing the bytes.
#[inline(never)]
fn hash_long(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let mut h = SEED0 ^ n as u64;
    if n <= 256 {
        // The last step reads the last 16 bytes (overlapping the one before).
        let mut at = 0;
        while at + 16 < n {
            h = fold_mul(read8(bytes, at) ^ SEED1, read8(bytes, at + 8) ^ h);
            at += 16;
        }
        return fold_mul(read8(bytes, n - 16) ^ SEED2, read8(bytes, n - 8) ^ h);
    }
    let step = (n - 8) / 15;
    for k in 0..8 {
        let at = 2 * k * step;
        h = fold_mul(read8(bytes, at) ^ SEED1, read8(bytes, at + step) ^ h);
    }
    fold_mul(read8(bytes, n - 8) ^ SEED2, h)
}

#[cfg(test)]
mod tests {
    use super::hash_bytes;

    #[test]
    fn inline_strings_fill_the_allocator_size_classes() {
        use super::{Inline, StringData, MAX_INLINE_LEN};
        // gc-arena's header (16 bytes) + the head + the bytes: a 32-byte object for up to
        // 8 bytes, a 512-byte one (the largest size class) for the longest inline string.
        assert_eq!(std::mem::size_of::<StringData>(), 8);
        assert_eq!(16 + std::mem::size_of::<Inline<8>>(), 32);
        assert_eq!(16 + std::mem::size_of::<Inline<24>>(), 48);
        assert_eq!(16 + std::mem::size_of::<Inline<MAX_INLINE_LEN>>(), 512);
    }

    #[test]
    fn short_bytes_eq_is_slice_equality() {
        // Every length up to 24, equal, and with one byte changed at every position, and
        // against a string one byte shorter.
        let base: Vec<u8> = (0..24u8).map(|i| i.wrapping_mul(37) ^ 0x55).collect();
        for len in 0..=24 {
            let a = &base[..len];
            let copy = a.to_vec();
            assert!(super::short_bytes_eq(a, &copy), "length {len}");
            if len > 0 {
                assert!(!super::short_bytes_eq(a, &base[..len - 1]), "length {len}");
            }
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x01;
                assert!(!super::short_bytes_eq(a, &b), "length {len}, byte {at}");
            }
        }
    }

    #[test]
    fn hash_spreads_short_and_long_strings() {
        // Every length from 0 to 300 and one changed byte at every position give
        // different hashes, and different low bits for most.
        let base: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut seen = std::collections::HashSet::new();
        for len in 0..=300 {
            assert!(seen.insert(hash_bytes(&base[..len])), "length {len}");
        }
        for len in [1usize, 3, 5, 8, 12, 16, 17, 40, 100, 256] {
            for at in 0..len {
                let mut v = base[..len].to_vec();
                v[at] ^= 0x20;
                assert_ne!(
                    hash_bytes(&v),
                    hash_bytes(&base[..len]),
                    "len {len} at {at}"
                );
            }
        }
        // Keys that differ only in their last byte differ in the low bits.
        for prefix in ["", "v", "key", "a_longer_prefix_of_many_bytes"] {
            let mut low3 = std::collections::HashSet::new();
            for c in b'a'..=b'h' {
                let key = format!("{prefix}{}", c as char);
                low3.insert(hash_bytes(key.as_bytes()) & 7);
            }
            assert_eq!(low3.len(), 8, "prefix {prefix:?}");
        }
        // Under 128 bytes the hash is plain FNV-1a (seeded with the length).
        for len in 0..128 {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ len as u64;
            for &b in &base[..len] {
                h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
            }
            assert_eq!(hash_bytes(&base[..len]), h, "length {len}");
        }
        let mut low = std::collections::HashSet::new();
        for i in 0..4096u32 {
            low.insert(hash_bytes(format!("k{i}").as_bytes()) & 4095);
        }
        assert!(
            low.len() > 2400,
            "{} distinct low 12 bits of 4096",
            low.len()
        );
    }
}

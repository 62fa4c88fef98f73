//! The `wayfinder` binary's global allocator: per-thread free lists of small blocks in
//! size classes, on top of the system allocator.
//!
//! Lua programs create and drop small objects (tables, closures, strings, cells) at a high
//! rate, and gc-arena allocates every object through the global allocator. glibc's malloc
//! spends most of its time there in bin maintenance (`_int_malloc`, `_int_free`,
//! `malloc_consolidate`): `binary_trees` spent about a third of its time in malloc/free.
//! Here a small block (at most [`MAX_SMALL`] bytes, alignment at most 16) is taken from and
//! returned to a per-thread singly linked free list of its size class, refilled by carving
//! blocks off chunks obtained from the system allocator; blocks carry no header. Larger or
//! more aligned blocks go to the system allocator.
//!
//! Small blocks are never returned to the system: a freed block is kept on the free list
//! of the thread that frees it, for the next allocation of its class (this is also where a
//! block allocated on another thread goes). The memory a class holds is therefore its peak
//! use, which for a Lua heap is what the collector's pacing allows. A thread's free lists
//! are not reclaimed when it ends; the binary's threads other than the main one (control
//! port, file watcher) allocate little.
//!
//! The entry points are `#[inline(never)]`: inlined into every allocation site they made
//! the binary's code 440 KB larger, and the mapped code is most of a small program's
//! resident memory.
//!
//! This is only the binary's allocator: the `wayfinder-vm` crate, embedded in another
//! program, uses that program's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Largest block served from the size classes.
const MAX_SMALL: usize = 512;

/// Block sizes: every 16 bytes up to 128, then every 32 to 256, then every 64 to 512.
const CLASS_SIZES: [usize; 16] = [
    16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
];
const CLASSES: usize = CLASS_SIZES.len();

/// Size class of a request, indexed by `(size + 15) / 16` (sizes 0..=512).
const CLASS_OF: [u8; MAX_SMALL / 16 + 1] = {
    let mut table = [0u8; MAX_SMALL / 16 + 1];
    let mut i = 0;
    while i < table.len() {
        let size = i * 16;
        let mut c = 0;
        while CLASS_SIZES[c] < size {
            c += 1;
        }
        table[i] = c as u8;
        i += 1;
    }
    table
};

/// Bytes requested from the system at a time to carve blocks from. The pages are touched
/// only as blocks are handed out, so an unused tail costs address space, not memory.
const CHUNK: usize = 256 * 1024;

/// One thread's free lists and the chunk being carved.
struct Heap {
    /// Head of each class's free list; a free block's first word points to the next one.
    free: [*mut u8; CLASSES],
    /// The unused part of the current chunk.
    bump: *mut u8,
    end: *mut u8,
}

thread_local! {
    // Const-initialised and without a destructor: access never fails, even while a thread
    // is being torn down, and never allocates.
    static HEAP: UnsafeCell<Heap> = const {
        UnsafeCell::new(Heap {
            free: [ptr::null_mut(); CLASSES],
            bump: ptr::null_mut(),
            end: ptr::null_mut(),
        })
    };
}

/// The size class of `layout`, if it is served by the free lists.
#[inline(always)]
fn class_of(layout: &Layout) -> Option<usize> {
    if layout.size() <= MAX_SMALL && layout.align() <= 16 {
        Some(CLASS_OF[(layout.size() + 15) >> 4] as usize)
    } else {
        None
    }
}

impl Heap {
    #[inline(always)]
    unsafe fn alloc(&mut self, class: usize) -> *mut u8 {
        let head = self.free[class];
        if !head.is_null() {
            let next = unsafe { *(head as *mut *mut u8) };
            self.free[class] = next;
            // The next block of the list is read by the next allocation of this class
            // (and then written by its caller): fetch its cache line now, so that miss
            // overlaps with the work in between instead of stalling that allocation.
            prefetch(next);
            return head;
        }
        unsafe { self.carve(class) }
    }

    #[inline(always)]
    unsafe fn dealloc(&mut self, p: *mut u8, class: usize) {
        unsafe { *(p as *mut *mut u8) = self.free[class] };
        self.free[class] = p;
    }

    /// A block from the current chunk, or from a new one when it is used up (the old
    /// chunk's remainder, smaller than the block, is given up).
    #[cold]
    unsafe fn carve(&mut self, class: usize) -> *mut u8 {
        let size = CLASS_SIZES[class];
        if (self.end as usize) - (self.bump as usize) < size {
            let chunk = unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, 16)) };
            if chunk.is_null() {
                return chunk;
            }
            self.bump = chunk;
            self.end = unsafe { chunk.add(CHUNK) };
        }
        let p = self.bump;
        self.bump = unsafe { p.add(size) };
        p
    }
}

/// A hint to bring `p`'s cache line into the cache; no effect on a null pointer (a
/// prefetch never faults).
#[inline(always)]
fn prefetch(p: *mut u8) {
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The allocator (see the module documentation).
pub struct SizeClasses;

unsafe impl GlobalAlloc for SizeClasses {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(&layout) {
            Some(class) => HEAP.with(|h| unsafe { (*h.get()).alloc(class) }),
            None => unsafe { System.alloc(layout) },
        }
    }

    #[inline(never)]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        match class_of(&layout) {
            Some(class) => HEAP.with(|h| unsafe { (*h.get()).dealloc(p, class) }),
            None => unsafe { System.dealloc(p, layout) },
        }
    }

    #[inline(never)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match class_of(&layout) {
            Some(_) => {
                let p = unsafe { self.alloc(layout) };
                if !p.is_null() {
                    unsafe { ptr::write_bytes(p, 0, layout.size()) };
                }
                p
            }
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(&layout), class_of(&new_layout)) {
            (Some(old), Some(new)) if old == new => p,
            (None, None) => unsafe { System.realloc(p, layout, new_size) },
            _ => {
                let q = unsafe { self.alloc(new_layout) };
                if !q.is_null() {
                    unsafe {
                        ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                        self.dealloc(p, layout);
                    }
                }
                q
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_every_small_size() {
        for size in 0..=MAX_SMALL {
            let layout = Layout::from_size_align(size, 8).unwrap();
            let class = class_of(&layout).unwrap();
            assert!(CLASS_SIZES[class] >= size, "size {size}");
            assert!(class == 0 || CLASS_SIZES[class - 1] < size, "size {size}");
        }
        let big = Layout::from_size_align(MAX_SMALL + 1, 8).unwrap();
        assert!(class_of(&big).is_none());
        let aligned = Layout::from_size_align(64, 32).unwrap();
        assert!(class_of(&aligned).is_none());
    }

    #[test]
    fn blocks_are_reused_and_realloc_keeps_contents() {
        let a = SizeClasses;
        unsafe {
            let l = Layout::from_size_align(40, 8).unwrap();
            let p = a.alloc(l);
            assert_eq!(p as usize % 16, 0);
            a.dealloc(p, l);
            // Same class (48): the freed block comes back.
            let q = a.alloc(Layout::from_size_align(33, 8).unwrap());
            assert_eq!(p, q);
            for i in 0..33 {
                *q.add(i) = i as u8;
            }
            // Across classes, then to the system allocator and back.
            let r = a.realloc(q, Layout::from_size_align(33, 8).unwrap(), 300);
            let s = a.realloc(r, Layout::from_size_align(300, 8).unwrap(), 5000);
            let t = a.realloc(s, Layout::from_size_align(5000, 8).unwrap(), 20);
            for i in 0..20 {
                assert_eq!(*t.add(i), i as u8);
            }
            a.dealloc(t, Layout::from_size_align(20, 8).unwrap());
            let z = a.alloc_zeroed(Layout::from_size_align(20, 8).unwrap());
            assert!((0..20).all(|i| *z.add(i) == 0));
            a.dealloc(z, Layout::from_size_align(20, 8).unwrap());
        }
    }
}

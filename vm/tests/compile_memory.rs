//! The parsed form of a data file written as Lua stays small: a counting global allocator
//! measures the bytes the AST of a generated data chunk holds (deterministic: one test,
//! one thread, the same allocations on every run). Before constructors were packed
//! (`syntax::packed`) the AST held about ten times the source's size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_data_file_ast_is_smaller_than_its_source() {
    let mut src = String::from("return {\n");
    for i in 0..20_000 {
        src.push_str(&format!(
            "  {{id = {i}, name = \"item{i}\", price = {}.44, tags = {{\"a\", \"b\", \"c{}\"}}, pos = {{x = {}, y = {}}}}},\n",
            i % 97,
            i % 10,
            i * 7 % 1000,
            i * 13 % 1000
        ));
    }
    src.push_str("}\n");
    let before = LIVE.load(Ordering::Relaxed);
    let chunk = wayfinder_vm::syntax::parse(src.as_bytes()).expect("parses");
    let held = LIVE.load(Ordering::Relaxed) - before;
    eprintln!("AST: {held} bytes for {} bytes of source", src.len());
    assert!(
        held < src.len(),
        "the AST holds {held} bytes for {} bytes of source",
        src.len()
    );
    // And it still compiles.
    let proto = wayfinder_vm::compiler::compile(&chunk, src.as_bytes(), "=data").expect("compiles");
    assert!(!proto.code.is_empty());
}

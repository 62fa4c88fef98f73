//! Compile memory of large chunks, measured by a counting global allocator: the same
//! allocations on every run (the tests run one at a time, see `LOCK`; the test harness's
//! own threads allocate a few kilobytes, far below the margins checked).
//!
//! - The parsed form of a data file written as Lua stays small: before constructors were
//!   packed (`syntax::packed`) the AST held about ten times the source's size.
//! - Compiling frees each top-level statement's tree once compiled, so the peak is below
//!   the tree and the prototype together.
//! - A loaded chunk keeps its instructions once (the runtime prototype reads the compiled
//!   one's in place).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn add(n: usize) {
    let live = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size());
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        add(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_data_file_ast_is_smaller_than_its_source() {
    let _one_at_a_time = LOCK.lock();
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
    let proto = wayfinder_vm::compiler::compile(chunk, src.as_bytes(), "=data").expect("compiles");
    assert!(!proto.code.is_empty());
}

#[test]
fn compiling_frees_the_tree_of_each_top_level_statement() {
    let _one_at_a_time = LOCK.lock();
    let mut src = String::from("local M = {}\n");
    for g in 0..40 {
        src.push_str(&format!("local function group{g}()\n"));
        for i in 0..100 {
            src.push_str(&format!(
                "  function M.f{g}_{i}(a, b)\n    local t = {{a, b, \"s{i}\"}}\n    if a > b then return a + {i} else return t[1] * b end\n  end\n"
            ));
        }
        src.push_str(&format!("end\ngroup{g}()\n"));
    }
    src.push_str("return M\n");
    let base = LIVE.load(Ordering::Relaxed);
    let chunk = wayfinder_vm::syntax::parse(src.as_bytes()).expect("parses");
    let tree = LIVE.load(Ordering::Relaxed) - base;
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let proto = wayfinder_vm::compiler::compile(chunk, src.as_bytes(), "=code").expect("compiles");
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let code = LIVE.load(Ordering::Relaxed) - base;
    eprintln!("tree {tree} bytes, prototype {code} bytes, peak while compiling {peak} bytes");
    assert_eq!(proto.protos.len(), 40);
    assert!(
        peak < tree + code,
        "peak {peak} bytes: the tree ({tree}) and the prototype ({code}) were alive together"
    );
}

#[test]
fn a_loaded_chunk_holds_its_instructions_once() {
    let _one_at_a_time = LOCK.lock();
    let mut src = String::from("local x = 0\n");
    for i in 0..50_000 {
        src.push_str(if i % 2 == 0 {
            "x = x + x * x\n"
        } else {
            "x = x - x // x\n"
        });
    }
    let instructions = wayfinder_vm::compiler::compile(
        wayfinder_vm::syntax::parse(src.as_bytes()).expect("parses"),
        src.as_bytes(),
        "=code",
    )
    .expect("compiles")
    .code
    .len();
    let code_bytes = instructions * std::mem::size_of::<wayfinder_vm::bytecode::Instr>();
    let mut rt = wayfinder_vm::Runtime::new();
    let base = LIVE.load(Ordering::Relaxed);
    let f = rt.load(&src, "code").expect("loads");
    let held = LIVE.load(Ordering::Relaxed) - base;
    eprintln!(
        "{instructions} instructions ({code_bytes} bytes): the loaded chunk holds {held} bytes"
    );
    // The prototype's code (4 bytes an instruction), line info (1 byte) and a few constants;
    // a second copy of the code for the executor would add another `code_bytes`.
    assert!(
        held < code_bytes + code_bytes / 2,
        "{held} bytes held for {code_bytes} bytes of instructions"
    );
    drop(f);
}

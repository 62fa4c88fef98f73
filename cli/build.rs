//! Link the binary with its hot code together (`hot-code.ld`, made by
//! `hot-code/generate.py`): the kernel maps code 64 KiB at a time around each page touched,
//! so the functions every run needs, scattered through the binary, kept 2.5 MB of code
//! resident for a small script; placed together they take under 1 MB. The script only
//! puts those input sections first in `.text` (the other `.text.*` sections follow as
//! orphans, in the same output section), with `.init`, `.fini`, `.plt` and the C
//! runtime's start-up code just before them and `.debug_gdb_scripts` just after
//! `.rodata`. Set `WAYFINDER_HOT_CODE=off` to link without it.
//! The relocations are packed (`-z pack-relative-relocs`) for the same reason.

fn main() {
    println!("cargo:rerun-if-changed=hot-code.ld");
    println!("cargo:rerun-if-env-changed=WAYFINDER_HOT_CODE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let off = std::env::var("WAYFINDER_HOT_CODE").as_deref() == Ok("off");
    if linux && !off {
        let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{dir}/hot-code.ld");
    }
    // Relative relocations packed as DT_RELR (glibc 2.36+, binutils 2.38+): the dynamic
    // loader reads every relocation at start-up, and the 5,400 plain `RELA` entries were
    // 129 KB of the binary made resident by every run (now 5 KB: ~0.2-0.3 MB less peak
    // memory for a small script, with the kernel's fault-around). The binary then needs
    // glibc 2.36 or later; `WAYFINDER_RELR=off` links without it (an older toolchain).
    println!("cargo:rerun-if-env-changed=WAYFINDER_RELR");
    if linux && std::env::var("WAYFINDER_RELR").as_deref() != Ok("off") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

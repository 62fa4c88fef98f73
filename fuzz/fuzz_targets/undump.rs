//! libFuzzer entry point for [`wayfinder_fuzz::undump`] (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wayfinder_fuzz::undump(data);
});

//! wayfinder-reload: the hot reload layer (module records, merge, reports) and diagnostics.
//!
//! So far it holds the diagnostics renderer shared by `wayfinder check` and the reload
//! reports; the reload transaction itself comes with the reload issue.

pub mod diagnostics;

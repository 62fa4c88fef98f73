//! The Lua standard library.

pub mod format;
pub mod pattern;

//! Compiler tests (need the parser).

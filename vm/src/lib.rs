//! wayfinder-vm: a Lua 5.4 virtual machine with rebindable closures.
//!
//! Layers, each with a narrow interface to the next:
//! - [`syntax`]: source → AST (with spans and Lua-style syntax errors)
//! - [`compiler`]: AST → [`bytecode::FunctionProto`] (plain data, no GC)
//! - the runtime: GC'd values, tables, closures, the stackless executor and the stdlib

pub mod bytecode;
pub mod compiler;
pub mod number;
pub mod stdlib;
pub mod syntax;

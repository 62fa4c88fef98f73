//! wayfinder-vm: a Lua 5.4 virtual machine with rebindable closures.
//!
//! Layers, each with a narrow interface to the next:
//! - [`syntax`]: source → AST (with spans and Lua-style syntax errors)
//! - [`compiler`]: AST → [`bytecode::FunctionProto`] (plain data, no GC)
//! - the object model ([`value`], [`string`], [`table`], [`function`], [`thread`],
//!   [`userdata`]) on the gc-arena heap
//! - [`runtime`]: the stackless executor and the embedding API ([`runtime::Runtime`])
//! - [`stdlib`]: the Lua standard library

pub mod arith;
pub mod bytecode;
pub mod compiler;
pub mod embed;
pub mod function;
pub mod journal;
pub mod limits;
pub mod modules;
pub mod number;
pub mod runtime;
pub mod stdlib;
pub mod string;
pub mod syntax;
pub mod table;
pub mod thread;
pub mod userdata;
pub mod value;
pub mod weak;

pub use embed::{
    AnyUserData, Bytes, Error, FromLua, FromLuaMulti, Function, IntoLua, IntoLuaMulti, LuaRef,
    LuaValue, NewUserData, TableRef, UserData, UserDataMethods, Variadic,
};
pub use limits::{InterruptHandle, LimitKind, Limits};
pub use runtime::{Runtime, RuntimeError};
pub use stdlib::sandbox::StdLib;

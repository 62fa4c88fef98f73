//! Source → compiled prototype, with Lua-formatted error messages.

use std::rc::Rc;

use crate::bytecode::FunctionProto;
use crate::runtime::error::chunk_display_name;
use crate::syntax::{self, LineIndex, SyntaxError};

/// Why a chunk could not be loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    /// A syntax or compile error: the Lua-style message (`file.lua:3: ... near 'x'`) plus the
    /// structured error for rich rendering.
    Syntax { message: String, error: SyntaxError },
    /// The file could not be read.
    Io(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Syntax { message, .. } => f.write_str(message),
            LoadError::Io(m) => f.write_str(m),
        }
    }
}

/// Parse and compile `source` as a chunk named `chunk_name` (`@file.lua`, `=stdin`, or the
/// source text itself).
pub fn compile_chunk(source: &[u8], chunk_name: &str) -> Result<Rc<FunctionProto>, LoadError> {
    let to_load_error = |error: SyntaxError| {
        let lines = LineIndex::new(source);
        LoadError::Syntax {
            message: error.lua_message(&chunk_display_name(chunk_name), &lines),
            error,
        }
    };
    let chunk = syntax::parse(source).map_err(to_load_error)?;
    let proto = crate::compiler::compile(&chunk, source, chunk_name).map_err(to_load_error)?;
    Ok(Rc::new(proto))
}

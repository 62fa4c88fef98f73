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

/// The chunk text of a file as `luaL_loadfile` reads it: a leading UTF-8 byte-order mark and
/// a first line starting with `#` (a Unix "shebang") are not code. They are overwritten with
/// spaces rather than removed, so byte offsets and line numbers stay those of the file.
pub fn file_source(mut bytes: Vec<u8>) -> Vec<u8> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let start = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    bytes[..start].fill(b' ');
    if bytes.get(start) == Some(&b'#') {
        // Lua skips up to the first '\n' only.
        let end = bytes[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(bytes.len(), |p| start + p);
        // A binary chunk after the comment line is loaded from its first byte.
        if bytes.get(end + 1) == Some(&0x1b) {
            return bytes.split_off(end + 1);
        }
        bytes[start..end].fill(b' ');
    }
    bytes
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
    let proto = crate::compiler::compile(chunk, source, chunk_name).map_err(to_load_error)?;
    Ok(Rc::new(proto))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_source_blanks_a_shebang_line_and_a_bom() {
        assert_eq!(file_source(b"#!/bin/lua\nx=1".to_vec()), b"          \nx=1");
        assert_eq!(file_source(b"#".to_vec()), b" ");
        assert_eq!(file_source(b"\xEF\xBB\xBFx=1".to_vec()), b"   x=1");
        assert_eq!(file_source(b"\xEF\xBB\xBF# c\ny".to_vec()), b"      \ny");
        // Only a '#' in the very first column (after a BOM) starts a skipped line.
        assert_eq!(file_source(b" #x\n".to_vec()), b" #x\n");
        assert_eq!(file_source(b"x\n#y".to_vec()), b"x\n#y");
        // A binary chunk after a comment line starts at its signature byte.
        assert_eq!(file_source(b"#c\0\n\x1bLua".to_vec()), b"\x1bLua");
    }

    #[test]
    fn load_does_not_skip_a_shebang() {
        assert!(compile_chunk(b"#=1", "=x").is_err());
        assert!(compile_chunk(&file_source(b"#!lua\nreturn 1".to_vec()), "=x").is_ok());
    }
}

//! AST → [`crate::bytecode::FunctionProto`]. (Being written on the `compiler` branch.)

use crate::bytecode::FunctionProto;
use crate::syntax::{ast, SyntaxError};

pub fn compile(
    _chunk: &ast::Chunk,
    _source: &[u8],
    _chunk_name: &str,
) -> Result<FunctionProto, SyntaxError> {
    Err(SyntaxError {
        message: "compiler not merged yet".into(),
        span: ast::Span::default(),
        related: None,
    })
}

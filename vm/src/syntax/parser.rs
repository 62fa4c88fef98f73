//! Recursive-descent parser: tokens → [`super::ast::Chunk`]. (Being written.)

use super::{ast, SyntaxError};

pub(super) fn parse_chunk(_source: &[u8]) -> Result<ast::Chunk, SyntaxError> {
    Err(SyntaxError {
        message: "parser not yet implemented".into(),
        span: ast::Span::default(),
        related: None,
    })
}

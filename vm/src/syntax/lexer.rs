//! Lexer: bytes → tokens with spans. (Being written; see the parser helper's branch.)

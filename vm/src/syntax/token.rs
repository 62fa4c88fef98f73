//! Tokens produced by the lexer, and how Lua names them in error messages.

use super::ast::Span;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    // Reserved words.
    And,
    Break,
    Do,
    Else,
    Elseif,
    End,
    False,
    For,
    Function,
    Goto,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    // Multi-byte symbols.
    /// `//`
    IDiv,
    /// `..`
    Concat,
    /// `...`
    Dots,
    /// `==`
    Eq,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `~=`
    Ne,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `::`
    DbColon,
    Eof,
    Float(f64),
    Int(i64),
    Name(String),
    /// A string literal's value after escape processing.
    String(Vec<u8>),
    /// Any other single byte: `+`, `(`, ... and also bytes Lua has no use for (like `@`),
    /// which the parser rejects as "unexpected symbol".
    Char(u8),
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub span: Span,
}

const RESERVED: [(&str, Tok); 22] = [
    ("and", Tok::And),
    ("break", Tok::Break),
    ("do", Tok::Do),
    ("else", Tok::Else),
    ("elseif", Tok::Elseif),
    ("end", Tok::End),
    ("false", Tok::False),
    ("for", Tok::For),
    ("function", Tok::Function),
    ("goto", Tok::Goto),
    ("if", Tok::If),
    ("in", Tok::In),
    ("local", Tok::Local),
    ("nil", Tok::Nil),
    ("not", Tok::Not),
    ("or", Tok::Or),
    ("repeat", Tok::Repeat),
    ("return", Tok::Return),
    ("then", Tok::Then),
    ("true", Tok::True),
    ("until", Tok::Until),
    ("while", Tok::While),
];

/// The reserved word spelled `word`, if it is one.
pub(super) fn reserved(word: &[u8]) -> Option<Tok> {
    RESERVED
        .iter()
        .find(|(s, _)| s.as_bytes() == word)
        .map(|(_, t)| t.clone())
}

/// How Lua's `luaX_token2str` shows a token kind: `'end'`, `'='`, `<eof>`, `<name>`.
/// For names, numerals and strings this is the kind, not the text (see [`near_text`]).
pub(super) fn token_kind_str(tok: &Tok) -> String {
    let fixed = match tok {
        Tok::IDiv => "//",
        Tok::Concat => "..",
        Tok::Dots => "...",
        Tok::Eq => "==",
        Tok::Ge => ">=",
        Tok::Le => "<=",
        Tok::Ne => "~=",
        Tok::Shl => "<<",
        Tok::Shr => ">>",
        Tok::DbColon => "::",
        Tok::Eof => return "<eof>".into(),
        Tok::Float(_) => return "<number>".into(),
        Tok::Int(_) => return "<integer>".into(),
        Tok::Name(_) => return "<name>".into(),
        Tok::String(_) => return "<string>".into(),
        Tok::Char(c) => return char_str(*c),
        word => RESERVED
            .iter()
            .find(|(_, t)| t == word)
            .map_or("?", |(s, _)| s),
    };
    format!("'{fixed}'")
}

/// A single byte as Lua shows it: `'+'`, or `'<\1>'` for unprintable bytes.
pub(super) fn char_str(c: u8) -> String {
    if (0x20..0x7f).contains(&c) {
        format!("'{}'", c as char)
    } else {
        format!("'<\\{c}>'")
    }
}

/// The `near ...` part of an error at this token, as Lua's `txtToken` words it: names,
/// numerals and strings show their text (a string with its delimiters and its processed
/// contents, cut at the first zero byte, as C's `%s` would).
pub(super) fn near_text(token: &Token, source: &[u8]) -> String {
    let raw = source
        .get(token.span.start as usize..token.span.end as usize)
        .unwrap_or(&[]);
    match &token.tok {
        Tok::Name(_) | Tok::Int(_) | Tok::Float(_) => quoted_bytes(raw),
        Tok::String(value) => {
            let mut shown = Vec::with_capacity(value.len() + 4);
            if raw.first() == Some(&b'[') {
                let level = raw[1..].iter().take_while(|&&c| c == b'=').count();
                let eqs = "=".repeat(level);
                shown.extend_from_slice(format!("[{eqs}[").as_bytes());
                shown.extend_from_slice(value);
                shown.extend_from_slice(format!("]{eqs}]").as_bytes());
            } else {
                let quote = raw.first().copied().unwrap_or(b'"');
                shown.push(quote);
                shown.extend_from_slice(value);
                shown.push(quote);
            }
            quoted_bytes(&shown)
        }
        other => token_kind_str(other),
    }
}

/// `'text'`, cut at the first zero byte; invalid UTF-8 is replaced.
pub(super) fn quoted_bytes(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
    format!("'{}'", String::from_utf8_lossy(&bytes[..end]))
}

//! Lua 5.4 source → [`ast::Chunk`]: lexer, parser and syntax errors.

use std::cell::Cell;

pub mod ast;
mod lexer;
pub mod packed;
mod parser;
mod token;

pub use ast::Span;

/// A syntax (or compile-time semantic) error: a Lua-style message and where it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// The message as Lua words it, without the `chunk:line:` prefix, e.g.
    /// `'end' expected (to close 'function' at line 3) near <eof>`.
    pub message: String,
    /// The offending token (for `near <eof>`, an empty span at the end of the source).
    pub span: Span,
    /// A secondary location with a short label, e.g. the unclosed `function` keyword
    /// and `"unclosed 'function' starts here"`.
    pub related: Option<(Span, String)>,
}

impl SyntaxError {
    /// The message as Lua prints it: `chunkname:line: message`.
    pub fn lua_message(&self, chunk_display_name: &str, lines: &LineIndex) -> String {
        if self.message == parser::TOO_DEEP {
            // Like lua5.4's parser running out of C levels: a bare message.
            return self.message.clone();
        }
        format!(
            "{}:{}: {}",
            chunk_display_name,
            lines.line_of(self.span.start),
            self.message
        )
    }
}

/// Parse a whole chunk.
pub fn parse(source: &[u8]) -> Result<ast::Chunk, SyntaxError> {
    parser::parse_chunk(source)
}

/// Parse a whole chunk without packing all-literal constructors (see [`packed`]): the
/// compiler must make the same code either way.
#[cfg(test)]
pub(crate) fn parse_unpacked(source: &[u8]) -> Result<ast::Chunk, SyntaxError> {
    parser::parse_chunk_with(source, false)
}

/// Maps byte offsets to 1-based lines and columns. Lua counts `\n`, `\r`, `\r\n` and `\n\r`
/// each as one line break.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset at which each line starts; `line_starts[0] == 0`.
    line_starts: Vec<u32>,
    /// The 1-based line `line_of` found last: the compiler asks for the line of every
    /// expression and statement in source order, so the next offset is nearly always on
    /// that line or the next one (a binary search each time was 5% of compiling tl.lua).
    last: Cell<u32>,
}

impl LineIndex {
    pub fn new(source: &[u8]) -> LineIndex {
        let mut line_starts = vec![0u32];
        let mut from = 0;
        // A search for the next break, then its handling: the bytes between breaks take
        // a tight loop (a big chunk's lines are found once per compile).
        while let Some(found) = source[from..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
        {
            let mut i = from + found;
            let c = source[i];
            let next = source.get(i + 1).copied();
            // "\r\n" and "\n\r" end one line.
            if (next == Some(b'\n') || next == Some(b'\r')) && next != Some(c) {
                i += 1;
            }
            line_starts.push((i + 1) as u32);
            from = i + 1;
        }
        LineIndex {
            line_starts,
            last: Cell::new(1),
        }
    }

    /// The 1-based line containing `offset`.
    pub fn line_of(&self, offset: u32) -> u32 {
        let last = self.last.get();
        let on_line = |line: u32| {
            let i = line as usize - 1;
            self.line_starts.get(i).is_some_and(|&s| s <= offset)
                && self
                    .line_starts
                    .get(i + 1)
                    .is_none_or(|&next| offset < next)
        };
        let line = if on_line(last) {
            last
        } else if on_line(last + 1) {
            last + 1
        } else {
            match self.line_starts.binary_search(&offset) {
                Ok(i) => i as u32 + 1,
                Err(i) => i as u32,
            }
        };
        self.last.set(line);
        line
    }

    /// The 1-based (line, column) of `offset`; the column counts bytes.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let line = self.line_of(offset);
        let start = self.line_starts[line as usize - 1];
        (line, offset - start + 1)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: u32) -> u32 {
        self.line_starts[(line.max(1) as usize - 1).min(self.line_starts.len() - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn line_index_counts_all_break_styles() {
        let idx = LineIndex::new(b"a\nb\r\nc\rd\n\re");
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(2), 2);
        assert_eq!(idx.line_of(5), 3);
        assert_eq!(idx.line_of(7), 4);
        assert_eq!(idx.line_of(10), 5);
        assert_eq!(idx.line_col(2), (2, 1));
    }

    #[test]
    fn line_starts_follow_lua_break_rules() {
        // "\r\n" and "\n\r" are one break, "\n\n" and "\r\r" two; a break may end the text.
        let idx = LineIndex::new(b"\n\r\r\rab\n\ncd\r\n\r\ne\n");
        assert_eq!(idx.line_starts, vec![0, 2, 3, 4, 7, 8, 12, 14, 16]);
        assert_eq!(LineIndex::new(b"").line_starts, vec![0]);
        assert_eq!(LineIndex::new(b"\r").line_starts, vec![0, 1]);
    }

    #[test]
    fn line_of_gives_the_same_line_in_any_order_of_offsets() {
        let src = b"x\n\nlocal a = 1\r\n\rb\n\n\nreturn a\n";
        let fresh = |offset: u32| LineIndex::new(src).line_of(offset);
        let idx = LineIndex::new(src);
        // Forwards, backwards and jumping about, past the end included: each answer is
        // the one a fresh index (no remembered line) gives.
        let n = src.len() as u32 + 2;
        let order = (0..n)
            .chain((0..n).rev())
            .chain((0..n).map(|i| (i * 7) % n));
        for offset in order {
            assert_eq!(idx.line_of(offset), fresh(offset), "offset {offset}");
        }
    }
}

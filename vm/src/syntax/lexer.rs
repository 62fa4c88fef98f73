//! Lexer: bytes → tokens with byte spans.
//!
//! Strings are read the way Lua's `llex.c` reads them, into a buffer that also holds the raw
//! characters of an escape until it is complete, so error messages can show exactly the text
//! Lua shows ("invalid escape sequence near '"abc\q'").

use super::ast::Span;
use super::token::{quoted_bytes, reserved, Tok, Token};
use super::{LineIndex, SyntaxError};
use crate::number::{str_to_number, Numeral};

pub(super) struct Lexer<'s> {
    src: &'s [u8],
    pos: usize,
    /// Text of the token being read (see the module comment).
    buf: Vec<u8>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_newline(c: Option<u8>) -> bool {
    matches!(c, Some(b'\n' | b'\r'))
}

impl<'s> Lexer<'s> {
    /// A lexer over a chunk's text. A first line starting with '#' is not skipped here: as in
    /// Lua, only files get that treatment (see `runtime::load::file_source`).
    pub fn new(src: &'s [u8]) -> Lexer<'s> {
        Lexer {
            src,
            pos: 0,
            buf: Vec::new(),
        }
    }

    pub fn source(&self) -> &'s [u8] {
        self.src
    }

    fn cur(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    fn save_and_next(&mut self) {
        if let Some(c) = self.cur() {
            self.buf.push(c);
            self.pos += 1;
        }
    }

    /// Consumes `c` if it is the current byte.
    fn check_next(&mut self, c: u8) -> bool {
        if self.cur() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skips one line break: `\n`, `\r`, `\r\n` or `\n\r`.
    fn skip_newline(&mut self) {
        let first = self.cur();
        self.pos += 1;
        if is_newline(self.cur()) && self.cur() != first {
            self.pos += 1;
        }
    }

    fn span_from(&self, start: usize) -> Span {
        Span::new(start as u32, self.pos as u32)
    }

    fn eof_span(&self) -> Span {
        Span::new(self.src.len() as u32, self.src.len() as u32)
    }

    /// An error "near" the text accumulated in the buffer.
    fn error_near_buf(&self, msg: &str, span: Span) -> SyntaxError {
        SyntaxError {
            message: format!("{msg} near {}", quoted_bytes(&self.buf)),
            span,
            related: None,
        }
    }

    fn error_near_eof(&self, msg: &str) -> SyntaxError {
        SyntaxError {
            message: format!("{msg} near <eof>"),
            span: self.eof_span(),
            related: None,
        }
    }

    pub fn next_token(&mut self) -> Result<Token, SyntaxError> {
        loop {
            let start = self.pos;
            let Some(c) = self.cur() else {
                return Ok(Token {
                    tok: Tok::Eof,
                    span: self.eof_span(),
                });
            };
            self.buf.clear();
            let tok = match c {
                b'\n' | b'\r' => {
                    self.skip_newline();
                    continue;
                }
                b' ' | b'\t' | 0x0b | 0x0c => {
                    // A run of blanks (indentation) in one step, not one loop turn each.
                    self.pos += 1;
                    while let Some(b' ' | b'\t' | 0x0b | 0x0c) = self.src.get(self.pos) {
                        self.pos += 1;
                    }
                    continue;
                }
                b'-' => {
                    self.pos += 1;
                    if !self.check_next(b'-') {
                        Tok::Char(b'-')
                    } else {
                        self.skip_comment(start)?;
                        continue;
                    }
                }
                b'[' => match self.skip_sep() {
                    Some(level) if self.cur() == Some(b'[') => {
                        Tok::String(self.read_long_string(start, level, true)?)
                    }
                    Some(0) => Tok::Char(b'['),
                    _ => {
                        return Err(self.error_near_buf(
                            "invalid long string delimiter",
                            self.span_from(start),
                        ))
                    }
                },
                b'=' => self.one_or_two(b'=', Tok::Eq, b'='),
                b'<' => {
                    self.pos += 1;
                    if self.check_next(b'=') {
                        Tok::Le
                    } else if self.check_next(b'<') {
                        Tok::Shl
                    } else {
                        Tok::Char(b'<')
                    }
                }
                b'>' => {
                    self.pos += 1;
                    if self.check_next(b'=') {
                        Tok::Ge
                    } else if self.check_next(b'>') {
                        Tok::Shr
                    } else {
                        Tok::Char(b'>')
                    }
                }
                b'/' => self.one_or_two(b'/', Tok::IDiv, b'/'),
                b'~' => self.one_or_two(b'=', Tok::Ne, b'~'),
                b':' => self.one_or_two(b':', Tok::DbColon, b':'),
                b'"' | b'\'' => Tok::String(self.read_string(c, start)?),
                b'.' => {
                    if self.peek(1) == Some(b'.') {
                        self.pos += 2;
                        if self.check_next(b'.') {
                            Tok::Dots
                        } else {
                            Tok::Concat
                        }
                    } else if self.peek(1).is_some_and(|d| d.is_ascii_digit()) {
                        self.read_numeral(start)?
                    } else {
                        self.pos += 1;
                        Tok::Char(b'.')
                    }
                }
                b'0'..=b'9' => self.read_numeral(start)?,
                c if is_alpha(c) => {
                    while self
                        .cur()
                        .is_some_and(|c| is_alpha(c) || c.is_ascii_digit())
                    {
                        self.pos += 1;
                    }
                    let word = &self.src[start..self.pos];
                    match reserved(word) {
                        Some(tok) => tok,
                        // Identifiers are ASCII (`is_alpha`), so the check passes.
                        None => Tok::Name(match std::str::from_utf8(word) {
                            Ok(name) => name.to_owned(),
                            Err(_) => String::from_utf8_lossy(word).into_owned(),
                        }),
                    }
                }
                other => {
                    self.pos += 1;
                    Tok::Char(other)
                }
            };
            return Ok(Token {
                tok,
                span: self.span_from(start),
            });
        }
    }

    /// `c` alone is `Tok::Char(c)`; followed by `second` it is `two`.
    fn one_or_two(&mut self, second: u8, two: Tok, c: u8) -> Tok {
        self.pos += 1;
        if self.check_next(second) {
            two
        } else {
            Tok::Char(c)
        }
    }

    /// At `--`: skips a short or long comment.
    fn skip_comment(&mut self, start: usize) -> Result<(), SyntaxError> {
        if self.cur() == Some(b'[') {
            self.buf.clear();
            if let Some(level) = self.skip_sep() {
                if self.cur() == Some(b'[') {
                    self.read_long_string(start, level, false)?;
                    return Ok(());
                }
            }
        }
        while self.cur().is_some_and(|c| c != b'\n' && c != b'\r') {
            self.pos += 1;
        }
        Ok(())
    }

    /// At `[` or `]`: consumes it and any `=`s after it. Returns the number of `=`s when that
    /// part is well formed (the caller checks for the second bracket), `None` for `[=` / `]=`
    /// not followed by the same bracket.
    fn skip_sep(&mut self) -> Option<usize> {
        let bracket = self.cur();
        self.save_and_next();
        let mut level = 0;
        while self.cur() == Some(b'=') {
            self.save_and_next();
            level += 1;
        }
        if self.cur() == bracket || level == 0 {
            Some(level)
        } else {
            None
        }
    }

    /// After `[==`, at the second `[`: reads up to the matching `]==]`. Returns the contents
    /// (line breaks normalised to `\n`, a first line break dropped).
    fn read_long_string(
        &mut self,
        start: usize,
        level: usize,
        is_string: bool,
    ) -> Result<Vec<u8>, SyntaxError> {
        self.pos += 1;
        if is_newline(self.cur()) {
            self.skip_newline();
        }
        let mut contents = Vec::new();
        loop {
            match self.cur() {
                None => {
                    let what = if is_string { "string" } else { "comment" };
                    let line = LineIndex::new(self.src).line_of(start as u32);
                    let mut err = self.error_near_eof(&format!(
                        "unfinished long {what} (starting at line {line})"
                    ));
                    err.related = Some((
                        Span::new(start as u32, (start + level + 2) as u32),
                        format!("long {what} starts here"),
                    ));
                    return Err(err);
                }
                Some(b']') => {
                    let close_start = self.pos;
                    self.buf.clear();
                    if self.skip_sep() == Some(level) && self.cur() == Some(b']') {
                        self.pos += 1;
                        return Ok(contents);
                    }
                    // Not the closing bracket: the consumed bytes are contents.
                    contents.extend_from_slice(&self.src[close_start..self.pos]);
                }
                Some(b'\n' | b'\r') => {
                    contents.push(b'\n');
                    self.skip_newline();
                }
                Some(c) => {
                    contents.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Reads a numeral the way Lua does: greedily take digits, dots and exponents (and one
    /// touching letter, to reject `3x`), then convert the whole text.
    fn read_numeral(&mut self, start: usize) -> Result<Tok, SyntaxError> {
        let mut exponent = [b'E', b'e'];
        let first = self.cur();
        self.save_and_next();
        if first == Some(b'0') && matches!(self.cur(), Some(b'x' | b'X')) {
            self.save_and_next();
            exponent = [b'P', b'p'];
        }
        loop {
            match self.cur() {
                Some(c) if exponent.contains(&c) => {
                    self.save_and_next();
                    if matches!(self.cur(), Some(b'+' | b'-')) {
                        self.save_and_next();
                    }
                }
                Some(c) if c.is_ascii_hexdigit() || c == b'.' => self.save_and_next(),
                _ => break,
            }
        }
        if self.cur().is_some_and(is_alpha) {
            self.save_and_next();
        }
        match str_to_number(&self.buf) {
            Some(Numeral::Int(i)) => Ok(Tok::Int(i)),
            Some(Numeral::Float(f)) => Ok(Tok::Float(f)),
            None => Err(self.error_near_buf("malformed number", self.span_from(start))),
        }
    }

    /// At the opening quote: reads a short string and returns its value.
    fn read_string(&mut self, quote: u8, start: usize) -> Result<Vec<u8>, SyntaxError> {
        self.save_and_next();
        loop {
            match self.cur() {
                None => {
                    let mut err = self.error_near_eof("unfinished string");
                    err.related = Some((
                        Span::new(start as u32, start as u32 + 1),
                        "string starts here".into(),
                    ));
                    return Err(err);
                }
                Some(b'\n' | b'\r') => {
                    return Err(self.error_near_buf("unfinished string", self.span_from(start)))
                }
                Some(b'\\') => self.read_escape()?,
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(self.buf[1..].to_vec());
                }
                Some(_) => self.save_and_next(),
            }
        }
    }

    /// At a backslash inside a short string: reads one escape and appends its value.
    fn read_escape(&mut self) -> Result<(), SyntaxError> {
        let esc_start = self.pos;
        // The backslash is kept in the buffer until the escape is complete, for messages.
        self.save_and_next();
        let simple = match self.cur() {
            Some(b'a') => Some(0x07),
            Some(b'b') => Some(0x08),
            Some(b'f') => Some(0x0c),
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b't') => Some(b'\t'),
            Some(b'v') => Some(0x0b),
            Some(c @ (b'\\' | b'"' | b'\'')) => Some(c),
            _ => None,
        };
        if let Some(value) = simple {
            self.pos += 1;
            self.buf.pop();
            self.buf.push(value);
            return Ok(());
        }
        match self.cur() {
            // The string loop reports the unfinished string.
            None => {}
            Some(b'\n' | b'\r') => {
                self.skip_newline();
                self.buf.pop();
                self.buf.push(b'\n');
            }
            Some(b'x') => {
                let hi = self.hex_digit(esc_start)?;
                let lo = self.hex_digit(esc_start)?;
                self.pos += 1;
                // Drop the raw `\x` and first digit; the second digit was never saved.
                self.buf.truncate(self.buf.len() - 3);
                self.buf.push((hi * 16 + lo) as u8);
            }
            Some(b'u') => self.utf8_escape(esc_start)?,
            Some(b'z') => {
                self.buf.pop();
                self.pos += 1;
                while let Some(c) = self.cur().filter(|&c| is_space(c)) {
                    if c == b'\n' || c == b'\r' {
                        self.skip_newline();
                    } else {
                        self.pos += 1;
                    }
                }
            }
            Some(c) => {
                self.esc_check(c.is_ascii_digit(), "invalid escape sequence", esc_start)?;
                let mut value: u32 = 0;
                let mut digits = 0;
                while digits < 3 {
                    match self.cur() {
                        Some(d) if d.is_ascii_digit() => {
                            value = value * 10 + u32::from(d - b'0');
                            self.save_and_next();
                            digits += 1;
                        }
                        _ => break,
                    }
                }
                self.esc_check(value <= 255, "decimal escape too large", esc_start)?;
                self.buf.truncate(self.buf.len() - digits - 1);
                self.buf.push(value as u8);
            }
        }
        Ok(())
    }

    /// Fails with `msg` unless `ok`; the offending byte is shown in the message like Lua does.
    fn esc_check(&mut self, ok: bool, msg: &str, esc_start: usize) -> Result<(), SyntaxError> {
        if ok {
            return Ok(());
        }
        if self.cur().is_some() {
            self.save_and_next();
        }
        Err(self.error_near_buf(msg, self.span_from(esc_start)))
    }

    /// Saves the current byte and moves to the next, which must be a hex digit (left current).
    fn hex_digit(&mut self, esc_start: usize) -> Result<u32, SyntaxError> {
        self.save_and_next();
        let digit = self.cur().and_then(|c| (c as char).to_digit(16));
        self.esc_check(digit.is_some(), "hexadecimal digit expected", esc_start)?;
        Ok(digit.unwrap_or(0))
    }

    /// At `u` in `\u{XXX}`: appends the (extended, up to 2^31) UTF-8 encoding.
    fn utf8_escape(&mut self, esc_start: usize) -> Result<(), SyntaxError> {
        // Raw bytes to drop at the end: '\', 'u', '{' and the digits.
        let mut raw = 4;
        self.save_and_next();
        self.esc_check(self.cur() == Some(b'{'), "missing '{'", esc_start)?;
        let mut value = self.hex_digit(esc_start)?;
        loop {
            self.save_and_next();
            let Some(d) = self.cur().and_then(|c| (c as char).to_digit(16)) else {
                break;
            };
            raw += 1;
            self.esc_check(
                value <= 0x7FFF_FFFF >> 4,
                "UTF-8 value too large",
                esc_start,
            )?;
            value = (value << 4) + d;
        }
        self.esc_check(self.cur() == Some(b'}'), "missing '}'", esc_start)?;
        self.pos += 1;
        self.buf.truncate(self.buf.len() - raw);
        push_utf8(&mut self.buf, value);
        Ok(())
    }
}

/// Lua's extended UTF-8: like UTF-8 but allowing values up to 2^31 - 1 (up to 6 bytes).
fn push_utf8(out: &mut Vec<u8>, mut x: u32) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tail = Vec::with_capacity(5);
    // Largest value that still fits in the first byte, given the continuation bytes so far.
    let mut first_max: u32 = 0x3f;
    loop {
        tail.push(0x80 | (x & 0x3f) as u8);
        x >>= 6;
        first_max >>= 1;
        if x <= first_max {
            break;
        }
    }
    out.push(((!first_max << 1) | x) as u8);
    out.extend(tail.iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(src: &str) -> Result<Vec<Tok>, String> {
        let mut lx = Lexer::new(src.as_bytes());
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().map_err(|e| e.message)?;
            if t.tok == Tok::Eof {
                return Ok(out);
            }
            out.push(t.tok);
        }
    }

    fn one(src: &str) -> Tok {
        let toks = lex(src).unwrap();
        assert_eq!(toks.len(), 1, "{toks:?}");
        toks[0].clone()
    }

    fn string(src: &str) -> Vec<u8> {
        match one(src) {
            Tok::String(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn err(src: &str) -> String {
        lex(src).unwrap_err()
    }

    #[test]
    fn symbols_and_words() {
        use Tok::*;
        assert_eq!(
            lex("a // b .. c ... == >= <= ~= << >> :: < > = ~ / : . [ ] @ and_x and").unwrap(),
            vec![
                Name("a".into()),
                IDiv,
                Name("b".into()),
                Concat,
                Name("c".into()),
                Dots,
                Eq,
                Ge,
                Le,
                Ne,
                Shl,
                Shr,
                DbColon,
                Char(b'<'),
                Char(b'>'),
                Char(b'='),
                Char(b'~'),
                Char(b'/'),
                Char(b':'),
                Char(b'.'),
                Char(b'['),
                Char(b']'),
                Char(b'@'),
                Name("and_x".into()),
                And,
            ]
        );
    }

    #[test]
    fn spans_are_byte_offsets() {
        let mut lx = Lexer::new(b"  foo\n 'x' 12");
        let spans: Vec<Span> = (0..3).map(|_| lx.next_token().unwrap().span).collect();
        assert_eq!(
            spans,
            vec![Span::new(2, 5), Span::new(7, 10), Span::new(11, 13)]
        );
        assert_eq!(lx.next_token().unwrap().span, Span::new(13, 13));
    }

    #[test]
    fn comments() {
        assert_eq!(lex("-- hi\nx").unwrap(), vec![Tok::Name("x".into())]);
        assert_eq!(lex("--[[ a\n b ]] x").unwrap(), vec![Tok::Name("x".into())]);
        assert_eq!(lex("--[==[ ]] ]==]x").unwrap(), vec![Tok::Name("x".into())]);
        assert_eq!(
            lex("--[= not long\nx").unwrap(),
            vec![Tok::Name("x".into())]
        );
        // A leading '#' line is skipped only for files (by the loader), never by the lexer.
        assert_eq!(
            lex("#x").unwrap(),
            vec![Tok::Char(b'#'), Tok::Name("x".into())]
        );
        assert_eq!(
            lex("x #").unwrap(),
            vec![Tok::Name("x".into()), Tok::Char(b'#')]
        );
        assert_eq!(lex("a - b").unwrap()[1], Tok::Char(b'-'));
    }

    #[test]
    fn numerals() {
        assert_eq!(one("3"), Tok::Int(3));
        assert_eq!(one("0xff"), Tok::Int(255));
        assert_eq!(one("0xffffffffffffffff"), Tok::Int(-1));
        assert_eq!(
            one("9223372036854775808"),
            Tok::Float(9223372036854775808.0)
        );
        assert_eq!(one("3.0"), Tok::Float(3.0));
        assert_eq!(one(".5"), Tok::Float(0.5));
        assert_eq!(one("1e-2"), Tok::Float(0.01));
        assert_eq!(one("0xA.8p-1"), Tok::Float(5.25));
        assert_eq!(one("0x.8"), Tok::Float(0.5));
        assert_eq!(lex("1 ..2").unwrap()[1], Tok::Concat);
    }

    #[test]
    fn malformed_numerals() {
        assert_eq!(err("3..2"), "malformed number near '3..2'");
        assert_eq!(err("0xg"), "malformed number near '0xg'");
        assert_eq!(err("1e"), "malformed number near '1e'");
        assert_eq!(err("3e+"), "malformed number near '3e+'");
        assert_eq!(err("12abc"), "malformed number near '12abc'");
        assert_eq!(err("0x"), "malformed number near '0x'");
        assert_eq!(err("1.5.5"), "malformed number near '1.5.5'");
    }

    #[test]
    fn short_strings() {
        assert_eq!(string(r#""abc""#), b"abc");
        assert_eq!(string(r#"'say "hi"'"#), b"say \"hi\"");
        assert_eq!(string("''"), b"");
        assert_eq!(lex("'a''b'").unwrap().len(), 2);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            string(r#""\a\b\f\n\r\t\v\\\"\'""#),
            b"\x07\x08\x0c\n\r\t\x0b\\\"'"
        );
        assert_eq!(string("'a\\\nb'"), b"a\nb");
        assert_eq!(string("'a\\\r\nb'"), b"a\nb");
        assert_eq!(string("'a\\z  \n\t b'"), b"ab");
        assert_eq!(string(r"'\x41\x7a'"), b"Az");
        assert_eq!(string(r"'\65\0\2550'"), b"A\0\xff0");
        assert_eq!(string(r"'\u{41}\u{e9}\u{20AC}'"), "Aé€".as_bytes());
        assert_eq!(string(r"'\u{10FFFF}'"), "\u{10FFFF}".as_bytes());
        assert_eq!(string(r"'\u{7FFFFFFF}'"), b"\xfd\xbf\xbf\xbf\xbf\xbf");
        assert_eq!(string(r"'\u{D800}'"), b"\xed\xa0\x80");
    }

    #[test]
    fn string_errors() {
        assert_eq!(err("'abc"), "unfinished string near <eof>");
        assert_eq!(err("\"abc\ny\""), "unfinished string near '\"abc'");
        assert_eq!(err(r"'\q'"), r"invalid escape sequence near ''\q'");
        assert_eq!(err(r"'ab\xg'"), r"hexadecimal digit expected near ''ab\xg'");
        assert_eq!(err(r"'\x5g'"), r"hexadecimal digit expected near ''\x5g'");
        assert_eq!(err(r"'\xAZ'"), r"hexadecimal digit expected near ''\xAZ'");
        assert_eq!(err(r"'\256'"), r"decimal escape too large near ''\256''");
        assert_eq!(
            err(r"'\u{80000000}'"),
            r"UTF-8 value too large near ''\u{80000000'"
        );
        assert_eq!(
            err(r"'\u{110000000}'"),
            r"UTF-8 value too large near ''\u{110000000'"
        );
        assert_eq!(err(r"'\u12'"), r"missing '{' near ''\u1'");
        assert_eq!(err(r"'\u{12'"), r"missing '}' near ''\u{12''");
        assert_eq!(err(r"'\u{}'"), r"hexadecimal digit expected near ''\u{}'");
        assert_eq!(err("'\\"), "unfinished string near <eof>");
        assert_eq!(err("'a\\tb\\q"), "invalid escape sequence near ''a\tb\\q'");
    }

    #[test]
    fn long_strings() {
        assert_eq!(string("[[abc]]"), b"abc");
        assert_eq!(string("[[\nabc]]"), b"abc");
        assert_eq!(string("[[\r\nabc\r\nd]]"), b"abc\nd");
        assert_eq!(string("[==[a]]b]=]c]==]"), b"a]]b]=]c");
        assert_eq!(string("[=[\n\n]=]"), b"\n");
        assert_eq!(
            err("x = [==[abc\n\n"),
            "unfinished long string (starting at line 1) near <eof>"
        );
        assert_eq!(
            err("\n--[[ abc"),
            "unfinished long comment (starting at line 2) near <eof>"
        );
        assert_eq!(err("[=x"), "invalid long string delimiter near '[='");
        assert_eq!(err("[="), "invalid long string delimiter near '[='");
        assert_eq!(lex("[ [").unwrap(), vec![Tok::Char(b'['), Tok::Char(b'[')]);
    }

    #[test]
    fn error_spans() {
        let mut lx = Lexer::new(b"x = 'ab\\q'");
        lx.next_token().unwrap();
        lx.next_token().unwrap();
        let e = lx.next_token().unwrap_err();
        assert_eq!(e.span, Span::new(7, 9));
        let e = Lexer::new(b"'abc").next_token().unwrap_err();
        assert_eq!(e.span, Span::new(4, 4));
        assert_eq!(e.related.unwrap().0, Span::new(0, 1));
    }
}

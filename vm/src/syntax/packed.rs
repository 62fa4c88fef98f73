//! Packed table constructors: the compact form of a constructor whose fields are all
//! literals (data files written as Lua).
//!
//! A constructor such as `{id = 1, name = "item1", tags = {"a", "b"}}` would be a tree of
//! boxed nodes taking about ten times the bytes of its source. When every field is
//! `literal`, `name = literal` or `[literal] = literal` — a literal being `nil`, a boolean, a
//! number, a string, a unary operator applied to a literal, or such a constructor itself —
//! the parser instead appends each field, as soon as it is parsed, to one byte string. The
//! encoding is lossless: [`PackedTable::fields`] gives back exactly the fields the parser
//! built (same values, same spans), so the compiler generates the same code from either
//! form. Text that the source already holds is not copied: a name is its span, and a
//! string literal without escapes is the span between its quotes.
//!
//! Encoding of one field: a header byte (field kind in the high nibble, value tag in the low
//! nibble), then for a named field the name's span, for a keyed field the key as a value
//! with its own tag byte, then the value's span and payload. A span is the distance of its
//! start from the end of the previous span and its length, both as LEB128 varints; within
//! a nested constructor distances start again from the constructor's first byte, and
//! inside a unary operator from the operator.

use super::ast::{Expr, ExprKind, Name, Span, TableField, UnOp};

/// A table constructor whose fields are all literals, in the encoding described in the
/// module documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct PackedTable {
    count: u32,
    bytes: Box<[u8]>,
}

const FIELD_POSITIONAL: u8 = 0;
const FIELD_NAMED: u8 = 1;
const FIELD_KEYED: u8 = 2;

const TAG_NIL: u8 = 0;
const TAG_TRUE: u8 = 1;
const TAG_FALSE: u8 = 2;
const TAG_INT: u8 = 3;
const TAG_FLOAT: u8 = 4;
/// A string whose bytes are the source between its quotes.
const TAG_STR_SOURCE: u8 = 5;
/// A string stored in the encoding (escapes, long brackets).
const TAG_STR_BYTES: u8 = 6;
const TAG_TABLE: u8 = 7;
const TAG_UNARY: u8 = 8;

impl PackedTable {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The fields, decoded one at a time. `source` is the chunk's source and `start` the
    /// offset of the constructor's `{` (its expression's span start).
    pub fn fields<'a>(&'a self, source: &'a [u8], start: u32) -> Fields<'a> {
        Fields {
            reader: Reader {
                bytes: &self.bytes,
                at: 0,
                pos: start,
                source,
            },
            left: self.count,
        }
    }
}

/// Iterator over the fields of a [`PackedTable`].
pub struct Fields<'a> {
    reader: Reader<'a>,
    left: u32,
}

impl Iterator for Fields<'_> {
    type Item = TableField;

    fn next(&mut self) -> Option<TableField> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(self.reader.field())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for Fields<'_> {}

/// Builds a [`PackedTable`] field by field while a constructor is parsed.
pub(super) struct Packer {
    buf: Vec<u8>,
    count: u32,
    /// The constructor's `{`, where span distances start.
    start: u32,
    /// End of the last span written.
    pos: u32,
}

impl Packer {
    pub fn new(start: u32) -> Packer {
        Packer {
            buf: Vec::new(),
            count: 0,
            start,
            pos: start,
        }
    }

    /// Appends `field` if it can be packed, else gives it back (the packer is then unchanged).
    pub fn push(&mut self, field: TableField, source: &[u8]) -> Result<(), TableField> {
        let (len, pos) = (self.buf.len(), self.pos);
        if self.write_field(&field, source) {
            self.count += 1;
            Ok(())
        } else {
            self.buf.truncate(len);
            self.pos = pos;
            Err(field)
        }
    }

    pub fn finish(self) -> PackedTable {
        PackedTable {
            count: self.count,
            bytes: self.buf.into_boxed_slice(),
        }
    }

    /// The fields packed so far, for a constructor found not to be all literals.
    pub fn unpack(self, source: &[u8]) -> Vec<TableField> {
        let start = self.start;
        let table = self.finish();
        let mut fields = Vec::with_capacity(table.len() + 1);
        fields.extend(table.fields(source, start));
        fields
    }

    fn write_field(&mut self, field: &TableField, source: &[u8]) -> bool {
        match field {
            TableField::Positional(value) => {
                let Some(tag) = value_tag(value, source) else {
                    return false;
                };
                self.buf.push(FIELD_POSITIONAL << 4 | tag);
                self.write_value_body(value, tag, source)
            }
            TableField::Named(named) => {
                let (name, value) = &**named;
                let Some(tag) = value_tag(value, source) else {
                    return false;
                };
                if source.get(name.span.start as usize..name.span.end as usize)
                    != Some(name.name.as_bytes())
                {
                    return false;
                }
                self.buf.push(FIELD_NAMED << 4 | tag);
                self.write_span(name.span) && self.write_value_body(value, tag, source)
            }
            TableField::Keyed(keyed) => {
                let (key, value) = &**keyed;
                let Some(tag) = value_tag(value, source) else {
                    return false;
                };
                self.buf.push(FIELD_KEYED << 4 | tag);
                self.write_value(key, source) && self.write_value_body(value, tag, source)
            }
        }
    }

    /// A value with its tag byte.
    fn write_value(&mut self, e: &Expr, source: &[u8]) -> bool {
        let Some(tag) = value_tag(e, source) else {
            return false;
        };
        self.buf.push(tag);
        self.write_value_body(e, tag, source)
    }

    /// A value's span and payload (its tag is already written).
    fn write_value_body(&mut self, e: &Expr, tag: u8, source: &[u8]) -> bool {
        if !self.write_span(e.span) {
            return false;
        }
        match &e.kind {
            ExprKind::Nil | ExprKind::True | ExprKind::False => true,
            ExprKind::Integer(i) => {
                write_varint(&mut self.buf, ((*i << 1) ^ (*i >> 63)) as u64);
                true
            }
            ExprKind::Float(f) => {
                self.buf.extend_from_slice(&f.to_bits().to_le_bytes());
                true
            }
            ExprKind::String(s) => {
                if tag == TAG_STR_BYTES {
                    write_varint(&mut self.buf, s.len() as u64);
                    self.buf.extend_from_slice(s);
                }
                true
            }
            ExprKind::PackedTable(t) => {
                write_varint(&mut self.buf, t.count as u64);
                write_varint(&mut self.buf, t.bytes.len() as u64);
                self.buf.extend_from_slice(&t.bytes);
                true
            }
            ExprKind::Unary { op, operand } => {
                self.buf.push(unop_code(*op));
                let end = self.pos;
                self.pos = e.span.start;
                let ok = self.write_value(operand, source);
                self.pos = end;
                ok
            }
            _ => false,
        }
    }

    fn write_span(&mut self, span: Span) -> bool {
        if span.start < self.pos || span.end < span.start {
            return false;
        }
        write_varint(&mut self.buf, (span.start - self.pos) as u64);
        write_varint(&mut self.buf, (span.end - span.start) as u64);
        self.pos = span.end;
        true
    }
}

/// The tag of a value that can be packed (`None` if it cannot be).
fn value_tag(e: &Expr, source: &[u8]) -> Option<u8> {
    Some(match &e.kind {
        ExprKind::Nil => TAG_NIL,
        ExprKind::True => TAG_TRUE,
        ExprKind::False => TAG_FALSE,
        ExprKind::Integer(_) => TAG_INT,
        ExprKind::Float(_) => TAG_FLOAT,
        ExprKind::String(s) if is_source_string(e.span, s, source) => TAG_STR_SOURCE,
        ExprKind::String(_) => TAG_STR_BYTES,
        ExprKind::PackedTable(_) => TAG_TABLE,
        ExprKind::Unary { operand, .. } => {
            value_tag(operand, source)?;
            TAG_UNARY
        }
        _ => return None,
    })
}

/// True if the string literal at `span` is its bytes between two quotes in the source.
fn is_source_string(span: Span, bytes: &[u8], source: &[u8]) -> bool {
    let (start, end) = (span.start as usize, span.end as usize);
    end >= start + 2
        && matches!(source.get(start), Some(b'"' | b'\''))
        && source.get(start + 1..end - 1) == Some(bytes)
}

fn unop_code(op: UnOp) -> u8 {
    match op {
        UnOp::Neg => 0,
        UnOp::Not => 1,
        UnOp::Len => 2,
        UnOp::BNot => 3,
    }
}

fn write_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push(v as u8 | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Decoding state: the bytes, the read position, and the end of the last span read.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    pos: u32,
    source: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.bytes[self.at];
        self.at += 1;
        b
    }

    fn varint(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte();
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        s
    }

    fn span(&mut self) -> Span {
        let start = self.pos + self.varint() as u32;
        let end = start + self.varint() as u32;
        self.pos = end;
        Span::new(start, end)
    }

    fn field(&mut self) -> TableField {
        let header = self.byte();
        let tag = header & 0x0f;
        match header >> 4 {
            FIELD_POSITIONAL => TableField::Positional(self.value_body(tag)),
            FIELD_NAMED => {
                let span = self.span();
                let text = &self.source[span.start as usize..span.end as usize];
                // Only names equal to their source text are packed (identifiers are ASCII).
                let name = Name {
                    name: String::from_utf8_lossy(text).into_owned(),
                    span,
                };
                TableField::Named(Box::new((name, self.value_body(tag))))
            }
            _ => {
                let key = self.value();
                TableField::Keyed(Box::new((key, self.value_body(tag))))
            }
        }
    }

    fn value(&mut self) -> Expr {
        let tag = self.byte();
        self.value_body(tag)
    }

    fn value_body(&mut self, tag: u8) -> Expr {
        let span = self.span();
        let kind = match tag {
            TAG_NIL => ExprKind::Nil,
            TAG_TRUE => ExprKind::True,
            TAG_FALSE => ExprKind::False,
            TAG_INT => {
                let z = self.varint();
                ExprKind::Integer((z >> 1) as i64 ^ -((z & 1) as i64))
            }
            TAG_FLOAT => {
                let mut bits = [0u8; 8];
                bits.copy_from_slice(self.take(8));
                ExprKind::Float(f64::from_bits(u64::from_le_bytes(bits)))
            }
            TAG_STR_SOURCE => ExprKind::String(
                self.source[span.start as usize + 1..span.end as usize - 1].to_vec(),
            ),
            TAG_STR_BYTES => {
                let n = self.varint() as usize;
                ExprKind::String(self.take(n).to_vec())
            }
            TAG_TABLE => {
                let count = self.varint() as u32;
                let n = self.varint() as usize;
                ExprKind::PackedTable(PackedTable {
                    count,
                    bytes: self.take(n).into(),
                })
            }
            _ => {
                let op = match self.byte() {
                    0 => UnOp::Neg,
                    1 => UnOp::Not,
                    2 => UnOp::Len,
                    _ => UnOp::BNot,
                };
                self.pos = span.start;
                let operand = Box::new(self.value());
                self.pos = span.end;
                ExprKind::Unary { op, operand }
            }
        };
        Expr::new(kind, span)
    }
}

#[cfg(test)]
mod tests {
    use super::super::ast::{Expr, ExprKind, TableField};
    use super::super::{parse, parse_unpacked};

    /// `e` with every packed constructor decoded into an ordinary one, recursively.
    fn expand(e: &Expr, source: &[u8]) -> Expr {
        let field = |f: &TableField| match f {
            TableField::Positional(v) => TableField::Positional(expand(v, source)),
            TableField::Named(b) => {
                TableField::Named(Box::new((b.0.clone(), expand(&b.1, source))))
            }
            TableField::Keyed(b) => {
                TableField::Keyed(Box::new((expand(&b.0, source), expand(&b.1, source))))
            }
        };
        let kind = match &e.kind {
            ExprKind::PackedTable(t) => {
                let fields: Vec<TableField> = t.fields(source, e.span.start).collect();
                ExprKind::Table(fields.iter().map(field).collect())
            }
            ExprKind::Table(fields) => ExprKind::Table(fields.iter().map(field).collect()),
            ExprKind::Unary { op, operand } => ExprKind::Unary {
                op: *op,
                operand: Box::new(expand(operand, source)),
            },
            other => other.clone(),
        };
        Expr::new(kind, e.span)
    }

    fn returned(src: &str, pack: bool) -> Vec<Expr> {
        let chunk = if pack {
            parse(src.as_bytes())
        } else {
            parse_unpacked(src.as_bytes())
        };
        chunk.expect("parses").block.ret.expect("return").values
    }

    /// Packing is lossless: decoded, every constructor is exactly the one the parser built
    /// without packing (values and spans).
    #[test]
    fn packed_constructors_decode_to_the_parsed_fields() {
        let cases = [
            "{}",
            "{1, 2.5, -3, - 4.0, 'a', \"b\", nil, true, false}",
            "{id = 1, name = \"item1\", price = 13.44, tags = {\"a\", \"b\"}, pos = {x = 867, y = 821}}",
            "{[1] = 'x', ['a b'] = 2, [-1.5] = {}, [true] = not nil}",
            "{'esc\\n\\65\\u{48}', [[long\nstring]], [==[a]]b]==], 'it\\'s', \"q'\"}",
            "{9223372036854775807, 9223372036854775808, -0x8000000000000000, 0x7fffffffffffffff}",
            "{-0.0, 1e308, 0.1, 1/0}",
            "{ #'abc', ~5, - -7, {{{{}}}} ; [{}] = {1;2;3,} }",
            "{\n  a\n  =\n  1\n  ,\n  {\n  'x'\n  }\n}",
            // Literal fields then others: unpacked back into a list.
            "{1, 'two', {3}, x = 4, f(), 5}",
            "{a = {1, 2}, b = y, c = {z}}",
            "{1, 2, ...}",
        ];
        for src in cases {
            let src = format!("return {src}");
            let packed = returned(&src, true);
            let plain = returned(&src, false);
            let expanded: Vec<Expr> = packed.iter().map(|e| expand(e, src.as_bytes())).collect();
            assert_eq!(expanded, plain, "{src}");
        }
        // The all-literal ones are packed, the others are not (at top level).
        let kinds = |src: &str| match returned(&format!("return {src}"), true)[0].kind {
            ExprKind::PackedTable(_) => "packed",
            ExprKind::Table(_) => "list",
            _ => "other",
        };
        assert_eq!(kinds("{a = {1}, 'x', [2] = -3}"), "packed");
        assert_eq!(kinds("{a = {1}, x}"), "list");
    }

    #[test]
    fn a_large_generated_constructor_round_trips() {
        let mut src = String::from("return {\n");
        for i in 0..3000i64 {
            let n = i * 7919 % 100_003 - 50_000;
            src.push_str(&format!(
                "  {{id = {i}, n = {n}, f = {}.25, s = \"s{i}\\t\", t = {{{n}, 'x', [{i}] = false}}}},\n",
                n * 3
            ));
        }
        src.push('}');
        let packed = returned(&src, true);
        assert!(matches!(packed[0].kind, ExprKind::PackedTable(_)));
        let expanded = expand(&packed[0], src.as_bytes());
        assert_eq!(expanded, returned(&src, false)[0]);
    }
}

//! Binary chunks: `string.dump` writes a compiled prototype as bytes and `load` reads them
//! back. A chunk starts with lua5.4's header (signature, version, format, check bytes,
//! sizes, and the test integer and float), so tools that inspect the header see a 5.4
//! chunk; then come wayfinder's own marker and body (little-endian), since the body
//! encodes wayfinder's instruction set. A lua5.4 chunk is refused with "format mismatch"
//! at that marker. A loaded prototype is checked structurally before it can run.

use std::rc::Rc;
use std::sync::Arc;

use crate::bytecode::{Constant, FunctionProto, Instr, LocalInfo, LocalSlot, UpvalueDesc};

/// The first bytes of every binary chunk (lua5.4's `LUA_SIGNATURE`).
pub const SIGNATURE: &[u8] = b"\x1bLua";
/// The parts of lua5.4's header after the signature, each with the error lua5.4 gives
/// when it differs: version 5.4, official format, `LUAC_DATA`, and the sizes of an
/// instruction, an integer and a float.
const HEADER: &[(&[u8], &str)] = &[
    (b"\x54", "version mismatch"),
    (b"\x00", "format mismatch"),
    (b"\x19\x93\r\n\x1a\n", "corrupted chunk"),
    (b"\x04", "Instruction size mismatch"),
    (b"\x08", "lua_Integer size mismatch"),
    (b"\x08", "lua_Number size mismatch"),
];
/// `LUAC_INT` and `LUAC_NUM`: an integer and a float that check byte order and format.
const TEST_INT: i64 = 0x5678;
const TEST_NUM: f64 = 370.5;
/// Where the body starts: wayfinder's format and its revision.
const MARKER: &[u8] = b"WF\x01";
/// Source name of a stripped function, as lua5.4 reports it.
const STRIPPED_SOURCE: &str = "=?";
/// Deepest nesting of functions accepted (Lua's parser allows 200 levels of nesting).
const MAX_DEPTH: usize = 250;

/// The bytes of `proto` and its nested functions; `strip` drops debug information (source
/// name, line numbers, local and upvalue names), as `string.dump(f, true)`.
pub fn dump(proto: &FunctionProto, strip: bool) -> Vec<u8> {
    let mut w = Writer { out: Vec::new() };
    w.out.extend_from_slice(SIGNATURE);
    for (bytes, _) in HEADER {
        w.out.extend_from_slice(bytes);
    }
    w.out.extend_from_slice(&TEST_INT.to_le_bytes());
    w.out.extend_from_slice(&TEST_NUM.to_bits().to_le_bytes());
    w.out.extend_from_slice(MARKER);
    w.function(proto, strip, None);
    w.out
}

/// Reads a binary chunk made by [`dump`]. Errors are lua5.4's texts: `"{name}: bad binary
/// format (truncated chunk)"` and so on, where `name` is the chunk name as lua5.4 shows it
/// for binary chunks.
pub fn undump(bytes: &[u8], chunk_name: &str) -> Result<Rc<FunctionProto>, String> {
    let name = match chunk_name.as_bytes().first() {
        Some(b'@' | b'=') => &chunk_name[1..],
        Some(0x1b) => "binary string",
        _ => chunk_name,
    };
    let fail = |why: &str| format!("{name}: bad binary format ({why})");
    // As lua5.4, each part is checked in order, and running out of bytes anywhere is a
    // truncated chunk.
    let mut rest = bytes;
    let mut expect = |want: &[u8], why: &str| {
        if rest.len() < want.len() {
            return Err(fail("truncated chunk"));
        }
        let (head, tail) = rest.split_at(want.len());
        if head != want {
            return Err(fail(why));
        }
        rest = tail;
        Ok(())
    };
    expect(SIGNATURE, "not a binary chunk")?;
    for (bytes, why) in HEADER {
        expect(bytes, why)?;
    }
    expect(&TEST_INT.to_le_bytes(), "integer format mismatch")?;
    expect(&TEST_NUM.to_bits().to_le_bytes(), "float format mismatch")?;
    expect(MARKER, "format mismatch")?;
    let mut r = Reader {
        data: rest,
        depth: 0,
    };
    // Like lua5.4, bytes after the main function are ignored.
    let proto = r.function(None).map_err(|e| fail(e.text()))?;
    super::validate::validate(&proto).map_err(|_| fail("corrupted chunk"))?;
    Ok(Rc::new(proto))
}

// ---- writing --------------------------------------------------------------------------

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    fn i8(&mut self, v: i8) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn bool(&mut self, v: bool) {
        self.out.push(v as u8);
    }
    fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn i16(&mut self, v: i16) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    /// A length or count (every list in a prototype is far below 2^32 entries).
    fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.out.extend_from_slice(b);
    }

    /// A nested function's source name is written only where it differs from its parent's.
    fn function(&mut self, p: &FunctionProto, strip: bool, parent_source: Option<&str>) {
        if strip || parent_source == Some(&*p.source) {
            self.u8(0);
        } else {
            self.u8(1);
            self.bytes(p.source.as_bytes());
        }
        self.bytes(p.identity.as_bytes());
        self.u32(p.line_defined);
        self.u32(p.last_line_defined);
        self.u8(p.num_params);
        self.bool(p.is_vararg);
        self.u8(p.max_registers);
        self.u8(p.num_cells);
        self.len(p.code.len());
        for i in &p.code {
            write_instr(self, i);
        }
        let lines = if strip { Vec::new() } else { p.lines.to_vec() };
        self.len(lines.len());
        for l in lines {
            self.u32(l);
        }
        self.len(p.constants.len());
        for k in &p.constants {
            match k {
                Constant::Nil => self.u8(0),
                Constant::Boolean(b) => self.u8(1 + *b as u8),
                Constant::Integer(i) => {
                    self.u8(3);
                    self.out.extend_from_slice(&i.to_le_bytes());
                }
                Constant::Float(f) => {
                    self.u8(4);
                    self.out.extend_from_slice(&f.to_bits().to_le_bytes());
                }
                Constant::String(s) => {
                    self.u8(5);
                    self.bytes(s);
                }
            }
        }
        self.len(p.protos.len());
        for child in &p.protos {
            self.function(child, strip, Some(&p.source));
        }
        self.len(p.upvalues.len());
        for u in &p.upvalues {
            self.bytes(if strip { b"" } else { u.name.as_bytes() });
            self.bool(u.from_parent_cell);
            self.u8(u.index);
        }
        let locals: &[LocalInfo] = if strip { &[] } else { &p.locals };
        self.len(locals.len());
        for l in locals {
            self.bytes(l.name.as_bytes());
            match l.slot {
                LocalSlot::Register(r) => {
                    self.u8(0);
                    self.u8(r);
                }
                LocalSlot::Cell(c) => {
                    self.u8(1);
                    self.u8(c);
                }
            }
            self.u32(l.start_pc);
            self.u32(l.end_pc);
        }
    }
}

// ---- reading --------------------------------------------------------------------------

/// Why reading stopped.
enum ReadError {
    Truncated,
    Corrupted,
}

impl ReadError {
    fn text(&self) -> &'static str {
        match self {
            ReadError::Truncated => "truncated chunk",
            ReadError::Corrupted => "corrupted chunk",
        }
    }
}

type ReadResult<T> = Result<T, ReadError>;

struct Reader<'a> {
    data: &'a [u8],
    depth: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> ReadResult<[u8; N]> {
        let (head, rest) = self
            .data
            .split_first_chunk::<N>()
            .ok_or(ReadError::Truncated)?;
        self.data = rest;
        Ok(*head)
    }
    fn u8(&mut self) -> ReadResult<u8> {
        Ok(self.take::<1>()?[0])
    }
    fn i8(&mut self) -> ReadResult<i8> {
        Ok(i8::from_le_bytes(self.take()?))
    }
    fn bool(&mut self) -> ReadResult<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ReadError::Corrupted),
        }
    }
    fn u16(&mut self) -> ReadResult<u16> {
        Ok(u16::from_le_bytes(self.take()?))
    }
    fn i16(&mut self) -> ReadResult<i16> {
        Ok(i16::from_le_bytes(self.take()?))
    }
    fn u32(&mut self) -> ReadResult<u32> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    /// A count of items that take at least `item_size` bytes each: a count the remaining
    /// bytes cannot hold is a truncated chunk (and never a huge allocation).
    fn count(&mut self, item_size: usize) -> ReadResult<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(item_size) > self.data.len() {
            return Err(ReadError::Truncated);
        }
        Ok(n)
    }
    fn bytes(&mut self) -> ReadResult<&[u8]> {
        let n = self.count(1)?;
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }
    fn text(&mut self) -> ReadResult<String> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| ReadError::Corrupted)
    }

    /// One function; `parent_source` is what a nested function without its own source
    /// name inherits.
    fn function(&mut self, parent_source: Option<&Arc<str>>) -> ReadResult<FunctionProto> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ReadError::Corrupted);
        }
        let source: Arc<str> = match (self.u8()?, parent_source) {
            (1, _) => self.text()?.into(),
            (0, Some(parent)) => parent.clone(),
            (0, None) => STRIPPED_SOURCE.into(),
            _ => return Err(ReadError::Corrupted),
        };
        let identity = self.text()?;
        let line_defined = self.u32()?;
        let last_line_defined = self.u32()?;
        let num_params = self.u8()?;
        let is_vararg = self.bool()?;
        let max_registers = self.u8()?;
        let num_cells = self.u8()?;
        let n = self.count(1)?;
        let code = (0..n)
            .map(|_| read_instr(self))
            .collect::<ReadResult<Vec<_>>>()?;
        let n = self.count(4)?;
        let lines = (0..n).map(|_| self.u32()).collect::<ReadResult<Vec<_>>>()?;
        let n = self.count(1)?;
        let mut constants = Vec::with_capacity(n);
        for _ in 0..n {
            constants.push(match self.u8()? {
                0 => Constant::Nil,
                1 => Constant::Boolean(false),
                2 => Constant::Boolean(true),
                3 => Constant::Integer(i64::from_le_bytes(self.take()?)),
                4 => Constant::Float(f64::from_bits(u64::from_le_bytes(self.take()?))),
                5 => Constant::String(self.bytes()?.into()),
                _ => return Err(ReadError::Corrupted),
            });
        }
        let n = self.count(1)?;
        let mut protos = Vec::with_capacity(n);
        for _ in 0..n {
            protos.push(Arc::new(self.function(Some(&source))?));
        }
        let n = self.count(6)?;
        let mut upvalues = Vec::with_capacity(n);
        for _ in 0..n {
            upvalues.push(UpvalueDesc {
                name: self.text()?,
                from_parent_cell: self.bool()?,
                index: self.u8()?,
            });
        }
        let n = self.count(14)?;
        let mut locals = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.text()?;
            let slot = match (self.u8()?, self.u8()?) {
                (0, r) => LocalSlot::Register(r),
                (1, c) => LocalSlot::Cell(c),
                _ => return Err(ReadError::Corrupted),
            };
            locals.push(LocalInfo {
                name,
                slot,
                start_pc: self.u32()?,
                end_pc: self.u32()?,
            });
        }
        self.depth -= 1;
        Ok(FunctionProto {
            source,
            identity,
            line_defined,
            last_line_defined,
            num_params,
            is_vararg,
            max_registers,
            num_cells,
            code,
            lines: lines.into(),
            constants,
            protos,
            upvalues,
            locals,
        })
    }
}

/// Declares every instruction once, by tag and operand types, and derives the writer and
/// the reader from that list (a new instruction must be added here or `dump` won't compile).
macro_rules! instr_codec {
    ($($tag:literal => $name:ident { $($field:ident: $ty:ident),* }),* $(,)?) => {
        fn write_instr(w: &mut Writer, i: &Instr) {
            match *i {
                $(Instr::$name { $($field),* } => {
                    w.u8($tag);
                    $(w.$ty($field);)*
                })*
            }
        }

        fn read_instr(r: &mut Reader<'_>) -> ReadResult<Instr> {
            Ok(match r.u8()? {
                $($tag => Instr::$name { $($field: r.$ty()?),* },)*
                _ => return Err(ReadError::Corrupted),
            })
        }
    };
}

instr_codec! {
    0 => Move { a: u8, b: u8 },
    1 => LoadI { a: u8, i: i16 },
    2 => LoadF { a: u8, i: i16 },
    3 => LoadK { a: u8, k: u16 },
    4 => LoadFalse { a: u8 },
    5 => LoadFalseSkip { a: u8 },
    6 => LoadTrue { a: u8 },
    7 => LoadNil { a: u8, n: u8 },
    8 => GetUpval { a: u8, up: u8 },
    9 => SetUpval { a: u8, up: u8 },
    10 => NewCell { cell: u8, a: u8 },
    11 => GetCell { a: u8, cell: u8 },
    12 => SetCell { cell: u8, a: u8 },
    13 => GetTabUp { a: u8, up: u8, k: u8 },
    14 => SetTabUp { up: u8, k: u8, b: u8 },
    15 => SetTabUpK { up: u8, k: u8, kv: u8 },
    16 => GetTable { a: u8, b: u8, c: u8 },
    17 => GetI { a: u8, b: u8, i: u8 },
    18 => GetField { a: u8, b: u8, k: u8 },
    19 => SetTable { a: u8, b: u8, c: u8 },
    20 => SetTableK { a: u8, b: u8, k: u8 },
    21 => SetI { a: u8, i: u8, c: u8 },
    22 => SetIK { a: u8, i: u8, k: u8 },
    23 => SetField { a: u8, k: u8, c: u8 },
    24 => SetFieldK { a: u8, k: u8, kv: u8 },
    25 => NewTable { a: u8, array: u8, hash: u8 },
    26 => SelfK { a: u8, b: u8, k: u8 },
    27 => AddI { a: u8, b: u8, i: i8 },
    28 => AddK { a: u8, b: u8, k: u8 },
    29 => SubK { a: u8, b: u8, k: u8 },
    30 => MulK { a: u8, b: u8, k: u8 },
    31 => ModK { a: u8, b: u8, k: u8 },
    32 => PowK { a: u8, b: u8, k: u8 },
    33 => DivK { a: u8, b: u8, k: u8 },
    34 => IDivK { a: u8, b: u8, k: u8 },
    35 => BAndK { a: u8, b: u8, k: u8 },
    36 => BOrK { a: u8, b: u8, k: u8 },
    37 => BXorK { a: u8, b: u8, k: u8 },
    38 => ShrI { a: u8, b: u8, i: i8 },
    39 => ShlI { a: u8, b: u8, i: i8 },
    40 => Add { a: u8, b: u8, c: u8 },
    41 => Sub { a: u8, b: u8, c: u8 },
    42 => Mul { a: u8, b: u8, c: u8 },
    43 => Mod { a: u8, b: u8, c: u8 },
    44 => Pow { a: u8, b: u8, c: u8 },
    45 => Div { a: u8, b: u8, c: u8 },
    46 => IDiv { a: u8, b: u8, c: u8 },
    47 => BAnd { a: u8, b: u8, c: u8 },
    48 => BOr { a: u8, b: u8, c: u8 },
    49 => BXor { a: u8, b: u8, c: u8 },
    50 => Shl { a: u8, b: u8, c: u8 },
    51 => Shr { a: u8, b: u8, c: u8 },
    52 => Unm { a: u8, b: u8 },
    53 => BNot { a: u8, b: u8 },
    54 => Not { a: u8, b: u8 },
    55 => Len { a: u8, b: u8 },
    56 => Concat { a: u8, n: u8 },
    57 => Close { a: u8 },
    58 => Tbc { a: u8 },
    59 => Jmp { hi: i8, lo: u16 },
    60 => Eq { a: u8, b: u8, k: bool },
    61 => Lt { a: u8, b: u8, k: bool },
    62 => Le { a: u8, b: u8, k: bool },
    63 => EqK { a: u8, kc: u8, k: bool },
    64 => EqI { a: u8, i: i8, k: bool },
    65 => LtI { a: u8, i: i8, k: bool },
    66 => LeI { a: u8, i: i8, k: bool },
    67 => GtI { a: u8, i: i8, k: bool },
    68 => GeI { a: u8, i: i8, k: bool },
    69 => Test { a: u8, k: bool },
    70 => TestSet { a: u8, b: u8, k: bool },
    71 => Call { a: u8, b: u8, c: u8 },
    72 => TailCall { a: u8, b: u8 },
    73 => Return { a: u8, b: u8 },
    74 => Return0 {  },
    75 => Return1 { a: u8 },
    76 => ForPrep { a: u8, skip: u16 },
    77 => ForLoop { a: u8, back: u16 },
    78 => TForPrep { a: u8, skip: u16 },
    79 => TForCall { a: u8, c: u8 },
    80 => TForLoop { a: u8, back: u16 },
    81 => SetList { a: u8, n: u8 },
    82 => Closure { a: u8, proto: u16 },
    83 => Vararg { a: u8, c: u8 },
    84 => ExtraArg { hi: u8, lo: u16 },
    85 => LoadKX { a: u8 },
    86 => SubI { a: u8, b: u8, i: i8 },
    87 => IAdd { a: u8, b: u8, i: i8 },
    88 => KAdd { a: u8, b: u8, k: u8 },
    89 => KMul { a: u8, b: u8, k: u8 },
    90 => LtF { a: u8, i: i8, k: bool },
    91 => LeF { a: u8, i: i8, k: bool },
    92 => GtF { a: u8, i: i8, k: bool },
    93 => GeF { a: u8, i: i8, k: bool },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn compile(src: &str, name: &str) -> FunctionProto {
        let chunk = parse(src.as_bytes()).expect("test source parses");
        crate::compiler::compile(chunk, src.as_bytes(), name).expect("test source compiles")
    }

    /// Exercises constants of every kind, nested functions, upvalues from cells and from
    /// upvalues, varargs, loops, method calls and table constructors.
    const SAMPLE: &str = r#"
        local t = {1, 2.5, "s", true, nil, x = 1 << 40}
        local function outer(a, ...)
            local n = select('#', ...)
            local function inner(b) return a + b + n end
            for i = 1, 3 do a = a + i end
            for k, v in pairs(t) do t[k] = v end
            return inner, function() return inner(1) end, t:unknown_method()
        end
        return outer
    "#;

    #[test]
    fn round_trip_keeps_everything() {
        let p = compile(SAMPLE, "@sample.lua");
        let back = undump(&dump(&p, false), "=x").expect("reads its own dump");
        assert_eq!(*back, p);
    }

    #[test]
    fn stripping_drops_debug_information_only() {
        let p = compile(SAMPLE, "@sample.lua");
        let back = undump(&dump(&p, true), "=x").expect("reads its own dump");
        assert_eq!(&*back.source, "=?");
        assert!(back.lines.is_empty() && back.locals.is_empty());
        assert_eq!(back.code, p.code);
        assert_eq!(back.constants, p.constants);
        let child = &back.protos[0];
        assert_eq!(&*child.source, "=?");
        assert!(child.upvalues.iter().all(|u| u.name.is_empty()));
        assert_eq!(child.code, p.protos[0].code);
    }

    #[test]
    fn header_errors_are_worded_as_lua() {
        let p = compile("return 1", "=x");
        let bytes = dump(&p, false);
        let err = |b: &[u8]| undump(b, "=src").expect_err("bad chunk is refused");
        assert_eq!(
            err(b"\x1bLux"),
            "src: bad binary format (not a binary chunk)"
        );
        assert_eq!(
            err(b"\x1bLua\x53"),
            "src: bad binary format (version mismatch)"
        );
        assert_eq!(
            err(b"\x1bLua\x54\x00"),
            "src: bad binary format (truncated chunk)"
        );
        assert_eq!(
            err(b"\x1bLua\x54\x01"),
            "src: bad binary format (format mismatch)"
        );
        // lua5.4's own chunks share the header but not the body.
        let mut puc = bytes.clone();
        let marker_at = puc
            .windows(MARKER.len())
            .position(|w| w == MARKER)
            .unwrap_or(0);
        puc[marker_at] = 0;
        assert_eq!(err(&puc), "src: bad binary format (format mismatch)");
        // Every header byte matters.
        for i in 0..marker_at + MARKER.len() {
            let mut damaged = bytes.clone();
            damaged[i] = damaged[i].wrapping_add(1);
            assert!(undump(&damaged, "=src").is_err(), "byte {i}");
        }
        assert_eq!(
            err(&bytes[..bytes.len() - 1]),
            "src: bad binary format (truncated chunk)"
        );
        let e = undump(&bytes[..10], &String::from_utf8_lossy(&bytes)).expect_err("truncated");
        assert_eq!(e, "binary string: bad binary format (truncated chunk)");
    }

    #[test]
    fn damaged_chunks_are_refused_or_valid_never_a_panic() {
        let p = compile(SAMPLE, "@sample.lua");
        let bytes = dump(&p, false);
        for cut in 0..bytes.len() {
            assert!(undump(&bytes[..cut], "=x").is_err(), "cut at {cut}");
        }
        // Every single-byte change either fails to load or loads a structurally valid
        // prototype (`undump` validates what it returns).
        let header_len = SIGNATURE.len()
            + HEADER.iter().map(|(b, _)| b.len()).sum::<usize>()
            + 16
            + MARKER.len();
        assert_eq!(&bytes[header_len - MARKER.len()..header_len], MARKER);
        for i in header_len..bytes.len() {
            for delta in [1u8, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[i] = damaged[i].wrapping_add(delta);
                if let Ok(q) = undump(&damaged, "=x") {
                    assert!(super::super::validate::validate(&q).is_ok());
                }
            }
        }
    }
}

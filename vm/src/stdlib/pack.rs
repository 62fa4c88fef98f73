//! `string.pack`, `string.packsize` and `string.unpack` (reference manual §6.4.2).
//!
//! A format string is read one option at a time by [`FormatReader`], which tracks the
//! endianness and maximum alignment set so far and works out the padding each option
//! needs. The three natives share it and differ only in what they do per option.
//! The layout matches Lua 5.4 on a 64-bit little-endian machine: short 2, int 4,
//! long 8, size_t 8, lua_Integer 8, float 4, double/lua_Number 8, native alignment 8.

use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::string::LuaString;
use crate::value::Value;

type R<'gc> = Result<usize, LuaError<'gc>>;

/// Largest integer size an `i`/`I`/`s`/`!` option may ask for.
const MAX_INT_SIZE: usize = 16;
/// Size of a Lua integer in bytes.
const LUA_INT_SIZE: usize = 8;
/// Alignment `!` without a number selects (the platform's strictest alignment).
const NATIVE_ALIGN: usize = 8;
/// Largest result `packsize` reports (Lua bounds sizes by `INT_MAX`).
const MAX_SIZE: usize = i32::MAX as usize;

/// What one format option stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Signed integer of `size` bytes.
    Int,
    /// Unsigned integer of `size` bytes.
    Uint,
    /// C `float`.
    Float,
    /// Lua float (`n`).
    Number,
    /// C `double`.
    Double,
    /// Fixed-size string (`cN`).
    Char,
    /// String preceded by its length as an unsigned integer of `size` bytes.
    LengthString,
    /// Zero-terminated string.
    ZeroString,
    /// One byte of padding (`x`).
    Padding,
    /// Padding up to an alignment (`X`).
    AlignPadding,
    /// Changes settings only (endianness, alignment, spaces).
    Nop,
}

/// One option with its size and the padding that must precede it.
#[derive(Clone, Copy, Debug)]
struct Item {
    kind: Kind,
    size: usize,
    padding: usize,
}

/// Why a format string was rejected: `Plain` errors read like `error("...")`, `Format`
/// errors blame argument #1.
#[derive(Debug, PartialEq)]
enum FormatError {
    Plain(Vec<u8>),
    Format(&'static str),
}

impl FormatError {
    fn plain(msg: String) -> FormatError {
        FormatError::Plain(msg.into_bytes())
    }

    fn into_lua<'gc>(self, ctx: &Ctx<'gc, '_>) -> LuaError<'gc> {
        match self {
            FormatError::Format(msg) => ctx.arg_error(0, msg),
            FormatError::Plain(msg) => {
                // Built from bytes: the offending option character may not be UTF-8.
                let mut text = ctx.where_prefix().into_bytes();
                text.extend_from_slice(&msg);
                LuaError::new(Value::String(LuaString::new(ctx.mc, &text)))
            }
        }
    }
}

/// Reads a format string option by option.
struct FormatReader<'f> {
    fmt: &'f [u8],
    pos: usize,
    little_endian: bool,
    max_align: usize,
}

impl<'f> FormatReader<'f> {
    fn new(fmt: &'f [u8]) -> Self {
        FormatReader {
            fmt,
            pos: 0,
            little_endian: cfg!(target_endian = "little"),
            max_align: 1,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.fmt.get(self.pos).copied()
    }

    /// An optional decimal number. Like Lua, stops reading digits once another one
    /// could overflow, leaving the rest to be read (and rejected) as options.
    fn number(&mut self, default: usize) -> usize {
        if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return default;
        }
        let mut n = 0usize;
        while let Some(c) = self.peek().filter(|c| c.is_ascii_digit()) {
            if n > (MAX_SIZE - 9) / 10 {
                break;
            }
            n = n * 10 + usize::from(c - b'0');
            self.pos += 1;
        }
        n
    }

    /// A number that must be a valid integer size (1 to 16).
    fn size_limit(&mut self, default: usize) -> Result<usize, FormatError> {
        let n = self.number(default);
        if n == 0 || n > MAX_INT_SIZE {
            return Err(FormatError::plain(format!(
                "integral size ({n}) out of limits [1,{MAX_INT_SIZE}]"
            )));
        }
        Ok(n)
    }

    /// Read one option (the caller knows there is one): its kind and size.
    fn option(&mut self) -> Result<(Kind, usize), FormatError> {
        let Some(c) = self.peek() else {
            return Ok((Kind::Nop, 0));
        };
        self.pos += 1;
        Ok(match c {
            b'b' => (Kind::Int, 1),
            b'B' => (Kind::Uint, 1),
            b'h' => (Kind::Int, 2),
            b'H' => (Kind::Uint, 2),
            b'i' => (Kind::Int, self.size_limit(4)?),
            b'I' => (Kind::Uint, self.size_limit(4)?),
            b'l' | b'j' => (Kind::Int, 8),
            b'L' | b'J' | b'T' => (Kind::Uint, 8),
            b'f' => (Kind::Float, 4),
            b'n' => (Kind::Number, 8),
            b'd' => (Kind::Double, 8),
            b's' => (Kind::LengthString, self.size_limit(8)?),
            b'c' => match self.number(usize::MAX) {
                usize::MAX => {
                    return Err(FormatError::plain(
                        "missing size for format option 'c'".into(),
                    ))
                }
                n => (Kind::Char, n),
            },
            b'z' => (Kind::ZeroString, 0),
            b'x' => (Kind::Padding, 1),
            b'X' => (Kind::AlignPadding, 0),
            b' ' => (Kind::Nop, 0),
            b'<' => {
                self.little_endian = true;
                (Kind::Nop, 0)
            }
            b'>' => {
                self.little_endian = false;
                (Kind::Nop, 0)
            }
            b'=' => {
                self.little_endian = cfg!(target_endian = "little");
                (Kind::Nop, 0)
            }
            b'!' => {
                self.max_align = self.size_limit(NATIVE_ALIGN)?;
                (Kind::Nop, 0)
            }
            other => {
                let mut msg = b"invalid format option '".to_vec();
                msg.push(other);
                msg.push(b'\'');
                return Err(FormatError::Plain(msg));
            }
        })
    }

    /// The next option, if any, with the padding it needs when the data so far is
    /// `offset` bytes long.
    fn next_item(&mut self, offset: usize) -> Option<Result<Item, FormatError>> {
        self.peek()?;
        Some(self.item(offset))
    }

    fn item(&mut self, offset: usize) -> Result<Item, FormatError> {
        let (kind, size) = self.option()?;
        // Alignment usually follows the size; `X` takes it from the option after it.
        let mut align = size;
        if kind == Kind::AlignPadding {
            if self.peek().is_none() {
                return Err(FormatError::Format("invalid next option for option 'X'"));
            }
            let (next_kind, next_size) = self.option()?;
            align = next_size;
            if next_kind == Kind::Char || align == 0 {
                return Err(FormatError::Format("invalid next option for option 'X'"));
            }
        }
        let padding = if align <= 1 || kind == Kind::Char {
            0
        } else {
            let align = align.min(self.max_align);
            if !align.is_power_of_two() {
                return Err(FormatError::Format(
                    "format asks for alignment not power of 2",
                ));
            }
            (align - (offset & (align - 1))) & (align - 1)
        };
        Ok(Item {
            kind,
            size,
            padding,
        })
    }
}

/// The `size` low-order bytes of `n` in the given byte order; bytes beyond the eighth
/// repeat the sign (0xFF when `negative`).
fn put_int(out: &mut Vec<u8>, n: u64, size: usize, little_endian: bool, negative: bool) {
    let fill = if negative { 0xFF } else { 0 };
    let bytes: Vec<u8> = (0..size)
        .map(|i| if i < 8 { (n >> (8 * i)) as u8 } else { fill })
        .collect();
    put_ordered(out, &bytes, little_endian);
}

/// Append little-endian `bytes` in the requested byte order.
fn put_ordered(out: &mut Vec<u8>, bytes: &[u8], little_endian: bool) {
    if little_endian {
        out.extend_from_slice(bytes);
    } else {
        out.extend(bytes.iter().rev());
    }
}

/// `data` (exactly the field's bytes) in little-endian order.
fn ordered(data: &[u8], little_endian: bool) -> Vec<u8> {
    let mut bytes = data.to_vec();
    if !little_endian {
        bytes.reverse();
    }
    bytes
}

/// Read an integer field of `data.len()` bytes. Sizes below 8 are sign- or
/// zero-extended; larger ones must hold only sign (or zero) bytes past the eighth.
fn get_int(data: &[u8], little_endian: bool, signed: bool) -> Result<i64, String> {
    let bytes = ordered(data, little_endian);
    let size = bytes.len();
    let mut n = 0u64;
    for (i, &b) in bytes.iter().take(LUA_INT_SIZE).enumerate() {
        n |= u64::from(b) << (8 * i);
    }
    if size < LUA_INT_SIZE {
        if signed {
            let sign = 1u64 << (size * 8 - 1);
            n = (n ^ sign).wrapping_sub(sign);
        }
    } else if size > LUA_INT_SIZE {
        let fill = if signed && (n as i64) < 0 { 0xFF } else { 0 };
        if bytes[LUA_INT_SIZE..].iter().any(|&b| b != fill) {
            return Err(format!("{size}-byte integer does not fit into Lua Integer"));
        }
    }
    Ok(n as i64)
}

/// The argument at `i` (0-based) for a pack option: a missing one reads as `nil`
/// (Lua's `pack` keeps a nil marker right after its arguments).
fn missing_as_nil<'gc>(ctx: &Ctx<'gc, '_>, i: usize, expected: &str) -> Result<(), LuaError<'gc>> {
    if i >= ctx.nargs() {
        return Err(ctx.arg_error(i, format!("{expected} expected, got nil")));
    }
    Ok(())
}

/// `string.pack(fmt, v1, v2, ...)`.
pub fn pack<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let fmt = ctx.check_string(0)?.as_bytes();
    let mut reader = FormatReader::new(fmt);
    let mut out: Vec<u8> = Vec::new();
    let mut arg = 0;
    while let Some(item) = reader.next_item(out.len()) {
        let item = item.map_err(|e| e.into_lua(ctx))?;
        out.resize(out.len() + item.padding, 0);
        let little = reader.little_endian;
        let size = item.size;
        if !matches!(item.kind, Kind::Padding | Kind::AlignPadding | Kind::Nop) {
            arg += 1;
        }
        match item.kind {
            Kind::Int => {
                missing_as_nil(ctx, arg, "number")?;
                let n = ctx.check_integer(arg)?;
                if size < LUA_INT_SIZE {
                    let limit = 1i64 << (size * 8 - 1);
                    if !(-limit..limit).contains(&n) {
                        return Err(ctx.arg_error(arg, "integer overflow"));
                    }
                }
                put_int(&mut out, n as u64, size, little, n < 0);
            }
            Kind::Uint => {
                missing_as_nil(ctx, arg, "number")?;
                let n = ctx.check_integer(arg)?;
                if size < LUA_INT_SIZE && (n as u64) >= 1u64 << (size * 8) {
                    return Err(ctx.arg_error(arg, "unsigned overflow"));
                }
                put_int(&mut out, n as u64, size, little, false);
            }
            Kind::Float => {
                missing_as_nil(ctx, arg, "number")?;
                let x = ctx.check_float(arg)? as f32;
                put_ordered(&mut out, &x.to_le_bytes(), little);
            }
            Kind::Number | Kind::Double => {
                missing_as_nil(ctx, arg, "number")?;
                let x = ctx.check_float(arg)?;
                put_ordered(&mut out, &x.to_le_bytes(), little);
            }
            Kind::Char => {
                missing_as_nil(ctx, arg, "string")?;
                let s = ctx.check_string(arg)?.as_bytes();
                if s.len() > size {
                    return Err(ctx.arg_error(arg, "string longer than given size"));
                }
                out.try_reserve(size)
                    .map_err(|_| ctx.error("not enough memory"))?;
                out.extend_from_slice(s);
                out.resize(out.len() + size - s.len(), 0);
            }
            Kind::LengthString => {
                missing_as_nil(ctx, arg, "string")?;
                let s = ctx.check_string(arg)?.as_bytes();
                if size < LUA_INT_SIZE && (s.len() as u64) >= 1u64 << (size * 8) {
                    return Err(ctx.arg_error(arg, "string length does not fit in given size"));
                }
                put_int(&mut out, s.len() as u64, size, little, false);
                out.extend_from_slice(s);
            }
            Kind::ZeroString => {
                missing_as_nil(ctx, arg, "string")?;
                let s = ctx.check_string(arg)?.as_bytes();
                if s.contains(&0) {
                    return Err(ctx.arg_error(arg, "string contains zeros"));
                }
                out.extend_from_slice(s);
                out.push(0);
            }
            Kind::Padding => out.push(0),
            Kind::AlignPadding | Kind::Nop => {}
        }
    }
    let v = ctx.new_string(&out);
    ctx.ret1(v)
}

/// `string.packsize(fmt)`: the length of what `pack(fmt, ...)` produces.
pub fn packsize<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let fmt = ctx.check_string(0)?.as_bytes();
    let mut reader = FormatReader::new(fmt);
    let mut total = 0usize;
    while let Some(item) = reader.next_item(total) {
        let item = item.map_err(|e| e.into_lua(ctx))?;
        if matches!(item.kind, Kind::LengthString | Kind::ZeroString) {
            return Err(ctx.arg_error(0, "variable-length format"));
        }
        let size = item.size + item.padding;
        if size > MAX_SIZE - total {
            return Err(ctx.arg_error(0, "format result too large"));
        }
        total += size;
    }
    ctx.ret1(Value::Integer(total as i64))
}

/// `string.unpack(fmt, s [, pos])`: the values packed in `s` from `pos`, then the
/// position after the last byte read.
pub fn unpack<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let fmt = ctx.check_string(0)?.as_bytes();
    let data = ctx.check_string(1)?.as_bytes();
    let start = ctx.opt_integer(2, 1)?;
    // 0-based offset; positions before the start clamp to the first byte.
    let pos = if start > 0 {
        start as u64 - 1
    } else if start == 0 || start.unsigned_abs() > data.len() as u64 {
        0
    } else {
        (data.len() as i64 + start) as u64
    };
    if pos > data.len() as u64 {
        return Err(ctx.arg_error(2, "initial position out of string"));
    }
    let mut pos = pos as usize;
    let mut reader = FormatReader::new(fmt);
    let mut n = 0;
    while let Some(item) = reader.next_item(pos) {
        let item = item.map_err(|e| e.into_lua(ctx))?;
        let little = reader.little_endian;
        let size = item.size;
        if item.padding + size > data.len() - pos {
            return Err(ctx.arg_error(1, "data string too short"));
        }
        pos += item.padding;
        // Room for this value and the final position, counted from our arguments (the
        // stack above them may still hold leftovers of an earlier, caught error).
        if ctx.args_start + ctx.nargs() + n + 2 > ctx.stack_limit() {
            return Err(ctx.error("stack overflow (too many results)"));
        }
        let field = &data[pos..pos + size];
        let value = match item.kind {
            Kind::Int | Kind::Uint => {
                let n =
                    get_int(field, little, item.kind == Kind::Int).map_err(|msg| ctx.error(msg))?;
                Value::Integer(n)
            }
            Kind::Float => {
                let bytes: [u8; 4] = ordered(field, little).try_into().unwrap_or([0; 4]);
                Value::Number(f64::from(f32::from_le_bytes(bytes)))
            }
            Kind::Number | Kind::Double => {
                let bytes: [u8; 8] = ordered(field, little).try_into().unwrap_or([0; 8]);
                Value::Number(f64::from_le_bytes(bytes))
            }
            Kind::Char => ctx.new_string(field),
            Kind::LengthString => {
                let len = get_int(field, little, false).map_err(|msg| ctx.error(msg))? as u64;
                let available = (data.len() - pos - size) as u64;
                if len > available {
                    return Err(ctx.arg_error(1, "data string too short"));
                }
                let body_start = pos + size;
                let len = len as usize;
                pos += len;
                ctx.new_string(&data[body_start..body_start + len])
            }
            Kind::ZeroString => {
                let Some(len) = data[pos..].iter().position(|&b| b == 0) else {
                    return Err(ctx.arg_error(1, "unfinished string for format 'z'"));
                };
                let v = ctx.new_string(&data[pos..pos + len]);
                pos += len + 1;
                v
            }
            Kind::Padding | Kind::AlignPadding | Kind::Nop => {
                pos += size;
                continue;
            }
        };
        ctx.push(value);
        n += 1;
        pos += size;
    }
    ctx.push(Value::Integer(pos as i64 + 1));
    Ok(n + 1)
}

#[cfg(test)]
mod tests {
    use super::{get_int, FormatError, FormatReader, Kind};
    use crate::stdlib::test_support::{run, run_err};

    /// Kinds, sizes and paddings of a whole format, as packed from offset 0.
    fn layout(fmt: &str) -> Result<Vec<(Kind, usize, usize)>, FormatError> {
        let mut reader = FormatReader::new(fmt.as_bytes());
        let mut total = 0;
        let mut items = Vec::new();
        while let Some(item) = reader.next_item(total) {
            let item = item?;
            total += item.padding + item.size;
            items.push((item.kind, item.size, item.padding));
        }
        Ok(items)
    }

    #[test]
    fn reader_sizes_and_alignment() {
        assert_eq!(
            layout("!4 b i8").unwrap(),
            vec![
                (Kind::Nop, 0, 0),
                (Kind::Nop, 0, 0),
                (Kind::Int, 1, 0),
                (Kind::Nop, 0, 0),
                (Kind::Int, 8, 3)
            ]
        );
        assert_eq!(layout("b Xd").unwrap()[2], (Kind::AlignPadding, 0, 0));
        assert_eq!(layout("!b Xd").unwrap()[3], (Kind::AlignPadding, 0, 7));
        assert_eq!(layout("c3 i16").unwrap()[2], (Kind::Int, 16, 0));
        assert_eq!(
            layout("!4 i3"),
            Err(FormatError::Format(
                "format asks for alignment not power of 2"
            ))
        );
        assert_eq!(
            layout("i17"),
            Err(FormatError::plain(
                "integral size (17) out of limits [1,16]".into()
            ))
        );
        assert_eq!(
            layout("Xc1"),
            Err(FormatError::Format("invalid next option for option 'X'"))
        );
    }

    #[test]
    fn reader_stops_reading_digits_before_overflow() {
        // 2147483640 would overflow the next step, so the final digit is an option.
        assert_eq!(
            layout("c21474836400"),
            Err(FormatError::Plain(b"invalid format option '0'".to_vec()))
        );
    }

    #[test]
    fn get_int_extends_and_checks_wide_fields() {
        assert_eq!(get_int(&[0xFF, 0xFF], true, true), Ok(-1));
        assert_eq!(get_int(&[0xFF, 0xFF], true, false), Ok(0xFFFF));
        assert_eq!(get_int(&[0x01, 0x00], false, false), Ok(0x100));
        assert_eq!(get_int(&[0xFF; 12], true, true), Ok(-1));
        assert!(get_int(&[0xFF; 12], true, false).is_err());
        assert_eq!(
            get_int(&[0; 9], true, false),
            Ok(0),
            "zero extra bytes are fine"
        );
    }

    #[test]
    fn pack_and_unpack_round_trip() {
        run(r#"
            local s = string.pack("<i4 >I2 b z s1 d", -2, 0x1234, 7, "hi", "abc", 1.5)
            assert(s == "\xFE\xFF\xFF\xFF\x12\x34\x07hi\0\3abc" .. string.pack(">d", 1.5))
            local a, b, c, d, e, f, pos = string.unpack("<i4 >I2 b z s1 d", s)
            assert(a == -2 and b == 0x1234 and c == 7 and d == "hi" and e == "abc" and f == 1.5)
            assert(pos == #s + 1)
            assert(string.pack("i16", -2) == "\xFE" .. string.rep("\xFF", 15))
            assert(string.unpack("<f", string.pack("<f", 0.5)) == 0.5)
            assert(string.pack(">!4 b i4", 1, 2) == "\1\0\0\0\0\0\0\2")
            assert(string.packsize("!8 b d") == 16 and string.packsize("") == 0)
            assert(string.unpack("b", "\1\2\3", -1) == 3)
        "#);
    }

    #[test]
    fn pack_errors() {
        assert!(run_err("string.pack('i2', 40000)")
            .contains("bad argument #2 to 'pack' (integer overflow)"));
        assert!(run_err("string.pack('I1', -1)").contains("(unsigned overflow)"));
        assert!(run_err("string.pack('i2')").contains("(number expected, got nil)"));
        assert!(run_err("string.pack('z', 'a\\0')").contains("(string contains zeros)"));
        assert!(run_err("string.pack('i3r', 1)").contains("invalid format option 'r'"));
        assert!(run_err("string.pack('c', '')").contains("missing size for format option 'c'"));
        assert!(run_err("string.packsize('s')")
            .contains("bad argument #1 to 'packsize' (variable-length format)"));
        assert!(run_err("string.packsize(string.rep('c268435456', 8))")
            .contains("format result too large"));
    }

    #[test]
    fn unpack_result_limit_ignores_leftovers_of_a_caught_error() {
        run(r#"
            local ok, e = pcall(string.unpack, string.rep("b", 1e6), string.rep("a", 1e6))
            assert(not ok and e == "stack overflow (too many results)")
            assert(select('#', string.unpack(string.rep("b", 9e5), string.rep("a", 9e5))) == 900001)
        "#);
    }

    #[test]
    fn unpack_errors() {
        assert!(run_err("string.unpack('i4', 'abc')")
            .contains("bad argument #2 to 'unpack' (data string too short)"));
        assert!(run_err("string.unpack('b', 'abc', 5)")
            .contains("bad argument #3 to 'unpack' (initial position out of string)"));
        assert!(run_err("string.unpack('z', 'abc')").contains("unfinished string for format 'z'"));
        assert!(run_err("string.unpack('i9', string.rep('\\1', 9))")
            .contains("9-byte integer does not fit into Lua Integer"));
        assert!(run_err("string.unpack('s1', '\\5ab')").contains("data string too short"));
    }
}

//! The `utf8` library (reference manual §6.5).
//!
//! Strings are byte strings; this library reads and writes the original (up to six
//! bytes, values up to 2^31 - 1) UTF-8 encoding. "Strict" decoding, the default,
//! additionally rejects surrogates and values above U+10FFFF; the `lax` arguments
//! turn that off.

use gc_arena::Mutation;

use crate::function::{new_native, NativeKind};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::ops;
use crate::runtime::state::State;
use crate::stdlib::{new_library, set_fn, set_value};
use crate::value::Value;

type R<'gc> = Result<usize, LuaError<'gc>>;

/// Largest code point of the original UTF-8 (what `utf8.char` accepts).
const MAX_UTF: u32 = 0x7FFF_FFFF;
/// Largest Unicode code point (the strict limit).
const MAX_UNICODE: u32 = 0x10_FFFF;

/// Pattern matching exactly one UTF-8 byte sequence (assuming valid UTF-8).
const CHAR_PATTERN: &[u8] = b"[\x00-\x7F\xC2-\xFD][\x80-\xBF]*";

/// How many values one call may leave on the stack (Lua's stack limit).
const MAX_RESULTS: usize = 1_000_000;

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let lib = new_library(mc, state, "utf8");
    set_fn(mc, state, lib, "offset", offset);
    set_fn(mc, state, lib, "codepoint", codepoint);
    set_fn(mc, state, lib, "char", char);
    set_fn(mc, state, lib, "len", len);
    // `codes` hands out one of two shared iterator functions, kept as its upvalues.
    let strict = new_native(mc, "for iterator", NativeKind::Fn(iter_strict), Vec::new());
    let lax = new_native(mc, "for iterator", NativeKind::Fn(iter_lax), Vec::new());
    let codes = new_native(
        mc,
        "codes",
        NativeKind::Fn(codes),
        vec![Value::NativeFunction(strict), Value::NativeFunction(lax)],
    );
    set_value(mc, state, lib, "codes", Value::NativeFunction(codes));
    set_value(
        mc,
        state,
        lib,
        "charpattern",
        Value::String(crate::string::LuaString::new(mc, CHAR_PATTERN)),
    );
}

/// Is `b` a continuation byte (10xxxxxx)?
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// The byte at `i`, or 0 past the end (C strings end in a NUL, which the scanning
/// loops below rely on to stop).
fn byte_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Decode the sequence starting at `s[pos]`: its code point and the position after it.
/// `None` for an invalid or overlong sequence, or (when `strict`) a surrogate or a
/// value above U+10FFFF.
fn decode(s: &[u8], pos: usize, strict: bool) -> Option<(u32, usize)> {
    // Smallest value that needs a sequence of 1 + index continuation bytes.
    const LIMITS: [u32; 6] = [0, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    let first = u32::from(byte_at(s, pos));
    let mut code: u32;
    let mut next = pos + 1;
    if first < 0x80 {
        code = first;
    } else {
        // Each set bit after the leading one announces one continuation byte.
        let mut lead = first;
        let mut count = 0usize;
        code = 0;
        while lead & 0x40 != 0 {
            count += 1;
            if count > 5 {
                return None;
            }
            let c = byte_at(s, pos + count);
            if !is_continuation(c) {
                return None;
            }
            code = (code << 6) | u32::from(c & 0x3F);
            lead <<= 1;
        }
        // The lead byte's payload bits sit above the continuation bits.
        code |= (lead & 0x7F) << (count * 5);
        if count == 0 || code > MAX_UTF || code < LIMITS[count] {
            return None;
        }
        next += count;
    }
    if strict && (code > MAX_UNICODE || (0xD800..=0xDFFF).contains(&code)) {
        return None;
    }
    Some((code, next))
}

/// Append the (original, up to six-byte) UTF-8 encoding of `code` (at most `MAX_UTF`).
fn encode(code: u32, out: &mut Vec<u8>) {
    if code < 0x80 {
        out.push(code as u8);
        return;
    }
    let mut tail = Vec::with_capacity(5);
    let mut rest = code;
    // Largest payload the lead byte can still hold; shrinks by a bit per continuation byte.
    let mut lead_room = 0x3Fu32;
    loop {
        tail.push(0x80 | (rest & 0x3F) as u8);
        rest >>= 6;
        lead_room >>= 1;
        if rest <= lead_room {
            break;
        }
    }
    out.push(((!lead_room << 1) | rest) as u8);
    out.extend(tail.iter().rev());
}

/// A position relative to a string of length `len`: negative counts from the end
/// (-1 is the last byte); anything before the start becomes 0.
fn relative_position(pos: i64, len: usize) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + pos + 1
    }
}

/// `utf8.char(...)`: the concatenated encodings of the arguments.
fn char<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let mut out = Vec::with_capacity(ctx.nargs());
    for i in 0..ctx.nargs() {
        let code = ctx.check_integer(i)? as u64;
        if code > u64::from(MAX_UTF) {
            return Err(ctx.arg_error(i, "value out of range"));
        }
        encode(code as u32, &mut out);
    }
    let v = ctx.new_string(&out);
    ctx.ret1(v)
}

/// `utf8.len(s [, i [, j [, lax]]])`: characters in `s[i..j]`, or fail plus the
/// position of the first invalid byte.
fn len<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = ctx.check_string(0)?.as_bytes();
    let start = relative_position(ctx.opt_integer(1, 1)?, s.len());
    let end = relative_position(ctx.opt_integer(2, -1)?, s.len());
    let strict = !ctx.arg(3).is_truthy();
    if start < 1 || start - 1 > s.len() as i64 {
        return Err(ctx.arg_error(1, "initial position out of bounds"));
    }
    if end > s.len() as i64 {
        return Err(ctx.arg_error(2, "final position out of bounds"));
    }
    // 0-based: decode every sequence that starts at or before `last`.
    let mut pos = (start - 1) as usize;
    let last = end - 1;
    let mut count = 0i64;
    while pos as i64 <= last {
        match decode(s, pos, strict) {
            Some((_, next)) => pos = next,
            None => {
                ctx.push(Value::Nil);
                ctx.push(Value::Integer(pos as i64 + 1));
                return Ok(2);
            }
        }
        count += 1;
    }
    ctx.ret1(Value::Integer(count))
}

/// `utf8.codepoint(s [, i [, j [, lax]]])`: the code points of the characters that
/// start in `s[i..j]`.
fn codepoint<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = ctx.check_string(0)?.as_bytes();
    let start = relative_position(ctx.opt_integer(1, 1)?, s.len());
    let end = relative_position(ctx.opt_integer(2, start)?, s.len());
    let strict = !ctx.arg(3).is_truthy();
    if start < 1 {
        return Err(ctx.arg_error(1, "out of bounds"));
    }
    if end > s.len() as i64 {
        return Err(ctx.arg_error(2, "out of bounds"));
    }
    if start > end {
        return Ok(0);
    }
    let span = (end - start) as usize;
    if span >= i32::MAX as usize {
        return Err(ctx.error("string slice too long"));
    }
    // Lua reserves a stack slot per byte before decoding; match its limit (and its
    // message, which carries no position).
    // (Counted from our arguments: the stack above them may still hold leftovers of an
    // earlier, caught error.)
    if span + 1 > MAX_RESULTS.saturating_sub(ctx.args_start + ctx.nargs()) {
        return Err(LuaError::from_str(
            ctx.mc,
            "stack overflow (string slice too long)",
        ));
    }
    let mut pos = (start - 1) as usize;
    let stop = end as usize;
    let mut n = 0;
    while pos < stop {
        let Some((code, next)) = decode(s, pos, strict) else {
            return Err(ctx.error("invalid UTF-8 code"));
        };
        ctx.push(Value::Integer(i64::from(code)));
        n += 1;
        pos = next;
    }
    Ok(n)
}

/// `utf8.offset(s, n [, i])`: the byte position where the `n`-th character (counting
/// from position `i`) starts; `n = 0` finds the start of the character containing `i`.
fn offset<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = ctx.check_string(0)?.as_bytes();
    let len = s.len() as i64;
    let mut n = ctx.check_integer(1)?;
    let default = if n >= 0 { 1 } else { len + 1 };
    let start = relative_position(ctx.opt_integer(2, default)?, s.len());
    if start < 1 || start - 1 > len {
        return Err(ctx.arg_error(2, "position out of bounds"));
    }
    let cont = |p: i64| is_continuation(byte_at(s, p as usize));
    let mut pos = start - 1;
    if n == 0 {
        while pos > 0 && cont(pos) {
            pos -= 1;
        }
    } else {
        if cont(pos) {
            return Err(ctx.error("initial position is a continuation byte"));
        }
        if n < 0 {
            while n < 0 && pos > 0 {
                pos -= 1;
                while pos > 0 && cont(pos) {
                    pos -= 1;
                }
                n += 1;
            }
        } else {
            // The first character is the one at `pos` itself.
            n -= 1;
            while n > 0 && pos < len {
                pos += 1;
                while cont(pos) {
                    pos += 1;
                }
                n -= 1;
            }
        }
    }
    if n == 0 {
        ctx.ret1(Value::Integer(pos + 1))
    } else {
        ctx.ret1(Value::Nil)
    }
}

/// `utf8.codes(s [, lax])`: the generic-for triple `iterator, s, 0`.
fn codes<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let lax = ctx.arg(1).is_truthy();
    let s = ctx.check_string(0)?;
    ctx.push(ctx.upvalue(usize::from(lax)));
    ctx.push(Value::String(s));
    ctx.push(Value::Integer(0));
    Ok(3)
}

fn iter_strict<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    iterate(ctx, true)
}

fn iter_lax<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    iterate(ctx, false)
}

/// One step of `utf8.codes`: the control value is the (1-based) position of the
/// previous character; skip its continuation bytes and decode the next one.
fn iterate<'gc>(ctx: &mut Ctx<'gc, '_>, strict: bool) -> R<'gc> {
    let s = ctx.check_string(0)?.as_bytes();
    // A non-integer control value counts as 0; negative ones wrap to huge (and end
    // the iteration), as in Lua's unsigned arithmetic.
    let mut pos = ops::to_integer(ctx.arg(1)).unwrap_or(0) as u64;
    let len = s.len() as u64;
    while pos < len && is_continuation(s[pos as usize]) {
        pos += 1;
    }
    if pos >= len {
        return Ok(0);
    }
    let Some((code, _)) = decode(s, pos as usize, strict) else {
        return Err(ctx.error("invalid UTF-8 code"));
    };
    ctx.push(Value::Integer(pos as i64 + 1));
    ctx.push(Value::Integer(i64::from(code)));
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};
    use crate::stdlib::test_support::{run, run_err};

    #[test]
    fn encode_decode_round_trip_at_sequence_boundaries() {
        for code in [
            0,
            0x7F,
            0x80,
            0x7FF,
            0x800,
            0xFFFF,
            0x1_0000,
            0x1F_FFFF,
            0x20_0000,
            0x3FF_FFFF,
            0x400_0000,
            0x7FFF_FFFF,
        ] {
            let mut out = Vec::new();
            encode(code, &mut out);
            assert_eq!(decode(&out, 0, false), Some((code, out.len())), "{code:#x}");
        }
        let mut out = Vec::new();
        encode(0x20AC, &mut out);
        assert_eq!(out, "€".as_bytes());
    }

    #[test]
    fn decode_rejects_bad_sequences() {
        assert_eq!(decode(b"\xC0\x80", 0, false), None, "overlong");
        assert_eq!(decode(b"\xE2\x82", 0, false), None, "truncated");
        assert_eq!(decode(b"\x80", 0, false), None, "lone continuation");
        assert_eq!(decode(b"\xFF\xBF\xBF\xBF\xBF\xBF\xBF", 0, false), None);
        assert_eq!(decode(b"\xED\xA0\x80", 0, true), None, "strict surrogate");
        assert_eq!(decode(b"\xED\xA0\x80", 0, false), Some((0xD800, 3)));
        assert_eq!(decode(b"\xF4\x90\x80\x80", 0, true), None, "above U+10FFFF");
    }

    #[test]
    fn char_and_charpattern() {
        run(r#"
            assert(utf8.char(72, 0x20AC, 0x10FFFF) == "H\u{20AC}\u{10FFFF}")
            assert(utf8.char() == "")
            assert(utf8.char(0x7FFFFFFF) == "\u{7FFFFFFF}")
            assert(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*")
            assert(package.loaded.utf8 == utf8)
        "#);
        assert!(run_err("utf8.char(-1)").contains("bad argument #1 to 'char' (value out of range)"));
        assert!(run_err("utf8.char(65, 0x80000000)").contains("bad argument #2"));
    }

    #[test]
    fn len_counts_and_reports_invalid_positions() {
        run(r#"
            assert(utf8.len("h\u{E9}llo") == 5)
            assert(utf8.len("") == 0)
            assert(utf8.len("abc", 4) == 0)
            assert(utf8.len("abc", -1) == 1)
            local n, p = utf8.len("ab\xFFc")
            assert(n == nil and p == 3)
            assert(select('#', utf8.len("\xFF")) == 2)
            assert(utf8.len("\u{D800}", 1, -1, true) == 1)
            assert(utf8.len("\u{D800}") == nil)
        "#);
        assert!(run_err("utf8.len('abc', 5)")
            .contains("bad argument #2 to 'len' (initial position out of bounds)"));
        assert!(run_err("utf8.len('abc', 1, 4)")
            .contains("bad argument #3 to 'len' (final position out of bounds)"));
    }

    #[test]
    fn codepoint_ranges_and_errors() {
        run(r#"
            assert(utf8.codepoint("A\u{20AC}") == 65)
            local a, b = utf8.codepoint("A\u{20AC}", 1, -1)
            assert(a == 65 and b == 0x20AC)
            assert(select('#', utf8.codepoint("abc", 3, 2)) == 0)
            assert(utf8.codepoint("\u{DFFF}", 1, 1, true) == 0xDFFF)
        "#);
        assert!(run_err("utf8.codepoint('\\xFF')").contains("invalid UTF-8 code"));
        assert!(run_err("utf8.codepoint('abc', 0)")
            .contains("bad argument #2 to 'codepoint' (out of bounds)"));
        assert!(run_err("utf8.codepoint('abc', 1, 4)")
            .contains("bad argument #3 to 'codepoint' (out of bounds)"));
    }

    #[test]
    fn codepoint_result_limit() {
        run(r#"
            local ok, e = pcall(utf8.codepoint, string.rep("a", 1e7), 1, -1)
            assert(not ok and e == "stack overflow (string slice too long)")
            assert(select('#', utf8.codepoint(string.rep("a", 9e5), 1, -1)) == 900000)
        "#);
    }

    #[test]
    fn offset_moves_by_characters() {
        run(r#"
            local s = "a\u{E9}\u{20AC}b"
            assert(utf8.offset(s, 1) == 1 and utf8.offset(s, 2) == 2)
            assert(utf8.offset(s, 3) == 4 and utf8.offset(s, 4) == 7)
            assert(utf8.offset(s, 5) == 8 and utf8.offset(s, 6) == nil)
            assert(utf8.offset(s, -1) == 7 and utf8.offset(s, -4) == 1)
            assert(utf8.offset(s, -5) == nil)
            assert(utf8.offset(s, 0, 6) == 4)
        "#);
        assert!(run_err("utf8.offset('\\u{E9}', 1, 2)")
            .contains("initial position is a continuation byte"));
        assert!(run_err("utf8.offset('abc', 1, 5)")
            .contains("bad argument #3 to 'offset' (position out of bounds)"));
    }

    #[test]
    fn codes_iterates_and_rejects_invalid() {
        run(r#"
            local got = {}
            for p, c in utf8.codes("a\u{E9}\u{10000}") do got[#got + 1] = p .. ":" .. c end
            assert(table.concat(got, " ") == "1:97 2:233 4:65536")
            local n = 0
            for _, c in utf8.codes("\u{D800}", true) do n = n + 1; assert(c == 0xD800) end
            assert(n == 1)
            local f = utf8.codes("")
            assert(f("", 2) == nil and f("", -1) == nil and f("abc", 1) == 2)
        "#);
        assert!(run_err("for _ in utf8.codes('ab\\xFF') do end").contains("invalid UTF-8 code"));
        assert!(run_err("for _ in utf8.codes('\\u{D800}') do end").contains("invalid UTF-8 code"));
    }
}

//! Lua numerals: string → number conversion shared by the lexer, `tonumber` and coercions.
//!
//! The rules follow Lua 5.4's `lua_stringtonumber`: surrounding whitespace is allowed, an
//! integer is tried first (decimal integers that overflow fall back to floats, hexadecimal
//! integers wrap around modulo 2^64), then a float (decimal or hexadecimal, never `inf`/`nan`).

/// A converted numeral: Lua keeps integers and floats distinct.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Numeral {
    Int(i64),
    Float(f64),
}

/// C's `isspace` in the "C" locale, which is what Lua uses.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_value(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// Converts a whole string to a Lua number, or `None` if it is not a valid numeral.
pub fn str_to_number(s: &[u8]) -> Option<Numeral> {
    if let Some(i) = str_to_int(s) {
        return Some(Numeral::Int(i));
    }
    str_to_float(s).map(Numeral::Float)
}

/// Strips leading and trailing whitespace.
fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !is_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// Splits an optional sign off the front; returns (is_negative, rest).
fn split_sign(s: &[u8]) -> (bool, &[u8]) {
    match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn strip_hex_prefix(s: &[u8]) -> Option<&[u8]> {
    if s.len() >= 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X') {
        Some(&s[2..])
    } else {
        None
    }
}

/// Lua's `l_str2int`: decimal integers that do not fit are rejected (so they become floats);
/// hexadecimal integers wrap around.
fn str_to_int(s: &[u8]) -> Option<i64> {
    let (neg, body) = split_sign(trim(s));
    let mut acc: u64 = 0;
    if let Some(digits) = strip_hex_prefix(body) {
        if digits.is_empty() {
            return None;
        }
        for &c in digits {
            acc = acc.wrapping_mul(16).wrapping_add(u64::from(hex_value(c)?));
        }
    } else {
        if body.is_empty() {
            return None;
        }
        // The magnitude may reach 2^63 only when negative (i64::MIN).
        let limit: u64 = if neg { 1 << 63 } else { i64::MAX as u64 };
        for &c in body {
            if !c.is_ascii_digit() {
                return None;
            }
            acc = acc
                .checked_mul(10)
                .and_then(|a| a.checked_add(u64::from(c - b'0')))
                .filter(|&a| a <= limit)?;
        }
    }
    let value = if neg { 0u64.wrapping_sub(acc) } else { acc };
    Some(value as i64)
}

/// Lua's `l_str2d`: a decimal or hexadecimal float as C's `strtod` reads it, minus `inf`/`nan`.
fn str_to_float(s: &[u8]) -> Option<f64> {
    let (neg, body) = split_sign(trim(s));
    let magnitude = match strip_hex_prefix(body) {
        Some(hex) => hex_float(hex)?,
        None => decimal_float(body)?,
    };
    Some(if neg { -magnitude } else { magnitude })
}

/// `digits [. digits] [(e|E) [sign] digits]` with at least one mantissa digit.
fn decimal_float(s: &[u8]) -> Option<f64> {
    let mut i = 0;
    let int_digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits == 0 {
            return None;
        }
        i += exp_digits;
    }
    if i != s.len() {
        return None;
    }
    // The syntax is checked above, and Rust's parser rounds correctly like glibc's strtod.
    std::str::from_utf8(s).ok()?.parse::<f64>().ok()
}

/// `hexdigits [. hexdigits] [(p|P) [sign] digits]` (after `0x`), correctly rounded.
fn hex_float(s: &[u8]) -> Option<f64> {
    // Value = (mantissa + sticky fraction) * 2^exp2.
    let mut mantissa: u64 = 0;
    let mut sticky = false;
    let mut exp2: i64 = 0;
    let mut any_digit = false;
    let mut seen_dot = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if let Some(d) = hex_value(c) {
            any_digit = true;
            if mantissa >> 60 == 0 {
                mantissa = mantissa * 16 + u64::from(d);
                if seen_dot {
                    exp2 -= 4;
                }
            } else {
                // No room for more bits: remember only whether anything non-zero was lost.
                sticky |= d != 0;
                if !seen_dot {
                    exp2 += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        i += 1;
        let (exp_neg, rest) = split_sign(&s[i..]);
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let mut e: i64 = 0;
        for &c in &rest[..digits] {
            e = (e * 10 + i64::from(c - b'0')).min(1 << 40);
        }
        exp2 += if exp_neg { -e } else { e };
        i = s.len() - rest.len() + digits;
    }
    if i != s.len() {
        return None;
    }
    Some(round_to_f64(mantissa, sticky, exp2))
}

/// Rounds `(mantissa + sticky) * 2^exp2` to the nearest f64, ties to even.
fn round_to_f64(mantissa: u64, sticky: bool, exp2: i64) -> f64 {
    if mantissa == 0 {
        return 0.0;
    }
    let shift = mantissa.leading_zeros();
    let m = mantissa << shift;
    let exp2 = exp2 - i64::from(shift);
    // The value is in [2^top, 2^(top+1)).
    let top = exp2 + 63;
    if top > 1023 {
        return f64::INFINITY;
    }
    // Significant bits the result can hold: 53 for normals, fewer for subnormals.
    let bits = if top >= -1022 { 53 } else { 53 - (-1022 - top) };
    if bits < 0 {
        return 0.0;
    }
    let drop = (64 - bits) as u32;
    let wide = u128::from(m);
    let mut kept = wide >> drop;
    let rest = wide & ((1u128 << drop) - 1);
    let half = 1u128 << (drop - 1);
    if rest > half || (rest == half && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    // `kept` has at most 54 bits, so it converts exactly; scale in two exact steps.
    let scale = exp2 + i64::from(drop);
    ldexp(kept as f64, scale)
}

/// `x * 2^e`, exact whenever the result is representable.
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    let step = |k: i64| f64::from_bits(((k + 1023) as u64) << 52);
    while e > 1000 {
        x *= step(1000);
        e -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1000 {
        x *= step(-1000);
        e += 1000;
        if x == 0.0 {
            return x;
        }
    }
    x * step(e)
}

/// `tonumber(s, base)`: an integer in `base` (2..=36) with optional whitespace and sign.
/// Wraps around on overflow like Lua. `None` for an invalid numeral or base.
pub fn parse_int_base(s: &[u8], base: u32) -> Option<i64> {
    if !(2..=36).contains(&base) {
        return None;
    }
    let (neg, digits) = split_sign(trim(s));
    if digits.is_empty() {
        return None;
    }
    let mut acc: u64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(36)?;
        if d >= base {
            return None;
        }
        acc = acc.wrapping_mul(u64::from(base)).wrapping_add(u64::from(d));
    }
    Some(if neg { 0u64.wrapping_sub(acc) } else { acc } as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Option<Numeral> {
        str_to_number(s.as_bytes())
    }
    fn int(s: &str) -> Option<Numeral> {
        Some(Numeral::Int(s.parse().unwrap()))
    }
    fn float(f: f64) -> Option<Numeral> {
        Some(Numeral::Float(f))
    }

    #[test]
    fn integers() {
        assert_eq!(num("0"), int("0"));
        assert_eq!(num("  42  "), int("42"));
        assert_eq!(num("\t\n-7\x0b\x0c\r"), int("-7"));
        assert_eq!(num("+7"), int("7"));
        assert_eq!(num("9223372036854775807"), int("9223372036854775807"));
        assert_eq!(num("-9223372036854775808"), int("-9223372036854775808"));
        assert_eq!(num("007"), int("7"));
    }

    #[test]
    fn overflowing_decimal_becomes_float() {
        assert_eq!(num("9223372036854775808"), float(9223372036854775808.0));
        assert_eq!(num("-9223372036854775809"), float(-9223372036854775809.0));
        assert_eq!(
            num("100000000000000000000000"),
            float(100000000000000000000000.0)
        );
    }

    #[test]
    fn hex_integers_wrap() {
        assert_eq!(num("0x10"), int("16"));
        assert_eq!(num("0XfF"), int("255"));
        assert_eq!(num("0xffffffffffffffff"), int("-1"));
        assert_eq!(num("0x7fffffffffffffff"), int("9223372036854775807"));
        assert_eq!(num("0x10000000000000000"), int("0"));
        assert_eq!(num("0x1ffffffffffffffff"), int("-1"));
        assert_eq!(num("-0x1"), int("-1"));
        assert_eq!(num(" 0x1 "), int("1"));
    }

    #[test]
    fn decimal_floats() {
        assert_eq!(num("1.5"), float(1.5));
        assert_eq!(num(".5"), float(0.5));
        assert_eq!(num("5."), float(5.0));
        assert_eq!(num("1e2"), float(100.0));
        assert_eq!(num("1E+2"), float(100.0));
        assert_eq!(num("1e-2"), float(0.01));
        assert_eq!(num("-2.5e3 "), float(-2500.0));
        assert_eq!(num("0.1"), float(0.1));
        assert_eq!(num("1e400"), float(f64::INFINITY));
        assert_eq!(num("1e-400"), float(0.0));
        assert_eq!(
            num("2.2250738585072014e-308"),
            float(2.2250738585072014e-308)
        );
    }

    #[test]
    fn hex_floats() {
        assert_eq!(num("0x1p4"), float(16.0));
        assert_eq!(num("0x.8"), float(0.5));
        assert_eq!(num("0xA.8p-1"), float(5.25));
        assert_eq!(num("0x1P-2"), float(0.25));
        assert_eq!(num("0x8."), float(8.0));
        assert_eq!(num("-0x1p+1"), float(-2.0));
        assert_eq!(num("0x1p-1074"), float(f64::from_bits(1)));
        assert_eq!(num("0x1p-1075"), float(0.0));
        assert_eq!(num("0x1.8p-1075"), float(f64::from_bits(1)));
        assert_eq!(num("0x1p1024"), float(f64::INFINITY));
        assert_eq!(num("0x1p1023"), float(2f64.powi(1023)));
        // More digits than fit in 64 bits: correctly rounded.
        assert_eq!(num("0x1.00000000000008p0"), float(1.0));
        assert_eq!(num("0x1.000000000000080001p0"), float(1.0 + f64::EPSILON));
        assert_eq!(num("0x1.00000000000018p0"), float(1.0 + 2.0 * f64::EPSILON));
        assert_eq!(
            num("0x123456789abcdef0123.8p0"),
            float(0x0123_4567_89ab_cdef_0123_u128 as f64)
        );
        assert_eq!(num("0x0.0000000000001p-1022"), float(f64::from_bits(1)));
    }

    #[test]
    fn rejected() {
        for s in [
            "", " ", "-", "+", ".", "e1", "1e", "1e+", "0x", "0x.", "0xp1", "0x1p", "1..2",
            "1.2.3", "inf", "-inf", "nan", "infinity", "1 2", "12abc", "0xg", "--1", "+-1",
            "1\x001", "0x1.8n", "١",
        ] {
            assert_eq!(num(s), None, "{s:?}");
        }
    }

    #[test]
    fn base_conversion() {
        let p = |s: &str, b| parse_int_base(s.as_bytes(), b);
        assert_eq!(p("ff", 16), Some(255));
        assert_eq!(p("  -ZZ ", 36), Some(-1295));
        assert_eq!(p("+101", 2), Some(5));
        assert_eq!(p("2", 2), None);
        assert_eq!(p("", 10), None);
        assert_eq!(p("-", 10), None);
        assert_eq!(p("1 1", 10), None);
        assert_eq!(p("7fffffffffffffff", 16), Some(i64::MAX));
        assert_eq!(p("ffffffffffffffff", 16), Some(-1));
        assert_eq!(p("10", 37), None);
        assert_eq!(p("1.0", 10), None);
    }
}

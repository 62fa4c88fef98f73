//! The engine behind `string.format` and float `tostring`, on plain bytes
//! and numbers (no VM types).
//!
//! Lua 5.4 hands each conversion to C's `printf` after checking it; here the
//! `printf` part is done by hand on top of Rust's exact float formatting, so
//! results match glibc's byte for byte (rounding is round-half-even on the
//! exact binary value in both).
//!
//! The glue walks [`pieces`]: literals are copied; for each [`RawSpec`] it
//! checks that an argument exists ("no value"), calls [`RawSpec::parse`],
//! converts the argument to the kind [`Conversion::argument`] asks for, and
//! calls [`Spec::format`]. That order reproduces which error Lua reports first.

use std::fmt;

/// Flags Lua lets through `getformat` (`L_FMTFLAGSF`).
const ALL_FLAGS: &[u8] = b"-+ #0";

/// A spec longer than this (flags, digits and conversion) is "too long"
/// (Lua's `MAX_FORMAT - 10`).
const MAX_SPEC_LEN: usize = 22;

/// A `string.format` error; `Display` gives Lua's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// Unknown conversion; holds the spec as Lua prints it (`%10y`).
    InvalidConversion(Vec<u8>),
    /// Flags, width or precision not allowed for the conversion.
    InvalidSpecification(Vec<u8>),
    /// Flags and digits run longer than Lua's buffer.
    TooLong,
    /// `%q` with flags, width or precision.
    QuoteModifiers,
    /// `%s` with modifiers given a string with a zero byte. Lua reports this
    /// as an argument error: "bad argument #n to 'format' (string contains zeros)".
    StringContainsZeros,
    /// The glue passed an argument of the wrong kind for the conversion
    /// (see [`Conversion::argument`]); a bug in the caller, not in the input.
    WrongArgumentKind,
}

impl FormatError {
    /// True for errors Lua raises as "bad argument #n to 'format' (...)".
    pub fn is_argument_error(&self) -> bool {
        matches!(self, FormatError::StringContainsZeros)
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::InvalidConversion(form) => write!(
                f,
                "invalid conversion '{}' to 'format'",
                String::from_utf8_lossy(form)
            ),
            FormatError::InvalidSpecification(form) => write!(
                f,
                "invalid conversion specification: '{}'",
                String::from_utf8_lossy(form)
            ),
            FormatError::TooLong => f.write_str("invalid format (too long)"),
            FormatError::QuoteModifiers => f.write_str("specifier '%q' cannot have modifiers"),
            FormatError::StringContainsZeros => f.write_str("string contains zeros"),
            FormatError::WrongArgumentKind => {
                f.write_str("internal error: wrong argument kind for format conversion")
            }
        }
    }
}

impl std::error::Error for FormatError {}

/// One piece of a format string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Bytes to copy (`%%` yields `"%"`).
    Literal(&'a [u8]),
    /// A conversion that consumes one argument.
    Spec(RawSpec<'a>),
}

/// A conversion spec not yet checked: the bytes after `%`, up to and
/// including the conversion character (which may be missing at the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawSpec<'a> {
    text: &'a [u8],
}

/// Splits a format string into pieces, lazily like Lua (an error in a later
/// spec is only seen when that spec is parsed).
pub fn pieces(format: &[u8]) -> Pieces<'_> {
    Pieces { format, pos: 0 }
}

/// Iterator returned by [`pieces`].
#[derive(Debug, Clone)]
pub struct Pieces<'a> {
    format: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        let rest = self.format.get(self.pos..).filter(|r| !r.is_empty())?;
        if rest[0] != b'%' {
            let len = rest.iter().position(|&b| b == b'%').unwrap_or(rest.len());
            self.pos += len;
            return Some(Piece::Literal(&rest[..len]));
        }
        if rest.get(1) == Some(&b'%') {
            self.pos += 2;
            return Some(Piece::Literal(&rest[1..2]));
        }
        let body = &rest[1..];
        let len = (spec_prefix_len(body) + 1).min(body.len());
        self.pos += 1 + len;
        Some(Piece::Spec(RawSpec { text: &body[..len] }))
    }
}

/// Length of the run of flags, digits and dots before the conversion character.
fn spec_prefix_len(text: &[u8]) -> usize {
    text.iter()
        .position(|&b| !(ALL_FLAGS.contains(&b) || b.is_ascii_digit() || b == b'.'))
        .unwrap_or(text.len())
}

/// What a conversion does with its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// `%c`: an integer as one byte.
    Char,
    /// `%d`, `%i`.
    Decimal,
    /// `%u`: the integer's bits as unsigned.
    Unsigned,
    /// `%o`.
    Octal,
    /// `%x`.
    Hex,
    /// `%X`.
    HexUpper,
    /// `%a`.
    HexFloat,
    /// `%A`.
    HexFloatUpper,
    /// `%e`.
    Exp,
    /// `%E`.
    ExpUpper,
    /// `%f`.
    Fixed,
    /// `%g`.
    General,
    /// `%G`.
    GeneralUpper,
    /// `%p`: a value's address.
    Pointer,
    /// `%q`: a Lua literal.
    Quoted,
    /// `%s`.
    Str,
}

/// The argument kind the glue must supply for a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgumentKind {
    /// `luaL_checkinteger`: an integer, or a float with an exact integer value.
    Integer,
    /// `luaL_checknumber`.
    Number,
    /// `luaL_tolstring`: any value, converted with `tostring` rules.
    String,
    /// `lua_topointer`: the address of a GC object, none for other values.
    Pointer,
    /// `%q`: strings, integers and floats go to [`Spec::format`]; nil and
    /// booleans are written as `tostring` would; anything else is the
    /// argument error "value has no literal form".
    Literal,
}

impl Conversion {
    fn from_byte(b: u8) -> Option<Conversion> {
        Some(match b {
            b'c' => Conversion::Char,
            b'd' | b'i' => Conversion::Decimal,
            b'u' => Conversion::Unsigned,
            b'o' => Conversion::Octal,
            b'x' => Conversion::Hex,
            b'X' => Conversion::HexUpper,
            b'a' => Conversion::HexFloat,
            b'A' => Conversion::HexFloatUpper,
            b'e' => Conversion::Exp,
            b'E' => Conversion::ExpUpper,
            b'f' => Conversion::Fixed,
            b'g' => Conversion::General,
            b'G' => Conversion::GeneralUpper,
            b'p' => Conversion::Pointer,
            b'q' => Conversion::Quoted,
            b's' => Conversion::Str,
            _ => return None,
        })
    }

    pub fn argument(self) -> ArgumentKind {
        match self {
            Conversion::Char
            | Conversion::Decimal
            | Conversion::Unsigned
            | Conversion::Octal
            | Conversion::Hex
            | Conversion::HexUpper => ArgumentKind::Integer,
            Conversion::HexFloat
            | Conversion::HexFloatUpper
            | Conversion::Exp
            | Conversion::ExpUpper
            | Conversion::Fixed
            | Conversion::General
            | Conversion::GeneralUpper => ArgumentKind::Number,
            Conversion::Pointer => ArgumentKind::Pointer,
            Conversion::Quoted => ArgumentKind::Literal,
            Conversion::Str => ArgumentKind::String,
        }
    }

    /// The flags Lua accepts and whether a precision is allowed (`checkformat`).
    fn allowed(self) -> (&'static [u8], bool) {
        match self {
            Conversion::Char | Conversion::Pointer => (b"-", false),
            Conversion::Str => (b"-", true),
            Conversion::Decimal => (b"-+ 0", true),
            Conversion::Unsigned => (b"-0", true),
            Conversion::Octal | Conversion::Hex | Conversion::HexUpper => (b"-#0", true),
            _ => (ALL_FLAGS, true),
        }
    }

    fn is_upper(self) -> bool {
        matches!(
            self,
            Conversion::HexUpper
                | Conversion::HexFloatUpper
                | Conversion::ExpUpper
                | Conversion::GeneralUpper
        )
    }
}

/// `printf` flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// `-`: pad on the right.
    pub left: bool,
    /// `+`: always a sign.
    pub plus: bool,
    /// ` `: a space where a plus sign would go.
    pub space: bool,
    /// `#`: alternate form.
    pub alt: bool,
    /// `0`: pad with zeros after the sign.
    pub zero: bool,
}

/// A parsed conversion spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec<'a> {
    text: &'a [u8],
    pub conversion: Conversion,
    pub flags: Flags,
    pub width: usize,
    pub precision: Option<usize>,
}

/// A `string.format` argument, already converted as [`Conversion::argument`] says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'b> {
    Integer(i64),
    Float(f64),
    Str(&'b [u8]),
    /// An address for `%p`; `None` prints `(null)`.
    Pointer(Option<usize>),
}

impl<'a> RawSpec<'a> {
    /// The spec as Lua quotes it in messages: `%` plus the text, cut at a zero byte.
    fn form(&self) -> Vec<u8> {
        let mut form = vec![b'%'];
        form.extend(self.text.iter().take_while(|&&b| b != 0));
        form
    }

    /// Finds the conversion (Lua's `getformat` and the conversion switch).
    /// Flags, width and precision are checked later, by [`Spec::format`].
    pub fn parse(&self) -> Result<Spec<'a>, FormatError> {
        let prefix = spec_prefix_len(self.text);
        if prefix + 1 >= MAX_SPEC_LEN {
            return Err(FormatError::TooLong);
        }
        let conversion = self
            .text
            .get(prefix)
            .and_then(|&b| Conversion::from_byte(b))
            .ok_or_else(|| FormatError::InvalidConversion(self.form()))?;
        if conversion == Conversion::Quoted && prefix > 0 {
            return Err(FormatError::QuoteModifiers);
        }
        // Read flags, width and precision the way printf would; `check`
        // rejects anything Lua would not pass to printf.
        let modifiers = &self.text[..prefix];
        let mut i = 0;
        let mut flags = Flags::default();
        while let Some(&b) = modifiers.get(i).filter(|b| ALL_FLAGS.contains(b)) {
            match b {
                b'-' => flags.left = true,
                b'+' => flags.plus = true,
                b' ' => flags.space = true,
                b'#' => flags.alt = true,
                _ => flags.zero = true,
            }
            i += 1;
        }
        let (width, used) = read_number(&modifiers[i..]);
        i += used;
        let mut precision = None;
        if modifiers.get(i) == Some(&b'.') {
            let (p, _) = read_number(&modifiers[i + 1..]);
            precision = Some(p);
        }
        Ok(Spec {
            text: self.text,
            conversion,
            flags,
            width,
            precision,
        })
    }
}

/// Leading decimal digits of `bytes` (saturating) and how many there were.
fn read_number(bytes: &[u8]) -> (usize, usize) {
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let value = bytes[..digits].iter().fold(0usize, |n, &d| {
        n.saturating_mul(10).saturating_add(usize::from(d - b'0'))
    });
    (value, digits)
}

impl Spec<'_> {
    /// Lua's `checkformat`: only the allowed flags, then at most two width
    /// digits (not starting with 0), then `.` and at most two precision digits.
    fn check(&self) -> Result<(), FormatError> {
        let (allowed, precision_ok) = self.conversion.allowed();
        let text = self.text;
        let mut i = text.iter().take_while(|b| allowed.contains(b)).count();
        let two_digits = |mut i: usize| {
            for _ in 0..2 {
                if text.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            i
        };
        if text.get(i) != Some(&b'0') {
            i = two_digits(i);
            if text.get(i) == Some(&b'.') && precision_ok {
                i = two_digits(i + 1);
            }
        }
        if text.get(i).is_some_and(u8::is_ascii_alphabetic) {
            Ok(())
        } else {
            Err(FormatError::InvalidSpecification(
                RawSpec { text: self.text }.form(),
            ))
        }
    }

    fn has_modifiers(&self) -> bool {
        self.text.len() > 1
    }

    /// Appends the formatted argument to `out`.
    pub fn format(&self, arg: Arg<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        use Conversion as C;
        match (self.conversion, arg) {
            (C::Quoted, Arg::Integer(n)) => quote_integer(n, out),
            (C::Quoted, Arg::Float(x)) => quote_float(x, out),
            (C::Quoted, Arg::Str(s)) => quote_string(s, out),
            (C::Str, Arg::Str(s)) => {
                if !self.has_modifiers() {
                    out.extend_from_slice(s);
                    return Ok(());
                }
                if s.contains(&0) {
                    return Err(FormatError::StringContainsZeros);
                }
                self.check()?;
                let shown = match self.precision {
                    Some(p) => &s[..p.min(s.len())],
                    None => s,
                };
                self.pad(out, b"", shown, false);
            }
            (C::Pointer, Arg::Pointer(address)) => {
                self.check()?;
                let text = match address {
                    Some(a) => format!("0x{a:x}"),
                    None => "(null)".to_string(),
                };
                self.pad(out, b"", text.as_bytes(), false);
            }
            (C::Char, Arg::Integer(n)) => {
                self.check()?;
                // C converts the int to unsigned char.
                self.pad(out, b"", &[n as u8], false);
            }
            (C::Decimal | C::Unsigned | C::Octal | C::Hex | C::HexUpper, Arg::Integer(n)) => {
                self.check()?;
                self.format_integer(n, out);
            }
            (
                C::HexFloat
                | C::HexFloatUpper
                | C::Exp
                | C::ExpUpper
                | C::Fixed
                | C::General
                | C::GeneralUpper,
                Arg::Float(_) | Arg::Integer(_),
            ) => {
                self.check()?;
                let x = match arg {
                    Arg::Integer(n) => n as f64,
                    Arg::Float(x) => x,
                    _ => return Err(FormatError::WrongArgumentKind),
                };
                self.format_float(x, out);
            }
            _ => return Err(FormatError::WrongArgumentKind),
        }
        Ok(())
    }

    /// Pads `prefix` + `body` to the width. Zero padding goes between them.
    fn pad(&self, out: &mut Vec<u8>, prefix: &[u8], body: &[u8], zero_allowed: bool) {
        let fill = self.width.saturating_sub(prefix.len() + body.len());
        if self.flags.left {
            out.extend_from_slice(prefix);
            out.extend_from_slice(body);
            out.resize(out.len() + fill, b' ');
        } else if self.flags.zero && zero_allowed {
            out.extend_from_slice(prefix);
            out.resize(out.len() + fill, b'0');
            out.extend_from_slice(body);
        } else {
            out.resize(out.len() + fill, b' ');
            out.extend_from_slice(prefix);
            out.extend_from_slice(body);
        }
    }

    /// The sign prefix of a number.
    fn sign(&self, negative: bool) -> &'static [u8] {
        if negative {
            b"-"
        } else if self.flags.plus {
            b"+"
        } else if self.flags.space {
            b" "
        } else {
            b""
        }
    }

    fn format_integer(&self, n: i64, out: &mut Vec<u8>) {
        let bits = n as u64;
        let mut prefix: Vec<u8> = Vec::new();
        let mut digits = match self.conversion {
            Conversion::Decimal => {
                prefix.extend_from_slice(self.sign(n < 0));
                n.unsigned_abs().to_string()
            }
            Conversion::Unsigned => bits.to_string(),
            Conversion::Octal => format!("{bits:o}"),
            Conversion::Hex => format!("{bits:x}"),
            _ => format!("{bits:X}"),
        };
        match self.precision {
            // An explicit zero precision prints no digits for zero.
            Some(0) if n == 0 => digits.clear(),
            Some(p) if p > digits.len() => {
                digits.insert_str(0, &"0".repeat(p - digits.len()));
            }
            _ => {}
        }
        if self.flags.alt {
            match self.conversion {
                Conversion::Octal if !digits.starts_with('0') => digits.insert(0, '0'),
                Conversion::Hex if n != 0 => prefix.extend_from_slice(b"0x"),
                Conversion::HexUpper if n != 0 => prefix.extend_from_slice(b"0X"),
                _ => {}
            }
        }
        self.pad(out, &prefix, digits.as_bytes(), self.precision.is_none());
    }

    fn format_float(&self, x: f64, out: &mut Vec<u8>) {
        let upper = self.conversion.is_upper();
        let mut prefix = self.sign(x.is_sign_negative()).to_vec();
        if !x.is_finite() {
            let text = match (x.is_nan(), upper) {
                (true, false) => "nan",
                (true, true) => "NAN",
                (false, false) => "inf",
                (false, true) => "INF",
            };
            self.pad(out, &prefix, text.as_bytes(), false);
            return;
        }
        let abs = x.abs();
        let alt = self.flags.alt;
        let body = match self.conversion {
            Conversion::Fixed => fixed(abs, self.precision.unwrap_or(6), alt),
            Conversion::Exp | Conversion::ExpUpper => {
                exponential(abs, self.precision.unwrap_or(6), alt)
            }
            Conversion::General | Conversion::GeneralUpper => {
                general(abs, self.precision.unwrap_or(6), alt)
            }
            _ => {
                prefix.extend_from_slice(if upper { b"0X" } else { b"0x" });
                hex_float(abs, self.precision, alt)
            }
        };
        let body = if upper {
            body.to_ascii_uppercase()
        } else {
            body
        };
        self.pad(out, &prefix, body.as_bytes(), true);
    }
}

/// `%.*f` of a finite non-negative number.
fn fixed(abs: f64, precision: usize, alt: bool) -> String {
    let mut s = format!("{abs:.precision$}");
    if alt && precision == 0 {
        s.push('.');
    }
    s
}

/// Rust's `{:.*e}` split into mantissa and decimal exponent.
fn rust_exponential(abs: f64, precision: usize) -> (String, i32) {
    let mut s = format!("{abs:.precision$e}");
    match s.find('e') {
        Some(at) => {
            let exp = s[at + 1..].parse().unwrap_or(0);
            s.truncate(at);
            (s, exp)
        }
        None => (s, 0),
    }
}

/// C's exponent suffix: `e`, a sign, at least two digits.
fn push_exponent(s: &mut String, exp: i32) {
    s.push('e');
    s.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        s.push('0');
    }
    let mut buf = [0; 20];
    let digits = crate::runtime::ops::integer_digits(i64::from(e), &mut buf);
    s.push_str(std::str::from_utf8(digits).unwrap_or("0"));
}

/// The `%f` form of a number whose `%e` form is `mantissa`e`exp`, with as many decimals
/// as keep the mantissa's significant digits (`P - 1 - exp` for `P` digits). Rounding to
/// that many decimals rounds at the same digit as the `%e` form did (and a carry there
/// makes the value exactly `10^exp`, which the coarser position rounds to as well), so
/// the digits can be reused instead of formatting the number a second time.
fn fixed_from_mantissa(mantissa: &str, exp: i32) -> String {
    let digits = mantissa.bytes().filter(|&b| b != b'.');
    let mut s = String::with_capacity(mantissa.len() + 6);
    if exp < 0 {
        s.push_str("0.");
        for _ in 1..exp.unsigned_abs() {
            s.push('0');
        }
        s.extend(digits.map(char::from));
    } else {
        let int_len = exp as usize + 1;
        for (i, d) in digits.enumerate() {
            if i == int_len {
                s.push('.');
            }
            s.push(char::from(d));
        }
    }
    s
}

/// `%.*e` of a finite non-negative number.
fn exponential(abs: f64, precision: usize, alt: bool) -> String {
    let (mut s, exp) = rust_exponential(abs, precision);
    if alt && precision == 0 {
        s.push('.');
    }
    push_exponent(&mut s, exp);
    s
}

/// `%.*g` of a finite non-negative number: `%e` or `%f` by the exponent the
/// `%e` form would have, then trailing zeros removed unless `#`.
fn general(abs: f64, precision: usize, alt: bool) -> String {
    let p = precision.max(1);
    let (mantissa, exp) = rust_exponential(abs, p - 1);
    let exp = if abs == 0.0 { 0 } else { exp };
    let p_i = p as i64;
    let exp_i = i64::from(exp);
    let (mut digits, suffix) = if exp_i >= -4 && exp_i < p_i {
        (fixed_from_mantissa(&mantissa, exp), None)
    } else if alt && exp_i == p_i && rounding_reached_power_of_ten(abs, exp) {
        // glibc quirk: it picks the style from the unrounded exponent (f style
        // with no decimals here), and when rounding carries the value up to
        // 10^P it switches to e style but keeps zero decimals: "1.e+05".
        ("1".to_string(), Some(exp))
    } else {
        (mantissa, Some(exp))
    };
    if alt {
        if !digits.contains('.') {
            digits.push('.');
        }
    } else if digits.contains('.') {
        let trimmed = digits.trim_end_matches('0').trim_end_matches('.').len();
        digits.truncate(trimmed);
    }
    if let Some(exp) = suffix {
        push_exponent(&mut digits, exp);
    }
    digits
}

/// True when `abs` is below `10^exp`, i.e. its rounded `%e` form reached the
/// exponent `exp` only by carrying. 800 digits are enough for the exact
/// decimal expansion of any f64, so this exponent involves no rounding.
fn rounding_reached_power_of_ten(abs: f64, exp: i32) -> bool {
    rust_exponential(abs, 800).1 < exp
}

/// `%a` of a finite non-negative number, without the `0x` (glibc layout:
/// leading digit 1 for normal numbers, 0 for subnormals and zero; rounding
/// to the precision may carry the leading digit to 2).
fn hex_float(abs: f64, precision: Option<usize>, alt: bool) -> String {
    const MANTISSA_BITS: u32 = 52;
    const MANTISSA_DIGITS: usize = 13;
    let bits = abs.to_bits();
    let biased = (bits >> MANTISSA_BITS) as i32;
    let mantissa = bits & ((1 << MANTISSA_BITS) - 1);
    let (lead, exp) = match (biased, mantissa) {
        (0, 0) => (0u64, 0),
        (0, _) => (0, -1022),
        _ => (1, biased - 1023),
    };
    let mut value = (lead << MANTISSA_BITS) | mantissa;
    let digits = match precision {
        None => {
            let all = format!("{mantissa:013x}");
            all.trim_end_matches('0').to_string()
        }
        Some(p) if p >= MANTISSA_DIGITS => {
            format!("{mantissa:013x}{}", "0".repeat(p - MANTISSA_DIGITS))
        }
        Some(p) => {
            // Round half to even on the dropped bits.
            let shift = 4 * (MANTISSA_DIGITS - p) as u32;
            let rest = value & ((1 << shift) - 1);
            let half = 1 << (shift - 1);
            value >>= shift;
            if rest > half || (rest == half && value & 1 == 1) {
                value += 1;
            }
            let kept = value & ((1u64 << (4 * p)) - 1);
            value >>= 4 * p;
            if p == 0 {
                String::new()
            } else {
                format!("{kept:0width$x}", width = p)
            }
        }
    };
    let lead = match precision {
        Some(p) if p < MANTISSA_DIGITS => value,
        _ => lead,
    };
    let mut s = format!("{lead:x}");
    if !digits.is_empty() || alt {
        s.push('.');
    }
    s.push_str(&digits);
    s.push_str(&format!(
        "p{}{}",
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    ));
    s
}

/// `%q` of a string: a double-quoted Lua literal that reads back as the same bytes.
pub fn quote_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'"' | b'\\' | b'\n' => {
                out.push(b'\\');
                out.push(b);
            }
            0..=31 | 127 => {
                // Three digits only when a digit follows, so it reads back unambiguously.
                let next_is_digit = s.get(i + 1).is_some_and(u8::is_ascii_digit);
                let escaped = if next_is_digit {
                    format!("\\{b:03}")
                } else {
                    format!("\\{b}")
                };
                out.extend_from_slice(escaped.as_bytes());
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// `%q` of an integer: decimal, except the minimum integer, whose decimal
/// form would read back as a float.
pub fn quote_integer(n: i64, out: &mut Vec<u8>) {
    let text = if n == i64::MIN {
        format!("0x{:x}", n as u64)
    } else {
        n.to_string()
    };
    out.extend_from_slice(text.as_bytes());
}

/// `%q` of a float: hex float (exact), with inf and NaN as expressions.
pub fn quote_float(x: f64, out: &mut Vec<u8>) {
    let text = if x == f64::INFINITY {
        "1e9999".to_string()
    } else if x == f64::NEG_INFINITY {
        "-1e9999".to_string()
    } else if x.is_nan() {
        "(0/0)".to_string()
    } else {
        let sign = if x.is_sign_negative() { "-" } else { "" };
        format!("{sign}0x{}", hex_float(x.abs(), None, false))
    };
    out.extend_from_slice(text.as_bytes());
}

/// Lua's `tostring` of a float: `%.14g`, plus `.0` when that looks like an
/// integer. NaN prints as glibc does: `-nan` when its sign bit is set.
pub fn number_to_string(x: f64) -> String {
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let body = if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        "inf".to_string()
    } else {
        general(x.abs(), 14, false)
    };
    let mut s = format!("{sign}{body}");
    if s.bytes().all(|b| b == b'-' || b.is_ascii_digit()) {
        s.push_str(".0");
    }
    s
}

#[cfg(test)]
// Test floats are written as lua5.4 printed them with %.17g (exact round trip).
#[allow(clippy::excessive_precision, clippy::approx_constant)]
mod tests {
    use super::*;

    /// `string.format` as the glue would drive the engine; errors rendered as
    /// the generator script printed them.
    fn lua_format(format: &[u8], args: &[Arg<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut next_arg = args.iter();
        let mut arg_number = 1;
        for piece in pieces(format) {
            match piece {
                Piece::Literal(bytes) => out.extend_from_slice(bytes),
                Piece::Spec(raw) => {
                    arg_number += 1;
                    let Some(&arg) = next_arg.next() else {
                        return format!("error: arg {arg_number}: no value").into_bytes();
                    };
                    let result = raw.parse().and_then(|spec| spec.format(arg, &mut out));
                    match result {
                        Ok(()) => {}
                        Err(e) if e.is_argument_error() => {
                            return format!("error: arg {arg_number}: {e}").into_bytes()
                        }
                        Err(e) => return format!("error: {e}").into_bytes(),
                    }
                }
            }
        }
        out
    }

    // Expected outputs were produced by `lua5.4` (5.4.4, glibc) from the same
    // format strings and arguments.
    #[rustfmt::skip]
    const FORMAT_CASES: &[(&[u8], &[Arg<'static>], &[u8])] = &[
        (b"%5.2f|%-8x|%+d", &[Arg::Float(3.1415899999999999), Arg::Integer(255), Arg::Integer(7)], b" 3.14|ff      |+7"),
        (b"%d|%i|%5d|%-5d|%05d|%+d|% d|%+5d|%-+5d|% 05d", &[Arg::Integer(42), Arg::Integer(42), Arg::Integer(42), Arg::Integer(42), Arg::Integer(42), Arg::Integer(42), Arg::Integer(42), Arg::Integer(42), Arg::Integer(42), Arg::Integer(42)], b"42|42|   42|42   |00042|+42| 42|  +42|+42  | 0042"),
        (b"%d|%i|%5d|%-5d|%05d|%+d|% d|%+5d|%-+5d|% 05d", &[Arg::Integer(-42), Arg::Integer(-42), Arg::Integer(-42), Arg::Integer(-42), Arg::Integer(-42), Arg::Integer(-42), Arg::Integer(-42), Arg::Integer(-42), Arg::Integer(-42), Arg::Integer(-42)], b"-42|-42|  -42|-42  |-0042|-42|-42|  -42|-42  |-0042"),
        (b"%.3d|%.0d|%5.0d|%+.0d|%05.3d|%-5.3d|%.10d|%3.1d", &[Arg::Integer(5), Arg::Integer(0), Arg::Integer(0), Arg::Integer(0), Arg::Integer(42), Arg::Integer(42), Arg::Integer(-42), Arg::Integer(0)], b"005||     |+|  042|042  |-0000000042|  0"),
        (b"%d|%d|%d|%+d", &[Arg::Integer(i64::MIN), Arg::Integer(9223372036854775807), Arg::Integer(0), Arg::Integer(0)], b"-9223372036854775808|9223372036854775807|0|+0"),
        (b"%x|%X|%o|%x|%X|%o", &[Arg::Integer(255), Arg::Integer(255), Arg::Integer(8), Arg::Integer(-1), Arg::Integer(i64::MIN), Arg::Integer(-1)], b"ff|FF|10|ffffffffffffffff|8000000000000000|1777777777777777777777"),
        (b"%#x|%#X|%#o|%#x|%#o|%#.0o|%#.3o|%#5x|%#05x|%-#8x|", &[Arg::Integer(255), Arg::Integer(255), Arg::Integer(8), Arg::Integer(0), Arg::Integer(0), Arg::Integer(0), Arg::Integer(8), Arg::Integer(1), Arg::Integer(1), Arg::Integer(1)], b"0xff|0XFF|010|0|0|0|010|  0x1|0x001|0x1     |"),
        (b"%5x|%-5X|%08x|%.4x|%#010x|%.0x|%#.0x|%08.3x", &[Arg::Integer(255), Arg::Integer(255), Arg::Integer(255), Arg::Integer(255), Arg::Integer(255), Arg::Integer(0), Arg::Integer(0), Arg::Integer(255)], b"   ff|FF   |000000ff|00ff|0x000000ff|||     0ff"),
        (b"%u|%5u|%-5u|%05u|%.3u", &[Arg::Integer(-1), Arg::Integer(3), Arg::Integer(3), Arg::Integer(3), Arg::Integer(3)], b"18446744073709551615|    3|3    |00003|003"),
        (b"%c%c%c|%5c|%-5c|%c", &[Arg::Integer(72), Arg::Integer(105), Arg::Integer(289), Arg::Integer(65), Arg::Integer(65), Arg::Integer(0)], b"Hi!|    A|A    |\x00"),
        (b"%s|%10s|%-10s|%.2s|%5.1s|%.0s|%.10s|%s", &[Arg::Str(b"hello"), Arg::Str(b"hello"), Arg::Str(b"hello"), Arg::Str(b"hello"), Arg::Str(b"hello"), Arg::Str(b"hello"), Arg::Str(b"hi"), Arg::Str(b"")], b"hello|     hello|hello     |he|    h||hi|"),
        (b"%s|%s", &[Arg::Str(b"a\x00b"), Arg::Str(b"")], b"a\x00b|"),
        (b"%5s", &[Arg::Str(b"a\x00b")], b"error: arg 2: string contains zeros"),
        (b"%-99.99s|", &[Arg::Str(b"x")], b"x                                                                                                  |"),
        (b"%.3s", &[Arg::Str(b"\xc8\xc9\xca\xcb")], b"\xc8\xc9\xca"),
        (b"%f|%.0f|%.1f|%.10f|%10.3f|%-10.3f|%+.2f|% .2f|%010.2f|%-010.2f|%+010.2f", &[Arg::Float(3.1415926535897931), Arg::Float(3.1415926535897931), Arg::Float(3.1415926535897931), Arg::Float(3.1415926535897931), Arg::Float(3.1415926535897931), Arg::Float(3.1415926535897931), Arg::Float(3.1415926535897931), Arg::Float(3.1415926535897931), Arg::Float(-3.1415926535897931), Arg::Float(3.1415926535897931), Arg::Float(3.1415926535897931)], b"3.141593|3|3.1|3.1415926536|     3.142|3.142     |+3.14| 3.14|-000003.14|3.14      |+000003.14"),
        (b"%f|%f|%f|%.0f|%.0f|%.0f|%.0f|%#.0f|%.2f|%.2f", &[Arg::Float(0.0), Arg::Float(-0.0), Arg::Float(1e-10), Arg::Float(0.5), Arg::Float(1.5), Arg::Float(2.5), Arg::Float(-0.5), Arg::Float(2.0), Arg::Float(0.125), Arg::Float(0.375)], b"0.000000|-0.000000|0.000000|0|2|2|-0|2.|0.12|0.38"),
        (b"%f|%.3f|%f", &[Arg::Float(1000000000000000.0), Arg::Float(123456789.98765433), Arg::Float(9.2233720368547758e+18)], b"1000000000000000.000000|123456789.988|9223372036854775808.000000"),
        (b"%.99f", &[Arg::Float(0.33333333333333331)], b"0.333333333333333314829616256247390992939472198486328125000000000000000000000000000000000000000000000"),
        (b"%99.99f", &[Arg::Float(-1e+308)], b"-100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"),
        (b"%f", &[Arg::Float(1.0000000000000001e+300)], b"1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000000"),
        (b"%.20f", &[Arg::Float(0.10000000000000001)], b"0.10000000000000000555"),
        (b"%f", &[Arg::Float(4.9406564584124654e-324)], b"0.000000"),
        (b"%e|%.0e|%#.0e|%.3E|%12.4e|%-12.2e|%+e|%012.3e|% e", &[Arg::Float(12345.678), Arg::Float(12345.678), Arg::Float(12345.678), Arg::Float(0.00012300000000000001), Arg::Float(-1.5), Arg::Float(1.5), Arg::Float(0.0), Arg::Float(-0.001), Arg::Float(1.0)], b"1.234568e+04|1e+04|1.e+04|1.230E-04| -1.5000e+00|1.50e+00    |+0.000000e+00|-001.000e-03| 1.000000e+00"),
        (b"%e|%e|%e|%e|%.3e|%E", &[Arg::Float(1e+100), Arg::Float(1e-100), Arg::Float(1.0000000000000001e+300), Arg::Float(4.9406564584124654e-324), Arg::Float(9.9994999999999994), Arg::Float(1.7976931348623157e+308)], b"1.000000e+100|1.000000e-100|1.000000e+300|4.940656e-324|9.999e+00|1.797693E+308"),
        (b"%.0e|%.0e|%.1e|%.2e", &[Arg::Float(0.5), Arg::Float(2.5), Arg::Float(0.25), Arg::Float(1.125)], b"5e-01|2e+00|2.5e-01|1.12e+00"),
        (b"%g|%g|%g|%g|%g|%g|%g|%g", &[Arg::Float(0.0), Arg::Float(-0.0), Arg::Float(1.0), Arg::Float(100.0), Arg::Float(100000.0), Arg::Float(1000000.0), Arg::Float(0.0001), Arg::Float(1.0000000000000001e-05)], b"0|-0|1|100|100000|1e+06|0.0001|1e-05"),
        (b"%g|%g|%g|%g|%g|%g|%g", &[Arg::Integer(123456), Arg::Integer(1234567), Arg::Float(0.00012339999999999999), Arg::Float(1.234e-05), Arg::Float(123.456), Arg::Float(1e+100), Arg::Float(1e-100)], b"123456|1.23457e+06|0.0001234|1.234e-05|123.456|1e+100|1e-100"),
        (b"%g|%g|%g|%g|%g", &[Arg::Float(999999.5), Arg::Float(999999.40000000002), Arg::Float(9.9999994999999995), Arg::Float(9.9999994999999998e-05), Arg::Float(1000000000000000.0)], b"1e+06|999999|10|0.0001|1e+15"),
        (b"%.0g|%.1g|%.2g|%.3g|%.10g|%.17g|%.20g", &[Arg::Float(123.456), Arg::Float(123.456), Arg::Float(123.456), Arg::Float(123.456), Arg::Float(123.456), Arg::Float(0.10000000000000001), Arg::Float(0.10000000000000001)], b"1e+02|1e+02|1.2e+02|123|123.456|0.10000000000000001|0.10000000000000000555"),
        (b"%#g|%#.3g|%#g|%#.0g|%#g|%#.2g", &[Arg::Float(1.0), Arg::Float(100.0), Arg::Float(0.0), Arg::Float(5.0), Arg::Float(1e-10), Arg::Float(10000000000.0)], b"1.00000|100.|0.00000|5.|1.00000e-10|1.0e+10"),
        (b"%10g|%-10g|%+g|% g|%010g|%010.2g|%-+10g|", &[Arg::Float(1.5), Arg::Float(1.5), Arg::Float(1.5), Arg::Float(1.5), Arg::Float(-1.5), Arg::Float(1234.5), Arg::Float(0.001)], b"       1.5|1.5       |+1.5| 1.5|-0000001.5|0001.2e+03|+0.001    |"),
        (b"%G|%G|%G|%g", &[Arg::Float(1e-10), Arg::Float(1e+20), Arg::Float(1.5), Arg::Float(9007199254740992.0)], b"1E-10|1E+20|1.5|9.0072e+15"),
        (b"%.14g|%.14g|%.14g|%.14g|%.14g|%.14g", &[Arg::Float(1.0000000000000001e-05), Arg::Integer(123456789012345678), Arg::Float(0.30000000000000004), Arg::Float(0.33333333333333331), Arg::Float(9.9999999999999694e-311), Arg::Float(9.2233720368547758e+18)], b"1e-05|1.2345678901235e+17|0.3|0.33333333333333|1e-310|9.2233720368548e+18"),
        (b"%a|%A|%a|%a|%a", &[Arg::Float(1.0), Arg::Float(255.5), Arg::Float(0.0), Arg::Float(-0.0), Arg::Float(f64::INFINITY)], b"0x1p+0|0X1.FFP+7|0x0p+0|-0x0p+0|inf"),
        (b"%a|%a|%a|%a|%a", &[Arg::Float(0.10000000000000001), Arg::Float(4.9406564584124654e-324), Arg::Float(2.2250738585072014e-308), Arg::Float(1.1125369292536007e-308), Arg::Float(1.0000000000000001e+300)], b"0x1.999999999999ap-4|0x0.0000000000001p-1022|0x1p-1022|0x0.8p-1022|0x1.7e43c8800759cp+996"),
        (b"%A|%a|%a|%a", &[Arg::Float(-1e-300), Arg::Float(1.7976931348623157e+308), Arg::Float(0.5), Arg::Float(3.0)], b"-0X1.56E1FC2F8F359P-997|0x1.fffffffffffffp+1023|0x1p-1|0x1.8p+1"),
        (b"%.0a|%.1a|%.2a|%.3a|%.13a|%.20a", &[Arg::Float(1.5), Arg::Float(1.25), Arg::Float(1.9990000000000001), Arg::Float(0.10000000000000001), Arg::Float(0.10000000000000001), Arg::Float(0.10000000000000001)], b"0x2p+0|0x1.4p+0|0x2.00p+0|0x1.99ap-4|0x1.999999999999ap-4|0x1.999999999999a0000000p-4"),
        (b"%.0a|%.0a|%.1a|%.1a|%.1a|%.0a|%.0a", &[Arg::Float(2.5), Arg::Float(1.5), Arg::Float(1.96875), Arg::Float(1.09375), Arg::Float(1.03125), Arg::Float(3.5), Arg::Float(0.5)], b"0x1p+1|0x2p+0|0x2.0p+0|0x1.2p+0|0x1.0p+0|0x2p+1|0x1p-1"),
        (b"%.1a|%.3a|%.0a|%.2a", &[Arg::Float(4.9406564584124654e-324), Arg::Float(2.2249626048142763e-308), Arg::Float(1.1125369292536007e-308), Arg::Float(7.9050503334599447e-323)], b"0x0.0p-1022|0x1.000p-1022|0x0p-1022|0x0.00p-1022"),
        (b"%#.0a|%+a|% a|%020a|%-20a|%#a|%020A", &[Arg::Float(1.0), Arg::Float(1.0), Arg::Float(1.0), Arg::Float(1.0), Arg::Float(1.0), Arg::Float(1.0), Arg::Float(-0.10000000000000001)], b"0x1.p+0|+0x1p+0| 0x1p+0|0x000000000000001p+0|0x1p+0              |0x1.p+0|-0X1.999999999999AP-4"),
        (b"%a|%a|%A|%f|%f|%e|%g", &[Arg::Float(-f64::NAN), Arg::Float(f64::NAN), Arg::Float(-f64::NAN), Arg::Float(f64::INFINITY), Arg::Float(f64::NEG_INFINITY), Arg::Float(f64::INFINITY), Arg::Float(f64::NEG_INFINITY)], b"-nan|nan|-NAN|inf|-inf|inf|-inf"),
        (b"%05f|%-6f|%+f|%05.1f|%E|%G|%+g|% f", &[Arg::Float(f64::INFINITY), Arg::Float(f64::INFINITY), Arg::Float(f64::INFINITY), Arg::Float(-f64::NAN), Arg::Float(f64::INFINITY), Arg::Float(-f64::NAN), Arg::Float(f64::INFINITY), Arg::Float(f64::INFINITY)], b"  inf|inf   |+inf| -nan|INF|-NAN|+inf| inf"),
        (b"%d|%f|%g|%a", &[Arg::Integer(3), Arg::Integer(3), Arg::Integer(3), Arg::Integer(3)], b"3|3.000000|3|0x1.8p+1"),
        (b"%q", &[Arg::Str(b"a\"b\\c\x0ad\x0de\x00f\x01g\x001\x7f\xc8\xff \x09")], b"\"a\\\"b\\\\c\\\x0ad\\13e\\0f\\1g\\0001\\127\xc8\xff \\9\""),
        (b"%q|%q|%q", &[Arg::Str(b""), Arg::Str(b"\x00"), Arg::Str(b"\x009\x00a\x0d\x0a")], b"\"\"|\"\\0\"|\"\\0009\\0a\\13\\\x0a\""),
        (b"%q|%q|%q|%q|%q|%q", &[Arg::Integer(1), Arg::Integer(-5), Arg::Integer(i64::MIN), Arg::Integer(9223372036854775807), Arg::Float(1.5), Arg::Float(1.0)], b"1|-5|0x8000000000000000|9223372036854775807|0x1.8p+0|0x1p+0"),
        (b"%q|%q|%q|%q|%q|%q|%q", &[Arg::Float(f64::INFINITY), Arg::Float(f64::NEG_INFINITY), Arg::Float(-f64::NAN), Arg::Float(-0.0), Arg::Float(0.10000000000000001), Arg::Float(9.2233720368547758e+18), Arg::Float(-2.5000000000000171e-310)], b"1e9999|-1e9999|(0/0)|-0x0p+0|0x1.999999999999ap-4|0x1p+63|-0x0.02e055c9a3f6cp-1022"),
        (b"100%%|%%d|%%%d%%", &[Arg::Integer(5)], b"100%|%d|%5%"),
        (b"no specs", &[], b"no specs"),
        (b"", &[], b""),
        (b"%%", &[], b"%"),
        (b"%y", &[Arg::Integer(1)], b"error: invalid conversion '%y' to 'format'"),
        (b"%10.123d", &[Arg::Integer(1)], b"error: invalid conversion specification: '%10.123d'"),
        (b"%123d", &[Arg::Integer(1)], b"error: invalid conversion specification: '%123d'"),
        (b"%#d", &[Arg::Integer(1)], b"error: invalid conversion specification: '%#d'"),
        (b"%0.3s", &[Arg::Str(b"x")], b"error: invalid conversion specification: '%0.3s'"),
        (b"%5q", &[Arg::Str(b"x")], b"error: specifier '%q' cannot have modifiers"),
        (b"%-5q", &[Arg::Str(b"x")], b"error: specifier '%q' cannot have modifiers"),
        (b"%-----------------------------5d", &[Arg::Integer(1)], b"error: invalid format (too long)"),
        (b"%-+ #0-+ #0-+ #0-+ #01d", &[Arg::Integer(1)], b"error: invalid format (too long)"),
        (b"%-+ #0-+ #0-+ #0-+ #0d", &[Arg::Integer(1)], b"error: invalid conversion specification: '%-+ #0-+ #0-+ #0-+ #0d'"),
        (b"%", &[Arg::Integer(1)], b"error: invalid conversion '%' to 'format'"),
        (b"abc%", &[Arg::Integer(1)], b"error: invalid conversion '%' to 'format'"),
        (b"%.d|%5.d", &[Arg::Integer(1), Arg::Integer(1)], b"1|    1"),
        (b"%5", &[Arg::Integer(1)], b"error: invalid conversion '%5' to 'format'"),
        (b"%5.2y", &[Arg::Integer(1)], b"error: invalid conversion '%5.2y' to 'format'"),
        (b"%1.2.3f", &[Arg::Integer(1)], b"error: invalid conversion specification: '%1.2.3f'"),
        (b"%.3c", &[Arg::Integer(65)], b"error: invalid conversion specification: '%.3c'"),
        (b"%05c", &[Arg::Integer(65)], b"error: invalid conversion specification: '%05c'"),
        (b"%+x", &[Arg::Integer(255)], b"error: invalid conversion specification: '%+x'"),
        (b"% x", &[Arg::Integer(255)], b"error: invalid conversion specification: '% x'"),
        (b"%+u", &[Arg::Integer(1)], b"error: invalid conversion specification: '%+u'"),
        (b"%#u", &[Arg::Integer(1)], b"error: invalid conversion specification: '%#u'"),
        (b"%#c", &[Arg::Integer(65)], b"error: invalid conversion specification: '%#c'"),
        (b"%#5.2s", &[Arg::Str(b"x")], b"error: invalid conversion specification: '%#5.2s'"),
        (b"%05s", &[Arg::Str(b"x")], b"error: invalid conversion specification: '%05s'"),
        (b"%099d", &[Arg::Integer(1)], b"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"),
        (b"%100d", &[Arg::Integer(1)], b"error: invalid conversion specification: '%100d'"),
        (b"%.100f", &[Arg::Float(1.0)], b"error: invalid conversion specification: '%.100f'"),
        (b"%.99f|", &[Arg::Float(0.0)], b"0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000|"),
        (b"%F", &[Arg::Float(1.0)], b"error: invalid conversion '%F' to 'format'"),
        (b"%lld", &[Arg::Integer(1)], b"error: invalid conversion '%l' to 'format'"),
        (b"%hd", &[Arg::Integer(1)], b"error: invalid conversion '%h' to 'format'"),
        (b"%n", &[Arg::Integer(1)], b"error: invalid conversion '%n' to 'format'"),
        (b"%0-5d|%-+ 0#5.2f|%  5d", &[Arg::Integer(1), Arg::Float(1.0), Arg::Integer(1)], b"1    |+1.00|    1"),
        (b"%d %d", &[Arg::Integer(1)], b"error: arg 3: no value"),
        (b"%d", &[], b"error: arg 2: no value"),
        (b"%s %y", &[Arg::Str(b"x")], b"error: arg 3: no value"),
        (b"%s\x00%d", &[Arg::Str(b"a"), Arg::Integer(1)], b"a\x001"),
        (b"%\x00", &[Arg::Integer(1)], b"error: invalid conversion '%' to 'format'"),
        (b"%5\x00d", &[Arg::Integer(1)], b"error: invalid conversion '%5' to 'format'"),
        // glibc's %#g when rounding carries to 10^P ("1.e+05").
        (b"%#.3g %#.3g %#.3g %#.3g %#.3g %#.3g %#.3g %#.3g %#.3g %#.3g", &[Arg::Float(9.9999000000000002), Arg::Float(999.89999999999998), Arg::Float(99.989999999999995), Arg::Float(0.00099999000000000008), Arg::Float(9.9999000000000003e-05), Arg::Float(9.5), Arg::Float(0.94999999999999996), Arg::Float(99999.999989999997), Arg::Float(999999.5), Arg::Float(9999999.0)], b"10.0 1.e+03 100. 0.00100 0.000100 9.50 0.950 1.00e+05 1.00e+06 1.00e+07"),
        (b"%#.1g %#.1g %#.1g %#.1g %#.1g %#.1g %#.1g %#.1g %#.1g %#.1g", &[Arg::Float(9.9999000000000002), Arg::Float(999.89999999999998), Arg::Float(99.989999999999995), Arg::Float(0.00099999000000000008), Arg::Float(9.9999000000000003e-05), Arg::Float(9.5), Arg::Float(0.94999999999999996), Arg::Float(99999.999989999997), Arg::Float(999999.5), Arg::Float(9999999.0)], b"1.e+01 1.e+03 1.e+02 0.001 0.0001 1.e+01 0.9 1.e+05 1.e+06 1.e+07"),
        (b"%#.2g %#.2g %#.2g %#.2g %#.2g %#.2g %#.2g %#.2g %#.2g %#.2g", &[Arg::Float(9.9999000000000002), Arg::Float(999.89999999999998), Arg::Float(99.989999999999995), Arg::Float(0.00099999000000000008), Arg::Float(9.9999000000000003e-05), Arg::Float(9.5), Arg::Float(0.94999999999999996), Arg::Float(99999.999989999997), Arg::Float(999999.5), Arg::Float(9999999.0)], b"10. 1.0e+03 1.e+02 0.0010 0.00010 9.5 0.95 1.0e+05 1.0e+06 1.0e+07"),
        (b"%#.5g %#.5g %#.5g %#.5g %#.5g %#.5g %#.5g %#.5g %#.5g %#.5g", &[Arg::Float(9.9999000000000002), Arg::Float(999.89999999999998), Arg::Float(99.989999999999995), Arg::Float(0.00099999000000000008), Arg::Float(9.9999000000000003e-05), Arg::Float(9.5), Arg::Float(0.94999999999999996), Arg::Float(99999.999989999997), Arg::Float(999999.5), Arg::Float(9999999.0)], b"9.9999 999.90 99.990 0.00099999 9.9999e-05 9.5000 0.95000 1.e+05 1.0000e+06 1.0000e+07"),
        (b"%#g %#g %#g %#g %#g %#g %#g %#g %#g %#g", &[Arg::Float(9.9999000000000002), Arg::Float(999.89999999999998), Arg::Float(99.989999999999995), Arg::Float(0.00099999000000000008), Arg::Float(9.9999000000000003e-05), Arg::Float(9.5), Arg::Float(0.94999999999999996), Arg::Float(99999.999989999997), Arg::Float(999999.5), Arg::Float(9999999.0)], b"9.99990 999.900 99.9900 0.000999990 9.99990e-05 9.50000 0.950000 100000. 1.e+06 1.00000e+07"),
        (b"%#.3G %#.3G %#.3G %#.3G %#.3G %#.3G %#.3G %#.3G %#.3G %#.3G", &[Arg::Float(9.9999000000000002), Arg::Float(999.89999999999998), Arg::Float(99.989999999999995), Arg::Float(0.00099999000000000008), Arg::Float(9.9999000000000003e-05), Arg::Float(9.5), Arg::Float(0.94999999999999996), Arg::Float(99999.999989999997), Arg::Float(999999.5), Arg::Float(9999999.0)], b"10.0 1.E+03 100. 0.00100 0.000100 9.50 0.950 1.00E+05 1.00E+06 1.00E+07"),
        (b"%.3g %.3g %.3g %.3g %.3g %.3g %.3g %.3g %.3g %.3g", &[Arg::Float(9.9999000000000002), Arg::Float(999.89999999999998), Arg::Float(99.989999999999995), Arg::Float(0.00099999000000000008), Arg::Float(9.9999000000000003e-05), Arg::Float(9.5), Arg::Float(0.94999999999999996), Arg::Float(99999.999989999997), Arg::Float(999999.5), Arg::Float(9999999.0)], b"10 1e+03 100 0.001 0.0001 9.5 0.95 1e+05 1e+06 1e+07"),
        (b"%.1g %.1g %.1g %.1g %.1g %.1g %.1g %.1g %.1g %.1g", &[Arg::Float(9.9999000000000002), Arg::Float(999.89999999999998), Arg::Float(99.989999999999995), Arg::Float(0.00099999000000000008), Arg::Float(9.9999000000000003e-05), Arg::Float(9.5), Arg::Float(0.94999999999999996), Arg::Float(99999.999989999997), Arg::Float(999999.5), Arg::Float(9999999.0)], b"1e+01 1e+03 1e+02 0.001 0.0001 1e+01 0.9 1e+05 1e+06 1e+07"),
    ];

    #[test]
    fn format_matches_lua() {
        for &(format, args, expected) in FORMAT_CASES {
            let got = lua_format(format, args);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expected),
                "string.format({:?}, {args:?})",
                String::from_utf8_lossy(format)
            );
        }
    }

    // Per value (as bits): `tostring(x)` then `%g %.3g %#.5g %e %.0e %a %.1f %.17g`,
    // as printed by lua5.4.
    #[rustfmt::skip]
    const FLOAT_SWEEP: &[(u64, &[u8])] = &[
        (0x0000000000000000, b"0.0 0 0 0.0000 0.000000e+00 0e+00 0x0p+0 0.0 0"),
        (0x8000000000000000, b"-0.0 -0 -0 -0.0000 -0.000000e+00 -0e+00 -0x0p+0 -0.0 -0"),
        (0x3ff0000000000000, b"1.0 1 1 1.0000 1.000000e+00 1e+00 0x1p+0 1.0 1"),
        (0xbff0000000000000, b"-1.0 -1 -1 -1.0000 -1.000000e+00 -1e+00 -0x1p+0 -1.0 -1"),
        (0x3fb999999999999a, b"0.1 0.1 0.1 0.10000 1.000000e-01 1e-01 0x1.999999999999ap-4 0.1 0.10000000000000001"),
        (0x3fe0000000000000, b"0.5 0.5 0.5 0.50000 5.000000e-01 5e-01 0x1p-1 0.5 0.5"),
        (0x4059000000000000, b"100.0 100 100 100.00 1.000000e+02 1e+02 0x1.9p+6 100.0 100"),
        (0x430c6bf526340000, b"1e+15 1e+15 1e+15 1.0000e+15 1.000000e+15 1e+15 0x1.c6bf52634p+49 1000000000000000.0 1000000000000000"),
        (0x4341c37937e08000, b"1e+16 1e+16 1e+16 1.0000e+16 1.000000e+16 1e+16 0x1.1c37937e08p+53 10000000000000000.0 10000000000000000"),
        (0x4340000000000000, b"9.007199254741e+15 9.0072e+15 9.01e+15 9.0072e+15 9.007199e+15 9e+15 0x1p+53 9007199254740992.0 9007199254740992"),
        (0x43e0000000000000, b"9.2233720368548e+18 9.22337e+18 9.22e+18 9.2234e+18 9.223372e+18 9e+18 0x1p+63 9223372036854775808.0 9.2233720368547758e+18"),
        (0xc3e0000000000000, b"-9.2233720368548e+18 -9.22337e+18 -9.22e+18 -9.2234e+18 -9.223372e+18 -9e+18 -0x1p+63 -9223372036854775808.0 -9.2233720368547758e+18"),
        (0x54b249ad2594c37d, b"1e+100 1e+100 1e+100 1.0000e+100 1.000000e+100 1e+100 0x1.249ad2594c37dp+332 10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104.0 1e+100"),
        (0x3ee4f8b588e368f1, b"1e-05 1e-05 1e-05 1.0000e-05 1.000000e-05 1e-05 0x1.4f8b588e368f1p-17 0.0 1.0000000000000001e-05"),
        (0x3f1a36e2eb1c432d, b"0.0001 0.0001 0.0001 0.00010000 1.000000e-04 1e-04 0x1.a36e2eb1c432dp-14 0.0 0.0001"),
        (0x40fe240000000000, b"123456.0 123456 1.23e+05 1.2346e+05 1.234560e+05 1e+05 0x1.e24p+16 123456.0 123456"),
        (0x4132d68700000000, b"1234567.0 1.23457e+06 1.23e+06 1.2346e+06 1.234567e+06 1e+06 0x1.2d687p+20 1234567.0 1234567"),
        (0x3fd3333333333334, b"0.3 0.3 0.3 0.30000 3.000000e-01 3e-01 0x1.3333333333334p-2 0.3 0.30000000000000004"),
        (0x3fd5555555555555, b"0.33333333333333 0.333333 0.333 0.33333 3.333333e-01 3e-01 0x1.5555555555555p-2 0.3 0.33333333333333331"),
        (0x3fe5555555555555, b"0.66666666666667 0.666667 0.667 0.66667 6.666667e-01 7e-01 0x1.5555555555555p-1 0.7 0.66666666666666663"),
        (0x400921fb54442d11, b"3.1415926535898 3.14159 3.14 3.1416 3.141593e+00 3e+00 0x1.921fb54442d11p+1 3.1 3.14159265358979"),
        (0x7fe1ccf385ebc8a0, b"1e+308 1e+308 1e+308 1.0000e+308 1.000000e+308 1e+308 0x1.1ccf385ebc8ap+1023 100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336.0 1e+308"),
        (0x7fefffffffffffff, b"1.7976931348623e+308 1.79769e+308 1.8e+308 1.7977e+308 1.797693e+308 2e+308 0x1.fffffffffffffp+1023 179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.0 1.7976931348623157e+308"),
        (0x0010000000000000, b"2.2250738585072e-308 2.22507e-308 2.23e-308 2.2251e-308 2.225074e-308 2e-308 0x1p-1022 0.0 2.2250738585072014e-308"),
        (0x0000000000000001, b"4.9406564584125e-324 4.94066e-324 4.94e-324 4.9407e-324 4.940656e-324 5e-324 0x0.0000000000001p-1022 0.0 4.9406564584124654e-324"),
        (0x000012688b70e62b, b"1e-310 1e-310 1e-310 1.0000e-310 1.000000e-310 1e-310 0x0.012688b70e62bp-1022 0.0 9.9999999999999694e-311"),
        (0x42d6bcc41e8ffffa, b"1e+14 1e+14 1e+14 1.0000e+14 1.000000e+14 1e+14 0x1.6bcc41e8ffffap+46 99999999999999.9 99999999999999.906"),
        (0x430c6bf52633fff8, b"1e+15 1e+15 1e+15 1.0000e+15 1.000000e+15 1e+15 0x1.c6bf52633fff8p+49 999999999999999.0 999999999999999"),
        (0x42a2309ce53fff00, b"9999999999999.5 1e+13 1e+13 1.0000e+13 1.000000e+13 1e+13 0x1.2309ce53fffp+43 9999999999999.5 9999999999999.5"),
        (0x42a674e79c5fe500, b"12345678901234.0 1.23457e+13 1.23e+13 1.2346e+13 1.234568e+13 1e+13 0x1.674e79c5fe5p+43 12345678901234.5 12345678901234.5"),
        (0x3ee9e40930266e32, b"1.234567890123e-05 1.23457e-05 1.23e-05 1.2346e-05 1.234568e-05 1e-05 0x1.9e40930266e32p-17 0.0 1.2345678901230001e-05"),
        (0x444b1ae4d6e2ef50, b"1e+21 1e+21 1e+21 1.0000e+21 1.000000e+21 1e+21 0x1.b1ae4d6e2ef5p+69 1000000000000000000000.0 1e+21"),
        (0x4480f0cf064dd592, b"1e+22 1e+22 1e+22 1.0000e+22 1.000000e+22 1e+22 0x1.0f0cf064dd592p+73 10000000000000000000000.0 1e+22"),
        (0x44b52d02c7e14af6, b"1e+23 1e+23 1e+23 1.0000e+23 1.000000e+23 1e+23 0x1.52d02c7e14af6p+76 99999999999999991611392.0 9.9999999999999992e+22"),
        (0x3c36b082c2148b8e, b"1.23e-18 1.23e-18 1.23e-18 1.2300e-18 1.230000e-18 1e-18 0x1.6b082c2148b8ep-60 0.0 1.23e-18"),
        (0x3f1a36e2eb1c42e3, b"9.9999999999999e-05 0.0001 0.0001 0.00010000 1.000000e-04 1e-04 0x1.a36e2eb1c42e3p-14 0.0 9.9999999999999002e-05"),
        (0x7ff0000000000000, b"inf inf inf inf inf inf inf inf inf"),
        (0xfff0000000000000, b"-inf -inf -inf -inf -inf -inf -inf -inf -inf"),
        (0xfff8000000000000, b"-nan -nan -nan -nan -nan -nan -nan -nan -nan"),
        (0x7ff8000000000000, b"nan nan nan nan nan nan nan nan nan"),
        (0x406ff00000000000, b"255.5 255.5 256 255.50 2.555000e+02 3e+02 0x1.ffp+7 255.5 255.5"),
        (0xbe8421f5f40d8376, b"-1.5e-07 -1.5e-07 -1.5e-07 -1.5000e-07 -1.500000e-07 -1e-07 -0x1.421f5f40d8376p-23 -0.0 -1.4999999999999999e-07"),
        (0x44dfe185ca57c517, b"6.02214076e+23 6.02214e+23 6.02e+23 6.0221e+23 6.022141e+23 6e+23 0x1.fe185ca57c517p+78 602214075999999987023872.0 6.0221407599999999e+23"),
        (0x3c07a4da290c1653, b"1.602176634e-19 1.60218e-19 1.6e-19 1.6022e-19 1.602177e-19 2e-19 0x1.7a4da290c1653p-63 0.0 1.6021766339999999e-19"),
        (0x432fffffffffffff, b"4.5035996273705e+15 4.5036e+15 4.5e+15 4.5036e+15 4.503600e+15 5e+15 0x1.fffffffffffffp+51 4503599627370495.5 4503599627370495.5"),
        (0x3fe9999999999999, b"0.8 0.8 0.8 0.80000 8.000000e-01 8e-01 0x1.9999999999999p-1 0.8 0.79999999999999993"),
        (0x405b800000000001, b"110.0 110 110 110.00 1.100000e+02 1e+02 0x1.b800000000001p+6 110.0 110.00000000000001"),
        (0x3bcd2681472afff8, b"1.2345678901235e-20 1.23457e-20 1.23e-20 1.2346e-20 1.234568e-20 1e-20 0x1.d2681472afff8p-67 0.0 1.2345678901234566e-20"),
        (0x3bfd83c94fb6d259, b"9.9999999999999e-20 1e-19 1e-19 1.0000e-19 1.000000e-19 1e-19 0x1.d83c94fb6d259p-64 0.0 9.9999999999998998e-20"),
        (0x3c6c779a3f7ffdfa, b"1.2345678901235e-17 1.23457e-17 1.23e-17 1.2346e-17 1.234568e-17 1e-17 0x1.c779a3f7ffdfap-57 0.0 1.2345678901234568e-17"),
        (0x3c9cd2b297d8896c, b"9.9999999999999e-17 1e-16 1e-16 1.0000e-16 1.000000e-16 1e-16 0x1.cd2b297d8896cp-54 0.0 9.9999999999999012e-17"),
        (0x3d0bcccca202fe05, b"1.2345678901235e-14 1.23457e-14 1.23e-14 1.2346e-14 1.234568e-14 1e-14 0x1.bcccca202fe05p-47 0.0 1.2345678901234567e-14"),
        (0x3d3c25c268497633, b"9.9999999999999e-14 1e-13 1e-13 1.0000e-13 1.000000e-13 1e-13 0x1.c25c268497633p-44 0.0 9.9999999999999006e-14"),
        (0x3dab25ffd636ec11, b"1.2345678901235e-11 1.23457e-11 1.23e-11 1.2346e-11 1.234568e-11 1e-11 0x1.b25ffd636ec11p-37 0.0 1.2345678901234567e-11"),
        (0x3ddb7cdfd9d7bd6d, b"9.9999999999999e-11 1e-10 1e-10 1.0000e-10 1.000000e-10 1e-10 0x1.b7cdfd9d7bd6dp-34 0.0 9.9999999999998996e-11"),
        (0x3e4a831bd731a289, b"1.2345678901235e-08 1.23457e-08 1.23e-08 1.2346e-08 1.234568e-08 1e-08 0x1.a831bd731a289p-27 0.0 1.2345678901234567e-08"),
        (0x3e7ad7f29abcaefd, b"9.9999999999999e-08 1e-07 1e-07 1.0000e-07 1.000000e-07 1e-07 0x1.ad7f29abcaefdp-24 0.0 9.9999999999999003e-08"),
        (0x3ee9e409302678ba, b"1.2345678901235e-05 1.23457e-05 1.23e-05 1.2346e-05 1.234568e-05 1e-05 0x1.9e409302678bap-17 0.0 1.2345678901234568e-05"),
        (0x3f1a36e2eb1c42e4, b"9.9999999999999e-05 0.0001 0.0001 0.00010000 1.000000e-04 1e-04 0x1.a36e2eb1c42e4p-14 0.0 9.9999999999999015e-05"),
        (0x3f8948b0f90591e5, b"0.012345678901235 0.0123457 0.0123 0.012346 1.234568e-02 1e-02 0x1.948b0f90591e5p-7 0.0 0.012345678901234567"),
        (0x3fb9999999999952, b"0.099999999999999 0.1 0.1 0.10000 1.000000e-01 1e-01 0x1.9999999999952p-4 0.1 0.099999999999999006"),
        (0x4028b0fcd32f707a, b"12.345678901235 12.3457 12.3 12.346 1.234568e+01 1e+01 0x1.8b0fcd32f707ap+3 12.3 12.345678901234567"),
        (0x4058ffffffffffba, b"99.999999999999 100 100 100.00 1.000000e+02 1e+02 0x1.8ffffffffffbap+6 100.0 99.999999999999005"),
        (0x40c81cd6e63c53d7, b"12345.678901235 12345.7 1.23e+04 12346. 1.234568e+04 1e+04 0x1.81cd6e63c53d7p+13 12345.7 12345.678901234567"),
        (0x40f869ffffffffbc, b"99999.999999999 100000 1e+05 1.e+05 1.000000e+05 1e+05 0x1.869ffffffffbcp+16 100000.0 99999.99999999901"),
        (0x41678c29dcd6e9e0, b"12345678.901235 1.23457e+07 1.23e+07 1.2346e+07 1.234568e+07 1e+07 0x1.78c29dcd6e9ep+23 12345678.9 12345678.901234567"),
        (0x4197d783ffffffbd, b"99999999.999999 1e+08 1e+08 1.0000e+08 1.000000e+08 1e+08 0x1.7d783ffffffbdp+26 100000000.0 99999999.999999002"),
        (0x4206fee0e1a9e065, b"12345678901.235 1.23457e+10 1.23e+10 1.2346e+10 1.234568e+10 1e+10 0x1.6fee0e1a9e065p+33 12345678901.2 12345678901.234568"),
        (0x42374876e7ffffbf, b"99999999999.999 1e+11 1e+11 1.0000e+11 1.000000e+11 1e+11 0x1.74876e7ffffbfp+36 100000000000.0 99999999999.999008"),
        (0x42a674e79c5fe522, b"12345678901235.0 1.23457e+13 1.23e+13 1.2346e+13 1.234568e+13 1e+13 0x1.674e79c5fe522p+43 12345678901234.6 12345678901234.566"),
        (0x42d6bcc41e8fffc0, b"99999999999999.0 1e+14 1e+14 1.0000e+14 1.000000e+14 1e+14 0x1.6bcc41e8fffcp+46 99999999999999.0 99999999999999"),
        (0x4345ee2a2eb5a5c3, b"1.2345678901235e+16 1.23457e+16 1.23e+16 1.2346e+16 1.234568e+16 1e+16 0x1.5ee2a2eb5a5c3p+53 12345678901234566.0 12345678901234566"),
        (0x4376345785d89fc2, b"9.9999999999999e+16 1e+17 1e+17 1.0000e+17 1.000000e+17 1e+17 0x1.6345785d89fc2p+56 99999999999999008.0 99999999999999008"),
        (0x43e56a95319d63e1, b"1.2345678901235e+19 1.23457e+19 1.23e+19 1.2346e+19 1.234568e+19 1e+19 0x1.56a95319d63e1p+63 12345678901234567168.0 1.2345678901234567e+19"),
        (0x4415af1d78b58c03, b"9.9999999999999e+19 1e+20 1e+20 1.0000e+20 1.000000e+20 1e+20 0x1.5af1d78b58c03p+66 99999999999999000576.0 9.9999999999999001e+19"),
    ];

    #[test]
    fn float_conversions_across_magnitudes_match_lua() {
        let formats = b"%g %.3g %#.5g %e %.0e %a %.1f %.17g";
        for &(bits, expected) in FLOAT_SWEEP {
            let x = f64::from_bits(bits);
            let mut got = number_to_string(x).into_bytes();
            got.push(b' ');
            let args = [Arg::Float(x); 8];
            got.extend(lua_format(formats, &args));
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expected),
                "{x:e}"
            );
        }
    }

    /// `%g`'s fixed style reuses the `%e` digits: check it against formatting the number
    /// a second time with the decimals C would use, over many magnitudes and precisions.
    #[test]
    fn fixed_style_from_exponential_digits_matches_direct_formatting() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut values = vec![
            0.0,
            0.5,
            0.05,
            9.5,
            99.95,
            9.999_999_999_999_999,
            0.000_099_995,
        ];
        for _ in 0..20_000 {
            // xorshift: spread over all exponents, then also near powers of ten.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state >> 1);
            if x.is_finite() {
                values.push(x);
            }
            let near = 10f64.powi((state % 40) as i32 - 20) * (1.0 - (state >> 40) as f64 * 1e-17);
            values.push(near);
        }
        for &abs in &values {
            for p in 1..=20usize {
                let (mantissa, exp) = rust_exponential(abs, p - 1);
                let exp = if abs == 0.0 { 0 } else { exp };
                if exp >= -4 && (exp as i64) < p as i64 {
                    let decimals = (p as i64 - 1 - exp as i64) as usize;
                    assert_eq!(
                        fixed_from_mantissa(&mantissa, exp),
                        format!("{abs:.decimals$}"),
                        "{abs:e} %.{p}g"
                    );
                }
            }
        }
    }

    #[test]
    fn tostring_of_floats() {
        let cases = [
            (1e15, "1e+15"),
            (2f64.powi(53), "9.007199254741e+15"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            // x86 produces 0/0 with the sign bit set; glibc prints it as -nan.
            (-f64::NAN, "-nan"),
            (f64::NAN, "nan"),
            (123456789012345.0, "1.2345678901234e+14"),
            (3.14159265358979, "3.1415926535898"),
        ];
        for (x, expected) in cases {
            assert_eq!(number_to_string(x), expected, "{x:e}");
        }
    }

    #[test]
    fn pieces_split_lazily() {
        let parts: Vec<Piece<'_>> = pieces(b"a%%b%5.2fc%").collect();
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[0], Piece::Literal(b"a"));
        assert_eq!(parts[1], Piece::Literal(b"%"));
        assert_eq!(parts[2], Piece::Literal(b"b"));
        let Piece::Spec(raw) = parts[3] else {
            panic!("expected a spec, got {:?}", parts[3]);
        };
        let spec = raw.parse().unwrap();
        assert_eq!(spec.conversion, Conversion::Fixed);
        assert_eq!((spec.width, spec.precision), (5, Some(2)));
        assert_eq!(parts[4], Piece::Literal(b"c"));
        let Piece::Spec(raw) = parts[5] else {
            panic!("expected a spec, got {:?}", parts[5]);
        };
        assert_eq!(
            raw.parse(),
            Err(FormatError::InvalidConversion(b"%".to_vec()))
        );
    }

    #[test]
    fn argument_kinds() {
        let kind = |f: &[u8]| match pieces(f).next() {
            Some(Piece::Spec(raw)) => raw.parse().map(|s| s.conversion.argument()),
            other => panic!("no spec in {other:?}"),
        };
        assert_eq!(kind(b"%5d"), Ok(ArgumentKind::Integer));
        assert_eq!(kind(b"%c"), Ok(ArgumentKind::Integer));
        assert_eq!(kind(b"%x"), Ok(ArgumentKind::Integer));
        assert_eq!(kind(b"%g"), Ok(ArgumentKind::Number));
        assert_eq!(kind(b"%a"), Ok(ArgumentKind::Number));
        assert_eq!(kind(b"%s"), Ok(ArgumentKind::String));
        assert_eq!(kind(b"%q"), Ok(ArgumentKind::Literal));
        assert_eq!(kind(b"%p"), Ok(ArgumentKind::Pointer));
        // A mismatched argument is reported, never formatted as garbage.
        let Some(Piece::Spec(raw)) = pieces(b"%d").next() else {
            panic!("no spec");
        };
        let mut out = Vec::new();
        let spec = raw.parse().unwrap();
        assert_eq!(
            spec.format(Arg::Str(b"x"), &mut out),
            Err(FormatError::WrongArgumentKind)
        );
        assert_eq!(
            spec.format(Arg::Float(1.0), &mut out),
            Err(FormatError::WrongArgumentKind)
        );
    }

    #[test]
    fn pointers() {
        let format_pointer = |f: &[u8], address| {
            let mut out = Vec::new();
            match pieces(f).next() {
                Some(Piece::Spec(raw)) => raw
                    .parse()
                    .and_then(|s| s.format(Arg::Pointer(address), &mut out))
                    .map(|()| String::from_utf8_lossy(&out).into_owned()),
                other => panic!("no spec in {other:?}"),
            }
        };
        // lua5.4: string.format("%-5p|%5p", 1, nil) == "(null)|(null)"
        assert_eq!(format_pointer(b"%p", None), Ok("(null)".to_string()));
        assert_eq!(format_pointer(b"%8p", None), Ok("  (null)".to_string()));
        assert_eq!(
            format_pointer(b"%p", Some(0x55d0c0a8)),
            Ok("0x55d0c0a8".to_string())
        );
        assert_eq!(
            format_pointer(b"%-12p|", Some(0xabc)),
            Ok("0xabc       ".to_string())
        );
        assert_eq!(
            format_pointer(b"%.3p", None),
            Err(FormatError::InvalidSpecification(b"%.3p".to_vec()))
        );
    }
}

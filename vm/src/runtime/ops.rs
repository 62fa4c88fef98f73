//! Value operations without metamethods: coercions, arithmetic, comparison, `tostring`.

use crate::arith;
use crate::number::{str_to_number, Numeral};
use crate::runtime::state::MetaName;
use crate::value::Value;

/// The arithmetic and bitwise operators, in the order of their metamethods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
}

impl ArithOp {
    pub fn meta_name(self) -> MetaName {
        match self {
            ArithOp::Add => MetaName::Add,
            ArithOp::Sub => MetaName::Sub,
            ArithOp::Mul => MetaName::Mul,
            ArithOp::Mod => MetaName::Mod,
            ArithOp::Pow => MetaName::Pow,
            ArithOp::Div => MetaName::Div,
            ArithOp::IDiv => MetaName::IDiv,
            ArithOp::BAnd => MetaName::BAnd,
            ArithOp::BOr => MetaName::BOr,
            ArithOp::BXor => MetaName::BXor,
            ArithOp::Shl => MetaName::Shl,
            ArithOp::Shr => MetaName::Shr,
            ArithOp::Unm => MetaName::Unm,
            ArithOp::BNot => MetaName::BNot,
        }
    }

    pub fn is_bitwise(self) -> bool {
        matches!(
            self,
            ArithOp::BAnd
                | ArithOp::BOr
                | ArithOp::BXor
                | ArithOp::Shl
                | ArithOp::Shr
                | ArithOp::BNot
        )
    }
}

/// Why a primitive arithmetic operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithError {
    /// No primitive meaning: try metamethods, else "attempt to perform ..." on the operand.
    NotNumbers,
    /// A float operand of a bitwise operation has no integer value.
    NoIntegerRep,
    /// Integer `//` by zero.
    IDivByZero,
    /// Integer `%` by zero.
    ModByZero,
}

impl ArithError {
    pub fn message(self) -> &'static str {
        match self {
            ArithError::NotNumbers => "attempt to perform arithmetic",
            ArithError::NoIntegerRep => "number has no integer representation",
            ArithError::IDivByZero => "attempt to divide by zero",
            ArithError::ModByZero => "attempt to perform 'n%%0'",
        }
    }
}

/// Number or string coerced to a number (Lua's `tonumber` on strings).
#[inline]
pub fn to_number<'gc>(v: Value<'gc>) -> Option<Value<'gc>> {
    match v {
        Value::Integer(_) | Value::Number(_) => Some(v),
        Value::String(s) => str_to_value(s.as_bytes()),
        _ => None,
    }
}

pub fn str_to_value<'gc>(s: &[u8]) -> Option<Value<'gc>> {
    match str_to_number(s)? {
        Numeral::Int(i) => Some(Value::Integer(i)),
        Numeral::Float(f) => Some(Value::Number(f)),
    }
}

/// Integer value of a number (floats must be integral); strings are converted too.
pub fn to_integer(v: Value<'_>) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(i),
        Value::Number(f) => arith::float_to_int_exact(f),
        Value::String(s) => match str_to_number(s.as_bytes())? {
            Numeral::Int(i) => Some(i),
            Numeral::Float(f) => arith::float_to_int_exact(f),
        },
        _ => None,
    }
}

pub fn to_float(v: Value<'_>) -> Option<f64> {
    match to_number(v)? {
        Value::Integer(i) => Some(i as f64),
        Value::Number(f) => Some(f),
        _ => None,
    }
}

fn bit_operand(v: Value<'_>) -> Result<i64, ArithError> {
    match v {
        Value::Integer(i) => Ok(i),
        Value::Number(f) => arith::float_to_int_exact(f).ok_or(ArithError::NoIntegerRep),
        _ => Err(ArithError::NotNumbers),
    }
}

/// Primitive arithmetic (with string coercion for arithmetic operators, as Lua 5.4's string
/// metamethods do). For unary operators `b` is ignored.
pub fn arith<'gc>(op: ArithOp, a: Value<'gc>, b: Value<'gc>) -> Result<Value<'gc>, ArithError> {
    if op.is_bitwise() {
        let x = bit_operand(a)?;
        if op == ArithOp::BNot {
            return Ok(Value::Integer(!x));
        }
        let y = bit_operand(b)?;
        return Ok(Value::Integer(match op {
            ArithOp::BAnd => x & y,
            ArithOp::BOr => x | y,
            ArithOp::BXor => x ^ y,
            ArithOp::Shl => arith::shift_left(x, y),
            _ => arith::shift_right(x, y),
        }));
    }
    let a = to_number(a).ok_or(ArithError::NotNumbers)?;
    if op == ArithOp::Unm {
        return Ok(match a {
            Value::Integer(i) => Value::Integer(i.wrapping_neg()),
            Value::Number(f) => Value::Number(-f),
            _ => unreachable!(),
        });
    }
    let b = to_number(b).ok_or(ArithError::NotNumbers)?;
    if let (Value::Integer(x), Value::Integer(y)) = (a, b) {
        return Ok(match op {
            ArithOp::Add => Value::Integer(x.wrapping_add(y)),
            ArithOp::Sub => Value::Integer(x.wrapping_sub(y)),
            ArithOp::Mul => Value::Integer(x.wrapping_mul(y)),
            ArithOp::Mod => Value::Integer(arith::int_mod(x, y).ok_or(ArithError::ModByZero)?),
            ArithOp::IDiv => Value::Integer(arith::int_idiv(x, y).ok_or(ArithError::IDivByZero)?),
            ArithOp::Div => Value::Number(x as f64 / y as f64),
            ArithOp::Pow => Value::Number((x as f64).powf(y as f64)),
            _ => unreachable!(),
        });
    }
    let (x, y) = (a.as_float().unwrap_or(0.0), b.as_float().unwrap_or(0.0));
    Ok(Value::Number(match op {
        ArithOp::Add => x + y,
        ArithOp::Sub => x - y,
        ArithOp::Mul => x * y,
        ArithOp::Mod => arith::float_mod(x, y),
        ArithOp::IDiv => arith::float_idiv(x, y),
        ArithOp::Div => x / y,
        ArithOp::Pow => x.powf(y),
        _ => unreachable!(),
    }))
}

/// Primitive `<`: `None` when the operands need a metamethod (or are incomparable).
#[inline]
pub fn less_than(a: Value<'_>, b: Value<'_>) -> Option<bool> {
    Some(match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x < y,
        (Value::Number(x), Value::Number(y)) => x < y,
        (Value::Integer(x), Value::Number(y)) => arith::lt_int_float(x, y),
        (Value::Number(x), Value::Integer(y)) => arith::lt_float_int(x, y),
        (Value::String(x), Value::String(y)) => x.as_bytes() < y.as_bytes(),
        _ => return None,
    })
}

/// Primitive `<=`.
#[inline]
pub fn less_equal(a: Value<'_>, b: Value<'_>) -> Option<bool> {
    Some(match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x <= y,
        (Value::Number(x), Value::Number(y)) => x <= y,
        (Value::Integer(x), Value::Number(y)) => arith::le_int_float(x, y),
        (Value::Number(x), Value::Integer(y)) => arith::le_float_int(x, y),
        (Value::String(x), Value::String(y)) => x.as_bytes() <= y.as_bytes(),
        _ => return None,
    })
}

/// "attempt to compare two table values" / "attempt to compare number with nil", given
/// the operands' type names (`__name` where the metatable has one).
pub fn compare_error_message(ta: &str, tb: &str) -> String {
    if ta == tb {
        format!("attempt to compare two {ta} values")
    } else {
        format!("attempt to compare {ta} with {tb}")
    }
}

/// Lua's number → string conversion (`tostring`, concatenation).
pub fn number_to_string(v: Value<'_>) -> Option<String> {
    match v {
        Value::Integer(i) => Some(i.to_string()),
        Value::Number(f) => Some(crate::stdlib::format::number_to_string(f)),
        _ => None,
    }
}

/// "00", "01", ..., "99": two digits per division in `integer_digits`.
const DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// The decimal digits of `i` (with a leading `-`), written at the end of `buf`.
#[inline(always)]
pub fn integer_digits(i: i64, buf: &mut [u8; 20]) -> &[u8] {
    // SAFETY: `buf` has room for the 20 bytes an i64's digits and sign take at most.
    let n = unsafe { write_integer_digits(i, buf.as_mut_ptr().add(buf.len())) };
    &buf[buf.len() - n..]
}

/// Write the decimal digits of `i` (with a leading `-`) in the bytes just before `end`,
/// and return how many: `integer_len(i)`.
///
/// # Safety
/// The `integer_len(i)` bytes before `end` (at most 20) must be writable.
#[inline(always)]
pub unsafe fn write_integer_digits(i: i64, end: *mut u8) -> usize {
    let mut n = i.unsigned_abs();
    let mut at = 0usize;
    let pairs = DIGIT_PAIRS.as_ptr();
    // SAFETY: the caller gives room for every digit and the sign, written two at a time
    // from the end; every pair index is at most 2 * 99.
    unsafe {
        while n >= 100 {
            let pair = (n % 100) as usize * 2;
            n /= 100;
            at += 2;
            std::ptr::copy_nonoverlapping(pairs.add(pair), end.sub(at), 2);
        }
        if n >= 10 {
            at += 2;
            std::ptr::copy_nonoverlapping(pairs.add(n as usize * 2), end.sub(at), 2);
        } else {
            at += 1;
            *end.sub(at) = b'0' + n as u8;
        }
        if i < 0 {
            at += 1;
            *end.sub(at) = b'-';
        }
    }
    at
}

/// The length of `integer_digits(i)`.
#[inline]
pub fn integer_len(i: i64) -> usize {
    let digits = i
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |d| d as usize + 1);
    digits + (i < 0) as usize
}

/// A string or number as bytes for concatenation; `None` for other types.
pub fn concat_piece(v: Value<'_>, out: &mut Vec<u8>) -> bool {
    match v {
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Integer(i) => out.extend_from_slice(integer_digits(i, &mut [0; 20])),
        Value::Number(_) => {
            out.extend_from_slice(number_to_string(v).unwrap_or_default().as_bytes())
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::integer_digits;

    #[test]
    fn integer_digits_match_to_string() {
        let mut cases = vec![
            0i64,
            1,
            -1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            i64::MAX,
            i64::MIN,
        ];
        let mut p = 1i64;
        for _ in 0..18 {
            p *= 10;
            cases.extend([p - 1, p, p + 1, -(p - 1), -p, -(p + 1)]);
        }
        cases.extend((0..2000).map(|k| k * 7919 - 5000));
        for i in cases {
            assert_eq!(
                integer_digits(i, &mut [0; 20]),
                i.to_string().as_bytes(),
                "{i}"
            );
            assert_eq!(super::integer_len(i), i.to_string().len(), "{i}");
        }
    }
}

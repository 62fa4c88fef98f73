//! Constant folding of numeric operators, with Lua 5.4's restrictions: nothing that could
//! raise an error at run time (integer division or modulo by zero, bitwise operations on
//! non-integral floats) and no results of NaN or zero floats (their sign or NaN-ness must
//! come from the runtime computation, as in Lua).

use crate::syntax::ast::{BinOp, UnOp};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Num {
    Int(i64),
    Flt(f64),
}

impl Num {
    fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Flt(f) => f,
        }
    }

    /// Exact integer value (floats only if integral and in range).
    fn to_int(self) -> Option<i64> {
        match self {
            Num::Int(i) => Some(i),
            Num::Flt(f) => float_to_int(f),
        }
    }

    fn is_zero(self) -> bool {
        match self {
            Num::Int(i) => i == 0,
            Num::Flt(f) => f == 0.0,
        }
    }
}

/// The integer equal to `f`, if there is one.
pub(super) fn float_to_int(f: f64) -> Option<i64> {
    // 2^63 as a float; every float in [-2^63, 2^63) with no fraction fits an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.floor() == f && (-LIMIT..LIMIT).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

pub(super) fn fold_binary(op: BinOp, a: Num, b: Num) -> Option<Num> {
    let result = match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul => match (a, b) {
            (Num::Int(x), Num::Int(y)) => Num::Int(match op {
                BinOp::Add => x.wrapping_add(y),
                BinOp::Sub => x.wrapping_sub(y),
                _ => x.wrapping_mul(y),
            }),
            _ => {
                let (x, y) = (a.to_f64(), b.to_f64());
                Num::Flt(match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    _ => x * y,
                })
            }
        },
        BinOp::Div | BinOp::IDiv | BinOp::Mod if b.is_zero() => return None,
        BinOp::Div => Num::Flt(a.to_f64() / b.to_f64()),
        BinOp::Pow => Num::Flt(a.to_f64().powf(b.to_f64())),
        BinOp::IDiv => match (a, b) {
            (Num::Int(x), Num::Int(y)) => Num::Int(int_floor_div(x, y)),
            _ => Num::Flt((a.to_f64() / b.to_f64()).floor()),
        },
        BinOp::Mod => match (a, b) {
            (Num::Int(x), Num::Int(y)) => Num::Int(int_mod(x, y)),
            _ => Num::Flt(float_mod(a.to_f64(), b.to_f64())),
        },
        BinOp::BAnd | BinOp::BOr | BinOp::BXor | BinOp::Shl | BinOp::Shr => {
            let (x, y) = (a.to_int()?, b.to_int()?);
            Num::Int(match op {
                BinOp::BAnd => x & y,
                BinOp::BOr => x | y,
                BinOp::BXor => x ^ y,
                BinOp::Shl => shift_left(x, y),
                _ => shift_left(x, y.wrapping_neg()),
            })
        }
        _ => return None,
    };
    accept(result)
}

pub(super) fn fold_unary(op: UnOp, a: Num) -> Option<Num> {
    let result = match (op, a) {
        (UnOp::Neg, Num::Int(x)) => Num::Int(x.wrapping_neg()),
        (UnOp::Neg, Num::Flt(f)) => Num::Flt(-f),
        (UnOp::BNot, _) => Num::Int(!a.to_int()?),
        _ => return None,
    };
    accept(result)
}

fn accept(n: Num) -> Option<Num> {
    match n {
        Num::Flt(f) if f.is_nan() || f == 0.0 => None,
        _ => Some(n),
    }
}

fn int_floor_div(x: i64, y: i64) -> i64 {
    if y == -1 {
        return x.wrapping_neg();
    }
    let q = x / y;
    if (x % y != 0) && ((x < 0) != (y < 0)) {
        q - 1
    } else {
        q
    }
}

fn int_mod(x: i64, y: i64) -> i64 {
    if y == -1 {
        return 0;
    }
    let m = x % y;
    if m != 0 && ((m ^ y) < 0) {
        m + y
    } else {
        m
    }
}

fn float_mod(x: f64, y: f64) -> f64 {
    let m = x % y;
    if (m > 0.0 && y < 0.0) || (m < 0.0 && y > 0.0) {
        m + y
    } else {
        m
    }
}

/// Lua's `luaV_shiftl`: shifts of 64 or more bits give 0; negative counts shift right
/// (logically).
fn shift_left(x: i64, y: i64) -> i64 {
    if y <= -64 || y >= 64 {
        0
    } else if y >= 0 {
        ((x as u64) << y) as i64
    } else {
        ((x as u64) >> (-y)) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_like_lua() {
        use Num::*;
        assert_eq!(fold_binary(BinOp::Add, Int(1), Int(2)), Some(Int(3)));
        assert_eq!(
            fold_binary(BinOp::Add, Int(i64::MAX), Int(1)),
            Some(Int(i64::MIN))
        );
        assert_eq!(fold_binary(BinOp::Div, Int(1), Int(2)), Some(Flt(0.5)));
        assert_eq!(fold_binary(BinOp::IDiv, Int(7), Int(-2)), Some(Int(-4)));
        assert_eq!(fold_binary(BinOp::Mod, Int(-7), Int(3)), Some(Int(2)));
        assert_eq!(fold_binary(BinOp::Mod, Flt(-7.0), Int(3)), Some(Flt(2.0)));
        assert_eq!(fold_binary(BinOp::Pow, Int(2), Int(10)), Some(Flt(1024.0)));
        assert_eq!(fold_binary(BinOp::Shl, Int(1), Int(64)), Some(Int(0)));
        assert_eq!(fold_binary(BinOp::Shr, Int(-1), Int(60)), Some(Int(15)));
        assert_eq!(fold_binary(BinOp::BAnd, Flt(3.0), Int(1)), Some(Int(1)));
        // Not folded: run-time errors, NaN, zero floats, non-integral bitwise operands.
        assert_eq!(fold_binary(BinOp::IDiv, Int(1), Int(0)), None);
        assert_eq!(fold_binary(BinOp::Mod, Int(1), Int(0)), None);
        assert_eq!(fold_binary(BinOp::Div, Int(1), Int(0)), None);
        assert_eq!(fold_binary(BinOp::Sub, Flt(1.0), Flt(1.0)), None);
        assert_eq!(fold_binary(BinOp::BOr, Flt(1.5), Int(1)), None);
        assert_eq!(fold_unary(UnOp::Neg, Flt(0.0)), None);
        assert_eq!(fold_unary(UnOp::Neg, Int(0)), Some(Int(0)));
        assert_eq!(fold_unary(UnOp::BNot, Int(0)), Some(Int(-1)));
        assert_eq!(fold_binary(BinOp::Concat, Int(1), Int(2)), None);
    }
}

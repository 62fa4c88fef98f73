//! Lua 5.4 number semantics: integer/float conversions, comparisons, arithmetic.

/// `f` as an integer if it has an exact integer value in range.
#[inline]
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    // -2^63 is exact; 2^63 is out of range.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

/// `floor(f)` as an integer if in range (for `math.floor`, `for` limits).
pub fn float_floor_to_int(f: f64) -> Option<i64> {
    float_to_int_exact(f.floor())
}

#[inline]
pub fn int_float_eq(i: i64, f: f64) -> bool {
    match float_to_int_exact(f) {
        Some(j) => i == j,
        None => false,
    }
}

/// `i < f` exactly.
pub fn lt_int_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    // Compare against ceil(f): i < f  <=>  i < ceil(f) when ceil(f) fits.
    if f >= 9_223_372_036_854_775_808.0 {
        return true;
    }
    if f < -9_223_372_036_854_775_808.0 {
        return false;
    }
    let c = f.ceil();
    (i as i128) < (c as i128)
}

/// `i <= f` exactly.
pub fn le_int_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    if f >= 9_223_372_036_854_775_808.0 {
        return true;
    }
    if f < -9_223_372_036_854_775_808.0 {
        return false;
    }
    (i as i128) <= (f.floor() as i128)
}

/// `f < i` exactly.
pub fn lt_float_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    !le_int_float(i, f)
}

/// `f <= i` exactly.
pub fn le_float_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    !lt_int_float(i, f)
}

/// Integer floor division; `None` for division by zero.
#[inline]
pub fn int_idiv(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    if b == -1 {
        return Some(a.wrapping_neg());
    }
    let q = a / b;
    Some(if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

/// Integer modulo with the sign of the divisor; `None` for modulo by zero.
#[inline]
pub fn int_mod(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    if b == -1 {
        return Some(0);
    }
    let r = a % b;
    Some(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    if b.is_infinite() && a.is_finite() {
        // fmod(a, ±inf) = a; adjust sign as Lua does.
        return if (a >= 0.0) == (b > 0.0) || a == 0.0 {
            a
        } else {
            b
        };
    }
    let r = fmod(a, b);
    if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
        r + b
    } else {
        r
    }
}

/// C's `fmod`. When both operands are whole numbers below 2^63 in magnitude (counters, and
/// bit arithmetic done in floats, as in pure-Lua hash functions) it is the remainder of
/// the integers: exact, as `fmod` is, and without the general algorithm's loop over the
/// quotient's bits (a third of sha1.lua's time). Out of line, as the `fmod` call it
/// replaced was: inlined into the executor's modulo it changed the code generated for the
/// whole dispatch loop (mandelbrot +4% instructions).
#[inline(never)]
pub fn fmod(a: f64, b: f64) -> f64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if a.abs() < LIMIT && b.abs() < LIMIT {
        let (ia, ib) = (a as i64, b as i64);
        if ia as f64 == a && ib as f64 == b && ib != 0 {
            // `ia % ib` cannot overflow (`ia > i64::MIN`); a zero keeps `a`'s sign.
            let r = ia % ib;
            return if r == 0 { 0.0f64.copysign(a) } else { r as f64 };
        }
    }
    a % b
}

#[inline]
pub fn float_idiv(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

#[inline]
pub fn shift_left(x: i64, n: i64) -> i64 {
    if n <= -64 || n >= 64 {
        0
    } else if n >= 0 {
        ((x as u64) << n) as i64
    } else {
        ((x as u64) >> (-n)) as i64
    }
}

#[inline]
pub fn shift_right(x: i64, n: i64) -> i64 {
    shift_left(x, n.wrapping_neg())
}

/// Float → integer for bitwise operations and integer-only arguments.
#[inline]
pub fn to_integer_strict(f: f64) -> Option<i64> {
    float_to_int_exact(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_and_modulo_follow_floor_semantics() {
        assert_eq!(int_idiv(7, 2), Some(3));
        assert_eq!(int_idiv(-7, 2), Some(-4));
        assert_eq!(int_idiv(7, -2), Some(-4));
        assert_eq!(int_idiv(i64::MIN, -1), Some(i64::MIN));
        assert_eq!(int_idiv(1, 0), None);
        assert_eq!(int_mod(-7, 2), Some(1));
        assert_eq!(int_mod(7, -2), Some(-1));
        assert_eq!(int_mod(i64::MIN, -1), Some(0));
        assert_eq!(float_mod(-7.0, 2.0), 1.0);
        assert_eq!(float_mod(5.5, f64::INFINITY), 5.5);
        assert_eq!(float_mod(-5.5, f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn mixed_comparisons_are_exact() {
        assert!(lt_int_float(1, 1.5));
        assert!(!lt_int_float(2, 1.5));
        assert!(le_int_float(1, 1.0));
        assert!(!lt_int_float(
            i64::MAX,
            9_223_372_036_854_775_807.0_f64.next_down()
        ));
        assert!(lt_int_float(i64::MAX, 9_223_372_036_854_775_808.0));
        assert!(!int_float_eq(i64::MAX, 9_223_372_036_854_775_808.0));
        assert!(lt_float_int(-0.5, 0));
        assert!(!lt_float_int(f64::NAN, 0));
    }

    #[test]
    fn shifts_saturate() {
        assert_eq!(shift_left(1, 64), 0);
        assert_eq!(shift_left(1, 63), i64::MIN);
        assert_eq!(shift_right(-1, 1), i64::MAX);
        assert_eq!(shift_left(8, -2), 2);
    }
}

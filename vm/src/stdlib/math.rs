//! The `math` library (Lua 5.4), including Lua's xoshiro256** generator for `math.random`.

use std::hash::{BuildHasher, Hasher};

use gc_arena::Mutation;

use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::ops;
use crate::runtime::state::State;
use crate::value::Value;

use super::{new_library, set_fn, set_quick, set_value};

type R<'gc> = Result<usize, LuaError<'gc>>;

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let m = new_library(mc, state, "math");
    set_quick(mc, state, m, "abs", quick::abs, abs);
    set_quick(mc, state, m, "ceil", quick::ceil, ceil);
    set_quick(mc, state, m, "floor", quick::floor, floor);
    set_quick(mc, state, m, "fmod", quick::fmod, fmod);
    set_fn(mc, state, m, "modf", modf);
    set_quick(mc, state, m, "sqrt", quick::sqrt, sqrt);
    set_quick(mc, state, m, "exp", quick::exp, exp);
    set_quick(mc, state, m, "log", quick::log, log);
    set_quick(mc, state, m, "sin", quick::sin, sin);
    set_quick(mc, state, m, "cos", quick::cos, cos);
    set_quick(mc, state, m, "tan", quick::tan, tan);
    set_fn(mc, state, m, "asin", asin);
    set_fn(mc, state, m, "acos", acos);
    set_quick(mc, state, m, "atan", quick::atan, atan);
    set_fn(mc, state, m, "deg", deg);
    set_fn(mc, state, m, "rad", rad);
    set_quick(mc, state, m, "tointeger", quick::tointeger, tointeger);
    set_fn(mc, state, m, "type", type_);
    set_fn(mc, state, m, "ult", ult);
    set_quick(mc, state, m, "max", quick::max, max);
    set_quick(mc, state, m, "min", quick::min, min);
    set_quick(mc, state, m, "random", quick::random, random);
    set_fn(mc, state, m, "randomseed", randomseed);
    // Lua 5.4's standard build (LUA_COMPAT_5_3 in its makefile, as in the distributions'
    // `lua5.4`) keeps these 5.3 functions; libraries such as Moses still call them.
    set_fn(mc, state, m, "pow", pow);
    set_fn(mc, state, m, "cosh", cosh);
    set_fn(mc, state, m, "sinh", sinh);
    set_fn(mc, state, m, "tanh", tanh);
    set_fn(mc, state, m, "log10", log10);
    set_fn(mc, state, m, "frexp", frexp);
    set_fn(mc, state, m, "ldexp", ldexp);
    // The same function as `atan` (in lua5.4 `math.atan2 == math.atan`).
    let atan = m.get_str(state.intern(mc, b"atan"));
    set_value(mc, state, m, "atan2", atan);
    set_value(mc, state, m, "pi", Value::Number(std::f64::consts::PI));
    set_value(mc, state, m, "huge", Value::Number(f64::INFINITY));
    set_value(mc, state, m, "maxinteger", Value::Integer(i64::MAX));
    set_value(mc, state, m, "mininteger", Value::Integer(i64::MIN));
    // Like Lua, every state starts from an unpredictable seed.
    let (n1, n2) = unpredictable_seed();
    seed_rng(&mut state.host.borrow_mut().rng, n1, n2);
}

/// A float as an integer when it has an exact integer value in range, else the float
/// (Lua's `pushnumint`).
fn int_if_exact<'gc>(f: f64) -> Value<'gc> {
    match crate::arith::float_to_int_exact(f) {
        Some(i) => Value::Integer(i),
        None => Value::Number(f),
    }
}

/// Floats in this range convert to `i64` exactly after rounding to an integer.
const I64_RANGE: std::ops::Range<f64> = -9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0;

/// `math.floor` of a float: an integer when it fits, as lua5.4 gives, else the float.
/// Through the truncating conversion rather than `f64::floor`: without SSE4.1 that is a
/// library call, and this is the common `math.floor(i / 2)`.
fn floor_float<'gc>(f: f64) -> Value<'gc> {
    if I64_RANGE.contains(&f) {
        // Truncation rounds toward zero: one above the floor for negative non-integers.
        let t = f as i64;
        return Value::Integer(if (t as f64) > f { t - 1 } else { t });
    }
    Value::Number(f.floor())
}

/// `math.ceil` of a float, as [`floor_float`].
fn ceil_float<'gc>(f: f64) -> Value<'gc> {
    if I64_RANGE.contains(&f) {
        let t = f as i64;
        return Value::Integer(if (t as f64) < f { t + 1 } else { t });
    }
    Value::Number(f.ceil())
}

fn abs<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = match ctx.arg(0) {
        Value::Integer(i) => Value::Integer(i.wrapping_abs()),
        _ => Value::Number(ctx.check_float(0)?.abs()),
    };
    ctx.ret1(v)
}

fn floor<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = match ctx.arg(0) {
        v @ Value::Integer(_) => v,
        Value::Number(f) => floor_float(f),
        _ => floor_float(ctx.check_float(0)?),
    };
    ctx.ret1(v)
}

fn ceil<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = match ctx.arg(0) {
        v @ Value::Integer(_) => v,
        Value::Number(f) => ceil_float(f),
        _ => ceil_float(ctx.check_float(0)?),
    };
    ctx.ret1(v)
}

fn fmod<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    if let (Value::Integer(a), Value::Integer(b)) = (ctx.arg(0), ctx.arg(1)) {
        return match int_fmod(a, b) {
            Some(r) => ctx.ret1(Value::Integer(r)),
            None => Err(ctx.arg_error(1, "zero")),
        };
    }
    // lua5.4 (built by gcc) checks the second argument first.
    let b = ctx.check_float(1)?;
    let a = ctx.check_float(0)?;
    ctx.ret1(Value::Number(crate::arith::fmod(a, b)))
}

/// `math.fmod` of two integers; `None` for a zero divisor (an error).
fn int_fmod(a: i64, b: i64) -> Option<i64> {
    match b {
        0 => None,
        // Avoids the overflow of `mininteger % -1`.
        -1 => Some(0),
        // C's `%`: the result takes the sign of the dividend.
        _ => Some(a % b),
    }
}

fn modf<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    if let v @ Value::Integer(_) = ctx.arg(0) {
        ctx.push(v);
        ctx.push(Value::Number(0.0));
        return Ok(2);
    }
    let n = ctx.check_float(0)?;
    let ip = n.trunc();
    ctx.push(int_if_exact(ip));
    // The test keeps inf - inf from giving NaN.
    ctx.push(Value::Number(if n == ip { 0.0 } else { n - ip }));
    Ok(2)
}

fn float_fn<'gc>(ctx: &mut Ctx<'gc, '_>, f: fn(f64) -> f64) -> R<'gc> {
    let x = ctx.check_float(0)?;
    ctx.ret1(Value::Number(f(x)))
}

fn pow<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let x = ctx.check_float(0)?;
    let y = ctx.check_float(1)?;
    ctx.ret1(Value::Number(x.powf(y)))
}

fn cosh<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::cosh)
}

fn sinh<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::sinh)
}

fn tanh<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::tanh)
}

fn log10<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::log10)
}

/// `math.frexp(x)`: `m, e` with `x == m * 2^e` and `0.5 <= |m| < 1` (a float and an
/// integer); zero, infinities and NaN come back unchanged with exponent 0.
fn frexp<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (m, e) = split_exponent(ctx.check_float(0)?);
    ctx.push(Value::Number(m));
    ctx.push(Value::Integer(e));
    Ok(2)
}

fn split_exponent(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    // Subnormals have no implicit leading bit: bring them into the normal range first.
    let (x, bias) = if x.abs() < f64::MIN_POSITIVE {
        (x * 2f64.powi(64), 64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    // Keep sign and fraction, set the exponent field so the magnitude is in [0.5, 1).
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, biased - 1022 - bias)
}

/// `math.ldexp(m, e)`: `m * 2^e`, rounded once. The exponent is converted to a C
/// `int` as Lua does, so only its low 32 bits count.
fn ldexp<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let x = ctx.check_float(0)?;
    let e = ctx.check_integer(1)? as i32;
    ctx.ret1(Value::Number(scale_by_power_of_two(x, e)))
}

fn scale_by_power_of_two(mut x: f64, mut e: i32) -> f64 {
    // 2^k as a float for k in the normal exponent range.
    let two_to = |k: i32| f64::from_bits(((k + 1023) as u64) << 52);
    // Large exponents: apply at most two steps of 2^1023 exactly (they only overflow
    // to infinity, which is the right answer), then clamp.
    if e > 1023 {
        x *= two_to(1023);
        e -= 1023;
        if e > 1023 {
            x *= two_to(1023);
            e = (e - 1023).min(1023);
        }
    } else if e < -1022 {
        // Small exponents: steps of 2^-969 (= 2^-1022 * 2^53) stay exact while the
        // value is normal, so rounding happens only in the final multiplication.
        x *= two_to(-969);
        e += 969;
        if e < -1022 {
            x *= two_to(-969);
            e = (e + 969).max(-1022);
        }
    }
    x * two_to(e)
}

fn sqrt<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::sqrt)
}

fn exp<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::exp)
}

fn sin<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::sin)
}

fn cos<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::cos)
}

fn tan<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::tan)
}

fn asin<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::asin)
}

fn acos<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, f64::acos)
}

fn atan<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let y = ctx.check_float(0)?;
    let x = if ctx.arg(1).is_nil() {
        1.0
    } else {
        ctx.check_float(1)?
    };
    ctx.ret1(Value::Number(y.atan2(x)))
}

// Same factor order as Lua, so results match bit for bit.
fn deg<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, |x| x * (180.0 / std::f64::consts::PI))
}

fn rad<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    float_fn(ctx, |x| x * (std::f64::consts::PI / 180.0))
}

fn log<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let x = ctx.check_float(0)?;
    let base = if ctx.arg(1).is_nil() {
        None
    } else {
        Some(ctx.check_float(1)?)
    };
    ctx.ret1(Value::Number(log_in(x, base)))
}

/// `math.log(x [, base])`: bases 2 and 10 use the exact functions, as Lua does.
fn log_in(x: f64, base: Option<f64>) -> f64 {
    match base {
        None => x.ln(),
        Some(2.0) => x.log2(),
        Some(10.0) => x.log10(),
        Some(b) => x.ln() / b.ln(),
    }
}

fn tointeger<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    // Lua 5.4.4 converts strings too ("3" -> 3).
    let v = match ops::to_integer(ctx.check_any(0)?) {
        Some(i) => Value::Integer(i),
        None => Value::Nil,
    };
    ctx.ret1(v)
}

fn type_<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = match ctx.check_any(0)? {
        Value::Integer(_) => ctx.new_string(b"integer"),
        Value::Number(_) => ctx.new_string(b"float"),
        _ => Value::Nil,
    };
    ctx.ret1(v)
}

fn ult<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let a = ctx.check_integer(0)? as u64;
    let b = ctx.check_integer(1)? as u64;
    ctx.ret1(Value::Boolean(a < b))
}

/// The argument that wins under `better(candidate, current)`; Lua 5.4.4 compares with `<`
/// (metamethods included) and returns the winning argument unchanged. Out of line: `max`
/// and `min` answer two numbers of one kind themselves, without its register saves.
#[inline(never)]
fn extreme<'gc>(ctx: &mut Ctx<'gc, '_>, want_max: bool) -> R<'gc> {
    let mut best = ctx.check_any(0)?;
    for i in 1..ctx.nargs() {
        let v = ctx.arg(i);
        // Numbers of one kind compare inline; the rest as `<` does (metamethods, errors).
        let (lo, hi) = if want_max { (best, v) } else { (v, best) };
        let wins = match (lo, hi) {
            (Value::Integer(a), Value::Integer(b)) => a < b,
            (Value::Number(a), Value::Number(b)) => a < b,
            _ => ctx.less_than(lo, hi)?,
        };
        if wins {
            best = v;
        }
    }
    ctx.ret1(best)
}

/// `max` or `min` of exactly two numbers of one kind, answered without `extreme`'s
/// register saves; `None` for anything else. The rule is `extreme`'s: the second wins only
/// when it is better under `<` (NaN, -0.0 and 0.0 keep the first).
#[inline(always)]
fn extreme_of_two<'gc>(ctx: &Ctx<'gc, '_>, want_max: bool) -> Option<Value<'gc>> {
    if ctx.nargs() != 2 {
        return None;
    }
    extreme_of_pair(ctx.arg(0), ctx.arg(1), want_max)
}

/// `extreme_of_two` of the values `a` and `b`.
fn extreme_of_pair<'gc>(a: Value<'gc>, b: Value<'gc>, want_max: bool) -> Option<Value<'gc>> {
    match (a, b) {
        (Value::Integer(a), Value::Integer(b)) => {
            let second = if want_max { a < b } else { b < a };
            Some(Value::Integer(if second { b } else { a }))
        }
        (Value::Number(a), Value::Number(b)) => {
            let second = if want_max { a < b } else { b < a };
            Some(Value::Number(if second { b } else { a }))
        }
        _ => None,
    }
}

fn max<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    match extreme_of_two(ctx, true) {
        Some(v) => ctx.ret1(v),
        None => extreme(ctx, true),
    }
}

fn min<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    match extreme_of_two(ctx, false) {
        Some(v) => ctx.ret1(v),
        None => extreme(ctx, false),
    }
}

/// One step of xoshiro256**, as Lua 5.4's `nextrand`.
fn next_rand(s: &mut [u64; 4]) -> u64 {
    let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
    let t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(45);
    result
}

/// Lua's `setseed`: a fixed mix of the two seed words, then 16 discarded outputs.
fn seed_rng(s: &mut [u64; 4], n1: u64, n2: u64) {
    *s = [n1, 0xff, n2, 0];
    for _ in 0..16 {
        next_rand(s);
    }
}

/// A float in [0, 1) from the top 53 bits of a random word.
fn rand_to_float(r: u64) -> f64 {
    (r >> 11) as f64 * (0.5f64).powi(53)
}

/// A uniform value in [0, n] from `ran`: mask to the smallest 2^b - 1 covering `n` and
/// draw again while outside (Lua's `project`).
fn project(mut ran: u64, n: u64, s: &mut [u64; 4]) -> u64 {
    if n & n.wrapping_add(1) == 0 {
        return ran & n;
    }
    let mut lim = n;
    lim |= lim >> 1;
    lim |= lim >> 2;
    lim |= lim >> 4;
    lim |= lim >> 8;
    lim |= lim >> 16;
    lim |= lim >> 32;
    loop {
        ran &= lim;
        if ran <= n {
            return ran;
        }
        ran = next_rand(s);
    }
}

fn random<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let rv = next_rand(&mut ctx.state.host.borrow_mut().rng);
    let (low, up) = match ctx.nargs() {
        0 => return ctx.ret1(Value::Number(rand_to_float(rv))),
        1 => {
            let up = ctx.check_integer(0)?;
            if up == 0 {
                // `random(0)`: all 64 bits.
                return ctx.ret1(Value::Integer(rv as i64));
            }
            (1, up)
        }
        2 => (ctx.check_integer(0)?, ctx.check_integer(1)?),
        _ => return Err(ctx.error("wrong number of arguments")),
    };
    if low > up {
        return Err(ctx.arg_error(0, "interval is empty"));
    }
    let r = in_interval(rv, low, up, &mut ctx.state.host.borrow_mut().rng);
    ctx.ret1(Value::Integer(r))
}

/// The random number `rv` (drawing more from `rng` if needed) projected into
/// `low..=up` (not empty), as lua5.4's `math.random(m, n)`.
fn in_interval(rv: u64, low: i64, up: i64, rng: &mut [u64; 4]) -> i64 {
    let span = (up as u64).wrapping_sub(low as u64);
    project(rv, span, rng).wrapping_add(low as u64) as i64
}

fn randomseed<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (n1, n2) = if ctx.nargs() == 0 {
        unpredictable_seed()
    } else {
        let n1 = ctx.check_integer(0)? as u64;
        let n2 = ctx.opt_integer(1, 0)? as u64;
        (n1, n2)
    };
    seed_rng(&mut ctx.state.host.borrow_mut().rng, n1, n2);
    // Lua 5.4.4 returns the seed so a run can be reproduced.
    ctx.push(Value::Integer(n1 as i64));
    ctx.push(Value::Integer(n2 as i64));
    Ok(2)
}

/// Two seed words from the clock and the process's random hash keys (Lua uses the time
/// and an address).
fn unpredictable_seed() -> (u64, u64) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(nanos);
    (nanos, h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdlib::test_support::{run, run_err};

    #[test]
    fn xoshiro_matches_the_reference_sequence() {
        // Reference xoshiro256** output for state [1, 2, 3, 4].
        let mut s = [1, 2, 3, 4];
        assert_eq!(next_rand(&mut s), 11520);
        assert_eq!(next_rand(&mut s), 0);
        assert_eq!(next_rand(&mut s), 1509978240);
        assert_eq!(next_rand(&mut s), 1215971899390074240);
    }

    #[test]
    fn seeded_sequence_matches_lua54() {
        // Values printed by lua5.4 (5.4.4) on this machine.
        let r = run("math.randomseed(42)
             local a, b, c, d = math.random(1, 100), math.random(), math.random(0), math.random(10)
             local s1, s2 = math.randomseed(1, 2)
             return a, string.format('%.14g', b), c, d, math.random(1, 1000), s1, s2");
        assert_eq!(
            r,
            [
                "50",
                "0.54688311243421",
                "-3807604385970496171",
                "6",
                "130",
                "1",
                "2"
            ]
        );
    }

    #[test]
    fn random_ranges_and_errors() {
        run("for i = 1, 200 do
               local x = math.random(3, 7); assert(x >= 3 and x <= 7 and math.type(x) == 'integer')
               local f = math.random(); assert(f >= 0 and f < 1)
               local y = math.random(5); assert(y >= 1 and y <= 5)
               local z = math.random(math.mininteger, math.maxinteger); assert(math.type(z) == 'integer')
               assert(math.random(-3, -3) == -3)
             end
             assert(math.random(3.0) <= 3)");
        assert!(run_err("math.random(2, 1)")
            .contains("bad argument #1 to 'random' (interval is empty)"));
        assert!(run_err("math.random(-5)").contains("(interval is empty)"));
        assert!(run_err("math.random(1, 2, 3)").contains("wrong number of arguments"));
        assert!(run_err("math.random(3.5)").contains("number has no integer representation"));
        assert!(run_err("math.randomseed(4.5)").contains("number has no integer representation"));
        // Unseeded runtimes start from different states.
        let a = run("return math.random(0)");
        let b = run("return math.random(0)");
        assert_ne!(a, b);
    }

    #[test]
    fn rounding_keeps_lua_subtypes() {
        let r = run(
            "return math.floor(3.7), math.floor(-3.7), math.ceil(3.2), math.ceil(-3.2),
                    math.floor(2^62), math.floor(2^70), math.floor(5), math.ceil('2.5'),
                    math.ceil(-0.5), math.floor(-2^63)",
        );
        assert_eq!(
            r,
            [
                "3",
                "-4",
                "4",
                "-3",
                "4611686018427387904",
                "1.1805916207174e+21",
                "5",
                "3",
                "0",
                "-9223372036854775808"
            ]
        );
        assert!(run_err("math.floor('x')")
            .contains("bad argument #1 to 'floor' (number expected, got string)"));
        assert!(run_err("math.ceil()").contains("(number expected, got no value)"));
    }

    #[test]
    fn abs_fmod_modf() {
        let r = run(
            "return math.abs(math.mininteger), math.abs(-3), math.abs(-3.5), math.abs(-0.0),
                    math.abs('-3'), math.fmod(-5, 3), math.fmod(5, -3), math.fmod(5.5, 2),
                    math.fmod(math.mininteger, -1), math.fmod(5, 3.0), math.fmod(-6, 2)",
        );
        assert_eq!(
            r,
            [
                "-9223372036854775808",
                "3",
                "3.5",
                "0.0",
                "3.0",
                "-2",
                "2",
                "1.5",
                "0",
                "2.0",
                "0"
            ]
        );
        assert!(run_err("math.fmod(5, 0)").contains("bad argument #2 to 'fmod' (zero)"));
        assert!(run_err("math.fmod(1)")
            .contains("bad argument #2 to 'fmod' (number expected, got no value)"));
        run("assert(math.fmod(1, 0.0) ~= math.fmod(1, 0.0))");
        let r = run("local a, b = math.modf(3.5); local c, d = math.modf(-3.5)
                     local e, f = math.modf(1/0); local g, h = math.modf(5)
                     local i, j = math.modf(2^70)
                     return a, b, c, d, e, f, g, h, i, j, math.type(a)");
        assert_eq!(
            r,
            [
                "3",
                "0.5",
                "-3",
                "-0.5",
                "inf",
                "0.0",
                "5",
                "0.0",
                "1.1805916207174e+21",
                "0.0",
                "integer"
            ]
        );
    }

    #[test]
    fn transcendental_functions() {
        let r = run("return math.log(8, 2), math.log(100, 10), math.log(1), math.exp(0), math.sqrt(16),
                    math.atan(1, 1) == math.pi / 4, math.atan(1) == math.pi / 4, math.atan(0, -1) == math.pi,
                    math.sin(0), math.cos(0), math.log(2, 0), math.log(0)");
        assert_eq!(
            r,
            [
                "3.0", "2.0", "0.0", "1.0", "4.0", "true", "true", "true", "0.0", "1.0", "-0.0",
                "-inf"
            ]
        );
        let r =
            run("return math.deg(math.pi), math.rad(180), math.deg(1), math.rad(1), math.deg(2)");
        assert_eq!(
            r,
            [
                "180.0",
                "3.1415926535898",
                "57.295779513082",
                "0.017453292519943",
                "114.59155902616"
            ]
        );
        run("assert(math.abs(math.log(27, 3) - 3) < 1e-12)
             assert(math.abs(math.tan(math.pi / 4) - 1) < 1e-12)
             assert(math.asin(1) == math.pi / 2 and math.acos(1) == 0.0)");
    }

    #[test]
    fn integer_helpers_and_constants() {
        let r = run(
            "return math.tointeger(5.0), math.tointeger(5.5), math.tointeger(2^63),
                    math.tointeger(-2^63), math.tointeger('3'), math.tointeger({}),
                    math.type(1), math.type(1.0), math.type('1'), math.ult(1, -1), math.ult(-1, 1),
                    math.huge, -math.huge, math.pi, math.maxinteger, math.mininteger",
        );
        assert_eq!(
            r,
            [
                "5",
                "nil",
                "nil",
                "-9223372036854775808",
                "3",
                "nil",
                "integer",
                "float",
                "nil",
                "true",
                "false",
                "inf",
                "-inf",
                "3.1415926535898",
                "9223372036854775807",
                "-9223372036854775808"
            ]
        );
        assert!(run_err("math.type()").contains("bad argument #1 to 'type' (value expected)"));
        assert!(run_err("math.tointeger()").contains("(value expected)"));
        assert!(run_err("math.ult(1.5, 2)").contains("number has no integer representation"));
    }

    #[test]
    fn max_and_min_return_the_winning_argument() {
        let r = run(
            "return math.max(1, 2.5, 2), math.min(3, 1.0, 2), math.max(2, 2.0),
                    math.min(2.0, 2), math.max('10', '9'), math.min(1), math.max(3, 1, 5.5, 2),
                    math.max(0.0, -0.0), math.max(-0.0, 0.0)",
        );
        assert_eq!(
            r,
            ["2.5", "1.0", "2", "2.0", "9", "1", "5.5", "0.0", "-0.0"]
        );
        assert!(run_err("math.max()").contains("bad argument #1 to 'max' (value expected)"));
        assert!(run_err("math.max(1, 'x')").contains("attempt to compare number with string"));
        run("local mt = {__lt = function(a, b) return a.v < b.v end}
             local a, b = setmetatable({v = 1}, mt), setmetatable({v = 2}, mt)
             assert(math.max(a, b) == b and math.min(a, b) == a)");
    }
}

/// The `QuickFn`s of the library (see `NativeKind::Quick`): numbers only; a string that
/// converts, a missing argument or another type goes to the native.
mod quick {
    use gc_arena::Mutation;

    use super::{
        ceil_float, extreme_of_pair, floor_float, in_interval, int_fmod, log_in, next_rand,
        rand_to_float,
    };
    use crate::runtime::state::State;
    use crate::value::Value;

    type Quick<'gc> = Option<Value<'gc>>;

    /// The first argument as a float, if it is a number.
    fn number(args: &[Value<'_>]) -> Option<f64> {
        float(*args.first()?)
    }

    /// A number as a float.
    fn float(v: Value<'_>) -> Option<f64> {
        match v {
            Value::Integer(i) => Some(i as f64),
            Value::Number(f) => Some(f),
            _ => None,
        }
    }

    pub fn abs<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match args.first()? {
            Value::Integer(i) => Some(Value::Integer(i.wrapping_abs())),
            Value::Number(f) => Some(Value::Number(f.abs())),
            _ => None,
        }
    }

    pub fn floor<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match *args.first()? {
            v @ Value::Integer(_) => Some(v),
            Value::Number(f) => Some(floor_float(f)),
            _ => None,
        }
    }

    pub fn ceil<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match *args.first()? {
            v @ Value::Integer(_) => Some(v),
            Value::Number(f) => Some(ceil_float(f)),
            _ => None,
        }
    }

    pub fn sqrt<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        number(args).map(|x| Value::Number(x.sqrt()))
    }

    pub fn exp<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        number(args).map(|x| Value::Number(x.exp()))
    }

    pub fn sin<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        number(args).map(|x| Value::Number(x.sin()))
    }

    pub fn cos<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        number(args).map(|x| Value::Number(x.cos()))
    }

    pub fn tan<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        number(args).map(|x| Value::Number(x.tan()))
    }

    /// The arguments of a function of a number and an optional second one (`log`, `atan`):
    /// a nil second argument counts as absent.
    fn number_and_optional(args: &[Value<'_>]) -> Option<(f64, Option<f64>)> {
        match *args {
            [a] | [a, Value::Nil] => Some((float(a)?, None)),
            [a, b] => Some((float(a)?, Some(float(b)?))),
            _ => None,
        }
    }

    /// `math.log(x)` and `math.log(x, base)` of numbers.
    pub fn log<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        let (x, base) = number_and_optional(args)?;
        Some(Value::Number(log_in(x, base)))
    }

    /// `math.atan(y)` and `math.atan(y, x)` of numbers.
    pub fn atan<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        let (y, x) = number_and_optional(args)?;
        Some(Value::Number(y.atan2(x.unwrap_or(1.0))))
    }

    /// `math.fmod` of two integers (not by zero) or two floats.
    pub fn fmod<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match *args {
            [Value::Integer(a), Value::Integer(b)] => int_fmod(a, b).map(Value::Integer),
            [Value::Number(a), Value::Number(b)] => Some(Value::Number(crate::arith::fmod(a, b))),
            _ => None,
        }
    }

    /// A float without an exact integer value gives nil, as the native does.
    pub fn tointeger<'gc>(
        _: &'gc Mutation<'gc>,
        _: &State<'gc>,
        args: &[Value<'gc>],
    ) -> Quick<'gc> {
        match *args.first()? {
            v @ Value::Integer(_) => Some(v),
            Value::Number(f) => {
                Some(crate::arith::float_to_int_exact(f).map_or(Value::Nil, Value::Integer))
            }
            _ => None,
        }
    }

    /// `math.random()`, `(m)` and `(m, n)` with integers and a non-empty interval: the
    /// generator is advanced only then, so a fallback to the native draws the same numbers.
    pub fn random<'gc>(
        _: &'gc Mutation<'gc>,
        state: &State<'gc>,
        args: &[Value<'gc>],
    ) -> Quick<'gc> {
        let (low, up) = match *args {
            [] => {
                let rv = next_rand(&mut state.host.borrow_mut().rng);
                return Some(Value::Number(rand_to_float(rv)));
            }
            [Value::Integer(0)] => {
                let rv = next_rand(&mut state.host.borrow_mut().rng);
                return Some(Value::Integer(rv as i64));
            }
            [Value::Integer(up)] => (1, up),
            [Value::Integer(low), Value::Integer(up)] => (low, up),
            _ => return None,
        };
        if low > up {
            return None;
        }
        let rng = &mut state.host.borrow_mut().rng;
        let rv = next_rand(rng);
        Some(Value::Integer(in_interval(rv, low, up, rng)))
    }

    pub fn max<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match args {
            &[a, b] => extreme_of_pair(a, b, true),
            _ => None,
        }
    }

    pub fn min<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match args {
            &[a, b] => extreme_of_pair(a, b, false),
            _ => None,
        }
    }
}

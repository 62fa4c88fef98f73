//! The arithmetic metamethods of the string metatable (`__add`, ..., `__unm`): Lua 5.4
//! coerces strings to numbers for arithmetic here, not in the core, so a failed coercion
//! reads "attempt to add a 'string' with a 'number'" and another operand's metamethod
//! still gets its turn.

use gc_arena::Mutation;

use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::exec::metatable_of;
use crate::runtime::ops::{self, ArithOp};
use crate::runtime::state::State;
use crate::stdlib::set_fn;
use crate::table::Table;
use crate::value::Value;

type R<'gc> = Result<usize, LuaError<'gc>>;

/// Put the arithmetic metamethods into the string metatable `meta`.
pub fn install<'gc>(mc: &Mutation<'gc>, state: &State<'gc>, meta: Table<'gc>) {
    set_fn(mc, state, meta, "__add", add);
    set_fn(mc, state, meta, "__sub", sub);
    set_fn(mc, state, meta, "__mul", mul);
    set_fn(mc, state, meta, "__mod", modulo);
    set_fn(mc, state, meta, "__pow", pow);
    set_fn(mc, state, meta, "__div", div);
    set_fn(mc, state, meta, "__idiv", idiv);
    set_fn(mc, state, meta, "__unm", unm);
}

fn add<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    arith(ctx, ArithOp::Add)
}
fn sub<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    arith(ctx, ArithOp::Sub)
}
fn mul<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    arith(ctx, ArithOp::Mul)
}
fn modulo<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    arith(ctx, ArithOp::Mod)
}
fn pow<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    arith(ctx, ArithOp::Pow)
}
fn div<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    arith(ctx, ArithOp::Div)
}
fn idiv<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    arith(ctx, ArithOp::IDiv)
}
fn unm<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    arith(ctx, ArithOp::Unm)
}

/// Both operands as numbers (numeric strings converted), else the other operand's
/// metamethod, else the error.
fn arith<'gc>(ctx: &mut Ctx<'gc, '_>, op: ArithOp) -> R<'gc> {
    let a = ctx.arg(0);
    // `__unm` called directly may get one operand (the VM passes it twice).
    let b = if op == ArithOp::Unm && ctx.nargs() < 2 {
        a
    } else {
        ctx.arg(1)
    };
    if let (Some(x), Some(y)) = (ops::to_number(a), ops::to_number(b)) {
        return match ops::arith(op, x, y) {
            Ok(v) => ctx.ret1(v),
            // Raised by the core inside this function: no position (as lua5.4).
            Err(e) => Err(ctx.core_error(e.message().replace("%%", "%"))),
        };
    }
    let event = op.meta_name().as_str();
    let other_mm = match (b, metatable_of(ctx.state, b)) {
        (Value::String(_), _) | (_, None) => Value::Nil,
        (_, Some(mt)) => mt.get_str(ctx.state.meta_name(op.meta_name())),
    };
    if other_mm.is_nil() {
        return Err(ctx.error(format!(
            "attempt to {} a '{}' with a '{}'",
            &event[2..],
            a.type_name(),
            b.type_name()
        )));
    }
    let r = ctx.call1(other_mm, &[a, b])?;
    ctx.ret1(r)
}

#[cfg(test)]
mod tests {
    use crate::stdlib::test_support::run;

    fn message_of(src: &str) -> String {
        run(&format!(
            "local ok, e = pcall(function() {src} end) return e"
        ))[0]
            .clone()
    }

    #[test]
    fn numeric_strings_are_coerced() {
        assert_eq!(
            run("return '10' + 1, '3' * '4', -'2', '7' // 2, '1e1' / 4, '0x10' % 3"),
            ["11", "12", "-2", "3", "2.5", "1"]
        );
    }

    #[test]
    fn failures_name_the_event_and_the_types() {
        assert_eq!(
            message_of("return 'abc' + 1"),
            "test:1: attempt to add a 'string' with a 'number'"
        );
        assert_eq!(
            message_of("return {} * 'abc'"),
            "test:1: attempt to mul a 'table' with a 'string'"
        );
        assert_eq!(
            message_of("return -'abc'"),
            "test:1: attempt to unm a 'string' with a 'string'"
        );
        // Raised by the core inside the metamethod: no position.
        assert_eq!(message_of("return '3' % '0'"), "attempt to perform 'n%0'");
    }

    #[test]
    fn the_other_operand_metamethod_runs() {
        assert_eq!(
            run(
                "local t = setmetatable({}, {__add = function(a, b) return type(a) .. type(b) end})
                 return 'abc' + t, t + 'abc'"
            ),
            ["stringtable", "tablestring"]
        );
    }

    #[test]
    fn without_the_metamethod_strings_are_not_numbers() {
        assert_eq!(
            message_of("getmetatable('').__add = nil; local s = '1'; return s + 1"),
            "test:1: attempt to perform arithmetic on a string value (local 's')"
        );
    }
}

//! The `string` library (except `pack`, `packsize` and `unpack`) and the
//! metatable that lets strings be used as objects (`s:upper()`).
//!
//! The matching and formatting engines live in `pattern.rs` and `format.rs`;
//! this file converts between Lua values and those engines and applies Lua's
//! argument rules (negative positions, defaults, error messages).

use gc_arena::Mutation;

use crate::function::{new_native, NativeKind};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::ops;
use crate::runtime::state::State;
use crate::stdlib::format::{self, Arg, ArgumentKind, Piece};
use crate::stdlib::pattern::{self, Capture, Match, MatchIter, PatternError};
use crate::stdlib::{new_library, set_fn, set_quick, set_value};
use crate::string::LuaString;
use crate::table::Table;
use crate::value::Value;

type R<'gc> = Result<usize, LuaError<'gc>>;

/// Largest string `rep` may build, as in Lua 5.4 (`MAXSIZE` of lstrlib.c is
/// bounded by `INT_MAX`).
const MAX_RESULT_LEN: usize = i32::MAX as usize;

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let lib = new_library(mc, state, "string");
    set_fn(mc, state, lib, "dump", dump);
    set_quick(mc, state, lib, "len", quick::len, len);
    set_quick(mc, state, lib, "sub", quick::sub, sub);
    set_fn(mc, state, lib, "upper", upper);
    set_fn(mc, state, lib, "lower", lower);
    set_fn(mc, state, lib, "rep", rep);
    set_fn(mc, state, lib, "reverse", reverse);
    set_quick(mc, state, lib, "byte", quick::byte, byte);
    set_quick(mc, state, lib, "char", quick::char, char);
    set_fn(mc, state, lib, "format", format);
    set_fn(mc, state, lib, "find", find);
    set_fn(mc, state, lib, "match", match_);
    set_fn(mc, state, lib, "gmatch", gmatch);
    set_fn(mc, state, lib, "gsub", gsub);
    set_fn(mc, state, lib, "pack", crate::stdlib::pack::pack);
    set_fn(mc, state, lib, "packsize", crate::stdlib::pack::packsize);
    set_fn(mc, state, lib, "unpack", crate::stdlib::pack::unpack);

    let meta = Table::new(mc);
    set_value(mc, state, meta, "__index", Value::Table(lib));
    crate::stdlib::string_arith::install(mc, state, meta);
    *state.string_metatable.borrow_mut(mc) = Some(meta);
}

/// `ctx.check_string(i)` with the common case (a string) inlined.
#[inline(always)]
fn string_arg<'gc>(ctx: &Ctx<'gc, '_>, i: usize) -> Result<LuaString<'gc>, LuaError<'gc>> {
    match ctx.arg(i) {
        Value::String(s) => Ok(s),
        _ => ctx.check_string(i),
    }
}

/// `ctx.check_integer(i)` with the common case (an integer) inlined.
#[inline(always)]
fn int_arg<'gc>(ctx: &Ctx<'gc, '_>, i: usize) -> Result<i64, LuaError<'gc>> {
    match ctx.arg(i) {
        Value::Integer(n) => Ok(n),
        _ => ctx.check_integer(i),
    }
}

/// `ctx.opt_integer(i, default)` with the common cases (an integer, none) inlined.
#[inline(always)]
fn opt_int_arg<'gc>(ctx: &Ctx<'gc, '_>, i: usize, default: i64) -> Result<i64, LuaError<'gc>> {
    match ctx.arg(i) {
        Value::Integer(n) => Ok(n),
        Value::Nil => Ok(default),
        _ => ctx.check_integer(i),
    }
}

/// A start position relative to a string of length `len` (Lua's `posrelatI`):
/// negative counts from the end, anything before the start clamps to 1.
fn start_position(pos: i64, len: usize) -> usize {
    let len = len as i64;
    if pos > 0 {
        pos as usize
    } else if pos == 0 || pos < -len {
        1
    } else {
        (len + pos + 1) as usize
    }
}

/// An end position (Lua's `getendpos`): clamped to `0..=len`.
fn end_position(pos: i64, len: usize) -> usize {
    let len_i = len as i64;
    if pos > len_i {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos < -len_i {
        0
    } else {
        (len_i + pos + 1) as usize
    }
}

/// `string.dump(f [, strip])`: a Lua function's code as a binary chunk for `load` (the
/// format is described in `compiler/dump.rs`).
fn dump<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let strip = ctx.arg(1).is_truthy();
    let bytes = match ctx.arg(0) {
        Value::Function(c) => crate::compiler::dump(&c.proto.get().info, strip),
        Value::NativeFunction(_) => return Err(ctx.error("unable to dump given function")),
        _ => return Err(ctx.type_error(0, "function")),
    };
    let s = ctx.new_string(&bytes);
    ctx.ret1(s)
}

fn len<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = ctx.check_string(0)?;
    ctx.ret1(Value::Integer(s.len() as i64))
}

fn sub<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = string_arg(ctx, 0)?;
    let (i, j) = (int_arg(ctx, 1)?, opt_int_arg(ctx, 2, -1)?);
    ctx.ret1(Value::String(substring(ctx.mc, ctx.state, s, i, j)))
}

/// `s:sub(i, j)` of integer positions.
fn substring<'gc>(
    mc: &'gc Mutation<'gc>,
    state: &State<'gc>,
    s: LuaString<'gc>,
    i: i64,
    j: i64,
) -> LuaString<'gc> {
    let start = start_position(i, s.len());
    let end = end_position(j, s.len());
    if start == 1 && end == s.len() {
        // The whole string: itself (strings are immutable), not a copy.
        return s;
    }
    let bytes = if start <= end {
        &s.as_bytes()[start - 1..end]
    } else {
        &[][..]
    };
    state.new_string(mc, bytes)
}

fn upper<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = ctx.check_string(0)?;
    let v = ctx.new_string(&s.as_bytes().to_ascii_uppercase());
    ctx.ret1(v)
}

fn lower<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = ctx.check_string(0)?;
    let v = ctx.new_string(&s.as_bytes().to_ascii_lowercase());
    ctx.ret1(v)
}

fn reverse<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = ctx.check_string(0)?;
    let mut bytes = s.as_bytes().to_vec();
    bytes.reverse();
    let v = ctx.new_string(&bytes);
    ctx.ret1(v)
}

fn rep<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = ctx.check_string(0)?.as_bytes();
    let n = ctx.check_integer(1)?;
    let sep = match ctx.opt_string(2)? {
        Some(sep) => sep.as_bytes(),
        None => &[][..],
    };
    if n <= 0 || (s.is_empty() && sep.is_empty()) {
        let v = ctx.new_string(b"");
        return ctx.ret1(v);
    }
    // Same test as Lua: each repetition costs `s` plus one separator.
    let unit = s.len() + sep.len();
    if unit > MAX_RESULT_LEN / n as u64 as usize {
        return Err(ctx.error("resulting string too large"));
    }
    let n = n as usize;
    // Within the memory limit, and an error rather than an abort if the system has no room.
    let mut out = crate::limits::try_buffer(ctx.mc, unit * n - sep.len())
        .map_err(|e| ctx.core_error(e.message()))?;
    for i in 0..n {
        if i > 0 {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(s);
    }
    let v = ctx.new_string_owned(out);
    ctx.ret1(v)
}

fn byte<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let s = string_arg(ctx, 0)?.as_bytes();
    let first = opt_int_arg(ctx, 1, 1)?;
    let start = start_position(first, s.len());
    // The end defaults to the start argument as given, before clamping, so
    // `("hi"):byte(-3)` is empty rather than the first byte.
    let end = end_position(opt_int_arg(ctx, 2, first)?, s.len());
    if start > end {
        return Ok(0);
    }
    if end - start >= i32::MAX as usize {
        return Err(ctx.error("string slice too long"));
    }
    for &b in &s[start - 1..end] {
        ctx.push(Value::Integer(i64::from(b)));
    }
    Ok(end - start + 1)
}

/// Longest string reference Lua interns (`LUAI_MAXSHORTLEN`).
const MAX_SHORT_STRING: usize = 40;

/// What `%p` shows for a value. Reference Lua interns short strings, so equal
/// short strings share one address; wayfinder does not intern, so a short
/// string is identified by its content hash instead, which keeps that
/// equality visible through `%p`.
fn pointer_identity(value: Value<'_>) -> Option<usize> {
    match value {
        Value::String(s) if s.len() <= MAX_SHORT_STRING => Some((s.hash_value() as usize).max(1)),
        _ => value.object_address(),
    }
}

fn char<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let mut out = Vec::with_capacity(ctx.nargs());
    for i in 0..ctx.nargs() {
        let c = ctx.check_integer(i)?;
        let b = u8::try_from(c).map_err(|_| ctx.arg_error(i, "value out of range"))?;
        out.push(b);
    }
    let v = ctx.new_string(&out);
    ctx.ret1(v)
}

fn format<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let fmt = ctx.check_string(0)?.as_bytes();
    let mut out = ctx.state.take_scratch();
    let mut arg = 0;
    for piece in format::pieces(fmt) {
        let raw = match piece {
            Piece::Literal(bytes) => {
                out.extend_from_slice(bytes);
                continue;
            }
            Piece::Spec(raw) => raw,
        };
        arg += 1;
        if arg >= ctx.nargs() {
            return Err(ctx.arg_error(arg, "no value"));
        }
        let spec = raw.parse().map_err(|e| ctx.error(e.to_string()))?;
        let value = ctx.arg(arg);
        // Holds a converted string so `Arg::Str` can borrow it.
        let shown: LuaString<'gc>;
        let converted = match spec.conversion.argument() {
            ArgumentKind::Integer => Arg::Integer(ctx.check_integer(arg)?),
            ArgumentKind::Number => match ctx.check_number(arg)? {
                Value::Integer(n) => Arg::Integer(n),
                v => Arg::Float(v.as_float().unwrap_or(f64::NAN)),
            },
            ArgumentKind::String => {
                shown = ctx.to_display_string(value)?;
                Arg::Str(shown.as_bytes())
            }
            ArgumentKind::Pointer => Arg::Pointer(pointer_identity(value)),
            ArgumentKind::Literal => match value {
                Value::String(s) => Arg::Str(s.as_bytes()),
                Value::Integer(n) => Arg::Integer(n),
                Value::Number(x) => Arg::Float(x),
                Value::Nil | Value::Boolean(_) => {
                    // Written as `tostring` would; `parse` already refused modifiers.
                    shown = ctx.to_display_string(value)?;
                    out.extend_from_slice(shown.as_bytes());
                    continue;
                }
                _ => return Err(ctx.arg_error(arg, "value has no literal form")),
            },
        };
        if let Err(e) = spec.format(converted, &mut out) {
            return Err(if e.is_argument_error() {
                ctx.arg_error(arg, e.to_string())
            } else {
                ctx.error(e.to_string())
            });
        }
    }
    let v = ctx.state.string_from_buffer(ctx.mc, out);
    ctx.ret1(Value::String(v))
}

/// A pattern error raised as Lua does (`luaL_error`, with the caller's position).
fn pattern_error<'gc>(ctx: &Ctx<'gc, '_>, e: PatternError) -> LuaError<'gc> {
    ctx.error(e.to_string())
}

/// The Lua value of one capture of `subject`.
fn capture_value<'gc>(ctx: &Ctx<'gc, '_>, subject: &[u8], c: Capture) -> Value<'gc> {
    match c {
        Capture::Span(start, end) => ctx.new_string(&subject[start..end]),
        Capture::Position(p) => Value::Integer(p as i64 + 1),
    }
}

/// Pushes `captures` as results and returns how many.
fn push_captures<'gc>(ctx: &mut Ctx<'gc, '_>, subject: &[u8], captures: &[Capture]) -> usize {
    for &c in captures {
        let v = capture_value(ctx, subject, c);
        ctx.push(v);
    }
    captures.len()
}

/// `string.find` and `string.match` (Lua's `str_find_aux`).
fn find_aux<'gc>(ctx: &mut Ctx<'gc, '_>, is_find: bool) -> R<'gc> {
    let subject = string_arg(ctx, 0)?.as_bytes();
    let pat = string_arg(ctx, 1)?.as_bytes();
    let init = start_position(opt_int_arg(ctx, 2, 1)?, subject.len()) - 1;
    if init > subject.len() {
        return ctx.ret1(Value::Nil);
    }
    if is_find && (ctx.arg(3).is_truthy() || pattern::is_plain(pat)) {
        return match pattern::find_plain(subject, pat, init) {
            Some(at) => {
                ctx.push(Value::Integer(at as i64 + 1));
                ctx.push(Value::Integer((at + pat.len()) as i64));
                Ok(2)
            }
            None => ctx.ret1(Value::Nil),
        };
    }
    let found = pattern::find_with(subject, pat, init, |start, end, captures| {
        // An unfinished capture is an error (the values pushed before it are dropped
        // with the call).
        let mut n = 0;
        if is_find {
            ctx.push(Value::Integer(start as i64 + 1));
            ctx.push(Value::Integer(end as i64));
            n = 2;
        } else if captures.is_empty() {
            let v = capture_value(ctx, subject, Capture::Span(start, end));
            ctx.push(v);
            return Ok(1);
        }
        for i in 0..captures.len() {
            let v = capture_value(ctx, subject, captures.get(i)?);
            ctx.push(v);
        }
        Ok(n + captures.len())
    });
    match found.and_then(|r| r.transpose()) {
        Ok(Some(n)) => Ok(n),
        Ok(None) => ctx.ret1(Value::Nil),
        Err(e) => Err(pattern_error(ctx, e)),
    }
}

fn find<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    find_aux(ctx, true)
}

fn match_<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    find_aux(ctx, false)
}

// Upvalues of the iterator `gmatch` returns.
const GM_SUBJECT: usize = 0;
const GM_PATTERN: usize = 1;
/// 0-based offset where the next search starts.
const GM_POS: usize = 2;
/// End offset of the previous match, or -1 before the first: an empty match
/// there is skipped so the iteration always advances.
const GM_LAST_MATCH: usize = 3;

fn gmatch<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let subject = ctx.check_string(0)?;
    let pat = ctx.check_string(1)?;
    let init = start_position(ctx.opt_integer(2, 1)?, subject.len()) - 1;
    // Starting past the end leaves nothing to match, not even the empty
    // string at the end of the subject.
    let init = init.min(subject.len() + 1);
    let iter = new_native(
        ctx.mc,
        "gmatch_step",
        NativeKind::Fn(gmatch_step),
        vec![
            Value::String(subject),
            Value::String(pat),
            Value::Integer(init as i64),
            Value::Integer(-1),
        ],
    );
    ctx.ret1(Value::NativeFunction(iter))
}

/// One step of a `gmatch` iterator: the next match's captures, or nothing.
fn gmatch_step<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (Value::String(subject), Value::String(pat)) =
        (ctx.upvalue(GM_SUBJECT), ctx.upvalue(GM_PATTERN))
    else {
        return Err(ctx.error("gmatch iterator has lost its state"));
    };
    let (subject, pat) = (subject.as_bytes(), pat.as_bytes());
    let offset = |v: Value<'gc>| match v {
        Value::Integer(n) => usize::try_from(n).ok(),
        _ => None,
    };
    let pos = offset(ctx.upvalue(GM_POS)).unwrap_or(subject.len() + 1);
    let last_match = offset(ctx.upvalue(GM_LAST_MATCH));
    // One matcher for the whole search, which skips the starts where the pattern's
    // first item cannot match (in Lua 5.4 a `^` in a gmatch pattern is an ordinary
    // character, and `MatchIter::gmatch` treats it so).
    let mut iter = pattern::MatchIter::gmatch_resumed(pos, last_match);
    let found = iter.next(subject, pat).map_err(|e| pattern_error(ctx, e))?;
    match found {
        Some(m) => {
            ctx.set_upvalue(GM_POS, Value::Integer(m.end as i64));
            ctx.set_upvalue(GM_LAST_MATCH, Value::Integer(m.end as i64));
            if m.capture_count() == 0 {
                // The whole match, without `Match::values`'s vector.
                let whole = pattern::Capture::Span(m.start, m.end);
                return Ok(push_captures(ctx, subject, &[whole]));
            }
            let values = m.values().map_err(|e| pattern_error(ctx, e))?;
            Ok(push_captures(ctx, subject, &values))
        }
        None => {
            ctx.set_upvalue(GM_POS, Value::Integer(iter.position() as i64));
            Ok(0)
        }
    }
}

/// What `gsub` replaces each match with.
enum Replacement<'gc> {
    Text(&'gc [u8]),
    Table(Value<'gc>),
    Function(Value<'gc>),
}

fn gsub<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let subject_string = ctx.check_string(0)?;
    let subject = subject_string.as_bytes();
    let pat = ctx.check_string(1)?.as_bytes();
    let repl = match ctx.arg(2) {
        Value::String(_) | Value::Integer(_) | Value::Number(_) => {
            Replacement::Text(ctx.check_string(2)?.as_bytes())
        }
        v @ Value::Table(_) => Replacement::Table(v),
        v @ (Value::Function(_) | Value::NativeFunction(_)) => Replacement::Function(v),
        _ => return Err(ctx.type_error(2, "string/function/table")),
    };
    let max = ctx.opt_integer(3, subject.len() as i64 + 1)?;
    let mut out = ctx.state.take_scratch();
    out.reserve(subject.len());
    let mut iter = MatchIter::gsub(pat);
    let mut copied = 0;
    let mut count: i64 = 0;
    let mut changed = false;
    while count < max {
        let found = iter.next(subject, pat).map_err(|e| pattern_error(ctx, e))?;
        let Some(m) = found else { break };
        count += 1;
        out.extend_from_slice(&subject[copied..m.start]);
        changed |= add_replacement(ctx, subject, &m, &repl, &mut out)?;
        copied = m.end;
    }
    // With nothing replaced the result is the subject itself, as in Lua (the
    // same object, which `%p` can observe).
    let v = if changed {
        out.extend_from_slice(&subject[copied..]);
        Value::String(ctx.state.string_from_buffer(ctx.mc, out))
    } else {
        if out.capacity() <= 1 << 16 {
            *ctx.state.scratch.borrow_mut() = out;
        }
        Value::String(subject_string)
    };
    ctx.push(v);
    ctx.push(Value::Integer(count));
    Ok(2)
}

/// Appends the replacement for match `m` (Lua's `add_value`); tells whether
/// it differs from keeping the matched text.
fn add_replacement<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    subject: &[u8],
    m: &Match,
    repl: &Replacement<'gc>,
    out: &mut Vec<u8>,
) -> Result<bool, LuaError<'gc>> {
    let value = match *repl {
        Replacement::Text(text) => {
            pattern::expand_replacement(subject, m, text, out)
                .map_err(|e| pattern_error(ctx, e))?;
            return Ok(true);
        }
        Replacement::Table(t) => {
            let key = m.first_value().map_err(|e| pattern_error(ctx, e))?;
            let key = capture_value(ctx, subject, key);
            ctx.index(t, key)?
        }
        Replacement::Function(f) => {
            let captures = m.values().map_err(|e| pattern_error(ctx, e))?;
            let args: Vec<Value<'gc>> = captures
                .iter()
                .map(|&c| capture_value(ctx, subject, c))
                .collect();
            ctx.call1(f, &args)?
        }
    };
    match value {
        // false or nil keeps the original text.
        Value::Nil | Value::Boolean(false) => {
            out.extend_from_slice(&subject[m.start..m.end]);
            return Ok(false);
        }
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Integer(_) | Value::Number(_) => {
            let text = ops::number_to_string(value).unwrap_or_default();
            out.extend_from_slice(text.as_bytes());
        }
        v => return Err(ctx.error(format!("invalid replacement value (a {})", v.type_name()))),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use crate::stdlib::test_support::run;

    #[test]
    fn smoke() {
        run("assert(string.len('abc') == 3)");
    }
}

/// The `QuickFn`s of the library (see `NativeKind::Quick`): a string and integer positions;
/// numbers to convert, other types and rare forms go to the native.
mod quick {
    use gc_arena::Mutation;

    use super::{end_position, start_position};
    use crate::runtime::state::State;
    use crate::value::Value;

    type Quick<'gc> = Option<Value<'gc>>;

    /// Argument `i` as an integer: `default` when absent or nil; `None` for anything else
    /// but an integer.
    fn int_or(args: &[Value<'_>], i: usize, default: i64) -> Option<i64> {
        match args.get(i) {
            None | Some(Value::Nil) => Some(default),
            Some(Value::Integer(n)) => Some(*n),
            Some(_) => None,
        }
    }

    pub fn len<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        match args.first()? {
            Value::String(s) => Some(Value::Integer(s.len() as i64)),
            _ => None,
        }
    }

    /// `string.sub` (`s:sub(i, j)`): as the native computes it.
    pub fn sub<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        let (Value::String(s), Some(Value::Integer(i))) = (*args.first()?, args.get(1)) else {
            return None;
        };
        let j = int_or(args, 2, -1)?;
        Some(Value::String(super::substring(mc, state, s, *i, j)))
    }

    /// `string.char` of integers that are all bytes.
    pub fn char<'gc>(
        mc: &'gc Mutation<'gc>,
        state: &State<'gc>,
        args: &[Value<'gc>],
    ) -> Quick<'gc> {
        let mut out = [0u8; 8];
        if args.len() > out.len() {
            return None;
        }
        for (b, v) in out.iter_mut().zip(args) {
            match *v {
                Value::Integer(c) => *b = u8::try_from(c).ok()?,
                _ => return None,
            }
        }
        Some(Value::String(state.new_string(mc, &out[..args.len()])))
    }

    /// `string.byte(s [, i])` when it gives one byte (the native gives none for a position
    /// outside the string).
    pub fn byte<'gc>(_: &'gc Mutation<'gc>, _: &State<'gc>, args: &[Value<'gc>]) -> Quick<'gc> {
        let Value::String(s) = *args.first()? else {
            return None;
        };
        if args.len() > 2 {
            return None;
        }
        let first = int_or(args, 1, 1)?;
        let start = start_position(first, s.len());
        let end = end_position(first, s.len());
        if start != end {
            return None;
        }
        Some(Value::Integer(i64::from(*s.as_bytes().get(start - 1)?)))
    }
}

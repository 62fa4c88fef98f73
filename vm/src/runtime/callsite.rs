//! How a called function is named in messages, as lua5.4 names it: from the instruction
//! that called it (`getinfo`'s `namewhat`/`name`), or else from where it sits among the
//! loaded libraries (`pushglobalfuncname`, e.g. `table.insert`).

use gc_arena::{Gc, Mutation};

use crate::bytecode::Instr;
use crate::runtime::error::register_name;
use crate::runtime::state::State;
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::{Frame, ThreadState};
use crate::value::Value;

/// How the instruction running in frame `caller` names the function it is calling: the
/// `namewhat` of lua5.4's `getinfo` ("global", "local", "method", "field", "upvalue",
/// "constant", "for iterator", "metamethod") and the name. `None` when `caller` is not a Lua
/// frame (a native, `pcall` or a nested call from Rust made the call) or the instruction
/// gives no name.
///
/// For a native function, `caller` is the top frame (natives run without a frame of their
/// own). For the Lua function in frame `i`, it is `i - 1`, unless frame `i` was entered by
/// a tail call, which leaves no caller to ask.
pub fn call_site_name(th: &ThreadState<'_>, caller: usize) -> Option<(&'static str, String)> {
    let frame = match th.frames.get(caller) {
        Some(Frame::Lua(frame)) => frame,
        // A hook function is called by the hook machinery, as lua5.4 names it.
        Some(Frame::Hook { .. }) => return Some(("hook", "?".into())),
        Some(Frame::Finalizer) => return Some(("metamethod", "__gc".into())),
        _ => return None,
    };
    let proto = Gc::as_ref(frame.proto);
    let ins = *proto.info.code.get(frame.pc.checked_sub(1)?)?;
    let event = match ins {
        Instr::Call { a, .. } | Instr::TailCall { a, .. } => {
            return register_name(&proto.info, &proto.constants, frame.pc, a);
        }
        Instr::TForCall { .. } => return Some(("for iterator", "for iterator".into())),
        other => metamethod_event(other)?,
    };
    Some(("metamethod", event.into()))
}

/// The metamethod event (without `__`) an instruction can call.
fn metamethod_event(ins: Instr) -> Option<&'static str> {
    use Instr::*;
    Some(match ins {
        SelfK { .. } | GetTabUp { .. } | GetTable { .. } | GetI { .. } | GetField { .. } => "index",
        SetTabUp { .. }
        | SetTabUpK { .. }
        | SetTable { .. }
        | SetTableK { .. }
        | SetI { .. }
        | SetIK { .. }
        | SetField { .. }
        | SetFieldK { .. } => "newindex",
        AddI { .. } | IAdd { .. } | AddK { .. } | KAdd { .. } | Add { .. } => "add",
        SubI { .. } | SubK { .. } | Sub { .. } => "sub",
        MulK { .. } | KMul { .. } | Mul { .. } => "mul",
        ModK { .. } | Mod { .. } => "mod",
        PowK { .. } | Pow { .. } => "pow",
        DivK { .. } | Div { .. } => "div",
        IDivK { .. } | IDiv { .. } => "idiv",
        BAndK { .. } | BAnd { .. } => "band",
        BOrK { .. } | BOr { .. } => "bor",
        BXorK { .. } | BXor { .. } => "bxor",
        ShrI { .. } | Shr { .. } => "shr",
        ShlI { .. } | Shl { .. } => "shl",
        Unm { .. } => "unm",
        BNot { .. } => "bnot",
        Len { .. } => "len",
        Concat { .. } => "concat",
        Eq { .. } => "eq",
        Lt { .. } | LtI { .. } | GtI { .. } | LtF { .. } | GtF { .. } => "lt",
        Le { .. } | LeI { .. } | GeI { .. } | LeF { .. } | GeF { .. } => "le",
        Close { .. } | Return { .. } | Return0 | Return1 { .. } => "close",
        _ => return None,
    })
}

/// Where `f` sits among the loaded libraries, as lua5.4's `pushglobalfuncname` finds it:
/// `"table.insert"` for a field of `package.loaded.table`, `"print"` for a global (the
/// `_G.` prefix is dropped), or a module name when the module itself is `f`.
pub fn loaded_function_name<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    f: Value<'gc>,
) -> Option<String> {
    let key = Value::String(LuaString::new(mc, b"_LOADED"));
    let Value::Table(loaded) = state.registry.get(key) else {
        return None;
    };
    let mut found = None;
    for_each_string_key(loaded, |module, value| {
        if value.raw_eq(f) {
            found = Some(module.to_string());
            return true;
        }
        let Value::Table(lib) = value else {
            return false;
        };
        for_each_string_key(lib, |field, v| {
            if v.raw_eq(f) {
                found = Some(format!("{module}.{field}"));
            }
            found.is_some()
        });
        found.is_some()
    });
    found.map(|name| match name.strip_prefix("_G.") {
        Some(global) => global.to_string(),
        None => name,
    })
}

/// The text of lua5.4's `luaL_argerror` for argument `arg` (1-based) of the native `f`
/// that frame `caller` called (without the position prefix): `bad argument #2 to 'insert'
/// (...)`, or `calling 'm' on bad self (...)` when a method call's object is at fault.
pub(crate) fn arg_error_text<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    th: &ThreadState<'gc>,
    f: Value<'gc>,
    arg: usize,
    msg: &str,
) -> String {
    let site = th
        .frames
        .len()
        .checked_sub(1)
        .and_then(|caller| call_site_name(th, caller));
    let mut arg = arg;
    let name = match site {
        Some(("method", name)) => {
            // `self` is not counted.
            arg -= 1;
            if arg == 0 {
                return format!("calling '{name}' on bad self ({msg})");
            }
            name
        }
        Some((_, name)) => name,
        None => loaded_function_name(mc, state, f).unwrap_or_else(|| "?".into()),
    };
    format!("bad argument #{arg} to '{name}' ({msg})")
}

/// Visit the string-keyed entries of `t` in `next` order until `visit` returns true.
fn for_each_string_key<'gc>(t: Table<'gc>, mut visit: impl FnMut(&str, Value<'gc>) -> bool) {
    let mut key = Value::Nil;
    while let Ok(Some((k, v))) = t.next(key) {
        key = k;
        if let Value::String(s) = k {
            if visit(&s.to_str_lossy(), v) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::stdlib::test_support::{run, run_err};

    fn message_of(src: &str) -> String {
        run(&format!(
            "local ok, e = pcall(function() {src} end) return e"
        ))[0]
            .clone()
    }

    #[test]
    fn names_from_the_call_instruction() {
        assert_eq!(
            message_of("string.rep()"),
            "test:1: bad argument #1 to 'rep' (string expected, got no value)"
        );
        assert_eq!(
            message_of("local up = string.upper; up({})"),
            "test:1: bad argument #1 to 'up' (string expected, got table)"
        );
        assert_eq!(
            message_of("tostring()"),
            "test:1: bad argument #1 to 'tostring' (value expected)"
        );
    }

    #[test]
    fn method_calls_do_not_count_self() {
        assert_eq!(
            message_of("('x'):rep('y')"),
            "test:1: bad argument #1 to 'rep' (number expected, got string)"
        );
        assert_eq!(
            message_of("local t = {f = string.rep}; t:f()"),
            "test:1: calling 'f' on bad self (string expected, got table)"
        );
    }

    #[test]
    fn callers_that_are_not_lua_use_the_library_name() {
        assert_eq!(
            run("return select(2, pcall(table.insert, {}, 3, 1))")[0],
            "bad argument #2 to 'table.insert' (position out of bounds)"
        );
        assert_eq!(
            run("return select(2, pcall(string.rep))")[0],
            "bad argument #1 to 'string.rep' (string expected, got no value)"
        );
        assert_eq!(
            run("return select(2, pcall(tostring))")[0],
            "bad argument #1 to 'tostring' (value expected)"
        );
    }

    #[test]
    fn generic_for_and_metamethods() {
        assert_eq!(
            message_of("for k in next, nil do end"),
            "test:1: bad argument #1 to 'for iterator' (table expected, got nil)"
        );
        assert_eq!(
            message_of("local t = setmetatable({}, {__index = string.rep}); return t.x"),
            "test:1: bad argument #1 to 'index' (string expected, got table)"
        );
        assert!(run_err("string.rep()").contains("bad argument #1 to 'rep'"));
    }

    #[test]
    fn builtins_are_named_the_same_way() {
        assert_eq!(
            run("return select(2, pcall(coroutine.resume))")[0],
            "bad argument #1 to 'coroutine.resume' (thread expected, got no value)"
        );
        assert_eq!(
            message_of("local co = {r = coroutine.resume}; co:r()"),
            "test:1: calling 'r' on bad self (thread expected, got table)"
        );
        assert_eq!(
            run("return select(2, pcall(xpcall, print, 1))")[0],
            "bad argument #2 to 'xpcall' (function expected, got number)"
        );
        assert_eq!(
            message_of("error('x', 1.5)"),
            "test:1: bad argument #2 to 'error' (number has no integer representation)"
        );
    }

    #[test]
    fn indexed_callees_are_fields() {
        assert_eq!(
            message_of("local t = {}; t[1]()"),
            "test:1: attempt to call a nil value (field 'integer index')"
        );
        assert_eq!(
            message_of("local t, k = {}, 'a'; t[k]()"),
            "test:1: attempt to call a nil value (field '?')"
        );
    }

    #[test]
    fn conditionally_loaded_callees_have_no_name() {
        assert_eq!(
            message_of("(string.rep or print)()"),
            "test:1: bad argument #1 to 'string.rep' (string expected, got no value)"
        );
        assert_eq!(
            message_of("local t = nil; (t or {}).x.y = 1"),
            "test:1: attempt to index a nil value (field 'x')"
        );
    }

    #[test]
    fn call_errors_name_the_callee_by_its_call_site() {
        assert_eq!(
            message_of("for k in nil do end"),
            "test:1: attempt to call a nil value (for iterator 'for iterator')"
        );
        assert_eq!(
            message_of("local t = setmetatable({}, {__add = 1}); return t + 1"),
            "test:1: attempt to call a number value (metamethod 'add')"
        );
        assert_eq!(
            run("return select(2, pcall(function() pcall(nil) return pcall(nil) end))")[1],
            "attempt to call a nil value"
        );
    }
}

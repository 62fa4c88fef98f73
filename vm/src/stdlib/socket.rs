//! `socket`: the two timing functions of luasocket that game loops and servers written for
//! it use — `socket.sleep` and `socket.gettime` — so such programs run unchanged. There is
//! no networking here. Registered as `require("socket")` and as the global `socket`.
//!
//! `socket.sleep` is a safe point: jobs from the control port (hot reloads) that arrive
//! while the program sleeps run at once, and the sleep then continues for the rest of its
//! time.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gc_arena::Mutation;

use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::safepoint;
use crate::runtime::state::State;
use crate::value::Value;

use super::{new_library, set_fn};

type R<'gc> = Result<usize, LuaError<'gc>>;

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let socket = new_library(mc, state, "socket");
    set_fn(mc, state, socket, "sleep", socket_sleep);
    set_fn(mc, state, socket, "gettime", socket_gettime);
}

/// How long `socket.sleep(n)` sleeps: as luasocket, negative (and NaN) is no time and the
/// longest sleep is `INT_MAX` seconds.
fn sleep_duration(seconds: f64) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(seconds.min(i32::MAX as f64))
    }
}

/// `socket.sleep(seconds)`: block for `seconds` (fractions allowed); returns nothing.
fn socket_sleep<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let seconds = ctx.check_float(0)?;
    let duration = sleep_duration(seconds);
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(i32::MAX as u64 / 2));
    let mut env = ctx.env();
    safepoint::sleep_until(&mut env, deadline);
    Ok(0)
}

/// `socket.gettime()`: seconds since the Unix epoch, as a float with sub-second precision.
fn socket_gettime<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    ctx.ret1(Value::Number(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdlib::test_support::run;

    #[test]
    fn sleep_duration_follows_luasocket() {
        assert_eq!(sleep_duration(-1.0), Duration::ZERO);
        assert_eq!(sleep_duration(f64::NAN), Duration::ZERO);
        assert_eq!(sleep_duration(0.25), Duration::from_millis(250));
        assert_eq!(sleep_duration(1e300), Duration::from_secs(i32::MAX as u64));
    }

    #[test]
    fn socket_is_a_global_and_a_module() {
        let r = run("local s = require('socket')
             assert(s == socket and package.loaded.socket == s)
             local t0 = socket.gettime()
             assert(math.type(t0) == 'float' and t0 > 1.6e9)
             assert(select('#', socket.sleep(0.01)) == 0)
             socket.sleep(-5)
             socket.sleep('0')
             assert(socket.gettime() - t0 >= 0.01)
             local ok, err = pcall(socket.sleep)
             return ok, err");
        assert_eq!(r[0], "false");
        assert!(
            r[1].contains("bad argument #1 to")
                && r[1].ends_with("(number expected, got no value)"),
            "{}",
            r[1]
        );
    }
}

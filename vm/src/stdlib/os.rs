//! The `os` library: time and date, environment, files by name, processes, exit.
//!
//! Local time follows the system's time zone as the C library does for lua5.4: `TZ` (a zone
//! name, a TZif path or a POSIX rule string) or else `/etc/localtime`, through `jiff`, which
//! reads the system zone database. `os.date("!...")` is UTC. Times beyond jiff's years
//! (-9999..=9999) are moved by whole 400-year cycles, after which the Gregorian calendar and
//! the weekdays repeat, converted, and moved back, so the whole range of C's `struct tm`
//! works as in lua5.4.
//!
//! `os.clock` is the CPU time of the process in microseconds, as C's `clock()`.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use gc_arena::Mutation;
use jiff::civil;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::Timestamp;

use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::ops;
use crate::runtime::state::State;
use crate::value::Value;

use super::io::{flush_all, push_exec_result, push_io_failure, shell_command};
use super::{new_library, set_fn};

type R<'gc> = Result<usize, LuaError<'gc>>;

const SECONDS_PER_DAY: i64 = 86_400;
/// Seconds in 400 Gregorian years (146,097 days, a whole number of weeks).
const CYCLE_SECONDS: i64 = 146_097 * SECONDS_PER_DAY;
/// Times are converted within this many cycles of 1970 (years about -6030..=9970), well
/// inside jiff's range even after adding a zone's offset.
const SAFE_CYCLES: i64 = 20;

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let os = new_library(mc, state, "os");
    let functions: [(&'static str, crate::runtime::ctx::NativeFn); 11] = [
        ("clock", os_clock),
        ("date", os_date),
        ("difftime", os_difftime),
        ("exit", os_exit),
        ("getenv", os_getenv),
        ("remove", os_remove),
        ("rename", os_rename),
        ("setlocale", os_setlocale),
        ("time", os_time),
        ("tmpname", os_tmpname),
        ("execute", os_execute),
    ];
    for (name, f) in functions {
        set_fn(mc, state, os, name, f);
    }
}

/// A broken-down time (C's `struct tm`: the fields of `os.date("*t")`, and the zone).
#[derive(Clone, Debug, PartialEq, Eq)]
struct DateTime {
    year: i64,
    /// 1..=12
    month: i64,
    /// 1..=31
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    /// Days since Sunday, 0..=6.
    wday: i64,
    /// Day of the year, 1..=366.
    yday: i64,
    isdst: bool,
    /// Seconds east of UTC.
    offset: i32,
    /// The zone's abbreviation (`%Z`).
    zone: String,
}

/// `s` moved by whole 400-year cycles into the range jiff converts, and the cycles moved.
fn shift_into_range(s: i64) -> (i64, i64) {
    let limit = SAFE_CYCLES * CYCLE_SECONDS;
    let cycles = if s > limit {
        s.div_euclid(CYCLE_SECONDS) - (SAFE_CYCLES - 1)
    } else if s < -limit {
        s.div_euclid(CYCLE_SECONDS) + SAFE_CYCLES
    } else {
        0
    };
    (s - cycles * CYCLE_SECONDS, cycles)
}

fn timestamp(s: i64) -> Option<Timestamp> {
    Timestamp::from_second(s).ok()
}

/// The broken-down time of `t` (seconds since the epoch) in zone `tz` (`localtime`/`gmtime`).
fn broken_down(t: i64, tz: &TimeZone) -> Option<DateTime> {
    let (s, cycles) = shift_into_range(t);
    let ts = timestamp(s)?;
    let info = tz.to_offset_info(ts);
    let dt = info.offset().to_datetime(ts);
    Some(DateTime {
        year: i64::from(dt.year()) + 400 * cycles,
        month: i64::from(dt.month()),
        day: i64::from(dt.day()),
        hour: i64::from(dt.hour()),
        min: i64::from(dt.minute()),
        sec: i64::from(dt.second()),
        wday: i64::from(dt.weekday().to_sunday_zero_offset()),
        yday: i64::from(dt.day_of_year()),
        isdst: info.dst().is_dst(),
        offset: info.offset().seconds(),
        zone: info.abbreviation().to_string(),
    })
}

/// Seconds from the epoch to the civil time given by possibly out-of-range fields, counted
/// as if it were UTC, with the fields normalised as `mktime` does (month 14 is February of
/// the next year, day 0 the last day of the previous month, and so on).
fn civil_seconds(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64) -> Option<i64> {
    let month0 = month - 1;
    let year = year + month0.div_euclid(12);
    let month = month0.rem_euclid(12) + 1;
    // The first of the month, in the 400 years from 1970.
    let cycles = (year - 1970).div_euclid(400);
    let first = civil::date(
        i16::try_from(year - 400 * cycles).ok()?,
        i8::try_from(month).ok()?,
        1,
    )
    .at(0, 0, 0, 0);
    let first = Offset::UTC.to_timestamp(first).ok()?.as_second();
    let within_month = (day - 1) * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec;
    Some(first + cycles * CYCLE_SECONDS + within_month)
}

/// `isdst` in a zone's terms: what `Dst` says at `ts`.
fn is_dst_at(tz: &TimeZone, ts: Timestamp) -> bool {
    tz.to_offset_info(ts).dst().is_dst()
}

/// The time at which the civil time `civil` (seconds, as from `civil_seconds`) is seen in
/// zone `tz`, as `mktime` finds it. A civil time skipped by a transition (a gap) or seen
/// twice (a fold) is resolved by `isdst` when it picks one of the two sides, else as the
/// time before the transition would see it (so 02:30 in a spring-forward gap is 03:30 of
/// daylight time, and 01:30 in a fall-back fold the first, daylight one). An `isdst` that
/// disagrees with the zone takes the offset of the nearest time (within about 7 years) that
/// agrees with it, or else one hour off, as glibc's `mktime` does.
fn local_to_seconds(civil_secs: i64, isdst: Option<bool>, tz: &TimeZone) -> Option<i64> {
    let (s, cycles) = shift_into_range(civil_secs);
    let dt = Offset::UTC.to_datetime(timestamp(s)?);
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    let offset = ambiguous.offset();
    let first = ambiguous.compatible().ok()?;
    let resolved = match isdst {
        None => first,
        Some(want) => {
            // The readings of the civil time, each an offset and whether it is daylight
            // time, the usual reading first.
            let readings: Vec<(Offset, bool)> = match offset {
                AmbiguousOffset::Unambiguous { offset } => vec![(offset, is_dst_at(tz, first))],
                AmbiguousOffset::Gap { before, after }
                | AmbiguousOffset::Fold { before, after } => {
                    // Each side's offset governs one of these two instants (in a gap, the
                    // instant computed with one side's offset falls on the other side).
                    let infos: Vec<(Offset, bool)> = [before, after]
                        .iter()
                        .filter_map(|o| timestamp(s - i64::from(o.seconds())))
                        .map(|at| {
                            let info = tz.to_offset_info(at);
                            (info.offset(), info.dst().is_dst())
                        })
                        .collect();
                    [before, after]
                        .iter()
                        .filter_map(|&o| infos.iter().find(|(io, _)| *io == o).copied())
                        .collect()
                }
            };
            match readings.iter().find(|(_, dst)| *dst == want) {
                Some((o, _)) => timestamp(s - i64::from(o.seconds()))?,
                None => resolve_disagreeing_dst(s, first, want, tz)?,
            }
        }
    };
    Some(resolved.as_second() + cycles * CYCLE_SECONDS)
}

/// For `local_to_seconds`: `isdst` disagrees with the zone at `first`; look for a nearby time
/// whose `isdst` agrees (probing week by week in both directions) and read `civil_secs`
/// with its offset; when there is none, assume daylight time is one hour ahead.
fn resolve_disagreeing_dst(
    civil_secs: i64,
    first: Timestamp,
    want: bool,
    tz: &TimeZone,
) -> Option<Timestamp> {
    // The shortest runs of daylight or standard time in the database are a bit longer than
    // a week; the longest ones with an unusual difference about 14.5 years.
    const STRIDE: i64 = 601_200;
    const BOUND: i64 = 457_243_200 / 2 + STRIDE;
    let base = first.as_second();
    let mut delta = STRIDE;
    while delta < BOUND {
        for probe in [base - delta, base + delta] {
            let Some(at) = timestamp(probe) else { continue };
            let info = tz.to_offset_info(at);
            if info.dst().is_dst() == want {
                return timestamp(civil_secs - i64::from(info.offset().seconds()));
            }
        }
        delta += STRIDE;
    }
    let hours = if want { -1 } else { 1 };
    timestamp(base + 3600 * hours)
}

fn now_seconds() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// A date-table field as `os.time` reads it (`getfield` in Lua's loslib).
fn date_field<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    t: Value<'gc>,
    key: &str,
    default: Option<i64>,
    delta: i64,
) -> Result<i64, LuaError<'gc>> {
    let k = ctx.new_string(key.as_bytes());
    let v = ctx.index(t, k)?;
    let n = match ops::to_integer(v) {
        Some(n) => n,
        None => {
            if !v.is_nil() {
                return Err(ctx.error(format!("field '{key}' is not an integer")));
            }
            match default {
                Some(d) => return Ok(d),
                None => return Err(ctx.error(format!("field '{key}' missing in date table"))),
            }
        }
    };
    // C's `struct tm` holds `int`s.
    let in_range = if n >= 0 {
        n - delta <= i64::from(i32::MAX)
    } else {
        i64::from(i32::MIN) + delta <= n
    };
    if !in_range {
        return Err(ctx.error(format!("field '{key}' is out-of-bound")));
    }
    Ok(n)
}

/// Store the fields of `d` into table value `t` (as `os.date("*t")` and `os.time` do).
fn set_date_fields<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    t: Value<'gc>,
    d: &DateTime,
) -> Result<(), LuaError<'gc>> {
    let fields = [
        ("year", d.year),
        ("month", d.month),
        ("day", d.day),
        ("hour", d.hour),
        ("min", d.min),
        ("sec", d.sec),
        ("yday", d.yday),
        ("wday", d.wday + 1),
    ];
    for (key, value) in fields {
        let k = ctx.new_string(key.as_bytes());
        ctx.set_index(t, k, Value::Integer(value))?;
    }
    let k = ctx.new_string(b"isdst");
    ctx.set_index(t, k, Value::Boolean(d.isdst))
}

/// `os.time(t)` without the Lua plumbing: the time and the normalised fields, or `None`
/// when the result cannot be represented.
fn time_from_fields(
    fields: [i64; 6],
    isdst: Option<bool>,
    tz: &TimeZone,
) -> Option<(i64, DateTime)> {
    let [year, month, day, hour, min, sec] = fields;
    let seconds = local_to_seconds(civil_seconds(year, month, day, hour, min, sec)?, isdst, tz)?;
    let normal = broken_down(seconds, tz)?;
    // `mktime` signals failure with -1, so Lua rejects that time too.
    if i32::try_from(normal.year - 1900).is_err() || seconds == -1 {
        return None;
    }
    Some((seconds, normal))
}

fn os_time<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    if ctx.arg(0).is_nil() {
        return ctx.ret1(Value::Integer(now_seconds()));
    }
    let t = Value::Table(ctx.check_table(0)?);
    let year = date_field(ctx, t, "year", None, 1900)?;
    let month = date_field(ctx, t, "month", None, 1)?;
    let day = date_field(ctx, t, "day", None, 0)?;
    let hour = date_field(ctx, t, "hour", Some(12), 0)?;
    let min = date_field(ctx, t, "min", Some(0), 0)?;
    let sec = date_field(ctx, t, "sec", Some(0), 0)?;
    let k = ctx.new_string(b"isdst");
    let isdst = ctx.index(t, k)?;
    let isdst = (!isdst.is_nil()).then(|| isdst.is_truthy());
    let tz = TimeZone::system();
    match time_from_fields([year, month, day, hour, min, sec], isdst, &tz) {
        Some((seconds, normal)) => {
            set_date_fields(ctx, t, &normal)?;
            ctx.ret1(Value::Integer(seconds))
        }
        None => Err(ctx.error("time result cannot be represented in this installation")),
    }
}

/// A time argument (`l_checktime`): an integer.
fn check_time<'gc>(ctx: &Ctx<'gc, '_>, i: usize) -> Result<i64, LuaError<'gc>> {
    ctx.check_integer(i)
}

const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// ISO 8601 week-based year and week number (`%G`, `%V`).
fn iso_week(d: &DateTime) -> (i64, i64) {
    let weekday_monday1 = (d.wday + 6) % 7 + 1;
    let week = (d.yday - weekday_monday1 + 10) / 7;
    // A year has 53 weeks when it starts on a Thursday, or on a Wednesday in a leap year.
    let weeks_in = |year: i64, jan1_wday: i64| {
        if jan1_wday == 4 || (jan1_wday == 3 && is_leap(year)) {
            53
        } else {
            52
        }
    };
    let jan1 = (d.wday - (d.yday - 1)).rem_euclid(7);
    if week < 1 {
        let prev_len = if is_leap(d.year - 1) { 366 } else { 365 };
        let prev_jan1 = (jan1 - prev_len).rem_euclid(7);
        (d.year - 1, weeks_in(d.year - 1, prev_jan1))
    } else if week > weeks_in(d.year, jan1) {
        (d.year + 1, 1)
    } else {
        (d.year, week)
    }
}

/// Append conversion `c` (C locale `strftime`); `false` if `c` is not a conversion.
fn format_conversion(c: u8, d: &DateTime, out: &mut String) -> bool {
    use std::fmt::Write as _;
    let day_name = DAY_NAMES[d.wday as usize];
    let month_name = MONTH_NAMES[(d.month - 1) as usize];
    let hour12 = if d.hour % 12 == 0 { 12 } else { d.hour % 12 };
    let yday0 = d.yday - 1;
    let _ = match c {
        b'a' => write!(out, "{}", &day_name[..3]),
        b'A' => write!(out, "{day_name}"),
        b'b' | b'h' => write!(out, "{}", &month_name[..3]),
        b'B' => write!(out, "{month_name}"),
        b'c' => write!(
            out,
            "{} {} {:2} {:02}:{:02}:{:02} {}",
            &day_name[..3],
            &month_name[..3],
            d.day,
            d.hour,
            d.min,
            d.sec,
            d.year
        ),
        // glibc prints the century without padding (year 633 is "6").
        b'C' => write!(out, "{}", d.year.div_euclid(100)),
        b'd' => write!(out, "{:02}", d.day),
        b'D' | b'x' => write!(
            out,
            "{:02}/{:02}/{:02}",
            d.month,
            d.day,
            d.year.rem_euclid(100)
        ),
        b'e' => write!(out, "{:2}", d.day),
        b'F' => write!(out, "{}-{:02}-{:02}", d.year, d.month, d.day),
        b'g' => write!(out, "{:02}", iso_week(d).0.rem_euclid(100)),
        b'G' => write!(out, "{}", iso_week(d).0),
        b'H' => write!(out, "{:02}", d.hour),
        b'I' => write!(out, "{hour12:02}"),
        b'j' => write!(out, "{:03}", d.yday),
        b'm' => write!(out, "{:02}", d.month),
        b'M' => write!(out, "{:02}", d.min),
        b'n' => out.write_char('\n'),
        b'p' => write!(out, "{}", if d.hour < 12 { "AM" } else { "PM" }),
        b'r' => write!(
            out,
            "{hour12:02}:{:02}:{:02} {}",
            d.min,
            d.sec,
            if d.hour < 12 { "AM" } else { "PM" }
        ),
        b'R' => write!(out, "{:02}:{:02}", d.hour, d.min),
        b'S' => write!(out, "{:02}", d.sec),
        b't' => write!(out, "\t"),
        b'T' | b'X' => write!(out, "{:02}:{:02}:{:02}", d.hour, d.min, d.sec),
        b'u' => write!(out, "{}", (d.wday + 6) % 7 + 1),
        b'U' => write!(out, "{:02}", (yday0 + 7 - d.wday) / 7),
        b'V' => write!(out, "{:02}", iso_week(d).1),
        b'w' => write!(out, "{}", d.wday),
        b'W' => write!(out, "{:02}", (yday0 + 7 - (d.wday + 6) % 7) / 7),
        b'y' => write!(out, "{:02}", d.year.rem_euclid(100)),
        b'Y' => write!(out, "{}", d.year),
        b'z' => {
            // C prints whole minutes of the offset (LMT's seconds are dropped).
            let sign = if d.offset < 0 { '-' } else { '+' };
            let minutes = d.offset.unsigned_abs() / 60;
            write!(out, "{sign}{:02}{:02}", minutes / 60, minutes % 60)
        }
        b'Z' => write!(out, "{}", d.zone),
        b'%' => write!(out, "%"),
        _ => return false,
    };
    true
}

/// `strftime` over `format` (bytes other than conversions are copied).
fn format_date(format: &[u8], d: &DateTime) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(format.len() * 2);
    let mut i = 0;
    while i < format.len() {
        let c = format[i];
        if c != b'%' {
            out.push(c);
            i += 1;
            continue;
        }
        // `%Ec`-style modifiers select alternative forms, which are the plain ones in the C locale.
        let (conversion, len) = match (format.get(i + 1), format.get(i + 2)) {
            (Some(b'E'), Some(&c)) if b"cCxXyY".contains(&c) => (c, 3),
            (Some(b'O'), Some(&c)) if b"deHImMSuUVwWy".contains(&c) => (c, 3),
            (Some(b'E' | b'O'), _) => (0, 2),
            (Some(&c), _) => (c, 2),
            (None, _) => (0, 1),
        };
        let mut piece = String::new();
        if conversion == 0 || !format_conversion(conversion, d, &mut piece) {
            // Lua quotes the whole rest of the format.
            return Err(format!(
                "invalid conversion specifier '{}'",
                String::from_utf8_lossy(&format[i..])
            ));
        }
        out.extend_from_slice(piece.as_bytes());
        i += len;
    }
    Ok(out)
}

fn os_date<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let format = ctx.opt_string(0)?;
    let format = format
        .as_ref()
        .map_or(&b"%c"[..], |s| s.as_bytes())
        .to_vec();
    let t = if ctx.arg(1).is_nil() {
        now_seconds()
    } else {
        check_time(ctx, 1)?
    };
    let (utc, format) = match format.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, &format[..]),
    };
    let d = if utc {
        // `gmtime` names its zone GMT.
        broken_down(t, &TimeZone::UTC).map(|d| DateTime {
            zone: "GMT".into(),
            ..d
        })
    } else {
        broken_down(t, &TimeZone::system())
    };
    let d = match d {
        Some(d) if i32::try_from(d.year - 1900).is_ok() => d,
        _ => return Err(ctx.error("date result cannot be represented in this installation")),
    };
    if format.starts_with(b"*t") {
        let table = Value::Table(ctx.new_table());
        set_date_fields(ctx, table, &d)?;
        return ctx.ret1(table);
    }
    match format_date(format, &d) {
        Ok(text) => {
            let s = ctx.new_string(&text);
            ctx.ret1(s)
        }
        Err(msg) => Err(ctx.arg_error(0, msg)),
    }
}

fn os_difftime<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let t1 = check_time(ctx, 0)?;
    let t2 = check_time(ctx, 1)?;
    ctx.ret1(Value::Number(t1 as f64 - t2 as f64))
}

/// CPU time used by this process in whole microseconds, as C's `clock()` counts it.
#[cfg(unix)]
// `time_t` and `c_long` are `i64` here but 32 bits on some targets, hence the casts.
#[allow(clippy::unnecessary_cast)]
fn process_cpu_micros() -> Option<i64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec` for the duration of the call.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if r != 0 {
        return None;
    }
    Some(ts.tv_sec as i64 * 1_000_000 + ts.tv_nsec as i64 / 1_000)
}

#[cfg(not(unix))]
fn process_cpu_micros() -> Option<i64> {
    None
}

fn os_clock<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    // Where the process clock is missing, wall time since the runtime started stands in.
    let seconds = match process_cpu_micros() {
        Some(micros) => micros as f64 / 1e6,
        None => ctx.state.host.borrow().started.elapsed().as_secs_f64(),
    };
    ctx.ret1(Value::Number(seconds))
}

fn os_getenv<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let name = ctx.check_string(0)?;
    let name = name.to_str_lossy().into_owned();
    let v = match std::env::var_os(&name) {
        Some(value) => {
            #[cfg(unix)]
            let bytes = {
                use std::os::unix::ffi::OsStrExt;
                value.as_bytes().to_vec()
            };
            #[cfg(not(unix))]
            let bytes = value.to_string_lossy().into_owned().into_bytes();
            ctx.new_string(&bytes)
        }
        None => Value::Nil,
    };
    ctx.ret1(v)
}

fn path_of(name: &[u8]) -> std::path::PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::path::PathBuf::from(std::ffi::OsStr::from_bytes(name))
    }
    #[cfg(not(unix))]
    {
        std::path::PathBuf::from(String::from_utf8_lossy(name).into_owned())
    }
}

fn os_remove<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let name = ctx.check_string(0)?;
    let path = path_of(name.as_bytes());
    // C's remove() deletes files and empty directories.
    let result = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir(&path),
        _ => std::fs::remove_file(&path),
    };
    match result {
        Ok(()) => ctx.ret1(Value::Boolean(true)),
        Err(e) => push_io_failure(ctx, &e, Some(name.as_bytes())),
    }
}

fn os_rename<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let from = ctx.check_string(0)?;
    let to = ctx.check_string(1)?;
    match std::fs::rename(path_of(from.as_bytes()), path_of(to.as_bytes())) {
        Ok(()) => ctx.ret1(Value::Boolean(true)),
        // lua5.4 reports a failed rename without a file name.
        Err(e) => push_io_failure(ctx, &e, None),
    }
}

thread_local! {
    static NAME_COUNTER: Cell<u64> = const { Cell::new(0) };
}

/// A fresh `lua_XXXXXX` path in the temporary directory (not created).
pub fn temp_file_name() -> std::path::PathBuf {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let count = NAME_COUNTER.with(|c| {
        c.set(c.get().wrapping_add(1));
        c.get()
    });
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // SplitMix64 over time, process id and a counter: distinct per call, hard to guess.
    let mut x =
        nanos ^ (u64::from(std::process::id()) << 32) ^ count.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    let mut name = String::from("lua_");
    for _ in 0..6 {
        name.push(ALPHABET[(x % ALPHABET.len() as u64) as usize] as char);
        x /= ALPHABET.len() as u64;
    }
    std::env::temp_dir().join(name)
}

fn os_tmpname<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    // Create the file, as mkstemp does, so the name cannot be taken by someone else.
    for _ in 0..100 {
        let path = temp_file_name();
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => {
                let s = ctx.new_string(path.to_string_lossy().as_bytes());
                return ctx.ret1(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => break,
        }
    }
    Err(ctx.error("unable to generate a unique filename"))
}

fn os_exit<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let code = match ctx.arg(0) {
        Value::Nil | Value::Boolean(true) => 0,
        Value::Boolean(false) => 1,
        _ => ctx.check_integer(0)? as i32,
    };
    // `close`: close the state first, as `lua_close` does: the main thread's pending
    // to-be-closed variables (when it is the one exiting), then the pending finalizers.
    if ctx.arg(1).is_truthy() {
        if ctx.thread.ptr_eq(ctx.state.main_thread) {
            crate::runtime::close_pending_variables(ctx.mc, ctx.state, ctx.thread, ctx.th);
        }
        crate::runtime::close_state(ctx.mc, ctx.state, ctx.thread, ctx.th);
    }
    flush_all(ctx.state);
    let _ = std::io::Write::flush(&mut std::io::stderr());
    std::process::exit(code)
}

fn os_setlocale<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let locale = ctx.opt_string(0)?;
    let category = ctx.opt_string(1)?;
    if let Some(c) = &category {
        let known = [
            &b"all"[..],
            b"collate",
            b"ctype",
            b"monetary",
            b"numeric",
            b"time",
        ];
        if !known.contains(&c.as_bytes()) {
            let msg = format!("invalid option '{}'", c.to_str_lossy());
            return Err(ctx.arg_error(1, msg));
        }
    }
    // Only the C locale exists here.
    let result = match locale.as_ref().map(|l| l.as_bytes()) {
        None | Some(b"" | b"C" | b"POSIX") => ctx.new_string(b"C"),
        Some(_) => Value::Nil,
    };
    ctx.ret1(result)
}

fn os_execute<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let command = ctx.opt_string(0)?;
    let Some(command) = command else {
        // `system(NULL)`: is there a shell?
        let shell = std::path::Path::new("/bin/sh").exists();
        return ctx.ret1(Value::Boolean(shell));
    };
    // Our buffered output goes out before the command's.
    flush_all(ctx.state);
    let status = shell_command(command.as_bytes()).status();
    push_exec_result(ctx, status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdlib::test_support::run;

    fn utc(t: i64) -> DateTime {
        broken_down(t, &TimeZone::UTC).expect("in range")
    }

    /// New York's rules as a POSIX string, so the tests need no zone database.
    fn new_york() -> TimeZone {
        TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").expect("valid rule")
    }

    #[test]
    fn civil_seconds_normalise_and_round_trip() {
        assert_eq!(civil_seconds(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(civil_seconds(2000, 3, 1, 0, 0, 0), Some(11_017 * 86_400));
        assert_eq!(civil_seconds(1969, 12, 31, 0, 0, 0), Some(-86_400));
        // Month 14 of 2000 is February 2001; day 0 is the last day of the previous month.
        assert_eq!(
            civil_seconds(2000, 14, 0, 0, 0, 0),
            civil_seconds(2001, 1, 31, 0, 0, 0)
        );
        for t in [
            -10_i64.pow(12),
            -1,
            0,
            951_782_400,
            10_i64.pow(11),
            10_i64.pow(15),
        ] {
            let d = utc(t);
            assert_eq!(
                civil_seconds(d.year, d.month, d.day, d.hour, d.min, d.sec),
                Some(t)
            );
        }
        let d = utc(951_782_400); // 2000-02-29
        assert_eq!(
            (d.year, d.month, d.day, d.yday, d.wday),
            (2000, 2, 29, 60, 2)
        );
    }

    #[test]
    fn times_beyond_jiffs_years_move_by_whole_cycles() {
        // Values printed by lua5.4 (TZ=UTC).
        let d = utc(1 << 40);
        assert_eq!(
            (d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday),
            (36812, 2, 20, 0, 36, 16, 1)
        );
        let d = utc(-(1 << 40));
        assert_eq!((d.year, d.month, d.day, d.hour), (-32873, 11, 12, 23));
        assert!(broken_down(i64::MAX, &TimeZone::UTC).is_some_and(|d| d.year > i64::from(i32::MAX)));
        assert!(broken_down(i64::MIN, &TimeZone::UTC).is_some());
    }

    #[test]
    fn dates_format_like_c_strftime() {
        // Values printed by lua5.4 (TZ=UTC) for the same times.
        let d = DateTime {
            zone: "GMT".into(),
            ..utc(0)
        };
        let text = format_date(b"%c|%x|%X|%p|%j|%a %A %b %B|%y %Y|%U %W %V %G|%Z %z", &d);
        assert_eq!(
            text.as_deref(),
            Ok(&b"Thu Jan  1 00:00:00 1970|01/01/70|00:00:00|AM|001|Thu Thursday Jan January|70 1970|00 00 01 1970|GMT +0000"[..])
        );
        let d = utc(1_609_459_200); // 2021-01-01, ISO week 53 of 2020
        assert_eq!(
            format_date(b"%F %V %G %g %u %w %e %C", &d).as_deref(),
            Ok(&b"2021-01-01 53 2020 20 5 5  1 20"[..])
        );
        assert_eq!(
            format_date(b"%Ez", &d),
            Err("invalid conversion specifier '%Ez'".to_string())
        );
        assert_eq!(
            format_date(b"ab%", &d),
            Err("invalid conversion specifier '%'".to_string())
        );
    }

    #[test]
    fn local_time_follows_the_zone() {
        // As lua5.4 with TZ=EST5EDT,M3.2.0,M11.1.0.
        let tz = new_york();
        let d = broken_down(0, &tz).unwrap();
        assert_eq!(
            format_date(b"%c %x %X %Z %z", &d).as_deref(),
            Ok(&b"Wed Dec 31 19:00:00 1969 12/31/69 19:00:00 EST -0500"[..])
        );
        let d = broken_down(1_720_000_000, &tz).unwrap();
        assert!(d.isdst);
        assert_eq!(
            format_date(b"%c %Z %z", &d).as_deref(),
            Ok(&b"Wed Jul  3 05:46:40 2024 EDT -0400"[..])
        );
        let kolkata = TimeZone::posix("IST-5:30").unwrap();
        let d = broken_down(0, &kolkata).unwrap();
        assert_eq!(
            format_date(b"%H:%M %Z %z", &d).as_deref(),
            Ok(&b"05:30 IST +0530"[..])
        );
    }

    #[test]
    fn time_from_fields_resolves_like_mktime() {
        let tz = new_york();
        let time =
            |fields, isdst| time_from_fields(fields, isdst, &tz).map(|(t, d)| (t, d.hour, d.isdst));
        // Values printed by lua5.4 with TZ=EST5EDT,M3.2.0,M11.1.0.
        // Spring-forward gap: 02:30 is read with the offset before it, unless isdst picks.
        assert_eq!(
            time([2024, 3, 10, 2, 30, 0], None),
            Some((1_710_055_800, 3, true))
        );
        assert_eq!(
            time([2024, 3, 10, 2, 30, 0], Some(false)),
            Some((1_710_055_800, 3, true))
        );
        assert_eq!(
            time([2024, 3, 10, 2, 30, 0], Some(true)),
            Some((1_710_052_200, 1, false))
        );
        // Fall-back fold: 01:30 twice; daylight time first.
        assert_eq!(
            time([2024, 11, 3, 1, 30, 0], None),
            Some((1_730_611_800, 1, true))
        );
        assert_eq!(
            time([2024, 11, 3, 1, 30, 0], Some(false)),
            Some((1_730_615_400, 1, false))
        );
        assert_eq!(
            time([2024, 11, 3, 1, 30, 0], Some(true)),
            Some((1_730_611_800, 1, true))
        );
        // isdst against the season takes the other season's offset.
        assert_eq!(
            time([2024, 7, 1, 12, 0, 0], Some(false)),
            Some((1_719_853_200, 13, true))
        );
        assert_eq!(
            time([2024, 1, 1, 12, 0, 0], Some(true)),
            Some((1_704_124_800, 11, false))
        );
        // Out-of-range fields normalise.
        assert_eq!(
            time([2024, 14, -3, -1, 100, 0], None),
            Some((1_738_042_800, 0, false))
        );
        // Without daylight time at all, isdst = true is one hour off.
        let utc_time = time_from_fields([2024, 3, 10, 2, 30, 0], Some(true), &TimeZone::UTC);
        assert_eq!(utc_time.map(|(t, _)| t), Some(1_710_034_200));
        // mktime's -1 is its error value.
        assert_eq!(time([1969, 12, 31, 18, 59, 59], None), None);
        assert_eq!(time([1970, 1, 1, 0, 0, 0], None).map(|t| t.0), Some(18_000));
    }

    #[test]
    fn time_normalises_table_fields() {
        // Through Lua, in UTC (`!*t` and a round trip do not depend on the local zone).
        let out = run(r#"
            local t = os.date("!*t", 984013200)
            return t.year, t.month, t.day, t.hour, t.yday, t.wday, t.isdst
            "#);
        assert_eq!(out, ["2001", "3", "8", "1", "67", "5", "false"]);
    }

    #[test]
    fn time_and_date_argument_errors() {
        let out = run(r#"
            local _, a = pcall(os.time, {year = 2000})
            local _, b = pcall(os.time, {year = 2000, month = 1.5, day = 1})
            local _, c = pcall(os.time, {year = 2^31 + 1900, month = 1, day = 1})
            local _, d = pcall(os.date, "*t", 1.5)
            local _, e = pcall(os.time, {year = 2^31 + 1899, month = 13, day = 1})
            return a, b, c, d, e
            "#);
        assert_eq!(
            out,
            [
                "field 'month' missing in date table",
                "field 'month' is not an integer",
                "field 'year' is out-of-bound",
                "bad argument #2 to 'os.date' (number has no integer representation)",
                "time result cannot be represented in this installation",
            ]
        );
    }

    #[test]
    fn date_table_and_difftime_and_env() {
        let out = run(r#"
            local d = os.date("!*t", 86400 * 366 + 3661)
            local missing = os.getenv("WAYFINDER_SURELY_UNSET_VARIABLE_12345")
            return d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday,
                os.difftime(10, 4), missing, type(os.clock()), os.date("!%c", 0)
            "#);
        assert_eq!(
            out,
            [
                "1971",
                "1",
                "2",
                "1",
                "1",
                "1",
                "7",
                "2",
                "6.0",
                "nil",
                "number",
                "Thu Jan  1 00:00:00 1970"
            ]
        );
    }

    #[test]
    fn tmpname_rename_remove() {
        let out = run(r#"
            local name = os.tmpname()
            local f = io.open(name, "r")   -- tmpname creates the file
            f:close()
            local ok1 = os.rename(name, name .. ".x")
            local r1, r2, r3 = os.rename(name, name .. ".y")
            local ok2 = os.remove(name .. ".x")
            local n, msg, code = os.remove(name .. ".x")
            return ok1, r1, r2, r3, ok2, n, msg == name .. ".x: No such file or directory", code
            "#);
        assert_eq!(
            out,
            [
                "true",
                "nil",
                "No such file or directory",
                "2",
                "true",
                "nil",
                "true",
                "2"
            ]
        );
    }
}

//! The `os` library: time and date, environment, files by name, exit.
//!
//! Time zone: without the C library there is no portable way to learn the local time
//! zone, so "local time" is UTC here: `os.time{...}` normalises fields like `mktime` but
//! as UTC, and `os.date` gives the same result with or without the leading `!`
//! (`isdst` is always false). This matches lua5.4 on machines whose zone is UTC.
//!
//! `os.clock` is the process CPU time from `/proc/self/stat` (user + system, in the
//! kernel's fixed 100 Hz `USER_HZ` ticks, so 10 ms resolution); where that file is missing
//! it falls back to wall time since the runtime started.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use gc_arena::Mutation;

use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::ops;
use crate::runtime::state::State;
use crate::value::Value;

use super::io::{flush_all, push_io_failure};
use super::{new_library, set_fn};

type R<'gc> = Result<usize, LuaError<'gc>>;

const SECONDS_PER_DAY: i64 = 86_400;

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

/// A broken-down UTC time (the fields of `os.date("*t")`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// Days from 1970-01-01 to `year-month-day` in the proleptic Gregorian calendar
/// (month 1..=12). Works on 400-year eras, which repeat exactly.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Count years from March so the leap day is the last day of the counted year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The inverse of `days_from_civil`: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn datetime_from_seconds(t: i64) -> DateTime {
    let days = t.div_euclid(SECONDS_PER_DAY);
    let secs = t.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    DateTime {
        year,
        month,
        day,
        hour: secs / 3600,
        min: secs % 3600 / 60,
        sec: secs % 60,
        // 1970-01-01 was a Thursday.
        wday: (days + 4).rem_euclid(7),
        yday: days - days_from_civil(year, 1, 1) + 1,
    }
}

/// Seconds since the epoch of possibly out-of-range fields, normalised as `mktime` does.
fn seconds_from_fields(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64) -> i64 {
    let month0 = month - 1;
    let year = year + month0.div_euclid(12);
    let month = month0.rem_euclid(12) + 1;
    let days = days_from_civil(year, month, 1) + day - 1;
    days * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec
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
    ctx.set_index(t, k, Value::Boolean(false))
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
    let seconds = seconds_from_fields(year, month, day, hour, min, sec);
    let normal = datetime_from_seconds(seconds);
    // `mktime` signals failure with -1, so Lua rejects 1969-12-31 23:59:59 UTC too.
    if i32::try_from(normal.year - 1900).is_err() || seconds == -1 {
        return Err(ctx.error("time result cannot be represented in this installation"));
    }
    set_date_fields(ctx, t, &normal)?;
    ctx.ret1(Value::Integer(seconds))
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

/// ISO 8601 week-based year and week number (`%G`, `%V`).
fn iso_week(d: &DateTime) -> (i64, i64) {
    let weekday_monday1 = (d.wday + 6) % 7 + 1;
    let week = (d.yday - weekday_monday1 + 10) / 7;
    let weeks_in = |year: i64| {
        let jan1 = (days_from_civil(year, 1, 1) + 4).rem_euclid(7);
        if jan1 == 4 || (jan1 == 3 && is_leap(year)) {
            53
        } else {
            52
        }
    };
    if week < 1 {
        (d.year - 1, weeks_in(d.year - 1))
    } else if week > weeks_in(d.year) {
        (d.year + 1, 1)
    } else {
        (d.year, week)
    }
}

/// Append conversion `c` (C locale `strftime`); `false` if `c` is not a conversion.
fn format_conversion(c: u8, d: &DateTime, utc_marker: bool, out: &mut String) -> bool {
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
        b'C' => write!(out, "{:02}", d.year.div_euclid(100)),
        b'd' => write!(out, "{:02}", d.day),
        b'D' => write!(
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
        b'x' => write!(
            out,
            "{:02}/{:02}/{:02}",
            d.month,
            d.day,
            d.year.rem_euclid(100)
        ),
        b'y' => write!(out, "{:02}", d.year.rem_euclid(100)),
        b'Y' => write!(out, "{}", d.year),
        b'z' => write!(out, "+0000"),
        b'Z' => write!(out, "{}", if utc_marker { "GMT" } else { "UTC" }),
        b'%' => write!(out, "%"),
        _ => return false,
    };
    true
}

/// `strftime` over `format` (bytes other than conversions are copied).
fn format_date(format: &[u8], d: &DateTime, utc_marker: bool) -> Result<Vec<u8>, String> {
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
        if conversion == 0 || !format_conversion(conversion, d, utc_marker, &mut piece) {
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
    let (utc_marker, format) = match format.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, &format[..]),
    };
    let d = datetime_from_seconds(t);
    if i32::try_from(d.year - 1900).is_err() {
        return Err(ctx.error("date result cannot be represented in this installation"));
    }
    if format.starts_with(b"*t") {
        let table = Value::Table(ctx.new_table());
        set_date_fields(ctx, table, &d)?;
        return ctx.ret1(table);
    }
    match format_date(format, &d, utc_marker) {
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

/// CPU seconds used by this process, from `/proc/self/stat`.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name start at field 3 (state);
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    // USER_HZ is 100 on every Linux architecture's user-visible ABI.
    Some((utime + stime) as f64 / 100.0)
}

fn os_clock<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let seconds = process_cpu_seconds()
        .unwrap_or_else(|| ctx.state.host.borrow().started.elapsed().as_secs_f64());
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
    flush_all();
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
    // No shell is offered: `os.execute()` says so, as C's system(NULL) == 0 would.
    if ctx.arg(0).is_nil() {
        return ctx.ret1(Value::Boolean(false));
    }
    Err(ctx.error("'os.execute' not supported"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stdlib::test_support::run;

    #[test]
    fn civil_day_arithmetic_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for days in [-800_000, -719_468, -1, 0, 59, 60, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn dates_format_like_c_strftime() {
        // Values printed by lua5.4 (TZ=UTC) for the same times.
        let d = datetime_from_seconds(0);
        let text = format_date(b"%c|%x|%X|%p|%j|%a %A %b %B|%y %Y|%U %W %V %G", &d, true);
        assert_eq!(
            text.as_deref(),
            Ok(&b"Thu Jan  1 00:00:00 1970|01/01/70|00:00:00|AM|001|Thu Thursday Jan January|70 1970|00 00 01 1970"[..])
        );
        let d = datetime_from_seconds(1_609_459_200); // 2021-01-01, ISO week 53 of 2020
        assert_eq!(
            format_date(b"%F %V %G %g %u %w %e", &d, false).as_deref(),
            Ok(&b"2021-01-01 53 2020 20 5 5  1"[..])
        );
        assert_eq!(
            format_date(b"%Ez", &d, false),
            Err("invalid conversion specifier '%Ez'".to_string())
        );
        assert_eq!(
            format_date(b"ab%", &d, false),
            Err("invalid conversion specifier '%'".to_string())
        );
    }

    #[test]
    fn time_normalises_table_fields() {
        let out = run(r#"
            local t = {year = 2000, month = 14, day = 35, hour = 25}
            local s = os.time(t)
            return s, t.year, t.month, t.day, t.hour, t.yday, t.wday, t.isdst,
                os.time{year = 2000, month = 1, day = 1} - os.time{year = 2000, month = 1, day = 1, hour = 0}
            "#);
        assert_eq!(
            out,
            [
                "984013200",
                "2001",
                "3",
                "8",
                "1",
                "67",
                "5",
                "false",
                "43200"
            ]
        );
    }

    #[test]
    fn time_and_date_argument_errors() {
        let out = run(r#"
            local _, a = pcall(os.time, {year = 2000})
            local _, b = pcall(os.time, {year = 2000, month = 1.5, day = 1})
            local _, c = pcall(os.time, {year = 2^31 + 1900, month = 1, day = 1})
            local _, d = pcall(os.date, "*t", 1.5)
            local _, e = pcall(os.time, os.date("!*t", -1))
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
                os.difftime(10, 4), missing, type(os.clock()), os.time(d) == 86400 * 366 + 3661
            "#);
        assert_eq!(
            out,
            ["1971", "1", "2", "1", "1", "1", "7", "2", "6.0", "nil", "number", "true"]
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

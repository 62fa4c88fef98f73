//! The `io` library: file handles, the default input/output files and the read formats.
//!
//! A file handle is a full userdata holding a [`LuaFile`] (a shared [`FileHandle`]) whose
//! metatable (registry key `FILE*`) has the methods in `__index`. `FileHandle` does its own
//! buffering, like C stdio: reads fill a buffer, writes collect in another that is flushed
//! on close, on `flush`, when full, and when the handle is dropped (the heap is freed at the
//! end of a run). `os.exit` calls [`flush_all`] because `std::process::exit` runs no
//! destructors. As C's stdout, `io.stdout` is line buffered on a terminal and fully
//! buffered otherwise (a write system call per `io.write` made output-heavy scripts 2.4x
//! slower than lua5.4); `print` writes through the same buffer and flushes it, as
//! lua5.4's `print` does, so the two keep their order. Reading standard input flushes it
//! first (a prompt shows before the read), and `io.stderr` is unbuffered.
//!
//! `io.popen` runs its command with `/bin/sh -c` and gives a handle on the command's standard
//! output ("r") or input ("w"); closing it waits for the command and returns its status as
//! `os.execute` does ([`push_exec_result`]).

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::rc::{Rc, Weak};

use gc_arena::Mutation;

use crate::function::{new_native, NativeKind};
use crate::runtime::ctx::Ctx;
use crate::runtime::error::LuaError;
use crate::runtime::ops;
use crate::runtime::state::State;
use crate::string::LuaString;
use crate::table::Table;
use crate::userdata::new_userdata;
use crate::value::Value;

use super::{new_library, set_fn, set_value};

type R<'gc> = Result<usize, LuaError<'gc>>;
type Shared = Rc<RefCell<FileHandle>>;
/// A file handle shared between its Lua userdata and the runtime (`HostState::stdout_file`).
pub type SharedFile = Shared;

/// Size of the read buffer and of the write buffer before a "full" buffered file flushes.
const BUFFER_SIZE: usize = 8192;
/// Longest numeral `read("n")` accepts (as Lua's `L_MAXLENNUM`).
const MAX_NUMERAL: usize = 200;
/// Registry keys.
const METATABLE_KEY: &str = "FILE*";
const INPUT_KEY: &str = "_IO_input";
const OUTPUT_KEY: &str = "_IO_output";

/// Every writable file a runtime opened, so `os.exit` can flush them (kept in its
/// `HostState`: a per-runtime list, so a runtime moved to another thread takes it along).
pub type WritableFiles = Vec<Weak<RefCell<FileHandle>>>;

/// What the userdata of a Lua file handle holds.
pub struct LuaFile(Shared);

/// The operating-system stream under a handle.
enum Raw {
    File(File),
    Stdin,
    Stdout,
    Stderr,
    Pipe(Pipe),
}

/// A command started by `io.popen`, with our end of its standard output or input.
struct Pipe {
    child: Child,
    reader: Option<ChildStdout>,
    writer: Option<ChildStdin>,
}

impl Pipe {
    /// Close our end and wait for the command to finish (C's `pclose`).
    fn finish(mut self) -> std::io::Result<ExitStatus> {
        drop(self.reader.take());
        drop(self.writer.take());
        self.child.wait()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum BufMode {
    No,
    Line,
    Full,
}

pub struct FileHandle {
    /// `None` once the file is closed.
    raw: Option<Raw>,
    /// Bytes read ahead from `raw`; `rbuf[rpos..]` is not consumed yet.
    rbuf: Vec<u8>,
    rpos: usize,
    /// Bytes written but not yet passed to `raw`.
    wbuf: Vec<u8>,
    mode: BufMode,
    /// Opened with mode "r": writes fail at once ("Bad file descriptor"), as C stdio's do.
    read_only: bool,
}

impl FileHandle {
    fn new(raw: Raw, mode: BufMode) -> FileHandle {
        FileHandle {
            raw: Some(raw),
            rbuf: Vec::new(),
            rpos: 0,
            wbuf: Vec::new(),
            mode,
            read_only: false,
        }
    }

    fn is_closed(&self) -> bool {
        self.raw.is_none()
    }

    fn is_standard(&self) -> bool {
        matches!(self.raw, Some(Raw::Stdin | Raw::Stdout | Raw::Stderr))
    }

    /// Pass buffered writes to the operating system.
    fn flush_writes(&mut self) -> std::io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(&mut self.wbuf);
        match &mut self.raw {
            Some(Raw::File(f)) => f.write_all(&data),
            Some(Raw::Stdout) => {
                let mut out = std::io::stdout().lock();
                out.write_all(&data).and_then(|_| out.flush())
            }
            Some(Raw::Stderr) => std::io::stderr().lock().write_all(&data),
            Some(Raw::Stdin) => Err(bad_descriptor()),
            Some(Raw::Pipe(p)) => match &mut p.writer {
                Some(w) => w.write_all(&data),
                None => Err(bad_descriptor()),
            },
            None => Ok(()),
        }
    }

    /// Forget read-ahead bytes, moving the file position back to the first unread one
    /// (needed before writing or seeking on a file that was being read).
    fn drop_read_ahead(&mut self) -> std::io::Result<()> {
        let unread = (self.rbuf.len() - self.rpos) as i64;
        self.rbuf.clear();
        self.rpos = 0;
        if unread > 0 {
            if let Some(Raw::File(f)) = &mut self.raw {
                f.seek(SeekFrom::Current(-unread))?;
            }
        }
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        if self.read_only || matches!(self.raw, Some(Raw::Stdin)) {
            return Err(bad_descriptor());
        }
        self.drop_read_ahead()?;
        self.wbuf.extend_from_slice(data);
        Ok(())
    }

    /// Apply the buffering mode at the end of a `write` call.
    fn end_write(&mut self) -> std::io::Result<()> {
        let flush = match self.mode {
            BufMode::No => true,
            BufMode::Line => self.wbuf.contains(&b'\n'),
            BufMode::Full => self.wbuf.len() >= BUFFER_SIZE,
        };
        if flush {
            self.flush_writes()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flush_writes()?;
        match &mut self.raw {
            Some(Raw::File(f)) => f.flush(),
            Some(Raw::Pipe(Pipe {
                writer: Some(w), ..
            })) => w.flush(),
            _ => Ok(()),
        }
    }

    /// Make sure unread bytes are buffered; `false` at end of file.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.rpos < self.rbuf.len() {
            return Ok(true);
        }
        self.flush_writes()?;
        self.rbuf.resize(BUFFER_SIZE, 0);
        self.rpos = 0;
        let n = loop {
            let r = match &mut self.raw {
                Some(Raw::File(f)) => f.read(&mut self.rbuf),
                Some(Raw::Stdin) => std::io::stdin().lock().read(&mut self.rbuf),
                Some(Raw::Stdout | Raw::Stderr) => Err(bad_descriptor()),
                Some(Raw::Pipe(p)) => match &mut p.reader {
                    Some(r) => r.read(&mut self.rbuf),
                    None => Err(bad_descriptor()),
                },
                None => Ok(0),
            };
            match r {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.rbuf.clear();
                    return Err(e);
                }
                Ok(n) => break n,
            }
        };
        self.rbuf.truncate(n);
        Ok(n > 0)
    }

    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        Ok(if self.fill()? {
            Some(self.rbuf[self.rpos])
        } else {
            None
        })
    }

    /// A line, with its newline if `keep_newline`; `None` at end of file.
    fn read_line(&mut self, keep_newline: bool) -> std::io::Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        while self.fill()? {
            let avail = &self.rbuf[self.rpos..];
            if let Some(i) = avail.iter().position(|&b| b == b'\n') {
                let end = if keep_newline { i + 1 } else { i };
                out.extend_from_slice(&avail[..end]);
                self.rpos += i + 1;
                return Ok(Some(out));
            }
            out.extend_from_slice(avail);
            self.rpos = self.rbuf.len();
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }

    fn read_all(&mut self) -> std::io::Result<Vec<u8>> {
        let mut out: Vec<u8> = Vec::new();
        while self.fill()? {
            let chunk = &self.rbuf[self.rpos..];
            // A huge file: within the runtime's memory limit, and an error (raised as
            // "not enough memory" by `read_args`) rather than an abort.
            let refused = || std::io::Error::from(std::io::ErrorKind::OutOfMemory);
            crate::limits::check_external(out.len() + chunk.len()).map_err(|_| refused())?;
            out.try_reserve(chunk.len()).map_err(|_| refused())?;
            out.extend_from_slice(chunk);
            self.rpos = self.rbuf.len();
        }
        Ok(out)
    }

    /// Up to `n` bytes; `None` at end of file (for `n == 0`: `Some("")` unless at end).
    fn read_count(&mut self, n: usize) -> std::io::Result<Option<Vec<u8>>> {
        if n == 0 {
            return Ok(if self.fill()? { Some(Vec::new()) } else { None });
        }
        let mut out = Vec::new();
        while out.len() < n && self.fill()? {
            let take = (n - out.len()).min(self.rbuf.len() - self.rpos);
            out.extend_from_slice(&self.rbuf[self.rpos..self.rpos + take]);
            self.rpos += take;
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }

    /// A numeral read as Lua's `read("n")` does: the longest prefix that looks like a
    /// numeral (at most 200 bytes), then converted; `None` if it is not a valid number.
    fn read_number<'gc>(&mut self) -> std::io::Result<Option<Value<'gc>>> {
        while let Some(c) = self.peek()? {
            if !is_space(c) {
                break;
            }
            self.rpos += 1;
        }
        let mut reader = NumeralReader {
            file: self,
            text: Vec::new(),
            too_long: false,
        };
        reader.accept(b"+-")?;
        let mut digits = 0;
        let mut hex = false;
        if reader.accept(b"0")? {
            if reader.accept(b"xX")? {
                hex = true;
            } else {
                digits = 1;
            }
        }
        digits += reader.digits(hex)?;
        if reader.accept(b".")? {
            digits += reader.digits(hex)?;
        }
        if digits > 0 && reader.accept(if hex { b"pP" } else { b"eE" })? {
            reader.accept(b"+-")?;
            reader.digits(false)?;
        }
        if reader.too_long {
            return Ok(None);
        }
        Ok(ops::str_to_value(&reader.text))
    }
}

impl Drop for FileHandle {
    fn drop(&mut self) {
        // Nobody can see a failure at this point, as with C's exit-time flush.
        let _ = self.flush_writes();
        // An unclosed `io.popen` command is waited for, as lua5.4's collector closes it.
        if let Some(Raw::Pipe(p)) = self.raw.take() {
            let _ = p.finish();
        }
    }
}

/// Reads the characters of a numeral into `text` (see `FileHandle::read_number`).
struct NumeralReader<'f> {
    file: &'f mut FileHandle,
    text: Vec<u8>,
    too_long: bool,
}

impl NumeralReader<'_> {
    /// Take the next byte if it is one of `set`.
    fn accept(&mut self, set: &[u8]) -> std::io::Result<bool> {
        match self.file.peek()? {
            Some(c) if set.contains(&c) => {
                if self.text.len() >= MAX_NUMERAL {
                    self.too_long = true;
                    return Ok(false);
                }
                self.text.push(c);
                self.file.rpos += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn digits(&mut self, hex: bool) -> std::io::Result<usize> {
        let mut count = 0;
        loop {
            let is_digit = match self.file.peek()? {
                Some(c) if hex => c.is_ascii_hexdigit(),
                Some(c) => c.is_ascii_digit(),
                None => false,
            };
            if !is_digit || !self.accept(b"0123456789abcdefABCDEF")? {
                return Ok(count);
            }
            count += 1;
        }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn bad_descriptor() -> std::io::Error {
    std::io::Error::from_raw_os_error(9)
}

/// Flush every open writable file and standard output (for `os.exit`).
pub fn flush_all(state: &State<'_>) {
    let files: Vec<Shared> = state
        .host
        .borrow()
        .writable_files
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for file in files {
        if let Ok(mut h) = file.try_borrow_mut() {
            let _ = h.flush();
        }
    }
    let _ = std::io::stdout().flush();
}

fn register_writable(state: &State<'_>, handle: &Shared) {
    let mut host = state.host.borrow_mut();
    let files = &mut host.writable_files;
    files.retain(|w| w.strong_count() > 0);
    files.push(Rc::downgrade(handle));
}

/// The operating system's message for `e`, without Rust's " (os error N)" suffix.
pub fn error_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Push Lua's failure triple `nil, "[name: ]message", errno` (as `luaL_fileresult`).
pub fn push_io_failure<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    e: &std::io::Error,
    name: Option<&[u8]>,
) -> R<'gc> {
    let mut msg = Vec::new();
    if let Some(name) = name {
        msg.extend_from_slice(name);
        msg.extend_from_slice(b": ");
    }
    msg.extend_from_slice(error_message(e).as_bytes());
    ctx.push(Value::Nil);
    let msg = ctx.new_string(&msg);
    ctx.push(msg);
    ctx.push(Value::Integer(i64::from(e.raw_os_error().unwrap_or(0))));
    Ok(3)
}

pub fn open<'gc>(mc: &'gc Mutation<'gc>, state: &State<'gc>) {
    let io = new_library(mc, state, "io");
    let functions: [(&'static str, crate::runtime::ctx::NativeFn); 11] = [
        ("close", io_close),
        ("flush", io_flush),
        ("input", io_input),
        ("lines", io_lines),
        ("open", io_open),
        ("output", io_output),
        ("read", io_read),
        ("tmpfile", io_tmpfile),
        ("type", io_type),
        ("write", io_write),
        ("popen", io_popen),
    ];
    for (name, f) in functions {
        set_fn(mc, state, io, name, f);
    }

    let methods = Table::new(mc);
    let method_list: [(&'static str, crate::runtime::ctx::NativeFn); 7] = [
        ("close", f_close),
        ("flush", f_flush),
        ("lines", f_lines),
        ("read", f_read),
        ("seek", f_seek),
        ("setvbuf", f_setvbuf),
        ("write", f_write),
    ];
    for (name, f) in method_list {
        set_fn(mc, state, methods, name, f);
    }
    let mt = Table::new(mc);
    set_value(mc, state, mt, "__index", Value::Table(methods));
    set_value(
        mc,
        state,
        mt,
        "__name",
        Value::String(LuaString::new(mc, b"FILE*")),
    );
    set_value(
        mc,
        state,
        mt,
        "__tostring",
        native(mc, "tostring", f_tostring),
    );
    set_value(mc, state, mt, "__close", native(mc, "close", f_gc));
    // Files are not marked for finalization (that would keep every runtime off the
    // collector's fast path, `weak.rs`): dropping the handle flushes and closes it
    // instead. The entry is kept because Lua code may look for it.
    set_value(mc, state, mt, "__gc", native(mc, "gc", f_gc));
    set_value(mc, state, state.registry, METATABLE_KEY, Value::Table(mt));

    let (stdin, _) = new_file(mc, state, mt, FileHandle::new(Raw::Stdin, BufMode::Full));
    let stdout_mode = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        BufMode::Line
    } else {
        BufMode::Full
    };
    let (stdout, handle) = new_file(mc, state, mt, FileHandle::new(Raw::Stdout, stdout_mode));
    state.host.borrow_mut().stdout_file = Some(handle);
    let (stderr, _) = new_file(mc, state, mt, FileHandle::new(Raw::Stderr, BufMode::No));
    set_value(mc, state, io, "stdin", stdin);
    set_value(mc, state, io, "stdout", stdout);
    set_value(mc, state, io, "stderr", stderr);
    set_value(mc, state, state.registry, INPUT_KEY, stdin);
    set_value(mc, state, state.registry, OUTPUT_KEY, stdout);
}

fn native<'gc>(
    mc: &Mutation<'gc>,
    name: &'static str,
    f: crate::runtime::ctx::NativeFn,
) -> Value<'gc> {
    Value::NativeFunction(new_native(mc, name, NativeKind::Fn(f), Vec::new()))
}

/// A standard file's userdata, and the handle it shares.
fn new_file<'gc>(
    mc: &Mutation<'gc>,
    state: &State<'gc>,
    mt: Table<'gc>,
    handle: FileHandle,
) -> (Value<'gc>, Shared) {
    let shared = Rc::new(RefCell::new(handle));
    if !matches!(shared.borrow().raw, Some(Raw::Stdin)) {
        register_writable(state, &shared);
    }
    let file = Value::UserData(new_userdata(
        mc,
        Box::new(LuaFile(shared.clone())),
        Some(mt),
    ));
    (file, shared)
}

/// `print`'s output: `bytes` written to standard output through `io.stdout`'s buffer
/// (straight to the stream when the io library is not loaded), then flushed. Failures (a
/// closed pipe) are ignored, as lua5.4's `print` ignores them.
pub(crate) fn write_stdout(state: &State<'_>, bytes: &[u8]) {
    let handle = state.host.borrow().stdout_file.clone();
    if let Some(handle) = handle {
        if let Ok(mut h) = handle.try_borrow_mut() {
            if h.write(bytes).is_ok() {
                let _ = h.flush_writes();
                return;
            }
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

/// Pass what `io.stdout` holds to the stream (before a warning on stderr, or a read of
/// standard input).
pub(crate) fn flush_stdout(state: &State<'_>) {
    let handle = state.host.borrow().stdout_file.clone();
    if let Some(handle) = handle {
        if let Ok(mut h) = handle.try_borrow_mut() {
            let _ = h.flush_writes();
        }
    }
    let _ = std::io::stdout().flush();
}

/// Before reading from `h`: if it is standard input, flush standard output.
fn before_read(state: &State<'_>, h: &Shared) {
    if matches!(h.borrow().raw, Some(Raw::Stdin)) {
        flush_stdout(state);
    }
}

fn registry_get<'gc>(ctx: &Ctx<'gc, '_>, key: &str) -> Value<'gc> {
    ctx.state
        .registry
        .get(Value::String(LuaString::new(ctx.mc, key.as_bytes())))
}

fn new_file_value<'gc>(ctx: &Ctx<'gc, '_>, handle: FileHandle) -> Value<'gc> {
    let mt = match registry_get(ctx, METATABLE_KEY) {
        Value::Table(t) => Some(t),
        _ => None,
    };
    let shared = Rc::new(RefCell::new(handle));
    register_writable(ctx.state, &shared);
    Value::UserData(new_userdata(ctx.mc, Box::new(LuaFile(shared)), mt))
}

/// The handle inside `v`, if it is a file userdata (open or closed).
fn handle_of(v: Value<'_>) -> Option<Shared> {
    match v {
        Value::UserData(u) => {
            let data = u.data.borrow();
            data.downcast_ref::<LuaFile>().map(|f| f.0.clone())
        }
        _ => None,
    }
}

/// Argument `i` as a file handle, any state.
fn check_file<'gc>(ctx: &Ctx<'gc, '_>, i: usize) -> Result<Shared, LuaError<'gc>> {
    handle_of(ctx.arg(i)).ok_or_else(|| ctx.type_error(i, "FILE*"))
}

/// Argument `i` as an open file handle.
fn check_open_file<'gc>(ctx: &Ctx<'gc, '_>, i: usize) -> Result<Shared, LuaError<'gc>> {
    let h = check_file(ctx, i)?;
    if h.borrow().is_closed() {
        return Err(ctx.error("attempt to use a closed file"));
    }
    Ok(h)
}

/// The default input or output file, which must be open.
fn default_file<'gc>(ctx: &Ctx<'gc, '_>, key: &str) -> Result<(Value<'gc>, Shared), LuaError<'gc>> {
    let v = registry_get(ctx, key);
    let which = if key == INPUT_KEY { "input" } else { "output" };
    match handle_of(v) {
        Some(h) if !h.borrow().is_closed() => Ok((v, h)),
        _ => Err(ctx.error(format!("default {which} file is closed"))),
    }
}

/// `io.open`'s mode check: `[rwa]%+?b*`; returns the options for that mode.
fn open_options(mode: &[u8]) -> Option<OpenOptions> {
    let (&first, rest) = mode.split_first()?;
    let (plus, rest) = match rest.split_first() {
        Some((b'+', rest)) => (true, rest),
        _ => (false, rest),
    };
    if !rest.iter().all(|&b| b == b'b') {
        return None;
    }
    let mut o = OpenOptions::new();
    match first {
        b'r' => o.read(true).write(plus),
        b'w' => o.write(true).create(true).truncate(true).read(plus),
        b'a' => o.append(true).create(true).read(plus),
        _ => return None,
    };
    Some(o)
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

/// Open `name` with `options`, made from the C mode string `mode` by `open_options`.
fn open_file(name: &[u8], options: &OpenOptions, mode: &[u8]) -> std::io::Result<FileHandle> {
    let path = path_of(name);
    let file = options.open(&path)?;
    // C's fopen opens directories for reading; reads then fail with EISDIR. Writing
    // modes fail at open, which the OS already did for us.
    let mut handle = FileHandle::new(Raw::File(file), BufMode::Full);
    handle.read_only = mode.first() == Some(&b'r') && !mode.contains(&b'+');
    Ok(handle)
}

fn io_open<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let name = ctx.check_string(0)?;
    let mode = ctx.opt_string(1)?;
    let mode = mode.as_ref().map_or(&b"r"[..], |m| m.as_bytes());
    let options = open_options(mode).ok_or_else(|| ctx.arg_error(1, "invalid mode"))?;
    match open_file(name.as_bytes(), &options, mode) {
        Ok(h) => {
            let v = new_file_value(ctx, h);
            ctx.ret1(v)
        }
        Err(e) => push_io_failure(ctx, &e, Some(name.as_bytes())),
    }
}

fn io_tmpfile<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    let mut last_error = None;
    for _ in 0..100 {
        let path = super::os::temp_file_name();
        match options.open(&path) {
            Ok(file) => {
                // Unix keeps the data until the handle is closed, as C's tmpfile does.
                let _ = std::fs::remove_file(&path);
                let v = new_file_value(ctx, FileHandle::new(Raw::File(file), BufMode::Full));
                return ctx.ret1(v);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                last_error = Some(e);
                break;
            }
        }
    }
    let e = last_error.unwrap_or_else(|| std::io::Error::from_raw_os_error(17));
    push_io_failure(ctx, &e, None)
}

/// `sh -c command` (the shell C's `system` and `popen` run, named `sh` as they name it: the
/// shell's messages start `sh: `, and `$0` is `sh`).
pub fn shell_command(command: &[u8]) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::process::CommandExt;
        c.arg0("sh");
        c.arg(std::ffi::OsStr::from_bytes(command));
    }
    #[cfg(not(unix))]
    c.arg(String::from_utf8_lossy(command).into_owned());
    c
}

/// Push a command's result as `luaL_execresult` does: `true|nil, "exit"|"signal", code`,
/// or the failure triple when it could not be run or waited for.
pub fn push_exec_result<'gc>(
    ctx: &mut Ctx<'gc, '_>,
    status: std::io::Result<ExitStatus>,
) -> R<'gc> {
    let status = match status {
        Ok(s) => s,
        Err(e) => return push_io_failure(ctx, &e, None),
    };
    let (what, code) = match status.code() {
        Some(code) => ("exit", code),
        None => {
            #[cfg(unix)]
            let signal = std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0);
            #[cfg(not(unix))]
            let signal = 0;
            ("signal", signal)
        }
    };
    if what == "exit" && code == 0 {
        ctx.push(Value::Boolean(true));
    } else {
        ctx.push(Value::Nil);
    }
    let what = ctx.new_string(what.as_bytes());
    ctx.push(what);
    ctx.push(Value::Integer(i64::from(code)));
    Ok(3)
}

fn io_popen<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let command = ctx.check_string(0)?;
    let mode = ctx.opt_string(1)?;
    let mode = mode.as_ref().map_or(&b"r"[..], |m| m.as_bytes());
    let reading = match mode {
        b"r" => true,
        b"w" => false,
        _ => return Err(ctx.arg_error(1, "invalid mode")),
    };
    // Our buffered output goes out before the command's.
    flush_all(ctx.state);
    let mut cmd = shell_command(command.as_bytes());
    if reading {
        cmd.stdout(Stdio::piped());
    } else {
        cmd.stdin(Stdio::piped());
    }
    match cmd.spawn() {
        Ok(mut child) => {
            let pipe = Pipe {
                reader: child.stdout.take(),
                writer: child.stdin.take(),
                child,
            };
            let mut handle = FileHandle::new(Raw::Pipe(pipe), BufMode::Full);
            handle.read_only = reading;
            let v = new_file_value(ctx, handle);
            ctx.ret1(v)
        }
        Err(e) => push_io_failure(ctx, &e, Some(command.as_bytes())),
    }
}

fn io_type<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let v = ctx.check_any(0)?;
    let result = match handle_of(v) {
        Some(h) if h.borrow().is_closed() => ctx.new_string(b"closed file"),
        Some(_) => ctx.new_string(b"file"),
        None => Value::Nil,
    };
    ctx.ret1(result)
}

/// Close `h` as `file:close()` does, pushing its results.
fn close_handle<'gc>(ctx: &mut Ctx<'gc, '_>, h: &Shared) -> R<'gc> {
    let mut handle = h.borrow_mut();
    if handle.is_standard() {
        ctx.push(Value::Nil);
        let msg = ctx.new_string(b"cannot close standard file");
        ctx.push(msg);
        return Ok(2);
    }
    let flushed = handle.flush();
    let raw = handle.raw.take();
    handle.rbuf.clear();
    handle.rpos = 0;
    handle.wbuf.clear();
    drop(handle);
    if let Some(Raw::Pipe(p)) = raw {
        // A command's status is the result, whatever became of the last writes.
        return push_exec_result(ctx, p.finish());
    }
    match flushed {
        Ok(()) => ctx.ret1(Value::Boolean(true)),
        Err(e) => push_io_failure(ctx, &e, None),
    }
}

fn io_close<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    if ctx.arg(0).is_nil() {
        let (_, h) = default_file(ctx, OUTPUT_KEY)?;
        return close_handle(ctx, &h);
    }
    f_close(ctx)
}

fn f_close<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let h = check_open_file(ctx, 0)?;
    close_handle(ctx, &h)
}

/// `__close` and `__gc`: close an open, non-standard file. Like lua5.4, anything but a
/// file handle is a bad argument.
fn f_gc<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let h = check_file(ctx, 0)?;
    let open = {
        let handle = h.borrow();
        !handle.is_closed() && !handle.is_standard()
    };
    if open {
        close_handle(ctx, &h)?;
    }
    Ok(0)
}

fn f_tostring<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let h = check_file(ctx, 0)?;
    let text = if h.borrow().is_closed() {
        "file (closed)".to_string()
    } else {
        format!("file ({:#x})", ctx.arg(0).object_address().unwrap_or(0))
    };
    let s = ctx.new_string(text.as_bytes());
    ctx.ret1(s)
}

/// Shared by `io.input` and `io.output`: get or replace a default file.
fn default_io<'gc>(ctx: &mut Ctx<'gc, '_>, key: &str, mode: &[u8]) -> R<'gc> {
    let arg = ctx.arg(0);
    if !arg.is_nil() {
        let new_value = match arg {
            Value::String(_) | Value::Integer(_) | Value::Number(_) => {
                let name = ctx.check_string(0)?;
                let options = open_options(mode).ok_or_else(|| ctx.arg_error(0, "invalid mode"))?;
                match open_file(name.as_bytes(), &options, mode) {
                    Ok(h) => new_file_value(ctx, h),
                    Err(e) => {
                        return Err(ctx.error(format!(
                            "cannot open file '{}' ({})",
                            name.to_str_lossy(),
                            error_message(&e)
                        )))
                    }
                }
            }
            _ => {
                check_open_file(ctx, 0)?;
                arg
            }
        };
        set_value(ctx.mc, ctx.state, ctx.state.registry, key, new_value);
    }
    let current = registry_get(ctx, key);
    ctx.ret1(current)
}

fn io_input<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    default_io(ctx, INPUT_KEY, b"r")
}

fn io_output<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    default_io(ctx, OUTPUT_KEY, b"w")
}

/// Write arguments `first..` to `h`; results as `file:write`.
fn write_args<'gc>(ctx: &mut Ctx<'gc, '_>, file: Value<'gc>, h: &Shared, first: usize) -> R<'gc> {
    let mut result = Ok(());
    let mut handle = h.borrow_mut();
    for i in first..ctx.nargs() {
        let piece = match ctx.arg(i) {
            Value::String(s) => handle.write(s.as_bytes()),
            Value::Integer(n) => handle.write(n.to_string().as_bytes()),
            Value::Number(x) => handle.write(float_g14(x).as_bytes()),
            _ => {
                // Write what came before, as Lua does, then report the bad argument.
                let _ = handle.end_write();
                drop(handle);
                // `arg_error` drops `self` from the number for `f:write(...)`.
                let got = ctx.type_name_of(ctx.arg(i));
                return Err(ctx.arg_error(i, format!("string expected, got {got}")));
            }
        };
        if result.is_ok() {
            result = piece;
        }
    }
    if result.is_ok() {
        result = handle.end_write();
    }
    drop(handle);
    match result {
        Ok(()) => ctx.ret1(file),
        Err(e) => push_io_failure(ctx, &e, None),
    }
}

/// A float as C's `%.14g` (what `io.write` uses: `1.0` is written as `1`).
fn float_g14(x: f64) -> String {
    let s = ops::number_to_string(Value::Number(x)).unwrap_or_default();
    // `number_to_string` adds ".0" to integral-looking results; `%.14g` itself never
    // ends in ".0", so removing it gives exactly `%.14g`.
    match s.strip_suffix(".0") {
        Some(body) if body.bytes().all(|b| b == b'-' || b.is_ascii_digit()) => body.to_string(),
        _ => s,
    }
}

fn io_write<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (file, h) = default_file(ctx, OUTPUT_KEY)?;
    write_args(ctx, file, &h, 0)
}

fn f_write<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let h = check_open_file(ctx, 0)?;
    let file = ctx.arg(0);
    write_args(ctx, file, &h, 1)
}

fn flush_result<'gc>(ctx: &mut Ctx<'gc, '_>, h: &Shared) -> R<'gc> {
    let r = h.borrow_mut().flush();
    match r {
        Ok(()) => ctx.ret1(Value::Boolean(true)),
        Err(e) => push_io_failure(ctx, &e, None),
    }
}

fn io_flush<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (_, h) = default_file(ctx, OUTPUT_KEY)?;
    flush_result(ctx, &h)
}

fn f_flush<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let h = check_open_file(ctx, 0)?;
    flush_result(ctx, &h)
}

fn f_setvbuf<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let h = check_open_file(ctx, 0)?;
    let mode = ctx.check_string(1)?;
    let mode = match mode.as_bytes() {
        b"no" => BufMode::No,
        b"line" => BufMode::Line,
        b"full" => BufMode::Full,
        other => {
            let msg = format!("invalid option '{}'", String::from_utf8_lossy(other));
            return Err(ctx.arg_error(1, msg));
        }
    };
    ctx.opt_integer(2, BUFFER_SIZE as i64)?;
    let mut handle = h.borrow_mut();
    let r = handle.flush_writes();
    handle.mode = mode;
    drop(handle);
    match r {
        Ok(()) => ctx.ret1(Value::Boolean(true)),
        Err(e) => push_io_failure(ctx, &e, None),
    }
}

fn f_seek<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let h = check_open_file(ctx, 0)?;
    let whence = ctx.opt_string(1)?;
    let whence = whence
        .as_ref()
        .map_or(&b"cur"[..], |w| w.as_bytes())
        .to_vec();
    let offset = ctx.opt_integer(2, 0)?;
    let pos = match whence.as_slice() {
        b"set" => match u64::try_from(offset) {
            Ok(o) => Ok(SeekFrom::Start(o)),
            Err(_) => Err(std::io::Error::from_raw_os_error(22)),
        },
        b"cur" => Ok(SeekFrom::Current(offset)),
        b"end" => Ok(SeekFrom::End(offset)),
        other => {
            let msg = format!("invalid option '{}'", String::from_utf8_lossy(other));
            return Err(ctx.arg_error(1, msg));
        }
    };
    let result = pos.and_then(|pos| {
        let mut handle = h.borrow_mut();
        handle.flush_writes()?;
        let unread = (handle.rbuf.len() - handle.rpos) as i64;
        handle.rbuf.clear();
        handle.rpos = 0;
        match &mut handle.raw {
            Some(Raw::File(f)) => {
                let pos = match pos {
                    SeekFrom::Current(off) => SeekFrom::Current(off - unread),
                    p => p,
                };
                f.seek(pos)
            }
            // Standard streams cannot be positioned without the C library.
            _ => Err(std::io::Error::from_raw_os_error(29)),
        }
    });
    match result {
        Ok(p) => ctx.ret1(Value::Integer(p as i64)),
        Err(e) => push_io_failure(ctx, &e, None),
    }
}

/// The count a negative `read` count stands for. lua5.4 takes it as a `size_t` and fails
/// to allocate a buffer that large, so reading with it raises "not enough memory" (no `i64`
/// count is this large).
const NEGATIVE_COUNT: usize = usize::MAX;

/// lua5.4's error for a negative count among `formats` (see `NEGATIVE_COUNT`).
fn check_counts<'gc>(ctx: &Ctx<'gc, '_>, formats: &[Format]) -> Result<(), LuaError<'gc>> {
    if formats
        .iter()
        .any(|f| matches!(f, Format::Count(NEGATIVE_COUNT)))
    {
        return Err(ctx.core_error("not enough memory"));
    }
    Ok(())
}

/// One `read` format.
#[derive(Clone, Copy)]
enum Format {
    Number,
    Line { keep_newline: bool },
    All,
    Count(usize),
}

fn parse_format(v: Value<'_>) -> Option<Format> {
    match v {
        Value::Integer(_) | Value::Number(_) => {
            let n = ops::to_integer(v)?;
            // A negative count is a huge `size_t` to C: see `NEGATIVE_COUNT`.
            Some(Format::Count(usize::try_from(n).unwrap_or(NEGATIVE_COUNT)))
        }
        Value::String(s) => {
            let b = s.as_bytes();
            let b = b.strip_prefix(b"*").unwrap_or(b);
            match b.first()? {
                b'n' => Some(Format::Number),
                b'l' => Some(Format::Line {
                    keep_newline: false,
                }),
                b'L' => Some(Format::Line { keep_newline: true }),
                b'a' => Some(Format::All),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Read each format in turn, stopping at the first that fails (whose result is nil).
fn read_formats<'gc>(
    mc: &Mutation<'gc>,
    h: &Shared,
    formats: &[Format],
) -> std::io::Result<Vec<Value<'gc>>> {
    let mut handle = h.borrow_mut();
    let mut out = Vec::with_capacity(formats.len());
    for &format in formats {
        let string = |bytes: Option<Vec<u8>>| match bytes {
            // Taken over, not copied: a huge read needs its size once.
            Some(b) => Value::String(LuaString::from_vec(mc, b)),
            None => Value::Nil,
        };
        let v = match format {
            Format::Number => handle.read_number()?.unwrap_or(Value::Nil),
            Format::Line { keep_newline } => string(handle.read_line(keep_newline)?),
            Format::All => string(Some(handle.read_all()?)),
            Format::Count(n) => string(handle.read_count(n)?),
        };
        let failed = v.is_nil();
        out.push(v);
        if failed {
            break;
        }
    }
    Ok(out)
}

/// `read` on `h` with the format arguments `first..`.
fn read_args<'gc>(ctx: &mut Ctx<'gc, '_>, h: &Shared, first: usize) -> R<'gc> {
    let mut formats = Vec::new();
    for i in first..ctx.nargs().max(first) {
        let format = parse_format(ctx.arg(i));
        formats.push(format.ok_or_else(|| ctx.arg_error(i, "invalid format"))?);
    }
    if formats.is_empty() {
        formats.push(Format::Line {
            keep_newline: false,
        });
    }
    check_counts(ctx, &formats)?;
    before_read(ctx.state, h);
    match read_formats(ctx.mc, h, &formats) {
        Ok(values) => {
            let n = values.len();
            for v in values {
                ctx.push(v);
            }
            Ok(n)
        }
        Err(e) if e.kind() == std::io::ErrorKind::OutOfMemory => {
            Err(ctx.core_error("not enough memory"))
        }
        Err(e) => push_io_failure(ctx, &e, None),
    }
}

fn io_read<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let (_, h) = default_file(ctx, INPUT_KEY)?;
    read_args(ctx, &h, 0)
}

fn f_read<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let h = check_open_file(ctx, 0)?;
    read_args(ctx, &h, 1)
}

/// The iterator `lines` returns. Upvalues: the file, whether to close it at end of file,
/// then the formats.
fn lines_iterator<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    let file = ctx.upvalue(0);
    let close_at_eof = ctx.upvalue(1).is_truthy();
    let h = handle_of(file).ok_or_else(|| ctx.error("file is already closed"))?;
    if h.borrow().is_closed() {
        return Err(ctx.error("file is already closed"));
    }
    let nformats = ctx.func.upvalues.borrow().len().saturating_sub(2);
    let mut formats = Vec::with_capacity(nformats.max(1));
    for i in 0..nformats {
        let v = ctx.upvalue(i + 2);
        // Lua numbers the formats from 2, after the file they are read from.
        formats.push(parse_format(v).ok_or_else(|| ctx.arg_error(i + 1, "invalid format"))?);
    }
    if formats.is_empty() {
        formats.push(Format::Line {
            keep_newline: false,
        });
    }
    check_counts(ctx, &formats)?;
    before_read(ctx.state, &h);
    match read_formats(ctx.mc, &h, &formats) {
        Ok(values) => {
            if values.first().is_some_and(|v| !v.is_nil()) {
                let n = values.len();
                for v in values {
                    ctx.push(v);
                }
                return Ok(n);
            }
            if close_at_eof {
                close_handle(ctx, &h)?;
            }
            ctx.ret1(Value::Nil)
        }
        Err(e) => Err(ctx.error(error_message(&e))),
    }
}

/// At most this many formats for `lines`, as lua5.4 (`MAXARGLINE`).
const MAX_LINES_FORMATS: usize = 250;

fn make_lines_iterator<'gc>(
    ctx: &Ctx<'gc, '_>,
    file: Value<'gc>,
    close_at_eof: bool,
    first_format: usize,
) -> Result<Value<'gc>, LuaError<'gc>> {
    if ctx.nargs() > first_format + MAX_LINES_FORMATS {
        return Err(ctx.arg_error(first_format + MAX_LINES_FORMATS, "too many arguments"));
    }
    let mut upvalues = vec![file, Value::Boolean(close_at_eof)];
    for i in first_format..ctx.nargs() {
        upvalues.push(ctx.arg(i));
    }
    Ok(Value::NativeFunction(new_native(
        ctx.mc,
        "for iterator",
        NativeKind::Fn(lines_iterator),
        upvalues,
    )))
}

fn f_lines<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    check_open_file(ctx, 0)?;
    let iter = make_lines_iterator(ctx, ctx.arg(0), false, 1)?;
    ctx.ret1(iter)
}

fn io_lines<'gc>(ctx: &mut Ctx<'gc, '_>) -> R<'gc> {
    if ctx.arg(0).is_nil() {
        let (file, _) = default_file(ctx, INPUT_KEY)?;
        let iter = make_lines_iterator(ctx, file, false, 1)?;
        return ctx.ret1(iter);
    }
    let name = ctx.check_string(0)?;
    let options = open_options(b"r").ok_or_else(|| ctx.error("invalid mode"))?;
    let file = match open_file(name.as_bytes(), &options, b"r") {
        Ok(h) => new_file_value(ctx, h),
        Err(e) => {
            return Err(ctx.error(format!(
                "cannot open file '{}' ({})",
                name.to_str_lossy(),
                error_message(&e)
            )))
        }
    };
    let iter = make_lines_iterator(ctx, file, true, 1)?;
    ctx.push(iter);
    ctx.push(Value::Nil);
    ctx.push(Value::Nil);
    ctx.push(file);
    Ok(4)
}

#[cfg(test)]
mod tests {
    use crate::runtime::Runtime;
    use crate::stdlib::test_support::run_with_args as run;

    /// A fresh path under the temporary directory for one test.
    fn temp_path(tag: &str) -> String {
        let p =
            std::env::temp_dir().join(format!("wayfinder_io_test_{}_{tag}", std::process::id()));
        p.to_string_lossy().into_owned()
    }

    #[test]
    fn write_then_read_every_format() {
        let path = temp_path("formats");
        let out = run(
            r#"
            local name = ...
            local f = io.open(name, "w")
            assert(f:write("one\n", 42, " ", 3.5, " ", 1.0, " 0x1F -2e1 .5 +7\n", "tail") == f)
            assert(f:close() == true)
            f = io.open(name, "r")
            local l1 = f:read("l")
            local a, b, c, d, e, g, h = f:read("n", "n", "n", "n", "n", "n", "n")
            local rest = f:read("L")
            local four = f:read(4)
            local zero = f:read(0)
            local eof_l, eof_a = f:read("l"), f:read("a")
            f:close()
            return l1, a, b, c, d, e, g, h, rest, four, zero, eof_l, eof_a
            "#,
            std::slice::from_ref(&path),
        );
        let _ = std::fs::remove_file(&path);
        // 1.0 is written as "1" (C's %.14g), so it reads back as an integer.
        assert_eq!(
            out,
            ["one", "42", "3.5", "1", "31", "-20.0", "0.5", "7", "\n", "tail", "nil", "nil", ""]
        );
    }

    #[test]
    fn read_number_failure_stops_the_read() {
        let path = temp_path("badnum");
        std::fs::write(&path, "12 abc").expect("write fixture");
        let out = run(
            r#"
            local f = io.open(..., "r")
            local n, bad, after = f:read("n", "n", "l")
            local left = f:read("a")
            f:close()
            return n, bad, after, left
            "#,
            std::slice::from_ref(&path),
        );
        let _ = std::fs::remove_file(&path);
        assert_eq!(out, ["12", "nil", "nil", "abc"]);
    }

    #[test]
    fn star_formats_lines_and_close_at_eof() {
        let path = temp_path("lines");
        std::fs::write(&path, "a\nbb\n\nccc").expect("write fixture");
        let out = run(
            r#"
            local name = ...
            local f = io.open(name)
            local first = f:read("*l")
            local all = f:read("*a")
            f:close()
            local n, joined = 0, ""
            for l in io.lines(name) do n = n + 1; joined = joined .. "[" .. l .. "]" end
            local keep = ""
            for l in io.lines(name, "L") do keep = keep .. l end
            local pairs_ = ""
            for x, y in io.lines(name, 1, 2) do pairs_ = pairs_ .. x .. y .. "|" end
            local it, _, _, file = io.lines(name)
            while it() do end
            return first, all, n, joined, keep, pairs_, io.type(file)
            "#,
            std::slice::from_ref(&path),
        );
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            out,
            [
                "a",
                "bb\n\nccc",
                "4",
                "[a][bb][][ccc]",
                "a\nbb\n\nccc",
                "a\nb|b\n\n|ccc|",
                "closed file"
            ]
        );
    }

    #[test]
    fn open_modes_seek_and_read_write_switching() {
        let path = temp_path("modes");
        let out = run(
            r#"
            local name = ...
            local f = io.open(name, "w") f:write("abc") f:close()
            f = io.open(name, "a") f:write("def") f:close()
            f = io.open(name, "r+")
            local first = f:read(1)        -- read ahead buffers the whole file
            f:write("X")                   -- must land at offset 1, not at the end
            f:seek("set")
            local after = f:read("a")
            local size = f:seek("end")
            local cur = f:seek("cur", -2)
            local tail = f:read(2)
            f:close()
            f = io.open(name, "w+") f:write("fresh") f:seek("set", 1)
            local w = f:read("a") f:close()
            local ok, err = pcall(io.open, name, "rw")
            local ok2 = pcall(io.open, name, "r+b")
            return first, after, size, cur, tail, w, ok, err, ok2
            "#,
            std::slice::from_ref(&path),
        );
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            out,
            [
                "a",
                "aXcdef",
                "6",
                "4",
                "ef",
                "resh",
                "false",
                "bad argument #2 to 'io.open' (invalid mode)",
                "true"
            ]
        );
    }

    #[test]
    fn failures_are_reported_as_lua_does() {
        let path = temp_path("missing");
        let out = run(
            r#"
            local name = ...
            local f, msg, code = io.open(name)
            local ok, lines_err = pcall(io.lines, name)
            local g = io.open(name, "w")
            g:close()
            local ok2, closed_err = pcall(g.read, g)
            local ok3, fmt_err = pcall(io.read, "x")
            local std_ok, std_msg = io.stdout:close()
            os.remove(name)
            return f, msg, code, lines_err, closed_err, fmt_err, tostring(g), std_ok, std_msg
            "#,
            std::slice::from_ref(&path),
        );
        assert_eq!(
            out,
            [
                "nil".to_string(),
                format!("{path}: No such file or directory"),
                "2".to_string(),
                format!("cannot open file '{path}' (No such file or directory)"),
                "attempt to use a closed file".to_string(),
                "bad argument #1 to 'io.read' (invalid format)".to_string(),
                "file (closed)".to_string(),
                "nil".to_string(),
                "cannot close standard file".to_string(),
            ]
        );
    }

    #[test]
    fn default_output_and_input_redirect() {
        let path = temp_path("default");
        let out = run(
            r#"
            local name = ...
            local old = io.output()
            assert(old == io.stdout and io.input() == io.stdin)
            local f = io.output(name)
            assert(io.write("x", 1, "\n") == f)
            io.close()
            local ok, err = pcall(io.write, "y")
            io.output(old)
            io.input(name)
            local line = io.read()
            io.input():close()
            return line, err, io.type(f)
            "#,
            std::slice::from_ref(&path),
        );
        let _ = std::fs::remove_file(&path);
        assert_eq!(out, ["x1", "default output file is closed", "closed file"]);
    }

    #[test]
    fn buffered_data_is_flushed_when_the_runtime_is_dropped() {
        let path = temp_path("dropflush");
        run(
            r#"local f = io.open(..., "w") f:write("kept") -- never closed"#,
            std::slice::from_ref(&path),
        );
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        assert_eq!(text, "kept");
    }

    #[test]
    fn flush_all_writes_pending_data_of_open_files() {
        let path = temp_path("flushall");
        let mut rt = Runtime::new();
        let r = rt.run_chunk(
            br#"keep = io.open(..., "w") keep:write("pending")"#,
            "=test",
            std::slice::from_ref(&path),
        );
        assert!(r.is_ok());
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        rt.with_env(|env| super::flush_all(env.state));
        let after = std::fs::read_to_string(&path).unwrap_or_default();
        drop(rt);
        let _ = std::fs::remove_file(&path);
        assert_eq!((before.as_str(), after.as_str()), ("", "pending"));
    }

    #[test]
    fn popen_reads_writes_and_reports_the_status() {
        let path = temp_path("popen");
        let out = run(
            r#"
            local name = ...
            local r = io.popen("printf 'a\\nb'")
            local kind, first, rest = io.type(r), r:read("l"), r:read("a")
            local ok, what, code = r:close()
            local w = io.popen("cat > '" .. name .. "'; exit 4", "w")
            w:write("via ", 1, "\n")
            local bad = select(2, w:read("l"))
            local wok, wwhat, wcode = w:close()
            local f = io.open(name) local written = f:read("a") f:close()
            return kind, first, rest, ok, what, code, bad, wok, wwhat, wcode, written, io.type(w)
            "#,
            std::slice::from_ref(&path),
        );
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            out,
            [
                "file",
                "a",
                "b",
                "true",
                "exit",
                "0",
                "Bad file descriptor",
                "nil",
                "exit",
                "4",
                "via 1\n",
                "closed file"
            ]
        );
    }

    #[test]
    fn float_formatting_matches_percent_14g() {
        assert_eq!(super::float_g14(1.0), "1");
        assert_eq!(super::float_g14(-0.0), "-0");
        assert_eq!(super::float_g14(2.5), "2.5");
        assert_eq!(super::float_g14(1e100), "1e+100");
        assert_eq!(super::float_g14(f64::INFINITY), "inf");
    }
}

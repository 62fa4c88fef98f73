//! The control server: accepts DAP connections for a running program and turns requests
//! into jobs for the VM thread.
//!
//! Threads: one accepts connections, one per connection reads and writes frames. None of
//! them touches the VM: a `hotReload` becomes a [`Job`] pushed into the runtime's
//! [`Inbox`], applied at the next safe point (between executor slices, or during
//! `socket.sleep`), and its result comes back through a channel. Requests from several
//! clients are therefore applied one at a time, in arrival order.

use std::io::{BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value as Json;
use wayfinder_reload::{ErrorKind, Policy, ReloadError, ReloadRequest, Report, Status};
use wayfinder_vm::runtime::{Inbox, LuaEnv};

use super::dap::{self, Event, FrameError, Message, Request, Response};

/// The port `wayfinder run` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 5678;

/// Connections served at once; more are closed at once (each costs a thread).
const MAX_CONNECTIONS: usize = 32;

/// When a token is required: how long a connection may stay open without a request that
/// carries it.
const AUTH_WINDOW: Duration = Duration::from_secs(10);

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// Required in every request's `arguments.token` when set.
    pub token: Option<String>,
    /// The reload rules (from wayfinder.yaml).
    pub policy: Policy,
    /// Print one line to stderr per reload and tell attached clients (`hotReloaded`).
    pub notify: bool,
}

/// Why the control port could not be opened: one line for stderr.
pub fn bind_error(addr: &SocketAddr, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the port is already in use (is another wayfinder \
             running?); choose another with --port N (--port 0 picks a free one) or run \
             without a control port with --no-server"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "cannot listen on {addr}: permission denied; choose a port above 1023 with --port N"
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            format!("cannot listen on {addr}: that address does not belong to this machine")
        }
        _ => {
            let s = e.to_string();
            let reason = s.split(" (os error").next().unwrap_or(&s);
            format!("cannot listen on {addr}: {reason}")
        }
    }
}

/// Compare a presented token with the expected one in time that does not depend on where
/// they differ (only on the presented length), so the token cannot be guessed byte by
/// byte from response times. Small enough to write here rather than add a crate.
pub fn token_matches(expected: &str, presented: &str) -> bool {
    let (a, b) = (expected.as_bytes(), presented.as_bytes());
    let mut diff = u8::from(a.len() != b.len());
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

struct Shared {
    inbox: Inbox,
    options: Options,
    /// Connections that finished `initialize`, for `hotReloaded` events.
    peers: Mutex<Vec<Arc<Peer>>>,
    open: AtomicUsize,
}

/// The writing half of a connection, shared with event broadcasts.
struct Peer {
    id: usize,
    out: Mutex<Writer>,
}

struct Writer {
    stream: TcpStream,
    seq: i64,
}

impl Peer {
    fn send_response(&self, mut response: Response) -> std::io::Result<()> {
        let mut w = self.out.lock().unwrap_or_else(|p| p.into_inner());
        w.seq += 1;
        response.seq = w.seq;
        dap::write_message(&mut w.stream, &response)
    }

    fn send_event(&self, mut event: Event) -> std::io::Result<()> {
        let mut w = self.out.lock().unwrap_or_else(|p| p.into_inner());
        w.seq += 1;
        event.seq = w.seq;
        dap::write_message(&mut w.stream, &event)
    }
}

/// A handle for telling attached clients about reloads made elsewhere (auto-reload).
#[derive(Clone)]
pub struct Notifier {
    shared: Arc<Shared>,
}

impl Notifier {
    /// Send `hotReloaded` to every initialized client (with `notifyOnChange`).
    pub fn hot_reloaded(&self, report: &Report) {
        broadcast(&self.shared, report, None);
    }
}

/// Serve `listener` on background threads until the process ends.
pub fn spawn(listener: TcpListener, inbox: Inbox, options: Options) -> Notifier {
    let shared = Arc::new(Shared {
        inbox,
        options,
        peers: Mutex::new(Vec::new()),
        open: AtomicUsize::new(0),
    });
    let notifier = Notifier {
        shared: Arc::clone(&shared),
    };
    let next_id = AtomicUsize::new(1);
    let spawned = std::thread::Builder::new()
        .name("wayfinder-control".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else {
                    // Out of file descriptors, say: do not spin; try again shortly.
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                };
                if shared.open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
                    let message = format!(
                        "too many connections to the control port (at most {MAX_CONNECTIONS})"
                    );
                    let _ =
                        dap::write_message(&mut &stream, &Response::error(0, "", message, None));
                    linger(stream);
                    continue;
                }
                shared.open.fetch_add(1, Ordering::SeqCst);
                let id = next_id.fetch_add(1, Ordering::SeqCst);
                let conn = Arc::clone(&shared);
                let started = std::thread::Builder::new()
                    .name(format!("wayfinder-control-{id}"))
                    .spawn(move || {
                        serve(&conn, stream, id);
                        let mut peers = conn.peers.lock().unwrap_or_else(|p| p.into_inner());
                        peers.retain(|p| p.id != id);
                        drop(peers);
                        conn.open.fetch_sub(1, Ordering::SeqCst);
                    });
                if started.is_err() {
                    shared.open.fetch_sub(1, Ordering::SeqCst);
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("wayfinder: cannot start the control server: {e}");
    }
    notifier
}

/// One connection: read requests until the client disconnects or breaks the framing.
fn serve(shared: &Shared, stream: TcpStream, id: usize) {
    let _ = stream.set_nodelay(true);
    // A client that stops reading cannot hold this thread forever.
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    // With a token, a client has a moment to authenticate; an authenticated client may then
    // stay attached, idle, as long as it likes.
    if shared.options.token.is_some() {
        let _ = stream.set_read_timeout(Some(AUTH_WINDOW));
    }
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let peer = Arc::new(Peer {
        id,
        out: Mutex::new(Writer {
            stream: write_half,
            seq: 0,
        }),
    });
    let mut reader = BufReader::new(stream);
    loop {
        let body = match dap::read_frame(&mut reader, dap::MAX_BODY) {
            Ok(body) => body,
            Err(FrameError::Closed) | Err(FrameError::Io(_)) => break,
            Err(e @ (FrameError::Header(_) | FrameError::TooLarge(_))) => {
                // The framing is lost (or the body is not worth reading): say why, close.
                let _ = peer.send_response(Response::error(0, "", e.to_string(), None));
                linger(reader.into_inner());
                return;
            }
        };
        let request = match Message::parse(&body) {
            Ok(Message::Request(r)) if r.kind == "request" => r,
            Ok(_) => {
                let _ = peer.send_response(Response::error(
                    0,
                    "",
                    "only requests are accepted on the control port",
                    None,
                ));
                continue;
            }
            Err(message) => {
                let (seq, command) = seq_and_command(&body);
                let _ = peer.send_response(Response::error(seq, &command, message, None));
                continue;
            }
        };
        match handle(shared, &peer, &request, reader.get_ref()) {
            Ok(Flow::Continue) => {}
            Ok(Flow::Close) | Err(_) => break,
        }
    }
    let _ = peer
        .out
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .stream
        .shutdown(Shutdown::Both);
}

/// Close after an error without losing the error: closing a socket with unread input
/// resets the connection, which can destroy the response in flight. Stop writing, then
/// read and drop what the client still sends, for a moment.
fn linger(stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 8192];
    let mut left = dap::MAX_BODY;
    let mut reader = &stream;
    while left > 0 {
        match std::io::Read::read(&mut reader, &mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// The `seq` and `command` of a body that is JSON but not a well-formed request, so the
/// error response can point at it.
fn seq_and_command(body: &[u8]) -> (i64, String) {
    let value: Json = serde_json::from_slice(body).unwrap_or(Json::Null);
    let seq = value.get("seq").and_then(Json::as_i64).unwrap_or(0);
    let command = value
        .get("command")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    (seq, command)
}

enum Flow {
    Continue,
    Close,
}

fn handle(
    shared: &Shared,
    peer: &Arc<Peer>,
    request: &Request,
    stream: &TcpStream,
) -> std::io::Result<Flow> {
    let seq = request.seq;
    let command = request.command.as_str();
    if let Some(expected) = &shared.options.token {
        let presented = request
            .arguments
            .as_ref()
            .and_then(|a| a.get("token"))
            .and_then(Json::as_str);
        let ok = presented.is_some_and(|p| token_matches(expected, p));
        if !ok {
            let message = if presented.is_some() {
                "the token is wrong"
            } else {
                "this control port requires a token: send it as arguments.token \
                 (wayfinder hot-reload --token T, or WAYFINDER_TOKEN)"
            };
            peer.send_response(Response::error(seq, command, message, None))?;
            return Ok(Flow::Continue);
        }
        let _ = stream.set_read_timeout(None);
    }
    match command {
        "initialize" => {
            // Registered before the response goes out: a client that has its answer can
            // count on hearing about every reload after it (another client's included).
            {
                let mut peers = shared.peers.lock().unwrap_or_else(|p| p.into_inner());
                if !peers.iter().any(|p| p.id == peer.id) {
                    peers.push(Arc::clone(peer));
                }
            }
            peer.send_response(Response::ok(seq, command, Some(dap::capabilities())))?;
            peer.send_event(Event::new("initialized", None))?;
        }
        "attach" | "configurationDone" => {
            peer.send_response(Response::ok(seq, command, None))?;
        }
        "launch" => peer.send_response(Response::error(
            seq,
            command,
            "the program is already running: use attach",
            None,
        ))?,
        "threads" => peer.send_response(Response::ok(
            seq,
            command,
            Some(serde_json::json!({ "threads": [{ "id": 1, "name": "main" }] })),
        ))?,
        "disconnect" => {
            peer.send_response(Response::ok(seq, command, None))?;
            return Ok(Flow::Close);
        }
        "hotReload" => {
            let response = hot_reload(shared, request);
            peer.send_response(response.0)?;
            if let Some(report) = response.1 {
                broadcast(shared, &report, Some(peer.id));
            }
        }
        other => peer.send_response(Response::error(
            seq,
            other,
            format!(
                "unsupported command '{other}': this control port serves hot reload \
                 (initialize, attach, configurationDone, threads, hotReload, disconnect); \
                 the debugger is not built yet"
            ),
            None,
        ))?,
    }
    Ok(Flow::Continue)
}

/// `hotReload`'s arguments (docs/protocol.md).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HotReloadArgs {
    #[serde(default)]
    modules: Vec<String>,
    /// One module (a convenience for clients that reload one file at a time).
    #[serde(default)]
    module: Option<String>,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    table: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // checked before the arguments are parsed
    token: Option<String>,
}

/// Turn the arguments into a request, or say what is wrong with them.
fn reload_request(arguments: Option<&Json>) -> Result<ReloadRequest, String> {
    let args: HotReloadArgs = match arguments {
        None | Some(Json::Null) => HotReloadArgs::default(),
        Some(a) => serde_json::from_value(a.clone())
            .map_err(|e| format!("invalid hotReload arguments: {e}"))?,
    };
    let mut modules = args.modules;
    if let Some(m) = args.module {
        modules.insert(0, m);
    }
    if let Some(reason) = &args.reason {
        if reason != "manual" && reason != "save" {
            return Err(format!(
                "invalid hotReload arguments: reason must be \"manual\" or \"save\", not \"{reason}\""
            ));
        }
    }
    Ok(ReloadRequest {
        modules,
        function: args.function,
        table: args.table,
        condition: args.condition,
        reason: args.reason,
        source: args.source,
    })
}

/// Apply a `hotReload` on the VM thread and build the response (and, when applied, the
/// report to tell other clients about).
fn hot_reload(shared: &Shared, request: &Request) -> (Response, Option<Report>) {
    let seq = request.seq;
    let command = request.command.as_str();
    let reload = match reload_request(request.arguments.as_ref()) {
        Ok(r) => r,
        Err(message) => return (Response::error(seq, command, message, None), None),
    };
    let (tx, rx) = mpsc::channel();
    let policy = shared.options.policy;
    let job_request = reload.clone();
    shared.inbox.push(Box::new(move |env: &mut LuaEnv<'_, '_>| {
        let mut job_request = job_request;
        // No module named: every loaded module whose file changed (as auto-reload would).
        if job_request.modules.is_empty() && job_request.source.is_none() {
            job_request.modules = crate::watch::changed_modules(env, None);
            if job_request.modules.is_empty() {
                let _ = tx.send(Ok(Report {
                    status: Status::Skipped,
                    reason: job_request.reason.clone(),
                    skipped: Some("no loaded module has changed on disk".into()),
                    ..Report::default()
                }));
                return;
            }
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            wayfinder_reload::reload(env, &policy, &job_request)
        }))
        .unwrap_or_else(|_| {
            Err(ReloadError::new(
                ErrorKind::Refused,
                None,
                "internal error: the reload engine panicked (please report this)",
            ))
        });
        let _ = tx.send(result);
    }));
    let names = if reload.modules.is_empty() {
        "the changed modules".to_string()
    } else {
        reload.modules.join(", ")
    };
    let reason = reload.reason.as_deref().unwrap_or("manual");
    match rx.recv() {
        Ok(Ok(report)) => {
            if shared.options.notify {
                note_applied(&report, reason);
            }
            let body = serde_json::to_value(&report).unwrap_or(Json::Null);
            let applied = report.status == Status::Applied;
            (
                Response::ok(seq, command, Some(body)),
                applied.then_some(report),
            )
        }
        Ok(Err(error)) => {
            if shared.options.notify {
                eprintln!(
                    "wayfinder: hot reload of {names} refused: {}",
                    error.message
                );
            }
            let mut extra = serde_json::Map::new();
            extra.insert(
                "reloadError".into(),
                serde_json::to_value(&error).unwrap_or(Json::Null),
            );
            (
                Response::error(seq, command, error.message.clone(), Some(extra)),
                None,
            )
        }
        // The job was dropped unrun: the program is ending.
        Err(_) => (
            Response::error(
                seq,
                command,
                "the program ended before the reload could be applied",
                None,
            ),
            None,
        ),
    }
}

/// The running program's own note of a reload (`notifyOnChange`): one line on stderr, e.g.
/// `[wayfinder] reloaded math: 1 function rebound (2 closures), 1 value kept (0.4 ms)`.
pub fn note_applied(report: &Report, reason: &str) {
    let mut err = std::io::stderr().lock();
    if report.status == Status::Skipped {
        let _ = writeln!(
            err,
            "[wayfinder] reload skipped ({reason}): {}",
            report.skipped.as_deref().unwrap_or("condition was false")
        );
        return;
    }
    let modules: Vec<String> = report.modules.iter().map(|m| m.summary()).collect();
    let _ = writeln!(
        err,
        "[wayfinder] reloaded {} ({:.1} ms)",
        if modules.is_empty() {
            "nothing".to_string()
        } else {
            modules.join("; ")
        },
        report.duration_ms
    );
}

/// Tell the other initialized clients about an applied reload (the one that asked has the
/// response).
fn broadcast(shared: &Shared, report: &Report, requester: Option<usize>) {
    if !shared.options.notify {
        return;
    }
    let body = serde_json::to_value(report).unwrap_or(Json::Null);
    let peers: Vec<Arc<Peer>> = shared
        .peers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    for peer in peers.iter().filter(|p| Some(p.id) != requester) {
        let _ = peer.send_event(Event::new("hotReloaded", Some(body.clone())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(token_matches("s3cret", "s3cret"));
        assert!(!token_matches("s3cret", "s3cre"));
        assert!(!token_matches("s3cret", "s3cretX"));
        assert!(!token_matches("s3cret", "S3cret"));
        assert!(!token_matches("s3cret", ""));
        assert!(!token_matches("", "x"));
        assert!(token_matches("", ""));
    }

    #[test]
    fn hot_reload_arguments_map_onto_the_request() {
        let r = reload_request(Some(&serde_json::json!({
            "modules": ["a", "b"], "function": "M.f", "condition": "dev", "reason": "save",
            "token": "t"
        })))
        .unwrap();
        assert_eq!(r.modules, ["a", "b"]);
        assert_eq!(r.function.as_deref(), Some("M.f"));
        assert_eq!(r.condition.as_deref(), Some("dev"));
        assert_eq!(r.reason.as_deref(), Some("save"));
        let r = reload_request(Some(&serde_json::json!({ "module": "m", "table": "t" }))).unwrap();
        assert_eq!(r.modules, ["m"]);
        assert_eq!(r.table.as_deref(), Some("t"));
        let r = reload_request(Some(&serde_json::json!({}))).unwrap();
        assert!(r.modules.is_empty(), "no module: the changed ones");
        for (args, expected) in [
            (serde_json::json!({ "modules": "m" }), "invalid type"),
            (
                serde_json::json!({ "modules": ["m"], "reason": "cron" }),
                "\"manual\" or \"save\"",
            ),
            (
                serde_json::json!({ "modules": ["m"], "modul": 1 }),
                "unknown field `modul`",
            ),
        ] {
            let e = reload_request(Some(&args)).unwrap_err();
            assert!(e.contains(expected), "{e}");
        }
        assert!(reload_request(None).unwrap().modules.is_empty());
    }
}

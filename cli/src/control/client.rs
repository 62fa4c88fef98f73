//! `wayfinder hot-reload`: a small DAP client that sends one `hotReload` request to a
//! running program and prints what happened.
//!
//! Exit codes: 0 applied; 1 refused (nothing changed — syntax error, runtime error, ...);
//! 2 could not talk to the program (connection refused, timeout, protocol error, token);
//! 3 skipped because `--condition` was false.

use std::io::BufReader;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use wayfinder_reload::{ReloadError, Report, Status};

use super::dap::{self, FrameError, Message, Request, Response};

/// What to ask for and where.
pub struct Options {
    pub host: String,
    pub port: u16,
    pub modules: Vec<String>,
    pub function: Option<String>,
    pub table: Option<String>,
    pub condition: Option<String>,
    pub token: Option<String>,
    pub json: bool,
    /// How long to wait for the program to apply the reload.
    pub timeout: Duration,
}

pub const EXIT_APPLIED: u8 = 0;
pub const EXIT_REFUSED: u8 = 1;
pub const EXIT_UNREACHABLE: u8 = 2;
pub const EXIT_SKIPPED: u8 = 3;

/// How long connecting may take before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Run the command.
pub fn run(options: &Options) -> ExitCode {
    let place = if options.host.contains(':') {
        format!("[{}]:{}", options.host, options.port)
    } else {
        format!("{}:{}", options.host, options.port)
    };
    match exchange(options, &place) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("wayfinder: {message}");
            ExitCode::from(EXIT_UNREACHABLE)
        }
    }
}

/// A connection and its request counter.
struct Session {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    seq: i64,
    place: String,
}

impl Session {
    fn connect(options: &Options, place: &str) -> Result<Session, String> {
        let addrs: Vec<SocketAddr> = (options.host.as_str(), options.port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve host '{}': {}", options.host, short(&e)))?
            .collect();
        let mut last_error = None;
        for addr in &addrs {
            match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    let reader = stream.try_clone().map_err(|e| {
                        format!("cannot use the connection to {place}: {}", short(&e))
                    })?;
                    return Ok(Session {
                        stream,
                        reader: BufReader::new(reader),
                        seq: 0,
                        place: place.to_string(),
                    });
                }
                Err(e) => last_error = Some(e),
            }
        }
        let hint = "is `wayfinder run` running? it listens on 127.0.0.1:5678 unless started \
                    with --port N (then pass the same --port here)";
        Err(match last_error {
            Some(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                format!("cannot connect to {place}: connection refused ({hint})")
            }
            Some(e) if e.kind() == std::io::ErrorKind::TimedOut => format!(
                "cannot connect to {place}: no answer within {} s ({hint})",
                CONNECT_TIMEOUT.as_secs()
            ),
            Some(e) => format!("cannot connect to {place}: {} ({hint})", short(&e)),
            None => format!("cannot resolve host '{}': no address", options.host),
        })
    }

    /// Send a request; returns its seq.
    fn send(&mut self, command: &str, arguments: Json) -> Result<i64, String> {
        self.seq += 1;
        let request = Request {
            seq: self.seq,
            kind: "request".into(),
            command: command.into(),
            arguments: Some(arguments),
        };
        dap::write_message(&mut self.stream, &request)
            .map_err(|e| format!("lost the connection to {}: {}", self.place, short(&e)))?;
        Ok(self.seq)
    }

    /// Wait for the response to `seq`, skipping events, for at most `timeout`.
    fn response(&mut self, seq: i64, timeout: Duration, what: &str) -> Result<Response, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.timed_out(timeout, what));
            }
            let _ = self.stream.set_read_timeout(Some(left));
            let body = match dap::read_frame(&mut self.reader, dap::MAX_BODY) {
                Ok(body) => body,
                Err(FrameError::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(self.timed_out(timeout, what))
                }
                Err(FrameError::Closed) => {
                    return Err(format!(
                        "{} closed the connection before answering (did the program end?)",
                        self.place
                    ))
                }
                Err(FrameError::Io(e)) => {
                    return Err(format!(
                        "lost the connection to {}: {}",
                        self.place,
                        short(&e)
                    ))
                }
                Err(e) => {
                    return Err(format!(
                        "protocol error from {}: {e} (is it a wayfinder control port?)",
                        self.place
                    ))
                }
            };
            match Message::parse(&body) {
                Ok(Message::Response(r)) if r.request_seq == seq => return Ok(r),
                // An error about the framing itself (seq 0) ends the exchange too.
                Ok(Message::Response(r)) if r.request_seq == 0 && !r.success => return Ok(r),
                Ok(_) => continue,
                Err(e) => {
                    return Err(format!(
                        "protocol error from {}: {e} (is it a wayfinder control port?)",
                        self.place
                    ))
                }
            }
        }
    }

    fn timed_out(&self, timeout: Duration, what: &str) -> String {
        if what != "hotReload" {
            // Answered by the server's own thread: silence means it is not a control port.
            return format!(
                "no answer from {} to {what} within {} s (is it a wayfinder control port?)",
                self.place,
                timeout.as_secs_f64()
            );
        }
        format!(
            "no answer from {} to {what} within {} s: the program has not reached a safe \
             point (is it blocked reading input?); the request stays queued and may still be \
             applied (use --timeout to wait longer)",
            self.place,
            timeout.as_secs_f64()
        )
    }
}

fn short(e: &std::io::Error) -> String {
    let s = e.to_string();
    s.split(" (os error").next().unwrap_or(&s).to_lowercase()
}

fn with_token(mut args: serde_json::Map<String, Json>, token: &Option<String>) -> Json {
    if let Some(t) = token {
        args.insert("token".into(), Json::String(t.clone()));
    }
    Json::Object(args)
}

/// Connect, initialize, send `hotReload`, print the outcome; the exit code, or a one-line
/// reason for exit 2.
fn exchange(options: &Options, place: &str) -> Result<u8, String> {
    let mut session = Session::connect(options, place)?;
    let mut init = serde_json::Map::new();
    init.insert("clientID".into(), "wayfinder-hot-reload".into());
    init.insert("adapterID".into(), "wayfinder".into());
    let seq = session.send("initialize", with_token(init, &options.token))?;
    let response = session.response(seq, options.timeout, "initialize")?;
    if !response.success {
        return Err(format!(
            "{place} refused the connection: {}",
            response.message.unwrap_or_default()
        ));
    }
    let supports = response
        .body
        .as_ref()
        .and_then(|b| b.get("supportsHotReload"))
        .and_then(Json::as_bool)
        .unwrap_or(false);
    if !supports {
        return Err(format!(
            "the debug adapter at {place} does not support hot reload (it is not a wayfinder \
             control port)"
        ));
    }

    let mut args = serde_json::Map::new();
    if !options.modules.is_empty() {
        args.insert(
            "modules".into(),
            serde_json::to_value(&options.modules).unwrap_or_default(),
        );
    }
    for (key, value) in [
        ("function", &options.function),
        ("table", &options.table),
        ("condition", &options.condition),
    ] {
        if let Some(v) = value {
            args.insert(key.into(), Json::String(v.clone()));
        }
    }
    args.insert("reason".into(), "manual".into());
    let seq = session.send("hotReload", with_token(args, &options.token))?;
    let response = session.response(seq, options.timeout, "hotReload")?;
    // Be polite; the answer does not matter.
    if let Ok(seq) = session.send("disconnect", with_token(Default::default(), &options.token)) {
        let _ = session.response(seq, Duration::from_millis(500), "disconnect");
    }

    if response.success {
        let body = response.body.unwrap_or(Json::Null);
        let report: Report = serde_json::from_value(body.clone()).map_err(|e| {
            format!("protocol error from {place}: the reload report is malformed: {e}")
        })?;
        if options.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&body).unwrap_or_default()
            );
        } else {
            print!("{}", report.render());
        }
        return Ok(match report.status {
            Status::Applied => EXIT_APPLIED,
            Status::Skipped => EXIT_SKIPPED,
        });
    }
    let message = response.message.unwrap_or_default();
    let error = response
        .body
        .as_ref()
        .and_then(|b| b.get("reloadError"))
        .map(|e| serde_json::from_value::<ReloadError>(e.clone()));
    match error {
        Some(Ok(error)) => {
            if options.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&error).unwrap_or_default()
                );
            } else {
                eprint!("{}", error.render());
            }
            Ok(EXIT_REFUSED)
        }
        Some(Err(e)) => Err(format!(
            "protocol error from {place}: the reload error is malformed: {e}"
        )),
        // Refused before reaching the reload engine: arguments, token, framing.
        None => Err(format!("{place} refused the request: {message}")),
    }
}

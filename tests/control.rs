//! End-to-end tests of the control port: start the real binary with `--port 0`, read the
//! address it prints, and talk to the real port — with raw DAP frames and with
//! `wayfinder hot-reload` — while the program runs. Files are edited in a temp directory.
//!
//! No timing thresholds: every wait is a generous timeout on something that must happen.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

/// How long anything that must happen may take.
const PATIENCE: Duration = Duration::from_secs(30);

fn wayfinder() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wayfinder"))
}

/// A fresh temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("wayfinder-control-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A module whose `value()` says which version is running, and a main loop that prints it
/// every 20 ms (sleeping in `socket.sleep`, a safe point) until killed.
fn write_looping_program(dir: &Path, version: &str) {
    write_module(dir, version);
    std::fs::write(
        dir.join("main.lua"),
        "local mod = require('mod')\n\
         while true do\n\
           print('value ' .. mod.value())\n\
           socket.sleep(0.02)\n\
         end\n",
    )
    .unwrap();
}

fn write_module(dir: &Path, version: &str) {
    std::fs::write(
        dir.join("mod.lua"),
        format!("local M = {{}}\n\nfunction M.value()\n  return '{version}'\nend\n\nreturn M\n"),
    )
    .unwrap();
}

/// A running `wayfinder`, killed when dropped.
struct Program {
    child: Child,
    addr: SocketAddr,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Program {
    /// Start `wayfinder args...` in `dir` and wait for its control-port line on stderr.
    fn start(dir: &Path, args: &[&str]) -> Program {
        let mut child = wayfinder()
            .current_dir(dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        {
            let out = child.stdout.take().unwrap();
            let stdout = Arc::clone(&stdout);
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    let mut s = stdout.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        {
            let err = child.stderr.take().unwrap();
            let stderr = Arc::clone(&stderr);
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines() {
                    let Ok(line) = line else { break };
                    if let Some(addr) = line.strip_prefix("wayfinder: control port listening on ") {
                        let _ = tx.send(addr.to_string());
                    }
                    let mut s = stderr.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        let addr = match rx.recv_timeout(PATIENCE) {
            Ok(addr) => addr.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "no control-port line from {args:?} ({status:?}); stderr:\n{}",
                    stderr.lock().unwrap()
                );
            }
        };
        Program {
            child,
            addr,
            stdout,
            stderr,
        }
    }

    fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// The address to connect to: loopback, whatever the program bound.
    fn loopback(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.addr.port()))
    }

    fn connect(&self) -> Client {
        Client::connect(self.loopback())
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Wait until stdout contains `needle`.
    fn wait_for_output(&self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.stdout().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "never printed {needle:?}; stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
    }

    /// Wait until stderr contains `needle`.
    fn wait_for_stderr(&self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.stderr().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("never printed {needle:?} on stderr:\n{}", self.stderr());
    }

    /// Whether the program is still running.
    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw DAP client.
struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    seq: i64,
    /// Events read while waiting for responses.
    events: Vec<Json>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Client {
            stream,
            reader,
            seq: 0,
            events: Vec::new(),
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn send_body(&mut self, body: &[u8]) {
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body);
        self.send_raw(&frame);
    }

    /// Send a request; returns its seq.
    fn request(&mut self, command: &str, arguments: Json) -> i64 {
        self.seq += 1;
        let body = json!({
            "seq": self.seq, "type": "request", "command": command, "arguments": arguments
        });
        self.send_body(body.to_string().as_bytes());
        self.seq
    }

    /// The next message, or `None` when the server closed the connection.
    fn read(&mut self) -> Option<Json> {
        let mut length = None;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap() == 0 {
                return None;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            assert_eq!(name, "Content-Length", "unexpected header {line:?}");
            length = Some(value.trim().parse::<usize>().unwrap());
        }
        let mut body = vec![0; length.expect("Content-Length")];
        self.reader.read_exact(&mut body).unwrap();
        Some(serde_json::from_slice(&body).unwrap())
    }

    /// The response to `seq`, skipping events.
    fn response(&mut self, seq: i64) -> Json {
        loop {
            let m = self.read().expect("connection closed before the response");
            if m["type"] == "response" && m["request_seq"] == seq {
                return m;
            }
            assert_eq!(m["type"], "event", "unexpected message {m}");
            self.events.push(m);
        }
    }

    /// Send a request and wait for its response.
    fn call(&mut self, command: &str, arguments: Json) -> Json {
        let seq = self.request(command, arguments);
        self.response(seq)
    }

    /// The next event called `name` (including those seen while waiting for responses).
    fn event(&mut self, name: &str) -> Json {
        if let Some(i) = self.events.iter().position(|e| e["event"] == name) {
            return self.events.remove(i);
        }
        loop {
            let m = self.read().expect("connection closed before the event");
            if m["type"] == "event" && m["event"] == name {
                return m;
            }
        }
    }

    /// Whether the server has closed the connection (reads until end of stream).
    fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest).is_ok()
    }
}

/// A port on loopback that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

fn hot_reload(dir: &Path, args: &[&str]) -> Output {
    wayfinder()
        .current_dir(dir)
        .arg("hot-reload")
        .args(args)
        .env_remove("WAYFINDER_TOKEN")
        .output()
        .unwrap()
}

#[test]
fn initialize_advertises_hot_reload_then_sends_initialized() {
    let dir = temp_dir("initialize");
    write_looping_program(&dir, "one");
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    assert_eq!(program.addr.ip().to_string(), "127.0.0.1");
    let mut client = program.connect();
    let seq = client.request("initialize", json!({ "adapterID": "wayfinder" }));
    let response = client.read().unwrap();
    assert_eq!(response["type"], "response");
    assert_eq!(response["request_seq"], seq);
    assert_eq!(response["command"], "initialize");
    assert_eq!(response["success"], true);
    assert_eq!(response["body"]["supportsHotReload"], true);
    let event = client.read().unwrap();
    assert_eq!(event["type"], "event");
    assert_eq!(event["event"], "initialized");
    let r = client.call("threads", json!({}));
    assert_eq!(r["body"]["threads"][0]["name"], "main");
    let r = client.call("disconnect", json!({}));
    assert_eq!(r["success"], true);
    assert!(client.closed());
}

#[test]
fn hot_reload_round_trip_applies_an_edit_and_reports_it() {
    let dir = temp_dir("roundtrip");
    write_looping_program(&dir, "one");
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    program.wait_for_output("value one");

    // Over DAP.
    write_module(&dir, "two");
    let mut client = program.connect();
    client.call("initialize", json!({}));
    let r = client.call("hotReload", json!({ "modules": ["mod"], "reason": "save" }));
    assert_eq!(r["success"], true, "{r}");
    let report = &r["body"];
    assert_eq!(report["status"], "applied", "{r}");
    assert_eq!(report["reason"], "save");
    assert_eq!(report["modules"][0]["module"], "mod");
    assert_eq!(
        report["modules"][0]["rebound"][0]["function"], "M.value",
        "{r}"
    );
    program.wait_for_output("value two");
    // The program notes the reload on its stderr (notifyOnChange defaults to true).
    assert!(
        program
            .stderr()
            .contains("[wayfinder] reloaded mod: 1 function rebound"),
        "{}",
        program.stderr()
    );

    // With the command, as people use it.
    write_module(&dir, "three");
    let out = hot_reload(&dir, &["--module", "mod", "--port", &program.port()]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("Reloaded 1 module in "), "{stdout}");
    assert!(stdout.contains("\n  mod: 1 function rebound"), "{stdout}");
    program.wait_for_output("value three");

    // --json prints the report.
    let out = hot_reload(
        &dir,
        &["--module", "mod", "--port", &program.port(), "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "applied");
    assert_eq!(report["reason"], "manual");
    assert_eq!(report["modules"][0]["module"], "mod");
}

#[test]
fn a_refused_reload_is_an_error_response_and_exit_1() {
    let dir = temp_dir("refused");
    write_looping_program(&dir, "one");
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    program.wait_for_output("value one");
    std::fs::write(
        dir.join("mod.lua"),
        "local M = {}\nfunction M.value()\n  return 'two' +\nend\nreturn M\n",
    )
    .unwrap();

    let mut client = program.connect();
    let r = client.call("hotReload", json!({ "modules": ["mod"] }));
    assert_eq!(r["success"], false, "{r}");
    assert_eq!(r["command"], "hotReload");
    let message = r["message"].as_str().unwrap();
    assert_eq!(r["body"]["error"]["format"], message);
    let error = &r["body"]["reloadError"];
    assert_eq!(error["kind"], "syntax", "{r}");
    assert_eq!(error["module"], "mod");
    assert_eq!(error["location"]["line"], 4, "{r}");

    let out = hot_reload(&dir, &["--module", "mod", "--port", &program.port()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("mod.lua:4:"), "{stderr}");
    assert!(stderr.contains('^'), "{stderr}");
    assert!(
        stderr.contains("reload refused: the previous version of 'mod' stays active"),
        "{stderr}"
    );

    let out = hot_reload(
        &dir,
        &["--module", "mod", "--port", &program.port(), "--json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let error: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["kind"], "syntax");

    // Nothing changed: the old code still runs.
    let before = program.stdout().len();
    let deadline = Instant::now() + PATIENCE;
    while program.stdout().len() == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(program.stdout()[before..].contains("value one"));
}

#[test]
fn a_false_condition_skips_with_exit_3() {
    let dir = temp_dir("condition");
    write_looping_program(&dir, "one");
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    program.wait_for_output("value one");
    write_module(&dir, "two");
    let out = hot_reload(
        &dir,
        &[
            "--module",
            "mod",
            "--port",
            &program.port(),
            "--condition",
            "development",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Skipped reload"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn config_can_switch_reload_off() {
    let dir = temp_dir("disabled");
    write_looping_program(&dir, "one");
    std::fs::write(dir.join("wayfinder.yaml"), "hotReload:\n  enabled: false\n").unwrap();
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    let mut client = program.connect();
    let r = client.call("hotReload", json!({ "modules": ["mod"] }));
    assert_eq!(r["success"], false, "{r}");
    assert_eq!(r["body"]["reloadError"]["kind"], "disabled", "{r}");
}

#[test]
fn a_busy_port_is_a_startup_error_suggesting_port() {
    let dir = temp_dir("busy");
    std::fs::write(dir.join("s.lua"), "print('ran')\n").unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = wayfinder()
        .current_dir(&dir)
        .args(["run", "--port", &port, "s.lua"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "", "the script must not run");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("wayfinder: cannot listen on 127.0.0.1:{port}: ")),
        "{stderr}"
    );
    assert!(stderr.contains("already in use"), "{stderr}");
    assert!(stderr.contains("--port"), "{stderr}");
}

#[test]
fn the_client_names_host_and_port_when_nothing_listens() {
    let dir = temp_dir("refused-conn");
    let port = closed_port().to_string();
    let out = hot_reload(&dir, &["--module", "mod", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "wayfinder: cannot connect to 127.0.0.1:{port}: connection refused"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("wayfinder run"), "{stderr}");
    assert!(stderr.contains("--port"), "{stderr}");
}

#[test]
fn listen_beyond_loopback_requires_a_token() {
    let dir = temp_dir("token");
    write_looping_program(&dir, "one");

    // No token: refused at startup.
    let out = wayfinder()
        .current_dir(&dir)
        .args(["run", "--listen", "0.0.0.0:0", "main.lua"])
        .env_remove("WAYFINDER_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--listen 0.0.0.0:0"), "{stderr}");
    assert!(
        stderr.contains("--token") && stderr.contains("WAYFINDER_TOKEN"),
        "{stderr}"
    );

    // With a token (bound to every interface; we only ever connect through loopback).
    let program = Program::start(
        &dir,
        &[
            "run",
            "--listen",
            "0.0.0.0:0",
            "--token",
            "s3cret",
            "main.lua",
        ],
    );
    assert_eq!(program.addr.ip().to_string(), "0.0.0.0");
    program.wait_for_output("value one");
    let mut client = program.connect();
    let r = client.call("initialize", json!({}));
    assert_eq!(r["success"], false);
    assert!(
        r["message"].as_str().unwrap().contains("requires a token"),
        "{r}"
    );
    let r = client.call("initialize", json!({ "token": "guess" }));
    assert_eq!(r["success"], false);
    assert!(r["message"].as_str().unwrap().contains("wrong"), "{r}");
    let r = client.call("hotReload", json!({ "modules": ["mod"] }));
    assert_eq!(r["success"], false);
    assert!(r["body"].get("reloadError").is_none(), "{r}");
    let r = client.call("initialize", json!({ "token": "s3cret" }));
    assert_eq!(r["success"], true, "{r}");

    let port = program.port();
    let out = hot_reload(&dir, &["--module", "mod", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("requires a token"),
        "{}",
        text(&out.stderr)
    );

    write_module(&dir, "two");
    let out = hot_reload(
        &dir,
        &["--module", "mod", "--port", &port, "--token", "s3cret"],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    program.wait_for_output("value two");

    write_module(&dir, "three");
    let out = wayfinder()
        .current_dir(&dir)
        .args(["hot-reload", "--module", "mod", "--port", &port])
        .env("WAYFINDER_TOKEN", "s3cret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    program.wait_for_output("value three");
}

#[test]
fn malformed_and_oversized_frames_get_errors_and_the_program_keeps_running() {
    let dir = temp_dir("malformed");
    write_looping_program(&dir, "one");
    let mut program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);

    // A body that is not JSON: an error response; the connection stays usable.
    let mut client = program.connect();
    client.send_body(b"{not json");
    let r = client.read().unwrap();
    assert_eq!(r["success"], false);
    assert!(r["message"].as_str().unwrap().contains("not JSON"), "{r}");
    client.send_body(br#"{"seq": 7, "type": "request", "command": 3}"#);
    let r = client.read().unwrap();
    assert_eq!(r["success"], false);
    assert_eq!(r["request_seq"], 7);
    client.send_body(br#"{"seq": 8, "type": "event", "event": "x"}"#);
    let r = client.read().unwrap();
    assert_eq!(r["success"], false);
    let r = client.call("setBreakpoints", json!({}));
    assert_eq!(r["success"], false);
    assert!(r["message"]
        .as_str()
        .unwrap()
        .contains("unsupported command 'setBreakpoints'"));
    let r = client.call("hotReload", json!({ "modules": "mod" }));
    assert_eq!(r["success"], false);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("invalid hotReload arguments"),
        "{r}"
    );
    let r = client.call(
        "hotReload",
        json!({ "modules": ["mod"], "reason": "because" }),
    );
    assert_eq!(r["success"], false);
    let r = client.call("initialize", json!({}));
    assert_eq!(r["success"], true);

    // A broken header: an error response, then the connection is closed.
    let mut client = program.connect();
    client.send_raw(b"Content-Length: lots\r\n\r\n{}");
    let r = client.read().unwrap();
    assert_eq!(r["success"], false);
    assert!(
        r["message"].as_str().unwrap().contains("malformed header"),
        "{r}"
    );
    assert!(client.closed());

    // An oversized frame: refused before its body is read, then closed.
    let mut client = program.connect();
    client.send_raw(b"Content-Length: 50000000\r\n\r\n");
    let r = client.read().unwrap();
    assert_eq!(r["success"], false);
    assert!(r["message"].as_str().unwrap().contains("too large"), "{r}");
    assert!(client.closed());

    // Garbage with no header end, and a client that vanishes mid-frame.
    let mut client = program.connect();
    client.send_raw(&vec![b'x'; 20_000]);
    let r = client.read().unwrap();
    assert_eq!(r["success"], false);
    let mut client = program.connect();
    client.send_raw(b"Content-Length: 100\r\n\r\n{\"seq\"");
    drop(client);

    // Still serving, still running its loop.
    let mut client = program.connect();
    assert_eq!(client.call("initialize", json!({}))["success"], true);
    let before = program.stdout().len();
    let deadline = Instant::now() + PATIENCE;
    while program.stdout().len() == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(program.stdout().len() > before);
    assert!(program.running());
}

#[test]
fn two_clients_are_served_in_turn() {
    let dir = temp_dir("two-clients");
    write_looping_program(&dir, "one");
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    let mut a = program.connect();
    let mut b = program.connect();
    assert_eq!(a.call("initialize", json!({}))["success"], true);
    assert_eq!(b.call("initialize", json!({}))["success"], true);
    write_module(&dir, "two");
    // Both ask at once; both get their own answer.
    let seq_a = a.request("hotReload", json!({ "modules": ["mod"] }));
    let seq_b = b.request("hotReload", json!({ "modules": ["mod"] }));
    let ra = a.response(seq_a);
    let rb = b.response(seq_b);
    assert_eq!(ra["success"], true, "{ra}");
    assert_eq!(rb["success"], true, "{rb}");
    assert_eq!(ra["body"]["status"], "applied");
    assert_eq!(rb["body"]["status"], "applied");
    // Each attached client hears about the other's reload.
    let event = a.event("hotReloaded");
    assert_eq!(event["body"]["status"], "applied");
    let event = b.event("hotReloaded");
    assert_eq!(event["body"]["modules"][0]["module"], "mod");
    program.wait_for_output("value two");
}

#[test]
fn a_request_is_served_during_socket_sleep() {
    let dir = temp_dir("sleep");
    write_module(&dir, "one");
    std::fs::write(
        dir.join("main.lua"),
        "local mod = require('mod')\n\
         print('before ' .. mod.value())\n\
         socket.sleep(600)\n\
         print('after ' .. mod.value())\n",
    )
    .unwrap();
    let mut program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    program.wait_for_output("before one");
    write_module(&dir, "two");
    let out = hot_reload(&dir, &["--module", "mod", "--port", &program.port()]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    // Answered while the program is still inside its ten-minute sleep.
    assert!(program.running());
    assert!(!program.stdout().contains("after"), "{}", program.stdout());
}

#[test]
fn launch_debug_serves_hot_reload_like_the_product_page() {
    let dir = temp_dir("launch");
    // The product page's files, with its shadowing `math` module.
    std::fs::write(
        dir.join("math.lua"),
        "local M = {}\n\nfunction M.add(a, b)\n    return a + b\nend\n\n\
         function M.multiply(a, b)\n    return a * b\nend\n\nreturn M\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.lua"),
        "local math = require(\"math\")\n\nwhile true do\n    local result = math.add(5, 3)\n\
         \x20   print(\"Result:\", result)\n    socket.sleep(0.02)\nend\n",
    )
    .unwrap();
    let program = Program::start(&dir, &["launch", "--debug", "--port", "0", "main.lua"]);
    program.wait_for_output("Result:\t8");
    std::fs::write(
        dir.join("math.lua"),
        "local M = {}\n\nfunction M.add(a, b)\n    return a + b + 1\nend\n\n\
         function M.multiply(a, b)\n    return a * b\nend\n\nreturn M\n",
    )
    .unwrap();
    let out = hot_reload(&dir, &["--module", "math", "--port", &program.port()]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    program.wait_for_output("Result:\t9");

    let help = wayfinder().args(["launch", "--help"]).output().unwrap();
    assert!(
        text(&help.stdout).contains("hot reload"),
        "{}",
        text(&help.stdout)
    );
    let help = wayfinder().args(["hot-reload", "--help"]).output().unwrap();
    assert!(
        text(&help.stdout).contains("3 skipped"),
        "{}",
        text(&help.stdout)
    );
}

#[test]
fn everything_after_the_script_goes_to_the_script() {
    let dir = temp_dir("args");
    std::fs::write(
        dir.join("s.lua"),
        "print(#arg, table.concat(arg, ' '))\nprint(select('#', ...), ...)\nprint(arg[0], arg[-1])\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = wayfinder().current_dir(&dir).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let bin = env!("CARGO_BIN_EXE_wayfinder");
    assert_eq!(
        run(&["run", "--no-server", "s.lua", "--help"]),
        format!("1\t--help\n1\t--help\ns.lua\t{bin}\n")
    );
    assert_eq!(
        run(&["run", "--no-server", "s.lua", "--", "x", "--port", "1"]),
        format!("4\t-- x --port 1\n4\t--\tx\t--port\t1\ns.lua\t{bin}\n")
    );
    assert_eq!(
        run(&["run", "--port", "0", "--", "s.lua", "-v"]),
        format!("1\t-v\n1\t-v\ns.lua\t{bin}\n")
    );
    assert_eq!(
        run(&["run", "--no-server", "s.lua"]),
        format!("0\t\n0\ns.lua\t{bin}\n")
    );
}

#[test]
fn config_errors_name_file_line_and_column() {
    let dir = temp_dir("config");
    std::fs::create_dir_all(dir.join("game")).unwrap();
    std::fs::write(dir.join("game/main.lua"), "print('ran')\n").unwrap();
    std::fs::write(
        dir.join("game/wayfinder.yaml"),
        "hotReload:\n  enabled: true\n  preserv:\n    globals: false\n",
    )
    .unwrap();
    let out = wayfinder()
        .current_dir(&dir)
        .args(["run", "--no-server", "game/main.lua"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("wayfinder: game/wayfinder.yaml:3:3: "),
        "{stderr}"
    );
    assert!(stderr.contains("unknown field `preserv`"), "{stderr}");
    assert!(stderr.contains("`preserve`"), "{stderr}");

    std::fs::write(dir.join("bad.yaml"), "hotReload:\n  auto: sometimes\n").unwrap();
    let out = wayfinder()
        .current_dir(&dir)
        .args([
            "run",
            "--no-server",
            "--config",
            "bad.yaml",
            "game/main.lua",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("wayfinder: bad.yaml:2:9: "), "{stderr}");
    assert!(stderr.contains("expected a boolean"), "{stderr}");

    let out = wayfinder()
        .current_dir(&dir)
        .args([
            "run",
            "--no-server",
            "--config",
            "nope.yaml",
            "game/main.lua",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "wayfinder: nope.yaml: cannot read the configuration: no such file\n"
    );

    // A good file beside the script is used, and the script runs.
    std::fs::write(
        dir.join("game/wayfinder.yaml"),
        "hotReload:\n  preserve:\n    globals: false\n",
    )
    .unwrap();
    let out = wayfinder()
        .current_dir(&dir)
        .args(["run", "--no-server", "game/main.lua"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ran\n");
}

#[test]
fn watch_reloads_saved_modules_and_tells_clients() {
    let dir = temp_dir("watch");
    write_looping_program(&dir, "one");
    let program = Program::start(&dir, &["run", "--watch", "--port", "0", "main.lua"]);
    program.wait_for_stderr("wayfinder: watching ");
    program.wait_for_output("value one");
    let mut client = program.connect();
    assert_eq!(client.call("initialize", json!({}))["success"], true);

    // A plain save.
    write_module(&dir, "two");
    program.wait_for_output("value two");
    let event = client.event("hotReloaded");
    assert_eq!(event["body"]["reason"], "save");
    assert_eq!(event["body"]["modules"][0]["module"], "mod");
    assert!(
        program
            .stderr()
            .contains("[wayfinder] reloaded mod: 1 function rebound"),
        "{}",
        program.stderr()
    );

    // A save that does not compile: reported with its location, the old code keeps running.
    std::fs::write(
        dir.join("mod.lua"),
        "local M = {}\nfunction M.value()\n  return 'x' ..\nend\nreturn M\n",
    )
    .unwrap();
    program.wait_for_stderr("refused");
    let stderr = program.stderr();
    assert!(
        stderr.contains("[wayfinder] reload of mod refused (save):"),
        "{stderr}"
    );
    assert!(stderr.contains("mod.lua:4:1"), "{stderr}");

    // An editor's atomic save (write a temporary file, rename it over the module).
    let tmp = dir.join(".mod.lua.swp");
    std::fs::write(
        &tmp,
        "local M = {}\n\nfunction M.value()\n  return 'three'\nend\n\nreturn M\n",
    )
    .unwrap();
    std::fs::rename(&tmp, dir.join("mod.lua")).unwrap();
    program.wait_for_output("value three");
}

#[test]
fn auto_reload_from_the_config_skips_ignored_paths() {
    let dir = temp_dir("auto");
    write_module(&dir, "one");
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    let other = |v: &str| {
        std::fs::write(
            dir.join("lib/other.lua"),
            format!("return {{ value = function() return '{v}' end }}\n"),
        )
        .unwrap()
    };
    other("A");
    std::fs::write(
        dir.join("main.lua"),
        "package.path = 'lib/?.lua;' .. package.path\n\
         local mod, other = require('mod'), require('other')\n\
         while true do\n\
           print('value ' .. mod.value() .. '/' .. other.value())\n\
           socket.sleep(0.02)\n\
         end\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("wayfinder.yaml"),
        "hotReload:\n  auto: true\n  notifyOnChange: false\n  ignorePaths:\n    - \"mod.lua\"\n",
    )
    .unwrap();
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    program.wait_for_output("value one/A");
    write_module(&dir, "two");
    other("B");
    program.wait_for_output("/B");
    let stdout = program.stdout();
    let first_b = stdout.lines().find(|l| l.ends_with("/B")).unwrap();
    assert_eq!(first_b, "value one/B", "mod.lua is ignored");
    assert!(
        !program.stderr().contains("[wayfinder] reload"),
        "{}",
        program.stderr()
    );
}

#[test]
fn the_client_gives_up_on_silent_or_foreign_servers() {
    let dir = temp_dir("foreign");
    // Accepts, never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let holder = std::thread::spawn(move || {
        let (mut stream, _) = silent.accept().unwrap();
        // Read everything, answer nothing, until the client gives up and closes.
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let out = hot_reload(
        &dir,
        &["--module", "m", "--port", &port, "--timeout", "0.2"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "wayfinder: no answer from 127.0.0.1:{port} to initialize"
        )),
        "{stderr}"
    );
    holder.join().unwrap();

    // Answers with something that is not DAP.
    let foreign = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = foreign.local_addr().unwrap().port().to_string();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = foreign.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = stream.read(&mut buf);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        // Close only when the client has: closing with its bytes unread would reset.
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let out = hot_reload(&dir, &["--module", "m", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "wayfinder: protocol error from 127.0.0.1:{port}: "
        )),
        "{stderr}"
    );
    server.join().unwrap();
}

#[test]
fn without_a_module_the_changed_ones_reload() {
    let dir = temp_dir("changed");
    write_looping_program(&dir, "one");
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    program.wait_for_output("value one");
    let out = hot_reload(&dir, &["--port", &program.port()]);
    assert_eq!(out.status.code(), Some(3), "stderr: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Skipped reload: no loaded module has changed on disk\n"
    );
    write_module(&dir, "two");
    let out = hot_reload(&dir, &["--port", &program.port()]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\n  mod: 1 function rebound"),
        "{}",
        text(&out.stdout)
    );
    program.wait_for_output("value two");
    // Over DAP: a hotReload with no arguments.
    let mut client = program.connect();
    let r = client.call("hotReload", Json::Null);
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(r["body"]["status"], "skipped");
}

/// A program with two modules (`app` requires `base`), a stored function reference and a
/// config table, printing one line per tick.
fn write_two_module_program(dir: &Path) {
    std::fs::write(
        dir.join("base.lua"),
        "local B = {}\nfunction B.name() return 'base1' end\nreturn B\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.lua"),
        "local base = require('base')\nlocal A = { config = { level = 1 } }\n\
         function A.show() return 'app1+' .. base.name() end\n\
         function A.extra() return 'extra1' end\nreturn A\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.lua"),
        "local app = require('app')\nlocal show = app.show -- a stored reference\n\
         TOUCHED = 'no'\n\
         while true do\n\
           print(('tick %s %s level=%s touched=%s'):format(show(), app.extra(), app.config.level, TOUCHED))\n\
           socket.sleep(0.02)\n\
         end\n",
    )
    .unwrap();
}

#[test]
fn selective_batch_and_failed_reloads_through_the_client() {
    let dir = temp_dir("selective");
    write_two_module_program(&dir);
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    program.wait_for_output("tick app1+base1 extra1 level=1 touched=no");
    let port = program.port();
    let reload = |args: &[&str]| {
        let mut all = vec!["--port", port.as_str()];
        all.extend_from_slice(args);
        hot_reload(&dir, &all)
    };

    // Several --module: one transaction, base applied before app.
    std::fs::write(
        dir.join("base.lua"),
        "local B = {}\nfunction B.name() return 'base2' end\nreturn B\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.lua"),
        "local base = require('base')\nlocal A = { config = { level = 2 } }\n\
         function A.show() return 'app2+' .. base.name() end\n\
         function A.extra() return 'extra2' end\nreturn A\n",
    )
    .unwrap();
    let out = reload(&["--module", "app", "--module", "base", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["modules"][0]["module"], "base", "{report}");
    assert_eq!(report["modules"][1]["module"], "app", "{report}");
    // The stored reference runs the new code; the edited initial value is taken.
    program.wait_for_output("tick app2+base2 extra2 level=2 touched=no");

    // --function: only that function changes (the chunk does not run).
    std::fs::write(
        dir.join("app.lua"),
        "local base = require('base')\nlocal A = { config = { level = 3 } }\n\
         function A.show() return 'app3+' .. base.name() end\n\
         function A.extra() return 'extra3' end\nreturn A\n",
    )
    .unwrap();
    let out = reload(&["--module", "app", "--function", "extra"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("rebound: A.extra (1 closure)"),
        "{}",
        text(&out.stdout)
    );
    program.wait_for_output("tick app2+base2 extra3 level=2 touched=no");

    // --table: only the config table is merged.
    let out = reload(&["--module", "app", "--table", "config"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    program.wait_for_output("tick app2+base2 extra3 level=3 touched=no");

    // A true --condition applies the reload.
    let out = reload(&["--module", "app", "--condition", "TOUCHED == 'no'"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    program.wait_for_output("tick app3+base2 extra3 level=3 touched=no");

    // A runtime error while loading: exit 1, and everything the chunk did is rolled back.
    std::fs::write(
        dir.join("app.lua"),
        "TOUCHED = 'yes'\nlocal A = { config = { level = 4 } }\n\
         function A.show() return 'app4' end\nerror('app4 is broken')\nreturn A\n",
    )
    .unwrap();
    let out = reload(&["--module", "app"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("app4 is broken"), "{stderr}");
    assert!(
        stderr.contains("the previous version of 'app' stays active"),
        "{stderr}"
    );
    let before = program.stdout().len();
    let deadline = Instant::now() + PATIENCE;
    while program.stdout().len() == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        program.stdout()[before..].contains("tick app3+base2 extra3 level=3 touched=no"),
        "{}",
        &program.stdout()[before..]
    );
}

#[test]
fn a_burst_of_saves_is_one_reload() {
    let dir = temp_dir("burst");
    write_looping_program(&dir, "one");
    let program = Program::start(&dir, &["run", "--watch", "--port", "0", "main.lua"]);
    program.wait_for_stderr("wayfinder: watching ");
    program.wait_for_output("value one");
    // Five saves in quick succession (well inside the debounce window).
    for v in ["b1", "b2", "b3", "b4", "final"] {
        write_module(&dir, v);
    }
    program.wait_for_output("value final");
    std::thread::sleep(Duration::from_millis(300));
    let reloads = program.stderr().matches("[wayfinder] reloaded mod").count();
    assert_eq!(reloads, 1, "{}", program.stderr());
}

#[test]
fn saving_the_entry_script_rebinds_its_functions_without_rerunning_it() {
    let dir = temp_dir("entry");
    let main = |v: &str| {
        format!(
            "STARTS = (STARTS or 0) + 1\nfunction greet() return 'hello {v}' end\n\
             while true do\n  print(greet() .. ' starts=' .. STARTS)\n  socket.sleep(0.02)\nend\n"
        )
    };
    std::fs::write(dir.join("main.lua"), main("v1")).unwrap();
    let program = Program::start(&dir, &["run", "--watch", "--port", "0", "main.lua"]);
    program.wait_for_stderr("wayfinder: watching ");
    program.wait_for_output("hello v1 starts=1");
    std::fs::write(dir.join("main.lua"), main("v2")).unwrap();
    program.wait_for_output("hello v2 starts=1");
    assert!(
        program.stderr().contains(
            "[wayfinder] reloaded main: 1 function rebound (1 closure), 1 frame still in old code"
        ),
        "{}",
        program.stderr()
    );
}

#[test]
fn a_busy_loop_inside_a_required_chunk_still_answers() {
    // The loop runs inside `require` (a nested call), with no socket.sleep: requests are
    // applied at the nested call's safe points.
    let dir = temp_dir("nested-loop");
    write_module(&dir, "one");
    std::fs::write(dir.join("main.lua"), "require('app')\n").unwrap();
    std::fs::write(
        dir.join("app.lua"),
        "local mod = require('mod')\nlocal n = 0\nwhile true do\n  n = n + 1\n  \
         if n % 200000 == 0 then print('value ' .. mod.value()) io.stdout:flush() end\nend\n",
    )
    .unwrap();
    let program = Program::start(&dir, &["run", "--port", "0", "main.lua"]);
    program.wait_for_output("value one");
    write_module(&dir, "two");
    let out = hot_reload(&dir, &["--module", "mod", "--port", &program.port()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    program.wait_for_output("value two");
}

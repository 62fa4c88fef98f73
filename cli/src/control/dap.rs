//! The wire format of the control port: Debug Adapter Protocol messages, each a JSON body
//! behind a `Content-Length` header (docs/protocol.md).
//!
//! ```text
//! Content-Length: 82\r\n
//! \r\n
//! {"seq":1,"type":"request","command":"initialize","arguments":{"adapterID":"wayfinder"}}
//! ```
//!
//! Only the parts of DAP the control port uses are modelled, by hand: the three message
//! kinds and the capabilities `initialize` answers with.

use std::fmt;
use std::io::{self, BufRead, Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The largest body accepted (1 MiB): a reload request is a few hundred bytes, and even a
/// module's source sent inline fits.
pub const MAX_BODY: usize = 1 << 20;

/// The most header bytes read before a body (a client sends one or two short lines).
pub const MAX_HEADER: usize = 8 * 1024;

/// A message from the client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub seq: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Json>,
}

/// The answer to one request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub seq: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub request_seq: i64,
    pub success: bool,
    pub command: String,
    /// Why it failed (error responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Json>,
}

/// Something the server says on its own (`initialized`, `hotReloaded`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Json>,
}

/// Any message, by its `type`.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Request(Request),
    Response(Response),
    Event(Event),
}

impl Message {
    /// Parse a body. Errors are one line saying what is wrong.
    pub fn parse(body: &[u8]) -> Result<Message, String> {
        let value: Json =
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
        let kind = value
            .get("type")
            .and_then(Json::as_str)
            .ok_or("the message has no \"type\" (request, response or event)")?
            .to_string();
        let message = match kind.as_str() {
            "request" => serde_json::from_value(value).map(Message::Request),
            "response" => serde_json::from_value(value).map(Message::Response),
            "event" => serde_json::from_value(value).map(Message::Event),
            other => return Err(format!("unknown message type \"{other}\"")),
        };
        message.map_err(|e| format!("malformed {kind}: {e}"))
    }
}

impl Response {
    /// A successful answer to `request_seq`/`command`.
    pub fn ok(request_seq: i64, command: &str, body: Option<Json>) -> Response {
        Response {
            seq: 0,
            kind: "response".into(),
            request_seq,
            success: true,
            command: command.into(),
            message: None,
            body,
        }
    }

    /// A failed answer. The body carries DAP's `error` message (shown to users by IDEs)
    /// merged with `extra` fields.
    pub fn error(
        request_seq: i64,
        command: &str,
        message: impl Into<String>,
        extra: Option<serde_json::Map<String, Json>>,
    ) -> Response {
        let message = message.into();
        let mut body = extra.unwrap_or_default();
        body.insert(
            "error".into(),
            serde_json::json!({ "id": 1, "format": message, "showUser": true }),
        );
        Response {
            seq: 0,
            kind: "response".into(),
            request_seq,
            success: false,
            command: command.into(),
            message: Some(message),
            body: Some(Json::Object(body)),
        }
    }
}

impl Event {
    pub fn new(event: &str, body: Option<Json>) -> Event {
        Event {
            seq: 0,
            kind: "event".into(),
            event: event.into(),
            body,
        }
    }
}

/// What `initialize` answers: the standard capabilities the control port has, plus
/// `supportsHotReload` (the custom `hotReload` request).
pub fn capabilities() -> Json {
    serde_json::json!({
        "supportsHotReload": true,
        "supportsConfigurationDoneRequest": true,
        "supportsTerminateRequest": false,
        "supportsRestartRequest": false,
    })
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the connection between messages.
    Closed,
    Io(io::Error),
    /// The header is not `Content-Length: N` lines ended by an empty line.
    Header(String),
    /// The body is larger than the limit (its announced length).
    TooLarge(usize),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Closed => f.write_str("the connection was closed"),
            FrameError::Io(e) => write!(f, "{e}"),
            FrameError::Header(m) => write!(f, "malformed header: {m}"),
            FrameError::TooLarge(n) => write!(
                f,
                "message too large: {n} bytes (the limit is {MAX_BODY} bytes)"
            ),
        }
    }
}

/// Read one message body: header lines (`Content-Length` required, others ignored, `\r\n`
/// or `\n` endings), an empty line, then exactly that many bytes. Reads at most
/// [`MAX_HEADER`] header bytes and refuses bodies over `max_body` before reading them.
pub fn read_frame<R: BufRead>(reader: &mut R, max_body: usize) -> Result<Vec<u8>, FrameError> {
    let mut length: Option<usize> = None;
    let mut header_bytes = 0;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let limit = (MAX_HEADER - header_bytes) as u64;
        reader
            .by_ref()
            .take(limit)
            .read_until(b'\n', &mut line)
            .map_err(FrameError::Io)?;
        if line.is_empty() {
            if first {
                return Err(FrameError::Closed);
            }
            if header_bytes >= MAX_HEADER {
                return Err(FrameError::Header(format!(
                    "the header is longer than {MAX_HEADER} bytes"
                )));
            }
            return Err(FrameError::Header(
                "the connection closed inside a header".into(),
            ));
        }
        header_bytes += line.len();
        if line.last() != Some(&b'\n') {
            if header_bytes >= MAX_HEADER {
                return Err(FrameError::Header(format!(
                    "the header is longer than {MAX_HEADER} bytes"
                )));
            }
            return Err(FrameError::Header(
                "the connection closed inside a header".into(),
            ));
        }
        first = false;
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.is_empty() {
            break;
        }
        let text = std::str::from_utf8(&line)
            .map_err(|_| FrameError::Header("a header line is not UTF-8".into()))?;
        let Some((name, value)) = text.split_once(':') else {
            return Err(FrameError::Header(format!(
                "expected 'Name: value', got '{}'",
                shorten(text)
            )));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let value = value.trim();
            let n: usize = value.parse().map_err(|_| {
                FrameError::Header(format!(
                    "Content-Length is not a number: '{}'",
                    shorten(value)
                ))
            })?;
            length = Some(n);
        }
    }
    let length = length.ok_or_else(|| FrameError::Header("no Content-Length header".into()))?;
    if length > max_body {
        return Err(FrameError::TooLarge(length));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            FrameError::Header(format!(
                "the connection closed before the {length}-byte body was complete"
            ))
        } else {
            FrameError::Io(e)
        }
    })?;
    Ok(body)
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}...")
    } else {
        s.to_string()
    }
}

/// Write one message: header, empty line, body, in one write.
pub fn write_frame<W: Write>(writer: &mut W, body: &[u8]) -> io::Result<()> {
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    writer.write_all(&frame)?;
    writer.flush()
}

/// Serialize and write a message.
pub fn write_message<W: Write, T: Serialize>(writer: &mut W, message: &T) -> io::Result<()> {
    let body = serde_json::to_vec(message).map_err(io::Error::other)?;
    write_frame(writer, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<Vec<u8>, FrameError> {
        read_frame(&mut io::Cursor::new(bytes), MAX_BODY)
    }

    #[test]
    fn frames_round_trip() {
        let mut out = Vec::new();
        write_frame(&mut out, b"{\"a\":1}").unwrap();
        write_frame(&mut out, b"{}").unwrap();
        assert_eq!(
            out,
            b"Content-Length: 7\r\n\r\n{\"a\":1}Content-Length: 2\r\n\r\n{}"
        );
        let mut cursor = io::Cursor::new(out);
        assert_eq!(read_frame(&mut cursor, MAX_BODY).unwrap(), b"{\"a\":1}");
        assert_eq!(read_frame(&mut cursor, MAX_BODY).unwrap(), b"{}");
        assert!(matches!(
            read_frame(&mut cursor, MAX_BODY),
            Err(FrameError::Closed)
        ));
    }

    #[test]
    fn headers_are_lenient_where_clients_differ() {
        // Other headers ignored, any case, bare \n line ends.
        let body = read(b"content-type: application/json\ncontent-LENGTH:  2 \n\n{}").unwrap();
        assert_eq!(body, b"{}");
    }

    #[test]
    fn bad_headers_are_errors_not_panics() {
        for (input, expected) in [
            (&b"Content-Length: x\r\n\r\n"[..], "not a number"),
            (b"Content-Length: -1\r\n\r\n", "not a number"),
            (
                b"Content-Length: 99999999999999999999999\r\n\r\n",
                "not a number",
            ),
            (b"Content-Type: json\r\n\r\n{}", "no Content-Length"),
            (b"\r\n{}", "no Content-Length"),
            (b"hello\r\n\r\n", "expected 'Name: value'"),
            (b"Content-Length: 2", "closed inside a header"),
            (b"Content-Length: 10\r\n\r\n{}", "before the 10-byte body"),
            (b"Content-\xff: 1\r\n\r\n", "not UTF-8"),
        ] {
            match read(input) {
                Err(FrameError::Header(m)) => assert!(m.contains(expected), "{m}"),
                other => panic!("{input:?}: {other:?}"),
            }
        }
        let endless = vec![b'a'; MAX_HEADER * 2];
        match read(&endless) {
            Err(FrameError::Header(m)) => assert!(m.contains("longer than"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_bodies_are_refused_before_reading() {
        let input = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1);
        assert!(
            matches!(read(input.as_bytes()), Err(FrameError::TooLarge(n)) if n == MAX_BODY + 1)
        );
        let text = FrameError::TooLarge(5_000_000).to_string();
        assert_eq!(
            text,
            "message too large: 5000000 bytes (the limit is 1048576 bytes)"
        );
    }

    #[test]
    fn messages_parse_by_type() {
        let m = Message::parse(
            br#"{"seq":3,"type":"request","command":"hotReload","arguments":{"modules":["m"]}}"#,
        )
        .unwrap();
        match m {
            Message::Request(r) => {
                assert_eq!(r.seq, 3);
                assert_eq!(r.command, "hotReload");
                assert_eq!(r.arguments.unwrap()["modules"][0], "m");
            }
            other => panic!("{other:?}"),
        }
        let m = Message::parse(
            br#"{"seq":1,"type":"response","request_seq":3,"success":true,"command":"x"}"#,
        )
        .unwrap();
        assert!(matches!(m, Message::Response(r) if r.request_seq == 3 && r.success));
        let m = Message::parse(br#"{"seq":2,"type":"event","event":"initialized"}"#).unwrap();
        assert!(matches!(m, Message::Event(e) if e.event == "initialized"));
        for (input, expected) in [
            (&b"{"[..], "not JSON"),
            (b"[1]", "no \"type\""),
            (b"{\"type\":\"shout\"}", "unknown message type"),
            (b"{\"type\":\"request\",\"seq\":1}", "malformed request"),
            (
                b"{\"type\":\"request\",\"seq\":\"1\",\"command\":\"x\"}",
                "malformed request",
            ),
        ] {
            let e = Message::parse(input).unwrap_err();
            assert!(e.contains(expected), "{e}");
        }
    }

    #[test]
    fn error_responses_carry_a_dap_error_message() {
        let r = Response::error(4, "hotReload", "no", None);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["success"], false);
        assert_eq!(json["message"], "no");
        assert_eq!(json["body"]["error"]["format"], "no");
        assert_eq!(json["request_seq"], 4);
        assert_eq!(json["type"], "response");
    }
}

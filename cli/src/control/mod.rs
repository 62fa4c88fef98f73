//! The control port: a Debug Adapter Protocol server inside `wayfinder run` (hot reload
//! today, the debugger later) and the `wayfinder hot-reload` client. docs/protocol.md
//! describes the wire protocol.

pub mod client;
pub mod dap;
pub mod server;

//! The stdio transport: rmcp's newline-delimited JSON framing, with every line answered the
//! way JSON-RPC 2.0 (§5.1) asks instead of dropped.
//!
//! rmcp's own stdio transport ignores a line that is not JSON at all (rust-sdk#938: an echoing
//! peer could turn replies into an error storm), and answers a JSON line that is not a message
//! it knows with "Invalid request" and no id, so the client cannot tell which request failed
//! and waits for it forever. Here:
//!
//! - a line that is not JSON (or not UTF-8) is answered `-32700` (Parse error), id `null`;
//! - a request (it has an `id` and a `method`) whose parameters do not fit its method, e.g.
//!   `tools/call` with `arguments` that are not an object, is answered `-32602` (Invalid
//!   params) with its id;
//! - any other JSON that is not a message is answered `-32600` (Invalid Request), with its
//!   id when it has one;
//! - a line above [`MAX_LINE`] is not kept in memory; it is answered `-32600`, id `null`;
//! - a notification (no `id`) is never answered, as the specification requires.
//!
//! One answer per bad line, never an answer to an answer, so two such peers cannot loop.
//! Replies go through rmcp's writer, so they never interleave with its messages.

use serde_json::Value;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Stdin, Stdout};
use tokio::sync::Mutex;

use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequestParams, ClientRequest, ErrorCode, ErrorData, JsonRpcMessage, JsonRpcRequest, NumberOrString, ReadResourceRequestParams,
};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;

/// The longest line read (rmcp's own default, `DEFAULT_MAX_LINE_LENGTH`: 16 MiB).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// How much of a line above [`MAX_LINE`] is kept to look for its `id`.
const HEAD: usize = 4096;

/// The `id` of a message from its first bytes: a key `"id"` of the top-level object before
/// any nested value opens, with a number or string value (`{"jsonrpc":"2.0","id":7,...`,
/// as the Python and TypeScript SDKs write it). Anything else, or an `id` that comes after
/// `params`, is `None` and the answer's id is `null`, as JSON-RPC 2.0 §5 allows.
fn leading_id(head: &[u8]) -> Option<NumberOrString> {
    let text = String::from_utf8_lossy(head);
    let mut rest = text.trim_start().strip_prefix('{')?;
    loop {
        rest = rest.trim_start();
        let key_end = rest.strip_prefix('"')?.find('"')? + 1;
        let key = &rest[1..key_end];
        rest = rest[key_end + 1..].trim_start().strip_prefix(':')?.trim_start();
        // The value: a string or a scalar up to the next `,`; a nested value ends the search.
        let (value, after) = if let Some(v) = rest.strip_prefix('"') {
            let end = v.find('"')?;
            (&rest[..end + 2], &v[end + 1..])
        } else {
            let end = rest.find([',', '}'])?;
            if rest.starts_with(['{', '[']) {
                return None;
            }
            (rest[..end].trim_end(), &rest[end..])
        };
        if key == "id" {
            return match serde_json::from_str::<Value>(value).ok()? {
                Value::Number(n) => n.as_i64().map(NumberOrString::Number),
                Value::String(s) if !s.contains('\\') => Some(NumberOrString::String(s.as_str().into())),
                _ => None,
            };
        }
        rest = after.trim_start().strip_prefix(',')?;
    }
}

pub struct Stdio {
    input: BufReader<Stdin>,
    line: Vec<u8>,
    /// Dropping the rest of a line above [`MAX_LINE`], up to its newline.
    discarding: bool,
    /// The first bytes of a line above [`MAX_LINE`], to find its `id` in: the official SDKs
    /// write `"jsonrpc"` and `"id"` first, so the -32600 answer can name the request and
    /// the client's call fails at once instead of waiting for an answer that never comes.
    head: Vec<u8>,
    /// Standard output, one whole line per message under the lock, so replies written here
    /// never interleave with rmcp's messages. (rmcp's own writer leaves out `id` when it has
    /// none; JSON-RPC 2.0 §5 wants `"id": null`, so this writes the lines itself.)
    out: Arc<Mutex<Option<Stdout>>>,
}

impl Stdio {
    pub fn new() -> Stdio {
        Stdio {
            input: BufReader::new(tokio::io::stdin()),
            line: Vec::new(),
            discarding: false,
            head: Vec::new(),
            out: Arc::new(Mutex::new(Some(tokio::io::stdout()))),
        }
    }

    /// The next whole line in `self.line` (with its newline), `Some(false)` for one above
    /// the cap (reported once; the rest of it is dropped as it arrives), `None` at the end of
    /// input. Cancel-safe: the only await is `fill_buf`, and a partial line stays in `self.line`.
    async fn next_line(&mut self) -> Option<bool> {
        loop {
            let available = self.input.fill_buf().await.ok()?;
            if available.is_empty() {
                return None;
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            if self.discarding {
                self.input.consume(take);
                self.discarding = newline.is_none();
                continue;
            }
            if self.line.len() + take > MAX_LINE {
                self.head.clear();
                self.head.extend(self.line.iter().chain(&available[..take]).take(HEAD));
                self.line.clear();
                self.input.consume(take);
                self.discarding = newline.is_none();
                return Some(false);
            }
            self.line.extend_from_slice(&available[..take]);
            self.input.consume(take);
            if newline.is_some() {
                return Some(true);
            }
        }
    }
}

/// The MCP requests a client sends (MCP 2025-11-25, and the tasks extension).
const STANDARD_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "tasks/get",
    "tasks/list",
    "tasks/cancel",
    "tasks/result",
];

/// Why a standard request's params do not fit: serde's reason for the two requests an agent
/// writes by hand, the method's name for the rest.
fn params_error(method: &str, request: &Value) -> String {
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    let why = match method {
        "tools/call" => serde_json::from_value::<CallToolRequestParams>(params).err(),
        "resources/read" => serde_json::from_value::<ReadResourceRequestParams>(params).err(),
        _ => None,
    };
    match why {
        Some(e) => format!("Invalid params for `{method}`: {e}"),
        None => format!("Invalid params for `{method}`: they do not match its schema"),
    }
}

/// What one line is.
enum Line {
    Message(Box<RxJsonRpcMessage<RoleServer>>),
    Answer(ErrorData, Option<NumberOrString>),
    Ignore,
}

fn classify(raw: &[u8]) -> Line {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Line::Ignore;
    }
    let value: Value = match serde_json::from_slice(raw) {
        Ok(v) => v,
        Err(e) => return Line::Answer(ErrorData::new(ErrorCode::PARSE_ERROR, format!("Parse error: not JSON ({e})"), None), None),
    };
    let err = match serde_json::from_value::<RxJsonRpcMessage<RoleServer>>(value.clone()) {
        // rmcp reads a standard method whose params do not fit it as a custom request and
        // answers "method not found" (-32601); the method exists, its params are wrong.
        Ok(JsonRpcMessage::Request(JsonRpcRequest { id, request: ClientRequest::CustomRequest(c), .. }))
            if STANDARD_METHODS.contains(&c.method.as_str()) =>
        {
            return Line::Answer(ErrorData::invalid_params(params_error(&c.method, &value), None), Some(id));
        }
        Ok(m) => return Line::Message(Box::new(m)),
        Err(e) => e,
    };
    let id = match value.get("id") {
        Some(Value::Number(n)) => n.as_i64().map(NumberOrString::Number),
        Some(Value::String(s)) => Some(NumberOrString::String(s.as_str().into())),
        _ => None,
    };
    let method = value.get("method").and_then(Value::as_str);
    match (method, id) {
        // A notification is never answered, even a malformed one.
        (Some(_), None) if value.get("id").is_none() => Line::Ignore,
        (Some(m), Some(id)) if value.get("jsonrpc").and_then(Value::as_str) == Some("2.0") => {
            Line::Answer(ErrorData::invalid_params(format!("Invalid params for `{m}`: {err}"), None), Some(id))
        }
        (_, id) => {
            Line::Answer(ErrorData::invalid_request(format!("Invalid Request: not a JSON-RPC 2.0 message MCP knows ({err})"), None), id)
        }
    }
}

impl Transport<RoleServer> for Stdio {
    type Error = std::io::Error;

    fn send(&mut self, item: TxJsonRpcMessage<RoleServer>) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let line = serde_json::to_vec(&item).map_err(std::io::Error::other);
        write_line(self.out.clone(), line)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let whole = self.next_line().await?;
            let line = if whole {
                classify(&self.line)
            } else {
                Line::Answer(
                    ErrorData::invalid_request(format!("Invalid Request: a message above {} MiB is not read", MAX_LINE >> 20), None),
                    leading_id(&self.head),
                )
            };
            self.line.clear();
            match line {
                Line::Message(m) => return Some(*m),
                // Sent on its own task: the send future owns what it writes with, so a
                // `receive` cancelled by the service loop cannot cut a reply in half.
                Line::Answer(e, id) => drop(tokio::spawn(write_line(self.out.clone(), error_line(e, id)))),
                Line::Ignore => {}
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        let mut out = self.out.lock().await;
        if let Some(o) = out.as_mut() {
            o.flush().await?;
        }
        *out = None;
        Ok(())
    }
}

/// An error response, with `"id": null` when the request's id is not known (§5).
fn error_line(e: ErrorData, id: Option<NumberOrString>) -> std::io::Result<Vec<u8>> {
    let id = match id {
        Some(id) => serde_json::to_value(id).map_err(std::io::Error::other)?,
        None => Value::Null,
    };
    serde_json::to_vec(&serde_json::json!({"jsonrpc": "2.0", "id": id, "error": e})).map_err(std::io::Error::other)
}

/// Writes one message and its newline, whole, and flushes.
async fn write_line(out: Arc<Mutex<Option<Stdout>>>, line: std::io::Result<Vec<u8>>) -> std::io::Result<()> {
    let mut line = line?;
    line.push(b'\n');
    let mut out = out.lock().await;
    let Some(o) = out.as_mut() else {
        return Err(std::io::Error::new(std::io::ErrorKind::NotConnected, "Transport is closed"));
    };
    o.write_all(&line).await?;
    o.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_id_reads_an_id_written_before_params_only() {
        let n = |h: &str| leading_id(h.as_bytes());
        assert_eq!(
            n(r#"{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"arguments":{"x":"aaaa"#),
            Some(NumberOrString::Number(14))
        );
        assert_eq!(n(r#" { "jsonrpc" : "2.0" , "id" : "abc", "params": {"#), Some(NumberOrString::String("abc".into())));
        assert_eq!(n(r#"{"jsonrpc":"2.0","method":"tools/call","params":{"id":3,"arguments":"#), None);
        assert_eq!(n(r#"{"jsonrpc":"2.0","method":"notifications/x","params":["#), None);
        assert_eq!(n(r#"{"id":null,"#), None);
        assert_eq!(n("xxxxxxxx"), None);
        assert_eq!(n(r#"{"jsonrpc":"2.0","id":1.5,"#), None);
    }
}

//! A fake Mailgun messages API (`POST /v3/{domain}/messages`) on 127.0.0.1:0 for the
//! connector's tests. It checks what Mailgun checks (messaging.md §3): HTTP Basic `api:<key>`
//! (401 with the text `Forbidden` otherwise), the sending domain (404), a
//! `multipart/form-data` body (or a url-encoded one without files), `from` and `to` present
//! and valid addresses, one of `text`, `html`, `amp-html` or `template`, the 16 kB limit of the
//! `o:`/`h:`/`v:` options and the 25 MB limit of a message. Errors are Mailgun's
//! `{"message": …}`; success is `{"id": "<…@domain>", "message": "Queued. Thank you."}`.
//!
//! The multipart reader here is its own (not the connector's writer read back): field names
//! and file names as browsers send them (`%22` for a quote), file parts kept as bytes. It keeps
//! every request and every accepted message, can be told to fail the next requests with a
//! status or to answer slowly, and stops when the last handle is dropped.
//!
//! Self-contained: it can be included by `#[path]` from any crate's tests that have `axum`,
//! `base64`, `serde_json`, `tokio` and `url`.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

/// The only API key the fake accepts.
pub const API_KEY: &str = "key-fakewayfare0123456789abcdef";
/// The only sending domain the fake knows.
pub const DOMAIN: &str = "mg.wayfare.example";

const MAX_BYTES: usize = 25_000_000;
const MAX_OPTION_BYTES: usize = 16 * 1024;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The status the fake answered.
    pub status: u16,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One field of a form as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// Set for file parts.
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub value: Vec<u8>,
}

impl Field {
    /// The value as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.value).into_owned()
    }
}

/// An attachment of an accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedAttachment {
    pub filename: String,
    pub content_type: Option<String>,
    pub content: Vec<u8>,
}

/// A message Mailgun accepted.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// The `id` answered, angle brackets included.
    pub id: String,
    pub from: String,
    /// Every `to` address (repeated fields and comma-separated lists).
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<ReceivedAttachment>,
    /// `h:Name` fields as (Name, value).
    pub headers: Vec<(String, String)>,
    /// `v:name` fields as (name, value).
    pub variables: Vec<(String, String)>,
    /// Every field as received.
    pub fields: Vec<Field>,
}

impl ReceivedEmail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    requests: Vec<RecordedRequest>,
    messages: Vec<ReceivedEmail>,
    failures_left: usize,
    fail_status: u16,
    delay: Duration,
    counter: u64,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(inner: &Shared) -> MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|p| p.into_inner())
}

/// Aborts the server when the last handle goes.
struct Server(tokio::task::JoinHandle<()>);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running fake; clones share it. The server stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeMailgun {
    base_url: String,
    inner: Shared,
    _server: Arc<Server>,
}

impl FakeMailgun {
    /// Starts a fake on a free port.
    pub async fn start() -> FakeMailgun {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let inner: Shared = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeMailgun {
            base_url,
            inner,
            _server: Arc::new(Server(server)),
        }
    }

    /// `http://127.0.0.1:port`: the connector's `api_base`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The next `times` requests are answered `status` (429, 500, 503 …) with Mailgun's error,
    /// whatever they hold; nothing is accepted.
    pub fn fail_next(&self, times: usize, status: u16) {
        let mut inner = lock(&self.inner);
        inner.failures_left = times;
        inner.fail_status = status;
    }

    /// Every answer waits `delay` first (for timeouts).
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.inner).delay = delay;
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner).requests.clone()
    }

    /// Every message accepted, oldest first.
    pub fn messages(&self) -> Vec<ReceivedEmail> {
        lock(&self.inner).messages.clone()
    }
}

fn message(status: u16, text: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        json!({ "message": text }).to_string(),
    )
        .into_response()
}

async fn handle(
    State(inner): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delay = lock(&inner).delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let response = answer(&inner, &method, &uri, &headers, &body);
    lock(&inner).requests.push(RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        status: response.status().as_u16(),
    });
    response
}

fn answer(
    inner: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    {
        let mut state = lock(inner);
        if state.failures_left > 0 {
            state.failures_left -= 1;
            return match state.fail_status {
                429 => message(429, "Too many requests"),
                503 => message(503, "Service Unavailable"),
                s => message(s, "Internal Server Error"),
            };
        }
    }
    let expected = format!("Basic {}", STANDARD.encode(format!("api:{API_KEY}")));
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if !authorised {
        return (
            StatusCode::UNAUTHORIZED,
            [("content-type", "text/plain; charset=utf-8")],
            "Forbidden",
        )
            .into_response();
    }
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let ["v3", domain, "messages"] = segments[..] else {
        return message(404, "Not Found");
    };
    if method != Method::POST {
        return message(405, "Method Not Allowed");
    }
    if domain != DOMAIN {
        return message(404, &format!("Domain not found: {domain}"));
    }
    if body.len() > MAX_BYTES {
        return message(413, "Request Entity Too Large");
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let fields = match read_form(content_type, body) {
        Ok(fields) => fields,
        Err(reason) => return message(400, &reason),
    };
    match accept(inner, fields) {
        Ok(received) => {
            let id = received.id.clone();
            lock(inner).messages.push(received);
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                json!({ "id": id, "message": "Queued. Thank you." }).to_string(),
            )
                .into_response()
        }
        Err(response) => response,
    }
}

/// Mailgun's address rule, roughly: `local@domain.tld`, optionally as `Name <…>`.
fn address_of(item: &str) -> Option<String> {
    let item = item.trim();
    let address = match (item.rfind('<'), item.rfind('>')) {
        (Some(start), Some(end)) if start < end => &item[start + 1..end],
        _ => item,
    };
    let (local, domain) = address.rsplit_once('@')?;
    let labels: Vec<&str> = domain.split('.').collect();
    let ok = !local.is_empty()
        && !local.contains(char::is_whitespace)
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|t| t.len() >= 2);
    ok.then(|| address.to_owned())
}

fn accept(inner: &Shared, fields: Vec<Field>) -> Result<ReceivedEmail, Response> {
    let values = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|f| f.name == name && f.filename.is_none())
            .map(Field::text)
            .collect()
    };
    let first = |name: &str| values(name).into_iter().next();
    let Some(from) = first("from") else {
        return Err(message(400, "from parameter is missing"));
    };
    if address_of(&from).is_none() {
        return Err(message(
            400,
            "from parameter is not a valid address. please check documentation",
        ));
    }
    let to_fields = values("to");
    if to_fields.is_empty() {
        return Err(message(400, "to parameter is missing"));
    }
    let mut to = Vec::new();
    for item in to_fields.iter().flat_map(|f| f.split(',')) {
        match address_of(item) {
            Some(address) => to.push(address),
            None => {
                return Err(message(
                    400,
                    "to parameter is not a valid address. please check documentation",
                ));
            }
        }
    }
    if ["text", "html", "amp-html", "template"]
        .iter()
        .all(|n| first(n).is_none())
    {
        return Err(message(
            400,
            "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified",
        ));
    }
    let option_bytes: usize = fields
        .iter()
        .filter(|f| ["o:", "h:", "v:"].iter().any(|p| f.name.starts_with(p)))
        .map(|f| f.name.len() + f.value.len())
        .sum();
    if option_bytes > MAX_OPTION_BYTES {
        return Err(message(
            400,
            "Total size of o:, h: and v: options exceeds 16 kB",
        ));
    }
    let prefixed = |prefix: &str| -> Vec<(String, String)> {
        fields
            .iter()
            .filter_map(|f| Some((f.name.strip_prefix(prefix)?.to_owned(), f.text())))
            .collect()
    };
    let attachments = fields
        .iter()
        .filter(|f| f.name == "attachment" && f.filename.is_some())
        .map(|f| ReceivedAttachment {
            filename: f.filename.clone().unwrap_or_default(),
            content_type: f.content_type.clone(),
            content: f.value.clone(),
        })
        .collect();
    let id = {
        let mut state = lock(inner);
        state.counter += 1;
        format!(
            "<20250301080000.{}.{:06}@{DOMAIN}>",
            std::process::id(),
            state.counter
        )
    };
    Ok(ReceivedEmail {
        id,
        from,
        to,
        subject: first("subject"),
        text: first("text"),
        html: first("html"),
        attachments,
        headers: prefixed("h:"),
        variables: prefixed("v:"),
        fields,
    })
}

// ---------------------------------------------------------------------------------------------
// Form bodies.

fn read_form(content_type: &str, body: &[u8]) -> Result<Vec<Field>, String> {
    let mut params = content_type.split(';').map(str::trim);
    let kind = params.next().unwrap_or("").to_ascii_lowercase();
    if kind == "application/x-www-form-urlencoded" {
        return Ok(url::form_urlencoded::parse(body)
            .map(|(k, v)| Field {
                name: k.into_owned(),
                filename: None,
                content_type: None,
                value: v.into_owned().into_bytes(),
            })
            .collect());
    }
    if kind != "multipart/form-data" {
        return Err("Expected multipart/form-data or application/x-www-form-urlencoded".into());
    }
    let boundary = params
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_owned())
        })
        .ok_or("multipart/form-data without a boundary")?;
    let delimiter = format!("\r\n--{boundary}");
    let delimiter = delimiter.as_bytes();
    // With a CRLF in front, every delimiter (the first included) is "\r\n--boundary".
    let mut data = b"\r\n".to_vec();
    data.extend_from_slice(body);
    let mut positions = Vec::new();
    let mut i = 0;
    while i + delimiter.len() <= data.len() {
        if &data[i..i + delimiter.len()] == delimiter {
            positions.push(i);
            i += delimiter.len();
        } else {
            i += 1;
        }
    }
    let mut fields = Vec::new();
    let mut closed = false;
    for pair in positions
        .windows(2)
        .map(|w| (w[0], w[1]))
        .chain(positions.last().map(|&last| (last, data.len())))
    {
        let after = pair.0 + delimiter.len();
        if data[after..].starts_with(b"--") {
            closed = true;
            break;
        }
        if pair.1 == data.len() {
            break;
        }
        let part = &data[after..pair.1];
        let Some(part) = part.strip_prefix(b"\r\n") else {
            return Err("malformed multipart delimiter line".into());
        };
        let Some(split) = part.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Err("multipart part without a header block".into());
        };
        let head = std::str::from_utf8(&part[..split]).map_err(|_| "part headers are not UTF-8")?;
        let value = part[split + 4..].to_vec();
        let mut name = None;
        let mut filename = None;
        let mut part_type = None;
        for line in head.split("\r\n") {
            let Some((header, v)) = line.split_once(':') else {
                continue;
            };
            if header.trim().eq_ignore_ascii_case("content-disposition") {
                for param in v.split(';').map(str::trim) {
                    if let Some((k, val)) = param.split_once('=') {
                        let val = val.trim().trim_matches('"');
                        let val = val
                            .replace("%22", "\"")
                            .replace("%0D", "\r")
                            .replace("%0A", "\n");
                        match k.trim().to_ascii_lowercase().as_str() {
                            "name" => name = Some(val),
                            "filename" => filename = Some(val),
                            _ => {}
                        }
                    }
                }
            } else if header.trim().eq_ignore_ascii_case("content-type") {
                part_type = Some(v.trim().to_owned());
            }
        }
        let Some(name) = name else {
            return Err("multipart part without a name".into());
        };
        fields.push(Field {
            name,
            filename,
            content_type: part_type,
            value,
        });
    }
    if !closed {
        return Err("multipart body without its closing delimiter".into());
    }
    Ok(fields)
}

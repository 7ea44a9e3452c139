//! A fake SendGrid v3 Mail Send API on 127.0.0.1:0 for the connector's tests. It checks what
//! SendGrid checks (messaging.md §1): `Authorization: Bearer <key>` (401 with SendGrid's error
//! body otherwise), a JSON body with non-empty `personalizations` whose `to` addresses are
//! valid, `from.email` (a verified sender when the fake is told which ones are), a subject,
//! content parts with a type and a value, `text/plain` before `text/html`, attachments whose
//! `content` is valid base64 with a file name and a known disposition, string `custom_args`,
//! and the 30 MB limit. It answers `202 Accepted` with `X-Message-Id`, or SendGrid's
//! `{"errors":[{"message","field","help"}]}` with 400/401/403/413.
//!
//! It keeps every request and every accepted message (attachments decoded), can be told to
//! fail the next requests with a status (429/500/503) or to answer slowly, and stops when the
//! last handle is dropped.
//!
//! Self-contained: it can be included by `#[path]` from any crate's tests that have `axum`,
//! `base64`, `serde_json` and `tokio`.

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
use serde_json::{Value, json};

/// The only API key the fake accepts.
pub const API_KEY: &str = "SG.fake-wayfare-key.0123456789abcdefghijklmnopqrstuvwxyz";

/// SendGrid's limit for a whole request.
const MAX_BYTES: usize = 30 * 1024 * 1024;

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

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// An attachment as SendGrid would mail it: the decoded bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedAttachment {
    pub filename: String,
    pub content_type: Option<String>,
    pub disposition: String,
    pub content: Vec<u8>,
}

/// A message SendGrid accepted.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// The `X-Message-Id` answered.
    pub id: String,
    pub from_email: String,
    pub from_name: Option<String>,
    /// Every `to` address of every personalization.
    pub to: Vec<String>,
    /// The personalization's subject, else the message's.
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    /// The `type` of each content part, in order.
    pub content_types: Vec<String>,
    pub attachments: Vec<ReceivedAttachment>,
    /// The message's `custom_args`.
    pub custom_args: serde_json::Map<String, Value>,
}

#[derive(Default)]
struct Inner {
    requests: Vec<RecordedRequest>,
    messages: Vec<ReceivedEmail>,
    /// When not empty, `from.email` must be one of these.
    verified_senders: Vec<String>,
    /// Fail this many requests with `fail_status`.
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
pub struct FakeSendGrid {
    base_url: String,
    inner: Shared,
    _server: Arc<Server>,
}

impl FakeSendGrid {
    /// Starts a fake on a free port.
    pub async fn start() -> FakeSendGrid {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let inner: Shared = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSendGrid {
            base_url,
            inner,
            _server: Arc::new(Server(server)),
        }
    }

    /// `http://127.0.0.1:port`: the connector's `api_base`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Only these sender addresses are verified Sender Identities from now on (403 for any
    /// other, as SendGrid answers).
    pub fn set_verified_senders(&self, senders: &[&str]) {
        lock(&self.inner).verified_senders = senders.iter().map(|s| s.to_string()).collect();
    }

    /// The next `times` requests are answered `status` (429, 500, 503 …) with SendGrid's error
    /// body, whatever they hold; nothing is accepted.
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

/// SendGrid's error body.
fn error(status: StatusCode, message: &str, field: Option<&str>) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({"errors": [{"message": message, "field": field, "help": null}]}).to_string(),
    )
        .into_response()
}

fn bad_request(message: &str, field: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message, Some(field))
}

/// The address rule SendGrid applies: `local@domain.tld`, nothing fancy.
fn valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !local.contains(char::is_whitespace)
        && !local.contains(['<', '>', '"', ',', '@'])
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
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
    let mut recorded = lock(&inner);
    recorded.requests.push(RecordedRequest {
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
            let status = StatusCode::from_u16(state.fail_status).unwrap();
            let message = match status.as_u16() {
                429 => "too many requests",
                503 => "service unavailable",
                _ => "internal server error",
            };
            return error(status, message, None);
        }
    }
    if uri.path() != "/v3/mail/send" {
        return error(StatusCode::NOT_FOUND, "not found", None);
    }
    if method != Method::POST {
        return error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed", None);
    }
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        None => return error(StatusCode::UNAUTHORIZED, "authorization required", None),
        Some(value) if value != format!("Bearer {API_KEY}") => {
            return error(
                StatusCode::UNAUTHORIZED,
                "The provided authorization grant is invalid, expired, or revoked",
                None,
            );
        }
        Some(_) => {}
    }
    if body.len() > MAX_BYTES {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large", None);
    }
    let json_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap().trim() == "application/json");
    if !json_type {
        return bad_request("Content-Type should be application/json.", "");
    }
    let Ok(mail) = serde_json::from_slice::<Value>(body) else {
        return bad_request("Bad Request", "");
    };
    match check(inner, &mail) {
        Ok(message) => {
            let id = message.id.clone();
            lock(inner).messages.push(message);
            (StatusCode::ACCEPTED, [("x-message-id", id)]).into_response()
        }
        Err(response) => response,
    }
}

/// The checks SendGrid makes, in its order; the accepted message.
fn check(inner: &Shared, mail: &Value) -> Result<ReceivedEmail, Response> {
    let personalizations = mail["personalizations"]
        .as_array()
        .filter(|p| !p.is_empty());
    let Some(personalizations) = personalizations else {
        return Err(bad_request(
            "The personalizations field is required and must have at least one personalization.",
            "personalizations",
        ));
    };
    let mut to = Vec::new();
    let mut subjects = Vec::new();
    for (i, p) in personalizations.iter().enumerate() {
        let Some(list) = p["to"].as_array().filter(|l| !l.is_empty()) else {
            return Err(bad_request(
                "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
                &format!("personalizations.{i}.to"),
            ));
        };
        for (j, r) in list.iter().enumerate() {
            let email = r["email"].as_str().unwrap_or("");
            if !valid_address(email) {
                return Err(bad_request(
                    "Does not contain a valid address.",
                    &format!("personalizations.{i}.to.{j}.email"),
                ));
            }
            to.push(email.to_owned());
        }
        subjects.push(p["subject"].as_str().filter(|s| !s.is_empty()));
    }
    if to.len() > 1000 {
        return Err(bad_request(
            "The total number of recipients must be no more than 1000.",
            "personalizations",
        ));
    }
    let from_email = mail["from"]["email"].as_str().unwrap_or("");
    if !valid_address(from_email) {
        return Err(bad_request(
            "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.",
            "from.email",
        ));
    }
    let verified = lock(inner).verified_senders.clone();
    if !verified.is_empty() && !verified.iter().any(|v| v == from_email) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.",
            Some("from"),
        ));
    }
    let message_subject = mail["subject"].as_str().filter(|s| !s.is_empty());
    let subject = match (subjects[0].or(message_subject), message_subject) {
        (Some(first), Some(_)) => first,
        (Some(first), None) if subjects.iter().all(Option::is_some) => first,
        _ => {
            return Err(bad_request(
                "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
                "subject",
            ));
        }
    };
    let Some(content) = mail["content"].as_array().filter(|c| !c.is_empty()) else {
        return Err(bad_request(
            "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.",
            "content",
        ));
    };
    let mut content_types = Vec::new();
    let (mut text, mut html) = (None, None);
    for (i, part) in content.iter().enumerate() {
        let kind = part["type"].as_str().unwrap_or("");
        let value = part["value"].as_str().unwrap_or("");
        if kind.is_empty() {
            return Err(bad_request(
                "The content type cannot contain ';', or CRLF characters. The content type should be a MIME type. Example: text/plain",
                &format!("content.{i}.type"),
            ));
        }
        if value.is_empty() {
            return Err(bad_request(
                "The content value must be a string at least one character in length.",
                &format!("content.{i}.value"),
            ));
        }
        match kind {
            "text/plain" => text = Some(value.to_owned()),
            "text/html" => html = Some(value.to_owned()),
            _ => {}
        }
        content_types.push(kind.to_owned());
    }
    let expected_order = ["text/plain", "text/html"];
    let ranks: Vec<usize> = content_types
        .iter()
        .map(|t| expected_order.iter().position(|o| o == t).unwrap_or(2))
        .collect();
    if ranks.windows(2).any(|w| w[0] > w[1]) {
        return Err(bad_request(
            "If present, text/plain and text/html may only be provided in this order: text/plain, text/html, followed by any other content.",
            "content",
        ));
    }
    let mut attachments = Vec::new();
    if let Some(list) = mail.get("attachments") {
        let Some(list) = list.as_array() else {
            return Err(bad_request(
                "The attachments must be an array.",
                "attachments",
            ));
        };
        for (i, a) in list.iter().enumerate() {
            let content = a["content"].as_str().unwrap_or("");
            let Some(bytes) = STANDARD.decode(content).ok().filter(|b| !b.is_empty()) else {
                return Err(bad_request(
                    "The attachment content must be base64 encoded.",
                    &format!("attachments.{i}.content"),
                ));
            };
            let Some(filename) = a["filename"].as_str().filter(|f| !f.is_empty()) else {
                return Err(bad_request(
                    "The attachment filename parameter is required.",
                    &format!("attachments.{i}.filename"),
                ));
            };
            let disposition = a["disposition"].as_str().unwrap_or("attachment");
            if disposition != "attachment" && disposition != "inline" {
                return Err(bad_request(
                    "The disposition of your attachment can be either \"inline\" or \"attachment\".",
                    &format!("attachments.{i}.disposition"),
                ));
            }
            if disposition == "inline" && a["content_id"].as_str().is_none_or(str::is_empty) {
                return Err(bad_request(
                    "The content_id parameter is required if your attachment's disposition is \"inline\".",
                    &format!("attachments.{i}.content_id"),
                ));
            }
            attachments.push(ReceivedAttachment {
                filename: filename.to_owned(),
                content_type: a["type"].as_str().map(str::to_owned),
                disposition: disposition.to_owned(),
                content: bytes,
            });
        }
    }
    let custom_args = match mail.get("custom_args") {
        None => serde_json::Map::new(),
        Some(Value::Object(args)) if args.values().all(Value::is_string) => args.clone(),
        Some(_) => {
            return Err(bad_request(
                "Custom arguments must be an object of string values.",
                "custom_args",
            ));
        }
    };
    let id = {
        let mut state = lock(inner);
        state.counter += 1;
        format!("FakeSG{:016}_x", state.counter)
    };
    Ok(ReceivedEmail {
        id,
        from_email: from_email.to_owned(),
        from_name: mail["from"]["name"].as_str().map(str::to_owned),
        to,
        subject: subject.to_owned(),
        text,
        html,
        content_types,
        attachments,
        custom_args,
    })
}

//! A fake Plivo Message API (`POST /v1/Account/{auth_id}/Message/`) on 127.0.0.1:0 for the SMS
//! connector's tests. It checks what Plivo checks (messaging.md §6): HTTP Basic auth with the
//! Auth ID (which must be the one in the path) and Auth Token; a JSON body with exactly one of
//! `src` and `powerpack_uuid`, `dst` (digits, several joined by `<`, not the sender), `text`
//! (at most 1600 GSM or 737 Unicode characters), `type` `sms`, `url` and `method`; and answers
//! like Plivo: 202 with `message_uuid` (one per destination), or `{"api_id", "error"}` with
//! 400, 401 or 404. It keeps every request and message, can fail the next N requests (500,
//! 503, 429), and builds the signed status callbacks Plivo would post (V3 and V2 headers,
//! signed here independently of the connector's code). Dropping it stops the server.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The account the fake serves.
pub const AUTH_ID: &str = "MAFAKEWAYFARE0000001";
/// The account's Auth Token (Basic password; signs callbacks).
pub const AUTH_TOKEN: &str = "fakePlivoAuthToken0123456789abcdefXYZ";
/// The account's number.
pub const SRC: &str = "14155550199";
/// A well-formed number the fake calls invalid: 400.
pub const INVALID_NUMBER: &str = "+19999999999";

/// How the next requests fail, before anything is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// This HTTP status (500, 503, 429 …) with Plivo's error JSON.
    Status(u16),
}

/// A request as the fake received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A message Plivo accepted, one per destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    pub message_uuid: String,
    pub src: String,
    /// Digits, as sent.
    pub dst: String,
    /// As it arrives (Plivo picks the encoding itself).
    pub text: String,
    pub url: Option<String>,
    pub method: String,
}

/// What Plivo would send to a callback `url`: the method, the URL, the form params and the
/// signature headers (`X-Plivo-Signature-V3`, `-V3-Nonce`, `-V2`, `-V2-Nonce`).
#[derive(Debug, Clone)]
pub struct SignedCallback {
    pub method: String,
    pub url: String,
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Received>,
    messages: Vec<SentSms>,
    fail: Option<(usize, Fault)>,
    counter: u64,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(inner: &Shared) -> MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|p| p.into_inner())
}

/// The running fake. Dropping it stops the server.
pub struct FakePlivo {
    base_url: String,
    inner: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakePlivo {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakePlivo {
    /// Starts the fake on a free local port.
    pub async fn start() -> FakePlivo {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let inner: Shared = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakePlivo {
            base_url,
            inner,
            server,
        }
    }

    /// `http://127.0.0.1:PORT`, the connector's `api_base`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The next `n` requests get `fault`; later ones are served normally.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        lock(&self.inner).fail = Some((n, fault));
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<Received> {
        lock(&self.inner).requests.clone()
    }

    /// Every message accepted, oldest first.
    pub fn messages(&self) -> Vec<SentSms> {
        lock(&self.inner).messages.clone()
    }

    /// The status callback Plivo would send for `message_uuid` reaching `status` (`queued`,
    /// `sent`, `delivered`, `undelivered`, `failed`), to the message's `url` with its
    /// `method`, signed with [`AUTH_TOKEN`] (V3 over URL, params and nonce; V2 over URL and
    /// nonce). Panics when the message is unknown or asked for no callbacks.
    pub fn status_callback(&self, message_uuid: &str, status: &str) -> SignedCallback {
        let message = self
            .messages()
            .into_iter()
            .find(|m| m.message_uuid == message_uuid)
            .expect("no such message");
        let url = message
            .url
            .clone()
            .expect("the message asked for no callbacks");
        let mut params: Vec<(String, String)> = [
            ("MessageUUID", message.message_uuid.as_str()),
            ("From", message.src.as_str()),
            ("To", message.dst.as_str()),
            ("Type", "sms"),
            ("Status", status),
            ("Units", "1"),
            ("TotalRate", "0.00500"),
            ("TotalAmount", "0.00500"),
            ("MCC", "310"),
            ("MNC", "410"),
            ("Sequence", "1"),
            ("PowerpackUUID", ""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        if matches!(status, "failed" | "undelivered") {
            params.push(("ErrorCode".to_owned(), "200".to_owned()));
        }
        let nonce_v3 = "31415926535897932384";
        let nonce_v2 = "27182818284590452353";
        let headers = vec![
            (
                "x-plivo-signature-v3".to_owned(),
                sign_v3(AUTH_TOKEN, &message.method, &url, &params, nonce_v3),
            ),
            ("x-plivo-signature-v3-nonce".to_owned(), nonce_v3.to_owned()),
            (
                "x-plivo-signature-v2".to_owned(),
                sign_v2(AUTH_TOKEN, &url, nonce_v2),
            ),
            ("x-plivo-signature-v2-nonce".to_owned(), nonce_v2.to_owned()),
        ];
        SignedCallback {
            method: message.method.clone(),
            url,
            params,
            headers,
        }
    }
}

fn hmac_b64(token: &str, data: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// V2: HMAC-SHA256 over the URL without query, then the nonce.
pub fn sign_v2(token: &str, url: &str, nonce: &str) -> String {
    let base = url.split(['?', '#']).next().unwrap_or(url);
    hmac_b64(token, &format!("{base}{nonce}"))
}

/// V3 as PL-py's `signature_v3.py` builds it (messaging.md §6.3).
pub fn sign_v3(
    token: &str,
    method: &str,
    url: &str,
    params: &[(String, String)],
    nonce: &str,
) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let joined = |pairs: &mut Vec<(String, String)>| {
        pairs.sort();
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let signed = if method == "GET" || params.is_empty() {
        if method == "GET" {
            let keys: Vec<String> = query.iter().map(|(k, _)| k.clone()).collect();
            query.extend(params.iter().filter(|(k, _)| !keys.contains(k)).cloned());
        }
        let q = joined(&mut query);
        if q.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{q}")
        }
    } else {
        let q = joined(&mut query);
        let mut sorted = params.to_vec();
        sorted.sort();
        let body: String = sorted.iter().map(|(k, v)| format!("{k}{v}")).collect();
        if q.is_empty() {
            format!("{base}?{body}")
        } else {
            format!("{base}?{q}.{body}")
        }
    };
    hmac_b64(token, &format!("{signed}.{nonce}"))
}

fn api_id() -> String {
    "f6e1b0c2-7a3d-11ee-b962-0242ac120002".to_owned()
}

/// Plivo's error answer.
fn error(status: u16, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({ "api_id": api_id(), "error": message })),
    )
        .into_response()
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.strip_prefix("Basic ")?.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Plain printable ASCII, LF and CR: a rough cut of GSM-7, enough for the length rule.
fn gsm_like(text: &str) -> bool {
    text.chars()
        .all(|c| c == '\n' || c == '\r' || ((' '..='~').contains(&c) && c != '`'))
}

async fn handle(
    State(inner): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received = Received {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    let mut state = lock(&inner);
    state.requests.push(received.clone());

    if let Some((n, fault)) = state.fail
        && n > 0
    {
        state.fail = if n > 1 { Some((n - 1, fault)) } else { None };
        let Fault::Status(status) = fault;
        let message = match status {
            429 => "too many requests",
            503 => "service unavailable",
            _ => "internal server error",
        };
        return error(status, message);
    }

    // /v1/Account/{auth_id}/Message/ (with the trailing slash).
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let account = match segments.as_slice() {
        ["v1", "Account", account, "Message", ""] => (*account).to_owned(),
        _ => return error(404, "not found"),
    };
    if method != Method::POST {
        return error(405, "method not allowed");
    }
    let authenticated = basic_credentials(&headers)
        .is_some_and(|(user, password)| user == AUTH_ID && password == AUTH_TOKEN);
    if !authenticated || account != AUTH_ID {
        return error(401, "authentication failed");
    }

    let json_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_type {
        return error(400, "content type must be application/json");
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return error(400, "invalid JSON body");
    };
    let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);

    let src = field("src");
    let powerpack = field("powerpack_uuid");
    let src = match (src, powerpack) {
        (Some(src), None) => src,
        (None, Some(powerpack)) => powerpack,
        (Some(_), Some(_)) => return error(400, "specify either src or powerpack_uuid, not both"),
        (None, None) => return error(400, "src or powerpack_uuid is required"),
    };
    if src != SRC {
        return error(400, "src is not a number of this account");
    }
    let Some(dst) = field("dst").filter(|d| !d.is_empty()) else {
        return error(400, "dst is required");
    };
    let destinations: Vec<String> = dst
        .split('<')
        .map(|d| d.trim_start_matches('+').to_owned())
        .collect();
    for d in &destinations {
        let valid = (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit());
        if !valid || format!("+{d}") == INVALID_NUMBER {
            return error(400, &format!("{d} is not a valid destination number"));
        }
        if *d == src {
            return error(400, "src and dst cannot be the same");
        }
    }
    let Some(text) = field("text").filter(|t| !t.is_empty()) else {
        return error(400, "text is required");
    };
    let limit = if gsm_like(&text) { 1600 } else { 737 };
    if text.chars().count() > limit {
        return error(400, "text exceeds the maximum length");
    }
    if let Some(kind) = field("type")
        && kind != "sms"
    {
        return error(400, "type must be sms");
    }
    let url = field("url");
    if let Some(u) = &url
        && url::Url::parse(u).is_err()
    {
        return error(400, "url is not a valid URL");
    }
    let callback_method = field("method").unwrap_or_else(|| "POST".to_owned());
    if callback_method != "POST" && callback_method != "GET" {
        return error(400, "method must be GET or POST");
    }

    let mut uuids = Vec::new();
    for d in destinations {
        state.counter += 1;
        let uuid = format!("5b40a428-bfc7-4daf-9d06-{:012x}", state.counter);
        state.messages.push(SentSms {
            message_uuid: uuid.clone(),
            src: src.clone(),
            dst: d,
            text: text.clone(),
            url: url.clone(),
            method: callback_method.clone(),
        });
        uuids.push(uuid);
    }
    (
        StatusCode::ACCEPTED,
        axum::Json(json!({
            "api_id": api_id(),
            "message": "message(s) queued",
            "message_uuid": uuids,
        })),
    )
        .into_response()
}

//! A fake Vonage SMS API (`POST /sms/json`) on 127.0.0.1:0 for the SMS connector's tests. It
//! checks what Vonage checks (messaging.md §5): the API key with its secret (HTTP Basic, or
//! `api_key`/`api_secret` in the body) or a signed request (`api_key`, `timestamp` within five
//! minutes, `sig` by the account's signature method, no `Authorization` header); a form body
//! with `from`, `to` (digits only, 7 to 15), `text` and `type` (`text` or `unicode`); and
//! answers like Vonage: HTTP 200 with one `messages[]` entry per part, each with a string
//! `status` (`"0"` accepted with a `message-id`; `"2"` missing params, `"3"` invalid params,
//! `"4"` bad credentials, `"7"` barred number, `"14"` invalid signature …).
//!
//! Like the real network, a text sent as `type=text` arrives with the characters GSM-7 cannot
//! carry replaced by `?`: [`SentSms::delivered`] is what the handset shows. The fake keeps
//! every request and message, can fail the next N requests (HTTP 500/503/429, or Vonage's
//! "Throttled" status 1), and builds the signed delivery receipts Vonage would send (signed
//! here independently of the connector's code). Dropping it stops the server.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use serde_json::{Value, json};

/// The account's API key.
pub const API_KEY: &str = "a1b2c3d4";
/// The account's API secret.
pub const API_SECRET: &str = "FakeVonageSecret42";
/// The account's signature secret: signs requests and delivery receipts.
pub const SIGNATURE_SECRET: &str = "fake-vonage-signature-secret-0123456789";
/// A well-formed number the fake calls invalid: status 3.
pub const INVALID_NUMBER: &str = "+999123456789";
/// A number the fake calls barred: status 7.
pub const BARRED_NUMBER: &str = "+447700900666";

/// How requests and receipts are signed: the account's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigMethod {
    Md5Hash,
    HmacMd5,
    HmacSha1,
    HmacSha256,
    HmacSha512,
}

/// How the next requests fail, before anything is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// This HTTP status (500, 503, 429 …) with a problem JSON body.
    Status(u16),
    /// HTTP 200 with status "1", Throttled.
    Throttled,
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

    /// The decoded form params of the body, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The first value of a form param.
    pub fn param(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// A message Vonage accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// One per part, in order.
    pub message_ids: Vec<String>,
    pub from: String,
    /// Digits, as sent.
    pub to: String,
    /// `text` as sent.
    pub text: String,
    /// `type`: `text` or `unicode`.
    pub kind: String,
    /// What the handset shows: `text` with characters outside GSM-7 as `?` for `type=text`.
    pub delivered: String,
    pub callback: Option<String>,
    /// `basic`, `body` or `signed`.
    pub auth: &'static str,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Received>,
    messages: Vec<SentSms>,
    fail: Option<(usize, Fault)>,
    counter: u64,
}

type Shared = Arc<(SigMethod, Mutex<Inner>)>;

fn lock(inner: &Shared) -> MutexGuard<'_, Inner> {
    inner.1.lock().unwrap_or_else(|p| p.into_inner())
}

/// The running fake. Dropping it stops the server.
pub struct FakeVonage {
    base_url: String,
    inner: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeVonage {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeVonage {
    /// Starts the fake on a free local port, for an account signing with `method`.
    pub async fn start(method: SigMethod) -> FakeVonage {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let inner: Shared = Arc::new((method, Mutex::new(Inner::default())));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeVonage {
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

    /// The delivery receipt Vonage would send for part `message_id` reaching `status`
    /// (`delivered`, `expired`, `failed`, `rejected`, `accepted`, `buffered`, `unknown`), as
    /// params, signed with [`SIGNATURE_SECRET`] and the account's method (`timestamp`, `nonce`,
    /// `sig`). Panics when the part is unknown.
    pub fn delivery_receipt(&self, message_id: &str, status: &str) -> Vec<(String, String)> {
        let message = self
            .messages()
            .into_iter()
            .find(|m| m.message_ids.iter().any(|id| id == message_id))
            .expect("no such message");
        let now = chrono::Utc::now();
        let err_code = match status {
            "delivered" | "accepted" | "buffered" => "0",
            "expired" => "5",
            _ => "6",
        };
        let mut params: Vec<(String, String)> = [
            ("msisdn", message.to.as_str()),
            ("to", message.from.as_str()),
            ("network-code", "23410"),
            ("messageId", message_id),
            ("price", "0.03330000"),
            ("status", status),
            ("scts", &now.format("%y%m%d%H%M").to_string()),
            ("err-code", err_code),
            ("api-key", API_KEY),
            (
                "message-timestamp",
                &now.format("%Y-%m-%d %H:%M:%S").to_string(),
            ),
            ("timestamp", &now.timestamp().to_string()),
            ("nonce", "a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let sig = sign(&params, SIGNATURE_SECRET, self.inner.0);
        params.push(("sig".to_owned(), sig));
        params
    }
}

/// The signed string: `&k=v` for every param but `sig`, sorted by name, `&` and `=` in values
/// as `_`.
fn signed_string(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().filter(|(k, _)| k != "sig").collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(k, v)| format!("&{k}={}", v.replace(['&', '='], "_")))
        .collect()
}

/// `sig` for `params` by `method`, lowercase hex.
pub fn sign(params: &[(String, String)], secret: &str, method: SigMethod) -> String {
    let s = signed_string(params);
    fn mac<M: Mac + KeyInit>(secret: &str, s: &str) -> String {
        let mut m = <M as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        m.update(s.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }
    match method {
        SigMethod::Md5Hash => hex::encode(Md5::digest(format!("{s}{secret}").as_bytes())),
        SigMethod::HmacMd5 => mac::<Hmac<Md5>>(secret, &s),
        SigMethod::HmacSha1 => mac::<Hmac<sha1::Sha1>>(secret, &s),
        SigMethod::HmacSha256 => mac::<Hmac<sha2::Sha256>>(secret, &s),
        SigMethod::HmacSha512 => mac::<Hmac<sha2::Sha512>>(secret, &s),
    }
}

/// GSM 7-bit default alphabet and extension table (3GPP TS 23.038).
const GSM: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡\
                   ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// How many parts Vonage splits `text` into for `kind`.
fn parts(text: &str, kind: &str) -> usize {
    let (len, single, part) = if kind == "unicode" {
        (text.encode_utf16().count(), 70, 67)
    } else {
        let ext = text.chars().filter(|c| GSM_EXTENSION.contains(*c)).count();
        (text.chars().count() + ext, 160, 153)
    };
    if len <= single { 1 } else { len.div_ceil(part) }
}

/// One failed message, Vonage style (HTTP 200).
fn refused(status: &str, text: &str) -> Response {
    axum::Json(json!({
        "message-count": "1",
        "messages": [{ "status": status, "error-text": text }],
    }))
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
    let sig_method = inner.0;
    let mut state = lock(&inner);
    state.requests.push(received.clone());

    if let Some((n, fault)) = state.fail
        && n > 0
    {
        state.fail = if n > 1 { Some((n - 1, fault)) } else { None };
        return match fault {
            Fault::Status(status) => (
                StatusCode::from_u16(status).unwrap(),
                axum::Json(json!({
                    "type": "https://developer.nexmo.com/api-errors#throttled",
                    "title": if status == 429 { "Too Many Requests" } else { "Server Error" },
                    "detail": "Please wait, then retry your request",
                })),
            )
                .into_response(),
            Fault::Throttled => refused(
                "1",
                "Throughput Rate Exceeded - please wait [ 1000 ] and retry",
            ),
        };
    }

    if uri.path() != "/sms/json" {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    if method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed").into_response();
    }
    let form_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let params = if form_type {
        received.form()
    } else {
        Vec::new()
    };
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };

    // Who is asking: Basic header, signed params, or key and secret in the body.
    let auth = if let Some((user, password)) = basic_credentials(&headers) {
        if user != API_KEY || password != API_SECRET {
            return refused("4", "Bad Credentials");
        }
        "basic"
    } else if let Some(sig) = get("sig") {
        if get("api_key").as_deref() != Some(API_KEY) {
            return refused("4", "Bad Credentials");
        }
        let fresh = get("timestamp")
            .and_then(|t| t.parse::<i64>().ok())
            .is_some_and(|t| (chrono::Utc::now().timestamp() - t).abs() <= 300);
        let expected = sign(&params, SIGNATURE_SECRET, sig_method);
        if !fresh || expected != sig.to_ascii_lowercase() {
            return refused("14", "Invalid Signature");
        }
        "signed"
    } else {
        match (get("api_key"), get("api_secret")) {
            (None, _) => return refused("2", "Missing api_key"),
            (Some(key), Some(secret)) if key == API_KEY && secret == API_SECRET => "body",
            _ => return refused("4", "Bad Credentials"),
        }
    };

    let Some(from) = get("from").filter(|f| !f.is_empty()) else {
        return refused("2", "Missing from param");
    };
    let Some(to) = get("to").filter(|t| !t.is_empty()) else {
        return refused("2", "Missing to param");
    };
    let kind = get("type").unwrap_or_else(|| "text".to_owned());
    if kind != "text" && kind != "unicode" {
        return refused("3", "Invalid type param");
    }
    let Some(text) = get("text").filter(|t| !t.is_empty()) else {
        return refused("2", "Missing text param");
    };
    let digits_only = (7..=15).contains(&to.len()) && to.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || format!("+{to}") == INVALID_NUMBER {
        return refused("3", "Invalid to address");
    }
    if format!("+{to}") == BARRED_NUMBER {
        return refused("7", "Number barred.");
    }
    let callback = get("callback");
    if callback.as_ref().is_some_and(|c| c.len() > 100) {
        return refused("3", "Invalid callback param");
    }

    let delivered = if kind == "unicode" {
        text.clone()
    } else {
        text.chars()
            .map(|c| {
                if GSM.contains(c) || GSM_EXTENSION.contains(c) {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    };
    let count = parts(&text, &kind);
    let mut ids = Vec::new();
    for _ in 0..count {
        state.counter += 1;
        ids.push(format!(
            "{:08x}-0000-4000-8000-{:012x}",
            0x5eed_u32, state.counter
        ));
    }
    state.messages.push(SentSms {
        message_ids: ids.clone(),
        from,
        to: to.clone(),
        text,
        kind,
        delivered,
        callback,
        auth,
    });
    let messages: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "to": to,
                "message-id": id,
                "status": "0",
                "remaining-balance": "38.07",
                "message-price": "0.0412",
                "network": "23420",
            })
        })
        .collect();
    axum::Json(json!({
        "message-count": messages.len().to_string(),
        "messages": messages,
    }))
    .into_response()
}

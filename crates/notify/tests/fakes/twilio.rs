//! A fake Twilio Messages API on 127.0.0.1:0 for the SMS connector's tests. It checks what
//! Twilio checks (messaging.md §4): HTTP Basic auth with the Account SID (which must be the one
//! in the path) and Auth Token, or an API key SID and secret; a form-encoded body with `To`, a
//! sender (`From` or `MessagingServiceSid`) and `Body` (at most 1600 characters); and answers
//! like Twilio: 201 with the Message JSON, or Twilio's error JSON (`code`, `message`,
//! `more_info`, `status`): 401/20003 for bad credentials, 400/21211 for an invalid `To`,
//! 21602/21603/21604/21606/21617 for the rest. It keeps every request and every accepted
//! message, can be told to fail the next N requests (500, 503, 429), and builds the signed
//! status callbacks Twilio would post (`X-Twilio-Signature`, signed here independently of the
//! connector's code). Dropping it stops the server.

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
use sha1::Sha1;

/// The account the fake serves.
pub const ACCOUNT_SID: &str = "AC0f1e2d3c4b5a69788796a5b4c3d2e1f0";
/// The account's Auth Token (Basic password with [`ACCOUNT_SID`]; signs callbacks).
pub const AUTH_TOKEN: &str = "fake-twilio-auth-token-5f4e3d2c1b0a";
/// An API key of the account, with its secret.
pub const API_KEY_SID: &str = "SK00112233445566778899aabbccddeeff";
pub const API_KEY_SECRET: &str = "fake-twilio-api-key-secret-0a1b2c";
/// The account's SMS-capable number (Twilio's test-credential "valid From").
pub const FROM_NUMBER: &str = "+15005550006";
/// The account's Messaging Service.
pub const MESSAGING_SERVICE_SID: &str = "MG0123456789abcdef0123456789abcdef";
/// A well-formed number Twilio calls invalid (its magic test number): 400, error 21211.
pub const INVALID_NUMBER: &str = "+15005550001";

/// How the next requests fail, before anything is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status (500, 503, 429 …) and Twilio's error JSON.
    Status(u16),
}

/// A request as the fake received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
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

/// A message Twilio accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    pub sid: String,
    pub to: String,
    /// `From`, or `None` when sent through the Messaging Service.
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    /// As it arrives on the handset (Twilio picks the encoding itself).
    pub body: String,
    pub status_callback: Option<String>,
    /// Who authenticated: the Account SID or the API key SID.
    pub authenticated_as: String,
}

/// What Twilio would POST to a `StatusCallback`: the URL, the form params and the
/// `X-Twilio-Signature` header.
#[derive(Debug, Clone)]
pub struct SignedCallback {
    pub url: String,
    pub params: Vec<(String, String)>,
    pub signature: String,
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
pub struct FakeTwilio {
    base_url: String,
    inner: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTwilio {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTwilio {
    /// Starts the fake on a free local port.
    pub async fn start() -> FakeTwilio {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let inner: Shared = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTwilio {
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

    /// The status callback Twilio would post for message `sid` reaching `status` (`sent`,
    /// `delivered`, `undelivered`, `failed` …), to the message's `StatusCallback`, signed with
    /// [`AUTH_TOKEN`] over the URL without its port (§4.3). Panics when the message is unknown
    /// or asked for no callbacks.
    pub fn status_callback(&self, sid: &str, status: &str) -> SignedCallback {
        let message = self
            .messages()
            .into_iter()
            .find(|m| m.sid == sid)
            .expect("no such message");
        let url = message
            .status_callback
            .clone()
            .expect("the message asked for no status callbacks");
        let mut params = vec![
            ("AccountSid".to_owned(), ACCOUNT_SID.to_owned()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
            (
                "From".to_owned(),
                message
                    .from
                    .clone()
                    .unwrap_or_else(|| FROM_NUMBER.to_owned()),
            ),
            ("MessageSid".to_owned(), message.sid.clone()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("SmsSid".to_owned(), message.sid.clone()),
            ("SmsStatus".to_owned(), status.to_owned()),
            ("To".to_owned(), message.to.clone()),
        ];
        if let Some(service) = &message.messaging_service_sid {
            params.push(("MessagingServiceSid".to_owned(), service.clone()));
        }
        if matches!(status, "failed" | "undelivered") {
            params.push(("ErrorCode".to_owned(), "30003".to_owned()));
        }
        let signature = sign(AUTH_TOKEN, &without_port(&url), &params);
        SignedCallback {
            url,
            params,
            signature,
        }
    }
}

/// `X-Twilio-Signature`: base64(HMAC-SHA1(token, url + each param as name+value, sorted)).
pub fn sign(token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut data = url.to_owned();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `url` with any `:port` after the host removed.
fn without_port(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    format!("{scheme}://{host}{tail}")
}

/// Twilio's error answer.
fn error(status: u16, code: u32, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        })),
    )
        .into_response()
}

/// The (user, password) of a Basic `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// `+` and 8 to 15 digits, not starting with 0.
fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// Twilio's `num_segments`: GSM-7 when every character is plain printable ASCII (a rough cut
/// of the GSM alphabet, enough for a fake), else UCS-2.
fn num_segments(body: &str) -> usize {
    let gsm = body
        .chars()
        .all(|c| c == '\n' || c == '\r' || ((' '..='~').contains(&c) && c != '`'));
    let (len, single, part) = if gsm {
        let extension = body.chars().filter(|c| "^{}\\[~]|".contains(*c)).count();
        (body.chars().count() + extension, 160, 153)
    } else {
        (body.encode_utf16().count(), 70, 67)
    };
    if len <= single { 1 } else { len.div_ceil(part) }
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
        query: uri.query().map(str::to_owned),
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
            429 => "Too Many Requests",
            503 => "Service Unavailable",
            _ => "Internal Server Error",
        };
        return error(status, 20000 + u32::from(status), message);
    }

    // /2010-04-01/Accounts/{AccountSid}/Messages.json
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let account = match segments.as_slice() {
        ["2010-04-01", "Accounts", account, "Messages.json"] => (*account).to_owned(),
        _ => {
            return error(
                404,
                20404,
                &format!("The requested resource {} was not found", uri.path()),
            );
        }
    };
    if method != Method::POST {
        return error(405, 20004, "Method not allowed");
    }

    let Some((user, password)) = basic_credentials(&headers) else {
        return error(401, 20003, "Authenticate");
    };
    let authenticated = account == ACCOUNT_SID
        && ((user == ACCOUNT_SID && password == AUTH_TOKEN)
            || (user == API_KEY_SID && password == API_KEY_SECRET));
    if !authenticated {
        return error(401, 20003, "Authenticate");
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

    let Some(to) = get("To") else {
        return error(400, 21604, "A 'To' phone number is required.");
    };
    if !is_e164(&to) || to == INVALID_NUMBER {
        return error(
            400,
            21211,
            &format!("The 'To' number {to} is not a valid phone number."),
        );
    }
    let from = get("From");
    let service = get("MessagingServiceSid");
    match (&from, &service) {
        (None, None) => return error(400, 21603, "A 'From' phone number is required."),
        (Some(from), _) if from != FROM_NUMBER => {
            return error(
                400,
                21606,
                &format!(
                    "The From phone number {from} is not a valid, SMS-capable inbound phone \
                     number or short code for your account."
                ),
            );
        }
        (None, Some(service)) if service != MESSAGING_SERVICE_SID => {
            return error(
                400,
                21701,
                &format!("The Messaging Service Sid {service} is invalid."),
            );
        }
        _ => {}
    }
    let Some(text) = get("Body").filter(|b| !b.is_empty()) else {
        return error(400, 21602, "Message body is required.");
    };
    if text.chars().count() > 1600 {
        return error(
            400,
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        );
    }
    let status_callback = get("StatusCallback");
    if let Some(cb) = &status_callback
        && url::Url::parse(cb).is_err()
    {
        return error(400, 21609, "Invalid StatusCallback URL.");
    }

    state.counter += 1;
    let sid = format!("SM{:032x}", 0x5eed_0000_u64 + state.counter);
    let date = chrono::Utc::now().to_rfc2822();
    state.messages.push(SentSms {
        sid: sid.clone(),
        to: to.clone(),
        from: from.clone(),
        messaging_service_sid: service.clone(),
        body: text.clone(),
        status_callback,
        authenticated_as: user,
    });
    let answer: Value = json!({
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": text,
        "date_created": date,
        "date_sent": null,
        "date_updated": date,
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": from,
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": num_segments(&text).to_string(),
        "price": null,
        "price_unit": "USD",
        "sid": sid,
        "status": if service.is_some() { "accepted" } else { "queued" },
        "to": to,
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"),
    });
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

//! A fake Amazon SES v2 `SendEmail` (`POST /v2/email/outbound-emails`) on 127.0.0.1:0 for the
//! connector's tests. It checks what SES checks (messaging.md §2):
//!
//! - AWS Signature Version 4, recomputed here from the request as received (canonical request
//!   from the method, path, query, the headers named in `SignedHeaders` and the body; string to
//!   sign; signing key from the known secret), independently of the connector's signer. A
//!   wrong signature is 403 `SignatureDoesNotMatch`; an unknown access key or session token is
//!   403 `UnrecognizedClientException`; a credential scoped to another region, service or day
//!   is refused; `X-Amz-Date` must be within 5 minutes of the fake's clock (else 403
//!   `InvalidSignatureException`, "Signature expired").
//! - The body: JSON with exactly one of `Content.Simple` / `Raw` / `Template`; a raw message
//!   that is valid base64, 7-bit, with lines of at most 1,000 characters and a `From` header.
//!   In sandbox mode the sender and every recipient must be verified identities (400
//!   `MessageRejected`, SES's message).
//!
//! Accepted messages are parsed enough for tests to read them: the subject (RFC 2047 decoded),
//! the text and HTML parts and the attachments (transfer encodings undone, RFC 2231 file
//! names), our `X-Wayfare-Message-Id`, tags and the configuration set. It answers
//! `{"MessageId": …}`, or SES's rest-json error (`x-amzn-ErrorType` and `{"message": …}`);
//! can be told to fail the next requests with a status, or to answer slowly; stops when the
//! last handle is dropped.
//!
//! Self-contained: it can be included by `#[path]` from any crate's tests that have `axum`,
//! `base64`, `chrono`, `hex`, `hmac`, `serde_json`, `sha2` and `tokio`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{NaiveDateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The region the fake serves.
pub const REGION: &str = "eu-west-1";
/// The only access key the fake knows.
pub const ACCESS_KEY_ID: &str = "AKIAFAKEWAYFARE00001";
/// That key's secret.
pub const SECRET_ACCESS_KEY: &str = "fakeWayfareSecret/0123456789+abcdefghijKLMNOP";
/// How far `X-Amz-Date` may be from the fake's clock.
pub const MAX_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// SES v2's limit for a raw message.
const MAX_RAW_BYTES: usize = 40_000_000;

const PATH: &str = "/v2/email/outbound-emails";

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
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

/// An attachment of an accepted message, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedAttachment {
    /// From `Content-Disposition`'s `filename` (or `Content-Type`'s `name`).
    pub filename: String,
    /// The MIME type, lower case, without parameters.
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A message SES accepted.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// The `MessageId` answered.
    pub message_id: String,
    /// `FromEmailAddress` when given, else the `From` header (decoded).
    pub from: String,
    /// `Destination.ToAddresses`, else the addresses of the `To` header.
    pub to: Vec<String>,
    /// Decoded.
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<ReceivedAttachment>,
    /// The top-level headers, unfolded, values decoded (RFC 2047); names as sent.
    pub headers: Vec<(String, String)>,
    /// `EmailTags` as name → value.
    pub tags: BTreeMap<String, String>,
    pub configuration_set: Option<String>,
    /// `Raw` or `Simple`.
    pub content_kind: String,
    /// The raw message as sent (empty for `Simple`).
    pub raw: Vec<u8>,
}

impl ReceivedEmail {
    /// A top-level header's decoded value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Inner {
    requests: Vec<RecordedRequest>,
    messages: Vec<ReceivedEmail>,
    /// Temporary credentials: the token every request must carry and sign.
    session_token: Option<String>,
    /// Sandbox mode: only these addresses or domains may send and receive.
    sandbox: Option<Vec<String>>,
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
pub struct FakeSes {
    base_url: String,
    inner: Shared,
    _server: Arc<Server>,
}

impl FakeSes {
    /// Starts a fake on a free port: production access (no sandbox), long-term credentials.
    pub async fn start() -> FakeSes {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let inner: Shared = Arc::new(Mutex::new(Inner {
            requests: Vec::new(),
            messages: Vec::new(),
            session_token: None,
            sandbox: None,
            failures_left: 0,
            fail_status: 500,
            delay: Duration::ZERO,
            counter: 0,
        }));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSes {
            base_url,
            inner,
            _server: Arc::new(Server(server)),
        }
    }

    /// `http://127.0.0.1:port`: the connector's `endpoint`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// From now on [`ACCESS_KEY_ID`] is a temporary credential: every request must carry
    /// `token` as a signed `X-Amz-Security-Token`.
    pub fn require_session_token(&self, token: &str) {
        lock(&self.inner).session_token = Some(token.to_owned());
    }

    /// Sandbox mode: the sender and every recipient must be one of `identities` (an address,
    /// or a domain that verifies every address at it).
    pub fn set_sandbox(&self, identities: &[&str]) {
        lock(&self.inner).sandbox = Some(identities.iter().map(|s| s.to_string()).collect());
    }

    /// The next `times` requests are answered `status` (429, 500, 503 …) with SES's error,
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

/// SES's rest-json error: the type in `x-amzn-ErrorType` (with the service suffix AWS adds),
/// the message in the body.
fn error(status: u16, kind: &str, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [
            ("content-type", "application/json".to_owned()),
            (
                "x-amzn-errortype",
                format!("{kind}:http://internal.amazon.com/coral/com.amazon.coral.service/"),
            ),
            (
                "x-amzn-requestid",
                "00000000-0000-4000-8000-000000000000".to_owned(),
            ),
        ],
        json!({ "message": message }).to_string(),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    error(400, "BadRequestException", message)
}

fn rejected(message: &str) -> Response {
    error(400, "MessageRejected", message)
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
        query: uri.query().map(str::to_owned),
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
                429 => error(429, "TooManyRequestsException", "Too Many Requests"),
                503 => error(503, "ServiceUnavailable", "Service Unavailable"),
                s => error(s, "InternalFailure", "An internal error occurred."),
            };
        }
    }
    let token = lock(inner).session_token.clone();
    if let Err(response) = check_signature(method, uri, headers, body, token.as_deref()) {
        return response;
    }
    if uri.path() != PATH {
        return error(404, "UnknownOperationException", "Unknown operation");
    }
    if method != Method::POST {
        return error(405, "UnknownOperationException", "Unknown operation");
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return bad_request("Could not parse the request body as JSON.");
    };
    match accept(inner, &request) {
        Ok(message) => {
            let id = message.message_id.clone();
            lock(inner).messages.push(message);
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                json!({ "MessageId": id }).to_string(),
            )
                .into_response()
        }
        Err(response) => response,
    }
}

// ---------------------------------------------------------------------------------------------
// Signature Version 4, written here from AWS's description, not shared with the connector.

/// AWS's UriEncode: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`.
pub fn aws_uri_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn percent_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The canonical request: `headers` are the signed headers' names (lower case) with the
/// values as received.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> String {
    let uri = if path.is_empty() {
        "/".to_owned()
    } else {
        path.split('/')
            .map(|s| aws_uri_encode(s.as_bytes()))
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                aws_uri_encode(&percent_decode(k)),
                aws_uri_encode(&percent_decode(v)),
            )
        })
        .collect();
    params.sort();
    let query = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            (
                n.to_ascii_lowercase(),
                v.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    headers.sort();
    let names = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let lines: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    format!(
        "{method}\n{uri}\n{query}\n{lines}\n{names}\n{}",
        hex::encode(Sha256::digest(body))
    )
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The hex signature of `canonical` at `amz_date` for `date/region/service` with `secret`.
pub fn signature(
    secret: &str,
    amz_date: &str,
    region: &str,
    service: &str,
    canonical: &str,
) -> String {
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    hex::encode(hmac_sha256(&key, string_to_sign.as_bytes()))
}

/// What the `Authorization` header says.
struct Authorization {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for item in rest.split(',') {
        let (k, v) = item.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => return None,
        }
    }
    let parts: Vec<&str> = credential?.split('/').collect();
    let [key, date, region, service, terminator] = parts[..] else {
        return None;
    };
    if terminator != "aws4_request" {
        return None;
    }
    Some(Authorization {
        access_key_id: key.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers: signed?.split(';').map(str::to_owned).collect(),
        signature: signature?.to_owned(),
    })
}

fn check_signature(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    session_token: Option<&str>,
) -> Result<(), Response> {
    let forbidden = |kind: &str, message: &str| Err(error(403, kind, message));
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return forbidden(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        );
    };
    let Some(auth) = parse_authorization(value) else {
        return forbidden(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
        );
    };
    if auth.access_key_id != ACCESS_KEY_ID {
        return forbidden(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        );
    }
    let Some(amz_date) = headers.get("x-amz-date").and_then(|v| v.to_str().ok()) else {
        return forbidden(
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    };
    let Ok(time) = NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ") else {
        return forbidden(
            "IncompleteSignatureException",
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        );
    };
    let now = Utc::now();
    let time = time.and_utc();
    let format = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    if time < now - MAX_SKEW {
        return forbidden(
            "InvalidSignatureException",
            &format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                format(now - MAX_SKEW),
                format(now)
            ),
        );
    }
    if time > now + MAX_SKEW {
        return forbidden(
            "InvalidSignatureException",
            &format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
                format(now + MAX_SKEW),
                format(now)
            ),
        );
    }
    if auth.date != amz_date[..8] {
        return forbidden(
            "SignatureDoesNotMatch",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP",
        );
    }
    if auth.region != REGION {
        return forbidden(
            "SignatureDoesNotMatch",
            &format!(
                "Credential should be scoped to a valid region, not '{}'.",
                auth.region
            ),
        );
    }
    if auth.service != "ses" {
        return forbidden(
            "SignatureDoesNotMatch",
            "Credential should be scoped to correct service: 'ses'.",
        );
    }
    for required in ["host", "x-amz-date"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return forbidden(
                "SignatureDoesNotMatch",
                &format!("'{required}' must be a 'SignedHeader' in the AWS Authorization."),
            );
        }
    }
    let sent_token = headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    let token_signed = auth
        .signed_headers
        .iter()
        .any(|h| h == "x-amz-security-token");
    match (session_token, sent_token) {
        (Some(expected), Some(sent)) if expected == sent && token_signed => {}
        (None, None) => {}
        _ => {
            return forbidden(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            );
        }
    }
    let mut signed = Vec::new();
    for name in &auth.signed_headers {
        let values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        signed.push((name.clone(), values.join(",")));
    }
    let canonical = canonical_request(
        method.as_str(),
        uri.path(),
        uri.query().unwrap_or(""),
        &signed,
        body,
    );
    let expected = signature(SECRET_ACCESS_KEY, amz_date, REGION, "ses", &canonical);
    if expected != auth.signature {
        return forbidden(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details.",
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The request body and the raw message.

fn accept(inner: &Shared, request: &Value) -> Result<ReceivedEmail, Response> {
    let content = &request["Content"];
    let kinds: Vec<&str> = ["Simple", "Raw", "Template"]
        .into_iter()
        .filter(|k| content.get(*k).is_some())
        .collect();
    if kinds.len() != 1 {
        return Err(bad_request(
            "Exactly one of Simple, Raw or Template must be specified in Content.",
        ));
    }
    let destination = |field: &str| -> Vec<String> {
        request["Destination"][field]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut to = destination("ToAddresses");
    let mut recipients = to.clone();
    recipients.extend(destination("CcAddresses"));
    recipients.extend(destination("BccAddresses"));
    let mut message = match kinds[0] {
        "Raw" => {
            let Some(data) = content["Raw"]["Data"].as_str() else {
                return Err(bad_request("Raw.Data is required."));
            };
            let Ok(raw) = STANDARD.decode(data) else {
                return Err(bad_request("Raw.Data is not valid base64."));
            };
            parse_raw(raw)?
        }
        "Simple" => parse_simple(&content["Simple"])?,
        _ => {
            let name = content["Template"]["TemplateName"].as_str().unwrap_or("");
            return Err(error(
                404,
                "NotFoundException",
                &format!("Template {name} does not exist."),
            ));
        }
    };
    if let Some(from) = request["FromEmailAddress"].as_str() {
        message.from = from.to_owned();
    }
    if message.from.is_empty() {
        return Err(bad_request("Missing required field: FromEmailAddress."));
    }
    if to.is_empty() && message.content_kind == "Raw" {
        to = addresses(message.header("To").unwrap_or(""));
        recipients = to.clone();
        recipients.extend(addresses(message.header("Cc").unwrap_or("")));
    }
    if recipients.is_empty() {
        return Err(bad_request("Missing final '@domain'"));
    }
    let sandbox = lock(inner).sandbox.clone();
    if let Some(identities) = sandbox {
        let verified = |address: &str| {
            let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
            identities
                .iter()
                .any(|i| i.eq_ignore_ascii_case(address) || i.eq_ignore_ascii_case(domain))
        };
        let sender = addresses(&message.from)
            .into_iter()
            .next()
            .unwrap_or_default();
        let failed: Vec<String> = std::iter::once(sender)
            .chain(recipients.iter().cloned())
            .filter(|a| !verified(a))
            .collect();
        if !failed.is_empty() {
            return Err(rejected(&format!(
                "Email address is not verified. The following identities failed the check in region {}: {}",
                REGION.to_uppercase(),
                failed.join(", ")
            )));
        }
    }
    message.to = to;
    message.tags = request["EmailTags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    Some((
                        t["Name"].as_str()?.to_owned(),
                        t["Value"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    for (name, value) in &message.tags {
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 256
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !ok(name) || !ok(value) {
            return Err(bad_request(
                "Tag names and values may only contain ASCII letters, digits, underscores and dashes.",
            ));
        }
    }
    message.configuration_set = request["ConfigurationSetName"].as_str().map(str::to_owned);
    let mut state = lock(inner);
    state.counter += 1;
    message.message_id = format!(
        "0102019{:09x}-fa4e5e50-0000-4000-8000-{:012x}-000000",
        state.counter, state.counter
    );
    Ok(message)
}

/// The addresses in an address-list header (`Name <a@b>, c@d`).
fn addresses(header: &str) -> Vec<String> {
    header
        .split(',')
        .filter_map(|item| {
            let item = item.trim();
            let address = match (item.rfind('<'), item.rfind('>')) {
                (Some(start), Some(end)) if start < end => &item[start + 1..end],
                _ => item,
            };
            (address.contains('@')).then(|| address.trim().to_owned())
        })
        .collect()
}

fn parse_simple(simple: &Value) -> Result<ReceivedEmail, Response> {
    let Some(subject) = simple["Subject"]["Data"].as_str() else {
        return Err(bad_request("Simple.Subject.Data is required."));
    };
    let text = simple["Body"]["Text"]["Data"].as_str().map(str::to_owned);
    let html = simple["Body"]["Html"]["Data"].as_str().map(str::to_owned);
    if text.is_none() && html.is_none() {
        return Err(bad_request("Simple.Body needs Text or Html."));
    }
    let mut attachments = Vec::new();
    for a in simple["Attachments"].as_array().into_iter().flatten() {
        let Some(content) = a["RawContent"]
            .as_str()
            .and_then(|c| STANDARD.decode(c).ok())
        else {
            return Err(bad_request("Attachment RawContent must be base64."));
        };
        attachments.push(ReceivedAttachment {
            filename: a["FileName"].as_str().unwrap_or("").to_owned(),
            content_type: a["ContentType"]
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_owned(),
            content,
        });
    }
    let headers = simple["Headers"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|h| {
                    Some((
                        h["Name"].as_str()?.to_owned(),
                        h["Value"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ReceivedEmail {
        message_id: String::new(),
        from: String::new(),
        to: Vec::new(),
        subject: decode_words(subject),
        text,
        html,
        attachments,
        headers,
        tags: BTreeMap::new(),
        configuration_set: None,
        content_kind: "Simple".to_owned(),
        raw: Vec::new(),
    })
}

/// Checks a raw message as SES does and reads it.
fn parse_raw(raw: Vec<u8>) -> Result<ReceivedEmail, Response> {
    if raw.len() > MAX_RAW_BYTES {
        return Err(rejected("Message length is more than 40 MB."));
    }
    if !raw.is_ascii() {
        return Err(rejected(
            "Message contains 8-bit data; encode non-ASCII content (base64 or quoted-printable, RFC 2047 in headers).",
        ));
    }
    if raw.split(|&b| b == b'\n').any(|line| line.len() > 1000) {
        return Err(rejected("Message has a line longer than 1000 characters."));
    }
    let (head, body) = split_head(&raw);
    let headers = unfold(head);
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("From")) {
        return Err(rejected("Missing required header 'From'."));
    }
    let mut collected = Collected::default();
    walk(&headers, body, &mut collected);
    let decoded: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.clone(), decode_words(v)))
        .collect();
    let find = |name: &str| {
        decoded
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    Ok(ReceivedEmail {
        message_id: String::new(),
        from: find("From").unwrap_or_default(),
        to: Vec::new(),
        subject: find("Subject").unwrap_or_default(),
        text: collected.text,
        html: collected.html,
        attachments: collected.attachments,
        headers: decoded,
        tags: BTreeMap::new(),
        configuration_set: None,
        content_kind: "Raw".to_owned(),
        raw,
    })
}

// ---------------------------------------------------------------------------------------------
// A small MIME reader.

#[derive(Default)]
struct Collected {
    text: Option<String>,
    html: Option<String>,
    attachments: Vec<ReceivedAttachment>,
}

/// Headers and body, split at the first empty line (CRLF or LF).
fn split_head(bytes: &[u8]) -> (&str, &[u8]) {
    let crlf = bytes.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|w| w == b"\n\n");
    let (end, skip) = match (crlf, lf) {
        (Some(c), Some(l)) if l < c => (l, 2),
        (Some(c), _) => (c, 4),
        (None, Some(l)) => (l, 2),
        (None, None) => (bytes.len(), 0),
    };
    let head = std::str::from_utf8(&bytes[..end]).unwrap_or("");
    (head, &bytes[(end + skip).min(bytes.len())..])
}

/// Header lines with continuation lines joined.
fn unfold(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split('\n').map(|l| l.trim_end_matches('\r')) {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    headers
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `type/subtype` (lower case) and the parameters, RFC 2231 continuations and charsets
/// resolved.
fn parse_value(value: &str) -> (String, BTreeMap<String, String>) {
    let mut items = split_params(value).into_iter();
    let main = items.next().unwrap_or_default().trim().to_ascii_lowercase();
    // name → (section, extended, value)
    let mut pieces: BTreeMap<String, Vec<(u32, bool, String)>> = BTreeMap::new();
    for item in items {
        let Some((key, raw)) = item.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let raw = raw.trim();
        let value = if raw.starts_with('"') && raw.ends_with('"') && raw.len() >= 2 {
            raw[1..raw.len() - 1]
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
        } else {
            raw.to_owned()
        };
        let (name, extended) = match key.strip_suffix('*') {
            Some(n) => (n.to_owned(), true),
            None => (key.clone(), false),
        };
        let (name, section) = match name.rsplit_once('*') {
            Some((n, s)) if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() => {
                (n.to_owned(), s.parse().unwrap_or(0))
            }
            _ => (name, 0),
        };
        pieces
            .entry(name)
            .or_default()
            .push((section, extended, value));
    }
    let mut params = BTreeMap::new();
    for (name, mut parts) in pieces {
        parts.sort_by_key(|p| p.0);
        let mut bytes = Vec::new();
        for (i, (_, extended, value)) in parts.iter().enumerate() {
            if *extended {
                let encoded = if i == 0 {
                    // charset'language'value
                    value.splitn(3, '\'').nth(2).unwrap_or(value)
                } else {
                    value
                };
                bytes.extend(percent_decode(encoded));
            } else {
                bytes.extend_from_slice(value.as_bytes());
            }
        }
        params.insert(name, String::from_utf8_lossy(&bytes).into_owned());
    }
    (main, params)
}

/// `a; b="x;y"; c` split on the semicolons outside quotes.
fn split_params(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quoted {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ';' && !quoted {
            out.push(String::new());
            continue;
        }
        out.last_mut().unwrap().push(c);
    }
    out
}

/// The parts of a multipart body.
fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // Delimiter lines: at the start of the body or after a line break.
    let mut starts = Vec::new();
    let mut i = 0;
    while i + delimiter.len() <= body.len() {
        let at_line_start = i == 0 || body[i - 1] == b'\n';
        if at_line_start && &body[i..i + delimiter.len()] == delimiter {
            starts.push(i);
            i += delimiter.len();
        } else {
            i += 1;
        }
    }
    let mut parts = Vec::new();
    for pair in starts.windows(2) {
        let (start, next) = (pair[0], pair[1]);
        let after = start + delimiter.len();
        if body[after..].starts_with(b"--") {
            break;
        }
        // The rest of the delimiter line, then the part up to the line break before `next`.
        let Some(eol) = body[after..next].iter().position(|&b| b == b'\n') else {
            continue;
        };
        let mut end = next;
        if end > 0 && body[end - 1] == b'\n' {
            end -= 1;
        }
        if end > 0 && body[end - 1] == b'\r' {
            end -= 1;
        }
        let content_start = (after + eol + 1).min(end);
        parts.push(&body[content_start..end]);
    }
    parts
}

fn decode_transfer(encoding: &str, body: &[u8]) -> Vec<u8> {
    match encoding.to_ascii_lowercase().as_str() {
        "base64" => {
            let clean: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            STANDARD.decode(clean).unwrap_or_default()
        }
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_vec(),
    }
}

fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'=' {
            if body[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if body[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let Some(b) = body
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

/// Walks one entity: text and HTML bodies, attachments, nested multiparts.
fn walk(headers: &[(String, String)], body: &[u8], out: &mut Collected) {
    let (kind, params) = parse_value(header(headers, "Content-Type").unwrap_or("text/plain"));
    if kind.starts_with("multipart/") {
        let Some(boundary) = params.get("boundary") else {
            return;
        };
        for part in split_multipart(body, boundary) {
            let (head, content) = split_head(part);
            walk(&unfold(head), content, out);
        }
        return;
    }
    let bytes = decode_transfer(
        header(headers, "Content-Transfer-Encoding").unwrap_or("7bit"),
        body,
    );
    let (disposition, disposition_params) =
        parse_value(header(headers, "Content-Disposition").unwrap_or(""));
    let filename = disposition_params
        .get("filename")
        .or_else(|| params.get("name"))
        .cloned();
    if disposition == "attachment" || filename.is_some() {
        out.attachments.push(ReceivedAttachment {
            filename: filename.unwrap_or_default(),
            content_type: kind,
            content: bytes,
        });
    } else if kind == "text/plain" && out.text.is_none() {
        out.text = Some(String::from_utf8_lossy(&bytes).into_owned());
    } else if kind == "text/html" && out.html.is_none() {
        out.html = Some(String::from_utf8_lossy(&bytes).into_owned());
    }
}

/// Header text with RFC 2047 encoded words (`=?charset?B|Q?…?=`) decoded; whitespace between
/// two encoded words dropped. Only UTF-8 and US-ASCII charsets are expected.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while !rest.is_empty() {
        let Some(start) = rest.find("=?") else {
            out.push_str(rest);
            break;
        };
        let (before, candidate) = rest.split_at(start);
        let word = candidate[2..].split_once('?').and_then(|(charset, r)| {
            let (encoding, r) = r.split_once('?')?;
            let end = r.find("?=")?;
            Some((
                charset,
                encoding,
                &r[..end],
                2 + charset.len() + 1 + encoding.len() + 1 + end + 2,
            ))
        });
        match word {
            Some((_charset, encoding, text, length)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                let bytes = match encoding.to_ascii_uppercase().as_str() {
                    "B" => STANDARD.decode(text).unwrap_or_default(),
                    _ => decode_quoted_printable(text.replace('_', " ").as_bytes()),
                };
                out.push_str(&String::from_utf8_lossy(&bytes));
                rest = &candidate[length..];
                last_was_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
                last_was_word = false;
            }
        }
    }
    out
}

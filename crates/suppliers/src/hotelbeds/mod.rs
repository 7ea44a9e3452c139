//! Hotelbeds Hotel Booking API (APItude BookingAPI 1.0): the signed HTTP client and its error
//! mapping here, serde documents in `wire`, the mapping to and from our hotel domain in
//! `transform`, and [`HotelbedsSupplier`], the [`crate::HotelSupplier`] built on them.
//! Protocol reference: `shared/providers/travel.md` §2.
//!
//! What it does, all under `{base_url}/hotel-api/1.0`:
//! - [`HotelbedsClient::availability`]: `POST /hotels`;
//! - [`HotelbedsClient::check_rates`]: `POST /checkrates` — mandatory before booking a
//!   `RECHECK` rate; book with the rate key it returns, which may be new;
//! - [`HotelbedsClient::book`]: `POST /bookings` (payment-free `AT_WEB` rates: card data and
//!   the `api-secure` host are not supported, so an `AT_HOTEL` rate is refused with 402);
//! - [`HotelbedsClient::booking`] and [`HotelbedsClient::bookings`]: `GET /bookings/{reference}`
//!   and `GET /bookings?start=&end=&from=&to=…`;
//! - [`HotelbedsClient::cancel`]: `DELETE /bookings/{reference}?cancellationFlag=SIMULATION`
//!   (the fee, nothing cancelled) or `CANCELLATION`;
//! - [`HotelbedsClient::status`]: `GET /status`, for health checks.
//!
//! Every request carries `Api-key` and `X-Signature` (see [`signature`], recomputed per request
//! from the injected clock), `Accept: application/json` and `Accept-Encoding: gzip`; bodies are
//! JSON with `Content-Type: application/json`. Requests outside the documented limits are
//! refused before sending (`Rejected { code: "INVALID_DATA" }`): an evaluation key has only 50
//! requests a day, and Hotelbeds answers 410 to a request repeated after a product error.
//!
//! Errors become [`SupplierError`], as for flight suppliers: 401 and 403 are `Authentication`
//! (a bad key, a bad signature or a clock more than a few minutes off), except 403
//! `Developer Over Qps`/`Developer Over Rate` and 429, which are `RateLimited` (Hotelbeds sends
//! no `Retry-After`, so nothing is paused here); 404 is `NotFound`; 402 is
//! `Rejected { code: "PAYMENT_DATA_REQUIRED" }`; a 500 with a Hotelbeds error document, or the
//! 410 that answers the same request repeated within 15 minutes, is `OfferExpired` for
//! CheckRate and booking (the product is gone: restart from availability) and `Rejected`
//! otherwise; other 5xx and transport failures are `Unavailable`; other 4xx are
//! `Rejected` with Hotelbeds' code (`INVALID_REQUEST`, `INVALID_DATA` …); an unreadable body
//! is `Protocol`. Messages carry the `auditData.token` of the answer when there is one.
//!
//! A `Timeout` or `Unavailable` from [`HotelbedsClient::book`] does not prove nothing was
//! booked: look the booking up by `clientReference` with [`HotelbedsClient::bookings`] before
//! booking again.

mod supplier;
pub mod transform;
pub mod wire;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::flight::SupplierError;
pub use supplier::HotelbedsSupplier;
pub use wire::CancellationFlag;

/// The supplier name in errors and logs.
pub const SUPPLIER: &str = "hotelbeds";
/// The BookingAPI path prefix under the host.
const API_PREFIX: &str = "/hotel-api/1.0";

/// An API key or shared secret. Never printed: `Debug` shows a placeholder and there is no
/// `Display`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// The wall clock the signature is computed from; tests pass a skewed one.
pub use wayfare_domain::Clock;

#[derive(Debug, Clone)]
pub struct HotelbedsConfig {
    /// Scheme and host, without the `/hotel-api/1.0` prefix: [`Self::TEST_BASE_URL`] (books
    /// nothing real), [`Self::LIVE_BASE_URL`], or a local fake in tests.
    pub base_url: String,
    /// One key per API suite: this must be a Hotel API key.
    pub api_key: Secret,
    pub secret: Secret,
    /// Sent as `language` where a query takes it (cancellation); `ENG` by default.
    pub language: String,
    pub availability_timeout: Duration,
    /// Hotelbeds documents 60 s for CheckRate.
    pub check_rate_timeout: Duration,
    /// For confirming and cancelling; Hotelbeds documents at least 60 s for confirming.
    pub booking_timeout: Duration,
    /// For booking reads, the booking list and the status call.
    pub read_timeout: Duration,
    pub connect_timeout: Duration,
}

impl HotelbedsConfig {
    pub const TEST_BASE_URL: &'static str = "https://api.test.hotelbeds.com";
    pub const LIVE_BASE_URL: &'static str = "https://api.hotelbeds.com";

    /// The test host with the documented timeouts.
    pub fn new(api_key: impl Into<Secret>, secret: impl Into<Secret>) -> HotelbedsConfig {
        HotelbedsConfig {
            base_url: Self::TEST_BASE_URL.to_owned(),
            api_key: api_key.into(),
            secret: secret.into(),
            language: "ENG".to_owned(),
            availability_timeout: Duration::from_secs(30),
            check_rate_timeout: Duration::from_secs(60),
            booking_timeout: Duration::from_secs(90),
            read_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// `X-Signature`: lowercase hex SHA-256 of the UTF-8 concatenation `api_key + secret +
/// unix_seconds`.
pub fn signature(api_key: &str, secret: &str, unix_seconds: i64) -> String {
    let mut hash = Sha256::new();
    hash.update(api_key.as_bytes());
    hash.update(secret.as_bytes());
    hash.update(unix_seconds.to_string().as_bytes());
    hex::encode(hash.finalize())
}

pub struct HotelbedsClient {
    http: reqwest::Client,
    base_url: String,
    config: HotelbedsConfig,
    clock: Clock,
}

impl fmt::Debug for HotelbedsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HotelbedsClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// What a call is about, named in `NotFound` and `OfferExpired`.
#[derive(Debug, Clone, Copy)]
enum Subject<'a> {
    Search,
    Rate(&'a str),
    Booking(&'a str),
    List,
    Status,
}

impl Subject<'_> {
    fn id(self) -> String {
        match self {
            Subject::Search => "availability".to_owned(),
            Subject::Rate(key) => key.to_owned(),
            Subject::Booking(reference) => reference.to_owned(),
            Subject::List => "booking list".to_owned(),
            Subject::Status => "status".to_owned(),
        }
    }
}

/// A 2xx answer and its raw (decompressed) body.
struct Reply {
    status: StatusCode,
    path: String,
    body: Vec<u8>,
}

impl Reply {
    fn parse<T: DeserializeOwned>(&self) -> Result<T, SupplierError> {
        match serde_json::from_slice::<T>(&self.body) {
            Ok(doc) => Ok(doc),
            Err(e) => {
                // The SDK treats an `error` document as a failure whatever the status.
                if let Ok(doc) = serde_json::from_slice::<wire::ErrorResponse>(&self.body) {
                    return Err(rejected(
                        doc.error.code.as_deref(),
                        doc.error.message.as_deref().unwrap_or(""),
                        audit_token(doc.audit_data.as_ref()),
                        self.status.as_u16(),
                    ));
                }
                Err(SupplierError::Protocol {
                    supplier: SUPPLIER.into(),
                    detail: format!(
                        "HTTP {} from {} is not the expected document: {e}",
                        self.status.as_u16(),
                        self.path
                    ),
                })
            }
        }
    }
}

impl HotelbedsClient {
    pub fn new(config: HotelbedsConfig) -> Result<HotelbedsClient, SupplierError> {
        Self::with_clock(config, Arc::new(Utc::now))
    }

    /// A client whose signatures use `clock` instead of the system clock.
    pub fn with_clock(
        config: HotelbedsConfig,
        clock: Clock,
    ) -> Result<HotelbedsClient, SupplierError> {
        let authentication = || SupplierError::Authentication {
            supplier: SUPPLIER.into(),
        };
        if config.api_key.expose_secret().is_empty() || config.secret.expose_secret().is_empty() {
            return Err(authentication());
        }
        let mut headers = HeaderMap::new();
        let mut key =
            HeaderValue::from_str(config.api_key.expose_secret()).map_err(|_| authentication())?;
        key.set_sensitive(true);
        headers.insert("api-key", key);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        // `Accept-Encoding: gzip` is added, and the answer decompressed, by reqwest's `gzip`.
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!(
                "wayfare/",
                env!("CARGO_PKG_VERSION"),
                " (hotelbeds connector)"
            ))
            .gzip(true)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| SupplierError::Unavailable {
                supplier: SUPPLIER.into(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(HotelbedsClient {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            config,
            clock,
        })
    }

    /// `GET /status`: whether Hotelbeds answers our signed requests.
    pub async fn status(&self) -> Result<(), SupplierError> {
        self.send::<()>(
            Method::GET,
            "/status",
            &[],
            None,
            self.config.read_timeout,
            Subject::Status,
        )
        .await
        .map(|_| ())
    }

    /// `POST /hotels`: hotels with rooms and rates for a stay and occupancies.
    pub async fn availability(
        &self,
        request: &wire::AvailabilityRequest,
    ) -> Result<wire::AvailabilityResponse, SupplierError> {
        request.validate().map_err(not_sent)?;
        self.send(
            Method::POST,
            "/hotels",
            &[],
            Some(request),
            self.config.availability_timeout,
            Subject::Search,
        )
        .await?
        .parse()
    }

    /// `POST /checkrates`: the rate at its current price, possibly under a new rate key.
    /// Mandatory for `RECHECK` rates; compare the answer's `net` before booking.
    pub async fn check_rates(
        &self,
        request: &wire::CheckRateRequest,
    ) -> Result<wire::CheckRateResponse, SupplierError> {
        request.validate().map_err(not_sent)?;
        let subject = Subject::Rate(&request.rooms[0].rate_key);
        self.send(
            Method::POST,
            "/checkrates",
            &[],
            Some(request),
            self.config.check_rate_timeout,
            subject,
        )
        .await?
        .parse()
    }

    /// `POST /bookings`: confirms instantly (Hotelbeds has no on-request bookings).
    pub async fn book(
        &self,
        request: &wire::BookingRequest,
    ) -> Result<wire::BookingResponse, SupplierError> {
        request.validate().map_err(not_sent)?;
        let subject = Subject::Rate(&request.rooms[0].rate_key);
        self.send(
            Method::POST,
            "/bookings",
            &[],
            Some(request),
            self.config.booking_timeout,
            subject,
        )
        .await?
        .parse()
    }

    /// `GET /bookings/{reference}`.
    pub async fn booking(&self, reference: &str) -> Result<wire::BookingResponse, SupplierError> {
        let checked = checked_reference(reference)?;
        self.send::<()>(
            Method::GET,
            &format!("/bookings/{checked}"),
            &[],
            None,
            self.config.read_timeout,
            Subject::Booking(reference),
        )
        .await?
        .parse()
    }

    /// `GET /bookings?start=&end=&from=&to=…`: one page of bookings by check-in or creation
    /// date, status or client reference.
    pub async fn bookings(
        &self,
        query: &wire::BookingListQuery,
    ) -> Result<wire::BookingListResponse, SupplierError> {
        query.validate().map_err(not_sent)?;
        self.send::<()>(
            Method::GET,
            "/bookings",
            &query.pairs(),
            None,
            self.config.read_timeout,
            Subject::List,
        )
        .await?
        .parse()
    }

    /// `DELETE /bookings/{reference}?cancellationFlag=…`: with [`CancellationFlag::Simulation`]
    /// the booking as it stands with what cancelling would cost
    /// ([`wire::Booking::cancellation_amount`]); with [`CancellationFlag::Cancellation`] the
    /// cancelled booking.
    pub async fn cancel(
        &self,
        reference: &str,
        flag: CancellationFlag,
    ) -> Result<wire::BookingResponse, SupplierError> {
        let checked = checked_reference(reference)?;
        let query = [
            ("cancellationFlag", flag.as_str().to_owned()),
            ("language", self.config.language.clone()),
        ];
        self.send::<()>(
            Method::DELETE,
            &format!("/bookings/{checked}"),
            &query,
            None,
            self.config.booking_timeout,
            Subject::Booking(reference),
        )
        .await?
        .parse()
    }

    /// Sends one signed request and returns a 2xx answer; anything else becomes a
    /// [`SupplierError`].
    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        timeout: Duration,
        subject: Subject<'_>,
    ) -> Result<Reply, SupplierError> {
        let started = Instant::now();
        let now = (self.clock)().timestamp();
        let mut signed = HeaderValue::from_str(&signature(
            self.config.api_key.expose_secret(),
            self.config.secret.expose_secret(),
            now,
        ))
        .map_err(|_| SupplierError::Authentication {
            supplier: SUPPLIER.into(),
        })?;
        signed.set_sensitive(true);
        let mut request = self
            .http
            .request(
                method.clone(),
                format!("{}{API_PREFIX}{path}", self.base_url),
            )
            .header("x-signature", signed)
            .timeout(timeout);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            // `.json` also sets `Content-Type: application/json`.
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        let gateway_code = response
            .headers()
            .get("x-mashery-error-code")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(&e))?
            .to_vec();
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if status.is_success() {
            tracing::debug!(supplier = SUPPLIER, %method, path, status = status.as_u16(), elapsed_ms, "hotelbeds call");
            return Ok(Reply {
                status,
                path: path.to_owned(),
                body,
            });
        }
        let error = error_from_response(status.as_u16(), gateway_code.as_deref(), &body, subject);
        if matches!(error, SupplierError::Authentication { .. }) {
            tracing::warn!(supplier = SUPPLIER, %method, path, status = status.as_u16(),
                gateway_code = gateway_code.as_deref().unwrap_or(""), answer = %snippet(&body),
                "hotelbeds refused our credentials: check the API key, the secret and the clock");
        } else {
            tracing::warn!(supplier = SUPPLIER, %method, path, status = status.as_u16(),
                gateway_code = gateway_code.as_deref().unwrap_or(""), elapsed_ms, %error, "hotelbeds call failed");
        }
        Err(error)
    }
}

/// A request that breaks a documented limit, refused without spending a call on it.
fn not_sent(reason: String) -> SupplierError {
    SupplierError::Rejected {
        supplier: SUPPLIER.into(),
        code: "INVALID_DATA".into(),
        message: format!("not sent: {reason}"),
    }
}

/// A booking reference as it may appear in a URL path (`52-1274418`); anything else cannot be
/// a Hotelbeds booking and is simply not found.
fn checked_reference(reference: &str) -> Result<&str, SupplierError> {
    let ok = !reference.is_empty()
        && reference.len() <= 50
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(reference)
    } else {
        Err(SupplierError::NotFound(reference.to_owned()))
    }
}

fn transport_error(e: &reqwest::Error) -> SupplierError {
    if e.is_timeout() {
        SupplierError::Timeout {
            supplier: SUPPLIER.into(),
        }
    } else if e.is_decode() || e.is_body() {
        SupplierError::Protocol {
            supplier: SUPPLIER.into(),
            detail: format!("unreadable response body: {e}"),
        }
    } else {
        SupplierError::Unavailable {
            supplier: SUPPLIER.into(),
            reason: e.to_string(),
        }
    }
}

fn audit_token(audit: Option<&wire::AuditData>) -> Option<&str> {
    audit.and_then(|a| a.token.as_deref())
}

fn token_suffix(token: Option<&str>) -> String {
    match token {
        Some(t) => format!(" (audit token {t})"),
        None => String::new(),
    }
}

/// The start of a non-JSON body (a gateway's short answer), printable and bounded.
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn rejected(code: Option<&str>, message: &str, token: Option<&str>, status: u16) -> SupplierError {
    SupplierError::Rejected {
        supplier: SUPPLIER.into(),
        code: code
            .filter(|c| !c.is_empty())
            .map_or_else(|| format!("HTTP_{status}"), str::to_owned),
        message: format!("{message}{}", token_suffix(token)),
    }
}

/// Gateway answers that mean "too many requests" rather than "who are you" (§2.8, §2.9).
const THROTTLE_MARKS: &[&str] = &["over qps", "over rate", "over_qps", "over_rate"];

/// A non-2xx answer as a [`SupplierError`].
fn error_from_response(
    status: u16,
    gateway_code: Option<&str>,
    body: &[u8],
    subject: Subject<'_>,
) -> SupplierError {
    let doc: Option<wire::ErrorResponse> = serde_json::from_slice(body).ok();
    let code = doc.as_ref().and_then(|d| d.error.code.as_deref());
    let token = doc
        .as_ref()
        .and_then(|d| audit_token(d.audit_data.as_ref()));
    let message = match &doc {
        Some(d) => d.error.message.clone().unwrap_or_default(),
        None => snippet(body),
    };
    let supplier = SUPPLIER.to_owned();
    let said = format!("{message} {}", gateway_code.unwrap_or("")).to_ascii_lowercase();
    let throttled = THROTTLE_MARKS.iter().any(|m| said.contains(m));
    match status {
        401 => SupplierError::Authentication { supplier },
        403 if throttled => SupplierError::RateLimited { supplier },
        403 => SupplierError::Authentication { supplier },
        429 => SupplierError::RateLimited { supplier },
        404 => SupplierError::NotFound(subject.id()),
        402 => SupplierError::Rejected {
            supplier,
            code: "PAYMENT_DATA_REQUIRED".into(),
            message: format!(
                "the rate needs payment data, which this connector does not send: {message}{}",
                token_suffix(token)
            ),
        },
        // Hotelbeds: "the product is not available anymore — restart the booking process";
        // resending the same request within 15 minutes earns a 410, which says the same.
        500 | 410 if doc.is_some() => match subject {
            Subject::Rate(key) => SupplierError::OfferExpired(key.to_owned()),
            _ => rejected(code, &message, token, status),
        },
        500..=599 => SupplierError::Unavailable {
            supplier,
            reason: match (code, message.is_empty()) {
                (Some(code), _) => {
                    format!("HTTP {status} {code}: {message}{}", token_suffix(token))
                }
                (None, false) => format!("HTTP {status}: {message}"),
                (None, true) => format!("HTTP {status}"),
            },
        },
        _ => rejected(code, &message, token, status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_documented_vector() {
        // travel.md §2.1: `echo -n testkeytestsecret1700000000 | sha256sum`.
        assert_eq!(
            signature("testkey", "testsecret", 1_700_000_000),
            "a57e376bdc62117464642862aef47693251f4babfa45e8d69047e4354b5d7246"
        );
        // Computed here: `echo -n apikeysharedsecret1234567890 | sha256sum`.
        assert_eq!(
            signature("apikey", "sharedsecret", 1_234_567_890),
            "e9e961e6a1393d78b3bd9761a310f8a235899c9a1ca9847839e2054b3f5354d0"
        );
        assert_ne!(
            signature("testkey", "testsecret", 1_700_000_001),
            signature("testkey", "testsecret", 1_700_000_000)
        );
    }

    #[test]
    fn the_credentials_never_print() {
        let config = HotelbedsConfig::new("k3y-visible?", "s3cr3t-value");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t"));
        assert!(!shown.contains("k3y"));
        let client = HotelbedsClient::new(config).unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("s3cr3t") && !shown.contains("k3y"));
    }

    #[test]
    fn empty_or_unprintable_credentials_are_refused_at_construction() {
        for (key, secret) in [("", "s"), ("k", ""), ("k\n", "s")] {
            assert!(matches!(
                HotelbedsClient::new(HotelbedsConfig::new(key, secret)),
                Err(SupplierError::Authentication { .. })
            ));
        }
    }

    #[test]
    fn references_are_checked_before_reaching_a_path() {
        assert_eq!(checked_reference("52-1274418"), Ok("52-1274418"));
        for bad in [
            "",
            "../status",
            "52 1274418",
            "a/b",
            "x?y=1",
            &"9".repeat(51),
        ] {
            assert_eq!(
                checked_reference(bad),
                Err(SupplierError::NotFound(bad.to_owned()))
            );
        }
    }

    fn hb_error(code: &str, message: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "auditData": {"token": "T0K3N", "processTime": 12},
            "error": {"code": code, "message": message}
        }))
        .unwrap()
    }

    #[test]
    fn errors_map_by_status_body_and_gateway_code() {
        let rate = Subject::Rate("RK1");
        let map = |status, gw: Option<&str>, body: &[u8], subject| {
            error_from_response(status, gw, body, subject)
        };
        assert!(matches!(
            map(401, None, b"Unauthorized", Subject::Search),
            SupplierError::Authentication { .. }
        ));
        assert!(matches!(
            map(403, None, b"<h1>Not Authorized</h1>", Subject::Search),
            SupplierError::Authentication { .. }
        ));
        assert!(matches!(
            map(403, None, b"<h1>Developer Inactive</h1>", Subject::Search),
            SupplierError::Authentication { .. }
        ));
        assert!(matches!(
            map(403, None, b"<h1>Developer Over Qps</h1>", Subject::Search),
            SupplierError::RateLimited { .. }
        ));
        assert!(matches!(
            map(
                403,
                Some("ERR_403_DEVELOPER_OVER_RATE"),
                b"",
                Subject::Search
            ),
            SupplierError::RateLimited { .. }
        ));
        assert!(matches!(
            map(429, None, b"", Subject::Search),
            SupplierError::RateLimited { .. }
        ));
        assert_eq!(
            map(
                404,
                None,
                &hb_error("INVALID_DATA", "x"),
                Subject::Booking("1-2")
            ),
            SupplierError::NotFound("1-2".into())
        );
        assert_eq!(
            map(500, None, &hb_error("PRODUCT_ERROR", "gone"), rate),
            SupplierError::OfferExpired("RK1".into())
        );
        assert_eq!(
            map(410, None, &hb_error("INVALID_DATA", "repeated"), rate),
            SupplierError::OfferExpired("RK1".into())
        );
        assert!(matches!(
            map(
                410,
                None,
                &hb_error("INVALID_DATA", "repeated"),
                Subject::Search
            ),
            SupplierError::Rejected { .. }
        ));
        assert!(matches!(
            map(500, None, b"oops", rate),
            SupplierError::Unavailable { .. }
        ));
        assert!(matches!(
            map(503, None, b"", Subject::Search),
            SupplierError::Unavailable { .. }
        ));
        match map(
            400,
            None,
            &hb_error("INVALID_DATA", "bad stay"),
            Subject::Search,
        ) {
            SupplierError::Rejected { code, message, .. } => {
                assert_eq!(code, "INVALID_DATA");
                assert_eq!(message, "bad stay (audit token T0K3N)");
            }
            other => panic!("{other:?}"),
        }
        match map(402, None, &hb_error("INVALID_DATA", "card"), rate) {
            SupplierError::Rejected { code, .. } => assert_eq!(code, "PAYMENT_DATA_REQUIRED"),
            other => panic!("{other:?}"),
        }
        match map(415, None, b"", Subject::Search) {
            SupplierError::Rejected { code, .. } => assert_eq!(code, "HTTP_415"),
            other => panic!("{other:?}"),
        }
    }
}

//! The HTTP side of the Klarna connector: JSON calls with HTTP Basic credentials and
//! `Klarna-Idempotency-Key`, whose failures are sorted into what the caller must act on
//! (Klarna's 4xx answers) and what is an outage (401, 5xx, 429, no answer).

use std::fmt;
use std::time::Duration;

use base64::Engine;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::provider::PaymentError;

/// Klarna's error body (payments.md §5.1); the PHP SDK folds a lone `error_message` into
/// `error_messages`, and so do we.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_messages: Vec<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
}

/// A 4xx answer from Klarna (other than 401 and 429), for the caller to map.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    /// `error_code`, else the HTTP status.
    pub fn code(&self) -> String {
        self.body
            .error_code
            .clone()
            .unwrap_or_else(|| self.status.as_u16().to_string())
    }

    /// True when `error_code` mentions idempotency: the key was used for another request.
    pub fn is_idempotency_conflict(&self) -> bool {
        self.body
            .error_code
            .as_deref()
            .is_some_and(|c| c.to_ascii_uppercase().contains("IDEMPOTENCY"))
    }

    /// One line for messages and logs: `BAD_VALUE: order_amount … [correlation_id …]`.
    pub fn summary(&self) -> String {
        let mut s = format!("HTTP {} {}", self.status.as_u16(), self.code());
        let messages: Vec<&str> = self
            .body
            .error_messages
            .iter()
            .map(String::as_str)
            .chain(self.body.error_message.as_deref())
            .collect();
        if !messages.is_empty() {
            s.push_str(": ");
            s.push_str(&messages.join("; "));
        }
        if let Some(id) = &self.body.correlation_id {
            s.push_str(&format!(" [correlation_id {id}]"));
        }
        s
    }

    /// The usual meaning of a 4xx when the operation has nothing more specific to say.
    pub fn into_payment_error(self, id: &str) -> PaymentError {
        if self.is_idempotency_conflict() {
            return PaymentError::IdempotencyKeyReused;
        }
        match self.status {
            StatusCode::NOT_FOUND => PaymentError::NotFound(id.to_owned()),
            StatusCode::BAD_REQUEST
            | StatusCode::CONFLICT
            | StatusCode::UNPROCESSABLE_ENTITY
            | StatusCode::PAYLOAD_TOO_LARGE => PaymentError::InvalidRequest(self.summary()),
            _ => PaymentError::Unavailable(format!("Klarna refused the call: {}", self.summary())),
        }
    }
}

/// A 2xx answer: the JSON body (`Null` when empty) and the `Location` header.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub body: Value,
    pub location: Option<String>,
}

/// Talks to one Klarna API base with one set of API credentials.
pub(crate) struct Client {
    http: reqwest::Client,
    base_url: String,
    /// `Basic base64(username:password)`, marked sensitive so reqwest never shows it.
    basic: HeaderValue,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// Sorts a transport failure: no answer in time is [`PaymentError::Timeout`], anything else
/// an outage. The message names the kind of failure, never a header.
fn transport(e: reqwest::Error, what: &str) -> PaymentError {
    if e.is_timeout() {
        tracing::warn!(call = what, "Klarna did not answer in time");
        return PaymentError::Timeout;
    }
    let kind = if e.is_connect() {
        "could not connect"
    } else if e.is_decode() || e.is_body() {
        "could not read the answer"
    } else {
        "request failed"
    };
    tracing::warn!(call = what, kind, "Klarna call failed");
    PaymentError::Unavailable(format!("Klarna {what}: {kind}"))
}

impl Client {
    pub fn new(
        base_url: &str,
        username: &str,
        password: &str,
        timeout: Duration,
    ) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        let mut basic = HeaderValue::from_str(&format!("Basic {credentials}"))
            .map_err(|_| "the username or password holds characters a header cannot".to_owned())?;
        basic.set_sensitive(true);
        Ok(Client {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            basic,
        })
    }

    /// Makes one call. `Ok(Ok(answer))` for 2xx, `Ok(Err(ApiError))` for 4xx other than 401
    /// and 429, `Err` for outages: 401 (our credentials are wrong: nothing the caller can
    /// fix), 429, 5xx, no answer.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Result<Answer, ApiError>, PaymentError> {
        let what = format!("{method} {path}");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .header(AUTHORIZATION, self.basic.clone());
        if let Some(key) = idempotency_key {
            request = request.header("Klarna-Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(|e| transport(e, &what))?;
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(|e| transport(e, &what))?;
        if status.is_success() {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Ok(Answer {
                    body: Value::Null,
                    location,
                }));
            }
            let body = serde_json::from_slice(&bytes).map_err(|_| {
                PaymentError::Unavailable(format!("Klarna's answer to {what} is not JSON"))
            })?;
            return Ok(Ok(Answer { body, location }));
        }
        let error = ApiError {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or_default(),
        };
        if status == StatusCode::UNAUTHORIZED {
            tracing::error!(call = %what, error = %error.summary(), "Klarna refused our API credentials");
            return Err(PaymentError::Unavailable(format!(
                "Klarna refused our API credentials: {}",
                error.summary()
            )));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            tracing::warn!(call = %what, error = %error.summary(), "Klarna is unavailable");
            return Err(PaymentError::Unavailable(format!(
                "Klarna answered {}",
                error.summary()
            )));
        }
        tracing::info!(call = %what, error = %error.summary(), "Klarna refused the call");
        Ok(Err(error))
    }
}

//! The HTTP side of the PayPal connector: OAuth2 client-credentials tokens (cached, one fetch
//! at a time, fetched again after a 401), and JSON calls whose failures are sorted into what
//! the caller must act on (PayPal's 4xx answers) and what is an outage (5xx, 429, no answer).

use std::fmt;
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::Mutex;

use super::wire::{ErrorBody, TokenResponse};
use crate::provider::{Clock, PaymentError};

/// The longest a token is taken as expired before PayPal says, for clock skew and the time
/// a request takes.
const MAX_EXPIRY_MARGIN_SECS: i64 = 60;

/// A bearer token. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct AccessToken(String);

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

struct CachedToken {
    token: AccessToken,
    usable_until: DateTime<Utc>,
}

/// A 4xx answer from PayPal, for the caller to map: `name`, the `details[].issue` codes and
/// the `debug_id` PayPal support asks for.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    /// The `details[].issue` codes.
    pub fn issues(&self) -> impl Iterator<Item = &str> {
        self.body.details.iter().filter_map(|d| d.issue.as_deref())
    }

    /// True when one of the issues is `issue`.
    pub fn has_issue(&self, issue: &str) -> bool {
        self.issues().any(|i| i == issue)
    }

    /// The first issue, else the error name, else the HTTP status.
    pub fn code(&self) -> String {
        self.issues()
            .next()
            .map(str::to_owned)
            .or_else(|| self.body.name.clone())
            .unwrap_or_else(|| self.status.as_u16().to_string())
    }

    /// The first issue's description, else the error message.
    pub fn description(&self) -> String {
        self.body
            .details
            .iter()
            .find_map(|d| d.description.clone())
            .or_else(|| self.body.message.clone())
            .unwrap_or_default()
    }

    /// One line for messages and logs: `UNPROCESSABLE_ENTITY: DECIMAL_PRECISION (…) [debug_id …]`.
    pub fn summary(&self) -> String {
        let name = self
            .body
            .name
            .clone()
            .unwrap_or_else(|| self.status.as_u16().to_string());
        let issues: Vec<&str> = self.issues().collect();
        let mut s = name;
        if !issues.is_empty() {
            s.push_str(": ");
            s.push_str(&issues.join(", "));
        }
        let description = self.description();
        if !description.is_empty() {
            s.push_str(&format!(" ({description})"));
        }
        if let Some(id) = &self.body.debug_id {
            s.push_str(&format!(" [debug_id {id}]"));
        }
        s
    }

    /// The usual meaning of a 4xx when the operation has nothing more specific to say.
    pub fn into_payment_error(self, id: &str) -> PaymentError {
        match self.status {
            StatusCode::NOT_FOUND => PaymentError::NotFound(id.to_owned()),
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                PaymentError::InvalidRequest(self.summary())
            }
            _ => PaymentError::Unavailable(format!("PayPal refused the call: {}", self.summary())),
        }
    }
}

/// A JSON request: method, path under the API base, body, and `PayPal-Request-Id`.
pub(crate) struct Call<'a> {
    pub method: Method,
    pub path: String,
    /// Sent verbatim as `application/json`; `None` sends no body.
    pub body: Option<Vec<u8>>,
    pub request_id: Option<&'a str>,
}

/// Talks to one PayPal API base with one client id.
pub(crate) struct Client {
    http: reqwest::Client,
    api_base: String,
    /// `Basic base64(client_id:client_secret)`, marked sensitive so reqwest never shows it.
    basic: HeaderValue,
    token: Mutex<Option<CachedToken>>,
    clock: Clock,
}

/// Sorts a transport failure: no answer in time is [`PaymentError::Timeout`], anything else
/// an outage. The message names the kind of failure, never a header.
fn transport(e: reqwest::Error, what: &str) -> PaymentError {
    if e.is_timeout() {
        tracing::warn!(call = what, "PayPal did not answer in time");
        return PaymentError::Timeout;
    }
    let kind = if e.is_connect() {
        "could not connect"
    } else if e.is_decode() || e.is_body() {
        "could not read the answer"
    } else {
        "request failed"
    };
    tracing::warn!(call = what, kind, "PayPal call failed");
    PaymentError::Unavailable(format!("PayPal {what}: {kind}"))
}

impl Client {
    pub fn new(
        api_base: &str,
        client_id: &str,
        client_secret: &str,
        timeout: Duration,
        clock: Clock,
    ) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{client_secret}"));
        let mut basic = HeaderValue::from_str(&format!("Basic {credentials}"))
            .map_err(|_| "the client id or secret holds characters a header cannot".to_owned())?;
        basic.set_sensitive(true);
        Ok(Client {
            http,
            api_base: api_base.trim_end_matches('/').to_owned(),
            basic,
            token: Mutex::new(None),
            clock,
        })
    }

    /// A usable token: the cached one, or a new one. `stale` is a token PayPal just refused:
    /// if the cache still holds it, it is dropped and a new one fetched; if another caller
    /// already replaced it, that one is used. Holding the lock while fetching makes
    /// concurrent callers wait for a single fetch.
    async fn access_token(&self, stale: Option<&AccessToken>) -> Result<AccessToken, PaymentError> {
        let mut cached = self.token.lock().await;
        let now = (self.clock)();
        if let Some(c) = cached.as_ref() {
            let refused = stale.is_some_and(|s| *s == c.token);
            if !refused && now < c.usable_until {
                return Ok(c.token.clone());
            }
        }
        *cached = None;
        let fresh = self.fetch_token().await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    async fn fetch_token(&self) -> Result<CachedToken, PaymentError> {
        let response = self
            .http
            .post(format!("{}/v1/oauth2/token", self.api_base))
            .header(AUTHORIZATION, self.basic.clone())
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| transport(e, "token request"))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport(e, "token request"))?;
        if !status.is_success() {
            let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
            let code = body
                .error
                .or(body.name)
                .unwrap_or_else(|| "no error code".to_owned());
            tracing::error!(status = status.as_u16(), code = %code, "PayPal refused the token request");
            let message = if status == StatusCode::UNAUTHORIZED || status == StatusCode::BAD_REQUEST
            {
                format!(
                    "PayPal refused our client credentials (HTTP {}, {code})",
                    status.as_u16()
                )
            } else {
                format!("PayPal's token endpoint answered HTTP {}", status.as_u16())
            };
            return Err(PaymentError::Unavailable(message));
        }
        let parsed: TokenResponse = serde_json::from_slice(&bytes).map_err(|_| {
            PaymentError::Unavailable("PayPal's token answer could not be read".into())
        })?;
        if parsed.access_token.is_empty() {
            return Err(PaymentError::Unavailable(
                "PayPal's token answer holds no token".into(),
            ));
        }
        let expires_in = parsed.expires_in.unwrap_or(0).max(0);
        let margin = (expires_in / 10).min(MAX_EXPIRY_MARGIN_SECS);
        let now = (self.clock)();
        tracing::debug!(expires_in, "PayPal access token fetched");
        Ok(CachedToken {
            token: AccessToken(parsed.access_token),
            usable_until: now + chrono::Duration::seconds(expires_in - margin),
        })
    }

    async fn send_once(
        &self,
        call: &Call<'_>,
        token: &AccessToken,
    ) -> Result<(StatusCode, Vec<u8>), PaymentError> {
        let url = format!("{}{}", self.api_base, call.path);
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", token.0)).map_err(|_| {
            PaymentError::Unavailable("PayPal issued a token a header cannot hold".into())
        })?;
        bearer.set_sensitive(true);
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .header(AUTHORIZATION, bearer)
            .header(CONTENT_TYPE, "application/json");
        if call.method == Method::POST {
            request = request.header("Prefer", "return=representation");
        }
        if let Some(id) = call.request_id {
            request = request.header("PayPal-Request-Id", id);
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        let what = format!("{} {}", call.method, call.path);
        let response = request.send().await.map_err(|e| transport(e, &what))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| transport(e, &what))?;
        Ok((status, bytes.to_vec()))
    }

    /// Makes `call` with a bearer token; on a 401 fetches a new token once and retries once.
    /// `Ok(Ok(json))` for 2xx (`Null` for an empty body), `Ok(Err(ApiError))` for other 4xx,
    /// `Err` for outages: 5xx, 429, no answer, a second 401.
    pub async fn call(&self, call: Call<'_>) -> Result<Result<Value, ApiError>, PaymentError> {
        let token = self.access_token(None).await?;
        let (mut status, mut bytes) = self.send_once(&call, &token).await?;
        if status == StatusCode::UNAUTHORIZED {
            tracing::info!(path = %call.path, "PayPal refused the access token; fetching a new one");
            let token = self.access_token(Some(&token)).await?;
            (status, bytes) = self.send_once(&call, &token).await?;
            if status == StatusCode::UNAUTHORIZED {
                return Err(PaymentError::Unavailable(
                    "PayPal refused a freshly issued access token".into(),
                ));
            }
        }
        if status.is_success() {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Ok(Value::Null));
            }
            return serde_json::from_slice(&bytes).map(Ok).map_err(|_| {
                PaymentError::Unavailable(format!(
                    "PayPal's answer to {} {} is not JSON",
                    call.method, call.path
                ))
            });
        }
        let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
        let error = ApiError { status, body };
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            tracing::warn!(path = %call.path, error = %error.summary(), "PayPal is unavailable");
            return Err(PaymentError::Unavailable(format!(
                "PayPal answered HTTP {}: {}",
                status.as_u16(),
                error.summary()
            )));
        }
        tracing::info!(path = %call.path, error = %error.summary(), "PayPal refused the call");
        Ok(Err(error))
    }
}

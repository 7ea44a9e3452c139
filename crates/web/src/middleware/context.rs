//! Per-request context: the language, the display currency and the CSRF token, worked out once
//! and handed to handlers; enforcement of CSRF on unsafe requests; and the rendering of every
//! error response (ours or the framework's) as localized JSON or an HTML page.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use wayfare_domain::Currency;

use wayfare_accounts::{Authenticated, RequestMeta};

use crate::auth::{SESSION_COOKIE, bearer_token};
use crate::error::{ErrorCode, WebError};
use crate::i18n::{LANG_COOKIE, Locale, negotiate};
use crate::middleware::csrf::{self, CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER};
use crate::state::AppState;
use crate::views;

/// The cookie remembering the chosen display currency.
pub const CURRENCY_COOKIE: &str = "wf_cur";

/// What every handler may want to know about the request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub locale: Locale,
    pub currency: Currency,
    pub csrf_token: String,
    /// Path and query, for "come back here" links.
    pub path_and_query: String,
    /// Answer errors as JSON (API paths, or a client that prefers JSON).
    pub wants_json: bool,
    /// The request reached us over HTTPS (directly or via a trusted proxy).
    pub secure: bool,
    /// The client's address (the proxy's `X-Forwarded-For` when proxy headers are trusted).
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The signed-in user (session cookie, or a bearer token on the API).
    pub user: Option<Arc<Authenticated>>,
}

impl RequestContext {
    /// Who is asking, for the account service.
    pub fn meta(&self) -> RequestMeta {
        RequestMeta {
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            locale: self.locale.tag(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| WebError::internal("request context layer missing"))
    }
}

/// Reads one cookie from the request headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// A `Set-Cookie` value with our defaults (Path=/, SameSite=Lax).
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: Option<u64>,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; SameSite=Lax");
    if let Some(age) = max_age_secs {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if http_only {
        s.push_str("; HttpOnly");
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn prefers_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

pub(crate) fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

/// A cross-site `Origin` (its host differs from ours) on an unsafe request.
fn cross_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if origin == "null" {
        return true;
    }
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    !origin_host.eq_ignore_ascii_case(host)
}

/// Where payment providers send their notifications.
const WEBHOOK_PREFIX: &str = "/api/v1/webhooks/";

/// Checks CSRF on an unsafe request, returning it (body restored) when it passes.
async fn check_unsafe(
    state: &AppState,
    ctx: &RequestContext,
    cookie: Option<String>,
    req: Request,
) -> Result<Request, WebError> {
    let headers = req.headers();
    if req.uri().path().starts_with(WEBHOOK_PREFIX) {
        // Providers' servers call these with their own formats (Alipay posts a form); each is
        // verified by its signature instead.
        return Ok(req);
    }
    if cross_origin(headers) {
        return Err(WebError::new(ErrorCode::CsrfFailed));
    }
    let secret = &state.config().secret_key;
    if is_api_path(req.uri().path()) {
        // A cross-site HTML form cannot send JSON without a CORS preflight, which we never grant.
        if has_body(headers) && !content_type(headers).starts_with("application/json") {
            return Err(WebError::new(ErrorCode::UnsupportedMediaType));
        }
        return Ok(req);
    }
    if let Some(h) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if csrf::verify(secret, cookie.as_deref(), Some(h)) {
            Ok(req)
        } else {
            Err(WebError::new(ErrorCode::CsrfFailed))
        };
    }
    if !content_type(headers).starts_with("application/x-www-form-urlencoded") {
        return Err(WebError::new(ErrorCode::CsrfFailed));
    }
    let (parts, body) = req.into_parts();
    // This read happens before the timeout layer, so it carries its own limit: a body that
    // trickles in must not hold a connection open forever.
    let bytes = tokio::time::timeout(
        state.config().request_timeout,
        to_bytes(body, state.config().body_limit_bytes),
    )
    .await
    .map_err(|_| WebError::new(ErrorCode::RequestTimeout))?
    .map_err(|_| WebError::new(ErrorCode::PayloadTooLarge))?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| WebError::new(ErrorCode::InvalidForm))?;
    let submitted = fields
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str());
    if !csrf::verify(secret, cookie.as_deref(), submitted) {
        tracing::info!(path = %ctx.path_and_query, "csrf check failed");
        return Err(WebError::new(ErrorCode::CsrfFailed));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The middleware: builds the context, enforces CSRF, renders errors, issues the CSRF cookie.
pub async fn request_context(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let config = state.config();
    let csrf_cookie = cookie_value(headers, CSRF_COOKIE)
        .filter(|t| csrf::is_authentic(&config.secret_key, t))
        .map(str::to_owned);
    let (csrf_token, issue_cookie) = match &csrf_cookie {
        Some(t) => (t.clone(), false),
        None => (csrf::new_token(&config.secret_key), true),
    };
    let secure = config.trust_forwarded_proto
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let path = req.uri().path().to_owned();
    let forwarded = config
        .trust_forwarded_proto
        .then(|| {
            headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|v| v.trim().to_owned())
        })
        .flatten();
    let ip = forwarded.or_else(|| {
        req.extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
    });
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect());
    // Static files and probes never need the user; skip the session lookup for them.
    let wants_user = !path.starts_with("/static/")
        && !matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
    let user = if !wants_user {
        None
    } else if let Some(token) = bearer_token(headers).filter(|_| is_api_path(&path)) {
        match state.accounts().authenticate_bearer(token).await {
            Ok(u) => u.map(Arc::new),
            Err(e) => {
                tracing::error!(error = %e, "bearer authentication failed");
                None
            }
        }
    } else if let Some(token) = cookie_value(headers, SESSION_COOKIE) {
        match state.accounts().authenticate_session(token).await {
            Ok(u) => u.map(Arc::new),
            Err(e) => {
                tracing::error!(error = %e, "session authentication failed");
                None
            }
        }
    } else {
        None
    };
    // Language and currency: the switcher's cookie, else the signed-in account's preference,
    // else Accept-Language and the defaults.
    let account_prefs = user
        .as_ref()
        .map(|u| wayfare_accounts::preferences::travel_preferences(&u.user));
    let locale = negotiate(
        cookie_value(headers, LANG_COOKIE)
            .or_else(|| account_prefs.as_ref().and_then(|p| p.language.as_deref())),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        config.default_locale,
    );
    let rates = state.rates();
    let currency = cookie_value(headers, CURRENCY_COOKIE)
        .and_then(|c| Currency::parse(c).ok())
        .filter(|c| rates.supports(*c))
        .or_else(|| {
            account_prefs
                .as_ref()
                .and_then(|p| p.currency())
                .filter(|c| rates.supports(*c))
        })
        .unwrap_or(config.default_currency);
    let ctx = RequestContext {
        locale,
        currency,
        csrf_token,
        path_and_query: req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| path.clone()),
        wants_json: is_api_path(&path) || prefers_json(headers),
        secure,
        ip,
        user_agent,
        user,
    };
    req.extensions_mut().insert(ctx.clone());

    let unsafe_method = !matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let res = if unsafe_method {
        match check_unsafe(&state, &ctx, csrf_cookie, req).await {
            Ok(req) => next.run(req).await,
            Err(e) => e.into_response(),
        }
    } else {
        next.run(req).await
    };
    let mut res = render_errors(&state, &ctx, res);
    if issue_cookie {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(
                CSRF_COOKIE,
                &ctx.csrf_token,
                None,
                true,
                config.secure_cookies || secure,
            ),
        );
    }
    res
}

/// Gives every error response a localized body: JSON for API clients, a page for browsers.
/// Responses that already carry a body of their own (JSON or HTML) are left alone.
fn render_errors(state: &AppState, ctx: &RequestContext, res: Response) -> Response {
    let status = res.status();
    let ours = res.extensions().get::<Arc<WebError>>().cloned();
    let error = match ours {
        Some(e) => e,
        None if status.is_client_error() || status.is_server_error() => {
            let ct = content_type(res.headers());
            if ct.starts_with("application/json") || ct.starts_with("text/html") {
                return res;
            }
            Arc::new(WebError::new(ErrorCode::for_status(status)))
        }
        None => return res,
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if ctx.wants_json {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Body::from(error.to_json(ctx.locale).to_string())
    } else {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        Body::from(views::error_page(state, ctx, status, &error))
    };
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; wf_lang=en; b=\"x\""),
        );
        assert_eq!(cookie_value(&h, "wf_lang"), Some("en"));
        assert_eq!(cookie_value(&h, "b"), Some("x"));
        assert_eq!(cookie_value(&h, "missing"), None);
    }

    #[test]
    fn detects_cross_origin() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!cross_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(!cross_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(cross_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(cross_origin(&h));
    }
}

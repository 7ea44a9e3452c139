//! Who is signed in: the session cookie and bearer-token plumbing, the extractors handlers use
//! to require a user (or a role), and the mapping of account errors to web errors.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wayfare_accounts::{AuthError, Authenticated, SignedIn};
use wayfare_domain::account::Role;

use crate::error::{ErrorCode, WebError};
use crate::middleware::RequestContext;
use crate::middleware::context::set_cookie;

/// The session cookie: an opaque random token; the server keeps only its hash.
pub const SESSION_COOKIE: &str = "wf_session";
/// A pending second-factor challenge between the password and the code pages.
pub const CHALLENGE_COOKIE: &str = "wf_2fa";

/// The token of `Authorization: Bearer <token>`.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// `Set-Cookie` for a new session (HttpOnly, SameSite=Lax, Secure behind TLS).
pub fn session_cookie(signed_in: &SignedIn, secure: bool, max_age_secs: u64) -> HeaderValue {
    set_cookie(
        SESSION_COOKIE,
        &signed_in.token,
        Some(max_age_secs),
        true,
        secure,
    )
}

/// `Set-Cookie` that removes a cookie.
pub fn clear_cookie(name: &str, secure: bool) -> HeaderValue {
    set_cookie(name, "", Some(0), true, secure)
}

/// A handler argument that requires a signed-in user: 401 on the API, a redirect to the
/// sign-in page (coming back afterwards) for pages.
#[derive(Debug, Clone)]
pub struct SignedInUser(pub Arc<Authenticated>);

impl std::ops::Deref for SignedInUser {
    type Target = Authenticated;
    fn deref(&self) -> &Authenticated {
        &self.0
    }
}

/// Rejection for [`SignedInUser`] and [`BackOffice`].
#[derive(Debug)]
pub enum AuthRejection {
    Error(WebError),
    SignIn(String),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Error(e) => e.into_response(),
            AuthRejection::SignIn(next) => {
                let location = format!("/login?next={}", url_encode(&next));
                let mut res = StatusCode::SEE_OTHER.into_response();
                if let Ok(v) = HeaderValue::from_str(&location) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                res
            }
        }
    }
}

/// A query-string value, percent-encoded.
pub(crate) fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

fn context(parts: &Parts) -> Result<&RequestContext, AuthRejection> {
    parts
        .extensions
        .get::<RequestContext>()
        .ok_or_else(|| AuthRejection::Error(WebError::internal("request context layer missing")))
}

impl<S: Send + Sync> FromRequestParts<S> for SignedInUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ctx = context(parts)?;
        match &ctx.user {
            Some(u) => Ok(SignedInUser(u.clone())),
            None if ctx.wants_json => Err(AuthRejection::Error(WebError::new(
                ErrorCode::Unauthenticated,
            ))),
            None => Err(AuthRejection::SignIn(ctx.path_and_query.clone())),
        }
    }
}

/// The signed-in user, if any (pages that look different when signed in).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<Arc<Authenticated>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(context(parts)?.user.clone()))
    }
}

/// Checks a role on the server; 403 for signed-in users without it.
pub fn require_role(user: &Authenticated, roles: &[Role]) -> Result<(), WebError> {
    if roles.iter().any(|r| user.has_role(*r)) {
        Ok(())
    } else {
        Err(WebError::new(ErrorCode::Forbidden))
    }
}

/// Account errors as web errors, each with its own status and code.
impl From<AuthError> for WebError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials => WebError::new(ErrorCode::InvalidCredentials),
            AuthError::Throttled { retry_after_secs } => WebError::new(ErrorCode::TooManyAttempts)
                .arg("seconds", retry_after_secs as i64)
                .detail("retry_after_secs", retry_after_secs.into()),
            AuthError::SendLimited { retry_after_secs } => WebError::new(ErrorCode::TooManyCodes)
                .arg("minutes", retry_after_secs.div_ceil(60) as i64)
                .detail("retry_after_secs", retry_after_secs.into()),
            AuthError::NotVerified => WebError::new(ErrorCode::AccountNotVerified),
            AuthError::CodeInvalid { attempts_left } => {
                let mut w = WebError::new(ErrorCode::CodeInvalid);
                if let Some(n) = attempts_left {
                    w = w
                        .arg("left", i64::from(n))
                        .detail("attempts_left", n.into());
                }
                w
            }
            AuthError::CodeExpired => WebError::new(ErrorCode::CodeExpired),
            AuthError::ChallengeExpired => WebError::new(ErrorCode::ChallengeExpired),
            AuthError::InvalidField {
                field,
                reason_key,
                arg,
            } => {
                let w = WebError::invalid_field(field, reason_key);
                match arg {
                    Some((name, value)) => w.arg(name, value),
                    None => w,
                }
            }
            AuthError::Taken { field } => WebError::new(ErrorCode::AlreadyInUse)
                .arg("field", field)
                .detail("field", field.into()),
            AuthError::ReauthFailed => WebError::new(ErrorCode::PasswordConfirmationFailed),
            AuthError::Unauthenticated => WebError::new(ErrorCode::Unauthenticated),
            AuthError::Forbidden => WebError::new(ErrorCode::Forbidden),
            AuthError::NotFound => WebError::not_found(),
            AuthError::Provider(reason) => {
                let mut w = WebError::new(ErrorCode::SignInProviderFailed);
                w.internal = Some(reason);
                w
            }
            AuthError::Store(s) => WebError::from(s),
            AuthError::Internal(m) => WebError::internal(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_tokens() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer wfp_abc"),
        );
        assert_eq!(bearer_token(&h), Some("wfp_abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic Zm9v"),
        );
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn sign_in_redirect_keeps_the_page() {
        let res = AuthRejection::SignIn("/account?tab=security&x=1".into()).into_response();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers()[header::LOCATION],
            "/login?next=%2Faccount%3Ftab%3Dsecurity%26x%3D1"
        );
    }
}

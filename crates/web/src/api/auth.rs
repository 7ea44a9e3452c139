//! `/api/v1/auth/*`: registration, confirmation, sign-in with a second factor when it is on,
//! password reset and sign-out. A successful sign-in sets the session cookie (HttpOnly); tokens
//! never appear in response bodies except the short-lived second-factor challenge.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wayfare_accounts::SignedIn;
use wayfare_accounts::signin::{Registration, ResetProof, SignInStep};

use crate::api::me::{MeJson, me_json};
use crate::api::types::ErrorBody;
use crate::auth::{SESSION_COOKIE, clear_cookie, session_cookie};
use crate::error::WebError;
use crate::extract::ApiJson;
use crate::middleware::RequestContext;
use crate::middleware::context::cookie_value;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// An e-mail address or a mobile number in international form (`+8613812345678`).
    #[schema(example = "li.wei@example.com")]
    pub identifier: String,
    /// At least 10 characters, not a common password.
    pub password: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Preferred currency (ISO-4217).
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedResponse {
    /// `verification_sent`, `code_sent` or `reset_sent`. Sent whether or not the account exists.
    pub status: &'static str,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    pub identifier: String,
    /// The 6-digit code that was sent.
    #[schema(example = "042917")]
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IdentifierRequest {
    pub identifier: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub identifier: String,
    /// Either the password…
    #[serde(default)]
    pub password: Option<String>,
    /// …or a sign-in code from `POST /auth/code`.
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// `signed_in`, or `second_factor_required` (then answer `challenge` at `POST /auth/2fa`).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<MeJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// `totp`, `sms` or `email`; a recovery code is always accepted too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SecondFactorRequest {
    pub challenge: String,
    /// A TOTP code, the SMS/e-mail code, or a recovery code (`xxxxx-xxxxx`).
    #[serde(default)]
    pub code: Option<String>,
    /// Send another SMS/e-mail code instead of answering.
    #[serde(default)]
    pub resend: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequest {
    pub identifier: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetConfirmRequest {
    /// The token from the e-mailed link…
    #[serde(default)]
    pub token: Option<String>,
    /// …or the phone number and the SMS code.
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    pub new_password: String,
}

fn accepted(status: &'static str) -> Response {
    (StatusCode::ACCEPTED, Json(AcceptedResponse { status })).into_response()
}

/// A new session replaces the caller's old one (no fixation) and is set as the cookie.
pub(crate) async fn signed_in_response(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    signed_in: SignedIn,
    body: impl IntoResponse,
) -> Result<Response, WebError> {
    end_previous_session(state, ctx, headers).await;
    let secure = state.config().secure_cookies || ctx.secure;
    let max_age = state
        .accounts()
        .config()
        .session_absolute
        .num_seconds()
        .max(0) as u64;
    let mut res = body.into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(&signed_in, secure, max_age),
    );
    Ok(res)
}

async fn end_previous_session(state: &AppState, ctx: &RequestContext, headers: &HeaderMap) {
    if let (Some(user), Some(_)) = (&ctx.user, cookie_value(headers, SESSION_COOKIE))
        && let Err(e) = state.accounts().sign_out(user, &ctx.meta()).await
    {
        tracing::warn!(error = %e, "previous session not ended");
    }
}

async fn login_json(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    step: SignInStep,
) -> Result<Response, WebError> {
    match step {
        SignInStep::SignedIn(s) => {
            let user = state
                .accounts()
                .store()
                .user_by_id(&s.user_id)
                .await?
                .ok_or_else(|| WebError::internal("signed-in user vanished"))?;
            let roles = state.accounts().roles_of(&user.id).await?;
            let body = Json(LoginResponse {
                status: "signed_in",
                user: Some(me_json(&user, &roles)),
                challenge: None,
                method: None,
                expires_in: None,
            });
            signed_in_response(state, ctx, headers, s, body).await
        }
        SignInStep::SecondFactor {
            challenge,
            method,
            expires_in_secs,
        } => Ok(Json(LoginResponse {
            status: "second_factor_required",
            user: None,
            challenge: Some(challenge),
            method: Some(method),
            expires_in: Some(expires_in_secs),
        })
        .into_response()),
    }
}

/// Starts a registration; a 6-digit code goes to the e-mail or phone.
#[utoipa::path(post, path = "/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 202, description = "Code sent (the same answer when the address is taken)", body = AcceptedResponse),
        (status = 422, description = "Invalid identifier or weak password", body = ErrorBody),
        (status = 429, description = "Too many codes sent", body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .register(
            Registration {
                identifier: req.identifier,
                password: req.password,
                name: req.name,
                currency: req.currency,
            },
            &ctx.meta(),
        )
        .await?;
    Ok(accepted("verification_sent"))
}

/// Confirms the address with the code and signs in.
#[utoipa::path(post, path = "/auth/verify", tag = "accounts", request_body = VerifyRequest,
    responses(
        (status = 200, description = "Confirmed and signed in (session cookie set)", body = LoginResponse),
        (status = 422, description = "Wrong or expired code", body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Response, WebError> {
    let s = state
        .accounts()
        .verify(&req.identifier, &req.code, &ctx.meta())
        .await?;
    login_json(&state, &ctx, &headers, SignInStep::SignedIn(s)).await
}

/// Sends the confirmation code again.
#[utoipa::path(post, path = "/auth/verify/resend", tag = "accounts", request_body = IdentifierRequest,
    responses((status = 202, description = "Sent if the account awaits confirmation", body = AcceptedResponse)))]
pub async fn resend_verification(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(req): ApiJson<IdentifierRequest>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .resend_verification(&req.identifier, &ctx.meta())
        .await?;
    Ok(accepted("verification_sent"))
}

/// Sends a one-time sign-in code.
#[utoipa::path(post, path = "/auth/code", tag = "accounts", request_body = IdentifierRequest,
    responses((status = 202, description = "Sent if the account exists", body = AcceptedResponse),
        (status = 429, description = "Too many codes", body = ErrorBody)))]
pub async fn send_code(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(req): ApiJson<IdentifierRequest>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .send_sign_in_code(&req.identifier, &ctx.meta())
        .await?;
    Ok(accepted("code_sent"))
}

/// Signs in with a password or a sign-in code. With two-factor on, answers with a challenge.
#[utoipa::path(post, path = "/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in (cookie set), or a second-factor challenge", body = LoginResponse),
        (status = 401, description = "Wrong credentials", body = ErrorBody),
        (status = 403, description = "Address not confirmed yet (a new code was sent)", body = ErrorBody),
        (status = 429, description = "Too many failures; see Retry-After", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, WebError> {
    let step = match (req.password.as_deref(), req.code.as_deref()) {
        (Some(p), _) => {
            state
                .accounts()
                .sign_in_password(&req.identifier, p, &ctx.meta())
                .await?
        }
        (None, Some(c)) => {
            state
                .accounts()
                .sign_in_code(&req.identifier, c, &ctx.meta())
                .await?
        }
        (None, None) => return Err(WebError::invalid_field("password", "reason-required")),
    };
    login_json(&state, &ctx, &headers, step).await
}

/// Answers a second-factor challenge (or asks for another SMS/e-mail code).
#[utoipa::path(post, path = "/auth/2fa", tag = "accounts", request_body = SecondFactorRequest,
    responses(
        (status = 200, description = "Signed in (cookie set)", body = LoginResponse),
        (status = 202, description = "Another code sent", body = AcceptedResponse),
        (status = 401, description = "Challenge expired: sign in again", body = ErrorBody),
        (status = 422, description = "Wrong code", body = ErrorBody)))]
pub async fn second_factor(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SecondFactorRequest>,
) -> Result<Response, WebError> {
    if req.resend {
        state
            .accounts()
            .resend_second_factor(&req.challenge)
            .await?;
        return Ok(accepted("code_sent"));
    }
    let code = req
        .code
        .ok_or_else(|| WebError::invalid_field("code", "reason-required"))?;
    let s = state
        .accounts()
        .sign_in_second_factor(&req.challenge, &code, &ctx.meta())
        .await?;
    login_json(&state, &ctx, &headers, SignInStep::SignedIn(s)).await
}

/// Sends a reset link (e-mail) or code (SMS). The same answer whether or not the account exists.
#[utoipa::path(post, path = "/auth/password-reset", tag = "accounts", request_body = ResetRequest,
    responses((status = 202, description = "Sent if the account exists", body = AcceptedResponse),
        (status = 429, description = "Too many requests", body = ErrorBody)))]
pub async fn password_reset(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(req): ApiJson<ResetRequest>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .request_password_reset(&req.identifier, &ctx.meta())
        .await?;
    Ok(accepted("reset_sent"))
}

/// Sets a new password with the link's token or the SMS code. Every session ends.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "accounts", request_body = ResetConfirmRequest,
    responses((status = 204, description = "Password changed; sign in again"),
        (status = 401, description = "Link expired or used", body = ErrorBody),
        (status = 422, description = "Weak password or wrong code", body = ErrorBody)))]
pub async fn password_reset_confirm(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(req): ApiJson<ResetConfirmRequest>,
) -> Result<Response, WebError> {
    let proof = match (req.token, req.identifier, req.code) {
        (Some(t), _, _) => ResetProof::Link(t),
        (None, Some(identifier), Some(code)) => ResetProof::Code { identifier, code },
        _ => return Err(WebError::invalid_field("token", "reason-required")),
    };
    state
        .accounts()
        .complete_password_reset(proof, &req.new_password, &ctx.meta())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Ends the current session.
#[utoipa::path(post, path = "/auth/logout", tag = "accounts",
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    ctx: RequestContext,
) -> Result<Response, WebError> {
    if let Some(user) = &ctx.user {
        state.accounts().sign_out(user, &ctx.meta()).await?;
    }
    let secure = state.config().secure_cookies || ctx.secure;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, secure));
    Ok(res)
}
